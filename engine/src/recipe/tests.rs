use super::*;
use crate::table::{Column, text_table};

fn messy() -> Table {
    text_table(&[
        &["Customer", "Amount", "Date", "Rate", "Paid", "Email"],
        &[
            "Acme GmbH",
            "1.234,56",
            "15/01/2024",
            "5%",
            "yes",
            " Ada@Example.com ",
        ],
        &[
            "Acme GmbH",
            "99,50",
            "03/02/2024",
            "7 %",
            "N",
            "bob@example.com",
        ],
        &[
            "acme gmbh",
            "N/A",
            "04/02/2024",
            "12.5%",
            "TRUE",
            "carl@example.com",
        ],
        &["Globex Ltd", "12,00", "", "-", "no", "dana@example.com"],
        &[
            "Globex Ltd",
            "(1.000,00)",
            "20.02.2024",
            "3%",
            "1",
            "eve@example.com",
        ],
        &[
            "Globex  Ltd",
            "7",
            "21/02/2024",
            "4%",
            "0",
            "fay@example.com",
        ],
    ])
}

#[test]
fn auto_standardizes_every_column_to_its_convention() {
    let table = messy();
    let recipe = suggest_recipe(&table);
    let applied = apply(&table, &recipe).unwrap();
    let t = &applied.table;
    assert_eq!(t.row_count(), table.row_count(), "auto never removes rows");
    let col = |name: &str| &t.columns()[t.column_index(name).unwrap()].cells;
    assert_eq!(col("Amount")[0], Cell::Number(1234.56));
    assert_eq!(col("Amount")[2], Cell::Empty);
    assert_eq!(col("Amount")[4], Cell::Number(-1000.0));
    assert_eq!(col("Rate")[0], Cell::Number(0.05));
    assert_eq!(col("Rate")[2], Cell::Number(0.125));
    assert_eq!(col("Paid")[0], Cell::Bool(true));
    assert_eq!(col("Paid")[4], Cell::Bool(true));
    assert_eq!(col("Email")[0], Cell::Text("ada@example.com".into()));
    assert_eq!(col("Customer")[2], Cell::Text("Acme GmbH".into()));
    assert_eq!(col("Customer")[5], Cell::Text("Globex Ltd".into()));
    // A day above 12 settles day-first for the whole column.
    let serial = |y, m, d| {
        Cell::DateTime(crate::parse::date::date_to_serial(
            chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        ))
    };
    assert_eq!(col("Date")[1], serial(2024, 2, 3));
    assert_eq!(col("Date")[4], serial(2024, 2, 20));

    let report = report(&applied, &recipe, &table);
    let changes = report["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["column"] == "Amount" && c["before"] == "1.234,56" && c["after"] == 1234.56)
    );
    assert_eq!(undo_all(&applied), table);

    let mut csv = Vec::new();
    crate::write::write_csv(t, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("Customer,Amount,Date,Rate,Paid,Email\nAcme GmbH,1234.56,2024-01-15,0.05,true,ada@example.com\n"), "{csv}");
}

#[test]
fn streamed_report_is_the_report() {
    let table = messy();
    let recipe = suggest_recipe(&table);
    let applied = apply(&table, &recipe).unwrap();
    assert!(applied.log.iter().any(|l| !l.changes.is_empty()));
    let expected = serde_json::to_string_pretty(&report(&applied, &recipe, &table)).unwrap();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
    let mut streamed = Vec::new();
    write_report(&applied, &recipe, &names, table.row_count(), &mut streamed).unwrap();
    assert_eq!(String::from_utf8(streamed).unwrap(), expected);
    // Applying a table given away gives the same result as a borrowed one.
    assert_eq!(apply_owned(table.clone(), &recipe).unwrap(), applied);
}

