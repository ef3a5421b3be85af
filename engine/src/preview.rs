//! The preview: exactly what the chat will send about a table, shown to
//! the user before anything leaves Excel.
//!
//! [`preview`] scans the table for personal data, masks it with the
//! policy (pseudonyms through the workbook's [`Vault`]), profiles the
//! *masked* table (so no top value or example can carry a raw value) and
//! describes it with [`build_sheet_context`] within a token budget. Its
//! [`Preview::payload`] is that description, and it is the sheet context
//! the chat sends: the task pane puts the string it previewed, unchanged,
//! into the request (`sheet_context`), and the window
//! ([`crate::window::build_window`]) sends a sheet context as it is given.
//! Nothing is rebuilt between the preview and the request, so what is sent
//! is byte for byte what was shown.

use serde::Serialize;

use crate::context::{ContextOptions, Detail, build_sheet_context};
use crate::mask::{MaskSummary, Policy, Vault, mask_table, scan_table};
use crate::profile::profile_table;
use crate::table::Table;
use crate::tokens::TokenCounter;

/// What the chat will send about a table, and what was masked on the way.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// The sheet context to send, verbatim: the masked table in the sheet
    /// context's compact form. Empty when not even the sheet's size fits
    /// the budget (then send no sheet context).
    pub payload: String,
    /// Tokens of `payload` as the counter counts it; never above `budget`.
    pub tokens: usize,
    pub budget: usize,
    /// How much of the column descriptions fit.
    pub detail: Detail,
    pub columns_described: usize,
    /// The sampled rows (0-based data rows of the masked table), ascending.
    pub rows_included: Vec<usize>,
    pub rows_omitted: usize,
    pub cells_truncated: usize,
    /// Cells masked per column and type, and the columns dropped: over the
    /// whole table, not only the sampled rows.
    pub summary: MaskSummary,
}

impl Preview {
    /// The sheet context for the request ([`crate::window::WindowInput`]'s
    /// `sheet_context`): the payload itself, or nothing when it is empty.
    pub fn sheet_context(&self) -> Option<String> {
        (!self.payload.is_empty()).then(|| self.payload.clone())
    }
}

