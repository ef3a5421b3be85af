use super::*;
use crate::profile::profile_table;
use crate::tokens::GemmaEstimate;

fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

/// 1,000 rows: a date, an amount with one outlier (row 500), a region with
/// one rare value (row 700).
fn ledger() -> Table {
    let mut rows = vec![vec![text("Date"), text("Amount"), text("Region")]];
    for i in 0..1000u32 {
        let amount = if i == 500 {
            1_000_000.0
        } else {
            f64::from(i % 97) * 10.25
        };
        let region = match i {
            700 => "Antarctica",
            i if i % 3 == 0 => "EMEA",
            i if i % 3 == 1 => "APAC",
            _ => "Americas",
        };
        rows.push(vec![
            text(&format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28)),
            Cell::Number(amount),
            text(region),
        ]);
    }
    Table::from_rows(rows, Some(true))
}

fn context(table: &Table, budget: usize) -> SheetContext {
    build_sheet_context(
        table,
        &profile_table(table),
        &GemmaEstimate,
        budget,
        &ContextOptions::default(),
    )
}

#[test]
fn a_moderate_budget_gets_profile_head_tail_and_telling_rows() {
    let table = ledger();
    let c = context(&table, 600);
    assert!(c.tokens <= 600 && c.tokens == GemmaEstimate.count(&c.text));
    assert!(c.tokens > 500, "the budget is used: {}", c.tokens);
    assert_eq!(c.detail, Detail::Full);
    for row in [0, 1, 2, 3, 4, 997, 998, 999, 500, 700] {
        assert!(
            c.rows_included.contains(&row),
            "row {row}: {:?}",
            c.rows_included
        );
    }
    assert!(c.text.contains("- Amount: integer") || c.text.contains("- Amount: decimal"));
    assert!(c.text.contains("total "));
    assert!(c.text.contains("\n501,"), "the outlier's line: {}", c.text);
    assert!(
        c.text
            .ends_with(&format!("Omitted: {} of 1000 rows.\n", c.rows_omitted))
    );
    assert_eq!(c.rows_omitted, 1000 - c.rows_included.len());
    assert!(c.rows_included.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn the_same_inputs_give_the_same_context() {
    let table = ledger();
    assert_eq!(context(&table, 900), context(&table, 900));
}

#[test]
fn small_budgets_shrink_the_description_and_never_overflow() {
    let table = ledger();
    let mut seen = Vec::new();
    for budget in 0..200 {
        let c = context(&table, budget);
        assert!(c.tokens <= budget, "budget {budget}: {} tokens", c.tokens);
        assert_eq!(c.tokens, GemmaEstimate.count(&c.text));
        if !seen.contains(&c.detail) {
            seen.push(c.detail);
        }
    }
    assert_eq!(seen[0], Detail::Nothing);
    assert!(seen.contains(&Detail::SizeOnly) && seen.contains(&Detail::Types));
    assert!(seen.contains(&Detail::Full));
}

#[test]
fn a_large_budget_takes_a_small_sheet_whole() {
    let table = Table::from_rows(
        vec![
            vec![text("Name"), text("Note")],
            vec![text("PERSON_1"), text("paid, late")],
            vec![text("PERSON_2"), text(&"x".repeat(100))],
        ],
        Some(true),
    );
    let c = context(&table, 10_000);
    assert_eq!(c.rows_included, [0, 1]);
    assert_eq!(c.rows_omitted, 0);
    assert_eq!(c.cells_truncated, 1);
    assert!(c.text.contains("1,PERSON_1,\"paid, late\"\n"));
    assert!(!c.text.contains("Omitted"));
    let empty = context(&Table::default(), 100);
    assert!(empty.text.starts_with("Sheet: 0 rows x 0 columns."));
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arb_cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            Just(Cell::Empty),
            (-1e6f64..1e6).prop_map(Cell::Number),
            "[A-Za-z0-9 ,.\"€$-]{0,30}".prop_map(|s| Cell::Text(s.into())),
            (40000f64..50000.0).prop_map(Cell::DateTime),
            any::<bool>().prop_map(Cell::Bool),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn context_fits_any_budget(
            rows in proptest::collection::vec(proptest::collection::vec(arb_cell(), 1..6), 0..40),
            budget in 0usize..800,
        ) {
            let table = Table::from_rows(rows, None);
            let profile = profile_table(&table);
            let options = ContextOptions::default();
            let c = build_sheet_context(&table, &profile, &GemmaEstimate, budget, &options);
            prop_assert!(c.tokens <= budget);
            prop_assert_eq!(c.tokens, GemmaEstimate.count(&c.text));
            prop_assert!(c.rows_included.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(c.rows_included.len() + c.rows_omitted, table.row_count());
            let again = build_sheet_context(&table, &profile, &GemmaEstimate, budget, &options);
            prop_assert_eq!(again, c);
        }
    }
}
