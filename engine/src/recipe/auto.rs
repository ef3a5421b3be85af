//! `auto`: the recipe the profile suggests. It only ever rewrites values
//! into their column's own dominant convention and merges clear variants;
//! it never removes rows (duplicates are flagged) and never invents values
//! for blanks.

use crate::infer::analyze_column;
use crate::profile::ColumnType;
use crate::table::Table;

use super::{DuplicateAction, Recipe, Step};

pub fn suggest_recipe(table: &Table) -> Recipe {
    let mut steps = Vec::new();
    let mut merge = Vec::new();
    for column in table.columns() {
        let analysis = analyze_column(column);
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
