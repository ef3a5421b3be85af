//! Cleaning through the wasm API in Node.js, as the Web Worker drives it:
//! suggest a recipe, apply it step by step (or cancel), write the values
//! back, undo.
#![cfg(target_arch = "wasm32")]

mod support;

use engine_wasm::clean::Cleaner;
use js_sys::{Array, JSON};
use support::{error_message, get, get_f64, get_str, json, length, object};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// A messy selection: European amounts with a placeholder and an
/// accounting negative, day-first dates, percentages with and without a
/// space, yes/no flags, a name with a stray case and a double space.
const MESSY: &str = r##"{"values": [
  ["Customer", "Amount", "Date", "Rate", "Paid"],
  ["Acme GmbH", "1.234,56", "15/01/2024", "5%", "yes"],
  ["Acme GmbH", "99,50", "03/02/2024", "7 %", "N"],
  ["acme gmbh", "N/A", "04/02/2024", "12.5%", "TRUE"],
  ["Globex Ltd", "12,00", "", "4%", "no"],
  ["Globex Ltd", "(1.000,00)", "20.02.2024", "3%", "1"],
  ["Globex  Ltd", 7, "21/02/2024", "4%", "0"]
], "numberFormat": [
  ["General", "General", "General", "General", "General"],
  ["General", "General", "General", "General", "General"],
  ["General", "General", "General", "General", "General"],
  ["General", "General", "General", "General", "General"],
  ["General", "General", "General", "General", "General"],
  ["General", "General", "General", "General", "General"],
  ["General", "#,##0", "General", "General", "General"]
]}"##;

fn cleaner() -> Cleaner {
    Cleaner::new(json(MESSY), None).expect("a valid range")
}

fn fresh_recipe() -> JsValue {
    cleaner().suggest().unwrap()
}

/// Every change of the last run, a page of 2 at a time (pages must join up).
fn whole_diff(cleaner: &Cleaner, result: &JsValue) -> Vec<JsValue> {
    let len = get_f64(result, "diff.length") as usize;
    let mut changes = Vec::new();
    for start in (0..len).step_by(2) {
        changes.extend(Array::from(&cleaner.diff_page(start, 2).unwrap()).iter());
    }
    assert_eq!(changes.len(), len);
    changes
}

fn text(value: &JsValue) -> String {
    String::from(JSON::stringify(value).expect("plain data"))
}

