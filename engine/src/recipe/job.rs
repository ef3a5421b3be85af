//! A recipe applied one step at a time, for callers that must stay
//! responsive: the task pane's Web Worker runs one step, reports progress,
//! lets a cancel message through, and runs the next. A step is the natural
//! unit (each is one pass over a column, or the duplicate search).
//!
//! Whatever the pace, a [`Job`] gives exactly what [`apply_owned_with`]
//! gives: it runs the same steps with the same shared analyses.

use serde::Serialize;

use crate::error::EngineError;
use crate::table::Table;

use super::{
    Analyses, Applied, Recipe, Step, StepLog, apply_step_with, check_threshold, column_of,
    undo_step,
};

/// How far a [`Job`] has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub done: bool,
    pub steps_done: usize,
    pub steps_total: usize,
    /// What the step applied last did (`"standardize Amount"`), for a
    /// progress line; `None` before the first step.
    pub step: Option<String>,
}

/// A resumable application of a recipe to a table it owns.
#[derive(Debug, Clone)]
pub struct Job {
    table: Table,
    recipe: Recipe,
    analyses: Analyses,
    log: Vec<StepLog>,
}

/// A short human label of a step: its operation and the column it works on.
pub fn step_label(step: &Step) -> String {
    match step {
        Step::Standardize { column, .. }
        | Step::FillMissing { column, .. }
        | Step::ReplaceValues { column, .. }
        | Step::MergeVariants { column, .. } => format!("{} {column}", step.op()),
        Step::CheckDependency {
            determinant,
            dependent,
            ..
        } => format!("{} {determinant} → {dependent}", step.op()),
        Step::Duplicates { .. } => step.op().to_owned(),
    }
}

/// Refuses a recipe that names a column `table` lacks or has a threshold
/// outside 0..1, before any step runs. Steps never add, remove or rename
/// columns, so the names can be checked up front.
pub fn check_recipe(table: &Table, recipe: &Recipe) -> Result<(), EngineError> {
    for (index, step) in recipe.steps.iter().enumerate() {
        match step {
            Step::Standardize { column, .. }
            | Step::ReplaceValues { column, .. }
            | Step::FillMissing {
                column,
                order_by: None,
                ..
            } => {
                column_of(table, column, index)?;
            }
            Step::FillMissing {
                column,
                order_by: Some(order),
                ..
            } => {
                column_of(table, column, index)?;
                column_of(table, order, index)?;
            }
            Step::MergeVariants { column, threshold } => {
                check_threshold(*threshold, index)?;
                column_of(table, column, index)?;
            }
            Step::CheckDependency {
                determinant,
                dependent,
                ..
            } => {
                column_of(table, determinant, index)?;
                column_of(table, dependent, index)?;
            }
            Step::Duplicates {
                keys, threshold, ..
            } => {
                check_threshold(*threshold, index)?;
                for key in keys.iter().flatten() {
                    column_of(table, key, index)?;
                }
            }
        }
    }
    Ok(())
}

impl Job {
    /// A job that has run no step yet. Fails, giving nothing up, when the
    /// recipe names a column the table does not have.
    pub fn new(table: Table, recipe: Recipe) -> Result<Job, EngineError> {
        Job::with_analyses(table, recipe, Analyses::new())
    }

    /// [`Job::new`] with the column analyses already known for `table`
    /// (those [`super::suggest_recipe_with`] made).
    pub fn with_analyses(
        table: Table,
        recipe: Recipe,
        analyses: Analyses,
    ) -> Result<Job, EngineError> {
        check_recipe(&table, &recipe)?;
        Ok(Job {
            table,
            recipe,
            analyses,
            log: Vec::new(),
        })
    }

    pub fn recipe(&self) -> &Recipe {
        &self.recipe
    }

    /// The table as the steps done so far left it.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// What each step done so far did, in order.
    pub fn log(&self) -> &[StepLog] {
        &self.log
    }

    pub fn is_done(&self) -> bool {
        self.log.len() == self.recipe.steps.len()
    }

    pub fn progress(&self) -> Progress {
        Progress {
            done: self.is_done(),
            steps_done: self.log.len(),
            steps_total: self.recipe.steps.len(),
            step: self
                .log
                .len()
                .checked_sub(1)
                .map(|last| step_label(&self.recipe.steps[last])),
        }
    }

    /// Runs the next step (nothing once all are done). On an error the
    /// step has changed nothing and the job stays where it was.
    pub fn advance(&mut self) -> Result<Progress, EngineError> {
        let index = self.log.len();
        if let Some(step) = self.recipe.steps.get(index) {
            let log = apply_step_with(&mut self.table, step, index, &mut self.analyses)?;
            self.log.push(log);
        }
        Ok(self.progress())
    }

    /// Takes back the step done last; `false` when none was done.
    pub fn undo_last_step(&mut self) -> bool {
        match self.log.pop() {
            Some(log) => {
                undo_step(&mut self.table, &log);
                // The analyses describe the table as the step left it.
                self.analyses.forget_all();
                true
            }
            None => false,
        }
    }

    /// Runs the steps not done yet and gives the result: the new table and
    /// one log per step, as [`super::apply`] would.
    pub fn finish(mut self) -> Result<Applied, EngineError> {
        while !self.is_done() {
            self.advance()?;
        }
        Ok(Applied {
            table: self.table,
            log: self.log,
        })
    }

    /// Stops here and gives back the table exactly as it was before the
    /// first step.
    pub fn cancel(mut self) -> Table {
        while self.undo_last_step() {}
        self.table
    }
}
