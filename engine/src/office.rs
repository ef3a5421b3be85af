//! What Office.js hands over for a selection: `Range.values` and
//! `Range.numberFormat`, row-major, the same shape.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::error::EngineError;
use crate::table::{Cell, Table, TableBuilder};

/// One entry of `Range.values`: Excel gives numbers, strings (`""` for an
/// empty cell, `"#N/A"` and friends for errors) and booleans.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum OfficeValue {
    Number(f64),
    Bool(bool),
    Text(String),
}

/// `Range.numberFormat`: row-major, the shape of `values`. Kept as each
/// distinct format once plus one index per cell — a sheet has a handful of
/// formats over maybe a million cells, and reading them as a million
/// strings cost five times as much as reading the values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberFormats {
    palette: Vec<String>,
    rows: Vec<Vec<u32>>,
}

impl NumberFormats {
    pub fn from_rows<R, S>(rows: impl IntoIterator<Item = R>) -> NumberFormats
    where
        R: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut palette = Palette::default();
        let rows = rows
            .into_iter()
            .map(|row| row.into_iter().map(|f| palette.index(f.as_ref())).collect())
            .collect();
        NumberFormats {
            palette: palette.formats,
            rows,
        }
    }

    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// The format of row `row`, column `column` (header rows included).
    pub fn get(&self, row: usize, column: usize) -> Option<&str> {
        let index = *self.rows.get(row)?.get(column)?;
        self.palette.get(index as usize).map(String::as_str)
    }

    /// The same formats without the first `count` rows (a header).
    pub fn without_first_rows(mut self, count: usize) -> NumberFormats {
        self.rows.drain(..count.min(self.rows.len()));
        self
    }
}

/// Distinct formats, numbered in order of appearance.
#[derive(Default)]
struct Palette {
    formats: Vec<String>,
    known: HashMap<String, u32>,
}

impl Palette {
    fn index(&mut self, format: &str) -> u32 {
        // A few formats are the rule: comparing them beats hashing each cell's.
        let found = if self.formats.len() <= 16 {
            self.formats.iter().position(|known| known == format)
        } else {
            self.known.get(format).map(|&index| index as usize)
        };
        if let Some(index) = found {
            return u32::try_from(index).unwrap_or(u32::MAX);
        }
        let index = u32::try_from(self.formats.len()).unwrap_or(u32::MAX);
        self.formats.push(format.to_owned());
        self.known.insert(format.to_owned(), index);
        index
    }
}

impl<'de> Deserialize<'de> for NumberFormats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NumberFormats, D::Error> {
        struct Rows;
        impl<'de> Visitor<'de> for Rows {
            type Value = NumberFormats;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of rows of number format strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NumberFormats, A::Error> {
                let mut palette = Palette::default();
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(row) = seq.next_element_seed(RowSeed(&mut palette))? {
                    rows.push(row);
                }
                Ok(NumberFormats {
                    palette: palette.formats,
                    rows,
                })
            }
        }
        deserializer.deserialize_seq(Rows)
    }
}

/// One row, each format looked up in the palette without being copied.
struct RowSeed<'p>(&'p mut Palette);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Vec<u32>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<u32>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Vec<u32>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of number format strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u32>, A::Error> {
        let mut row = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(index) = seq.next_element_seed(FormatSeed(&mut *self.0))? {
            row.push(index);
        }
        Ok(row)
    }
}

struct FormatSeed<'p>(&'p mut Palette);

impl<'de> DeserializeSeed<'de> for FormatSeed<'_> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u32, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for FormatSeed<'_> {
    type Value = u32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number format string")
    }
    fn visit_str<E: de::Error>(self, format: &str) -> Result<u32, E> {
        Ok(self.0.index(format))
    }
}

