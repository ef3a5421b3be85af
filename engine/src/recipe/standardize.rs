//! The `standardize` step: one column brought to its dominant convention.

use std::collections::{BTreeMap, HashMap};

use crate::infer::{Reading, analyze_column, read_cell};
use crate::parse::text::{collapse_whitespace, phone_to_e164};
use crate::parse::{DateOrder, NumberLocale, TextCase, case_of, to_case};
use crate::profile::ColumnType;
use crate::table::{Cell, Table};

use super::{CellChange, StepLog};

pub(super) struct Options {
    pub as_type: Option<ColumnType>,
    pub number_locale: Option<NumberLocale>,
    pub date_order: Option<DateOrder>,
    pub case: Option<TextCase>,
    pub missing: Option<Vec<String>>,
    pub country: Option<String>,
}

fn type_name(kind: ColumnType) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// For each lower-cased value, the spelling the column itself uses most in
/// the target case: `acme gmbh` becomes the column's `Acme GmbH`, not a
/// mechanically title-cased `Acme Gmbh`.
fn preferred_spellings(cells: &[Cell], case: TextCase) -> HashMap<String, String> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for cell in cells {
        if let Cell::Text(t) = cell {
            let t = t.trim();
            if case_of(t) == Some(case) {
                *counts.entry((t.to_lowercase(), t.to_owned())).or_default() += 1;
            }
        }
    }
    let mut best: HashMap<String, (String, usize)> = HashMap::new();
    for ((lower, spelling), n) in counts {
        match best.get(&lower) {
            Some((_, m)) if *m >= n => {}
            _ => {
                best.insert(lower, (spelling, n));
            }
        }
    }
    best.into_iter().map(|(k, (v, _))| (k, v)).collect()
}

pub(super) fn run(table: &mut Table, c: usize, options: &Options, log: &mut StepLog) {
    let column = &table.columns()[c];
    let mut analysis = analyze_column(column);
    if let Some(kind) = options.as_type {
        analysis.kind = kind;
    }
    if let Some(locale) = options.number_locale {
        analysis.number_locale = Some(locale);
        analysis.locale_from_evidence = true;
    }
    if let Some(order) = options.date_order {
        analysis.date_order = Some(order);
        analysis.order_from_evidence = true;
    }
    if let Some(tokens) = &options.missing {
        let mut tokens: Vec<String> = tokens.iter().map(|t| t.trim().to_lowercase()).collect();
        tokens.sort();
        tokens.dedup();
        analysis.missing_tokens = tokens;
    }
    let case = options.case.filter(|_| analysis.is_textual());
    let preferred = case.map(|case| preferred_spellings(&column.cells, case));
    let kind_name = type_name(analysis.kind);

    let mut changes = Vec::new();
    for (row, before) in column.cells.iter().enumerate() {
        let (after, reason, confidence) = match read_cell(before, &analysis) {
            Reading::Missing => match before {
                Cell::Text(_) => (Cell::Empty, "blank text".to_owned(), 1.0),
                _ => continue,
            },
            Reading::Placeholder => (
                Cell::Empty,
                "placeholder for a missing value".to_owned(),
                1.0,
            ),
            Reading::NonConforming => match before {
                Cell::Text(t) => match collapse_whitespace(t) {
                    Some(trimmed) if !trimmed.is_empty() => {
                        (Cell::Text(trimmed), "whitespace trimmed".to_owned(), 1.0)
                    }
                    _ => continue,
                },
                _ => continue,
            },
            Reading::Value {
                cell,
                confidence,
                note,
            } => {
                let mut cell = cell;
                let mut reason = note.map(str::to_owned);
                if analysis.kind == ColumnType::Phone
                    && let Cell::Text(t) = &cell
                    && let Some(e164) = phone_to_e164(t, options.country.as_deref())
                {
                    cell = Cell::Text(e164);
                    reason.get_or_insert_with(|| "phone number written as E.164".into());
                }
                if let (Some(case), Some(preferred), Cell::Text(t)) = (case, &preferred, &cell)
                    && case_of(t).is_some_and(|c| c != case)
                {
                    let fixed = preferred
                        .get(&t.to_lowercase())
                        .cloned()
                        .unwrap_or_else(|| to_case(t, case));
                    cell = Cell::Text(fixed);
                    reason.get_or_insert_with(|| format!("letter case made {}", case_label(case)));
                }
                let reason = reason.unwrap_or_else(|| match (before, &cell) {
                    (Cell::Text(_), Cell::Text(_)) => {
                        if analysis.kind == ColumnType::Email {
                            "email trimmed and lower-cased".to_owned()
                        } else {
                            "whitespace trimmed".to_owned()
                        }
                    }
                    _ => format!("converted to {kind_name}"),
                });
                (cell, reason, confidence)
            }
        };
        if after != *before {
            changes.push(CellChange {
                row,
                column: c,
                before: before.clone(),
                after,
                reason,
                confidence,
            });
        }
    }
    let format = analysis.excel_format();
    let columns = table.columns_mut();
    for change in &changes {
        columns[c].cells[change.row] = change.after.clone();
    }
    if format.is_some() && columns[c].format != format {
        log.formats_before.push((c, columns[c].format.clone()));
        columns[c].format = format;
    }
    log.changes.extend(changes);
}

fn case_label(case: TextCase) -> &'static str {
    match case {
        TextCase::Lower => "lower case",
        TextCase::Upper => "upper case",
        TextCase::Title => "title case",
    }
}
