//! Numbers as people type them: grouping and decimal separators of every
//! common locale, currency symbols and ISO codes on either side, `%`,
//! accounting negatives `(1,234.56)`, trailing minus `1234-` and unit
//! suffixes (`12.0 oz`).

use serde::{Deserialize, Serialize};

/// How a column writes its numbers, named by how it writes 1234.56.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NumberLocale {
    /// English and most software: `1,234.56`.
    #[serde(rename = "1,234.56")]
    CommaPoint,
    /// German, Italian, Spanish, Dutch…: `1.234,56`.
    #[serde(rename = "1.234,56")]
    PointComma,
    /// French, Nordic, Eastern European: `1 234,56`.
    #[serde(rename = "1 234,56")]
    SpaceComma,
    /// Swiss: `1'234.56`.
    #[serde(rename = "1'234.56")]
    ApostrophePoint,
    /// SI / ISO 80000: `1 234.56`.
    #[serde(rename = "1 234.56")]
    SpacePoint,
}

impl NumberLocale {
    /// In the order ties are broken: the most common convention first.
    pub const ALL: [NumberLocale; 5] = [
        NumberLocale::CommaPoint,
        NumberLocale::PointComma,
        NumberLocale::SpaceComma,
        NumberLocale::ApostrophePoint,
        NumberLocale::SpacePoint,
    ];

    pub fn decimal(self) -> char {
        match self {
            NumberLocale::CommaPoint | NumberLocale::ApostrophePoint | NumberLocale::SpacePoint => {
                '.'
            }
            NumberLocale::PointComma | NumberLocale::SpaceComma => ',',
        }
    }

    pub fn group(self) -> char {
        match self {
            NumberLocale::CommaPoint => ',',
            NumberLocale::PointComma => '.',
            NumberLocale::SpaceComma | NumberLocale::SpacePoint => ' ',
            NumberLocale::ApostrophePoint => '\'',
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The name used in profiles and recipes, e.g. `1.234,56`.
    pub fn label(self) -> &'static str {
        match self {
            NumberLocale::CommaPoint => "1,234.56",
            NumberLocale::PointComma => "1.234,56",
            NumberLocale::SpaceComma => "1 234,56",
            NumberLocale::ApostrophePoint => "1'234.56",
            NumberLocale::SpacePoint => "1 234.56",
        }
    }
}

/// Everything a cell's text says about the number in it. The magnitude is
/// kept for every locale the digits are valid in, so that a column can pick
/// its locale from evidence and read every cell the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberToken {
    pub negative: bool,
    pub percent: bool,
    /// Canonical symbol or ISO code, as found (`$`, `€`, `EUR`…).
    pub currency: Option<&'static str>,
    pub unit: Option<String>,
    /// Whether the digits use a grouping separator.
    pub grouped: bool,
    /// Digits of the integer part had a leading zero (`007`): a code, not
    /// a quantity.
    pub leading_zero: bool,
    /// How many digits the text has (`usize::MAX` in scientific notation):
    /// with at most 15, the value read is the nearest double of a decimal
    /// a double holds to 15 significant digits.
    pub(crate) digits: usize,
    magnitudes: [Option<f64>; 5],
}

impl NumberToken {
    /// The signed value when read in `locale`.
    pub fn value(&self, locale: NumberLocale) -> Option<f64> {
        self.magnitudes[locale.index()].map(|m| self.sign(m))
    }

    fn sign(&self, magnitude: f64) -> f64 {
        if self.negative && magnitude != 0.0 {
            -magnitude
        } else {
            magnitude
        }
    }

    pub fn is_valid_in(&self, locale: NumberLocale) -> bool {
        self.magnitudes[locale.index()].is_some()
    }

    /// The value when every locale the text is valid in agrees on it; a
    /// cell like `12.5` or `1.234,56` needs no column evidence.
    pub fn unambiguous_value(&self) -> Option<f64> {
        let mut valid = self.magnitudes.iter().flatten();
        let first = *valid.next()?;
        valid.all(|&m| m == first).then(|| self.sign(first))
    }

    /// The value in `preferred`, or else the one all other readings agree on.
    pub fn value_preferring(&self, preferred: NumberLocale) -> Option<f64> {
        self.value(preferred).or_else(|| self.unambiguous_value())
    }
}

