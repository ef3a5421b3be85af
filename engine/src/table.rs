//! The table model: columns of cells, as Excel or a file gives them.

use serde::{Deserialize, Serialize};

/// The string of a text cell: up to 24 bytes are kept inline, so most
/// spreadsheet values (codes, names, amounts as typed) cost no allocation.
pub use compact_str::CompactString as Text;

use crate::error::EngineError;

/// A hash map with a fast, fixed-seed hasher, for the per-cell work of
/// profiling, cleaning and duplicates (SipHash costs more than the work).
/// Its iteration order must never reach an output.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// One cell as it came from the source, before any interpretation.
///
/// Dates and durations keep Excel's serial number (days since 1899-12-30),
/// which is what both Office.js and calamine hand us and what Excel writes
/// back without loss.
///
/// A cell is 24 bytes: [`Text`] keeps short strings inline, and the rare
/// error codes are boxed so that they do not widen every cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Cell {
    Empty,
    Bool(bool),
    Number(f64),
    Text(Text),
    DateTime(f64),
    Duration(f64),
    /// An Excel error value such as `#N/A` or `#DIV/0!`.
    Error(Box<str>),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The string of a text or error cell.
    pub fn text_or_error(&self) -> Option<&str> {
        match self {
            Cell::Text(text) => Some(text),
            Cell::Error(code) => Some(code),
            _ => None,
        }
    }

    /// A text form used for counting distinct values and showing top values.
    pub fn display_key(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Cell::Number(n) | Cell::DateTime(n) | Cell::Duration(n) => format_number(*n),
            Cell::Text(text) => text.trim().to_owned(),
            Cell::Error(code) => code.to_string(),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A named column of cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    pub cells: Vec<Cell>,
    /// The Excel number format the column should be written back with
    /// (`yyyy-mm-dd`, `0.00%`…), set when cleaning gives it a type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl Column {
    pub fn new(name: impl Into<String>, cells: Vec<Cell>) -> Column {
        Column {
            name: name.into(),
            cells,
            format: None,
        }
    }
}

/// A rectangular table stored column by column, so that per-column work
/// (profiling, inference, cleaning) walks contiguous memory.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Table {
    columns: Vec<Column>,
    row_count: usize,
}

impl Table {
    /// Builds a table from rows. When `header` is `None`, the first row is
    /// taken as the header if it looks like one (see [`looks_like_header`]).
    /// Short rows are padded with empty cells.
    pub fn from_rows(rows: Vec<Vec<Cell>>, header: Option<bool>) -> Table {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut builder = TableBuilder::new(header, rows.len(), rows.len() * width);
        for row in rows {
            builder.push_row(row);
        }
        builder.finish()
    }

