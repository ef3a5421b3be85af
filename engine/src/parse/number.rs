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

/// Currency signs, longest first so that `US$` wins over `$`. Each one
/// must be given its meaning in `currency_meaning`.
const CURRENCY_SYMBOLS: [&str; 26] = [
    "US$", "CA$", "AU$", "NZ$", "HK$", "R$", "C$", "A$", "S$", "CHF", "Fr.", "kr.", "kr", "zł",
    "Kč", "$", "€", "£", "¥", "₹", "₽", "₩", "₺", "₪", "₱", "฿",
];

const CURRENCY_CODES: [&str; 36] = [
    "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS",
    "INR", "ISK", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "RUB", "SAR",
    "SEK", "SGD", "THB", "TRY", "TWD", "USD", "ZAR", "AED", "BGN", "CLP",
];

/// What a currency sign or code, as `parse_number` reports it, denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CurrencyMeaning {
    /// One currency, by its ISO 4217 code.
    Code(&'static str),
    /// A sign several currencies write (`$`, `¥`, `kr`): the codes it may
    /// stand for. Only the column can tell which (see `crate::infer`).
    AnyOf(&'static [&'static str]),
}

/// The currencies written `$`: dollars, and the pesos that share the sign.
const DOLLAR_SIGN_CODES: &[&str] = &[
    "USD", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD", "MXN", "CLP",
];
const YEN_SIGN_CODES: &[&str] = &["JPY", "CNY"];
const KRONE_SIGN_CODES: &[&str] = &["DKK", "NOK", "SEK", "ISK"];

/// The currency `found` (one of `parse_number`'s signs or codes) denotes.
/// A match on a few short strings: cheap enough to run for every cell.
pub fn currency_meaning(found: &'static str) -> CurrencyMeaning {
    use CurrencyMeaning::{AnyOf, Code};
    match found {
        "$" => AnyOf(DOLLAR_SIGN_CODES),
        "¥" => AnyOf(YEN_SIGN_CODES),
        "kr" | "kr." => AnyOf(KRONE_SIGN_CODES),
        "US$" => Code("USD"),
        "CA$" | "C$" => Code("CAD"),
        "AU$" | "A$" => Code("AUD"),
        "NZ$" => Code("NZD"),
        "HK$" => Code("HKD"),
        "S$" => Code("SGD"),
        "R$" => Code("BRL"),
        // The only franc still written `Fr.` in spreadsheets is the Swiss one.
        "Fr." => Code("CHF"),
        "zł" => Code("PLN"),
        "Kč" => Code("CZK"),
        "€" => Code("EUR"),
        "£" => Code("GBP"),
        "₹" => Code("INR"),
        "₽" => Code("RUB"),
        "₩" => Code("KRW"),
        "₺" => Code("TRY"),
        "₪" => Code("ILS"),
        "₱" => Code("PHP"),
        "฿" => Code("THB"),
        // Every other currency `parse_number` finds is an ISO code (`CHF`
        // included), which denotes itself.
        code => Code(code),
    }
}

const CURRENCY_COUNT: usize = CURRENCY_SYMBOLS.len() + CURRENCY_CODES.len();

/// The symbols, then the codes: the order they are tried in.
const fn currency(i: usize) -> &'static str {
    if i < CURRENCY_SYMBOLS.len() {
        CURRENCY_SYMBOLS[i]
    } else {
        CURRENCY_CODES[i - CURRENCY_SYMBOLS.len()]
    }
}

/// The currencies grouped by their first (or last) byte, each group in
/// the order they are tried: a text is compared only with the few that
/// can match its edge (this runs for every text of every column that
/// holds a digit).
struct CurrenciesByEdge {
    /// Indexes for `currency`, grouped by edge byte.
    order: [u8; CURRENCY_COUNT],
    /// The group of byte `b` is `order[start[b]..start[b + 1]]`.
    start: [u8; 257],
}

impl CurrenciesByEdge {
    /// A counting sort by edge byte, stable so that longer symbols
    /// (`US$`) stay ahead of the shorter ones they end or start like.
    const fn new(first: bool) -> CurrenciesByEdge {
        const fn edge(i: usize, first: bool) -> usize {
            let bytes = currency(i).as_bytes();
            (if first {
                bytes[0]
            } else {
                bytes[bytes.len() - 1]
            }) as usize
        }
        let mut start = [0u8; 257];
        let mut i = 0;
        while i < CURRENCY_COUNT {
            start[edge(i, first) + 1] += 1;
            i += 1;
        }
        let mut b = 0;
        while b < 256 {
            start[b + 1] += start[b];
            b += 1;
        }
        let mut next = start;
        let mut order = [0u8; CURRENCY_COUNT];
        let mut i = 0;
        while i < CURRENCY_COUNT {
            let e = edge(i, first);
            order[next[e] as usize] = i as u8;
            next[e] += 1;
            i += 1;
        }
        CurrenciesByEdge { order, start }
    }