/// Currency signs, longest first so that `US$` wins over `$`.
const CURRENCY_SYMBOLS: [&str; 22] = [
    "US$", "CA$", "AU$", "NZ$", "HK$", "R$", "C$", "A$", "S$", "CHF", "Fr.", "kr.", "kr", "zł",
    "Kč", "$", "€", "£", "¥", "₹", "₽", "₩",
];

const CURRENCY_CODES: [&str; 36] = [
    "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS",
    "INR", "ISK", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "RUB", "SAR",
    "SEK", "SGD", "THB", "TRY", "TWD", "USD", "ZAR", "AED", "BGN", "CLP",
];

fn strip_currency_prefix(s: &str) -> Option<(&'static str, &str)> {
    // No symbol starts with a digit; comparing first bytes spares most of
    // the string comparisons (this runs for every cell of every column).
    let &first = s.as_bytes().first()?;
    if first.is_ascii_digit() {
        return None;
    }
    for symbol in CURRENCY_SYMBOLS.iter().chain(CURRENCY_CODES.iter()) {
        if symbol.as_bytes()[0] != first {
            continue;
        }
        if let Some(rest) = s.strip_prefix(symbol) {
            // `CHF12` and `EUR 12` are currencies, `EURO12` is not.
            if rest.chars().next().is_some_and(char::is_alphabetic) {
                continue;
            }
            return Some((symbol, rest));
        }
    }
    None
}

fn strip_currency_suffix(s: &str) -> Option<(&'static str, &str)> {
    let &last = s.as_bytes().last()?;
    if last.is_ascii_digit() {
        return None;
    }
    for symbol in CURRENCY_SYMBOLS.iter().chain(CURRENCY_CODES.iter()) {
        if symbol.as_bytes()[symbol.len() - 1] != last {
            continue;
        }
        if let Some(rest) = s.strip_suffix(symbol) {
            if rest.chars().next_back().is_some_and(char::is_alphabetic) {
                continue;
            }
            return Some((symbol, rest));
        }
    }
    None
}

/// A trailing word such as `oz`, `kg`, `m²`, `pcs`.
fn strip_unit(s: &str) -> Option<(&str, &str)> {
    let trimmed = s.trim_end();
    let start = trimmed
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphabetic() || matches!(c, '²' | '³' | '/' | 'µ'))
        .last()
        .map(|(i, _)| i)?;
    let unit = &trimmed[start..];
    let rest = &trimmed[..start];
    let unit_ok = unit.chars().count() <= 8
        && unit.chars().next().is_some_and(char::is_alphabetic)
        && rest
            .trim_end()
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit() || c == '.');
    unit_ok.then_some((unit, rest))
}

const MINUS_SIGNS: [char; 3] = ['-', '−', '–'];

/// Reads a cell's text as a number, or `None` when it is not one.
pub fn parse_number(text: &str) -> Option<NumberToken> {
    let mut s = text.trim();
    // Every number has an ASCII digit (see `read_core`): names, codes and
    // words are turned away before any stripping.
    if s.is_empty() || s.len() > 64 || !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut negative = false;
    let mut percent = false;
    let mut currency: Option<&'static str> = None;
    let mut unit: Option<String> = None;
    let mut open_paren = false;

    // Prefixes: sign, currency and an opening parenthesis, in any order
    // (`-$5`, `$-5`, `($5)`, `$(5)`).
    for _ in 0..4 {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix(MINUS_SIGNS) {
            if negative {
                return None;
            }
            negative = true;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        } else if let Some(rest) = s.strip_prefix('(') {
            if open_paren {
                return None;
            }
            open_paren = true;
            negative = true;
            s = rest;
        } else if currency.is_none()
            && let Some((symbol, rest)) = strip_currency_prefix(s)
        {
            currency = Some(symbol);
            s = rest;
        } else {
            break;
        }
    }
    // Suffixes: closing parenthesis, percent, trailing minus, currency, unit.
    let mut closed_paren = false;
    for _ in 0..5 {
        s = s.trim_end();
        if let Some(rest) = s.strip_suffix(')') {
            if !open_paren || closed_paren {
                return None;
            }
            closed_paren = true;
            s = rest;
        } else if let Some(rest) = s.strip_suffix('%') {
            if percent {
                return None;
            }
            percent = true;
            s = rest;
        } else if let Some(rest) = s.strip_suffix(MINUS_SIGNS) {
            if negative {
                return None;
            }
            negative = true;
            s = rest;
        } else if currency.is_none()
            && let Some((symbol, rest)) = strip_currency_suffix(s)
        {
            currency = Some(symbol);
            s = rest;
        } else if unit.is_none()
            && currency.is_none()
            && !percent
            && let Some((u, rest)) = strip_unit(s)
        {
            unit = Some(u.to_owned());
            s = rest;
        } else {
            break;
        }
    }
    if open_paren != closed_paren || (percent && currency.is_some()) {
        return None;
    }
    let core = s.trim();
    read_core(core).map(|(magnitudes, grouped, leading_zero, digits)| NumberToken {
        negative,
        percent,
        currency,
        unit,
        grouped,
        leading_zero,
        digits,
        magnitudes,
    })
}

