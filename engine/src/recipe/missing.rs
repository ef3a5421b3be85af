//! The `fill_missing` step: strategies for blank cells.

use serde::{Deserialize, Serialize};

use crate::infer::{Analyses, Reading, read_cell};
use crate::parse::{parse_date, parse_number};
use crate::table::{Cell, Table};

use super::StepLog;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillStrategy {
    /// Leave blanks blank (a recorded decision).
    Leave,
    /// A fixed value, given as `value`.
    Value,
    Mean,
    Median,
    /// The most frequent value (ties: the one seen first).
    Mode,
    /// The previous non-blank value.
    Forward,
    /// The next non-blank value.
    Backward,
    /// Linear between the nearest values before and after, along
    /// `orderBy` (numbers or dates) or row order.
    Interpolate,
}

/// The number behind a numeric or date cell, and whether it is a date.
fn numeric(cell: &Cell) -> Option<(f64, bool)> {
    match cell {
        Cell::Number(n) => Some((*n, false)),
        Cell::DateTime(n) => Some((*n, true)),
        _ => None,
    }
}

fn rebuild(value: f64, is_date: bool) -> Cell {
    if is_date {
        Cell::DateTime(value)
    } else {
        Cell::Number(value)
    }
}

pub(super) fn fill(
    table: &mut Table,
    c: usize,
    strategy: FillStrategy,
    value: Option<&serde_json::Value>,
    order: Option<usize>,
    analyses: &mut Analyses,
    log: &mut StepLog,
) -> Result<(), String> {
    let analysis = analyses.get(table, c).clone();
    let column = &table.columns()[c];
    // Placeholders count as blank; values are read in the column's
    // conventions so that `1.234,56` averages as 1234.56.
    let mut missing = Vec::new();
    let mut known: Vec<Option<Cell>> = Vec::with_capacity(column.cells.len());
    for (row, cell) in column.cells.iter().enumerate() {
        match read_cell(cell, &analysis) {
            Reading::Missing | Reading::Placeholder => {
                missing.push(row);
                known.push(None);
            }
            Reading::Value { cell, .. } => known.push(Some(cell)),
            Reading::NonConforming => known.push(Some(cell.clone())),
        }
    }
    if missing.is_empty() || strategy == FillStrategy::Leave {
        return Ok(());
    }
    let numbers: Vec<(f64, bool)> = known.iter().flatten().filter_map(numeric).collect();
    let is_date = numbers.first().is_some_and(|n| n.1);
    let fills: Vec<(usize, Cell, &'static str, f64)> = match strategy {
        FillStrategy::Leave => Vec::new(),
        FillStrategy::Value => {
            let cell = json_to_cell(
                value.ok_or("fill_missing with strategy \"value\" needs a value")?,
                is_date,
            )?;
            missing
                .iter()
                .map(|&r| (r, cell.clone(), "filled with the given value", 1.0))
                .collect()
        }
        FillStrategy::Mean | FillStrategy::Median => {
            if numbers.is_empty() {
                return Err("mean and median need a column of numbers or dates".into());
            }
            let mut values: Vec<f64> = numbers.iter().map(|n| n.0).collect();
            let (v, reason) = if strategy == FillStrategy::Mean {
                (
                    values.iter().sum::<f64>() / values.len() as f64,
                    "filled with the column mean",
                )
            } else {
                values.sort_by(f64::total_cmp);
                let mid = values.len() / 2;
                let median = if values.len().is_multiple_of(2) {
                    (values[mid - 1] + values[mid]) / 2.0
                } else {
                    values[mid]
                };
                (median, "filled with the column median")
            };
            let v = if is_date { v.round() } else { v };
            missing
                .iter()
                .map(|&r| (r, rebuild(v, is_date), reason, 0.5))
                .collect()
        }
        FillStrategy::Mode => {
            let mut counts: std::collections::HashMap<String, (usize, usize)> = Default::default();
            for (i, cell) in known.iter().enumerate() {
                if let Some(cell) = cell {
                    counts.entry(cell.display_key()).or_insert((0, i)).0 += 1;
                }
            }
            let Some(first) = counts
                .values()
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
                .map(|&(_, first)| first)
            else {
                return Ok(());
            };
            let Some(cell) = known[first].clone() else {
                return Ok(());
            };
            missing
                .iter()
                .map(|&r| (r, cell.clone(), "filled with the most frequent value", 0.5))
                .collect()
        }
        FillStrategy::Forward | FillStrategy::Backward => {
            let forward = strategy == FillStrategy::Forward;
            let mut out = Vec::new();
            let mut last: Option<Cell> = None;
            let rows: Box<dyn Iterator<Item = usize>> = if forward {
                Box::new(0..known.len())
            } else {
                Box::new((0..known.len()).rev())
            };
            for row in rows {
                match &known[row] {
                    Some(cell) => last = Some(cell.clone()),
                    None => {
                        if let Some(cell) = &last {
                            let reason = if forward {
                                "filled with the value above"
                            } else {
                                "filled with the value below"
                            };
                            out.push((row, cell.clone(), reason, 0.6));
                        }
                    }
                }
            }
            out.sort_by_key(|f| f.0);
            out
        }
        FillStrategy::Interpolate => interpolate(table, c, &known, order, analyses)?,
    };
    let cells = &mut table.columns_mut()[c].cells;
    for (row, after, reason, confidence) in fills {
        let before = std::mem::replace(&mut cells[row], after.clone());
        log.changes.push(
            row,
            c,
            before,
            after,
            std::borrow::Cow::Borrowed(reason),
            confidence,
        );
    }
    Ok(())
}