    fn at(&self, byte: u8) -> impl Iterator<Item = &'static str> + '_ {
        let b = usize::from(byte);
        let group = &self.order[usize::from(self.start[b])..usize::from(self.start[b + 1])];
        group.iter().map(|&i| currency(usize::from(i)))
    }
}

const CURRENCIES_BY_FIRST_BYTE: CurrenciesByEdge = CurrenciesByEdge::new(true);
const CURRENCIES_BY_LAST_BYTE: CurrenciesByEdge = CurrenciesByEdge::new(false);

fn strip_currency_prefix(s: &str) -> Option<(&'static str, &str)> {
    let &first = s.as_bytes().first()?;
    for symbol in CURRENCIES_BY_FIRST_BYTE.at(first) {
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
    for symbol in CURRENCIES_BY_LAST_BYTE.at(last) {
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
    let mut s = super::text::trim(text);
    if s.is_empty() || s.len() > MAX_TEXT {
        return None;
    }
    let bytes = s.as_bytes();
    if bytes[0].is_ascii_digit() && bytes[bytes.len() - 1].is_ascii_digit() {
        // Most numbers: no sign, currency, parenthesis, percent or unit
        // can sit at either end, so the text is its own core.
        return read_core(s).map(|core| token(core, false, false, None, None));
    }
    // Every number has an ASCII digit (see `read_core`): names, codes and
    // words are turned away before any stripping.
    if !bytes.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let mut negative = false;
    let mut percent = false;
    let mut currency: Option<&'static str> = None;
    // Copied only when the text turns out to be a number.
    let mut unit: Option<&str> = None;
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
            unit = Some(u);
            s = rest;
        } else {
            break;
        }
    }
    if open_paren != closed_paren || (percent && currency.is_some()) {
        return None;
    }
    let core = s.trim();
    read_core(core).map(|core| token(core, negative, percent, currency, unit.map(str::to_owned)))
}

fn token(
    (magnitudes, grouped, leading_zero, digits): CoreReading,
    negative: bool,
    percent: bool,
    currency: Option<&'static str>,
    unit: Option<String>,
) -> NumberToken {
    NumberToken {
        negative,
        percent,
        currency,
        unit,
        grouped,
        leading_zero,
        digits,
        magnitudes,
    }
}

type CoreReading = ([Option<f64>; 5], bool, bool, usize);

/// Longest text `parse_number` reads (in bytes): the core of a number is
/// never longer, so it fits on the stack.
const MAX_TEXT: usize = 64;

/// The bare digits and separators of a core, read once: the digits in
/// order, the separators counted by kind (normalized to one ASCII byte
/// each), and what the runs of digits between them look like. Every
/// locale's reading is decided from this without looking at the text
/// again.
struct CoreShape {
    digits: [u8; MAX_TEXT],
    digit_count: usize,
    /// Zeros before the first other digit.
    leading_zeros: usize,
    /// The digits as an integer, while there are at most 19 after the
    /// leading zeros (so that it fits a u64).
    mantissa: u64,
    /// How many of each separator: `.`, `,`, `'`, space (see `SEPARATORS`).
    separator_counts: [usize; 4],
    separator_count: usize,
    last_separator: u8,
    /// Digits before the first separator (all of them without one).
    first_run: usize,
    /// Every run between two separators has exactly 3 digits.
    inner_runs_of_three: bool,
    /// Digits after the last separator (all of them without one).
    last_run: usize,
}

/// The separators a core may hold, normalized.
const SEPARATORS: [u8; 4] = [b'.', b',', b'\'', b' '];

/// What scanning a core found.
enum Scanned {
    Shape(CoreShape),
    /// An `e` or `E`: read as scientific notation.
    Scientific,
}

