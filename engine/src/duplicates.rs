//! Whole-row duplicates over chosen key columns: exact after normalization
//! (`1,234.50` = `1234.5`, `ACME  GmbH` = `acme gmbh`, `15/01/2024` =
//! `2024-01-15`), and fuzzy with a similarity threshold.
//!
//! Fuzzy matching compares only rows that share a blocking key (the exact
//! value of a distinctive column, or the start or end of a text value), so
//! the work grows with the number of rows, not its square.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::cluster::fingerprint;
use crate::infer::{Reading, analyze_column, read_cell};
use crate::profile::ColumnType;
use crate::table::{Cell, Table};

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
    fn key(&self) -> String {
        match self {
            Norm::Missing => String::new(),
            Norm::Number(n) => format!("n{n}"),
            Norm::Date(n) => format!("d{n}"),
            Norm::Bool(b) => format!("b{b}"),
            Norm::Text(t) => format!("t{t}"),
        }
    }
}

struct KeyColumn {
    values: Vec<Norm>,
    /// Identifying columns weigh more than low-cardinality ones.
    weight: f64,
    /// Exact values block: the column tells rows apart.
    distinctive: bool,
    text: bool,
    code: bool,
}

fn normalize_column(table: &Table, c: usize) -> KeyColumn {
    let column = &table.columns()[c];
    let analysis = analyze_column(column);
    let values: Vec<Norm> = column
        .cells
        .iter()
        .map(|cell| match read_cell(cell, &analysis) {
            Reading::Missing | Reading::Placeholder => Norm::Missing,
            Reading::Value { cell, .. } => norm_of(&cell),
            Reading::NonConforming => norm_of(cell),
        })
        .collect();
    let mut distinct: HashMap<String, usize> = HashMap::new();
    let mut present = 0usize;
    for v in &values {
        if *v != Norm::Missing {
            present += 1;
            *distinct.entry(v.key()).or_default() += 1;
        }
    }
    let ratio = if present == 0 {
        0.0
    } else {
        distinct.len() as f64 / present as f64
    };
    KeyColumn {
        values,
        weight: 0.5 + ratio,
        distinctive: ratio >= 0.3,
        text: matches!(
            analysis.kind,
            ColumnType::Text | ColumnType::Category | ColumnType::Email
        ),
        code: matches!(
            analysis.kind,
            ColumnType::Identifier | ColumnType::Phone | ColumnType::Url
        ),
    }
}

