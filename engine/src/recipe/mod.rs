//! Recipes: cleaning as a list of serializable steps.
//!
//! A [`Recipe`] is plain JSON (`{"version": 1, "steps": [{"op": …}]}`), so
//! it can be reviewed, stored and replayed on next month's file. Applying it
//! ([`apply`]) gives the new table, a cell-level diff (row, column, before,
//! after, step, reason, confidence), findings that need a person (duplicates
//! flagged, broken dependencies), and an undo log: [`undo_step`] takes the
//! table back one step exactly.
//!
//! Everything is deterministic: no randomness, no clock, no hash-order
//! iteration reaching the output; the same recipe on the same table always
//! gives the same result.

mod auto;
mod job;
mod missing;
mod standardize;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::parse::{DateOrder, NumberLocale, TextCase};
use crate::profile::ColumnType;
use crate::table::{Cell, Table};

pub use crate::infer::Analyses;
pub use auto::{suggest_recipe, suggest_recipe_with};
pub use job::{Job, Progress, check_recipe, step_label};
pub use missing::FillStrategy;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recipe {
    #[serde(default = "current_version")]
    pub version: u32,
    pub steps: Vec<Step>,
}

fn current_version() -> u32 {
    1
}

fn default_threshold() -> f64 {
    0.8
}

/// What to do with duplicate rows once found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateAction {
    /// Report them; change nothing.
    #[default]
    Flag,
    /// Keep the first row of each group, remove the others.
    KeepFirst,
    /// Keep the last row of each group, remove the others.
    KeepLast,
    /// Remove every row of every group.
    Remove,
}

/// One cleaning operation and its parameters. Parameters left out are
/// decided from the data when the step runs (deterministically).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Step {
    /// Brings every value of a column to one convention: numbers become
    /// numbers, dates dates, percentages fractions, placeholders blanks,
    /// whitespace trimmed; optionally one letter case and E.164 phones.
    Standardize {
        column: String,
        #[serde(rename = "as")]
        as_type: Option<ColumnType>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_locale: Option<NumberLocale>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date_order: Option<DateOrder>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case: Option<TextCase>,
        /// Texts that mean "missing" here (matched ignoring case).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        missing: Option<Vec<String>>,
        /// ISO 3166 country for phone numbers without a country code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<String>,
    },
    /// Fills blank cells.
    FillMissing {
        column: String,
        strategy: FillStrategy,
        /// For `strategy: "value"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<serde_json::Value>,
        /// For `interpolate`: the column (numbers or dates) giving the
        /// position of each row; row order when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_by: Option<String>,
    },
    /// Replaces exact values (after trimming) by others: a reviewed merge.
    ReplaceValues {
        column: String,
        map: BTreeMap<String, String>,
    },
    /// Merges rare spelling variants into the dominant spelling.
    MergeVariants {
        column: String,
        #[serde(default = "default_threshold")]
        threshold: f64,
    },
    /// Where `determinant` almost determines `dependent` (zip → city),
    /// flags rows that break the rule; with `fix`, writes the majority
    /// value.
    CheckDependency {
        determinant: String,
        dependent: String,
        #[serde(default)]
        fix: bool,
    },
    /// Finds duplicate rows over `keys` (all columns when absent).
    Duplicates {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keys: Option<Vec<String>>,
        #[serde(default = "default_threshold")]
        threshold: f64,
        #[serde(default)]
        action: DuplicateAction,
    },
}

impl Step {
    pub fn op(&self) -> &'static str {
        match self {
            Step::Standardize { .. } => "standardize",
            Step::FillMissing { .. } => "fill_missing",
            Step::ReplaceValues { .. } => "replace_values",
            Step::MergeVariants { .. } => "merge_variants",
            Step::CheckDependency { .. } => "check_dependency",
            Step::Duplicates { .. } => "duplicates",
        }
    }
}

impl Recipe {
    /// Parses a recipe, refusing unknown operations and fields.
    pub fn from_json(json: &str) -> Result<Recipe, EngineError> {
        serde_json::from_str(json).map_err(|e| EngineError::InvalidInput(format!("recipe: {e}")))
    }
}

/// One changed cell, as [`ChangeLog::iter`] shows it. The cell it became
/// is not kept (see [`ChangeLog`]): [`Applied::cells_after`] works it out.
#[derive(Debug, Clone, PartialEq)]
pub struct CellChange<'a> {
    /// Data row (0-based, header excluded) in the table the step ran on.
    pub row: usize,
    pub column: usize,
    pub before: Cell,
    pub reason: &'a str,
    pub confidence: f64,
}