/// A selection as read by the task pane.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeRange {
    pub values: Vec<Vec<OfficeValue>>,
    /// Same shape as `values` when present; `General` where unformatted.
    #[serde(default)]
    pub number_format: Option<NumberFormats>,
    /// `None` lets the engine decide whether the first row is a header.
    #[serde(default)]
    pub has_header: Option<bool>,
}

const EXCEL_ERRORS: [&str; 9] = [
    "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
];

impl OfficeRange {
    pub fn into_table(self) -> Result<Table, EngineError> {
        self.into_table_and_formats().map(|(table, _)| table)
    }

    /// The table, and the number formats handed back (the task pane writes
    /// the sheet's own formats back where the engine set none).
    pub fn into_table_and_formats(self) -> Result<(Table, Option<NumberFormats>), EngineError> {
        if let Some(formats) = &self.number_format {
            let same_shape = formats.rows.len() == self.values.len()
                && formats
                    .rows
                    .iter()
                    .zip(&self.values)
                    .all(|(f, v)| f.len() == v.len());
            if !same_shape {
                return Err(EngineError::InvalidInput(
                    "numberFormat does not have the same shape as values".into(),
                ));
            }
        }
        let formats = self.number_format;
        let height = self.values.len();
        let width = self.values.iter().map(Vec::len).max().unwrap_or(0);
        // Each distinct format is classified once.
        let kinds: Vec<FormatKind> = formats
            .as_ref()
            .map(|f| {
                f.palette
                    .iter()
                    .map(|format| FormatKind::of(format))
                    .collect()
            })
            .unwrap_or_default();
        // Straight into columns: the cells are never held as rows too.
        let mut table = TableBuilder::new(self.has_header, height, height * width);
        for (r, row) in self.values.into_iter().enumerate() {
            let formats = formats.as_ref().map(|f| &f.rows[r]);
            table.push_row(row.into_iter().enumerate().map(|(c, value)| {
                let kind = match (formats, &value) {
                    (Some(f), OfficeValue::Number(_)) => kinds[f[c] as usize],
                    _ => FormatKind::Plain,
                };
                office_cell(value, kind)
            }));
        }
        Ok((table.finish(), formats))
    }
}

/// What a number format makes of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormatKind {
    Date,
    ElapsedTime,
    Plain,
}

impl FormatKind {
    fn of(format: &str) -> FormatKind {
        if is_date_format(format) {
            FormatKind::Date
        } else if is_elapsed_time_format(format) {
            FormatKind::ElapsedTime
        } else {
            FormatKind::Plain
        }
    }
}

fn office_cell(value: OfficeValue, kind: FormatKind) -> Cell {
    match value {
        OfficeValue::Number(n) if kind == FormatKind::Date => Cell::DateTime(n),
        OfficeValue::Number(n) if kind == FormatKind::ElapsedTime => Cell::Duration(n),
        OfficeValue::Number(n) => Cell::Number(n),
        OfficeValue::Bool(b) => Cell::Bool(b),
        OfficeValue::Text(t) if t.is_empty() => Cell::Empty,
        OfficeValue::Text(t) if EXCEL_ERRORS.contains(&t.as_str()) => Cell::Error(t.into()),
        OfficeValue::Text(t) => Cell::Text(t.into()),
    }
}

/// Strips quoted literals, escapes and `[...]` sections (colours, locales)
/// from a number format so that only its codes remain.
fn format_codes(format: &str) -> String {
    let mut codes = String::with_capacity(format.len());
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                let section: String = chars.by_ref().take_while(|&b| b != ']').collect();
                // Elapsed-time codes such as [h] are codes, not decoration.
                if matches!(
                    section.to_ascii_lowercase().as_str(),
                    "h" | "hh" | "m" | "mm" | "s" | "ss"
                ) {
                    codes.push('[');
                    codes.push_str(&section);
                    codes.push(']');
                }
            }
            _ => codes.push(c.to_ascii_lowercase()),
        }
    }
    codes
}