#[test]
fn recipes_round_trip_through_json_and_refuse_unknown_things() {
    let recipe = suggest_recipe(&messy());
    let json = serde_json::to_string(&recipe).unwrap();
    assert_eq!(Recipe::from_json(&json).unwrap(), recipe);
    assert!(Recipe::from_json(r#"{"steps":[{"op":"explode"}]}"#).is_err());
    assert!(
        Recipe::from_json(
            r#"{"steps":[{"op":"standardize","column":"A","as":"decimal","bogus":1}]}"#
        )
        .is_err()
    );
    let bad =
        Recipe::from_json(r#"{"steps":[{"op":"fill_missing","column":"Nope","strategy":"mean"}]}"#)
            .unwrap();
    let error = apply(&messy(), &bad).unwrap_err();
    assert!(
        error.to_string().contains("no column named \"Nope\""),
        "{error}"
    );
}

#[test]
fn fill_missing_strategies() {
    let table = Table::from_columns(vec![
        Column::new(
            "x",
            vec![
                Cell::Number(1.0),
                Cell::Number(2.0),
                Cell::Number(4.0),
                Cell::Number(8.0),
            ],
        ),
        Column::new(
            "y",
            vec![
                Cell::Number(10.0),
                Cell::Empty,
                Cell::Text("n/a".into()),
                Cell::Number(80.0),
            ],
        ),
    ])
    .unwrap();
    let run = |strategy: &str, extra: &str| {
        let recipe = Recipe::from_json(&format!(
            r#"{{"steps":[{{"op":"fill_missing","column":"y","strategy":"{strategy}"{extra}}}]}}"#
        ))
        .unwrap();
        let applied = apply(&table, &recipe).unwrap();
        assert_eq!(undo_all(&applied), table);
        applied.table.columns()[1].cells.clone()
    };
    assert_eq!(run("mean", "")[1], Cell::Number(45.0));
    assert_eq!(run("median", "")[2], Cell::Number(45.0));
    assert_eq!(run("forward", "")[2], Cell::Number(10.0));
    assert_eq!(run("backward", "")[1], Cell::Number(80.0));
    assert_eq!(run("value", r#","value":0"#)[1], Cell::Number(0.0));
    let along_x = run("interpolate", r#","orderBy":"x""#);
    assert_eq!(
        (along_x[1].clone(), along_x[2].clone()),
        (Cell::Number(20.0), Cell::Number(40.0))
    );
    let along_rows = run("interpolate", "");
    assert!(matches!(along_rows[1], Cell::Number(v) if (v - 100.0 / 3.0).abs() < 1e-9));
    assert_eq!(run("leave", "")[1], Cell::Empty);
}

#[test]
fn duplicate_actions() {
    let table = text_table(&[
        &["a", "b"],
        &["x", "1"],
        &["y", "2"],
        &["x", "1.0"],
        &["x", "1"],
    ]);
    let run = |action: &str| {
        let recipe = Recipe::from_json(&format!(
            r#"{{"steps":[{{"op":"duplicates","threshold":1,"action":"{action}"}}]}}"#
        ))
        .unwrap();
        let applied = apply(&table, &recipe).unwrap();
        assert_eq!(undo_all(&applied), table);
        (applied.table.row_count(), applied.log[0].findings.len())
    };
    assert_eq!(run("flag"), (4, 2));
    assert_eq!(run("keep_first"), (2, 2));
    assert_eq!(run("keep_last"), (2, 2));
    assert_eq!(run("remove"), (1, 2));
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn messy_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("N/A".to_owned()),
            Just("-".to_owned()),
            (-100_000i64..100_000).prop_map(|n| format!("{},{:02}", n / 100, (n % 100).abs())),
            (-100_000i64..100_000).prop_map(|n| format!("{}.{:02}", n / 100, (n % 100).abs())),
            (1u32..28, 1u32..13).prop_map(|(d, m)| format!("{d:02}/{m:02}/2024")),
            (0u32..100).prop_map(|p| format!("{p} %")),
            prop::sample::select(vec![
                "yes",
                "no",
                "Acme GmbH",
                "acme gmbh",
                " Globex ",
                "Globx"
            ])
            .prop_map(str::to_owned),
            "[a-zA-Z ]{0,8}",
        ]
    }

    fn table() -> impl Strategy<Value = Table> {
        (1usize..4, 0usize..12).prop_flat_map(|(width, height)| {
            prop::collection::vec(prop::collection::vec(messy_value(), width), height).prop_map(
                move |rows| {
                    let mut all = vec![
                        (0..width)
                            .map(|i| Cell::Text(format!("c{i}").into()))
                            .collect(),
                    ];
                    all.extend(rows.into_iter().map(|row| {
                        row.into_iter()
                            .map(|v| {
                                if v.is_empty() {
                                    Cell::Empty
                                } else {
                                    Cell::Text(v.into())
                                }
                            })
                            .collect()
                    }));
                    Table::from_rows(all, Some(true))
                },
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn apply_then_undo_gives_back_the_original(table in table()) {
            let mut recipe = suggest_recipe(&table);
            if let Some(name) = table.columns().first().map(|c| c.name.clone()) {
                recipe.steps.push(Step::FillMissing {
                    column: name,
                    strategy: FillStrategy::Forward,
                    value: None,
                    order_by: None,
                });
                recipe.steps.push(Step::Duplicates { keys: None, threshold: 0.8, action: DuplicateAction::KeepLast });
            }
            let applied = apply(&table, &recipe).unwrap();
            prop_assert_eq!(undo_all(&applied), table);
        }

        #[test]
        fn a_job_step_by_step_gives_what_apply_gives(table in table(), back in 0usize..4) {
            let mut recipe = suggest_recipe(&table);
            if let Some(name) = table.columns().first().map(|c| c.name.clone()) {
                recipe.steps.push(Step::Duplicates { keys: None, threshold: 0.8, action: DuplicateAction::KeepFirst });
                recipe.steps.push(Step::FillMissing {
                    column: name,
                    strategy: FillStrategy::Backward,
                    value: None,
                    order_by: None,
                });
            }
            let expected = apply(&table, &recipe).unwrap();

            let mut job = Job::new(table.clone(), recipe.clone()).unwrap();
            let total = recipe.steps.len();
            while !job.is_done() {
                let progress = job.advance().unwrap();
                prop_assert_eq!(progress.steps_total, total);
                prop_assert_eq!(progress.step, Some(step_label(&recipe.steps[progress.steps_done - 1])));
            }
            // Taking steps back and running them again changes nothing.
            for _ in 0..back.min(total) {
                prop_assert!(job.undo_last_step());
            }
            prop_assert_eq!(job.progress().steps_done, total - back.min(total));
            let finished = job.finish().unwrap();
            prop_assert_eq!(&finished, &expected);
            prop_assert_eq!(undo_all(&finished), table.clone());

            // Cancelled half way, the table is what it was.
            let mut job = Job::new(table.clone(), recipe.clone()).unwrap();
            for _ in 0..total / 2 {
                job.advance().unwrap();
            }
            prop_assert_eq!(job.cancel(), table);
        }

        #[test]
        fn recipes_are_deterministic(table in table()) {
            let recipe = suggest_recipe(&table);
            prop_assert_eq!(&suggest_recipe(&table.clone()), &recipe);
            let first = apply(&table, &recipe).unwrap();
            let second = apply(&table, &recipe).unwrap();
            prop_assert_eq!(report(&first, &recipe, &table), report(&second, &recipe, &table));
            prop_assert_eq!(first.table, second.table);
        }
    }
}

#[test]
fn shared_analyses_give_the_same_result_as_fresh_ones() {
    let table = messy();
    let fresh = apply(&table, &suggest_recipe(&table)).unwrap();
    let mut analyses = Analyses::new();
    let recipe = suggest_recipe_with(&table, &mut analyses);
    let shared = apply_owned_with(table.clone(), &recipe, analyses).unwrap();
    assert_eq!(shared, fresh);
    assert_eq!(undo_all(&shared), table);
}

#[test]
fn a_changed_column_is_analysed_again() {
    // `replace_values` turns the text column into numbers: the duplicates
    // step after it must read the numbers, not the analysis made before.
    let table = text_table(&[
        &["Code", "Amount"],
        &["a", "one"],
        &["b", "1"],
        &["c", "two"],
    ]);
    let mut analyses = Analyses::new();
    let before = analyses.get(&table, 1).kind;
    let recipe = Recipe::from_json(
        r#"{"steps": [
            {"op": "replace_values", "column": "Amount", "map": {"one": "1", "two": "1"}},
            {"op": "standardize", "column": "Amount"},
            {"op": "duplicates", "keys": ["Amount"], "threshold": 1.0}
        ]}"#,
    )
    .unwrap();
    let shared = apply_owned_with(table.clone(), &recipe, analyses).unwrap();
    let fresh = apply(&table, &recipe).unwrap();
    assert_eq!(shared, fresh);
    assert_ne!(before, crate::profile::ColumnType::Integer);
    assert_eq!(
        shared.table.columns()[1].cells,
        vec![Cell::Number(1.0); 3],
        "standardized with the analysis of the replaced values"
    );
    assert_eq!(shared.log[2].findings.len(), 2);
}

#[test]
fn streamed_report_without_changes_or_with_removed_rows_is_the_report() {
    let table = messy();
    let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
    for json in [
        r#"{"steps": []}"#,
        r#"{"steps": [{"op": "duplicates", "keys": ["Customer"], "action": "keep_first"}]}"#,
    ] {
        let recipe = Recipe::from_json(json).unwrap();
        let applied = apply(&table, &recipe).unwrap();
        let mut streamed = Vec::new();
        write_report(&applied, &recipe, &names, table.row_count(), &mut streamed).unwrap();
        let built = serde_json::to_string_pretty(&report(&applied, &recipe, &table)).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), built, "{json}");
    }
}

#[test]
fn a_job_refuses_a_recipe_naming_a_missing_column_before_any_step() {
    let table = messy();
    let mut recipe = suggest_recipe(&table);
    recipe.steps.push(Step::MergeVariants {
        column: "Nope".into(),
        threshold: 0.8,
    });
    let error = Job::new(table.clone(), recipe.clone()).unwrap_err();
    assert!(
        error.to_string().contains(&format!(
            "recipe step {}: the table has no column named \"Nope\"",
            recipe.steps.len()
        )),
        "{error}"
    );
    let last = recipe.steps.len() - 1;
    recipe.steps[last] = Step::Duplicates {
        keys: None,
        threshold: 1.5,
        action: DuplicateAction::Flag,
    };
    assert!(Job::new(table, recipe).is_err());
}

#[test]
fn a_job_reports_progress_and_an_empty_recipe_is_done_at_once() {
    let table = messy();
    let recipe = suggest_recipe(&table);
    let mut job = Job::new(table.clone(), recipe.clone()).unwrap();
    assert_eq!(
        job.progress(),
        Progress {
            done: false,
            steps_done: 0,
            steps_total: recipe.steps.len(),
            step: None
        }
    );
    let first = job.advance().unwrap();
    assert_eq!(first.step.as_deref(), Some("standardize Customer"));
    assert_eq!(first.steps_done, 1);
    let empty = Job::new(
        table.clone(),
        Recipe {
            version: 1,
            steps: vec![],
        },
    )
    .unwrap();
    assert!(empty.is_done());
    assert_eq!(empty.finish().unwrap().table, table);
}

#[test]
fn the_change_log_gives_back_every_change_as_pushed() {
    // Rows past 2^16 (and back), more reasons than one byte counts, texts
    // whose length takes two bytes, other cells, and shared befores.
    let long = "x".repeat(300);
    let mut log = ChangeLog::default();
    let mut expected = Vec::new();
    for i in 0..700usize {
        let row = match i % 7 {
            0 => 70_000 + i,
            1 => 65_535,
            2 => 65_536,
            _ => i,
        };
        let column = i % 3;
        let before = match i % 5 {
            0 => Cell::Number(i as f64),
            1 => Cell::Text(long.as_str().into()),
            2 => Cell::Empty,
            _ => Cell::Text(format!("text {i}").into()),
        };
        let reason = format!("reason {}", i % 400);
        let confidence = (i % 400) as f64 / 400.0;
        log.push(
            row,
            column,
            before.clone(),
            Cell::Empty,
            Cow::Owned(reason.clone()),
            confidence,
        );
        expected.push((row, column, before, reason, confidence));
    }
    let index = log.len();
    log.push_pending(123_456, 2, 0);
    log.share_before(index, 1);
    expected.push((
        123_456,
        2,
        Cell::Text(long.as_str().into()),
        "reason 0".to_owned(),
        0.0,
    ));
    log.shrink_to_fit();
    assert_eq!(log.len(), expected.len());
    for (change, (row, column, before, reason, confidence)) in log.iter().zip(&expected) {
        assert_eq!(change.row, *row);
        assert_eq!(change.column, *column);
        assert_eq!(change.before, *before);
        assert_eq!(change.reason, reason);
        assert_eq!(change.confidence, *confidence);
    }
    let rows: Vec<usize> = log.rows().map(|r| r as usize).collect();
    let pushed: Vec<usize> = expected.iter().map(|e| e.0).collect();
    assert_eq!(rows, pushed);
}
