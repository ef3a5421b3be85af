//! Cleaning from the task pane: a [`Cleaner`] holds one table (an Excel
//! selection or a file's sheet) with its history; `profile()`, `suggest()`
//! and `start(recipe)` work on it, and a [`CleanJob`] applies a recipe one
//! step at a time (`engine::recipe::Job`).
//!
//! The Web Worker's protocol, so that progress shows and a cancel message
//! gets through on a big sheet (a step takes ~100 ms on 100k rows):
//!
//! ```js
//! const job = cleaner.start(recipe);           // throws on an invalid recipe
//! for (;;) {
//!   if (cancelled) { job.cancel(); break; }    // the table is as it was
//!   const progress = job.step();               // one recipe step
//!   postMessage({ type: 'progress', progress });
//!   if (progress.done) { postMessage({ type: 'done', result: job.finish() }); break; }
//!   await new Promise((r) => setTimeout(r, 0)); // a macrotask: lets `onmessage` run
//! }
//! ```
//!
//! While a job runs, the cleaner's table belongs to the job: the
//! cleaner's other methods throw until `finish()` or `cancel()` (or the
//! job handle being freed, which cancels). Values cross the boundary as
//! one JSON text each way (see `range_to_table` and `to_js`), except the
//! cell diff: on a big sheet it has a change for most cells (~500k on 100k
//! rows), too many to write out as one JSON text (that alone grew the
//! module's memory by hundreds of MB, which it never gives back). `finish()`
//! hands over where the changes are as typed arrays ([`DiffIndex`]), and
//! `diffPage()` the values of the page the user looks at.
//!
//! Nor does `finish()` hand over the cleaned table: building a million
//! cells as JavaScript values was a quarter of a duplicates run's time,
//! and only writing back to an Excel selection needs them. `values()`
//! gives them when asked (a dropped file needs only `toCsv()`), and
//! `undo()` likewise only says whether it took anything back.

use std::cell::RefCell;
use std::rc::Rc;

use engine::recipe::{self, Applied, CellOut, Job, StepLog, step_label};
use engine::{Cell, NumberFormats, ReadOptions, Recipe, Table};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::profile::{range_rows, range_to_table_and_formats, took_header};
use crate::{from_js_json, to_js, to_js_error};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export interface CleanerOptions { maxInputBytes?: number; maxCells?: number; sheet?: string | null }
/** A recipe as `suggest()` gives it and `start()` takes it: `{ version: 1, steps: [{ op: "standardize", column: "Amount", as: "decimal" }, …] }`. */
export interface Recipe { version?: number; steps: ({ op: string } & Record<string, unknown>)[] }
export interface CleanProgress { done: boolean; stepsDone: number; stepsTotal: number; step: string | null }
/** A cell of the diff as the report shows it: dates as ISO 8601 text. */
export type DiffValue = string | number | boolean | null;
/**
 * `row`: the 0-based data row in the table the step ran on; `column`: the column's index
 * (its name: `summary.columns[column]`); `step`: the recipe step (`summary.steps[step]`).
 * Kept to these fields: on a big sheet most cells change, and every byte is paid per change.
 */
export interface CellDiff { row: number; column: number; before: DiffValue; after: DiffValue; step: number; reason: string; confidence: number }
export interface CleanFinding { step: number; kind: string; row: number; column?: string; relatedRow?: number; suggestion?: string; score: number; message: string }
export interface StepSummary { step: number; op: string; label: string; changedCells: number; removedRows: number; findings: number }
export interface CleanSummary { columns: string[]; rowsBefore: number; rowsAfter: number; changedCells: number; removedRows: number[]; steps: StepSummary[]; findings: CleanFinding[] }
/**
 * What to write back with Office.js: `range.values = values; range.numberFormat = numberFormats`.
 * The header row comes first when the selection had one. Dates are Excel serials with a date
 * format, percentages fractions with a % format; `null` formats leave the cell's format as it is.
 * When rows were removed, the range has fewer rows than the selection: clear the rows below.
 * After an undo, the columns whose format it took back carry the selection's own formats again
 * (or `General`) until the next run finishes.
 */
