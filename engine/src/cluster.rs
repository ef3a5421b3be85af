//! Typo and variant repair, as OpenRefine does it: key collision
//! (fingerprint, n-gram fingerprint, a phonetic key) and nearest neighbours
//! (Damerau–Levenshtein, with blocking so that it stays fast), always
//! merging a *rare* variant into a *dominant* spelling, never the reverse;
//! plus dependency checks (zip → city).

use std::collections::{BTreeMap, HashMap};

use unicode_normalization::UnicodeNormalization;

use crate::parse::text::trim;
use crate::recipe::{Finding, StepLog};
use crate::table::{Cell, Column, FastMap, Table};

/// One suggested merge of a spelling into another.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    pub to: String,
    pub method: &'static str,
    pub confidence: f64,
}

/// Lower case, accents folded, punctuation dropped, tokens sorted and
/// deduplicated: `Acme, GmbH.` and `gmbh acme` share `acme gmbh`.
pub fn fingerprint(text: &str) -> String {
    let folded = fold(text);
    // `fold` leaves no whitespace but the ASCII space.
    let tokens = folded.split(' ').filter(|t| !t.is_empty());
    let mut previous: Option<&str> = None;
    let in_order = tokens.clone().all(|t| {
        let after = previous.is_none_or(|p| p < t);
        previous = Some(t);
        after
    });
    if in_order {
        // Sorted and unique already (most names and labels): the fold's
        // own buffer, spaces squeezed, is the fingerprint.
        return squeeze_spaces(folded);
    }
    let mut tokens: Vec<&str> = tokens.collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens.join(" ")
}

/// The words of `text` joined by single spaces, in place.
fn squeeze_spaces(text: String) -> String {
    let mut bytes = text.into_bytes();
    let mut len = 0;
    let mut pending_space = false;
    for i in 0..bytes.len() {
        let b = bytes[i];
        if b == b' ' {
            pending_space = len > 0;
            continue;
        }
        if pending_space {
            bytes[len] = b' ';
            len += 1;
            pending_space = false;
        }
        bytes[len] = b;
        len += 1;
    }
    bytes.truncate(len);
    // Taking ASCII spaces out of UTF-8 leaves UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Lower case, accents folded, anything but letters and digits a space.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        // NFKD leaves ASCII as it is and ASCII has no combining marks.
        let folded: Vec<u8> = text
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    b.to_ascii_lowercase()
                } else {
                    b' '
                }
            })
            .collect();
        return String::from_utf8(folded).unwrap_or_default();
    }
    text.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Sorted unique character bigrams of the fingerprint without spaces:
/// catches split and joined words (`Data Corp` / `DataCorp`).
pub fn ngram_fingerprint(text: &str) -> String {
    let compact: Vec<char> = fold(text).chars().filter(|c| *c != ' ').collect();
    let mut grams: Vec<String> = compact.windows(2).map(|w| w.iter().collect()).collect();
    grams.sort_unstable();
    grams.dedup();
    grams.concat()
}

/// American Soundex of each token: `Smith` and `Smyth` sound alike.
pub fn phonetic_key(text: &str) -> String {
    fingerprint(text)
        .split(' ')
        .map(soundex)
        .collect::<Vec<_>>()
        .join(" ")
}

