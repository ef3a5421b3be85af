//! The sheet context: what the model is told about a (masked) range, in a
//! compact, deterministic text that fits a token budget.
//!
//! ```text
//! Sheet: 50000 rows x 4 columns.
//! Columns (name: type, values, missing, distinct, details):
//! - Date: date, 50000 values, 0 missing, 365 distinct
//! - Amount: currency EUR, 49998 values, 2 missing, 40211 distinct, min -1200.5, max 98000, mean 512.31, total 25615500.12
//! - Region: category, 50000 values, 0 missing, 3 distinct, top EU (20000), US (15000), APAC (15000)
//! Sample rows (CSV; "row" is the 1-based data row):
//! row,Date,Amount,Region
//! 1,2024-01-02,120.5,EU
//! …
//! Omitted: 49983 of 50000 rows.
//! ```
//!
//! The sample takes the first and last rows, then rows that carry outliers
//! (values far from their column's mean, the minimum and maximum),
//! non-conforming values and rare categories, then rows spread evenly over
//! the sheet, as many as the budget allows. When even the column
//! descriptions do not fit, they shrink (details, then columns) and the
//! text says what was left out. The result never exceeds the budget as the
//! given counter counts it.

use serde::{Deserialize, Serialize};

use crate::infer::{ColumnAnalysis, Reading, analyze_column, read_cell};
use crate::parse::number::format_plain;
use crate::profile::{ColumnProfile, ColumnType, TableProfile};
use crate::table::{Cell, Table};
use crate::tokens::TokenCounter;
use crate::write::format_cell;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ContextOptions {
    /// First rows always offered for the sample.
    pub head_rows: usize,
    /// Last rows always offered for the sample.
    pub tail_rows: usize,
    /// Cells longer than this are cut (with `…`).
    pub max_cell_chars: usize,
    /// Rows considered for the sample at most (bounds the work on big
    /// sheets; the budget usually stops earlier).
    pub max_candidates: usize,
}

impl Default for ContextOptions {
    fn default() -> ContextOptions {
        ContextOptions {
            head_rows: 5,
            tail_rows: 3,
            max_cell_chars: 60,
            max_candidates: 400,
        }
    }
}

/// How much of the column descriptions made it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Types, counts, ranges, totals and top values.
    Full,
    /// Names and types only.
    Types,
    /// Names and types of the first columns only.
    SomeColumns,
    /// Only the sheet's size.
    SizeOnly,
    /// Nothing: the budget is too small for even that.
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetContext {
    pub text: String,
    /// Tokens of `text` as the counter counts it; never above `budget`.
    pub tokens: usize,
    pub budget: usize,
    pub detail: Detail,
    /// Columns described (all of them unless `detail` is `someColumns`,
    /// `sizeOnly` or `nothing`).
    pub columns_described: usize,
    /// The sampled rows (0-based data rows), ascending.
    pub rows_included: Vec<usize>,
    pub rows_omitted: usize,
    /// Sampled cells cut to `maxCellChars`.
    pub cells_truncated: usize,
}

