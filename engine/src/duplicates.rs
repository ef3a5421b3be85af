//! Whole-row duplicates over chosen key columns: exact after normalization
//! (`1,234.50` = `1234.5`, `ACME  GmbH` = `acme gmbh`, `15/01/2024` =
//! `2024-01-15`), and fuzzy with a similarity threshold.
//!
//! Fuzzy matching compares only rows that share a blocking key (the exact
//! value of a distinctive column, or the start or end of a text value), so
//! the work grows with the number of rows, not its square.
//!
//! Performance: every key column is interned once (each row holds a small
//! id of its normalized value), so the exact pass hashes integers and the
//! fuzzy pass compares ids before it compares text. A pair is first scored
//! with an upper bound that leaves out the costly edit distances; only the
//! pairs that could reach the threshold get the exact score, computed in
//! the same order as ever, so results do not depend on the shortcut. The
//! result does not depend on the order pairs are visited in either (groups
//! are connected components, scores maxima), which lets blocks be built by
//! sorting instead of a map of strings.

use std::collections::HashMap;

use serde::Serialize;

use crate::cluster::fingerprint;
use crate::infer::{Analyses, ColumnAnalysis, Reading, read_cell};
use crate::profile::ColumnType;
use crate::table::{Cell, FastMap, Table};

/// `row` duplicates the earlier row `duplicate_of` with this score (1 for
/// an exact duplicate after normalization).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    pub row: usize,
    pub duplicate_of: usize,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq)]
enum Norm {
    Missing,
    Number(f64),
    Date(f64),
    Bool(bool),
    Text(String),
}

impl Norm {
    /// The text that tells values apart (and orders them in big blocks).
    fn key(&self) -> String {
        match self {
            Norm::Missing => String::new(),
            Norm::Number(n) => format!("n{n}"),
            Norm::Date(n) => format!("d{n}"),
            Norm::Bool(b) => format!("b{b}"),
            Norm::Text(t) => format!("t{t}"),
        }
    }