/// The changed cells of one step, in the order they were made.
///
/// A big sheet has a change for most of its cells, so each is stored in
/// 7 bytes: the low 16 bits of its row, its reason as a small index and
/// its cell before as a `u32`. A text before (most of them: cleaning turns
/// texts into values) is kept in one text buffer, after its length, once
/// per distinct text when the step knows it repeats; other cells in a
/// list. The cell after is not stored: it is the cell before of the next
/// change of the same cell, or the cell in the applied table, and
/// [`Applied::cells_after`] finds it when a report needs it. Columns come
/// in runs (a step mostly changes one column), kept once per run, and so
/// do the high bits of rows (a step mostly walks a column top down); a
/// step gives only a few distinct (reason, confidence) pairs, kept once in
/// `reasons`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangeLog {
    /// Per change, the low 16 bits of its row.
    rows_low: Vec<u16>,
    /// (index of the first change, high bits of the row) of each run of
    /// changes whose rows share their bits above the low 16, in order.
    row_runs: Vec<(u32, u32)>,
    /// Per change, the index of its (reason, confidence) in `reasons`.
    reason_of: SmallIndices,
    /// Per change: [`TEXT_BEFORE`] and where its text starts in `texts`,
    /// or the index of another cell in `others`.
    befores: Vec<u32>,
    /// (index of the first change, column) of each run of changes of one
    /// column, in order.
    column_runs: Vec<(u32, u32)>,
    /// The text befores, one after the other, each after its length in
    /// bytes (LEB128: one byte below 128).
    texts: Vec<u8>,
    /// The other befores.
    others: Vec<Cell>,
    reasons: Vec<(Cow<'static, str>, f64)>,
}

/// Indices as narrow as the largest one needs: a step mostly gives fewer
/// than 256 reasons, one byte a change.
#[derive(Debug, Clone, PartialEq)]
enum SmallIndices {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl Default for SmallIndices {
    fn default() -> Self {
        SmallIndices::U8(Vec::new())
    }
}

impl SmallIndices {
    fn get(&self, index: usize) -> u32 {
        match self {
            SmallIndices::U8(v) => u32::from(v[index]),
            SmallIndices::U16(v) => u32::from(v[index]),
            SmallIndices::U32(v) => v[index],
        }
    }

    fn push(&mut self, value: u32) {
        match self {
            SmallIndices::U8(v) => match u8::try_from(value) {
                Ok(value) => v.push(value),
                Err(_) => {
                    let wide: Vec<u16> = v.iter().map(|&x| u16::from(x)).collect();
                    *self = SmallIndices::U16(wide);
                    self.push(value);
                }
            },
            SmallIndices::U16(v) => match u16::try_from(value) {
                Ok(value) => v.push(value),
                Err(_) => {
                    let wide: Vec<u32> = v.iter().map(|&x| u32::from(x)).collect();
                    *self = SmallIndices::U32(wide);
                    self.push(value);
                }
            },
            SmallIndices::U32(v) => v.push(value),
        }
    }

    fn reserve(&mut self, additional: usize) {
        match self {
            SmallIndices::U8(v) => v.reserve(additional),
            SmallIndices::U16(v) => v.reserve(additional),
            SmallIndices::U32(v) => v.reserve(additional),
        }
    }

    fn shrink_to_fit(&mut self) {
        match self {
            SmallIndices::U8(v) => v.shrink_to_fit(),
            SmallIndices::U16(v) => v.shrink_to_fit(),
            SmallIndices::U32(v) => v.shrink_to_fit(),
        }
    }
}

const TEXT_BEFORE: u32 = 1 << 31;

/// How many of the latest reasons [`ChangeLog::push`] looks through before
/// adding a new one: changes with the same reason come in runs, and a
/// repeated entry only costs its own few bytes.
const REASON_LOOKBACK: usize = 8;

/// The value of the run holding `index` among `runs` (index of the first
/// change, value), which starts with a run at 0.
fn run_value(runs: &[(u32, u32)], index: usize) -> u32 {
    let run = runs.partition_point(|&(start, _)| start as usize <= index);
    runs[run - 1].1
}

impl ChangeLog {
    pub fn len(&self) -> usize {
        self.rows_low.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows_low.is_empty()
    }

