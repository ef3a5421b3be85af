//! Column profiles: what each column holds, how much is missing, how varied
//! it is. This is the first thing a user sees of their data. The type and
//! conventions come from [`crate::infer`].

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::infer::{ColumnAnalysis, Reading, analyze_column, read_cell};
use crate::parse::text::trim;
use crate::parse::{DateOrder, NumberLocale, TextCase};
use crate::table::{Cell, Column, FastMap, Table};

/// The type a column is inferred to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Every cell is missing.
    Empty,
    Boolean,
    Integer,
    Decimal,
    /// Amounts with a currency symbol or ISO code.
    Currency,
    /// Percentages; their standard value is the fraction (5 % → 0.05).
    Percentage,
    Date,
    Datetime,
    /// A time of day.
    Time,
    Duration,
    Email,
    Phone,
    Url,
    /// Codes that identify a row: unique, one shape (`INV-0042`, `02134`).
    Identifier,
    /// Text with few distinct values that repeat.
    Category,
    Text,
}

/// A value and how often it occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueCount {
    pub value: String,
    pub count: usize,
}

/// Minimum, maximum and mean of a numeric column's values (percentages as
/// fractions).
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
    /// Cells that are not blank (placeholders such as `N/A` included).
    pub count: usize,
    /// Blank cells.
    pub missing: usize,
    pub distinct: usize,
    /// Cells holding something that is not a value of `inferred_type`,
    /// placeholders for missing values included.
    pub non_conforming: usize,
    /// Excel error values (`#N/A`, `#DIV/0!`, …).
    pub errors: usize,
    /// The most frequent values, most frequent first, at most five.
    pub top_values: Vec<ValueCount>,
    pub numeric: Option<NumericSummary>,
    /// Cells holding a placeholder that means missing (`N/A`, `-`, `NULL`,
    /// `#N/A`); part of `count` and of `nonConforming`.
    pub placeholders: usize,
    /// `nonConforming / count`, 0 when the column has no values.
    pub non_conforming_share: f64,
    /// Up to five distinct non-conforming values, for the user to look at.
    pub non_conforming_examples: Vec<String>,
    /// How the column writes numbers (`1,234.56`, `1.234,56`, …), when it
    /// has numbers written as text.
    pub number_locale: Option<NumberLocale>,
    /// Day/month order of `a/b/yyyy` dates, when it has such dates.
    pub date_order: Option<DateOrder>,
    pub currency: Option<String>,
    pub unit: Option<String>,
    /// Dominant letter case of a name-like text column.
    pub text_case: Option<TextCase>,
}

/// What profiling needs of one cell's reading.
#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Missing,
    Placeholder,
    NonConforming,
    /// A value; its number when the column is numeric.
    Value(Option<f64>),
}