/// Masks `table` with `policy` and `vault` and describes the result within
/// `budget` tokens of `counter` (see the module documentation). The vault
/// gains the pseudonyms the masking gave, so that answers can be restored
/// with [`Vault::unmask`].
pub fn preview(
    table: &Table,
    policy: &Policy,
    vault: &mut Vault,
    counter: &dyn TokenCounter,
    budget: usize,
    options: &ContextOptions,
) -> Preview {
    let findings = scan_table(table);
    let masked = mask_table(table, &findings, policy, vault);
    let profile = profile_table(&masked.table);
    let context = build_sheet_context(&masked.table, &profile, counter, budget, options);
    Preview {
        payload: context.text,
        tokens: context.tokens,
        budget: context.budget,
        detail: context.detail,
        columns_described: context.columns_described,
        rows_included: context.rows_included,
        rows_omitted: context.rows_omitted,
        cells_truncated: context.cells_truncated,
        summary: masked.summary,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::mask::{PiiType, cell_text};
    use crate::table::Cell;
    use crate::tokens::{GemmaEstimate, PriceTable};
    use crate::window::{WindowInput, WindowLimits, build_window};

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    /// 40 invoices: a customer name, an email, an amount and a note that
    /// mentions the email; customers repeat every 7 rows.
    fn invoices() -> Table {
        let people = [
            ("Maria Garcia", "maria.garcia@example.com"),
            ("John Smith", "john.smith@example.org"),
            ("Ada Lovelace", "ada@analytical.co.uk"),
            ("Grace Hopper", "grace.hopper@navy.example"),
            ("Alan Turing", "alan.turing@bletchley.example"),
            ("Emmy Noether", "emmy@goettingen.example"),
            ("Katherine Johnson", "kjohnson@nasa.example"),
        ];
        let mut rows = vec![vec![
            text("Customer Name"),
            text("Email"),
            text("Amount"),
            text("Notes"),
        ]];
        for i in 0..40u32 {
            let (name, email) = people[i as usize % people.len()];
            rows.push(vec![
                text(name),
                text(email),
                Cell::Number(f64::from(i) * 12.5 + 3.0),
                text(&format!("Reminder sent to {email} on day {i}")),
            ]);
        }
        Table::from_rows(rows, Some(true))
    }

    fn preview_of(table: &Table, vault: &mut Vault, budget: usize) -> Preview {
        preview(
            table,
            &Policy::default(),
            vault,
            &GemmaEstimate,
            budget,
            &ContextOptions::default(),
        )
    }

    #[test]
    fn the_payload_is_the_sheet_context_of_the_masked_table() {
        let table = invoices();
        let mut vault = Vault::new(KEY).unwrap();
        let shown = preview_of(&table, &mut vault, 900);

        // The same steps by hand, on a vault with the same key: the
        // payload is the sheet context's compact form of the masked table.
        let mut by_hand = Vault::new(KEY).unwrap();
        let masked = mask_table(
            &table,
            &scan_table(&table),
            &Policy::default(),
            &mut by_hand,
        );
        let expected = build_sheet_context(
            &masked.table,
            &profile_table(&masked.table),
            &GemmaEstimate,
            900,
            &ContextOptions::default(),
        );
        assert_eq!(shown.payload, expected.text);
        assert_eq!(shown.tokens, expected.tokens);
        assert_eq!(shown.summary, masked.summary);
        assert_eq!(vault, by_hand);
        assert!(shown.tokens <= 900 && shown.tokens > 0);
        assert_eq!(shown.detail, Detail::Full);
    }

    #[test]
    fn what_the_chat_sends_is_byte_for_byte_the_preview() {
        let table = invoices();
        let mut vault = Vault::new(KEY).unwrap();
        let shown = preview_of(&table, &mut vault, 900);
        let prices = PriceTable::builtin();
        let model = prices.model(crate::tokens::DEFAULT_MODEL).unwrap();
        let input = WindowInput {
            system: "You help with spreadsheets.".into(),
            sheet_context: shown.sheet_context(),
            history: Vec::new(),
            summary: None,
            message: "Who owes the most?".into(),
            reserve_output: 1024,
        };
        let window = build_window(
            &input,
            model,
            &prices.currency,
            &GemmaEstimate,
            &WindowLimits::default(),
        )
        .unwrap();
        assert!(!window.breakdown.sheet_context_dropped);
        assert_eq!(window.request.system.len(), 2);
        assert_eq!(
            window.request.system[1].as_bytes(),
            shown.payload.as_bytes()
        );
        // The count shown with the preview is the count the window makes.
        assert_eq!(window.breakdown.sheet_context, shown.tokens);
        // Through JSON (the request body) nothing changes either.
        let body = serde_json::to_string(&window.request).unwrap();
        let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(sent["system"][1].as_str(), Some(shown.payload.as_str()));
    }

    #[test]
    fn no_raw_value_reaches_the_payload_and_the_vault_restores_them() {
        let table = invoices();
        let mut vault = Vault::new(KEY).unwrap();
        let shown = preview_of(&table, &mut vault, 2_000);
        for column in ["Customer Name", "Email"] {
            let index = table.column_index(column).unwrap();
            for cell in &table.columns()[index].cells {
                let raw = cell_text(cell);
                assert!(!shown.payload.contains(&raw), "{raw} leaked");
            }
        }
        let restored = vault.unmask(&shown.payload);
        assert!(restored.contains("maria.garcia@example.com"), "{restored}");
        assert!(shown.payload.contains("EMAIL_"), "{}", shown.payload);
    }

    #[test]
    fn the_summary_counts_masked_cells_per_column_and_type() {
        let table = invoices();
        let mut vault = Vault::new(KEY).unwrap();
        let shown = preview_of(&table, &mut vault, 900);
        let cells = |column: &str, kind: PiiType| {
            shown
                .summary
                .rows
                .iter()
                .filter(|r| r.column == column && r.kind == Some(kind))
                .map(|r| r.cells)
                .sum::<usize>()
        };
        assert_eq!(cells("Email", PiiType::Email), 40);
        assert_eq!(cells("Notes", PiiType::Email), 40);
        assert_eq!(cells("Customer Name", PiiType::Person), 40);
        assert_eq!(cells("Amount", PiiType::Email), 0);
        assert!(shown.summary.dropped_columns.is_empty());
    }

    #[test]
    fn the_same_vault_state_gives_the_same_payload() {
        let table = invoices();
        let mut first = Vault::new(KEY).unwrap();
        let mut second = Vault::new(KEY).unwrap();
        let a = preview_of(&table, &mut first, 700);
        let b = preview_of(&table, &mut second, 700);
        assert_eq!(a, b);
        // Previewing again with the tokens already given changes nothing.
        let again = preview_of(&table, &mut first, 700);
        assert_eq!(a, again);
        assert_eq!(first, second);
    }

    #[test]
    fn a_budget_too_small_for_anything_sends_no_sheet_context() {
        let mut vault = Vault::new(KEY).unwrap();
        let shown = preview_of(&invoices(), &mut vault, 0);
        assert_eq!(shown.payload, "");
        assert_eq!(shown.detail, Detail::Nothing);
        assert_eq!(shown.sheet_context(), None);
        assert_eq!(shown.rows_omitted, 40);
    }

    // proptest is a native-only dev-dependency (it forks and reads OS
    // randomness); the wasm test build leaves these out.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use crate::mask::Operator;
        use proptest::prelude::*;

        /// Every type pseudonymised, so that every finding can be restored.
        fn pseudonym_policy() -> Policy {
            let mut policy = Policy::default();
            for kind in PiiType::ALL {
                policy.types.insert(kind, Operator::Pseudonym);
            }
            policy
        }

        fn table_of(rows: &[(String, String, String, f64)]) -> Table {
            let mut cells = vec![vec![
                text("Customer Name"),
                text("Email"),
                text("Notes"),
                text("Amount"),
            ]];
            for (name, email, note, amount) in rows {
                cells.push(vec![
                    text(name),
                    text(email),
                    text(note),
                    Cell::Number(*amount),
                ]);
            }
            Table::from_rows(cells, Some(true))
        }

        fn person() -> impl Strategy<Value = String> {
            let first = prop::sample::select(vec![
                "Maria", "John", "Ada", "Grace", "Alan", "Emmy", "Chen", "Fatima", "Olga", "Pedro",
            ]);
            let last = prop::sample::select(vec![
                "Garcia", "Smith", "Lovelace", "Hopper", "Turing", "Noether", "Wei", "Khan",
            ]);
            (first, last).prop_map(|(f, l)| format!("{f} {l}"))
        }

        fn email() -> impl Strategy<Value = String> {
            (
                "[a-z]{1,8}(\\.[a-z]{1,6})?",
                "[a-z]{2,10}",
                "(com|org|net|co\\.uk)",
            )
                .prop_map(|(user, host, tld)| format!("{user}@{host}.{tld}"))
        }

        /// Rows of (name, email, note mentioning the email, amount).
        fn rows() -> impl Strategy<Value = Vec<(String, String, String, f64)>> {
            prop::collection::vec(
                (person(), email(), "[a-z ]{0,12}", -1.0e6f64..1.0e6).prop_map(
                    |(name, email, words, amount)| {
                        let note = format!("{words} write to {email} {words}");
                        (name, email, note, amount)
                    },
                ),
                1..30,
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn mask_then_unmask_restores_every_value(rows in rows()) {
                let table = table_of(&rows);
                let policy = pseudonym_policy();
                let mut vault = Vault::new(KEY).unwrap();
                let masked = mask_table(&table, &scan_table(&table), &policy, &mut vault);
                prop_assert_eq!(masked.table.row_count(), table.row_count());
                for (original, masked) in table.columns().iter().zip(masked.table.columns()) {
                    for (before, after) in original.cells.iter().zip(&masked.cells) {
                        prop_assert_eq!(vault.unmask(&cell_text(after)), cell_text(before));
                    }
                }
                // The emails were found and masked (not merely left alone).
                let emails = &masked.table.columns()[1].cells;
                for (cell, (_, email, _, _)) in emails.iter().zip(&rows) {
                    prop_assert!(!cell_text(cell).contains(email.as_str()));
                }
            }

            #[test]
            fn the_same_value_always_gets_the_same_token(rows in rows()) {
                let table = table_of(&rows);
                let policy = pseudonym_policy();
                let mut vault = Vault::new(KEY).unwrap();
                let masked = mask_table(&table, &scan_table(&table), &policy, &mut vault);
                let email_cells = &masked.table.columns()[1].cells;
                for (i, (_, a, _, _)) in rows.iter().enumerate() {
                    for (j, (_, b, _, _)) in rows.iter().enumerate() {
                        if a == b {
                            prop_assert_eq!(&email_cells[i], &email_cells[j]);
                        }
                    }
                }
                // Same key, rows reversed, a fresh vault: the same tokens.
                let reversed: Vec<_> = rows.iter().rev().cloned().collect();
                let table_reversed = table_of(&reversed);
                let mut other = Vault::new(KEY).unwrap();
                let masked_reversed = mask_table(
                    &table_reversed,
                    &scan_table(&table_reversed),
                    &policy,
                    &mut other,
                );
                let n = rows.len();
                for (c, column) in masked.table.columns().iter().enumerate() {
                    for (r, cell) in column.cells.iter().enumerate() {
                        prop_assert_eq!(cell, &masked_reversed.table.columns()[c].cells[n - 1 - r]);
                    }
                }
                // Masking again with the filled vault gives the same cells.
                let again = mask_table(&table, &scan_table(&table), &policy, &mut vault);
                prop_assert_eq!(again.table, masked.table);
            }
        }
    }
}