/// Normalizes the separators while it reads the digits. `None` for a
/// character no number has.
fn scan_core(core: &str) -> Option<Scanned> {
    let mut shape = CoreShape {
        digits: [0; MAX_TEXT],
        digit_count: 0,
        leading_zeros: 0,
        mantissa: 0,
        separator_counts: [0; 4],
        separator_count: 0,
        last_separator: 0,
        first_run: 0,
        inner_runs_of_three: true,
        last_run: 0,
    };
    let bytes = core.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let separator = match b {
            b'0'..=b'9' => {
                // A core is at most `MAX_TEXT` bytes, each giving at most
                // one digit or separator.
                *shape.digits.get_mut(shape.digit_count)? = b;
                shape.digit_count += 1;
                if b == b'0' && shape.leading_zeros + 1 == shape.digit_count {
                    shape.leading_zeros += 1;
                } else if shape.digit_count - shape.leading_zeros <= MAX_EXACT_DIGITS {
                    shape.mantissa = shape.mantissa * 10 + u64::from(b - b'0');
                }
                shape.last_run += 1;
                i += 1;
                continue;
            }
            b'.' | b',' | b'\'' | b' ' => {
                i += 1;
                b
            }
            b'e' | b'E' => return Some(Scanned::Scientific),
            // U+00A0 no-break space
            0xC2 if bytes.get(i + 1) == Some(&0xA0) => {
                i += 2;
                b' '
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) => {
                let normalized = match bytes.get(i + 2) {
                    // U+2019 right single quotation mark
                    Some(0x99) => b'\'',
                    // U+202F narrow no-break space, U+2009 thin space
                    Some(0xAF) | Some(0x89) => b' ',
                    _ => return None,
                };
                i += 3;
                normalized
            }
            _ => return None,
        };
        if shape.separator_count == 0 {
            shape.first_run = shape.last_run;
        } else if shape.last_run != 3 {
            shape.inner_runs_of_three = false;
        }
        shape.last_run = 0;
        shape.separator_count += 1;
        shape.last_separator = separator;
        if let Some(kind) = SEPARATORS.iter().position(|&s| s == separator) {
            shape.separator_counts[kind] += 1;
        }
    }
    if shape.separator_count == 0 {
        shape.first_run = shape.last_run;
    }
    Some(Scanned::Shape(shape))
}

/// Powers of ten a double holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Integers up to this are doubles exactly.
const EXACT_MANTISSA: u64 = 1 << 53;

/// Significant digits a u64 always holds.
const MAX_EXACT_DIGITS: usize = 19;

impl CoreShape {
    fn digits(&self) -> &[u8] {
        &self.digits[..self.digit_count]
    }

    fn count_of(&self, separator: u8) -> usize {
        SEPARATORS
            .iter()
            .position(|&s| s == separator)
            .map_or(0, |kind| self.separator_counts[kind])
    }

    /// How each locale reads the core: `None` when its separators do not
    /// fit the locale, else `Some(fraction_digits)` (0 for a whole number).
    /// Only the last separator can be a decimal one (the fraction is all
    /// digits), so every locale that reads a fraction reads the same one.
    fn fraction_digits_by_locale(&self) -> [Option<usize>; 5] {
        // Grouping: 1 to 3 digits, then groups of exactly 3, up to the
        // last separator (its run may be a fraction) or through it.
        let grouped_before_last = (1..=3).contains(&self.first_run) && self.inner_runs_of_three;
        let grouped_through_last = grouped_before_last && self.last_run == 3;
        let mut readings = [None; 5];
        for locale in NumberLocale::ALL {
            let (decimal, group) = (locale.decimal() as u8, locale.group() as u8);
            let decimals = self.count_of(decimal);
            let groups = self.count_of(group);
            let fraction_digits = if decimals == 0 {
                // Every separator groups the integer part.
                if groups != self.separator_count || (groups > 0 && !grouped_through_last) {
                    continue;
                }
                0
            } else {
                // One decimal separator, last, with digits after it; every
                // separator before it groups.
                if decimals != 1
                    || self.last_separator != decimal
                    || self.last_run == 0
                    || groups != self.separator_count - 1
                    || (groups > 0 && !grouped_before_last)
                {
                    continue;
                }
                self.last_run
            };
            let integer_digits = self.digit_count - fraction_digits;
            if integer_digits == 0 && fraction_digits == 0 {
                continue;
            }
            if integer_digits - self.leading_zeros.min(integer_digits) > MAX_INTEGER_DIGITS {
                continue;
            }
            readings[locale.index()] = Some(fraction_digits);
        }
        readings
    }

