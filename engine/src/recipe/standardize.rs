//! The `standardize` step: one column brought to its dominant convention.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::infer::{Analyses, Reading, read_cell};
use crate::parse::text::{collapse_whitespace, phone_to_e164};
use crate::parse::{DateOrder, NumberLocale, TextCase, case_of, to_case};
use crate::profile::ColumnType;
use crate::table::{Cell, FastMap, Table};

use super::StepLog;

pub(super) struct Options {
    pub as_type: Option<ColumnType>,
    pub number_locale: Option<NumberLocale>,
    pub date_order: Option<DateOrder>,
    pub case: Option<TextCase>,
    pub missing: Option<Vec<String>>,
    pub country: Option<String>,
}

/// `converted to <type>`, with the type's name as recipes write it.
fn converted_to(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Empty => "converted to empty",
        ColumnType::Boolean => "converted to boolean",
        ColumnType::Integer => "converted to integer",
        ColumnType::Decimal => "converted to decimal",
        ColumnType::Currency => "converted to currency",
        ColumnType::Percentage => "converted to percentage",
        ColumnType::Date => "converted to date",
        ColumnType::Datetime => "converted to datetime",
        ColumnType::Time => "converted to time",
        ColumnType::Duration => "converted to duration",
        ColumnType::Email => "converted to email",
        ColumnType::Phone => "converted to phone",
        ColumnType::Url => "converted to url",
        ColumnType::Identifier => "converted to identifier",
        ColumnType::Category => "converted to category",
        ColumnType::Text => "converted to text",
    }
}

/// For each lower-cased value, the spelling the column itself uses most in
/// the target case: `acme gmbh` becomes the column's `Acme GmbH`, not a
/// mechanically title-cased `Acme Gmbh`.
fn preferred_spellings(cells: &[Cell], case: TextCase) -> HashMap<String, String> {
    // Each distinct text is looked at once, with its number of cells.
    let mut texts: FastMap<&str, usize> = FastMap::default();
    for cell in cells {
        if let Cell::Text(t) = cell {
            *texts.entry(t.trim()).or_default() += 1;
        }
    }
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (t, n) in texts {
        if case_of(t) == Some(case) {
            *counts.entry((t.to_lowercase(), t.to_owned())).or_default() += n;
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

pub(super) fn run(
    table: &mut Table,
    c: usize,
    options: &Options,
    analyses: &mut Analyses,
    log: &mut StepLog,
) {
    let mut analysis = analyses.get(table, c).clone();
    let column = &table.columns()[c];
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
    let converted = converted_to(analysis.kind);

    // Changes are found reading the column, then made moving the old
    // cells into the log (no copy of them).
    let standardize_cell = |before: &Cell| -> Option<(Cell, Cow<'static, str>, f64)> {
        let (after, reason, confidence) = match read_cell(before, &analysis) {
            Reading::Missing => match before {
                Cell::Text(_) => (Cell::Empty, Cow::Borrowed("blank text"), 1.0),
                _ => return None,
            },
            Reading::Placeholder => (
                Cell::Empty,
                Cow::Borrowed("placeholder for a missing value"),
                1.0,
            ),
            Reading::NonConforming => match before {
                Cell::Text(t) => match collapse_whitespace(t) {
                    Some(trimmed) if !trimmed.is_empty() => (
                        Cell::Text(trimmed.into()),
                        Cow::Borrowed("whitespace trimmed"),
                        1.0,
                    ),
                    _ => return None,
                },
                _ => return None,
            },
            Reading::Value {
                cell,
                confidence,
                note,
            } => {
                let mut cell = cell;
                let mut reason: Option<Cow<'static, str>> = note.map(Cow::Borrowed);
                if analysis.kind == ColumnType::Phone
                    && let Cell::Text(t) = &cell
                    && let Some(e164) = phone_to_e164(t, options.country.as_deref())
                {
                    cell = Cell::Text(e164.into());
                    reason.get_or_insert(Cow::Borrowed("phone number written as E.164"));
                }
                if let (Some(case), Some(preferred), Cell::Text(t)) = (case, &preferred, &cell)
                    && case_of(t).is_some_and(|c| c != case)
                {
                    let fixed = preferred
                        .get(t.to_lowercase().as_str())
                        .cloned()
                        .unwrap_or_else(|| to_case(t, case));
                    cell = Cell::Text(fixed.into());
                    reason.get_or_insert(Cow::Borrowed(case_reason(case)));
                }
                let reason = reason.unwrap_or_else(|| match (before, &cell) {
                    (Cell::Text(_), Cell::Text(_)) => {
                        if analysis.kind == ColumnType::Email {
                            Cow::Borrowed("email trimmed and lower-cased")
                        } else {
                            Cow::Borrowed("whitespace trimmed")
                        }
                    }
                    _ => Cow::Borrowed(converted),
                });
                (cell, reason, confidence)
            }
        };
        (after != *before).then_some((after, reason, confidence))
    };
    // Changes go straight into the log, their `before` given once the
    // column can be written: then the old cells are moved in (no copy)
    // and the new ones (held here meanwhile) moved out.
    let start = log.changes.len();
    let mut afters: Vec<Cell> = Vec::new();
    // Per change of this step, the earlier one with the same text (whose
    // cell before it shares), or itself.
    let mut same_as: Vec<u32> = Vec::new();
    // A text cell's result depends only on its text: each distinct text is
    // worked out once, then its change (the index of its first one among
    // this step's) copied.
    let mut first_change: FastMap<&str, Option<usize>> = FastMap::default();
    for (row, before) in column.cells.iter().enumerate() {
        if let Cell::Text(text) = before {
            match first_change.get(text.as_str()) {
                Some(&Some(first)) => {
                    let reason = log.changes.reason_of(start + first);
                    same_as.push(first as u32);
                    afters.push(afters[first].clone());
                    log.changes.push_pending(row, c, reason);
                    continue;
                }
                Some(None) => continue,
                None => {}
            }
            let change = standardize_cell(before);
            first_change.insert(text, change.as_ref().map(|_| afters.len()));
            if let Some((after, reason, confidence)) = change {
                let reason = log.changes.reason_index(reason, confidence);
                same_as.push(afters.len() as u32);
                afters.push(after);
                log.changes.push_pending(row, c, reason);
            }
        } else if let Some((after, reason, confidence)) = standardize_cell(before) {
            let reason = log.changes.reason_index(reason, confidence);
            same_as.push(afters.len() as u32);
            afters.push(after);
            log.changes.push_pending(row, c, reason);
        }
    }
    drop(first_change);
    let format = analysis.excel_format();
    let columns = table.columns_mut();
    let cells = &mut columns[c].cells;
    for (offset, (after, same)) in afters.into_iter().zip(same_as).enumerate() {
        let index = start + offset;
        let row = log.changes.row_at(index);
        let before = std::mem::replace(&mut cells[row], after);
        if same as usize == offset {
            log.changes.set_before(index, before);
        } else {
            // An equal text (this very text) is already kept.
            log.changes.share_before(index, start + same as usize);
        }
    }
    if format.is_some() && columns[c].format != format {
        log.formats_before.push((c, columns[c].format.clone()));
        columns[c].format = format;
    }
}

fn case_reason(case: TextCase) -> &'static str {
    match case {
        TextCase::Lower => "letter case made lower case",
        TextCase::Upper => "letter case made upper case",
        TextCase::Title => "letter case made title case",
    }
}
