//! Writing a table as machine-readable CSV: numbers with a `.` decimal
//! point and no grouping, dates in ISO 8601, booleans `true`/`false`,
//! percentages as fractions (they are stored that way).

use crate::error::EngineError;
use crate::parse::date::{TemporalKind, format_serial};
use crate::parse::number::format_plain;
use crate::table::{Cell, Column, Table};

/// `[h]:mm:ss`: hours may exceed 24.
pub fn format_duration(days: f64) -> String {
    let total = (days.abs() * 86_400.0).round() as u64;
    let sign = if days < 0.0 { "-" } else { "" };
    format!(
        "{sign}{:02}:{:02}:{:02}",
        total / 3600,
        total / 60 % 60,
        total % 60
    )
}

/// How a column's date-times are written, from its format when it has one.
fn temporal_kind(column: &Column) -> Option<TemporalKind> {
    let format = column.format.as_deref()?.to_ascii_lowercase();
    let has_date = format.contains('y') || format.contains('d');
    let has_time = format.contains('h') || format.contains('s');
    match (has_date, has_time) {
        (true, true) => Some(TemporalKind::DateTime),
        (true, false) => Some(TemporalKind::Date),
        (false, true) => Some(TemporalKind::Time),
        _ => None,
    }
}

pub fn format_cell(cell: &Cell, kind: Option<TemporalKind>) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Bool(b) => b.to_string(),
        Cell::Number(n) => format_plain(*n),
        Cell::Text(t) => t.to_string(),
        Cell::Error(code) => code.to_string(),
        Cell::DateTime(n) => {
            let kind = kind.unwrap_or(if (0.0..1.0).contains(n) {
                TemporalKind::Time
            } else if n.fract() == 0.0 {
                TemporalKind::Date
            } else {
                TemporalKind::DateTime
            });
            format_serial(*n, kind).unwrap_or_else(|| format_plain(*n))
        }
        Cell::Duration(n) => format_duration(*n),
    }
}

/// [`format_plain`] into a buffer, without allocating.
fn write_plain(out: &mut String, value: f64) {
    use std::fmt::Write;
    if value == 0.0 {
        out.push('0');
    } else {
        let _ = write!(out, "{value}");
    }
}

/// The whole table, header first, as CSV bytes (UTF-8, `\n` line ends).
pub fn write_csv(table: &Table, out: &mut impl std::io::Write) -> Result<(), EngineError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    let fail = |e: csv::Error| EngineError::Unreadable(format!("cannot write CSV: {e}"));
    writer
        .write_record(table.columns().iter().map(|c| c.name.as_str()))
        .map_err(fail)?;
    let kinds: Vec<Option<TemporalKind>> = table.columns().iter().map(temporal_kind).collect();
    // Text is written as it is; other cells through one reused buffer.
    let mut buffer = String::new();
    for row in 0..table.row_count() {
        for (column, kind) in table.columns().iter().zip(&kinds) {
            let field: &str = match &column.cells[row] {
                Cell::Text(t) => t,
                Cell::Error(code) => code,
                Cell::Empty => "",
                Cell::Number(n) => {
                    buffer.clear();
                    write_plain(&mut buffer, *n);
                    &buffer
                }
                other => {
                    buffer = format_cell(other, *kind);
                    &buffer
                }
            };
            writer.write_field(field).map_err(fail)?;
        }
        writer.write_record(None::<&[u8]>).map_err(fail)?;
    }
    writer
        .flush()
        .map_err(|e| EngineError::Unreadable(format!("cannot write CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_written_for_machines() {
        let mut date = Column::new("d", vec![Cell::DateTime(45306.0)]);
        date.format = Some("yyyy-mm-dd".into());
        let table = Table::from_columns(vec![
            Column::new("n", vec![Cell::Number(1234.5)]),
            date,
            Column::new("b", vec![Cell::Bool(true)]),
            Column::new("t", vec![Cell::Text("a, \"b\"".into())]),
            Column::new("e", vec![Cell::Empty]),
        ])
        .unwrap();
        let mut out = Vec::new();
        write_csv(&table, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "n,d,b,t,e\n1234.5,2024-01-15,true,\"a, \"\"b\"\"\",\n"
        );
        assert_eq!(format_duration(1.5), "36:00:00");
    }
}
