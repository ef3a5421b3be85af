//! The number parser as it was before it read each core in one scan (a
//! plain decimal per locale, each parsed with `f64::from_str`): kept for
//! tests only, as the reference the fast parser must agree with exactly.

use super::{
    CURRENCY_CODES, CURRENCY_SYMBOLS, CoreReading, MAX_INTEGER_DIGITS, MAX_TEXT, MINUS_SIGNS,
    NumberLocale, NumberToken, PLAIN_CAPACITY, read_scientific,
};

/// Reads a cell's text as a number, or `None` when it is not one.
pub(super) fn parse_number(text: &str) -> Option<NumberToken> {
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