#[wasm_bindgen_test]
fn suggests_a_recipe_for_a_messy_range_and_cleans_it() {
    let cleaner = cleaner();
    let profile = cleaner.profile().unwrap();
    assert_eq!(get_f64(&profile, "rowCount"), 6.0);
    let recipe = cleaner.suggest().unwrap();
    // Made from the analyses profile() kept: the same as from fresh ones.
    assert_eq!(text(&fresh_recipe()), text(&recipe));
    let steps = Array::from(&get(&recipe, "steps"));
    let ops: Vec<String> = steps.iter().map(|s| get_str(&s, "op")).collect();
    assert_eq!(ops.iter().filter(|op| *op == "standardize").count(), 5);
    assert!(ops.contains(&"merge_variants".to_owned()), "{ops:?}");
    assert_eq!(ops.last().map(String::as_str), Some("duplicates"));
    let amount = steps.iter().find(|s| get(s, "column") == "Amount").unwrap();
    assert_eq!(get_str(&amount, "as"), "decimal");
    assert_eq!(get_str(&amount, "numberLocale"), "1.234,56");

    let mut job = cleaner.start(recipe).unwrap();
    let result = job.finish().unwrap();
    assert_eq!(get(&result, "hasHeader"), true);
    // The cleaned table is not in the result: values() gives it when asked.
    assert!(get(&result, "values").is_undefined());
    assert!(get(&result, "numberFormats").is_undefined());
    let sheet = cleaner.values().unwrap();
    // Header first, then the data rows as Office.js takes them.
    assert_eq!(get(&sheet, "hasHeader"), true);
    assert_eq!(get_str(&sheet, "values.0.1"), "Amount");
    assert_eq!(get_f64(&sheet, "values.1.1"), 1234.56);
    assert_eq!(get_str(&sheet, "values.3.1"), "");
    assert_eq!(get_f64(&sheet, "values.5.1"), -1000.0);
    assert_eq!(get_str(&sheet, "values.3.0"), "Acme GmbH");
    assert_eq!(get_str(&sheet, "values.6.0"), "Globex Ltd");
    assert_eq!(get(&sheet, "values.1.4"), true);
    // Percentages as fractions with a % format, dates as serials with a
    // date format (2024-02-03: day first, settled by the 15th).
    assert_eq!(get_f64(&sheet, "values.1.3"), 0.05);
    assert_eq!(get_str(&sheet, "numberFormats.1.3"), "0.00%");
    assert_eq!(get_f64(&sheet, "values.2.2"), 45325.0);
    assert_eq!(get_str(&sheet, "numberFormats.2.2"), "yyyy-mm-dd");
    assert!(
        get(&sheet, "numberFormats.0.2").is_null(),
        "header untouched"
    );
    assert_eq!(get_str(&sheet, "numberFormats.6.1"), "#,##0.00");
    // A text column gets no format: the selection's own stays.
    assert!(get(&sheet, "numberFormats.1.0").is_null());

    let change = whole_diff(&cleaner, &result)
        .into_iter()
        .find(|c| get(c, "column") == 1 && get(c, "row") == 0)
        .expect("the first amount changed");
    assert_eq!(get_str(&change, "before"), "1.234,56");
    assert_eq!(get_f64(&change, "after"), 1234.56);
    assert_eq!(get_str(&result, "summary.columns.1"), "Amount");
    let step = get_f64(&change, "step");
    assert_eq!(
        get_str(&result, &format!("summary.steps.{step}.op")),
        "standardize"
    );
    assert_eq!(
        get_str(&change, "reason"),
        get_str(&change, "reason").trim()
    );
    assert!(!get_str(&change, "reason").is_empty());
    assert!(get_f64(&change, "confidence") > 0.0);
    assert_eq!(get_f64(&result, "summary.rowsAfter"), 6.0);
    assert_eq!(
        get_f64(&result, "summary.changedCells"),
        get_f64(&result, "diff.length")
    );
    assert_eq!(
        get_str(&result, "summary.steps.0.label"),
        "standardize Customer"
    );
    assert_eq!(cleaner.undo_depth(), 1);
}

#[wasm_bindgen_test]
fn step_by_step_gives_what_one_call_gives() {
    let one_shot = cleaner();
    let recipe = one_shot.suggest().unwrap();
    let total = length(&recipe, "steps");
    let expected = one_shot.start(recipe.clone()).unwrap().finish().unwrap();

    let stepped = cleaner();
    let mut job = stepped.start(recipe).unwrap();
    assert_eq!(get_f64(&job.progress().unwrap(), "stepsDone"), 0.0);
    let mut calls = 0;
    loop {
        let progress = job.step().unwrap();
        calls += 1;
        assert_eq!(get_f64(&progress, "stepsDone"), f64::from(calls));
        assert_eq!(get_f64(&progress, "stepsTotal"), f64::from(total));
        assert!(!get_str(&progress, "step").is_empty());
        if get(&progress, "done") == true {
            break;
        }
        // The cleaner is busy while the job holds its table.
        assert!(error_message(stepped.profile().unwrap_err()).contains("cleaning job"));
    }
    assert_eq!(calls, total);
    assert_eq!(text(&job.finish().unwrap()), text(&expected));
    assert_eq!(
        text(&stepped.values().unwrap()),
        text(&one_shot.values().unwrap())
    );
    assert_eq!(stepped.to_csv().unwrap(), one_shot.to_csv().unwrap());
    assert!(error_message(job.step().unwrap_err()).contains("ended"));
}

