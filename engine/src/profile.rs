//! Column profiles: what each column holds, how much is missing, how varied
//! it is. This is the first thing a user sees of their data.

use std::collections::HashMap;

use serde::Serialize;

use crate::table::{Cell, Column, Table};

/// The type a column is inferred to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Every cell is missing.
    Empty,
    Boolean,
    Integer,
    Decimal,
    Date,
    Datetime,
    Duration,
    /// Text with few distinct values that repeat.
    Category,
    Text,
}

/// What a single non-missing cell looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Boolean,
    Integer,
    Decimal,
    Date,
    Datetime,
    Duration,
    Text,
    Error,
}

impl ValueKind {
    pub fn is_numeric(self) -> bool {
        matches!(self, ValueKind::Integer | ValueKind::Decimal)
    }
}

/// A value and how often it occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueCount {
    pub value: String,
    pub count: usize,
}

/// Minimum, maximum and mean of a numeric column's numeric cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericSummary {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnProfile {
    pub name: String,
    pub inferred_type: ColumnType,
    /// Cells that hold a value.
    pub count: usize,
    pub missing: usize,
    pub distinct: usize,
    /// Cells holding a value that does not fit `inferred_type`.
    pub non_conforming: usize,
    /// Excel error values (`#N/A`, `#DIV/0!`, …).
    pub errors: usize,
    /// The most frequent values, most frequent first, at most five.
    pub top_values: Vec<ValueCount>,
    pub numeric: Option<NumericSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableProfile {
    pub row_count: usize,
    pub column_count: usize,
    pub columns: Vec<ColumnProfile>,
}

const TOP_VALUES: usize = 5;
/// A text column is a category when it has at most this many distinct values
/// and each repeats on average at least twice.
const CATEGORY_MAX_DISTINCT: usize = 50;

pub fn profile_table(table: &Table) -> TableProfile {
    TableProfile {
        row_count: table.row_count(),
        column_count: table.column_count(),
        columns: table.columns().iter().map(profile_column).collect(),
    }
}

pub fn profile_column(column: &Column) -> ColumnProfile {
    let mut missing = 0;
    let mut kinds: HashMap<ValueKind, usize> = HashMap::new();
    let mut values: HashMap<String, usize> = HashMap::new();
    let (mut min, mut max, mut sum, mut numbers) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);

    for cell in &column.cells {
        if cell.is_empty() {
            missing += 1;
            continue;
        }
        let kind = classify_cell(cell);
        *kinds.entry(kind).or_default() += 1;
        *values.entry(cell.display_key()).or_default() += 1;
        if let Some(n) = numeric_value(cell, kind) {
            min = min.min(n);
            max = max.max(n);
            sum += n;
            numbers += 1;
        }
    }

    let count = column.cells.len() - missing;
    let errors = kinds.get(&ValueKind::Error).copied().unwrap_or(0);
    let distinct = values.len();
    let (inferred_type, conforming) = infer_type(&kinds, count, distinct);

    let mut top_values: Vec<ValueCount> = values
        .into_iter()
        .map(|(value, count)| ValueCount { value, count })
        .collect();
    // Ties broken by value so that the profile is deterministic.
    top_values.sort_unstable_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    top_values.truncate(TOP_VALUES);

    let numeric = (matches!(inferred_type, ColumnType::Integer | ColumnType::Decimal)
        && numbers > 0)
        .then(|| NumericSummary {
            min,
            max,
            mean: sum / numbers as f64,
        });

    ColumnProfile {
        name: column.name.clone(),
        inferred_type,
        count,
        missing,
        distinct,
        non_conforming: count - conforming,
        errors,
        top_values,
        numeric,
    }
}

/// Picks the kind most cells share; integers and decimals together make a
/// decimal column. Returns the type and how many cells conform to it.
fn infer_type(
    kinds: &HashMap<ValueKind, usize>,
    count: usize,
    distinct: usize,
) -> (ColumnType, usize) {
    let get = |k| kinds.get(&k).copied().unwrap_or(0);
    let numbers = get(ValueKind::Integer) + get(ValueKind::Decimal);
    let dates = get(ValueKind::Date) + get(ValueKind::Datetime);
    let candidates = [
        (
            if get(ValueKind::Decimal) > 0 {
                ColumnType::Decimal
            } else {
                ColumnType::Integer
            },
            numbers,
        ),
        (
            if get(ValueKind::Datetime) > 0 {
                ColumnType::Datetime
            } else {
                ColumnType::Date
            },
            dates,
        ),
        (ColumnType::Boolean, get(ValueKind::Boolean)),
        (ColumnType::Duration, get(ValueKind::Duration)),
        (ColumnType::Text, get(ValueKind::Text)),
    ];
    let (best, conforming) = candidates
        .into_iter()
        .max_by_key(|&(ty, n)| (n, std::cmp::Reverse(ty)))
        .unwrap_or((ColumnType::Empty, 0));
    if count == 0 || conforming == 0 {
        return (ColumnType::Empty, 0);
    }
    if best == ColumnType::Text && distinct <= CATEGORY_MAX_DISTINCT && distinct * 2 <= count {
        return (ColumnType::Category, conforming);
    }
    (best, conforming)
}

fn numeric_value(cell: &Cell, kind: ValueKind) -> Option<f64> {
    match cell {
        Cell::Number(n) => Some(*n),
        Cell::Text(t) if kind.is_numeric() => parse_plain_number(t.trim()),
        _ => None,
    }
}