    pub fn reserve(&mut self, additional: usize) {
        self.rows_low.reserve(additional);
        self.reason_of.reserve(additional);
        self.befores.reserve(additional);
    }

    /// Gives back the room a growing log keeps spare (up to half of it):
    /// the log lives as long as the applied table.
    fn shrink_to_fit(&mut self) {
        self.rows_low.shrink_to_fit();
        self.row_runs.shrink_to_fit();
        self.reason_of.shrink_to_fit();
        self.befores.shrink_to_fit();
        self.column_runs.shrink_to_fit();
        self.texts.shrink_to_fit();
        self.others.shrink_to_fit();
        self.reasons.shrink_to_fit();
    }

    /// The column of change `index`.
    fn column_at(&self, index: usize) -> usize {
        run_value(&self.column_runs, index) as usize
    }

    /// The rows of the changes, in order.
    fn rows(&self) -> impl Iterator<Item = u32> + '_ {
        let mut run = 0;
        self.rows_low.iter().enumerate().map(move |(index, &low)| {
            while self
                .row_runs
                .get(run + 1)
                .is_some_and(|&(start, _)| start as usize <= index)
            {
                run += 1;
            }
            (self.row_runs[run].1 << 16) | u32::from(low)
        })
    }

    /// The cell before of change `index`.
    fn before_at(&self, index: usize) -> Cell {
        let before = self.befores[index];
        if before & TEXT_BEFORE != 0 {
            let mut at = (before & !TEXT_BEFORE) as usize;
            let mut len = 0usize;
            let mut shift = 0;
            loop {
                let byte = self.texts[at];
                at += 1;
                len |= usize::from(byte & 0x7f) << shift;
                if byte & 0x80 == 0 {
                    break;
                }
                shift += 7;
            }
            // Written from a `str` by `set_before`.
            let text = std::str::from_utf8(&self.texts[at..at + len]).unwrap_or_default();
            Cell::Text(text.into())
        } else {
            self.others[before as usize].clone()
        }
    }

