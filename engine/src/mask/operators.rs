//! Applying a [`Policy`] to a table or a text.

use std::collections::BTreeMap;

use serde::Serialize;

use super::policy::{DateGranularity, Operator, Policy};
use super::vault::Vault;
use super::{CellFinding, Finding, PiiType, cell_text};
use crate::parse::number::format_plain;
use crate::parse::{DateOrder, NumberLocale, parse_date, parse_number};
use crate::table::{Cell, Column, Table};

/// Label of column-wide operators on cells where nothing was found.
const VALUE_LABEL: &str = "VALUE";

/// How many cells of a column were masked for one type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryRow {
    pub column: String,
    /// `None` for a column operator on cells without findings.
    #[serde(rename = "type")]
    pub kind: Option<PiiType>,
    /// The operator's name (`pseudonym`, `drop`…).
    pub operator: &'static str,
    pub cells: usize,
}

/// What was masked, per column and type (sorted by column order, then
/// type).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskSummary {
    pub rows: Vec<SummaryRow>,
    pub dropped_columns: Vec<String>,
    pub masked_cells: usize,
}

/// The masked table and what was done to it.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedTable {
    pub table: Table,
    pub summary: MaskSummary,
}

pub(super) fn operator_name(op: &Operator) -> &'static str {
    match op {
        Operator::Keep => "keep",
        Operator::Redact => "redact",
        Operator::Label => "label",
        Operator::Partial { .. } => "partial",
        Operator::Hash { .. } => "hash",
        Operator::Pseudonym => "pseudonym",
        Operator::Generalize { .. } => "generalize",
        Operator::Drop => "drop",
    }
}

fn label_of(kind: Option<PiiType>) -> &'static str {
    kind.map_or(VALUE_LABEL, PiiType::label)
}

/// One value through one operator. `None` means the cell is emptied.
fn apply_operator(
    op: &Operator,
    value: &str,
    kind: Option<PiiType>,
    vault: &mut Vault,
) -> Option<String> {
    Some(match op {
        Operator::Keep => value.to_owned(),
        Operator::Redact | Operator::Drop => return None,
        Operator::Label => format!("<{}>", label_of(kind)),
        Operator::Partial {
            keep_first,
            keep_last,
            mask_char,
        } => partial(value, *keep_first, *keep_last, *mask_char),
        Operator::Hash { length } => vault.keyed_hash_hex(value, *length),
        Operator::Pseudonym => vault.pseudonym(label_of(kind), value),
        Operator::Generalize {
            round,
            buckets,
            date,
        } => generalize(value, *round, buckets.as_deref(), *date)
            .unwrap_or_else(|| format!("<{}>", label_of(kind))),
    })
}

/// Masks letters and digits except the first `keep_first` and last
/// `keep_last` of them; separators stay where they are. At least half of
/// the letters and digits are always masked.
fn partial(value: &str, keep_first: usize, keep_last: usize, mask_char: char) -> String {
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = (keep_first + keep_last).min(total / 2);
    let keep_first = keep_first.min(keep);
    let keep_last = keep - keep_first;
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if !c.is_alphanumeric() {
                return c;
            }
            seen += 1;
            if seen <= keep_first || seen > total - keep_last {
                c
            } else {
                mask_char
            }
        })
        .collect()
}

fn generalize(
    value: &str,
    round: Option<f64>,
    buckets: Option<&[f64]>,
    date: Option<DateGranularity>,
) -> Option<String> {
    let v = value.trim();
    if let Some(granularity) = date
        && let Some(token) = parse_date(v)
        && let Some(d) = token.date(DateOrder::Dmy)
    {
        use chrono::Datelike;
        return Some(match granularity {
            DateGranularity::Year => format!("{:04}", d.year()),
            DateGranularity::Month => format!("{:04}-{:02}", d.year(), d.month()),
        });
    }
    let number = parse_number(v)?.value_preferring(NumberLocale::CommaPoint)?;
    if let Some(bounds) = buckets {
        let first = *bounds.first()?;
        let last = *bounds.last()?;
        if number < first {
            return Some(format!("<{}", format_plain(first)));
        }
        if number >= last {
            return Some(format!(">={}", format_plain(last)));
        }
        let (lo, hi) = bounds
            .windows(2)
            .map(|w| (w[0], w[1]))
            .find(|&(lo, hi)| number >= lo && number < hi)?;
        return Some(format!("{}-{}", format_plain(lo), format_plain(hi)));
    }
    if let Some(step) = round {
        let rounded = (number / step).round() * step;
        // Trim float noise such as 0.30000000000000004.
        let rounded = (rounded * 1e9).round() / 1e9;
        return Some(format_plain(rounded));
    }
    None
}

/// The chars `[start, end)` of `text` as a byte range.
fn byte_range(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let mut indices = text.char_indices().map(|(i, _)| i).chain([text.len()]);
    let s = indices.nth(start)?;
    let e = if end == start {
        s
    } else {
        indices.nth(end - start - 1)?
    };
    Some((s, e))
}