fn soundex(token: &str) -> String {
    let code = |c: char| match c {
        'b' | 'f' | 'p' | 'v' => '1',
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
        'd' | 't' => '3',
        'l' => '4',
        'm' | 'n' => '5',
        'r' => '6',
        'h' | 'w' => '-',
        _ => '0',
    };
    let mut chars = token.chars().filter(char::is_ascii_alphanumeric);
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out = String::from(first.to_ascii_uppercase());
    let mut last = code(first);
    for c in chars {
        let d = code(c);
        if d == '-' {
            continue;
        }
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    out
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A value's keys for the nearest-neighbour search.
struct Keyed {
    fingerprint: String,
    digits: String,
    /// The fingerprint's characters, sorted, and how many there are.
    letters: Vec<char>,
    chars: usize,
}

impl Keyed {
    fn of(value: &str) -> Keyed {
        let fingerprint = fingerprint(value);
        let mut letters: Vec<char> = fingerprint.chars().collect();
        letters.sort_unstable();
        Keyed {
            digits: digits(value),
            chars: letters.len(),
            letters,
            fingerprint,
        }
    }
}

/// The larger of the two multiset differences of sorted characters: no
/// edit (insertion, deletion, substitution, transposition) changes it by
/// more than one, so it is a lower bound of the Damerau–Levenshtein
/// distance.
fn bag_distance(a: &[char], b: &[char]) -> usize {
    let (mut i, mut j) = (0, 0);
    let (mut only_a, mut only_b) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                only_a += 1;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                only_b += 1;
                j += 1;
            }
        }
    }
    only_a += a.len() - i;
    only_b += b.len() - j;
    only_a.max(only_b)
}