export interface SheetValues { hasHeader: boolean; values: (string | number | boolean)[][]; numberFormats: (string | null)[][] }
/**
 * Where the changed cells of a run are: change `i` is at `rows[i]`, `columns[i]` and was made by
 * step `steps[i]` (as in `CellDiff`). The changes come step by step, in the order of `summary.steps`
 * (step `s`'s `summary.steps[s].changedCells` changes together), each step's in the order made.
 * Their values before and after: `Cleaner.diffPage`, a page at a time.
 */
export interface DiffIndex { length: number; rows: Uint32Array; columns: Uint32Array; steps: Uint32Array }
/**
 * A finished run: where the changes are and a summary. The cleaned table itself is not in it:
 * `Cleaner.values()` gives it for a write-back, `Cleaner.toCsv()` as a file.
 * `hasHeader`: the table's first row is its header (`values()` then starts with it).
 */
export interface CleanResult { hasHeader: boolean; diff: DiffIndex; summary: CleanSummary }
"#;

/// Mirrors `CleanerOptions` above.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CleanerOptions {
    max_input_bytes: Option<usize>,
    max_cells: Option<usize>,
    sheet: Option<String>,
}

fn cleaner_options(options: Option<js_sys::Object>) -> Result<CleanerOptions, JsError> {
    match options {
        Some(object) => from_js_json(&object, "cleaner options"),
        None => Ok(CleanerOptions::default()),
    }
}

const BUSY: &str = "a cleaning job is running: finish or cancel it first";

/// What a [`Cleaner`] and its running [`CleanJob`] share.
struct State {
    /// `None` while a job holds the table.
    table: Option<Table>,
    has_header: bool,
    /// The analyses `suggest()` made of the table as it stands, for the
    /// next `start()`; cleared whenever the table changes.
    analyses: engine::recipe::Analyses,
    /// Each finished application's step logs, oldest first, for undo.
    history: Vec<Vec<StepLog>>,
    /// The selection's number formats, to put back on undo where cleaning
    /// had set a column's format.
    original_formats: Option<NumberFormats>,
    /// The cells the last finished application left, for `diffPage()`;
    /// `None` once anything was undone or another job started.
    last_diff: Option<LastDiff>,
    /// The columns whose format an undo took back to none since the last
    /// finished application, for `values()` (see `sheet_values`).
    restored: Vec<usize>,
}

/// What the diff of the last finished application needs besides its step
/// logs (the history's last entry).
struct LastDiff {
    /// The cell after of each change, step by step, in the logs' order
    /// (the logs keep only the cells before).
    cells_after: Vec<Vec<Cell>>,
    /// The index in the diff of each step's first change.
    step_starts: Vec<usize>,
    len: usize,
}

impl State {
    fn table(&self) -> Result<&Table, JsError> {
        self.table.as_ref().ok_or_else(|| to_js_error(BUSY))
    }

    /// Whether the table's rows are still the original's, in order: no
    /// step kept in the history removed any.
    fn rows_are_original(&self) -> bool {
        self.history
            .iter()
            .flatten()
            .all(|log| log.removed_rows.is_empty())
    }

    /// The table in Office.js form. `restored`: columns whose format an
    /// undo took back to none (since the last finished application); they
    /// get the selection's own formats again (or `General`), every other
    /// format-less column `null`. Borrows the
    /// texts: a big sheet has a million cells, each copied once only, into
    /// the JSON.
    fn sheet_values<'a>(&'a self, table: &'a Table, restored: &[usize]) -> SheetValues<'a> {
        let original = self
            .original_formats
            .as_ref()
            .filter(|_| self.rows_are_original());
        let mut values = Vec::with_capacity(table.row_count() + 1);
        let mut number_formats = Vec::with_capacity(table.row_count() + 1);
        if self.has_header {
            values.push(
                table
                    .columns()
                    .iter()
                    .map(|c| OfficeCell::Text(&c.name))
                    .collect(),
            );
            number_formats.push(vec![None; table.column_count()]);
        }
        for row in 0..table.row_count() {
            values.push(
                table
                    .columns()
                    .iter()
                    .map(|c| OfficeCell::from(&c.cells[row]))
                    .collect(),
            );
            number_formats.push(
                table
                    .columns()
                    .iter()
                    .enumerate()
                    .map(|(c, column)| match &column.format {
                        Some(format) => Some(format.as_str()),
                        None if restored.contains(&c) => {
                            Some(original.and_then(|o| o.get(row, c)).unwrap_or("General"))
                        }
                        None => None,
                    })
                    .collect(),
            );
        }
        SheetValues {
            has_header: self.has_header,
            values,
            number_formats,
        }
    }
}