type CoreReading = ([Option<f64>; 5], bool, bool, usize);

/// Longest text `parse_number` reads (in bytes): the core of a number is
/// never longer, so it fits on the stack.
const MAX_TEXT: usize = 64;

/// The bare digits and separators, read in every locale. This runs for
/// every numeric-looking cell of every column, so it works on a byte
/// buffer on the stack and parses each distinct digit string once (most
/// texts read the same in several locales).
fn read_core(core: &str) -> Option<CoreReading> {
    if core.is_empty() {
        return None;
    }
    // Separators normalized to one byte each: a text of at most
    // `MAX_TEXT` bytes normalizes to at most as many.
    let mut buffer = [0u8; MAX_TEXT];
    let mut len = 0usize;
    let mut digits = 0usize;
    for c in core.chars() {
        let byte = match c {
            '0'..='9' => {
                digits += 1;
                c as u8
            }
            '.' | ',' | '\'' => c as u8,
            '’' => b'\'',
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' => b' ',
            'e' | 'E' => return read_scientific(core),
            _ => return None,
        };
        *buffer.get_mut(len)? = byte;
        len += 1;
    }
    if digits == 0 {
        return None;
    }
    let normalized = &buffer[..len];
    let leading_zero = len > 1 && normalized[0] == b'0' && normalized[1].is_ascii_digit();
    let grouped = normalized.iter().any(|&b| b == b' ' || b == b'\'')
        || normalized
            .iter()
            .filter(|&&b| b == b',' || b == b'.')
            .count()
            > 1;
    let mut magnitudes = [None; 5];
    // Every locale that reads the text keeps all its digits in order and
    // puts the point where its decimal separator is: two locales with the
    // same decimal separator (or none in the text) read the same plain
    // digits, so each such reading is parsed once.
    let mut parsed: [Option<Option<f64>>; 3] = [None; 3];
    let mut plain = [0u8; PLAIN_CAPACITY];
    for locale in NumberLocale::ALL {
        let Some(plain_len) = plain_digits_in_locale(normalized, locale, &mut plain) else {
            continue;
        };
        let slot = match (plain[..plain_len].contains(&b'.'), locale.decimal()) {
            (false, _) => 0,
            (true, '.') => 1,
            (true, _) => 2,
        };
        let value = *parsed[slot].get_or_insert_with(|| {
            std::str::from_utf8(&plain[..plain_len])
                .ok()
                .and_then(|text| text.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        });
        magnitudes[locale.index()] = value;
    }
    if magnitudes.iter().all(Option::is_none) {
        return None;
    }
    Some((magnitudes, grouped, leading_zero, digits))
}

/// `1.5e3`, `2E-7`: only ever written with a decimal point.
fn read_scientific(core: &str) -> Option<CoreReading> {
    let (mantissa, exponent) = core.split_once(['e', 'E'])?;
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|&b| b == b'.').count() <= 1
        && mantissa.bytes().any(|b| b.is_ascii_digit());
    let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let exponent_ok = !exponent_digits.is_empty()
        && exponent_digits.len() <= 3
        && exponent_digits.bytes().all(|b| b.is_ascii_digit());
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let value: f64 = core.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let mut magnitudes = [None; 5];
    for locale in NumberLocale::ALL {
        if locale.decimal() == '.' {
            magnitudes[locale.index()] = Some(value);
        }
    }
    Some((magnitudes, false, false, usize::MAX))
}