/// Builds the context of `table` (profiled as `profile`) within `budget`
/// tokens of `counter`.
pub fn build_sheet_context(
    table: &Table,
    profile: &TableProfile,
    counter: &dyn TokenCounter,
    budget: usize,
    options: &ContextOptions,
) -> SheetContext {
    let rows = table.row_count();
    let size_line = format!("Sheet: {rows} rows x {} columns.\n", table.column_count());
    // Each column read once, for totals and telling rows; only the columns
    // that need it.
    let analyses: Vec<Option<ColumnAnalysis>> = table
        .columns()
        .iter()
        .zip(&profile.columns)
        .map(|(column, p)| {
            (is_numeric(p.inferred_type)
                || p.inferred_type == ColumnType::Category
                || p.non_conforming > 0)
                .then(|| analyze_column(column))
        })
        .collect();
    let totals = column_totals(table, profile, &analyses);
    let full: Vec<String> = profile
        .columns
        .iter()
        .zip(&totals)
        .map(|(c, total)| describe_column(c, *total))
        .collect();
    let brief: Vec<String> = profile
        .columns
        .iter()
        .map(|c| format!("- {}: {}\n", c.name, type_name(c.inferred_type)))
        .collect();

    // The richest description that fits, leaving the sample what is left.
    let mut detail = Detail::Nothing;
    let mut head = String::new();
    let mut columns_described = 0;
    let full_text = format!(
        "{size_line}Columns (name: type, values, missing, distinct, details):\n{}",
        full.concat()
    );
    let brief_text = format!("{size_line}Columns (name: type):\n{}", brief.concat());
    if counter.count(&full_text) <= budget {
        (detail, head, columns_described) = (Detail::Full, full_text, full.len());
    } else if counter.count(&brief_text) <= budget {
        (detail, head, columns_described) = (Detail::Types, brief_text, brief.len());
    } else if counter.count(&size_line) <= budget {
        (detail, head) = (Detail::SizeOnly, size_line.clone());
        // As many column names as fit, with a line saying how many not.
        for n in (1..brief.len()).rev() {
            let text = format!(
                "{size_line}Columns (name: type; {} more not shown):\n{}",
                brief.len() - n,
                brief[..n].concat()
            );
            if counter.count(&text) <= budget {
                (detail, head, columns_described) = (Detail::SomeColumns, text, n);
                break;
            }
        }
    }
    if detail == Detail::Nothing {
        return SheetContext {
            text: String::new(),
            tokens: 0,
            budget,
            detail,
            columns_described: 0,
            rows_included: Vec::new(),
            rows_omitted: rows,
            cells_truncated: 0,
        };
    }

    // The sample: candidates in priority order, each row's line counted
    // once; rows that do not fit are skipped for smaller ones.
    let header_line = csv_line(
        std::iter::once("row".to_owned()).chain(table.columns().iter().map(|c| c.name.clone())),
        options.max_cell_chars,
    )
    .0;
    let sample_intro =
        format!("Sample rows (CSV; \"row\" is the 1-based data row):\n{header_line}");
    let intro_tokens = counter.count(&sample_intro);
    let head_tokens = counter.count(&head);
    let mut chosen: Vec<(usize, String, usize)> = Vec::new();
    let mut used = head_tokens + intro_tokens;
    let omitted_tokens = |included: usize| {
        counter.count(&omitted_line(
            rows - included,
            rows,
            columns_described,
            profile,
        ))
    };
    if rows > 0 {
        for row in candidates(table, profile, &analyses, options) {
            let cells = table.columns().iter().map(|c| {
                c.cells
                    .get(row)
                    .map_or_else(String::new, |cell| format_cell(cell, None))
            });
            let (line, cut) = csv_line(
                std::iter::once((row + 1).to_string()).chain(cells),
                options.max_cell_chars,
            );
            let tokens = counter.count(&line);
            if used + tokens + omitted_tokens(chosen.len() + 1) <= budget {
                used += tokens;
                chosen.push((row, line, cut));
            }
        }
    }

    // Assemble and check the whole text; drop the last rows added until it
    // fits (counters need not be additive over lines).
    loop {
        let mut sorted: Vec<&(usize, String, usize)> = chosen.iter().collect();
        sorted.sort_by_key(|(row, _, _)| *row);
        let mut text = head.clone();
        if !sorted.is_empty() {
            text.push_str(&sample_intro);
            for (_, line, _) in &sorted {
                text.push_str(line);
            }
        }
        text.push_str(&omitted_line(
            rows - sorted.len(),
            rows,
            columns_described,
            profile,
        ));
        let tokens = counter.count(&text);
        if tokens <= budget || chosen.is_empty() {
            if tokens > budget {
                // Only the omitted line can tip it over: leave it out.
                return finish(
                    head.clone(),
                    counter,
                    budget,
                    detail,
                    columns_described,
                    &[],
                    rows,
                );
            }
            let rows_included: Vec<usize> = sorted.iter().map(|(row, _, _)| *row).collect();
            let cells_truncated = sorted.iter().map(|(_, _, cut)| cut).sum();
            return SheetContext {
                text,
                tokens,
                budget,
                detail,
                columns_described,
                rows_omitted: rows - rows_included.len(),
                rows_included,
                cells_truncated,
            };
        }
        chosen.pop();
    }
}

fn finish(
    text: String,
    counter: &dyn TokenCounter,
    budget: usize,
    detail: Detail,
    columns_described: usize,
    rows_included: &[usize],
    rows: usize,
) -> SheetContext {
    let tokens = counter.count(&text);
    SheetContext {
        text,
        tokens,
        budget,
        detail,
        columns_described,
        rows_included: rows_included.to_vec(),
        rows_omitted: rows - rows_included.len(),
        cells_truncated: 0,
    }
}

