//! The binding exercised in a real WebAssembly runtime (Node.js, through
//! `wasm-bindgen-test-runner`): bytes in, plain JavaScript objects and real
//! `Error`s out.
#![cfg(target_arch = "wasm32")]

mod support;

use engine_wasm::Engine;
use js_sys::{Array, Error, JSON, Object};
use support::get;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const INVOICES: &[u8] = include_bytes!("../../../tests/fixtures/invoices.xlsx");

fn engine() -> Engine {
    Engine::new(None).expect("default options")
}

#[wasm_bindgen_test]
fn profiles_a_real_xlsx_from_bytes() {
    let result = engine()
        .profile_file(INVOICES, "invoices.xlsx", None)
        .unwrap();
    assert_eq!(get(&result, "sheetName"), "Invoices");
    assert_eq!(Array::from(&get(&result, "sheetNames")).length(), 2);
    assert_eq!(get(&result, "profile.rowCount"), 10);
    assert_eq!(get(&result, "profile.columnCount"), 7);
    let expected = [
        ("Invoice", "identifier", 10, 0),
        ("Date", "date", 10, 0),
        ("Customer", "category", 10, 0),
        ("Amount", "decimal", 9, 1),
        ("Paid", "boolean", 10, 0),
    ];
    let columns = Array::from(&get(&result, "profile.columns"));
    for (name, ty, count, missing) in expected {
        let column = columns
            .iter()
            .find(|c| get(c, "name") == name)
            .unwrap_or_else(|| panic!("column {name}"));
        assert_eq!(get(&column, "inferredType"), ty, "{name}");
        assert_eq!(get(&column, "count"), count, "{name}");
        assert_eq!(get(&column, "missing"), missing, "{name}");
    }
    // Options that are absent reach JavaScript as null, not undefined.
    assert!(get(&result, "profile.columns.0.numeric").is_null());
}

#[wasm_bindgen_test]
fn picks_a_named_sheet_and_refuses_an_unknown_one() {
    let result = engine()
        .profile_file(INVOICES, "invoices.xlsx", Some("Notes".into()))
        .unwrap();
    assert_eq!(get(&result, "sheetName"), "Notes");
    assert_eq!(get(&result, "profile.rowCount"), 1);

    let error = engine()
        .profile_file(INVOICES, "invoices.xlsx", Some("Missing".into()))
        .expect_err("unknown sheet is an error");
    let error: JsValue = error.into();
    assert!(error.is_instance_of::<Error>());
    let message = String::from(error.unchecked_into::<Error>().message());
    assert_eq!(message, "the workbook has no sheet named \"Missing\"");
}

#[wasm_bindgen_test]
fn corrupt_bytes_become_a_javascript_error() {
    let error: JsValue = engine()
        .profile_file(b"PK\x03\x04garbage", "broken.xlsx", None)
        .expect_err("corrupt zip is an error")
        .into();
    let error = error.dyn_into::<Error>().expect("a real Error");
    assert!(String::from(error.message()).starts_with("the spreadsheet could not be read"));
}

#[wasm_bindgen_test]
fn profiles_office_values_with_number_formats() {
    let range = JSON::parse(
        r#"{"values": [["Date", "Amount"], [45292, 12.5], [45293, ""]],
            "numberFormat": [["General", "General"], ["yyyy-mm-dd", "0.00"], ["yyyy-mm-dd", "0.00"]]}"#,
    )
    .unwrap();
    let profile = engine().profile_range(range).unwrap();
    assert_eq!(get(&profile, "rowCount"), 2);
    assert_eq!(get(&profile, "columns.0.inferredType"), "date");
    assert_eq!(get(&profile, "columns.1.inferredType"), "decimal");
    assert_eq!(get(&profile, "columns.1.missing"), 1);
}

#[wasm_bindgen_test]
fn options_are_typed_and_enforced() {
    let options = JSON::parse(r#"{"maxInputBytes": 16}"#)
        .unwrap()
        .unchecked_into::<Object>();
    let small = Engine::new(Some(options)).unwrap();
    let error: JsValue = small
        .profile_file(INVOICES, "invoices.xlsx", None)
        .err()
        .unwrap()
        .into();
    let message = String::from(error.unchecked_into::<Error>().message());
    assert!(message.contains("the limit is 16 bytes"), "{message}");

    let unknown = JSON::parse(r#"{"maxRows": 1}"#)
        .unwrap()
        .unchecked_into::<Object>();
    assert!(Engine::new(Some(unknown)).is_err());

    let too_many = JSON::parse(r#"{"maxCells": 3}"#)
        .unwrap()
        .unchecked_into::<Object>();
    let range = JSON::parse(r#"{"values": [[1, 2], [3, 4]]}"#).unwrap();
    assert!(
        Engine::new(Some(too_many))
            .unwrap()
            .profile_range(range)
            .is_err()
    );
}