#[wasm_bindgen_test]
fn cancel_leaves_the_table_as_it_was() {
    let cleaner = cleaner();
    let before = text(&cleaner.values().unwrap());
    let csv_before = cleaner.to_csv().unwrap();
    let mut job = cleaner.start(cleaner.suggest().unwrap()).unwrap();
    job.step().unwrap();
    job.step().unwrap();
    job.cancel();
    assert_eq!(text(&cleaner.values().unwrap()), before);
    assert_eq!(cleaner.to_csv().unwrap(), csv_before);
    assert_eq!(cleaner.undo_depth(), 0);
    assert!(error_message(job.finish().unwrap_err()).contains("ended"));

    // A job freed unfinished cancels too.
    let mut job = cleaner.start(cleaner.suggest().unwrap()).unwrap();
    job.step().unwrap();
    drop(job);
    assert_eq!(text(&cleaner.values().unwrap()), before);
}

#[wasm_bindgen_test]
fn undo_restores_exactly() {
    let cleaner = cleaner();
    let original = cleaner.values().unwrap();
    let recipe = cleaner.suggest().unwrap();
    cleaner.start(recipe.clone()).unwrap().finish().unwrap();
    let cleaned = cleaner.values().unwrap();

    // The last step alone (duplicates: flags only, changes no cell), then
    // the rest of the application.
    assert!(cleaner.undo_step().unwrap());
    let after_step = cleaner.values().unwrap();
    assert_eq!(
        text(&get(&after_step, "values")),
        text(&get(&cleaned, "values"))
    );
    assert!(cleaner.undo().unwrap());
    let restored = cleaner.values().unwrap();
    assert_eq!(
        text(&get(&restored, "values")),
        text(&get(&original, "values"))
    );
    // Cleaning set formats on Date and Rate; undo puts back the
    // selection's own, cell by cell (`#,##0` on the last amount).
    assert_eq!(get_str(&restored, "numberFormats.2.3"), "General");
    assert_eq!(get_str(&restored, "numberFormats.2.2"), "General");
    assert_eq!(get_str(&restored, "numberFormats.6.1"), "#,##0");
    assert!(get(&restored, "numberFormats.2.0").is_null());
    // Asked again, the same.
    assert_eq!(text(&cleaner.values().unwrap()), text(&restored));
    assert_eq!(cleaner.undo_depth(), 0);
    assert!(!cleaner.undo().unwrap());
    assert_eq!(text(&cleaner.values().unwrap()), text(&restored));

    // Two applications, undone last first. Once a run finishes, the
    // formats undo had put back are the table's own again (`null`).
    cleaner.start(recipe).unwrap().finish().unwrap();
    assert_eq!(text(&cleaner.values().unwrap()), text(&cleaned));
    let merge = json(
        r#"{"steps": [{"op": "replace_values", "column": "Customer", "map": {"Acme GmbH": "ACME"}}]}"#,
    );
    cleaner.start(merge).unwrap().finish().unwrap();
    assert_eq!(cleaner.undo_depth(), 2);
    assert!(cleaner.undo().unwrap());
    assert_eq!(text(&cleaner.values().unwrap()), text(&cleaned));

    // Undoing one step of a two-step application keeps the first.
    let fresh = Cleaner::new(json(MESSY), None).unwrap();
    let two_steps = json(
        r#"{"steps": [{"op": "standardize", "column": "Amount", "as": "decimal", "numberLocale": "1.234,56"},
                      {"op": "replace_values", "column": "Customer", "map": {"Acme GmbH": "ACME"}}]}"#,
    );
    fresh.start(two_steps).unwrap().finish().unwrap();
    assert_eq!(get_str(&fresh.values().unwrap(), "values.1.0"), "ACME");
    assert!(fresh.undo_step().unwrap());
    let one_back = fresh.values().unwrap();
    assert_eq!(get_str(&one_back, "values.1.0"), "Acme GmbH");
    assert_eq!(get_f64(&one_back, "values.1.1"), 1234.56);
    assert_eq!(fresh.undo_depth(), 1);
    assert!(fresh.undo_step().unwrap());
    let all_back = fresh.values().unwrap();
    assert_eq!(get_str(&all_back, "values.1.1"), "1.234,56");
    assert_eq!(fresh.undo_depth(), 0);
}