/// A key-collision method: its name, its key and the confidence of a merge.
type KeyMethod = (&'static str, fn(&str) -> String, f64);

/// Variants must be at most this share of their target's count.
const RARE: usize = 2;

/// Merges for the column's text values, keyed by the exact text of the
/// variant. Deterministic: values are visited in sorted order.
pub fn suggest_merges(column: &Column, threshold: f64) -> HashMap<String, Merge> {
    // Counted in a hash map, then sorted once: cheaper than keeping a
    // sorted map of a column with many distinct values.
    let mut counted: FastMap<&str, usize> = FastMap::default();
    for cell in &column.cells {
        if let Cell::Text(t) = cell
            && !trim(t).is_empty()
        {
            *counted.entry(t.as_str()).or_default() += 1;
        }
    }
    let mut counts: Vec<(&str, usize)> = counted.into_iter().collect();
    counts.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut merges: HashMap<String, Merge> = HashMap::new();
    if counts.len() < 2 {
        return merges;
    }
    // Key collision, strongest keys first.
    let methods: [KeyMethod; 3] = [
        ("fingerprint", fingerprint, 0.95),
        ("n-gram fingerprint", ngram_fingerprint, 0.9),
        ("phonetic", phonetic_key, 0.85),
    ];
    for (method, key_of, confidence) in methods {
        let mut groups: BTreeMap<String, Vec<(&str, usize)>> = BTreeMap::new();
        for &(value, n) in &counts {
            if merges.contains_key(value) {
                continue;
            }
            let key = key_of(value);
            if !key.is_empty() {
                groups.entry(key).or_default().push((value, n));
            }
        }
        for members in groups.values().filter(|m| m.len() > 1) {
            let &(top, top_n) = members
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .unwrap_or(&members[0]);
            for &(value, n) in members {
                if value == top || n * RARE > top_n || digits(value) != digits(top) {
                    continue;
                }
                // Phonetic keys collide for different names (Robert /
                // Rupert): require the spelling to be close too.
                let similarity = strsim::normalized_damerau_levenshtein(
                    &value.to_lowercase(),
                    &top.to_lowercase(),
                );
                if method == "phonetic" && similarity < threshold {
                    continue;
                }
                merges.insert(
                    value.to_owned(),
                    Merge {
                        to: top.to_owned(),
                        method,
                        confidence,
                    },
                );
            }
        }
    }
    // Nearest neighbour: rare values against frequent ones, blocked by
    // the first or last letter of the fingerprint and by length. Each
    // value's fingerprint and digits are worked out once.
    let unmerged: Vec<(&str, usize, Keyed)> = counts
        .iter()
        .filter(|(v, _)| !merges.contains_key(*v))
        .map(|&(v, n)| (v, n, Keyed::of(v)))
        .collect();
    let frequent: Vec<&(&str, usize, Keyed)> =
        unmerged.iter().filter(|(_, n, _)| *n >= 2).collect();
    let mut blocks: HashMap<(bool, char), Vec<usize>> = HashMap::new();
    for (i, (_, _, keyed)) in frequent.iter().enumerate() {
        let key = &keyed.fingerprint;
        if let (Some(first), Some(last)) = (key.chars().next(), key.chars().last()) {
            blocks.entry((true, first)).or_default().push(i);
            blocks.entry((false, last)).or_default().push(i);
        }
    }
    for (value, n, keyed) in &unmerged {
        let (value, n, key) = (*value, *n, &keyed.fingerprint);
        let (Some(first), Some(last)) = (key.chars().next(), key.chars().last()) else {
            continue;
        };
        let mut best: Option<(f64, usize)> = None;
        let candidates = blocks
            .get(&(true, first))
            .into_iter()
            .chain(blocks.get(&(false, last)))
            .flatten();
        for &i in candidates {
            let (target, target_n, target_keyed) = frequent[i];
            let target_key = &target_keyed.fingerprint;
            if *target == value
                || n * RARE > *target_n
                || key.len().abs_diff(target_key.len()) > 3
                || keyed.digits != target_keyed.digits
            {
                continue;
            }
            // The edit distance is at least the bag distance: a pair that
            // cannot reach the threshold even so is not worth the distance.
            let longest = keyed.chars.max(target_keyed.chars);
            if longest > 0 {
                let at_least = bag_distance(&keyed.letters, &target_keyed.letters);
                if 1.0 - (at_least as f64) / (longest as f64) < threshold {
                    continue;
                }
            }
            let similarity = strsim::normalized_damerau_levenshtein(key, target_key);
            let better = match best {
                None => true,
                Some((s, j)) => similarity > s || (similarity == s && i < j),
            };
            if similarity >= threshold && better {
                best = Some((similarity, i));
            }
        }
        if let Some((similarity, i)) = best {
            merges.insert(
                value.to_owned(),
                Merge {
                    to: frequent[i].0.to_owned(),
                    method: "nearest neighbour",
                    confidence: (similarity * 0.95 * 100.0).round() / 100.0,
                },
            );
        }
    }
    merges
}

/// A group must have this many rows, and its top value this share, before
/// a row disagreeing with it is called an error.
const MIN_GROUP: usize = 3;
const MIN_SHARE: f64 = 0.75;

/// Flags (and with `fix` repairs) rows whose `b` disagrees with what `a`
/// determines in the rest of the table.
pub fn check_dependency(
    table: &mut Table,
    a: usize,
    b: usize,
    fix: bool,
    step: usize,
    log: &mut StepLog,
) {
    let columns = table.columns();
    let (left, right) = (&columns[a], &columns[b]);
    let mut groups: BTreeMap<String, BTreeMap<String, (usize, usize)>> = BTreeMap::new();
    for (row, (x, y)) in left.cells.iter().zip(&right.cells).enumerate() {
        if x.is_empty() || y.is_empty() {
            continue;
        }
        let entry = groups
            .entry(x.display_key())
            .or_default()
            .entry(y.display_key())
            .or_insert((0, row));
        entry.0 += 1;
    }
    // The value each determinant settles, when it settles one.
    let mut rules: HashMap<&str, (String, usize, f64)> = HashMap::new();
    for (x, values) in &groups {
        let total: usize = values.values().map(|v| v.0).sum();
        let Some((top, &(top_n, top_row))) = values
            .iter()
            .max_by(|p, q| p.1.0.cmp(&q.1.0).then(q.0.cmp(p.0)))
        else {
            continue;
        };
        let share = top_n as f64 / total as f64;
        if total >= MIN_GROUP && share >= MIN_SHARE && values.len() >= 2 {
            rules.insert(x.as_str(), (top.clone(), top_row, share));
        }
    }
    let mut repairs: Vec<(usize, Cell, f64)> = Vec::new();
    for (row, (x, y)) in left.cells.iter().zip(&right.cells).enumerate() {
        if x.is_empty() || y.is_empty() {
            continue;
        }
        if let Some((top, top_row, share)) = rules.get(x.display_key().as_str())
            && y.display_key() != *top
        {
            repairs.push((row, right.cells[*top_row].clone(), *share));
        }
    }
    repairs.sort_by_key(|r| r.0);
    let (a_name, b_name) = (left.name.clone(), right.name.clone());
    for (row, target, share) in repairs {
        let before = table.columns()[b].cells[row].clone();
        log.findings.push(Finding {
            step,
            kind: "dependency",
            row,
            column: Some(b_name.clone()),
            related_row: None,
            suggestion: Some(target.display_key()),
            score: (share * 100.0).round() / 100.0,
            message: format!(
                "{b_name} \"{}\" disagrees with the other rows of the same {a_name}",
                before.display_key()
            ),
        });
        if fix {
            table.columns_mut()[b].cells[row] = target.clone();
            log.changes.push(
                row,
                b,
                before,
                target,
                std::borrow::Cow::Owned(format!(
                    "most rows with the same {a_name} have this {b_name}"
                )),
                (share * 100.0).round() / 100.0,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[&str]) -> Column {
        Column::new(
            "c",
            values.iter().map(|v| Cell::Text((*v).into())).collect(),
        )
    }

    #[test]
    fn keys() {
        assert_eq!(fingerprint("  Acme, GmbH. "), "acme gmbh");
        assert_eq!(fingerprint("GmbH Acme"), "acme gmbh");
        assert_eq!(fingerprint("Müller"), "muller");
        assert_eq!(
            ngram_fingerprint("Data Corp"),
            ngram_fingerprint("DataCorp")
        );
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("smith"), soundex("smyth"));
    }

    #[test]
    fn rare_variants_merge_into_the_dominant_spelling() {
        let mut values = vec!["Acme GmbH"; 5];
        values.extend([
            "acme gmbh",
            "Acme  GmbH.",
            "Acme GmbX",
            "Globex Ltd",
            "Globex Ltd",
        ]);
        values.extend([
            "Globex Ltd",
            "Globx Ltd",
            "Region 1",
            "Region 1",
            "Region 2",
        ]);
        let merges = suggest_merges(&column(&values), 0.8);
        let to = |v: &str| merges.get(v).map(|m| m.to.as_str());
        assert_eq!(to("acme gmbh"), Some("Acme GmbH"));
        assert_eq!(to("Acme  GmbH."), Some("Acme GmbH"));
        assert_eq!(to("Acme GmbX"), Some("Acme GmbH"));
        assert_eq!(to("Globx Ltd"), Some("Globex Ltd"));
        assert_eq!(
            to("Region 2"),
            None,
            "different numbers are different values"
        );
        assert_eq!(to("Acme GmbH"), None);
    }

    #[test]
    fn dependency_violations_are_flagged_and_fixed() {
        let zip = Column::new(
            "zip",
            ["10001", "10001", "10001", "10001", "94105", "94105"]
                .iter()
                .map(|v| Cell::Text((*v).into()))
                .collect(),
        );
        let city = Column::new(
            "city",
            [
                "New York",
                "New York",
                "Newark",
                "New York",
                "SF",
                "San Francisco",
            ]
            .iter()
            .map(|v| Cell::Text((*v).into()))
            .collect(),
        );
        let mut table = Table::from_columns(vec![zip, city]).unwrap();
        let mut log = StepLog::default();
        check_dependency(&mut table, 0, 1, true, 0, &mut log);
        assert_eq!(log.findings.len(), 1);
        assert_eq!(log.findings[0].row, 2);
        assert_eq!(table.columns()[1].cells[2], Cell::Text("New York".into()));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The fingerprint as first written: fold, split, sort, dedup, join.
    fn reference_fingerprint(text: &str) -> String {
        let folded = fold(text);
        let mut tokens: Vec<&str> = folded.split_whitespace().collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens.join(" ")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn fingerprint_agrees_with_the_reference(
            text in "([a-cA-C0-9éÉ.,\\- \t\u{a0}]{0,6}){0,4}"
        ) {
            prop_assert_eq!(fingerprint(&text), reference_fingerprint(&text));
        }

        #[test]
        fn fingerprint_agrees_with_the_reference_on_any_text(text in "\\PC{0,24}") {
            prop_assert_eq!(fingerprint(&text), reference_fingerprint(&text));
        }
    }
}