/// More integer digits than an f64 holds exactly: an account or card
/// number, never a quantity.
const MAX_INTEGER_DIGITS: usize = 15;

/// Room for the plain form of a normalized core: its digits, a `0` when
/// the integer part is empty, and the decimal point.
const PLAIN_CAPACITY: usize = MAX_TEXT + 2;

/// Writes the digits of `s` read in `locale` as a plain decimal
/// (`1234.56`) into `plain` and returns its length, or `None` when the
/// separators do not fit the locale.
fn plain_digits_in_locale(
    s: &[u8],
    locale: NumberLocale,
    plain: &mut [u8; PLAIN_CAPACITY],
) -> Option<usize> {
    // Both separators are ASCII.
    let (decimal, group) = (locale.decimal() as u8, locale.group() as u8);
    let (int_part, frac_part) = match s.iter().position(|&b| b == decimal) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(frac) = frac_part
        && (frac.is_empty() || !frac.iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    let mut len = 0usize;
    if int_part.contains(&group) {
        for (i, g) in int_part.split(|&b| b == group).enumerate() {
            let len_ok = if i == 0 {
                (1..=3).contains(&g.len())
            } else {
                g.len() == 3
            };
            if !len_ok || !g.iter().all(u8::is_ascii_digit) {
                return None;
            }
            plain[len..len + g.len()].copy_from_slice(g);
            len += g.len();
        }
    } else {
        if !int_part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        plain[..int_part.len()].copy_from_slice(int_part);
        len = int_part.len();
    }
    if len == 0 && frac_part.is_none() {
        return None;
    }
    let significant = plain[..len].iter().skip_while(|&&b| b == b'0').count();
    if significant > MAX_INTEGER_DIGITS {
        return None;
    }
    if len == 0 {
        plain[0] = b'0';
        len = 1;
    }
    if let Some(frac) = frac_part {
        plain[len] = b'.';
        plain[len + 1..len + 1 + frac.len()].copy_from_slice(frac);
        len += 1 + frac.len();
    }
    Some(len)
}

/// Writes `value` the way `locale` does, with grouping. Used to write
/// numbers for people and, in tests, to check that parsing inverts it.
pub fn format_number(value: f64, locale: NumberLocale, grouping: bool) -> String {
    let plain = format!("{}", value.abs());
    let (int_part, frac_part) = match plain.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (plain.as_str(), None),
    };
    let mut out = String::with_capacity(plain.len() + 8);
    if value < 0.0 {
        out.push('-');
    }
    for (i, c) in int_part.chars().enumerate() {
        if grouping && i > 0 && (int_part.len() - i).is_multiple_of(3) {
            out.push(locale.group());
        }
        out.push(c);
    }
    if let Some(frac) = frac_part {
        out.push(locale.decimal());
        out.push_str(frac);
    }
    out
}

