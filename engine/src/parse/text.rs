//! Small recognisers for cells that are text on the surface: booleans,
//! placeholders that mean "missing", emails, URLs, phone numbers.

/// `str::trim`, with a shortcut for the usual cell that starts and ends
/// with a visible ASCII character: every recogniser trims its input, so
/// this runs several times for every cell.
pub(crate) fn trim(text: &str) -> &str {
    // The ASCII characters `char::is_whitespace` accepts are U+0009…U+000D
    // and the space; an ASCII byte is a whole character at either end.
    let visible = |b: u8| b.is_ascii() && b != b' ' && !(0x09..=0x0d).contains(&b);
    match text.as_bytes() {
        [first, .., last] if visible(*first) && visible(*last) => text,
        [only] if visible(*only) => text,
        _ => text.trim(),
    }
}

/// How sure we are that a placeholder means "missing".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Placeholder {
    /// `N/A`, `NULL`, `#N/A`, `NaN`: never a real value.
    Certain,
    /// `-`, `?`, `none`, `empty`: missing in a typed column, or when the
    /// column uses it consistently; otherwise possibly a real value.
    Likely,
}

/// Whether `text` is a placeholder for a missing value.
pub fn placeholder_kind(text: &str) -> Option<Placeholder> {
    let t = trim(text);
    if t.is_empty() || t.len() > 12 {
        return None;
    }
    let mut buffer = [0u8; 12];
    match lowercase(t, &mut buffer).as_ref() {
        "n/a" | "n.a." | "n.a" | "#n/a" | "null" | "nan" | "#null!" | "nil" | "(blank)"
        | "(null)" | "(none)" | "<na>" | "<null>" | "#na" => Some(Placeholder::Certain),
        // `NA` is also North America, `Unknown` a legitimate category.
        "na" | "-" | "--" | "---" | "—" | "–" | "?" | "??" | "none" | "empty" | "blank" | "."
        | "tbd" | "n/d" | "missing" | "unknown" => Some(Placeholder::Likely),
        _ => None,
    }
}

/// `text.to_lowercase()` without allocating for short ASCII text (at most
/// `buffer.len()` bytes), which is what every cell of a column is checked
/// against.
pub(crate) fn lowercase<'a>(text: &'a str, buffer: &'a mut [u8]) -> std::borrow::Cow<'a, str> {
    let bytes = text.as_bytes();
    if !text.is_ascii() || bytes.len() > buffer.len() {
        return std::borrow::Cow::Owned(text.to_lowercase());
    }
    if !bytes.iter().any(u8::is_ascii_uppercase) {
        return std::borrow::Cow::Borrowed(text);
    }
    let out = &mut buffer[..bytes.len()];
    out.copy_from_slice(bytes);
    out.make_ascii_lowercase();
    // ASCII in, ASCII out.
    std::borrow::Cow::Borrowed(std::str::from_utf8(out).unwrap_or_default())
}

/// `yes/no`, `Y/N`, `TRUE/FALSE`, `t/f`, and the same in German, French
/// and Spanish. `1`/`0` are numbers here; a column of booleans turns them
/// into booleans (see `crate::infer`).
pub fn parse_bool(text: &str) -> Option<bool> {
    let t = trim(text);
    if t.len() > 8 {
        return None;
    }
    let mut buffer = [0u8; 12];
    match lowercase(t, &mut buffer).as_ref() {
        "true" | "yes" | "y" | "t" | "ja" | "oui" | "si" | "sí" | "wahr" | "vrai" | "on" | "✓"
        | "✔" => Some(true),
        "false" | "no" | "n" | "f" | "nein" | "non" | "falsch" | "faux" | "off" | "✗" => {
            Some(false)
        }
        _ => None,
    }
}

/// A single address: `local@domain.tld`, no spaces.
pub fn is_email(text: &str) -> bool {
    let t = trim(text);
    // Byte searches for the ASCII `@` and `.`: cheaper than a char
    // pattern on short text, and every text of a column may ask.
    let Some(at) = t.bytes().position(|b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&t[..at], &t[at + 1..]);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || is_email_punctuation(c));
    if !local_ok {
        return false;
    }
    let mut rest = domain;
    let mut dots = 0;
    let tld = loop {
        let (label, after) = match rest.bytes().position(|b| b == b'.') {
            Some(dot) => (&rest[..dot], Some(&rest[dot + 1..])),
            None => (rest, None),
        };
        let label_ok = !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !label_ok {
            return false;
        }
        match after {
            Some(after) => {
                dots += 1;
                rest = after;
            }
            None => break label,
        }
    };
    dots > 0 && tld.len() >= 2 && tld.chars().all(char::is_alphabetic)
}

/// The punctuation RFC 5322 allows unquoted in the local part (a `match`
/// rather than a search of a string: this runs for every character of
/// every address).
fn is_email_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | '_'
            | '%'
            | '+'
            | '-'
            | '\''
            | '!'
            | '#'
            | '$'
            | '&'
            | '*'
            | '='
            | '?'
            | '^'
            | '`'
            | '{'
            | '|'
            | '}'
            | '~'
    )
}