    /// Builds a table from whole columns, which must all be equally long.
    pub fn from_columns(columns: Vec<Column>) -> Result<Table, EngineError> {
        let row_count = columns.first().map_or(0, |c| c.cells.len());
        if columns.iter().any(|c| c.cells.len() != row_count) {
            return Err(EngineError::InvalidInput(
                "columns have different lengths".into(),
            ));
        }
        Ok(Table { columns, row_count })
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Cells may be changed in place; the number of rows may not (use
    /// [`Table::remove_rows`] and [`Table::insert_rows`]).
    pub fn columns_mut(&mut self) -> &mut [Column] {
        &mut self.columns
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// One row's cells, left to right.
    pub fn row(&self, index: usize) -> Vec<Cell> {
        self.columns
            .iter()
            .map(|c| c.cells.get(index).cloned().unwrap_or(Cell::Empty))
            .collect()
    }

    /// Removes the rows at `indices` (any order, duplicates ignored) and
    /// returns them with their former index, in ascending order.
    pub fn remove_rows(&mut self, indices: &[usize]) -> Vec<(usize, Vec<Cell>)> {
        let mut remove = vec![false; self.row_count];
        for &i in indices {
            if let Some(flag) = remove.get_mut(i) {
                *flag = true;
            }
        }
        let removed: Vec<(usize, Vec<Cell>)> = (0..self.row_count)
            .filter(|&i| remove[i])
            .map(|i| (i, self.row(i)))
            .collect();
        for column in &mut self.columns {
            let mut i = 0;
            column.cells.retain(|_| {
                let keep = !remove[i];
                i += 1;
                keep
            });
        }
        self.row_count -= removed.len();
        removed
    }

    /// Puts back rows taken out by [`Table::remove_rows`], each at its
    /// former index (ascending order).
    pub fn insert_rows(&mut self, rows: &[(usize, Vec<Cell>)]) {
        for (index, cells) in rows {
            let at = (*index).min(self.row_count);
            for (c, column) in self.columns.iter_mut().enumerate() {
                column
                    .cells
                    .insert(at, cells.get(c).cloned().unwrap_or(Cell::Empty));
            }
            self.row_count += 1;
        }
    }

    pub fn row_count(&self) -> usize {
        self.row_count
    }

    pub fn column_count(&self) -> usize {
        self.columns.len()
    }
}

/// Builds a table row by row straight into its columns, so that a file's
/// cells are never held twice (as rows, then as columns) while reading.
pub struct TableBuilder {
    header: Option<bool>,
    /// The header row's cells, once the first row turned out to be one.
    names: Option<Vec<Cell>>,
    columns: Vec<Vec<Cell>>,
    rows: usize,
    /// Rows expected, to size each column once, and a cap on the cells
    /// reserved that way (a wrong guess must not cost unbounded memory).
    capacity: usize,
    reserve_limit: usize,
    seen_first: bool,
}

impl TableBuilder {
    /// `header` as for [`Table::from_rows`]; `expected_rows` is a hint
    /// for sizing columns, trusted for at most `reserve_limit` cells in all.
    pub fn new(header: Option<bool>, expected_rows: usize, reserve_limit: usize) -> TableBuilder {
        TableBuilder {
            header,
            names: None,
            columns: Vec::new(),
            rows: 0,
            capacity: expected_rows,
            reserve_limit,
            seen_first: false,
        }
    }

    /// Adds one row; a row wider than those before adds columns (blank in
    /// the earlier rows), a shorter one is padded with empty cells.
    pub fn push_row(&mut self, row: impl IntoIterator<Item = Cell>) {
        if !self.seen_first {
            self.seen_first = true;
            let row: Vec<Cell> = row.into_iter().collect();
            if self.header.unwrap_or_else(|| looks_like_header(&row)) {
                self.names = Some(row);
                return;
            }
            self.push_cells(row);
            return;
        }
        self.push_cells(row);
    }

    fn push_cells(&mut self, row: impl IntoIterator<Item = Cell>) {
        let mut width = 0;
        for (i, cell) in row.into_iter().enumerate() {
            if i == self.columns.len() {
                let trusted = self.capacity.saturating_mul(i + 1) <= self.reserve_limit;
                let capacity = if trusted { self.capacity } else { 0 };
                let mut column = Vec::with_capacity(capacity.max(self.rows + 1));
                column.resize(self.rows, Cell::Empty);
                self.columns.push(column);
            }
            self.columns[i].push(cell);
            width = i + 1;
        }
        for column in &mut self.columns[width..] {
            column.push(Cell::Empty);
        }
        self.rows += 1;
    }

    pub fn finish(mut self) -> Table {
        let header_width = self.names.as_ref().map_or(0, Vec::len);
        // A header wider than every data row still names its columns.
        while self.columns.len() < header_width {
            self.columns.push(vec![Cell::Empty; self.rows]);
        }
        let width = self.columns.len();
        let names: Vec<String> = match &self.names {
            Some(first) => (0..width)
                .map(|i| match first.get(i) {
                    Some(cell) if !cell.is_empty() => cell.display_key(),
                    _ => column_letter_name(i),
                })
                .collect(),
            None => (0..width).map(column_letter_name).collect(),
        };
        let columns = deduplicate_names(names)
            .into_iter()
            .zip(self.columns)
            .map(|(name, cells)| Column::new(name, cells))
            .collect();
        Table {
            columns,
            row_count: self.rows,
        }
    }
}

/// A first row is a header when every cell in it is non-empty text. Most
/// finance sheets have one, and a sheet of pure text gives no better clue;
/// callers that know better pass `header: Some(..)`.
fn looks_like_header(first: &[Cell]) -> bool {
    !first.is_empty()
        && first
            .iter()
            .all(|cell| matches!(cell, Cell::Text(t) if !t.trim().is_empty()))
}

/// `A`, `B`, … `Z`, `AA`, … as Excel names columns.
pub fn column_letter_name(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("Column {}", String::from_utf8(letters).unwrap_or_default())
}

/// Two columns called "Amount" become "Amount" and "Amount (2)".
fn deduplicate_names(names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    names
        .into_iter()
        .map(|name| {
            let count = seen.entry(name.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                name
            } else {
                format!("{name} ({count})")
            }
        })
        .collect()
}

/// A table of text cells under a header row (`""` is an empty cell): the
/// shape most unit tests start from.
#[cfg(test)]
pub(crate) fn text_table(rows: &[&[&str]]) -> Table {
    let rows = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| {
                    if v.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text((*v).into())
                    }
                })
                .collect()
        })
        .collect();
    Table::from_rows(rows, Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn header_row_becomes_column_names_and_rows_are_padded() {
        let table = Table::from_rows(
            vec![
                vec![text("Name"), text("Amount")],
                vec![text("Ada"), Cell::Number(12.5)],
                vec![text("Bob")],
            ],
            None,
        );
        assert_eq!(table.row_count(), 2);
        let names: Vec<_> = table.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Name", "Amount"]);
        assert_eq!(
            table.columns()[1].cells,
            vec![Cell::Number(12.5), Cell::Empty]
        );
    }

    #[test]
    fn numeric_first_row_is_data_not_header() {
        let table = Table::from_rows(vec![vec![Cell::Number(1.0), text("x")]], None);
        assert_eq!(table.row_count(), 1);
        assert_eq!(table.columns()[0].name, "Column A");
    }

    #[test]
    fn duplicate_and_blank_header_names_are_made_unique() {
        let table = Table::from_rows(
            vec![
                vec![text("Amount"), text("Amount"), text("Note")],
                vec![
                    Cell::Number(1.0),
                    Cell::Number(2.0),
                    Cell::Empty,
                    text("extra"),
                ],
            ],
            Some(true),
        );
        let names: Vec<_> = table.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Amount", "Amount (2)", "Note", "Column D"]);
    }

    /// The table's memory is mostly cells: a wider `Cell` costs a third
    /// more for every cell of a sheet.
    #[test]
    fn a_cell_is_24_bytes_and_short_text_is_inline() {
        assert_eq!(std::mem::size_of::<Cell>(), 24);
        assert!(!Text::from("Acme Holdings GmbH, Bonn").is_heap_allocated());
    }

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter_name(0), "Column A");
        assert_eq!(column_letter_name(25), "Column Z");
        assert_eq!(column_letter_name(26), "Column AA");
        assert_eq!(column_letter_name(701), "Column ZZ");
        assert_eq!(column_letter_name(702), "Column AAA");
    }
}