fn interpolate(
    table: &Table,
    c: usize,
    known: &[Option<Cell>],
    order: Option<usize>,
    analyses: &mut Analyses,
) -> Result<Vec<(usize, Cell, &'static str, f64)>, String> {
    let positions: Vec<Option<f64>> = match order {
        None => (0..known.len()).map(|r| Some(r as f64)).collect(),
        Some(o) => {
            let analysis = analyses.get(table, o).clone();
            let column = &table.columns()[o];
            column
                .cells
                .iter()
                .map(|cell| match read_cell(cell, &analysis) {
                    Reading::Value { cell, .. } => numeric(&cell).map(|n| n.0),
                    _ => None,
                })
                .collect()
        }
    };
    let _ = c;
    // Known points sorted by position; ties keep row order.
    let mut points: Vec<(f64, f64, bool)> = known
        .iter()
        .zip(&positions)
        .filter_map(|(cell, x)| {
            let (y, is_date) = numeric(cell.as_ref()?)?;
            Some(((*x)?, y, is_date))
        })
        .collect();
    if points.is_empty() {
        return Err("interpolation needs a column of numbers or dates".into());
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let all_whole = points.iter().all(|p| !p.2 || p.1.fract() == 0.0);
    let mut out = Vec::new();
    for (row, cell) in known.iter().enumerate() {
        if cell.is_some() {
            continue;
        }
        let Some(x) = positions[row] else { continue };
        let after = points.partition_point(|p| p.0 < x);
        if after == points.len() {
            continue;
        }
        let hi = points[after];
        let y = if hi.0 == x {
            hi.1
        } else if after == 0 {
            continue;
        } else {
            let lo = points[after - 1];
            lo.1 + (hi.1 - lo.1) * (x - lo.0) / (hi.0 - lo.0)
        };
        let y = if hi.2 && all_whole { y.round() } else { y };
        out.push((
            row,
            rebuild(y, hi.2),
            "interpolated between the nearest values",
            0.7,
        ));
    }
    Ok(out)
}

fn json_to_cell(value: &serde_json::Value, is_date: bool) -> Result<Cell, String> {
    match value {
        serde_json::Value::Bool(b) => Ok(Cell::Bool(*b)),
        serde_json::Value::Number(n) => n
            .as_f64()
            .map(Cell::Number)
            .ok_or_else(|| "invalid number".into()),
        serde_json::Value::String(s) => {
            if is_date
                && let Some(serial) =
                    parse_date(s).and_then(|d| d.serial(crate::parse::DateOrder::Mdy))
            {
                return Ok(Cell::DateTime(serial));
            }
            if let Some(v) = parse_number(s)
                .and_then(|n| n.unambiguous_value())
                .filter(|_| !is_date && s.trim().parse::<f64>().is_ok())
            {
                return Ok(Cell::Number(v));
            }
            Ok(Cell::Text(s.as_str().into()))
        }
        _ => Err("the fill value must be a number, a boolean or a string".into()),
    }
}