    /// The change at `index` (in the order they were made); panics past
    /// the end. For reading a page of a long log without walking it.
    pub fn get(&self, index: usize) -> CellChange<'_> {
        let (reason, confidence) = &self.reasons[self.reason_of(index) as usize];
        CellChange {
            row: self.row_at(index),
            column: self.column_at(index),
            before: self.before_at(index),
            reason,
            confidence: *confidence,
        }
    }

    /// The changes in the order they were made.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = CellChange<'_>> + ExactSizeIterator {
        (0..self.len()).map(|index| self.get(index))
    }

    /// The columns this log changes, each once, in order of first change.
    fn columns(&self) -> Vec<usize> {
        let mut columns: Vec<usize> = Vec::new();
        for &(_, column) in &self.column_runs {
            if !columns.contains(&(column as usize)) {
                columns.push(column as usize);
            }
        }
        columns
    }

    /// Records that `column`, `row` went from `before` to `after`; `after`
    /// must be what the table holds there now (it is not kept).
    pub fn push(
        &mut self,
        row: usize,
        column: usize,
        before: Cell,
        after: Cell,
        reason: Cow<'static, str>,
        confidence: f64,
    ) {
        drop(after);
        let reason = self.reason_index(reason, confidence);
        self.push_with_reason(row, column, before, reason);
    }

    /// The index of (`reason`, `confidence`) for [`ChangeLog::push_with_reason`],
    /// added if it is not among the latest ones.
    pub fn reason_index(&mut self, reason: Cow<'static, str>, confidence: f64) -> u32 {
        let start = self.reasons.len().saturating_sub(REASON_LOOKBACK);
        let found = self.reasons[start..]
            .iter()
            .rposition(|(r, c)| c.to_bits() == confidence.to_bits() && *r == reason);
        let index = match found {
            Some(i) => start + i,
            None => {
                self.reasons.push((reason, confidence));
                self.reasons.len() - 1
            }
        };
        u32::try_from(index).expect("fewer than 2^32 reasons: each is a change")
    }

    /// [`ChangeLog::push`] with a reason from [`ChangeLog::reason_index`],
    /// once the table holds the new cell.
    pub fn push_with_reason(&mut self, row: usize, column: usize, before: Cell, reason: u32) {
        let index = self.len();
        self.push_pending(row, column, reason);
        self.set_before(index, before);
    }

    /// A change whose cell before [`ChangeLog::set_before`] or
    /// [`ChangeLog::share_before`] gives later.
    fn push_pending(&mut self, row: usize, column: usize, reason: u32) {
        debug_assert!((reason as usize) < self.reasons.len());
        let column = u32::try_from(column).expect("fewer than 2^32 columns");
        let start = u32::try_from(self.len()).expect("fewer than 2^31 changes a step");
        if self
            .column_runs
            .last()
            .is_none_or(|&(_, last)| last != column)
        {
            self.column_runs.push((start, column));
        }
        // A table of 2^32 rows would need more than 96 GiB of cells.
        let row = u32::try_from(row).expect("fewer than 2^32 rows");
        let high = row >> 16;
        if self.row_runs.last().is_none_or(|&(_, last)| last != high) {
            self.row_runs.push((start, high));
        }
        self.rows_low.push(row as u16);
        self.reason_of.push(reason);
        self.befores.push(0);
    }

    /// Gives change `index` its cell before.
    fn set_before(&mut self, index: usize, before: Cell) {
        let stored = match before {
            Cell::Text(text) if self.texts.len() < TEXT_BEFORE as usize => {
                let at = self.texts.len() as u32;
                let mut len = text.len();
                while len >= 0x80 {
                    self.texts.push((len & 0x7f) as u8 | 0x80);
                    len >>= 7;
                }
                self.texts.push(len as u8);
                self.texts.extend_from_slice(text.as_bytes());
                at | TEXT_BEFORE
            }
            other => {
                self.others.push(other);
                u32::try_from(self.others.len() - 1)
                    .ok()
                    .filter(|&i| i < TEXT_BEFORE)
                    .expect("fewer than 2^31 changes a step")
            }
        };
        self.befores[index] = stored;
    }

    /// Gives change `index` the same cell before as the earlier change
    /// `earlier` (an equal cell), without storing it again.
    fn share_before(&mut self, index: usize, earlier: usize) {
        self.befores[index] = self.befores[earlier];
    }

    /// The row of change `index`.
    fn row_at(&self, index: usize) -> usize {
        ((run_value(&self.row_runs, index) << 16) | u32::from(self.rows_low[index])) as usize
    }

    /// The reason index of change `index`.
    fn reason_of(&self, index: usize) -> u32 {
        self.reason_of.get(index)
    }
}

/// Something a person should look at; nothing was changed for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub step: usize,
    pub kind: &'static str,
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_row: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    pub score: f64,
    pub message: String,
}

/// What one step did, enough to take it back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepLog {
    pub changes: ChangeLog,
    /// Rows removed, with their index before the step.
    pub removed_rows: Vec<(usize, Vec<Cell>)>,
    /// Column formats before the step, for the columns it changed.
    pub formats_before: Vec<(usize, Option<String>)>,
    pub findings: Vec<Finding>,
}

/// The result of applying a recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub table: Table,
    /// One log per step, in order.
    pub log: Vec<StepLog>,
}