/// The machine-readable form: `.` decimal point, no grouping, no exponent,
/// no negative zero.
pub fn format_plain(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    format!("{value}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use NumberLocale::*;

    fn value(text: &str, locale: NumberLocale) -> Option<f64> {
        parse_number(text)?.value(locale)
    }

    #[test]
    fn every_locale_reads_its_own_grouping() {
        assert_eq!(value("1,234.56", CommaPoint), Some(1234.56));
        assert_eq!(value("1.234,56", PointComma), Some(1234.56));
        assert_eq!(value("1 234,56", SpaceComma), Some(1234.56));
        assert_eq!(value("1\u{202f}234,56", SpaceComma), Some(1234.56));
        assert_eq!(value("1'234.56", ApostrophePoint), Some(1234.56));
        assert_eq!(value("1 234.56", SpacePoint), Some(1234.56));
        assert_eq!(value("1,234,567", CommaPoint), Some(1_234_567.0));
        assert_eq!(value("1.234.567", PointComma), Some(1_234_567.0));
    }

    #[test]
    fn ambiguity_is_reported_not_guessed() {
        let t = parse_number("1,234").unwrap();
        assert_eq!(t.value(CommaPoint), Some(1234.0));
        assert_eq!(t.value(PointComma), Some(1.234));
        assert_eq!(t.unambiguous_value(), None);
        assert_eq!(
            parse_number("12,5").unwrap().unambiguous_value(),
            Some(12.5)
        );
        assert_eq!(
            parse_number("1.234,56").unwrap().unambiguous_value(),
            Some(1234.56)
        );
        assert_eq!(parse_number("42").unwrap().unambiguous_value(), Some(42.0));
        // A decimal comma with four places: French or German, never English.
        assert_eq!(
            parse_number("1,2345").unwrap().unambiguous_value(),
            Some(1.2345)
        );
        assert!(parse_number("1.2.3,4,5").is_none());
    }

    #[test]
    fn signs_currencies_percent_and_units() {
        let t = parse_number("(1,234.56)").unwrap();
        assert_eq!(t.value(CommaPoint), Some(-1234.56));
        assert_eq!(value("1234.56-", CommaPoint), Some(-1234.56));
        assert_eq!(value("−5", CommaPoint), Some(-5.0));
        let t = parse_number("$ (1,234.56)").unwrap();
        assert_eq!(
            (t.currency, t.value(CommaPoint)),
            (Some("$"), Some(-1234.56))
        );
        let t = parse_number("1.234,56 €").unwrap();
        assert_eq!(
            (t.currency, t.value(PointComma)),
            (Some("€"), Some(1234.56))
        );
        let t = parse_number("EUR 12").unwrap();
        assert_eq!(t.currency, Some("EUR"));
        let t = parse_number("12 USD").unwrap();
        assert_eq!(t.currency, Some("USD"));
        let t = parse_number("5 %").unwrap();
        assert!(t.percent);
        assert_eq!(t.value(CommaPoint), Some(5.0));
        let t = parse_number("12.0 oz").unwrap();
        assert_eq!(
            (t.unit.as_deref(), t.value(CommaPoint)),
            (Some("oz"), Some(12.0))
        );
        let t = parse_number("5kg").unwrap();
        assert_eq!(t.unit.as_deref(), Some("kg"));
        assert_eq!(value("1.5e3", CommaPoint), Some(1500.0));
        assert_eq!(value("-0", CommaPoint), Some(0.0));
    }

    #[test]
    fn things_that_are_not_numbers() {
        for text in [
            "",
            "-",
            ".",
            "abc",
            "12abc34",
            "1-2",
            "2024-01-15",
            "(5",
            "5)",
            "--5",
            "$",
            "%",
            "1234567890123456789",
            "e5",
            "INV-001",
            "10:30",
        ] {
            assert!(parse_number(text).is_none(), "{text:?}");
        }
        assert!(parse_number("007").unwrap().leading_zero);
        assert!(!parse_number("0.5").unwrap().leading_zero);
    }

    #[test]
    fn formatting_is_plain_and_groupable() {
        assert_eq!(format_number(-1234567.5, PointComma, true), "-1.234.567,5");
        assert_eq!(format_number(123.0, CommaPoint, true), "123");
        assert_eq!(format_plain(-0.0), "0");
        assert_eq!(format_plain(1e21), "1000000000000000000000");
        assert_eq!(format_plain(0.1), "0.1");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn locale() -> impl Strategy<Value = NumberLocale> {
        prop::sample::select(NumberLocale::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn format_then_parse_round_trips(
            cents in -99_999_999_999_999i64..99_999_999_999_999i64,
            scale in 0u32..4,
            locale in locale(),
            grouping: bool,
        ) {
            let value = cents as f64 / 10f64.powi(scale as i32);
            let text = format_number(value, locale, grouping);
            let token = parse_number(&text).expect("formatted numbers parse");
            prop_assert_eq!(token.value(locale), Some(value), "{}", text);
            let plain = format_plain(value);
            prop_assert_eq!(plain.parse::<f64>().ok(), Some(value));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,24}") {
            let _ = parse_number(&text);
        }
    }
}
