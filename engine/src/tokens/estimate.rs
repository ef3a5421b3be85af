//! A calibrated estimate of the Gemma 3 SentencePiece tokenizer that every
//! Gemini model uses, with no model file: pure Rust, a few hundred bytes of
//! code in the wasm build, the same number natively and in the task pane.
//!
//! The tokenizer splits every digit into its own token, keeps runs of
//! whitespace as tokens, attaches one leading space to the word after it and
//! holds most words of European languages whole in its 262,144-entry
//! vocabulary. The estimate follows those rules; the word-length constants
//! were fitted against the real tokenizer on the spreadsheet-like corpus of
//! `engine/tests/support/token_corpus.rs` (see `docs/BENCHMARKS.md`).

/// What a character is, for the estimate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    Letter,
    Space,
    Newline,
    Tab,
    /// CJK ideographs, kana, hangul: about one token each.
    Wide,
    Other,
}

fn class(c: char) -> Class {
    match c {
        '0'..='9' => Class::Digit,
        ' ' => Class::Space,
        '\n' | '\r' => Class::Newline,
        '\t' => Class::Tab,
        c if c.is_ascii_alphabetic() => Class::Letter,
        c if c.is_ascii() => Class::Other,
        '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}' => Class::Wide,
        c if c.is_numeric() => Class::Digit,
        c if c.is_alphabetic() => Class::Letter,
        c if c.is_whitespace() => Class::Space,
        _ => Class::Other,
    }
}

/// Tokens of one run of letters (a word, or a part of a camel-case word);
/// `glued` when it follows `.`, `@`, `_` or `/` with no space (e-mail
/// addresses, paths, identifiers), where the vocabulary has fewer words.
fn word_tokens(word: &[char], glued: bool) -> usize {
    let len = word.len();
    let non_ascii = word.iter().filter(|c| !c.is_ascii()).count();
    let upper = word.iter().filter(|c| c.is_uppercase()).count();
    let (whole, per_token) = if len >= 2 && upper == len {
        // ALLCAPS: acronyms are in the vocabulary; long ones split.
        (ALLCAPS_WHOLE, ALLCAPS_PER_TOKEN)
    } else if glued && upper == 0 {
        (GLUED_WHOLE, GLUED_PER_TOKEN)
    } else {
        (WORD_WHOLE, WORD_PER_TOKEN)
    };
    1 + len.saturating_sub(whole).div_ceil(per_token) + non_ascii.div_ceil(NON_ASCII_PER_EXTRA)
}

// Fitted on the corpus (see the module documentation).
/// Letters a lower-case or capitalised word may have and still be one token.
const WORD_WHOLE: usize = 9;
/// Beyond that, one more token per this many letters.
const WORD_PER_TOKEN: usize = 3;
const ALLCAPS_WHOLE: usize = 4;
const ALLCAPS_PER_TOKEN: usize = 3;
const GLUED_WHOLE: usize = 3;
const GLUED_PER_TOKEN: usize = 2;
/// Accented letters make a word rarer: one more token per this many.
const NON_ASCII_PER_EXTRA: usize = 1;
/// ASCII punctuation in a row (`",`, `,"`, `%,`) merges: one token per
/// this many marks.
const PUNCT_PER_TOKEN: usize = 2;

/// The estimated token count of `text`.
pub fn estimate(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i + 1;
        match class(c) {
            Class::Digit | Class::Wide => tokens += 1,
            Class::Letter => {
                // A word, split where a lower-case letter meets an upper-case
                // one (MacAllister, camelCase).
                let mut glued = i > 0 && matches!(chars[i - 1], '.' | '@' | '_' | '/');
                let mut start = i;
                while j < chars.len() && class(chars[j]) == Class::Letter {
                    if chars[j].is_uppercase() && chars[j - 1].is_lowercase() {
                        tokens += word_tokens(&chars[start..j], glued);
                        start = j;
                        glued = false;
                    }
                    j += 1;
                }
                tokens += word_tokens(&chars[start..j], glued);
            }
            Class::Space => {
                while j < chars.len() && class(chars[j]) == Class::Space {
                    j += 1;
                }
                // One space joins the word or mark after it; a space before
                // a digit, or a longer run, is a token of its own.
                let joins = matches!(
                    chars.get(j).map(|&c| class(c)),
                    Some(Class::Letter | Class::Other)
                );
                if j - i > 1 || !joins {
                    tokens += 1;
                }
            }
            Class::Newline | Class::Tab => {
                while j < chars.len() && chars[j] == c {
                    j += 1;
                }
                tokens += 1;
            }
            Class::Other if c.is_ascii() => {
                while j < chars.len() && chars[j].is_ascii() && class(chars[j]) == Class::Other {
                    j += 1;
                }
                tokens += (j - i).div_ceil(PUNCT_PER_TOKEN);
            }
            // Symbols such as € £ — are one token each.
            Class::Other => tokens += 1,
        }
        i = j;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_one_token_each() {
        assert_eq!(estimate("12345"), 5);
        assert_eq!(estimate(""), 0);
    }

    #[test]
    fn short_words_are_whole() {
        assert_eq!(estimate("paid late"), 2);
    }
}