#[wasm_bindgen_test]
fn values_after_undoing_step_by_step_restore_every_column_taken_back() {
    // Two steps that each set a format: undone one at a time, the values
    // asked for only at the end must put back the selection's formats of
    // both columns, not only of the last step undone.
    let cleaner = cleaner();
    let two_formats = json(
        r#"{"steps": [{"op": "standardize", "column": "Date", "as": "date", "dateOrder": "dmy"},
                      {"op": "standardize", "column": "Amount", "as": "decimal", "numberLocale": "1.234,56"}]}"#,
    );
    cleaner.start(two_formats).unwrap().finish().unwrap();
    let cleaned = cleaner.values().unwrap();
    assert_eq!(get_str(&cleaned, "numberFormats.2.2"), "yyyy-mm-dd");
    assert_eq!(get_str(&cleaned, "numberFormats.6.1"), "#,##0.00");
    assert!(cleaner.undo_step().unwrap());
    // The Amount step alone taken back: its column has the selection's formats again.
    let one_back = cleaner.values().unwrap();
    assert_eq!(get_str(&one_back, "numberFormats.6.1"), "#,##0");
    assert_eq!(get_str(&one_back, "numberFormats.2.2"), "yyyy-mm-dd");
    assert!(cleaner.undo_step().unwrap());
    let all_back = cleaner.values().unwrap();
    assert_eq!(get_str(&all_back, "numberFormats.6.1"), "#,##0");
    assert_eq!(get_str(&all_back, "numberFormats.2.1"), "General");
    assert_eq!(get_str(&all_back, "numberFormats.2.2"), "General");
    assert!(get(&all_back, "numberFormats.2.0").is_null());
    // A job started and cancelled changes nothing of that.
    let mut job = cleaner.start(cleaner.suggest().unwrap()).unwrap();
    job.step().unwrap();
    job.cancel();
    assert_eq!(text(&cleaner.values().unwrap()), text(&all_back));
}