impl Applied {
    /// The cell each change of step `step` left, in the log's order.
    ///
    /// The log keeps only the cells before: the cell a change left is the
    /// cell before of the next change of the same cell (in this step or a
    /// later one, following the rows through the removals of each step),
    /// the removed row's cell when its row went, or else the cell in the
    /// applied table.
    pub fn cells_after(&self, step: usize) -> Vec<Cell> {
        let Some(log) = self.log.get(step) else {
            return Vec::new();
        };
        let changes = &log.changes;
        let mut after: Vec<Option<Cell>> = vec![None; changes.len()];
        // (column, row, index) of every change, in order of cell then time:
        // the next change of a cell in the same step follows its previous.
        let mut open: Vec<(u32, u32, u32)> = Vec::with_capacity(changes.len());
        for (index, row) in changes.rows().enumerate() {
            open.push((changes.column_at(index) as u32, row, index as u32));
        }
        open.sort_unstable();
        open.dedup_by(|later, earlier| {
            let same_cell = (later.0, later.1) == (earlier.0, earlier.1);
            if same_cell {
                after[earlier.2 as usize] = Some(changes.before_at(later.2 as usize));
                // The earlier one is resolved; the later one stands for the cell.
                *earlier = *later;
            }
            same_cell
        });
        // `open` holds each cell's last change of the step, by (column, row)
        // in the table the step ran on; follow each cell forward.
        let mut cells_of_step = step;
        loop {
            let log = &self.log[cells_of_step];
            if !log.removed_rows.is_empty() {
                let removed = &log.removed_rows;
                open.retain_mut(|(column, row, index)| {
                    let at = removed.partition_point(|(r, _)| *r < *row as usize);
                    if removed.get(at).is_some_and(|(r, _)| *r == *row as usize) {
                        after[*index as usize] = Some(
                            removed[at]
                                .1
                                .get(*column as usize)
                                .cloned()
                                .unwrap_or(Cell::Empty),
                        );
                        return false;
                    }
                    *row -= at as u32;
                    true
                });
                // Rows keep their order, so `open` stays sorted.
            }
            cells_of_step += 1;
            if open.is_empty() || cells_of_step == self.log.len() {
                break;
            }
            let next = &self.log[cells_of_step].changes;
            let columns = next.columns();
            if !open
                .iter()
                .any(|(column, ..)| columns.contains(&(*column as usize)))
            {
                continue;
            }
            // The first change of each cell in that step.
            let mut firsts: Vec<(u32, u32, u32)> = next
                .rows()
                .enumerate()
                .map(|(i, row)| (next.column_at(i) as u32, row, i as u32))
                .collect();
            firsts.sort_unstable();
            firsts.dedup_by_key(|(column, row, _)| (*column, *row));
            open.retain(|&(column, row, index)| {
                let at = firsts.partition_point(|&(c, r, _)| (c, r) < (column, row));
                match firsts.get(at) {
                    Some(&(c, r, first)) if (c, r) == (column, row) => {
                        after[index as usize] = Some(next.before_at(first as usize));
                        false
                    }
                    _ => true,
                }
            });
        }
        let columns = self.table.columns();
        for (column, row, index) in open {
            after[index as usize] = Some(
                columns
                    .get(column as usize)
                    .and_then(|c| c.cells.get(row as usize))
                    .cloned()
                    .unwrap_or(Cell::Empty),
            );
        }
        after
            .into_iter()
            .map(|cell| cell.unwrap_or(Cell::Empty))
            .collect()
    }
}

/// Applies every step in order. Fails before changing anything visible if
/// a step names a column the table does not have.
pub fn apply(table: &Table, recipe: &Recipe) -> Result<Applied, EngineError> {
    apply_owned(table.clone(), recipe)
}

/// [`apply`] on a table the caller gives away, which spares a copy of it.
pub fn apply_owned(table: Table, recipe: &Recipe) -> Result<Applied, EngineError> {
    apply_owned_with(table, recipe, Analyses::new())
}

/// [`apply_owned`] with the column analyses already known for `table`
/// (those [`suggest_recipe_with`] made, say), so that no column is analysed
/// twice.
pub fn apply_owned_with(
    mut table: Table,
    recipe: &Recipe,
    mut analyses: Analyses,
) -> Result<Applied, EngineError> {
    let mut log = Vec::with_capacity(recipe.steps.len());
    for (index, step) in recipe.steps.iter().enumerate() {
        log.push(apply_step_with(&mut table, step, index, &mut analyses)?);
    }
    Ok(Applied { table, log })
}

fn column_of(table: &Table, name: &str, step: usize) -> Result<usize, EngineError> {
    table.column_index(name).ok_or_else(|| {
        EngineError::InvalidInput(format!(
            "recipe step {}: the table has no column named \"{name}\"",
            step + 1
        ))
    })
}

fn check_threshold(threshold: f64, step: usize) -> Result<(), EngineError> {
    if (0.0..=1.0).contains(&threshold) {
        Ok(())
    } else {
        Err(EngineError::InvalidInput(format!(
            "recipe step {}: threshold must be between 0 and 1",
            step + 1
        )))
    }
}

/// Applies one step in place and returns what it did.
pub fn apply_step(table: &mut Table, step: &Step, index: usize) -> Result<StepLog, EngineError> {
    apply_step_with(table, step, index, &mut Analyses::new())
}

/// [`apply_step`] with the analyses known for `table`'s columns; those of
/// the columns the step changes are forgotten.
pub fn apply_step_with(
    table: &mut Table,
    step: &Step,
    index: usize,
    analyses: &mut Analyses,
) -> Result<StepLog, EngineError> {
    let mut log = run_step(table, step, index, analyses)?;
    log.changes.shrink_to_fit();
    if !log.removed_rows.is_empty() {
        analyses.forget_all();
    }
    for c in log.changes.columns() {
        analyses.forget(c);
    }
    Ok(log)
}