/// `https://…`, `http://…`, `www.…`, or `host.tld/path`.
pub fn is_url(text: &str) -> bool {
    let t = trim(text);
    // Cheap rejection first: every URL here starts with `http`, `ftp:`
    // or `www.` in any case.
    let starts = |prefix: &str| {
        t.as_bytes()
            .get(..prefix.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    if !(starts("http") || starts("ftp:") || starts("www.")) {
        return false;
    }
    if t.contains(char::is_whitespace) || t.contains('@') && !t.contains("://") {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    let rest = if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .or_else(|| lower.strip_prefix("ftp://"))
    {
        rest
    } else if lower.starts_with("www.") {
        &lower
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    host.contains('.') && host.split('.').all(|l| !l.is_empty())
}

/// Phone-shaped text: 7 to 15 digits with the usual punctuation, and
/// something that tells it apart from a plain number (a `+`, a separator
/// or a leading zero).
pub fn is_phone(text: &str) -> bool {
    let t = trim(text);
    let mut digits = 0;
    let mut separators = 0;
    for (i, c) in t.chars().enumerate() {
        match c {
            '0'..='9' => digits += 1,
            '+' if i == 0 => separators += 1,
            ' ' | '-' | '.' | '(' | ')' | '/' => separators += 1,
            _ => return false,
        }
    }
    (7..=15).contains(&digits) && (separators > 0 || t.starts_with('0'))
}

/// Country calling codes and whether national numbers drop a leading 0
/// (the trunk prefix) when written internationally.
const CALLING_CODES: [(&str, &str, bool); 28] = [
    ("US", "1", false),
    ("CA", "1", false),
    ("GB", "44", true),
    ("UK", "44", true),
    ("IE", "353", true),
    ("DE", "49", true),
    ("AT", "43", true),
    ("CH", "41", true),
    ("FR", "33", true),
    ("BE", "32", true),
    ("NL", "31", true),
    ("LU", "352", false),
    ("IT", "39", false),
    ("ES", "34", false),
    ("PT", "351", false),
    ("SE", "46", true),
    ("NO", "47", false),
    ("DK", "45", false),
    ("FI", "358", true),
    ("PL", "48", false),
    ("CZ", "420", false),
    ("AU", "61", true),
    ("NZ", "64", true),
    ("IN", "91", true),
    ("JP", "81", true),
    ("SG", "65", false),
    ("ZA", "27", true),
    ("BR", "55", true),
];

/// E.164 (`+14155550123`) when the number says its country (`+…`, `00…`)
/// or `country` (ISO 3166 alpha-2) is given; `None` when it cannot know.
pub fn phone_to_e164(text: &str, country: Option<&str>) -> Option<String> {
    if !is_phone(text) && !trim(text).starts_with('+') {
        return None;
    }
    let t = trim(text);
    // "+44 (0)20 …": the bracketed trunk zero is not dialled from abroad.
    let without_trunk_zero;
    let t = if t.as_bytes().windows(3).any(|w| w == b"(0)") {
        without_trunk_zero = t.replace("(0)", "");
        without_trunk_zero.as_str()
    } else {
        t
    };
    let mut digits = String::with_capacity(t.len());
    for b in t.bytes().filter(u8::is_ascii_digit) {
        digits.push(char::from(b));
    }
    // Built in place: this runs for every phone of a column.
    let mut e164 = String::with_capacity(digits.len() + 4);
    e164.push('+');
    if t.starts_with('+') {
        e164.push_str(&digits);
    } else if let Some(rest) = digits.strip_prefix("00") {
        e164.push_str(rest);
    } else {
        // The table's codes are upper-case ASCII.
        let country = country?;
        let &(_, calling, trunk) = CALLING_CODES
            .iter()
            .find(|(c, _, _)| c.eq_ignore_ascii_case(country))?;
        let national = if trunk {
            digits.strip_prefix('0').unwrap_or(&digits)
        } else if calling == "1" {
            digits.strip_prefix('1').unwrap_or(&digits)
        } else {
            &digits
        };
        if calling == "1" && national.len() != 10 {
            return None;
        }
        e164.push_str(calling);
        e164.push_str(national);
    }
    // Digits are one byte each, after the one-byte `+`.
    (8..=15).contains(&(e164.len() - 1)).then_some(e164)
}

/// Trims, turns every run of whitespace (including no-break spaces) into
/// one space. Returns `None` when nothing changes, to spare an allocation.
pub fn collapse_whitespace(text: &str) -> Option<String> {
    if is_collapsed_ascii(text.as_bytes()) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    (out != text).then_some(out)
}

/// ASCII text with single spaces only between words: what
/// `collapse_whitespace` leaves as it is, told without building a copy
/// (most cells). `false` for any other text, which then takes the full path.
fn is_collapsed_ascii(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return true;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    let mut previous_space = false;
    for &b in bytes {
        // The ASCII characters `char::is_whitespace` accepts are
        // U+0009…U+000D and the space.
        if !b.is_ascii() || (0x09..=0x0d).contains(&b) || (b == b' ' && previous_space) {
            return false;
        }
        previous_space = b == b' ';
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(placeholder_kind(" N/A "), Some(Placeholder::Certain));
        assert_eq!(placeholder_kind("#N/A"), Some(Placeholder::Certain));
        assert_eq!(placeholder_kind("NULL"), Some(Placeholder::Certain));
        assert_eq!(placeholder_kind("-"), Some(Placeholder::Likely));
        assert_eq!(placeholder_kind("empty"), Some(Placeholder::Likely));
        assert_eq!(placeholder_kind("Nancy"), None);
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("N"), Some(false));
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("1"), None);
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn emails_urls_phones() {
        assert!(is_email("ada.lovelace+x@example.co.uk"));
        assert!(!is_email("ada@localhost"));
        assert!(!is_email("a b@example.com"));
        assert!(is_url("https://example.com/x?y=1"));
        assert!(is_url("www.example.org"));
        assert!(!is_url("example"));
        assert!(is_phone("+1 (415) 555-0123"));
        assert!(is_phone("020 7946 0958"));
        assert!(!is_phone("1234567"));
        assert!(!is_phone("12-34"));
        assert_eq!(
            phone_to_e164("(415) 555-0123", Some("US")).as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            phone_to_e164("020 7946 0958", Some("GB")).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_to_e164("+44 (0)20 7946 0958", None).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_to_e164("0049 30 123456", None).as_deref(),
            Some("+4930123456")
        );
        assert_eq!(phone_to_e164("020 7946 0958", None), None);
    }

    #[test]
    fn whitespace() {
        assert_eq!(
            collapse_whitespace("  Acme \u{a0} GmbH\t").as_deref(),
            Some("Acme GmbH")
        );
        assert_eq!(collapse_whitespace("Acme GmbH"), None);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// `phone_to_e164` as first written.
    fn reference_phone_to_e164(text: &str, country: Option<&str>) -> Option<String> {
        if !is_phone(text) && !text.trim().starts_with('+') {
            return None;
        }
        let t = text.trim();
        // "+44 (0)20 …": the bracketed trunk zero is not dialled from abroad.
        let t = t.replace("(0)", "");
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        let e164 = if t.starts_with('+') {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else {
            let code = country?.to_ascii_uppercase();
            let &(_, calling, trunk) = CALLING_CODES.iter().find(|(c, _, _)| *c == code)?;
            let national = if trunk {
                digits.strip_prefix('0').unwrap_or(&digits)
            } else if calling == "1" {
                digits.strip_prefix('1').unwrap_or(&digits)
            } else {
                &digits
            };
            if calling == "1" && national.len() != 10 {
                return None;
            }
            format!("{calling}{national}")
        };
        (8..=15).contains(&e164.len()).then(|| format!("+{e164}"))
    }

    /// `is_email` as first written, with `str` splitting.
    fn reference_is_email(text: &str) -> bool {
        let t = text.trim();
        let Some((local, domain)) = t.split_once('@') else {
            return false;
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "._%+-'!#$&*=?^`{|}~".contains(c));
        if !local_ok {
            return false;
        }
        let mut labels = domain.split('.');
        domain.contains('.')
            && labels.clone().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels
                .next_back()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn trim_is_str_trim(text in "[a\t\n\u{b}\u{c}\r \u{1c}\u{85}\u{a0}\u{2009}é]{0,6}") {
            prop_assert_eq!(trim(&text), text.trim());
        }

        #[test]
        fn trim_is_str_trim_on_any_text(text in "\\PC{0,12}") {
            prop_assert_eq!(trim(&text), text.trim());
        }

        #[test]
        fn is_email_agrees_with_the_reference(
            text in "[a-b1.\\-@é_+%~! ]{0,6}(@[a-c.\\-1é]{0,8})?"
        ) {
            prop_assert_eq!(is_email(&text), reference_is_email(&text), "{:?}", text);
        }

        #[test]
        fn phone_to_e164_agrees_with_the_reference(
            text in "[+0-9 ()\\-]{0,18}",
            country in prop::sample::select(vec!["US", "gb", "DE", "IT", "zz", "Ü"]),
        ) {
            prop_assert_eq!(
                phone_to_e164(&text, Some(country)),
                reference_phone_to_e164(&text, Some(country))
            );
            prop_assert_eq!(phone_to_e164(&text, None), reference_phone_to_e164(&text, None));
        }

        /// The ASCII shortcut only ever answers "unchanged" when the full
        /// collapse changes nothing.
        #[test]
        fn collapsed_ascii_is_left_as_it_is(text in "[a-c \t\n\u{a0}\u{b}]{0,12}") {
            let collapsed = collapse_whitespace(&text);
            let mut slow = String::new();
            for word in text.split(|c: char| c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}') {
                if !word.is_empty() {
                    if !slow.is_empty() {
                        slow.push(' ');
                    }
                    slow.push_str(word);
                }
            }
            prop_assert_eq!(collapsed, (slow != text).then_some(slow));
        }
    }
}