    /// The magnitude with the last `fraction_digits` digits after the
    /// point: exactly what `f64::from_str` gives for the plain decimal.
    fn magnitude(&self, fraction_digits: usize) -> Option<f64> {
        if self.digit_count - self.leading_zeros <= MAX_EXACT_DIGITS {
            let mut mantissa = self.mantissa;
            let mut exponent = fraction_digits;
            // Trailing zeros of the fraction change neither the value nor
            // its rounding.
            while exponent > 0 && mantissa != 0 && mantissa.is_multiple_of(10) {
                mantissa /= 10;
                exponent -= 1;
            }
            // Both operands are exact doubles, so the one correctly rounded
            // division gives the correctly rounded quotient, as from_str does.
            if mantissa <= EXACT_MANTISSA && exponent < EXACT_POWERS_OF_TEN.len() {
                return Some(mantissa as f64 / EXACT_POWERS_OF_TEN[exponent]);
            }
        }
        // Rare (more than 15 significant digits or 22 places): the standard
        // parser on the plain decimal.
        let digits = self.digits();
        let mut plain = [0u8; PLAIN_CAPACITY];
        let integer_digits = digits.len() - fraction_digits;
        let mut len = 0;
        if integer_digits == 0 {
            plain[0] = b'0';
            len = 1;
        }
        plain[len..len + integer_digits].copy_from_slice(&digits[..integer_digits]);
        len += integer_digits;
        if fraction_digits > 0 {
            plain[len] = b'.';
            plain[len + 1..len + 1 + fraction_digits].copy_from_slice(&digits[integer_digits..]);
            len += 1 + fraction_digits;
        }
        std::str::from_utf8(&plain[..len])
            .ok()
            .and_then(|text| text.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }
}

/// The bare digits and separators, read in every locale. This runs for
/// every numeric-looking cell of every column, so the text is scanned once
/// into a `CoreShape` and each distinct reading (a whole number, or the
/// one fraction the last separator makes) is computed once.
fn read_core(core: &str) -> Option<CoreReading> {
    if core.is_empty() {
        return None;
    }
    let shape = match scan_core(core)? {
        Scanned::Shape(shape) => shape,
        Scanned::Scientific => return read_scientific(core),
    };
    if shape.digit_count == 0 {
        return None;
    }
    let leading_zero = shape.digits[0] == b'0' && shape.first_run >= 2;
    let [points, commas, apostrophes, spaces] = shape.separator_counts;
    let grouped = spaces > 0 || apostrophes > 0 || points + commas > 1;
    let mut magnitudes = [None; 5];
    let mut whole: Option<Option<f64>> = None;
    let mut fraction: Option<Option<f64>> = None;
    let readings = shape.fraction_digits_by_locale();
    for locale in NumberLocale::ALL {
        let Some(fraction_digits) = readings[locale.index()] else {
            continue;
        };
        let slot = if fraction_digits == 0 {
            &mut whole
        } else {
            &mut fraction
        };
        magnitudes[locale.index()] = *slot.get_or_insert_with(|| shape.magnitude(fraction_digits));
    }
    if magnitudes.iter().all(Option::is_none) {
        return None;
    }
    Some((magnitudes, grouped, leading_zero, shape.digit_count))
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
    fn every_currency_sign_has_a_meaning() {
        for sign in CURRENCY_SYMBOLS.iter().chain(CURRENCY_CODES.iter()) {
            let codes = match currency_meaning(sign) {
                CurrencyMeaning::Code(code) => {
                    // Only an ISO code may denote itself: a sign falling
                    // through to the default arm was forgotten.
                    if code == *sign {
                        assert!(CURRENCY_CODES.contains(sign), "{sign} has no meaning");
                    }
                    vec![code]
                }
                CurrencyMeaning::AnyOf(codes) => {
                    assert!(codes.len() >= 2, "{sign}");
                    codes.to_vec()
                }
            };
            for code in codes {
                assert!(CURRENCY_CODES.contains(&code), "{sign} → {code}");
            }
        }
        assert_eq!(currency_meaning("€"), CurrencyMeaning::Code("EUR"));
        assert_eq!(currency_meaning("EUR"), CurrencyMeaning::Code("EUR"));
        assert!(matches!(currency_meaning("$"), CurrencyMeaning::AnyOf(c) if c.contains(&"USD")));
        let t = parse_number("₺1.234,50").unwrap();
        assert_eq!((t.currency, t.value(PointComma)), (Some("₺"), Some(1234.5)));
        assert_eq!(parse_number("12 ₪").unwrap().currency, Some("₪"));
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

#[cfg(test)]
#[path = "number_reference.rs"]
mod reference;

/// The fast parser against the reference (`number_reference.rs`): the
/// same token, every value the same double bit for bit.
#[cfg(test)]
fn assert_agrees_with_reference(text: &str) {
    let fast = parse_number(text);
    let slow = reference::parse_number(text);
    let describe = |token: &Option<NumberToken>| {
        token.as_ref().map(|t| {
            let values: Vec<Option<u64>> = NumberLocale::ALL
                .iter()
                .map(|&l| t.value(l).map(f64::to_bits))
                .collect();
            (
                values,
                t.negative,
                t.percent,
                t.currency,
                t.unit.clone(),
                t.grouped,
                t.leading_zero,
                t.digits,
            )
        })
    };
    assert_eq!(describe(&fast), describe(&slow), "{text:?}");
}

#[cfg(test)]
mod agreement {
    use super::*;

    #[test]
    fn every_short_string_of_digits_and_separators() {
        // All strings of up to 6 characters over digits, every separator
        // and a few affixes: 9^1 + … + 9^6 ≈ 600k texts.
        const ALPHABET: [&str; 9] = ["0", "1", "7", ".", ",", "'", " ", "\u{a0}", "-"];
        let mut indexes: Vec<usize> = Vec::new();
        loop {
            let text: String = indexes.iter().map(|&i| ALPHABET[i]).collect();
            assert_agrees_with_reference(&text);
            // Next string: count in base 9, growing when every position wraps.
            let mut position = 0;
            loop {
                if position == indexes.len() {
                    indexes.push(0);
                    break;
                }
                indexes[position] += 1;
                if indexes[position] < ALPHABET.len() {
                    break;
                }
                indexes[position] = 0;
                position += 1;
            }
            if indexes.len() > 6 {
                break;
            }
        }
    }

    #[test]
    fn long_and_edge_digit_strings() {
        for text in [
            "9007199254740992",
            "9007199254740993",
            "900719925474099.3",
            "9007199254740993.5",
            "123456789012345",
            "1234567890123456",
            "0000000000000000000001",
            "0.1",
            "0.3",
            "0.30000000000000004",
            "1.7976931348623157",
            "0.000000000000000000000001",
            "0.0000000000000000000000000000000000000000000000000000000001",
            "1.00000000000000000000000000",
            "123,456,789,012,345.678901234567890123",
            "999.999.999.999.999,999999999999999999999",
            "18446744073709551615",
            "0.18446744073709551616",
            "4.9406564584124654",
            "2.2250738585072014",
            "1'234'567.000000000000000000001",
            "1 234 567,89",
            "1\u{202f}234,5",
            "1\u{2009}234.5",
            "1’234.5",
            "(1.234,56 €)",
            "-$1,234.56",
            "12,5 %",
            "1.5e3",
            "1.234e5",
            "12.0 oz",
            "1,234-",
            "−0,0",
            "007",
            ".5",
            ",5",
            "5.",
            "1..2",
            "1,,234",
        ] {
            assert_agrees_with_reference(text);
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Digit runs joined by separators: texts that look like numbers in
    /// some locale far more often than random characters do.
    fn number_like() -> impl Strategy<Value = String> {
        let run = "[0-9]{0,7}";
        let separator = prop::sample::select(vec![
            ".", ",", "'", " ", "\u{a0}", "\u{202f}", "\u{2009}", "’",
        ]);
        let affix = prop::sample::select(vec![
            "", "", "", "-", "(", ")", "%", " %", "$", "€", " EUR", "kg", "e", "E2", "x", "US$",
            "CHF ", " zł", "Kč", "kr.", "Fr. ", "£", "₹", "EURO", "−", "+", " oz", "m²",
        ]);
        (
            affix.clone(),
            prop::collection::vec((run, separator), 0..5),
            run,
            affix,
        )
            .prop_map(|(prefix, groups, last, suffix)| {
                let mut text = String::from(prefix);
                for (digits, separator) in groups {
                    text.push_str(&digits);
                    text.push_str(separator);
                }
                text.push_str(&last);
                text.push_str(suffix);
                text
            })
    }

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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn agrees_with_the_reference_on_number_like_text(text in number_like()) {
            assert_agrees_with_reference(&text);
        }

        #[test]
        fn agrees_with_the_reference_on_separator_soup(
            text in "[0-9.,'’ \u{a0}\u{202f}\u{2009}eE+\\-−%()$€]{0,24}"
        ) {
            assert_agrees_with_reference(&text);
        }

        #[test]
        fn agrees_with_the_reference_on_long_digit_strings(
            text in "[0-9]{0,30}([.,][0-9]{0,34})?"
        ) {
            assert_agrees_with_reference(&text);
        }

        #[test]
        fn agrees_with_the_reference_on_any_text(text in "\\PC{0,24}") {
            assert_agrees_with_reference(&text);
        }
    }
}