#[wasm_bindgen_test]
fn an_invalid_recipe_is_a_javascript_error_and_changes_nothing() {
    let cleaner = cleaner();
    let before = text(&cleaner.values().unwrap());
    let unknown_op = cleaner
        .start(json(r#"{"steps": [{"op": "explode"}]}"#))
        .err()
        .expect("an unknown operation is refused");
    assert!(error_message(unknown_op).starts_with("invalid recipe:"));
    let missing_column = cleaner
        .start(json(
            r#"{"steps": [{"op": "standardize", "column": "Amount", "as": "decimal"},
                          {"op": "merge_variants", "column": "Nope"}]}"#,
        ))
        .err()
        .expect("a missing column is refused");
    assert_eq!(
        error_message(missing_column),
        "invalid input: recipe step 2: the table has no column named \"Nope\""
    );
    // A step that fails on the data cancels the job.
    let mut job = cleaner
        .start(json(
            r#"{"steps": [{"op": "standardize", "column": "Amount", "as": "decimal"},
                          {"op": "fill_missing", "column": "Date", "strategy": "value"}]}"#,
        ))
        .unwrap();
    job.step().unwrap();
    assert!(error_message(job.step().unwrap_err()).contains("needs a value"));
    assert_eq!(text(&cleaner.values().unwrap()), before);
    assert!(
        Cleaner::new(json(MESSY), Some(object(r#"{"maxCels": 5}"#)))
            .err()
            .map(error_message)
            .unwrap()
            .starts_with("invalid cleaner options:")
    );
}

#[wasm_bindgen_test]
fn text_beyond_the_basic_plane_round_trips() {
    let range = json(
        r#"{"values": [["Note", "Amount"], ["😀 Café  ", "1"], ["Naïve 👍🏽", "2"], ["😀 Café", "3"]]}"#,
    );
    let cleaner = Cleaner::new(range, None).unwrap();
    let result = cleaner
        .start(cleaner.suggest().unwrap())
        .unwrap()
        .finish()
        .unwrap();
    let sheet = cleaner.values().unwrap();
    assert_eq!(get_str(&sheet, "values.1.0"), "😀 Café");
    assert_eq!(get_str(&sheet, "values.2.0"), "Naïve 👍🏽");
    let trimmed = whole_diff(&cleaner, &result)
        .into_iter()
        .find(|c| get(c, "row") == 0 && get(c, "column") == 0)
        .expect("the padded note was trimmed");
    assert_eq!(get_str(&trimmed, "before"), "😀 Café  ");
    let csv = String::from_utf8(cleaner.to_csv().unwrap()).unwrap();
    assert_eq!(csv, "Note,Amount\n😀 Café,1\nNaïve 👍🏽,2\n😀 Café,3\n");
    cleaner.undo().unwrap();
    assert_eq!(
        get_str(&cleaner.values().unwrap(), "values.1.0"),
        "😀 Café  "
    );
}

#[wasm_bindgen_test]
fn cleans_a_file_and_downloads_csv() {
    let csv = "Amount,Paid\n\"1,5\",yes\n\"2,25\",no\n7,Y\n";
    let cleaner = Cleaner::from_file(csv.as_bytes(), "amounts.csv", None).unwrap();
    let result = cleaner
        .start(cleaner.suggest().unwrap())
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(get(&result, "hasHeader"), true);
    assert_eq!(get_f64(&cleaner.values().unwrap(), "values.1.0"), 1.5);
    assert_eq!(
        String::from_utf8(cleaner.to_csv().unwrap()).unwrap(),
        "Amount,Paid\n1.5,true\n2.25,false\n7,true\n"
    );
    let error = Cleaner::from_file(b"PK\x03\x04garbage", "broken.xlsx", None)
        .err()
        .expect("corrupt bytes are refused");
    assert!(error_message(error).starts_with("the spreadsheet could not be read"));
}

#[wasm_bindgen_test]
fn the_diff_index_and_its_pages_agree_and_undo_ends_them() {
    let cleaner = cleaner();
    let result = cleaner
        .start(cleaner.suggest().unwrap())
        .unwrap()
        .finish()
        .unwrap();
    let len = get_f64(&result, "diff.length") as usize;
    assert!(len > 10, "the messy range has many changes: {len}");
    let rows = js_sys::Uint32Array::from(get(&result, "diff.rows")).to_vec();
    let columns = js_sys::Uint32Array::from(get(&result, "diff.columns")).to_vec();
    let steps = js_sys::Uint32Array::from(get(&result, "diff.steps")).to_vec();
    assert_eq!((rows.len(), columns.len(), steps.len()), (len, len, len));
    // Step by step, in order, each step's count as the summary says.
    assert!(steps.windows(2).all(|pair| pair[0] <= pair[1]));
    for (step, summary) in Array::from(&get(&result, "summary.steps"))
        .iter()
        .enumerate()
    {
        let in_index = steps.iter().filter(|&&s| s as usize == step).count();
        assert_eq!(in_index as f64, get_f64(&summary, "changedCells"));
    }
    let changes = whole_diff(&cleaner, &result);
    for (i, change) in changes.iter().enumerate() {
        assert_eq!(get_f64(change, "row"), f64::from(rows[i]));
        assert_eq!(get_f64(change, "column"), f64::from(columns[i]));
        assert_eq!(get_f64(change, "step"), f64::from(steps[i]));
    }
    // One call for a page past the end gives what is left; beyond, nothing.
    assert_eq!(
        Array::from(&cleaner.diff_page(len - 1, 50).unwrap()).length(),
        1
    );
    assert_eq!(
        Array::from(&cleaner.diff_page(len + 5, 50).unwrap()).length(),
        0
    );

    cleaner.undo().unwrap();
    let after_undo = cleaner.diff_page(0, 10).map(|_| ()).map_err(error_message);
    assert!(after_undo.unwrap_err().contains("no cleaning run"));
}