/// One cell as Office.js takes it: dates and durations as Excel serials.
#[derive(Serialize)]
#[serde(untagged)]
enum OfficeCell<'a> {
    Number(f64),
    Bool(bool),
    Text(&'a str),
}

impl<'a> From<&'a Cell> for OfficeCell<'a> {
    fn from(cell: &'a Cell) -> OfficeCell<'a> {
        match cell {
            Cell::Empty => OfficeCell::Text(""),
            Cell::Bool(b) => OfficeCell::Bool(*b),
            // Excel has no NaN or infinity: those cells are left blank.
            Cell::Number(n) | Cell::DateTime(n) | Cell::Duration(n) if !n.is_finite() => {
                OfficeCell::Text("")
            }
            Cell::Number(n) | Cell::DateTime(n) | Cell::Duration(n) => OfficeCell::Number(*n),
            Cell::Text(t) => OfficeCell::Text(t),
            Cell::Error(code) => OfficeCell::Text(code),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SheetValues<'a> {
    has_header: bool,
    values: Vec<Vec<OfficeCell<'a>>>,
    number_formats: Vec<Vec<Option<&'a str>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CellDiff<'a> {
    row: usize,
    column: usize,
    #[serde(serialize_with = "cell_out")]
    before: Cell,
    after: CellOut<'a>,
    step: usize,
    reason: &'a str,
    confidence: f64,
}

/// A cell as [`CellOut`] writes it.
fn cell_out<S: serde::Serializer>(cell: &Cell, serializer: S) -> Result<S::Ok, S::Error> {
    CellOut(cell).serialize(serializer)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepSummary {
    step: usize,
    op: &'static str,
    label: String,
    changed_cells: usize,
    removed_rows: usize,
    findings: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CleanSummary<'a> {
    columns: &'a [String],
    rows_before: usize,
    rows_after: usize,
    changed_cells: usize,
    removed_rows: Vec<usize>,
    steps: Vec<StepSummary>,
    findings: Vec<&'a recipe::Finding>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CleanResult<'a> {
    has_header: bool,
    summary: CleanSummary<'a>,
}

/// A table being cleaned, with its undo history. Build one per selection
/// or file.
#[wasm_bindgen]
pub struct Cleaner {
    state: Rc<RefCell<State>>,
}

#[wasm_bindgen]
impl Cleaner {
    /// A cleaner for an Excel selection as Office.js reads it (`values`,
    /// `numberFormat`, `hasHeader`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "OfficeRange")] range: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CleanerOptions | null")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Cleaner, JsError> {
        let options = cleaner_options(options)?;
        let max_cells = options
            .max_cells
            .unwrap_or(ReadOptions::default().max_cells);
        let rows = range_rows(&range);
        let (table, formats) = range_to_table_and_formats(range, max_cells)?;
        let has_header = took_header(rows, &table);
        let original_formats =
            formats.map(|formats| formats.without_first_rows(usize::from(has_header)));
        Ok(Cleaner::with_table(table, has_header, original_formats))
    }

    /// A cleaner for a .xlsx/.xlsm/.xlsb/.xls/.ods/.csv/.tsv file's bytes:
    /// its first sheet with data, or `options.sheet`.
    #[wasm_bindgen(js_name = fromFile)]
    pub fn from_file(
        bytes: &[u8],
        file_name: &str,
        #[wasm_bindgen(unchecked_param_type = "CleanerOptions | null")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<Cleaner, JsError> {
        let options = cleaner_options(options)?;
        let defaults = ReadOptions::default();
        let read = ReadOptions {
            sheet: options.sheet,
            max_input_bytes: options.max_input_bytes.unwrap_or(defaults.max_input_bytes),
            max_cells: options.max_cells.unwrap_or(defaults.max_cells),
            ..defaults
        };
        let data = engine::read_workbook(bytes, file_name, &read).map_err(to_js_error)?;
        Ok(Cleaner::with_table(data.table, true, None))
    }

    /// The profile of the table as it stands. Its column analyses are
    /// kept for `suggest()` and `start()`, which then need none of their own.
    #[wasm_bindgen(unchecked_return_type = "TableProfile")]
    pub fn profile(&self) -> Result<JsValue, JsError> {
        let state = &mut *self.state.borrow_mut();
        let table = state.table.as_ref().ok_or_else(|| to_js_error(BUSY))?;
        let columns = (0..table.column_count())
            .map(|c| {
                engine::profile::profile_with(&table.columns()[c], state.analyses.get(table, c))
            })
            .collect();
        to_js(&engine::TableProfile {
            row_count: table.row_count(),
            column_count: table.column_count(),
            columns,
        })
    }

    /// The recipe the profile suggests (it never removes rows).
    #[wasm_bindgen(unchecked_return_type = "Recipe")]
    pub fn suggest(&self) -> Result<JsValue, JsError> {
        let state = &mut *self.state.borrow_mut();
        let table = state.table.as_ref().ok_or_else(|| to_js_error(BUSY))?;
        let recipe = recipe::suggest_recipe_with(table, &mut state.analyses);
        to_js(&recipe)
    }

    /// Starts applying `recipe`; nothing changes until its steps run.
    /// Throws on an invalid recipe (unknown operation or field, a column
    /// the table does not have), leaving the table as it was.
    pub fn start(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Recipe")] recipe: JsValue,
    ) -> Result<CleanJob, JsError> {
        let recipe: Recipe = from_js_json(&recipe, "recipe")?;
        let state = &mut *self.state.borrow_mut();
        let table = state.table.as_ref().ok_or_else(|| to_js_error(BUSY))?;
        recipe::check_recipe(table, &recipe).map_err(to_js_error)?;
        let rows_before = table.row_count();
        let columns = table.columns().iter().map(|c| c.name.clone()).collect();
        state.last_diff = None;
        let (Some(table), analyses) = (state.table.take(), std::mem::take(&mut state.analyses))
        else {
            return Err(to_js_error(BUSY));
        };
        // Checked above: this cannot fail.
        let job = Job::with_analyses(table, recipe, analyses).map_err(to_js_error)?;
        Ok(CleanJob {
            state: Rc::clone(&self.state),
            job: Some(job),
            rows_before,
            columns,
        })
    }

    /// Takes back the last finished application, every step of it.
    /// Returns whether there was one; the values to write back then:
    /// `values()`.
    pub fn undo(&self) -> Result<bool, JsError> {
        self.take_back(usize::MAX)
    }

    /// Takes back the last step of the last finished application.
    #[wasm_bindgen(js_name = undoStep)]
    pub fn undo_step(&self) -> Result<bool, JsError> {
        self.take_back(1)
    }

    /// How many finished applications `undo()` can take back.
    #[wasm_bindgen(getter, js_name = undoDepth)]
    pub fn undo_depth(&self) -> usize {
        self.state.borrow().history.len()
    }

    /// The table as it stands as CSV (UTF-8, header first, numbers with a
    /// `.` and no grouping, ISO 8601 dates), for the standalone download.
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(&self) -> Result<Vec<u8>, JsError> {
        let state = self.state.borrow();
        let mut csv = Vec::new();
        engine::write_csv(state.table()?, &mut csv).map_err(to_js_error)?;
        Ok(csv)
    }

    /// The table as it stands, in Office.js form: what to write back
    /// after a run (or an undo).
    #[wasm_bindgen(unchecked_return_type = "SheetValues")]
    pub fn values(&self) -> Result<JsValue, JsError> {
        let state = self.state.borrow();
        to_js(&state.sheet_values(state.table()?, &state.restored))
    }

    /// Changes `start` to `start + count` (fewer at the end) of the last
    /// finished run's diff, in the order of its `DiffIndex`. Throws when
    /// there is no diff to show: no run finished, or it was undone since.
    #[wasm_bindgen(js_name = diffPage, unchecked_return_type = "CellDiff[]")]
    pub fn diff_page(&self, start: usize, count: usize) -> Result<JsValue, JsError> {
        let state = self.state.borrow();
        let (Some(last), Some(logs)) = (&state.last_diff, state.history.last()) else {
            return Err(to_js_error(NO_DIFF));
        };
        let end = start.saturating_add(count).min(last.len);
        let page: Vec<CellDiff> = (start.min(end)..end)
            .map(|index| {
                // The step whose changes hold `index`: the last starting at or before it.
                let step = last.step_starts.partition_point(|&s| s <= index) - 1;
                let within = index - last.step_starts[step];
                let change = logs[step].changes.get(within);
                CellDiff {
                    row: change.row,
                    column: change.column,
                    before: change.before,
                    after: CellOut(&last.cells_after[step][within]),
                    step,
                    reason: change.reason,
                    confidence: change.confidence,
                }
            })
            .collect();
        to_js(&page)
    }
}

const NO_DIFF: &str = "no cleaning run to show the changes of: run a recipe first";

impl Cleaner {
    fn with_table(
        table: Table,
        has_header: bool,
        original_formats: Option<NumberFormats>,
    ) -> Cleaner {
        Cleaner {
            state: Rc::new(RefCell::new(State {
                table: Some(table),
                has_header,
                analyses: engine::recipe::Analyses::new(),
                history: Vec::new(),
                original_formats,
                last_diff: None,
                restored: Vec::new(),
            })),
        }
    }

    /// Undoes up to `steps` steps of the last application; false when
    /// there was none.
    fn take_back(&self, steps: usize) -> Result<bool, JsError> {
        let state = &mut *self.state.borrow_mut();
        let table = state.table.as_mut().ok_or_else(|| to_js_error(BUSY))?;
        state.last_diff = None;
        let Some(mut logs) = state.history.pop() else {
            return Ok(false);
        };
        for _ in 0..steps {
            let Some(log) = logs.pop() else { break };
            recipe::undo_step(table, &log);
            for (column, _) in &log.formats_before {
                if !state.restored.contains(column) {
                    state.restored.push(*column);
                }
            }
        }
        if !logs.is_empty() {
            state.history.push(logs);
        }
        state.analyses = engine::recipe::Analyses::new();
        Ok(true)
    }
}

/// A recipe being applied to a [`Cleaner`]'s table, one step per
/// [`CleanJob::step`] call. Freeing the handle before `finish()` cancels.
#[wasm_bindgen]
pub struct CleanJob {
    state: Rc<RefCell<State>>,
    /// `None` once finished or cancelled.
    job: Option<Job>,
    rows_before: usize,
    columns: Vec<String>,
}

const ENDED: &str = "this cleaning job has ended";

#[wasm_bindgen]
impl CleanJob {
    /// Runs the next step of the recipe. On an error the job is cancelled
    /// (the table is as it was) and the error thrown.
    #[wasm_bindgen(unchecked_return_type = "CleanProgress")]
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        let job = self.job.as_mut().ok_or_else(|| to_js_error(ENDED))?;
        match job.advance() {
            Ok(progress) => to_js(&progress),
            Err(error) => {
                self.cancel();
                Err(to_js_error(error))
            }
        }
    }

    /// Where the job stands.
    #[wasm_bindgen(getter, unchecked_return_type = "CleanProgress")]
    pub fn progress(&self) -> Result<JsValue, JsError> {
        let job = self.job.as_ref().ok_or_else(|| to_js_error(ENDED))?;
        to_js(&job.progress())
    }

    /// Stops the job and gives the cleaner its table back exactly as it
    /// was before the first step. Does nothing once the job has ended.
    pub fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            let mut state = self.state.borrow_mut();
            state.table = Some(job.cancel());
            state.analyses = recipe::Analyses::new();
        }
    }

    /// Runs the steps not run yet and hands the cleaned table to the
    /// cleaner (undoable with `undo()`); returns where the changed cells
    /// are (their values: `Cleaner.diffPage`) and a summary. What to write
    /// back: `Cleaner.values()`.
    #[wasm_bindgen(unchecked_return_type = "CleanResult")]
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let job = self.job.as_mut().ok_or_else(|| to_js_error(ENDED))?;
        while !job.is_done() {
            if let Err(error) = job.advance() {
                self.cancel();
                return Err(to_js_error(error));
            }
        }
        let Some(job) = self.job.take() else {
            return Err(to_js_error(ENDED));
        };
        let recipe = job.recipe().clone();
        let applied = match job.finish() {
            Ok(applied) => applied,
            Err(error) => return Err(to_js_error(error)),
        };
        // The log keeps only the cells before; the diff shows both.
        let cells_after: Vec<Vec<Cell>> = (0..applied.log.len())
            .map(|step| applied.cells_after(step))
            .collect();
        let mut state = self.state.borrow_mut();
        let result = to_js(&CleanResult {
            has_header: state.has_header,
            summary: summary(&applied, &recipe, &self.columns, self.rows_before),
        })
        .and_then(|result| {
            set_property(&result, "diff", &diff_index(&applied.log)?)?;
            Ok(result)
        });
        let Applied { table, log } = applied;
        state.table = Some(table);
        state.analyses = recipe::Analyses::new();
        // The formats an earlier undo took back are the table's own again.
        state.restored.clear();
        if !log.is_empty() {
            let step_starts = log
                .iter()
                .scan(0, |start, step| {
                    let this = *start;
                    *start += step.changes.len();
                    Some(this)
                })
                .collect();
            state.last_diff = Some(LastDiff {
                len: cells_after.iter().map(Vec::len).sum(),
                cells_after,
                step_starts,
            });
            state.history.push(log);
        }
        result
    }
}