fn norm_of(cell: &Cell) -> Norm {
    match cell {
        Cell::Empty => Norm::Missing,
        Cell::Number(n) => Norm::Number(*n),
        Cell::DateTime(n) | Cell::Duration(n) => Norm::Date(*n),
        Cell::Bool(b) => Norm::Bool(*b),
        Cell::Text(t) | Cell::Error(t) => {
            let folded = fingerprint_keep_order(t);
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
    let folded: String = text
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_alphanumeric() || c == '@' {
                c
            } else {
                ' '
            }
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn similarity(a: &Norm, b: &Norm, column: &KeyColumn) -> Option<f64> {
    Some(match (a, b) {
        (Norm::Missing, Norm::Missing) => return None,
        (Norm::Missing, _) | (_, Norm::Missing) => 0.5,
        (Norm::Number(x), Norm::Number(y)) => {
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
        (Norm::Date(x), Norm::Date(y)) => {
            let days = (x - y).abs();
            if days == 0.0 {
                1.0
            } else if days <= 1.0 {
                0.7
            } else {
                0.0
            }
        }
        (Norm::Bool(x), Norm::Bool(y)) => f64::from(u8::from(x == y)),
        (Norm::Text(x), Norm::Text(y)) => {
            if x == y {
                1.0
            } else if column.code || digits_differ(x, y) {
                // INV-001 and INV-002 are different invoices, however alike.
                0.0
            } else if fingerprint(x) == fingerprint(y) {
                0.95
            } else {
                strsim::jaro_winkler(x, y).min(strsim::normalized_damerau_levenshtein(x, y) + 0.1)
            }
        }
        _ => 0.0,
    })
}

fn digits_differ(x: &str, y: &str) -> bool {
    x.chars()
        .filter(char::is_ascii_digit)
        .ne(y.chars().filter(char::is_ascii_digit))
}

/// Largest block compared pair by pair; bigger blocks are compared within
/// a sliding window over their sorted values.
const MAX_BLOCK: usize = 64;
const WINDOW: usize = 16;

/// Finds duplicate rows. Each duplicate row is reported once, against the
/// first row of its group; rows are data-row indices (header excluded).
pub fn find_duplicates(table: &Table, keys: &[usize], threshold: f64) -> Vec<DuplicatePair> {
    let rows = table.row_count();
    if rows < 2 || keys.is_empty() {
        return Vec::new();
    }
    let columns: Vec<KeyColumn> = keys.iter().map(|&c| normalize_column(table, c)).collect();

    // Exact duplicates after normalization.
    let mut parent: Vec<usize> = (0..rows).collect();
    let mut best: Vec<f64> = vec![0.0; rows];
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut representatives = Vec::new();
    #[allow(clippy::needless_range_loop)] // `row` indexes three vectors
    for row in 0..rows {
        let mut key = String::new();
        for column in &columns {
            key.push_str(&column.values[row].key());
            key.push('\u{1f}');
        }
        match first_of.get(&key) {
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

fn fuzzy(
    columns: &[KeyColumn],
    candidates: &[usize],
    threshold: f64,
    parent: &mut [usize],
    best: &mut [f64],
) {
    // Blocking keys: (column, kind, value). BTreeMap keeps the visiting
    // order independent of hashing.
    let mut blocks: BTreeMap<(usize, u8, String), Vec<usize>> = BTreeMap::new();
    for &row in candidates {
        for (c, column) in columns.iter().enumerate() {
            let value = &column.values[row];
            if *value == Norm::Missing {
                continue;
            }
            if column.distinctive {
                blocks.entry((c, 0, value.key())).or_default().push(row);
            }
            if column.text
                && let Norm::Text(t) = value
            {
                let chars: Vec<char> = t.chars().collect();
                let head: String = chars.iter().take(3).collect();
                let tail: String = chars[chars.len().saturating_sub(3)..].iter().collect();
                blocks.entry((c, 1, head)).or_default().push(row);
                blocks.entry((c, 2, tail)).or_default().push(row);
            }
        }
    }
    let total_weight: f64 = columns.iter().map(|c| c.weight).sum();
    let mut seen: std::collections::HashSet<(usize, usize)> = Default::default();
    let mut compare = |i: usize, j: usize, parent: &mut [usize], best: &mut [f64]| {
        let (i, j) = (i.min(j), i.max(j));
        if i == j || !seen.insert((i, j)) {
            return;
        }
        let mut score = 0.0;
        let mut weight = 0.0;
        for column in columns {
            if let Some(s) = similarity(&column.values[i], &column.values[j], column) {
                score += s * column.weight;
                weight += column.weight;
            }
        }
        // Columns blank on both sides neither help nor hurt, but a pair
        // must agree on most of what the table describes.
        if weight == 0.0 || weight * 2.0 < total_weight {
            return;
        }
        let score = score / weight;
        if score >= threshold {
            if score > best[j] {
                best[j] = score;
            }
            union(parent, i, j);
        }
    };
    for ((c, _, _), members) in &blocks {
        if members.len() < 2 {
            continue;
        }
        if members.len() <= MAX_BLOCK {
            for (a, &i) in members.iter().enumerate() {
                for &j in &members[a + 1..] {
                    compare(i, j, parent, best);
                }
            }
        } else {
            let mut sorted = members.clone();
            sorted.sort_by(|&x, &y| {
                columns[*c].values[x]
                    .key()
                    .cmp(&columns[*c].values[y].key())
                    .then(x.cmp(&y))
            });
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

    fn table(rows: &[&[&str]]) -> Table {
        Table::from_rows(
            rows.iter()
                .map(|r| {
                    r.iter()
                        .map(|v| {
                            if v.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text((*v).into())
                            }
                        })
                        .collect()
                })
                .collect(),
            Some(true),
        )
    }

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
