//! Letter case of short text values (names, categories) and how to make it
//! consistent without mangling names: `O'Brien`, `McDonald`, `Müller`,
//! `Acme GmbH`, `Louis XIV`, `Bank of America`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextCase {
    Lower,
    Upper,
    Title,
}

/// The case style a value is written in, if it has a clear one. Values
/// with fewer than two letters say nothing.
pub fn case_of(text: &str) -> Option<TextCase> {
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    if upper + lower < 2 {
        return None;
    }
    if upper == 0 {
        Some(TextCase::Lower)
    } else if lower == 0 {
        Some(TextCase::Upper)
    } else if title_case(text) == text {
        Some(TextCase::Title)
    } else {
        None
    }
}

pub fn to_case(text: &str, case: TextCase) -> String {
    match case {
        TextCase::Lower => text.to_lowercase(),
        TextCase::Upper => text.to_uppercase(),
        TextCase::Title => title_case(text),
    }
}

/// Words that keep a fixed spelling in a title-cased name.
const FIXED_WORDS: [(&str, &str); 24] = [
    ("gmbh", "GmbH"),
    ("ag", "AG"),
    ("llc", "LLC"),
    ("llp", "LLP"),
    ("plc", "PLC"),
    ("sa", "SA"),
    ("sas", "SAS"),
    ("sarl", "SARL"),
    ("spa", "SpA"),
    ("nv", "NV"),
    ("bv", "BV"),
    ("se", "SE"),
    ("kg", "KG"),
    ("ab", "AB"),
    ("usa", "USA"),
    ("uk", "UK"),
    ("eu", "EU"),
    ("ii", "II"),
    ("iii", "III"),
    ("iv", "IV"),
    ("vi", "VI"),
    ("vii", "VII"),
    ("viii", "VIII"),
    ("ix", "IX"),
];

/// Lower-case inside a name unless first: `Bank of America`, `Ludwig van
/// Beethoven`.
const PARTICLES: [&str; 14] = [
    "of", "and", "the", "van", "von", "der", "den", "de", "du", "da", "di", "del", "la", "y",
];

/// Title case for names and labels.
pub fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut first_word = true;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.is_empty() {
            continue;
        }
        out.push_str(&title_word(word, first_word));
        first_word = false;
    }
    out
}

fn title_word(word: &str, first: bool) -> String {
    // Codes like `3M` or `A4` are left exactly as written.
    if word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_owned();
    }
    let lower = word.to_lowercase();
    if let Some((_, fixed)) = FIXED_WORDS.iter().find(|(l, _)| *l == lower) {
        return (*fixed).to_owned();
    }
    if !first && PARTICLES.contains(&lower.as_str()) {
        return lower;
    }
    let mut out = String::with_capacity(word.len());
    let mut capitalize = true;
    let mut part_len = 0usize;
    let chars: Vec<char> = lower.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if capitalize && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            capitalize = false;
        } else {
            out.push(c);
        }
        part_len += 1;
        match c {
            '-' | '/' | '(' | '.' => {
                capitalize = true;
                part_len = 0;
            }
            // O'Brien, D'Angelo, l'Oréal — but not don't.
            '\'' | '’' => {
                capitalize = part_len == 2;
                part_len = 0;
            }
            _ => {}
        }
        // McDonald: `Mc` followed by at least two letters.
        if i == 1 && chars[0] == 'm' && c == 'c' && chars.len() > 3 {
            capitalize = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_title_cased_correctly() {
        assert_eq!(title_case("o'brien"), "O'Brien");
        assert_eq!(title_case("MCDONALD"), "McDonald");
        assert_eq!(title_case("müller"), "Müller");
        assert_eq!(title_case("ACME GMBH"), "Acme GmbH");
        assert_eq!(title_case("mary-jane smith"), "Mary-Jane Smith");
        assert_eq!(title_case("bank of america"), "Bank of America");
        assert_eq!(title_case("henry viii"), "Henry VIII");
        assert_eq!(title_case("don't stop"), "Don't Stop");
        assert_eq!(title_case("3M company"), "3M Company");
        assert_eq!(title_case("mack"), "Mack");
    }

    #[test]
    fn case_styles() {
        assert_eq!(case_of("acme gmbh"), Some(TextCase::Lower));
        assert_eq!(case_of("EU"), Some(TextCase::Upper));
        assert_eq!(case_of("Acme GmbH"), Some(TextCase::Title));
        assert_eq!(case_of("O'Brien"), Some(TextCase::Title));
        assert_eq!(case_of("aCME"), None);
        assert_eq!(case_of("x"), None);
    }
}