fn run_step(
    table: &mut Table,
    step: &Step,
    index: usize,
    analyses: &mut Analyses,
) -> Result<StepLog, EngineError> {
    let mut log = StepLog::default();
    match step {
        Step::Standardize {
            column,
            as_type,
            number_locale,
            date_order,
            case,
            missing,
            country,
        } => {
            let c = column_of(table, column, index)?;
            let options = standardize::Options {
                as_type: *as_type,
                number_locale: *number_locale,
                date_order: *date_order,
                case: *case,
                missing: missing.clone(),
                country: country.clone(),
            };
            standardize::run(table, c, &options, analyses, &mut log);
        }
        Step::FillMissing {
            column,
            strategy,
            value,
            order_by,
        } => {
            let c = column_of(table, column, index)?;
            let order = match order_by {
                Some(name) => Some(column_of(table, name, index)?),
                None => None,
            };
            missing::fill(
                table,
                c,
                *strategy,
                value.as_ref(),
                order,
                analyses,
                &mut log,
            )
            .map_err(|e| EngineError::InvalidInput(format!("recipe step {}: {e}", index + 1)))?;
        }
        Step::ReplaceValues { column, map } => {
            let c = column_of(table, column, index)?;
            let cells = &mut table.columns_mut()[c].cells;
            for (row, cell) in cells.iter_mut().enumerate() {
                if let Cell::Text(t) = cell
                    && let Some(to) = map.get(t.trim())
                    && to != t
                {
                    let before = std::mem::replace(cell, Cell::Text(to.as_str().into()));
                    let reason = log
                        .changes
                        .reason_index(Cow::Borrowed("replaced as listed in the recipe"), 1.0);
                    log.changes.push_with_reason(row, c, before, reason);
                }
            }
        }
        Step::MergeVariants { column, threshold } => {
            check_threshold(*threshold, index)?;
            let c = column_of(table, column, index)?;
            let merges = crate::cluster::suggest_merges(&table.columns()[c], *threshold);
            // Each merge's reason is written once, not once per cell.
            let mut reasons: crate::table::FastMap<&str, u32> = Default::default();
            let cells = &mut table.columns_mut()[c].cells;
            for (row, cell) in cells.iter_mut().enumerate() {
                if let Cell::Text(t) = cell
                    && let Some((from, merge)) = merges.get_key_value(t.as_str())
                {
                    let reason = *reasons.entry(from.as_str()).or_insert_with(|| {
                        log.changes.reason_index(
                            Cow::Owned(format!("variant of \"{}\" ({})", merge.to, merge.method)),
                            merge.confidence,
                        )
                    });
                    let before = std::mem::replace(cell, Cell::Text(merge.to.as_str().into()));
                    log.changes.push_with_reason(row, c, before, reason);
                }
            }
        }
        Step::CheckDependency {
            determinant,
            dependent,
            fix,
        } => {
            let a = column_of(table, determinant, index)?;
            let b = column_of(table, dependent, index)?;
            crate::cluster::check_dependency(table, a, b, *fix, index, &mut log);
        }
        Step::Duplicates {
            keys,
            threshold,
            action,
        } => {
            check_threshold(*threshold, index)?;
            let keys = match keys {
                Some(names) => names
                    .iter()
                    .map(|n| column_of(table, n, index))
                    .collect::<Result<Vec<_>, _>>()?,
                None => (0..table.column_count()).collect(),
            };
            let pairs = crate::duplicates::find_duplicates_with(table, &keys, *threshold, analyses);
            let mut remove: Vec<usize> = Vec::new();
            match action {
                DuplicateAction::Flag => {}
                DuplicateAction::KeepFirst => remove.extend(pairs.iter().map(|p| p.row)),
                DuplicateAction::KeepLast => {
                    // The last member of each group survives.
                    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
                    for p in &pairs {
                        groups.entry(p.duplicate_of).or_default().push(p.row);
                    }
                    for (first, mut rows) in groups {
                        rows.push(first);
                        rows.sort_unstable();
                        rows.pop();
                        remove.extend(rows);
                    }
                }
                DuplicateAction::Remove => {
                    remove.extend(pairs.iter().flat_map(|p| [p.row, p.duplicate_of]));
                }
            }
            for p in &pairs {
                log.findings.push(Finding {
                    step: index,
                    kind: "duplicate",
                    row: p.row,
                    column: None,
                    related_row: Some(p.duplicate_of),
                    suggestion: None,
                    score: p.score,
                    message: format!(
                        "row {} duplicates row {} (score {:.2})",
                        p.row, p.duplicate_of, p.score
                    ),
                });
            }
            remove.sort_unstable();
            remove.dedup();
            log.removed_rows = table.remove_rows(&remove);
        }
    }
    Ok(log)
}