impl Outcome {
    fn of(cell: &Cell, analysis: &ColumnAnalysis, numeric_column: bool) -> Outcome {
        match read_cell(cell, analysis) {
            Reading::Missing => Outcome::Missing,
            Reading::Placeholder => Outcome::Placeholder,
            Reading::NonConforming => Outcome::NonConforming,
            Reading::Value { cell, .. } => Outcome::Value(match cell {
                Cell::Number(n) if numeric_column => Some(n),
                _ => None,
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableProfile {
    pub row_count: usize,
    pub column_count: usize,
    pub columns: Vec<ColumnProfile>,
}

const TOP_VALUES: usize = 5;
const EXAMPLES: usize = 5;

pub fn profile_table(table: &Table) -> TableProfile {
    TableProfile {
        row_count: table.row_count(),
        column_count: table.column_count(),
        columns: table.columns().iter().map(profile_column).collect(),
    }
}

pub fn profile_column(column: &Column) -> ColumnProfile {
    let analysis = analyze_column(column);
    profile_with(column, &analysis)
}

/// Profiles a column whose analysis is already known.
pub fn profile_with<'a>(column: &'a Column, analysis: &ColumnAnalysis) -> ColumnProfile {
    let mut missing = 0;
    let mut placeholders = 0;
    let mut non_conforming = 0;
    let mut errors = 0;
    let mut examples: Vec<String> = Vec::new();
    // Distinct values (`display_key`, borrowed from the cell for text, the
    // common case) with their counts. Not reserved from the column's
    // length: measured, that raised the peak (by ~10 MB on 100k rows).
    let mut counted: Vec<(Cow<str>, usize)> = Vec::new();
    // A text cell's reading depends only on its text: each distinct text
    // is read once, and remembered with its slot among the values.
    let mut texts: FastMap<&str, (Outcome, usize)> = FastMap::default();
    // Slots of the values whose key is not the text of a cell already in
    // `texts` (trimmed texts, non-text cells). Most texts are their own
    // trimmed key, so a key's slot is looked for in `texts` first and this
    // map stays small instead of repeating `texts`.
    let mut slots: FastMap<Cow<str>, usize> = FastMap::default();
    let slot_of = |key: Cow<'a, str>,
                   key_is_the_text: bool,
                   texts: &FastMap<&str, (Outcome, usize)>,
                   slots: &mut FastMap<Cow<'a, str>, usize>,
                   counted: &mut Vec<(Cow<'a, str>, usize)>| {
        if !key_is_the_text {
            // The cell whose text is exactly this key has the same slot,
            // unless that text reads as missing and so has none.
            if let Some(&(outcome, slot)) = texts.get(key.as_ref())
                && outcome != Outcome::Missing
            {
                return slot;
            }
        }
        if let Some(&slot) = slots.get(key.as_ref()) {
            return slot;
        }
        let next = counted.len();
        if !key_is_the_text {
            slots.insert(key.clone(), next);
        }
        counted.push((key, 0));
        next
    };
    let (mut min, mut max, mut sum, mut numbers) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
    let numeric_column = analysis.is_numeric();

    for cell in &column.cells {
        if matches!(cell, Cell::Error(_)) {
            errors += 1;
        }
        let (outcome, slot) = match cell {
            Cell::Text(text) => {
                if let Some(&known) = texts.get(text.as_str()) {
                    known
                } else {
                    let outcome = Outcome::of(cell, analysis, numeric_column);
                    let slot = if outcome == Outcome::Missing {
                        usize::MAX
                    } else {
                        let key = trim(text);
                        let key_is_the_text = key.len() == text.len();
                        slot_of(
                            Cow::Borrowed(key),
                            key_is_the_text,
                            &texts,
                            &mut slots,
                            &mut counted,
                        )
                    };
                    texts.insert(text.as_str(), (outcome, slot));
                    (outcome, slot)
                }
            }
            other => {
                let outcome = Outcome::of(other, analysis, numeric_column);
                if outcome == Outcome::Missing {
                    (outcome, usize::MAX)
                } else {
                    let key = Cow::Owned(other.display_key());
                    (
                        outcome,
                        slot_of(key, false, &texts, &mut slots, &mut counted),
                    )
                }
            }
        };
        match outcome {
            Outcome::Missing => {
                missing += 1;
                continue;
            }
            Outcome::Placeholder => {
                placeholders += 1;
                non_conforming += 1;
            }
            Outcome::NonConforming => {
                non_conforming += 1;
                if examples.len() < EXAMPLES {
                    let key = cell.display_key();
                    if !examples.contains(&key) {
                        examples.push(key);
                    }
                }
            }
            Outcome::Value(Some(n)) => {
                min = min.min(n);
                max = max.max(n);
                sum += n;
                numbers += 1;
            }
            Outcome::Value(None) => {}
        }
        counted[slot].1 += 1;
    }
    drop(texts);
    drop(slots);

    let count = column.cells.len() - missing;
    let distinct = counted.len();
    // Ties broken by value so that the profile is deterministic.
    let order =
        |a: &(Cow<str>, usize), b: &(Cow<str>, usize)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    if counted.len() > TOP_VALUES {
        counted.select_nth_unstable_by(TOP_VALUES - 1, order);
        counted.truncate(TOP_VALUES);
    }
    counted.sort_unstable_by(order);
    let top_values: Vec<ValueCount> = counted
        .into_iter()
        .map(|(value, count)| ValueCount {
            value: value.into_owned(),
            count,
        })
        .collect();

    let numeric = (numeric_column && numbers > 0).then(|| NumericSummary {
        min,
        max,
        mean: sum / numbers as f64,
    });

    ColumnProfile {
        name: column.name.clone(),
        inferred_type: analysis.kind,
        count,
        missing,
        distinct,
        non_conforming,
        errors,
        top_values,
        numeric,
        placeholders,
        non_conforming_share: if count == 0 {
            0.0
        } else {
            non_conforming as f64 / count as f64
        },
        non_conforming_examples: examples,
        number_locale: analysis.number_locale.filter(|_| numeric_column),
        date_order: analysis.date_order.filter(|_| analysis.is_temporal()),
        currency: analysis.currency.clone().filter(|_| numeric_column),
        unit: analysis.unit.clone(),
        text_case: analysis.text_case,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(cells: Vec<Cell>) -> Column {
        Column::new("c", cells)
    }

    fn texts(values: &[&str]) -> Vec<Cell> {
        values.iter().map(|v| Cell::Text((*v).into())).collect()
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
    fn texts_that_trim_to_one_value_count_as_one_whichever_comes_first() {
        for cells in [
            texts(&[" EU", "EU", "EU ", "US", "US"]),
            texts(&["EU", " EU", "EU ", "US", " US"]),
        ] {
            let p = profile_column(&column(cells));
            assert_eq!(p.distinct, 2);
            let top: Vec<_> = p
                .top_values
                .iter()
                .map(|v| (v.value.as_str(), v.count))
                .collect();
            assert_eq!(top, [("EU", 3), ("US", 2)]);
        }
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