/// Masks the findings of one text with the policy's type operators.
/// `None` when an operator empties the cell (`redact`, `drop`).
/// Findings below the policy's `min_score` are kept as they are.
pub fn mask_text(
    text: &str,
    findings: &[Finding],
    policy: &Policy,
    vault: &mut Vault,
) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut sorted: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.score >= policy.min_score)
        .collect();
    sorted.sort_by_key(|f| (f.start, f.end));
    for finding in sorted {
        let Some((s, e)) = byte_range(text, finding.start, finding.end) else {
            continue;
        };
        if s < copied {
            continue;
        }
        let op = policy.operator_for_type(finding.kind);
        let replacement = apply_operator(&op, &text[s..e], Some(finding.kind), vault)?;
        out.push_str(&text[copied..s]);
        out.push_str(&replacement);
        copied = e;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The most frequent finding type of a column (ties: the first type).
fn dominant_kind(findings: &[&CellFinding]) -> Option<PiiType> {
    let mut counts: BTreeMap<PiiType, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.finding.kind).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(k, _)| k)
}

/// Masks a table: column operators on whole cells, type operators on
/// findings (at or above `min_score`), pseudonyms through the vault.
/// Pseudonyms for the whole table are assigned in one batch, so the tokens
/// do not depend on the order of the rows (see [`Vault`]).
pub fn mask_table(
    table: &Table,
    findings: &[CellFinding],
    policy: &Policy,
    vault: &mut Vault,
) -> MaskedTable {
    let mut by_cell: BTreeMap<(usize, usize), Vec<Finding>> = BTreeMap::new();
    let mut by_column: BTreeMap<usize, Vec<&CellFinding>> = BTreeMap::new();
    for f in findings {
        if f.finding.score >= policy.min_score {
            by_cell
                .entry((f.column, f.row))
                .or_default()
                .push(f.finding.clone());
            by_column.entry(f.column).or_default().push(f);
        }
    }
    let texts = |column: &Column, row: usize| column.cells.get(row).map(cell_text);

    // Pass 1: every value that needs a pseudonym, assigned in one batch.
    let mut requests: Vec<(&'static str, String)> = Vec::new();
    for (c, column) in table.columns().iter().enumerate() {
        let column_op = policy.columns.get(&column.name);
        let dominant = by_column.get(&c).and_then(|f| dominant_kind(f));
        match column_op {
            Some(Operator::Pseudonym) => {
                for cell in column.cells.iter().filter(|cell| !cell.is_empty()) {
                    requests.push((label_of(dominant), cell_text(cell)));
                }
            }
            Some(_) => {}
            None => {
                let Some(list) = by_column.get(&c) else {
                    continue;
                };
                for f in list {
                    if policy.operator_for_type(f.finding.kind) != Operator::Pseudonym {
                        continue;
                    }
                    if let Some(text) = texts(column, f.row)
                        && let Some((s, e)) = byte_range(&text, f.finding.start, f.finding.end)
                    {
                        requests.push((f.finding.kind.label(), text[s..e].to_owned()));
                    }
                }
            }
        }
    }
    vault.assign(requests.iter().map(|(l, v)| (*l, v.as_str())));

    // Pass 2: the masked columns.
    let mut summary: BTreeMap<(usize, Option<PiiType>, &'static str), usize> = BTreeMap::new();
    let mut dropped = Vec::new();
    let mut columns = Vec::with_capacity(table.column_count());
    let mut masked_cells = 0;
    let empty = Vec::new();
    for (c, column) in table.columns().iter().enumerate() {
        let column_findings = by_column.get(&c).unwrap_or(&empty);
        let dominant = dominant_kind(column_findings);
        match policy.columns.get(&column.name) {
            Some(Operator::Drop) => {
                dropped.push(column.name.clone());
                continue;
            }
            Some(Operator::Keep) => {
                columns.push(column.clone());
                continue;
            }
            Some(op) => {
                let op_name = operator_name(op);
                let mut cells = Vec::with_capacity(column.cells.len());
                for (r, cell) in column.cells.iter().enumerate() {
                    if cell.is_empty() {
                        cells.push(cell.clone());
                        continue;
                    }
                    let kind = by_cell
                        .get(&(c, r))
                        .and_then(|f| f.first())
                        .map(|f| f.kind)
                        .or(dominant);
                    let text = cell_text(cell);
                    let masked = apply_operator(op, &text, kind, vault);
                    *summary.entry((c, kind, op_name)).or_default() += 1;
                    masked_cells += 1;
                    cells.push(masked.map_or(Cell::Empty, |m| Cell::Text(m.into())));
                }
                columns.push(Column::new(column.name.clone(), cells));
            }
            None => {
                let mut out = column.clone();
                for (r, cell) in out.cells.iter_mut().enumerate() {
                    let Some(found) = by_cell.get(&(c, r)) else {
                        continue;
                    };
                    let text = cell_text(cell);
                    let masked = mask_text(&text, found, policy, vault);
                    let mut counted = Vec::new();
                    for f in found {
                        let op = policy.operator_for_type(f.kind);
                        if op != Operator::Keep && !counted.contains(&f.kind) {
                            counted.push(f.kind);
                            *summary
                                .entry((c, Some(f.kind), operator_name(&op)))
                                .or_default() += 1;
                        }
                    }
                    if masked.as_deref() != Some(text.as_str()) {
                        masked_cells += 1;
                        *cell = masked.map_or(Cell::Empty, |m| Cell::Text(m.into()));
                    }
                }
                columns.push(out);
            }
        }
    }
    let rows = summary
        .into_iter()
        .map(|((c, kind, operator), cells)| SummaryRow {
            column: table.columns()[c].name.clone(),
            kind,
            operator,
            cells,
        })
        .collect();
    let table = Table::from_columns(columns).unwrap_or_default();
    MaskedTable {
        table,
        summary: MaskSummary {
            rows,
            dropped_columns: dropped,
            masked_cells,
        },
    }
}