    /// A hashable identity with exactly the equality of [`Norm::key`]:
    /// floats by their bits (`0` and `-0` differ, as `n0` and `n-0` do;
    /// every NaN is `nNaN`).
    fn identity(&self) -> Identity {
        let bits = |n: f64| {
            if n.is_nan() {
                f64::NAN.to_bits()
            } else {
                n.to_bits()
            }
        };
        match self {
            Norm::Missing => Identity::Missing,
            Norm::Number(n) => Identity::Number(bits(*n)),
            Norm::Date(n) => Identity::Date(bits(*n)),
            Norm::Bool(b) => Identity::Bool(*b),
            Norm::Text(t) => Identity::Text(t.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    Missing,
    Number(u64),
    Date(u64),
    Bool(bool),
    Text(String),
}

/// Id 0 is always the missing value.
const MISSING: u32 = 0;

struct KeyColumn {
    /// Per row, the id of its normalized value.
    ids: Vec<u32>,
    /// Per id, the value.
    values: Vec<Norm>,
    /// Per id, its place among the distinct values ordered by key text;
    /// only needed for big blocks of this column, so made on first use.
    rank: std::cell::OnceCell<Vec<u32>>,
    /// Per id of a text value: ids of its order-free fingerprint and of its
    /// digits, so that comparing them is comparing integers.
    fingerprint: Vec<u32>,
    digits: Vec<u32>,
    /// Per id of a text value, its length in characters.
    chars: Vec<u32>,
    /// Per id, whether the value is a text (read without touching it).
    text_ids: Vec<bool>,
    /// Identifying columns weigh more than low-cardinality ones.
    weight: f64,
    /// Exact values block: the column tells rows apart.
    distinctive: bool,
    text: bool,
    code: bool,
}

/// Ids for distinct strings, in order of first appearance.
fn intern<'a>(map: &mut FastMap<&'a str, u32>, text: &'a str) -> u32 {
    let next = map.len() as u32;
    *map.entry(text).or_insert(next)
}

fn normalize_column(table: &Table, c: usize, analysis: &ColumnAnalysis) -> KeyColumn {
    let column = &table.columns()[c];
    let mut values: Vec<Norm> = vec![Norm::Missing];
    let mut by_identity: FastMap<Identity, u32> = FastMap::default();
    by_identity.insert(Identity::Missing, MISSING);
    // Reading a text cell depends only on its text: read each text once.
    let mut by_text: FastMap<&str, u32> = FastMap::default();
    let mut ids = Vec::with_capacity(column.cells.len());
    let mut present = 0usize;
    for cell in &column.cells {
        if let Cell::Text(t) = cell
            && let Some(&id) = by_text.get(t.as_str())
        {
            present += usize::from(id != MISSING);
            ids.push(id);
            continue;
        }
        let norm = match read_cell(cell, analysis) {
            Reading::Missing | Reading::Placeholder => Norm::Missing,
            Reading::Value { cell, .. } => norm_of(&cell),
            Reading::NonConforming => norm_of(cell),
        };
        let next = values.len() as u32;
        let id = *by_identity.entry(norm.identity()).or_insert(next);
        if id == next {
            values.push(norm);
        }
        if let Cell::Text(t) = cell {
            by_text.insert(t.as_str(), id);
        }
        present += usize::from(id != MISSING);
        ids.push(id);
    }
    drop(by_text);
    drop(by_identity);
    // Kept while the duplicates are searched, when the change log of a
    // clean is already full: no spare room.
    values.shrink_to_fit();
    let distinct = values.len() - 1;
    let ratio = if present == 0 {
        0.0
    } else {
        distinct as f64 / present as f64
    };

    let text = matches!(
        analysis.kind,
        ColumnType::Text | ColumnType::Category | ColumnType::Email
    );
    let code = matches!(
        analysis.kind,
        ColumnType::Identifier | ColumnType::Phone | ColumnType::Url
    );
    let (mut fingerprints, mut digit_ids) = (vec![0u32; values.len()], vec![0u32; values.len()]);
    let mut chars = vec![0u32; values.len()];
    let has_text = values.iter().any(|v| matches!(v, Norm::Text(_)));
    if has_text && !code {
        let mut fp_ids: HashMap<String, u32, foldhash::fast::FixedState> = HashMap::default();
        let mut digit_map: HashMap<String, u32, foldhash::fast::FixedState> = HashMap::default();
        for (id, value) in values.iter().enumerate() {
            if let Norm::Text(t) = value {
                let next = fp_ids.len() as u32;
                fingerprints[id] = *fp_ids.entry(fingerprint(t)).or_insert(next);
                let digits: String = t.chars().filter(char::is_ascii_digit).collect();
                let next = digit_map.len() as u32;
                digit_ids[id] = *digit_map.entry(digits).or_insert(next);
                chars[id] = t.chars().count() as u32;
            }
        }
    }
    KeyColumn {
        ids,
        text_ids: values.iter().map(|v| matches!(v, Norm::Text(_))).collect(),
        values,
        rank: std::cell::OnceCell::new(),
        fingerprint: fingerprints,
        digits: digit_ids,
        chars,
        weight: 0.5 + ratio,
        distinctive: ratio >= 0.3,
        text,
        code,
    }
}

fn norm_of(cell: &Cell) -> Norm {
    match cell {
        Cell::Empty => Norm::Missing,
        Cell::Number(n) => Norm::Number(*n),
        Cell::DateTime(n) | Cell::Duration(n) => Norm::Date(*n),
        Cell::Bool(b) => Norm::Bool(*b),
        Cell::Text(_) | Cell::Error(_) => {
            let folded = fingerprint_keep_order(cell.text_or_error().unwrap_or_default());
            if folded.is_empty() {
                Norm::Missing
            } else {
                Norm::Text(folded)
            }
        }
    }
}

/// Lower-cased, accents folded, punctuation and extra spaces dropped, word
/// order kept.
fn fingerprint_keep_order(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let keep = |c: char| {
        if c.is_alphanumeric() || c == '@' {
            c
        } else {
            ' '
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut push_words = |folded: &mut dyn Iterator<Item = char>| {
        let mut pending_space = false;
        for c in folded {
            if c.is_whitespace() {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            }
        }
    };
    if text.is_ascii() {
        // NFKD leaves ASCII as it is and it has no combining marks.
        push_words(&mut text.chars().map(|c| keep(c.to_ascii_lowercase())));
    } else {
        push_words(
            &mut text
                .nfkd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .map(keep),
        );
    }
    out
}

/// What is known of one column's similarity before edit distances.
#[derive(Clone, Copy)]
enum Quick {
    /// Blank on both sides: the column does not count.
    Skip,
    Known(f64),
    /// Two different texts whose similarity needs the edit distances, and
    /// an upper bound of it.
    Text(f64),
}

impl KeyColumn {
    /// Ranks by key text, for the sliding window over big blocks.
    fn rank(&self) -> &[u32] {
        self.rank.get_or_init(|| {
            let keys: Vec<String> = self.values.iter().map(Norm::key).collect();
            let mut order: Vec<u32> = (0..self.values.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
            let mut rank = vec![0u32; self.values.len()];
            for (r, &id) in order.iter().enumerate() {
                rank[id as usize] = r as u32;
            }
            rank
        })
    }

    #[inline]
    fn quick(&self, a: u32, b: u32) -> Quick {
        if a == MISSING && b == MISSING {
            return Quick::Skip;
        }
        if a == MISSING || b == MISSING {
            return Quick::Known(0.5);
        }
        if a != b && self.code && self.text_ids[a as usize] && self.text_ids[b as usize] {
            // Different codes (INV-001, INV-002): different rows.
            return Quick::Known(0.0);
        }
        if a == b {
            // Same value: 1 for every kind but a NaN number.
            return match self.values[a as usize] {
                Norm::Number(x) if x.is_nan() => Quick::Known(0.0),
                Norm::Date(x) if x.is_nan() => Quick::Known(0.0),
                _ => Quick::Known(1.0),
            };
        }
        let (x, y) = (&self.values[a as usize], &self.values[b as usize]);
        Quick::Known(match (x, y) {
            (Norm::Number(x), Norm::Number(y)) => number_similarity(*x, *y),
            (Norm::Date(x), Norm::Date(y)) => date_similarity(*x, *y),
            (Norm::Bool(x), Norm::Bool(y)) => f64::from(u8::from(x == y)),
            (Norm::Text(_), Norm::Text(_)) => {
                // Different ids are different texts.
                if self.code || self.digits[a as usize] != self.digits[b as usize] {
                    // INV-001 and INV-002 are different invoices, however alike.
                    0.0
                } else if self.fingerprint[a as usize] == self.fingerprint[b as usize] {
                    0.95
                } else {
                    // The edit distance is at least the difference in
                    // length, and the score at most that similarity + 0.1.
                    let (la, lb) = (self.chars[a as usize], self.chars[b as usize]);
                    let longest = f64::from(la.max(lb));
                    let bound = if longest == 0.0 {
                        1.0
                    } else {
                        (1.0 - f64::from(la.abs_diff(lb)) / longest + 0.1).min(1.0)
                    };
                    return Quick::Text(bound);
                }
            }
            _ => 0.0,
        })
    }

    fn text_similarity(&self, a: u32, b: u32) -> f64 {
        match (&self.values[a as usize], &self.values[b as usize]) {
            (Norm::Text(x), Norm::Text(y)) => {
                strsim::jaro_winkler(x, y).min(strsim::normalized_damerau_levenshtein(x, y) + 0.1)
            }
            _ => 0.0,
        }
    }
}

fn number_similarity(x: f64, y: f64) -> f64 {
    let scale = x.abs().max(y.abs());
    let relative = if scale == 0.0 {
        0.0
    } else {
        (x - y).abs() / scale
    };
    if x == y {
        1.0
    } else if relative <= 0.001 {
        0.95
    } else if relative <= 0.01 {
        0.8
    } else {
        0.0
    }
}

fn date_similarity(x: f64, y: f64) -> f64 {
    let days = (x - y).abs();
    if days == 0.0 {
        1.0
    } else if days <= 1.0 {
        0.7
    } else {
        0.0
    }
}

/// Largest block compared pair by pair; bigger blocks are compared within
/// a sliding window over their sorted values.
const MAX_BLOCK: usize = 64;
const WINDOW: usize = 16;

/// Finds duplicate rows. Each duplicate row is reported once, against the
/// first row of its group; rows are data-row indices (header excluded).
pub fn find_duplicates(table: &Table, keys: &[usize], threshold: f64) -> Vec<DuplicatePair> {
    find_duplicates_with(table, keys, threshold, &mut Analyses::new())
}

/// [`find_duplicates`] with the analyses known for `table`'s columns.
pub fn find_duplicates_with(
    table: &Table,
    keys: &[usize],
    threshold: f64,
    analyses: &mut Analyses,
) -> Vec<DuplicatePair> {
    let rows = table.row_count();
    if rows < 2 || keys.is_empty() {
        return Vec::new();
    }
    let columns: Vec<KeyColumn> = keys
        .iter()
        .map(|&c| normalize_column(table, c, analyses.get(table, c)))
        .collect();

    // Exact duplicates after normalization: rows with the same ids.
    let width = columns.len();
    let mut row_ids: Vec<u32> = Vec::with_capacity(rows * width);
    for row in 0..rows {
        row_ids.extend(columns.iter().map(|c| c.ids[row]));
    }
    let mut parent: Vec<usize> = (0..rows).collect();
    let mut best: Vec<f64> = vec![0.0; rows];
    let mut first_of: FastMap<&[u32], usize> = FastMap::default();
    first_of.reserve(rows);
    let mut representatives = Vec::new();
    for (row, key) in row_ids.chunks_exact(width).enumerate() {
        match first_of.get(key) {
            Some(&first) => {
                parent[row] = first;
                best[row] = 1.0;
            }
            None => {
                first_of.insert(key, row);
                representatives.push(row);
            }
        }
    }
    drop(first_of);

    if threshold < 1.0 {
        fuzzy(
            &columns,
            &row_ids,
            &representatives,
            threshold,
            &mut parent,
            &mut best,
        );
    }

    let mut pairs = Vec::new();
    for (row, score) in best.iter().enumerate() {
        let root = find(&mut parent, row);
        if root != row {
            pairs.push(DuplicatePair {
                row,
                duplicate_of: root,
                score: (score * 1000.0).round() / 1000.0,
            });
        }
    }
    pairs
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Joins two groups; the earliest row stays the representative.
fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        parent[hi] = lo;
    }
}

/// Blocking kinds: the exact value, the first and the last three characters.
const EXACT: u64 = 0;
const HEAD: u64 = 1;
const TAIL: u64 = 2;

fn block_key(column: usize, kind: u64, id: u32) -> u64 {
    ((column as u64) << 34) | (kind << 32) | u64::from(id)
}

/// Scores one pair, or `None` when it cannot reach `threshold`; `quick`
/// is scratch space, one slot per column.
///
/// Columns are first looked at heaviest first, with an upper bound for
/// texts that needs no edit distance, and the pair is dropped as soon as
/// even perfect agreement on the columns left could not reach the
/// threshold (most candidate pairs differ on an amount or an id). The
/// score of a pair that survives is summed in column order, as it always
/// was, so that the shortcut never changes a result.
#[inline]
fn score_pair(
    columns: &[KeyColumn],
    row_ids: &[u32],
    order: &[usize],
    total_weight: f64,
    (i, j): (usize, usize),
    threshold: f64,
    quick: &mut [Quick],
) -> Option<f64> {
    let floor = threshold - 1e-9;
    // Both rows' ids side by side (row-major): two cache lines, not one
    // per column and row.
    let width = columns.len();
    let (ids_i, ids_j) = (
        &row_ids[i * width..][..width],
        &row_ids[j * width..][..width],
    );
    let (mut bound, mut weight, mut rest) = (0.0, 0.0, total_weight);
    for &c in order {
        let column = &columns[c];
        let q = column.quick(ids_i[c], ids_j[c]);
        quick[c] = q;
        rest -= column.weight;
        match q {
            Quick::Skip => {}
            Quick::Known(s) | Quick::Text(s) => {
                bound += s * column.weight;
                weight += column.weight;
            }
        }
        let rest = rest.max(0.0);
        if bound + rest < floor * (weight + rest) {
            return None;
        }
    }
    // Columns blank on both sides neither help nor hurt, but a pair
    // must agree on most of what the table describes.
    let weight: f64 = columns
        .iter()
        .zip(quick.iter())
        .filter(|(_, q)| !matches!(q, Quick::Skip))
        .map(|(c, _)| c.weight)
        .sum();
    if weight == 0.0 || weight * 2.0 < total_weight {
        return None;
    }
    let mut score = 0.0;
    for (c, (column, slot)) in columns.iter().zip(quick.iter()).enumerate() {
        let s = match *slot {
            Quick::Skip => continue,
            Quick::Known(s) => s,
            Quick::Text(_) => column.text_similarity(ids_i[c], ids_j[c]),
        };
        score += s * column.weight;
    }
    Some(score / weight)
}

fn fuzzy(
    columns: &[KeyColumn],
    row_ids: &[u32],
    candidates: &[usize],
    threshold: f64,
    parent: &mut [usize],
    best: &mut [f64],
) {
    // Head and tail ids per distinct text value, per column.
    let mut heads: Vec<Vec<u32>> = Vec::with_capacity(columns.len());
    let mut tails: Vec<Vec<u32>> = Vec::with_capacity(columns.len());
    for column in columns {
        let (mut head_ids, mut tail_ids) = (Vec::new(), Vec::new());
        if column.text {
            let mut head_map: FastMap<&str, u32> = FastMap::default();
            let mut tail_map: FastMap<&str, u32> = FastMap::default();
            head_ids = vec![0; column.values.len()];
            tail_ids = vec![0; column.values.len()];
            for (id, value) in column.values.iter().enumerate() {
                if let Norm::Text(t) = value {
                    let head_end = t.char_indices().nth(3).map_or(t.len(), |(i, _)| i);
                    let tail_start = t.char_indices().rev().nth(2).map_or(0, |(i, _)| i);
                    head_ids[id] = intern(&mut head_map, &t[..head_end]);
                    tail_ids[id] = intern(&mut tail_map, &t[tail_start..]);
                }
            }
        }
        heads.push(head_ids);
        tails.push(tail_ids);
    }
    // Blocking keys: (column, kind, value), sorted; any visiting order
    // gives the same result. They are counted first: this is the biggest
    // allocation of a clean, and growing it by doubling would leave up to
    // half of it unused at the peak.
    let mut count = 0usize;
    for &row in candidates {
        for column in columns {
            let id = column.ids[row];
            if id == MISSING {
                continue;
            }
            count += usize::from(column.distinctive);
            if column.text && matches!(column.values[id as usize], Norm::Text(_)) {
                count += 2;
            }
        }
    }
    let mut entries: Vec<(u64, u32)> = Vec::with_capacity(count);
    for &row in candidates {
        for (c, column) in columns.iter().enumerate() {
            let id = column.ids[row];
            if id == MISSING {
                continue;
            }
            if column.distinctive {
                entries.push((block_key(c, EXACT, id), row as u32));
            }
            if column.text && matches!(column.values[id as usize], Norm::Text(_)) {
                entries.push((block_key(c, HEAD, heads[c][id as usize]), row as u32));
                entries.push((block_key(c, TAIL, tails[c][id as usize]), row as u32));
            }
        }
    }
    drop(heads);
    drop(tails);
    entries.sort_unstable();

    let total_weight: f64 = columns.iter().map(|c| c.weight).sum();
    // Pruning order (any order gives the same scores): columns whose
    // different values score 0 (codes, numbers, dates) before texts, whose
    // bound without edit distances is weak; heaviest first within each.
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by(|&a, &b| {
        (columns[a].text)
            .cmp(&columns[b].text)
            .then(columns[b].weight.total_cmp(&columns[a].weight))
    });
    let mut quick = vec![Quick::Skip; columns.len()];
    let mut compare = |i: usize, j: usize, parent: &mut [usize], best: &mut [f64]| {
        let (i, j) = (i.min(j), i.max(j));
        if i == j {
            return;
        }
        let Some(score) = score_pair(
            columns,
            row_ids,
            &order,
            total_weight,
            (i, j),
            threshold,
            &mut quick,
        ) else {
            return;
        };
        if score >= threshold {
            if score > best[j] {
                best[j] = score;
            }
            union(parent, i, j);
        }
    };
    let mut sorted: Vec<usize> = Vec::new();
    // Blocks already compared, by a hash of what decides their pairs: a
    // block with the same rows as an earlier one (a short value is its own
    // head and tail) would compare the same pairs again.
    let mut compared: FastMap<u64, Vec<std::ops::Range<usize>>> = FastMap::default();
    let mut start = 0usize;
    for block in entries.chunk_by(|a, b| a.0 == b.0) {
        let range = start..start + block.len();
        start = range.end;
        if block.len() < 2 {
            continue;
        }
        let c = (block[0].0 >> 34) as usize;
        let big = block.len() > MAX_BLOCK;
        let identity = {
            use std::hash::{BuildHasher, Hash, Hasher};
            let mut hasher = foldhash::fast::FixedState::default().build_hasher();
            // Big blocks are windowed in their column's order.
            (big, if big { c } else { 0 }).hash(&mut hasher);
            for &(_, row) in block {
                row.hash(&mut hasher);
            }
            hasher.finish()
        };
        let same_rows = |earlier: &std::ops::Range<usize>| {
            let other = &entries[earlier.clone()];
            other.len() == block.len()
                && (!big || (other[0].0 >> 34) as usize == c)
                && other.iter().zip(block).all(|(a, b)| a.1 == b.1)
        };
        let seen = compared.entry(identity).or_default();
        if seen.iter().any(same_rows) {
            continue;
        }
        seen.push(range);
        sorted.clear();
        sorted.extend(block.iter().map(|&(_, row)| row as usize));
        if !big {
            for (a, &i) in sorted.iter().enumerate() {
                for &j in &sorted[a + 1..] {
                    compare(i, j, parent, best);
                }
            }
        } else {
            let column = &columns[c];
            let rank = column.rank();
            sorted.sort_unstable_by_key(|&x| (rank[column.ids[x] as usize], x));
            for (a, &i) in sorted.iter().enumerate() {
                for &j in sorted[a + 1..].iter().take(WINDOW) {
                    compare(i, j, parent, best);
                }
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    use crate::table::text_table as table;

    #[test]
    fn exact_duplicates_after_normalization() {
        let t = table(&[
            &["Name", "Amount", "Date"],
            &["Acme GmbH", "1,234.50", "2024-01-15"],
            &["Globex", "99", "2024-01-16"],
            &["  ACME gmbh ", "1234.5", "01/15/2024"],
        ]);
        let pairs = find_duplicates(&t, &[0, 1, 2], 1.0);
        assert_eq!(
            pairs,
            vec![DuplicatePair {
                row: 2,
                duplicate_of: 0,
                score: 1.0
            }]
        );
    }

    #[test]
    fn fuzzy_duplicates_but_not_different_invoices() {
        let t = table(&[
            &["Invoice", "Customer", "Amount"],
            &["INV-001", "Jonathan Smith", "100"],
            &["INV-002", "Maria Garcia", "250"],
            &["INV-001", "Jonathon Smith", "100"],
            &["INV-003", "Jonathan Smith", "100"],
        ]);
        let pairs = find_duplicates(&t, &[0, 1, 2], 0.8);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!((pairs[0].row, pairs[0].duplicate_of), (2, 0));
        assert!(pairs[0].score >= 0.8 && pairs[0].score < 1.0);
        // On customer and amount only, the third invoice matches too.
        let pairs = find_duplicates(&t, &[1, 2], 0.8);
        assert_eq!(pairs.len(), 2);
    }
}