/// Takes `table` back to what it was before the step that produced `log`.
/// Steps must be undone last first.
pub fn undo_step(table: &mut Table, log: &StepLog) {
    table.insert_rows(&log.removed_rows);
    let columns = table.columns_mut();
    for change in log.changes.iter().rev() {
        if let Some(cell) = columns
            .get_mut(change.column)
            .and_then(|c| c.cells.get_mut(change.row))
        {
            *cell = change.before;
        }
    }
    for (c, format) in &log.formats_before {
        if let Some(column) = columns.get_mut(*c) {
            column.format = format.clone();
        }
    }
}

/// Undoes every step of `applied`, last first, giving the original table.
pub fn undo_all(applied: &Applied) -> Table {
    let mut table = applied.table.clone();
    for log in applied.log.iter().rev() {
        undo_step(&mut table, log);
    }
    table
}

/// A cell as plain JSON for reports: numbers, booleans, strings, null;
/// dates as ISO 8601 strings.
pub fn cell_json(cell: &Cell) -> serde_json::Value {
    use crate::parse::date::{TemporalKind, format_serial};
    match cell {
        Cell::Empty => serde_json::Value::Null,
        Cell::Bool(b) => (*b).into(),
        Cell::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into)
        }
        Cell::Text(t) => t.as_str().into(),
        Cell::Error(code) => (**code).into(),
        Cell::DateTime(n) => {
            let kind = if (0.0..1.0).contains(n) {
                TemporalKind::Time
            } else if n.fract() == 0.0 {
                TemporalKind::Date
            } else {
                TemporalKind::DateTime
            };
            format_serial(*n, kind).map_or(serde_json::Value::Null, Into::into)
        }
        Cell::Duration(n) => crate::write::format_duration(*n).into(),
    }
}

/// A cell serialized as [`cell_json`] writes it, without building a
/// `serde_json::Value` (nor copying its text) on the way.
pub struct CellOut<'a>(pub &'a Cell);

impl Serialize for CellOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::parse::date::{TemporalKind, format_serial};
        match self.0 {
            Cell::Empty => serializer.serialize_unit(),
            Cell::Bool(b) => serializer.serialize_bool(*b),
            // `serde_json::Number` has no NaN or infinity: those are null.
            Cell::Number(n) if n.is_finite() => serializer.serialize_f64(*n),
            Cell::Number(_) => serializer.serialize_unit(),
            Cell::Text(t) => serializer.serialize_str(t),
            Cell::Error(code) => serializer.serialize_str(code),
            Cell::DateTime(n) => {
                let kind = if (0.0..1.0).contains(n) {
                    TemporalKind::Time
                } else if n.fract() == 0.0 {
                    TemporalKind::Date
                } else {
                    TemporalKind::DateTime
                };
                match format_serial(*n, kind) {
                    Some(text) => serializer.serialize_str(&text),
                    None => serializer.serialize_unit(),
                }
            }
            Cell::Duration(n) => serializer.serialize_str(&crate::write::format_duration(*n)),
        }
    }
}

