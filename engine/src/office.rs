//! What Office.js hands over for a selection: `Range.values` and
//! `Range.numberFormat`, row-major, the same shape.

use serde::Deserialize;

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

/// A selection as read by the task pane.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeRange {
    pub values: Vec<Vec<OfficeValue>>,
    /// Same shape as `values` when present; `General` where unformatted.
    #[serde(default)]
    pub number_format: Option<Vec<Vec<String>>>,
    /// `None` lets the engine decide whether the first row is a header.
    #[serde(default)]
    pub has_header: Option<bool>,
}

const EXCEL_ERRORS: [&str; 9] = [
    "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
];

impl OfficeRange {
    pub fn into_table(self) -> Result<Table, EngineError> {
        if let Some(formats) = &self.number_format {
            let same_shape = formats.len() == self.values.len()
                && formats
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
        // Straight into columns: the cells are never held as rows too.
        let mut table = TableBuilder::new(self.has_header, height, height * width);
        for (r, row) in self.values.into_iter().enumerate() {
            let formats = formats.as_ref().map(|f| &f[r]);
            table.push_row(row.into_iter().enumerate().map(|(c, value)| {
                let format = formats.map_or("", |f| f[c].as_str());
                office_cell(value, format)
            }));
        }
        Ok(table.finish())
    }
}

fn office_cell(value: OfficeValue, number_format: &str) -> Cell {
    match value {
        OfficeValue::Number(n) if is_date_format(number_format) => Cell::DateTime(n),
        OfficeValue::Number(n) if is_elapsed_time_format(number_format) => Cell::Duration(n),
        OfficeValue::Number(n) => Cell::Number(n),
        OfficeValue::Bool(b) => Cell::Bool(b),
        OfficeValue::Text(t) if t.is_empty() => Cell::Empty,
        OfficeValue::Text(t) if EXCEL_ERRORS.contains(&t.as_str()) => Cell::Error(t),
        OfficeValue::Text(t) => Cell::Text(t),
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
    fn mismatched_number_format_shape_is_refused() {
        let range = OfficeRange {
            values: vec![vec![OfficeValue::Number(1.0)]],
            number_format: Some(vec![]),
            has_header: None,
        };
        assert!(matches!(
            range.into_table(),
            Err(EngineError::InvalidInput(_))
        ));
    }
}