fn omitted_line(omitted: usize, rows: usize, described: usize, profile: &TableProfile) -> String {
    let columns = profile.columns.len().saturating_sub(described);
    match (omitted, columns) {
        (0, 0) => String::new(),
        (0, c) => format!("Omitted: {c} columns.\n"),
        (r, 0) => format!("Omitted: {r} of {rows} rows.\n"),
        (r, c) => format!("Omitted: {r} of {rows} rows, {c} columns.\n"),
    }
}

fn type_name(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Empty => "empty",
        ColumnType::Boolean => "boolean",
        ColumnType::Integer => "integer",
        ColumnType::Decimal => "decimal",
        ColumnType::Currency => "currency",
        ColumnType::Percentage => "percentage",
        ColumnType::Date => "date",
        ColumnType::Datetime => "datetime",
        ColumnType::Time => "time",
        ColumnType::Duration => "duration",
        ColumnType::Email => "email",
        ColumnType::Phone => "phone",
        ColumnType::Url => "url",
        ColumnType::Identifier => "identifier",
        ColumnType::Category => "category",
        ColumnType::Text => "text",
    }
}

fn round(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format_plain(if rounded.is_finite() { rounded } else { value })
}

fn describe_column(c: &ColumnProfile, total: Option<f64>) -> String {
    let mut line = format!("- {}: {}", c.name, type_name(c.inferred_type));
    if let Some(currency) = &c.currency {
        line.push(' ');
        line.push_str(currency);
    }
    if let Some(unit) = &c.unit {
        line.push_str(&format!(" ({unit})"));
    }
    line.push_str(&format!(
        ", {} values, {} missing, {} distinct",
        c.count, c.missing, c.distinct
    ));
    if c.non_conforming > 0 {
        line.push_str(&format!(", {} non-conforming", c.non_conforming));
    }
    if c.errors > 0 {
        line.push_str(&format!(", {} errors", c.errors));
    }
    if let Some(n) = &c.numeric {
        line.push_str(&format!(
            ", min {}, max {}, mean {}",
            round(n.min),
            round(n.max),
            round(n.mean)
        ));
    }
    if let Some(total) = total {
        line.push_str(&format!(", total {}", round(total)));
    }
    if matches!(c.inferred_type, ColumnType::Category | ColumnType::Boolean)
        && !c.top_values.is_empty()
    {
        let top: Vec<String> = c
            .top_values
            .iter()
            .map(|v| format!("{} ({})", v.value, v.count))
            .collect();
        line.push_str(&format!(", top {}", top.join(", ")));
    }
    line.push('\n');
    line
}

/// Sums of the columns where a total means something.
fn column_totals(
    table: &Table,
    profile: &TableProfile,
    analyses: &[Option<ColumnAnalysis>],
) -> Vec<Option<f64>> {
    table
        .columns()
        .iter()
        .zip(&profile.columns)
        .zip(analyses)
        .map(|((column, p), analysis)| {
            let analysis = analysis.as_ref()?;
            if !matches!(
                p.inferred_type,
                ColumnType::Integer | ColumnType::Decimal | ColumnType::Currency
            ) {
                return None;
            }
            let sum = column
                .cells
                .iter()
                .filter_map(|cell| match read_cell(cell, analysis) {
                    Reading::Value {
                        cell: Cell::Number(n),
                        ..
                    } => Some(n),
                    _ => None,
                })
                .sum::<f64>();
            sum.is_finite().then_some(sum)
        })
        .collect()
}

/// One CSV line (ends with `\n`), cells cut to `max` characters; returns
/// how many were cut.
fn csv_line(cells: impl Iterator<Item = String>, max: usize) -> (String, usize) {
    let mut line = String::new();
    let mut cut = 0;
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        let mut cell = cell.replace(['\n', '\r'], " ");
        if cell.chars().count() > max {
            cell = cell.chars().take(max.saturating_sub(1)).collect::<String>() + "…";
            cut += 1;
        }
        if cell.contains([',', '"']) {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&cell);
        }
    }
    line.push('\n');
    (line, cut)
}

