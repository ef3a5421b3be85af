//! `auto`: the recipe the profile suggests. It only ever rewrites values
//! into their column's own dominant convention and merges clear variants;
//! it never removes rows (duplicates are flagged) and never invents values
//! for blanks.

use crate::infer::Analyses;
use crate::profile::ColumnType;
use crate::table::Table;

use super::{DuplicateAction, Recipe, Step};

pub fn suggest_recipe(table: &Table) -> Recipe {
    suggest_recipe_with(table, &mut Analyses::new())
}

/// [`suggest_recipe`], keeping the column analyses it makes in `analyses`
/// for applying the recipe to the same table.
pub fn suggest_recipe_with(table: &Table, analyses: &mut Analyses) -> Recipe {
    let mut steps = Vec::new();
    let mut merge = Vec::new();
    for (c, column) in table.columns().iter().enumerate() {
        let analysis = analyses.get(table, c);
        if analysis.kind == ColumnType::Empty {
            continue;
        }
        let case = analysis
            .text_case
            .filter(|_| matches!(analysis.kind, ColumnType::Category | ColumnType::Text));
        steps.push(Step::Standardize {
            column: column.name.clone(),
            as_type: Some(analysis.kind),
            number_locale: analysis.number_locale.filter(|_| analysis.is_numeric()),
            date_order: analysis.date_order.filter(|_| analysis.is_temporal()),
            case,
            missing: (!analysis.missing_tokens.is_empty()).then(|| analysis.missing_tokens.clone()),
            country: None,
        });
        if matches!(analysis.kind, ColumnType::Category | ColumnType::Text) {
            merge.push(Step::MergeVariants {
                column: column.name.clone(),
                threshold: super::default_threshold(),
            });
        }
    }
    // Merging after standardizing: variants differ by more than case and
    // spaces only once those are settled.
    steps.extend(merge);
    if table.row_count() > 1 && table.column_count() > 0 {
        steps.push(Step::Duplicates {
            keys: None,
            threshold: super::default_threshold(),
            action: DuplicateAction::Flag,
        });
    }
    Recipe { version: 1, steps }
}