pub fn classify_cell(cell: &Cell) -> ValueKind {
    match cell {
        Cell::Bool(_) => ValueKind::Boolean,
        Cell::Number(n) if n.fract() == 0.0 => ValueKind::Integer,
        Cell::Number(_) => ValueKind::Decimal,
        Cell::DateTime(n) if n.fract() == 0.0 => ValueKind::Date,
        Cell::DateTime(_) => ValueKind::Datetime,
        Cell::Duration(_) => ValueKind::Duration,
        Cell::Error(_) => ValueKind::Error,
        Cell::Text(t) => classify_text(t),
        Cell::Empty => ValueKind::Text,
    }
}

/// Recognises the plain forms of numbers, booleans and ISO dates in text
/// (as CSV files give them). Locale-aware parsing is the cleaning engine's
/// job; this is only enough to profile.
pub fn classify_text(text: &str) -> ValueKind {
    let t = text.trim();
    if matches!(
        t.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no"
    ) {
        return ValueKind::Boolean;
    }
    if let Some(n) = parse_plain_number(t) {
        return if n.fract() == 0.0 && !t.contains('.') {
            ValueKind::Integer
        } else {
            ValueKind::Decimal
        };
    }
    if is_iso_date(t) {
        return ValueKind::Date;
    }
    if t.len() > 11 && is_iso_date(&t[..10]) && matches!(t.as_bytes()[10], b'T' | b' ') {
        return ValueKind::Datetime;
    }
    ValueKind::Text
}

/// `-1234.5`, `1,234.50`, `+7`: digits with optional sign, comma grouping
/// in threes and one decimal point.
fn parse_plain_number(t: &str) -> Option<f64> {
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    if int_part.is_empty() && frac_part.is_none_or(str::is_empty) {
        return None;
    }
    let groups: Vec<&str> = int_part.split(',').collect();
    let grouping_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits_ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && frac_part.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
    if !grouping_ok || !digits_ok {
        return None;
    }
    t.replace(',', "").parse().ok()
}

fn is_iso_date(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    match (num(&t[0..4]), num(&t[5..7]), num(&t[8..10])) {
        (Some(_), Some(m), Some(d)) => (1..=12).contains(&m) && (1..=31).contains(&d),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(cells: Vec<Cell>) -> Column {
        Column {
            name: "c".into(),
            cells,
        }
    }

    fn texts(values: &[&str]) -> Vec<Cell> {
        values.iter().map(|v| Cell::Text((*v).into())).collect()
    }

    #[test]
    fn numbers_in_text_are_recognised() {
        assert_eq!(classify_text("1,234"), ValueKind::Integer);
        assert_eq!(classify_text("-1,234.50"), ValueKind::Decimal);
        assert_eq!(classify_text(" 42 "), ValueKind::Integer);
        assert_eq!(classify_text(".5"), ValueKind::Decimal);
        assert_eq!(classify_text("12,34"), ValueKind::Text);
        assert_eq!(classify_text("1,2345"), ValueKind::Text);
        assert_eq!(classify_text("-"), ValueKind::Text);
        assert_eq!(classify_text("."), ValueKind::Text);
        assert_eq!(classify_text("2024-02-29"), ValueKind::Date);
        assert_eq!(classify_text("2024-02-29T10:00:00"), ValueKind::Datetime);
        assert_eq!(classify_text("2024-13-01"), ValueKind::Text);
        assert_eq!(classify_text("Yes"), ValueKind::Boolean);
    }

    #[test]
    fn decimal_column_with_one_stray_text_reports_it() {
        let mut cells = texts(&["1.5", "2", "3.25", "oops"]);
        cells.push(Cell::Empty);
        let p = profile_column(&column(cells));
        assert_eq!(p.inferred_type, ColumnType::Decimal);
        assert_eq!(
            (p.count, p.missing, p.non_conforming, p.distinct),
            (4, 1, 1, 4)
        );
        let numeric = p.numeric.unwrap();
        assert_eq!((numeric.min, numeric.max), (1.5, 3.25));
        assert!((numeric.mean - 6.75 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn repeated_text_is_a_category_with_ordered_top_values() {
        let p = profile_column(&column(texts(&["EU", "US", "EU", "APAC", "US", "EU"])));
        assert_eq!(p.inferred_type, ColumnType::Category);
        assert_eq!(p.distinct, 3);
        let top: Vec<_> = p
            .top_values
            .iter()
            .map(|v| (v.value.as_str(), v.count))
            .collect();
        assert_eq!(top, [("EU", 3), ("US", 2), ("APAC", 1)]);
    }

    #[test]
    fn unique_text_is_free_text_and_all_missing_is_empty() {
        let p = profile_column(&column(texts(&["alpha", "beta", "gamma"])));
        assert_eq!(p.inferred_type, ColumnType::Text);
        let p = profile_column(&column(vec![Cell::Empty, Cell::Text("  ".into())]));
        assert_eq!(
            (p.inferred_type, p.missing, p.count),
            (ColumnType::Empty, 2, 0)
        );
    }

    #[test]
    fn native_cells_keep_their_types() {
        let p = profile_column(&column(vec![
            Cell::DateTime(45292.0),
            Cell::DateTime(45293.5),
        ]));
        assert_eq!(p.inferred_type, ColumnType::Datetime);
        let p = profile_column(&column(vec![Cell::Bool(true), Cell::Error("#N/A".into())]));
        assert_eq!(
            (p.inferred_type, p.errors, p.non_conforming),
            (ColumnType::Boolean, 1, 1)
        );
    }
}