/// A date format names a day, month or year (`m` alone is a month only
/// next to `d` or `y`; next to `h` or `s` it means minutes).
fn is_date_format(format: &str) -> bool {
    let codes = format_codes(format);
    !codes.contains('[') && (codes.contains('d') || codes.contains('y'))
}

fn is_elapsed_time_format(format: &str) -> bool {
    let codes = format_codes(format);
    codes.contains("[h") || codes.contains("[m") || codes.contains("[s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_recognised_and_literals_ignored() {
        assert!(is_date_format("yyyy-mm-dd"));
        assert!(is_date_format("[$-409]d-mmm-yy;@"));
        assert!(is_date_format("dd/mm/yyyy hh:mm"));
        assert!(!is_date_format("General"));
        assert!(!is_date_format("#,##0.00 \"days\""));
        assert!(!is_date_format("0.00%"));
        assert!(!is_date_format("[Red]#,##0"));
        assert!(is_elapsed_time_format("[h]:mm:ss"));
        assert!(!is_date_format("[h]:mm:ss"));
    }

    #[test]
    fn office_values_become_typed_cells() {
        let json = r##"{
            "values": [["Date", "Amount", "Paid", "Note"],
                       [45292, 12.5, true, ""],
                       [45293, "#N/A", false, "late"]],
            "numberFormat": [["General", "General", "General", "General"],
                             ["yyyy-mm-dd", "#,##0.00", "General", "@"],
                             ["yyyy-mm-dd", "#,##0.00", "General", "@"]]
        }"##;
        let range: OfficeRange = serde_json::from_str(json).unwrap();
        let table = range.into_table().unwrap();
        assert_eq!(table.row_count(), 2);
        let cols = table.columns();
        assert_eq!(
            cols[0].cells,
            vec![Cell::DateTime(45292.0), Cell::DateTime(45293.0)]
        );
        assert_eq!(cols[1].cells[1], Cell::Error("#N/A".into()));
        assert_eq!(cols[2].cells, vec![Cell::Bool(true), Cell::Bool(false)]);
        assert_eq!(cols[3].cells[0], Cell::Empty);
    }

    #[test]
    fn number_formats_keep_each_distinct_format_once() {
        let formats: NumberFormats = serde_json::from_str(
            r#"[["General", "0.00%", "\"kg\" 0"], ["General", "0.00%", "General"], []]"#,
        )
        .unwrap();
        assert_eq!(formats.palette, ["General", "0.00%", "\"kg\" 0"]);
        assert_eq!(formats.rows, [vec![0, 1, 2], vec![0, 1, 0], vec![]]);
        assert_eq!(formats.get(0, 2), Some("\"kg\" 0"));
        assert_eq!(formats.get(1, 2), Some("General"));
        assert_eq!(formats.get(2, 0), None);
        assert_eq!(formats, NumberFormats::from_rows(formats_as_rows(&formats)));
        let data = formats.without_first_rows(1);
        assert_eq!(data.row_count(), 2);
        assert_eq!(data.get(0, 1), Some("0.00%"));
        assert_eq!(data.without_first_rows(5).row_count(), 0);
        for bad in [r#"[["General", 3]]"#, r#"["General"]"#, r#"{"a": 1}"#] {
            assert!(serde_json::from_str::<NumberFormats>(bad).is_err(), "{bad}");
        }
    }

    fn formats_as_rows(formats: &NumberFormats) -> Vec<Vec<&str>> {
        (0..formats.row_count())
            .map(|r| {
                (0..formats.rows[r].len())
                    .map(|c| formats.get(r, c).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn mismatched_number_format_shape_is_refused() {
        let range = OfficeRange {
            values: vec![vec![OfficeValue::Number(1.0)]],
            number_format: Some(NumberFormats::default()),
            has_header: None,
        };
        assert!(matches!(
            range.into_table(),
            Err(EngineError::InvalidInput(_))
        ));
    }
}