/// Rows worth showing, most telling first, without repeats.
fn candidates(
    table: &Table,
    profile: &TableProfile,
    analyses: &[Option<ColumnAnalysis>],
    options: &ContextOptions,
) -> Vec<usize> {
    let rows = table.row_count();
    let mut seen = vec![false; rows];
    let mut out = Vec::new();
    let mut offer = |row: usize, out: &mut Vec<usize>| {
        if row < rows && !seen[row] && out.len() < options.max_candidates {
            seen[row] = true;
            out.push(row);
        }
    };
    for row in 0..options.head_rows.min(rows) {
        offer(row, &mut out);
    }
    for row in rows.saturating_sub(options.tail_rows)..rows {
        offer(row, &mut out);
    }
    // Per column, its telling rows; then taken round-robin so that every
    // column gets its first pick before any gets its second.
    let mut lists: Vec<Vec<usize>> = table
        .columns()
        .iter()
        .zip(&profile.columns)
        .zip(analyses)
        .map(|((column, p), analysis)| match analysis {
            Some(analysis) => telling_rows(&column.cells, p, analysis),
            None => Vec::new(),
        })
        .collect();
    let mut round = 0;
    while lists.iter().any(|l| round < l.len()) {
        for list in &mut lists {
            if let Some(&row) = list.get(round) {
                offer(row, &mut out);
            }
        }
        round += 1;
    }
    // Spread over the sheet: halves, quarters, eighths…
    let mut step = rows.next_power_of_two();
    while step > 1 && out.len() < options.max_candidates {
        let half = step / 2;
        let mut at = half;
        while at < rows && out.len() < options.max_candidates {
            offer(at, &mut out);
            at += step;
        }
        step = half;
    }
    out
}

fn is_numeric(kind: ColumnType) -> bool {
    matches!(
        kind,
        ColumnType::Integer | ColumnType::Decimal | ColumnType::Currency | ColumnType::Percentage
    )
}

const OUTLIER_Z: f64 = 3.0;
const PER_COLUMN: usize = 8;

/// A column's telling rows: for numbers the minimum, the maximum and the
/// values furthest from the mean (beyond 3 standard deviations); cells that
/// are not of the column's type; for categories the rarest values.
fn telling_rows(cells: &[Cell], p: &ColumnProfile, analysis: &ColumnAnalysis) -> Vec<usize> {
    let mut out = Vec::new();
    let numeric = is_numeric(p.inferred_type);
    let category = p.inferred_type == ColumnType::Category;
    let mut values: Vec<(usize, f64)> = Vec::new();
    let mut odd: Vec<usize> = Vec::new();
    for (row, cell) in cells.iter().enumerate() {
        match read_cell(cell, analysis) {
            Reading::Value {
                cell: Cell::Number(n),
                ..
            } if n.is_finite() => values.push((row, n)),
            Reading::NonConforming if odd.len() < PER_COLUMN => odd.push(row),
            _ => {}
        }
    }
    if numeric && !values.is_empty() {
        let n = values.len() as f64;
        let mean = values.iter().map(|v| v.1).sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v.1 - mean).powi(2)).sum::<f64>() / n).sqrt();
        // Extremes first (ties: the earlier row), then the rest by distance.
        let mut by_distance: Vec<(usize, f64)> = values
            .iter()
            .map(|&(row, v)| (row, (v - mean).abs()))
            .collect();
        by_distance.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let min = values
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let max = values
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        out.extend(min.map(|v| v.0));
        out.extend(max.map(|v| v.0));
        out.extend(
            by_distance
                .iter()
                .take_while(|(_, d)| sd > 0.0 && *d > OUTLIER_Z * sd)
                .take(PER_COLUMN)
                .map(|(row, _)| *row),
        );
    }
    out.extend(odd);
    if category {
        // Rarest values (fewest rows, then by value), first row of each.
        let mut counts: std::collections::BTreeMap<String, (usize, usize)> =
            std::collections::BTreeMap::new();
        for (row, cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let entry = counts.entry(cell.display_key()).or_insert((0, row));
            entry.0 += 1;
        }
        let mut rare: Vec<(&String, &(usize, usize))> = counts.iter().collect();
        rare.sort_by(|a, b| (a.1).0.cmp(&(b.1).0).then(a.0.cmp(b.0)));
        // Rare: seen less than a twentieth as often as the commonest value.
        let commonest = rare.last().map_or(0, |(_, (count, _))| *count);
        out.extend(
            rare.iter()
                .take_while(|(_, (count, _))| count * 20 < commonest)
                .take(PER_COLUMN)
                .map(|(_, (_, row))| *row),
        );
    }
    out
}

#[cfg(test)]
mod tests;