impl Drop for CleanJob {
    fn drop(&mut self) {
        // A job freed unfinished must not keep the cleaner's table.
        self.cancel();
    }
}

/// The [`DiffIndex`] of `logs`: where each change is, as typed arrays
/// (12 bytes a change, copied once into JavaScript).
fn diff_index(logs: &[StepLog]) -> Result<JsValue, JsError> {
    let len: usize = logs.iter().map(|log| log.changes.len()).sum();
    let mut rows = Vec::with_capacity(len);
    let mut columns = Vec::with_capacity(len);
    let mut steps = Vec::with_capacity(len);
    for (step, log) in logs.iter().enumerate() {
        for index in 0..log.changes.len() {
            let change = log.changes.get(index);
            rows.push(to_u32(change.row)?);
            columns.push(to_u32(change.column)?);
            steps.push(to_u32(step)?);
        }
    }
    let index = js_sys::Object::new();
    set_property(&index, "length", &JsValue::from(len))?;
    set_property(&index, "rows", &js_sys::Uint32Array::from(&rows[..]))?;
    set_property(&index, "columns", &js_sys::Uint32Array::from(&columns[..]))?;
    set_property(&index, "steps", &js_sys::Uint32Array::from(&steps[..]))?;
    Ok(index.into())
}

fn to_u32(n: usize) -> Result<u32, JsError> {
    u32::try_from(n).map_err(|_| to_js_error("the diff has a row or column past 2^32"))
}

fn set_property(target: &JsValue, name: &str, value: &JsValue) -> Result<(), JsError> {
    js_sys::Reflect::set(target, &JsValue::from_str(name), value)
        .map(drop)
        .map_err(|_| to_js_error("could not build the clean result"))
}

fn summary<'a>(
    applied: &'a Applied,
    recipe: &Recipe,
    columns: &'a [String],
    rows_before: usize,
) -> CleanSummary<'a> {
    let steps = applied
        .log
        .iter()
        .zip(&recipe.steps)
        .enumerate()
        .map(|(step, (log, recipe_step))| StepSummary {
            step,
            op: recipe_step.op(),
            label: step_label(recipe_step),
            changed_cells: log.changes.len(),
            removed_rows: log.removed_rows.len(),
            findings: log.findings.len(),
        })
        .collect();
    CleanSummary {
        columns,
        rows_before,
        rows_after: applied.table.row_count(),
        changed_cells: applied.log.iter().map(|l| l.changes.len()).sum(),
        removed_rows: applied
            .log
            .iter()
            .flat_map(|l| l.removed_rows.iter().map(|(row, _)| *row))
            .collect(),
        steps,
        findings: applied.log.iter().flat_map(|l| &l.findings).collect(),
    }
}