/// The diff and findings of an application, as the JSON the CLI writes
/// with `--report` and the task pane shows for review.
pub fn report(applied: &Applied, recipe: &Recipe, original: &Table) -> serde_json::Value {
    // Column names as they were when each step ran: steps never rename.
    let names: Vec<&str> = original.columns().iter().map(|c| c.name.as_str()).collect();
    let mut changes = Vec::new();
    let mut removed = Vec::new();
    let mut findings = Vec::new();
    for (step, log) in applied.log.iter().enumerate() {
        let op = recipe.steps.get(step).map_or("", Step::op);
        let after = applied.cells_after(step);
        for (change, after) in log.changes.iter().zip(&after) {
            changes.push(serde_json::json!({
                "row": change.row,
                "column": names.get(change.column).copied().unwrap_or(""),
                "before": cell_json(&change.before),
                "after": cell_json(after),
                "step": step,
                "op": op,
                "reason": change.reason,
                "confidence": change.confidence,
            }));
        }
        for (row, _) in &log.removed_rows {
            removed.push(serde_json::json!({ "row": row, "step": step, "op": op }));
        }
        for finding in &log.findings {
            findings.push(serde_json::to_value(finding).unwrap_or_default());
        }
    }
    serde_json::json!({
        "recipe": recipe,
        "rowsBefore": original.row_count(),
        "rowsAfter": applied.table.row_count(),
        "changes": changes,
        "removedRows": removed,
        "findings": findings,
    })
}

/// Writes [`report`] as pretty JSON (the same bytes as
/// `serde_json::to_writer_pretty(report(..))`) without building it in
/// memory first: a big sheet has a change for most of its cells.
/// `names` are the column names and `rows_before` the row count of the
/// table the recipe ran on.
pub fn write_report(
    applied: &Applied,
    recipe: &Recipe,
    names: &[&str],
    rows_before: usize,
    mut out: impl std::io::Write,
) -> serde_json::Result<()> {
    // The pretty layout of `report`'s sorted keys, written by hand around
    // values serialized by serde_json itself (a pretty printer writes a
    // string or a number exactly as the compact one does): the changes are
    // most of the report, and serde's per-field machinery most of its cost.
    let io = serde_json::Error::io;
    out.write_all(b"{\n  \"changes\": [").map_err(io)?;
    let mut any = false;
    for (step, log) in applied.log.iter().enumerate() {
        let op = recipe.steps.get(step).map_or("", Step::op);
        let after = applied.cells_after(step);
        for (change, after) in log.changes.iter().zip(&after) {
            let separator: &[u8] = if any { b",\n    {\n" } else { b"\n    {\n" };
            any = true;
            out.write_all(separator).map_err(io)?;
            out.write_all(b"      \"after\": ").map_err(io)?;
            serde_json::to_writer(&mut out, &CellOut(after))?;
            out.write_all(b",\n      \"before\": ").map_err(io)?;
            serde_json::to_writer(&mut out, &CellOut(&change.before))?;
            out.write_all(b",\n      \"column\": ").map_err(io)?;
            serde_json::to_writer(&mut out, names.get(change.column).copied().unwrap_or(""))?;
            out.write_all(b",\n      \"confidence\": ").map_err(io)?;
            serde_json::to_writer(&mut out, &change.confidence)?;
            out.write_all(b",\n      \"op\": ").map_err(io)?;
            serde_json::to_writer(&mut out, op)?;
            out.write_all(b",\n      \"reason\": ").map_err(io)?;
            serde_json::to_writer(&mut out, change.reason)?;
            write!(
                out,
                ",\n      \"row\": {},\n      \"step\": {step}\n    }}",
                change.row
            )
            .map_err(io)?;
        }
    }
    if any {
        out.write_all(b"\n  ").map_err(io)?;
    }
    out.write_all(b"]").map_err(io)?;
    let mut removed = Vec::new();
    let mut findings = Vec::new();
    for (step, log) in applied.log.iter().enumerate() {
        let op = recipe.steps.get(step).map_or("", Step::op);
        for (row, _) in &log.removed_rows {
            removed.push(serde_json::json!({ "row": row, "step": step, "op": op }));
        }
        for finding in &log.findings {
            findings.push(serde_json::to_value(finding).unwrap_or_default());
        }
    }
    // A value one level down: serde_json's pretty text, indented once more
    // (a JSON string never holds a raw line break, so every one is layout).
    let mut nested = |key: &str, value: &serde_json::Value| -> serde_json::Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        write!(out, ",\n  \"{key}\": {}", text.replace('\n', "\n  ")).map_err(io)
    };
    nested("findings", &serde_json::Value::Array(findings))?;
    nested("recipe", &serde_json::to_value(recipe)?)?;
    nested("removedRows", &serde_json::Value::Array(removed))?;
    write!(
        out,
        ",\n  \"rowsAfter\": {},\n  \"rowsBefore\": {rows_before}\n}}",
        applied.table.row_count()
    )
    .map_err(io)
}

#[cfg(test)]
mod tests;
