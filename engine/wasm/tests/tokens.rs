//! Token counts, the chat window and the sheet context through the wasm
//! API, in Node.js: the same figures as the engine's native code.
#![cfg(target_arch = "wasm32")]

mod support;

use engine_wasm::Engine;
use support::{error_message, get, get_f64, get_str, json, length, object};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn engine() -> Engine {
    Engine::new(None).expect("default options")
}

/// A range of `rows` data rows: a date, an amount and a region.
fn ledger(rows: usize) -> JsValue {
    let mut values = vec![r#"["Date","Amount","Region"]"#.to_owned()];
    for i in 0..rows {
        let region = ["EMEA", "APAC", "Americas"][i % 3];
        values.push(format!(
            r#"["2024-{:02}-{:02}",{},"{region}"]"#,
            1 + i % 12,
            1 + i % 28,
            (i % 97) as f64 * 10.25
        ));
    }
    json(&format!(
        r#"{{"values":[{}],"hasHeader":true}}"#,
        values.join(",")
    ))
}

#[wasm_bindgen_test]
fn counts_tokens_as_the_engine_does() {
    let text = "Invoice INV-2024-0042, 1.234,56 EUR, due 2024-03-31 (Ms Müller) 😀";
    let counted = engine().count_tokens(text, None).unwrap();
    let native = engine::tokens::count_tokens(engine::tokens::DEFAULT_MODEL, text).unwrap();
    assert_eq!(counted, native);
    assert!(counted > 0);
    // Every digit is a token: far more than chars / 4.
    let digits = engine().count_tokens("1234567890", None).unwrap();
    assert!(digits >= 10, "{digits}");
    assert_eq!(
        engine()
            .count_tokens(text, Some("models/gemini-2.5-pro".into()))
            .unwrap(),
        native
    );
}

#[wasm_bindgen_test]
fn an_unknown_model_is_a_javascript_error() {
    let error = engine()
        .count_tokens("hello", Some("gpt-4".into()))
        .expect_err("unknown model");
    let message = error_message(error);
    assert!(
        message.starts_with("invalid input: unknown model \"gpt-4\" (known: "),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn builds_the_window_with_breakdown_and_cost() {
    let input = json(
        r#"{"system": "You help with spreadsheets.",
            "sheetContext": "Sheet: 2 rows x 1 columns.\n",
            "history": [{"role": "user", "text": "Hi"}, {"role": "model", "text": "Hello! How can I help?"}],
            "message": "What is the total?",
            "reserveOutput": 512}"#,
    );
    let window = engine()
        .build_window(input, JsValue::NULL, "gemini-2.5-flash")
        .unwrap();
    assert_eq!(get_str(&window, "request.model"), "gemini-2.5-flash");
    assert_eq!(length(&window, "request.system"), 2);
    assert_eq!(length(&window, "request.contents"), 3);
    assert_eq!(
        get_str(&window, "request.contents.2.text"),
        "What is the total?"
    );
    assert_eq!(get_str(&window, "request.contents.2.role"), "user");
    assert_eq!(get_f64(&window, "request.maxOutputTokens"), 512.0);
    let breakdown = get(&window, "breakdown");
    let parts = [
        "system",
        "sheetContext",
        "summary",
        "history",
        "message",
        "overhead",
    ]
    .map(|part| get_f64(&breakdown, part))
    .iter()
    .sum::<f64>();
    assert_eq!(get_f64(&breakdown, "input"), parts);
    assert_eq!(get(&breakdown, "sheetContextDropped"), false);
    assert_eq!(length(&breakdown, "droppedMessages"), 0);
    assert_eq!(get_str(&window, "cost.currency"), "USD");
    assert_eq!(get_f64(&window, "cost.inputTokens"), parts);
    assert!(get_f64(&window, "cost.total") > 0.0);
}

#[wasm_bindgen_test]
fn a_small_budget_drops_the_oldest_turns_whole() {
    let input = json(
        r#"{"system": "S",
            "history": [{"role": "user", "text": "first question about the ledger"},
                        {"role": "model", "text": "a long first answer about the ledger and its rows"},
                        {"role": "user", "text": "second"},
                        {"role": "model", "text": "ok"}],
            "message": "third",
            "reserveOutput": 10}"#,
    );
    let limits = json(r#"{"maxRequestTokens": 24}"#);
    let window = engine()
        .build_window(input, limits, "gemini-2.5-flash")
        .unwrap();
    let breakdown = get(&window, "breakdown");
    assert!(get_f64(&breakdown, "input") + 10.0 <= 24.0);
    assert_eq!(get_f64(&breakdown, "budget"), 24.0);
    // Turn by turn: the first turn (messages 0 and 1) goes, the second stays.
    assert_eq!(length(&breakdown, "droppedMessages"), 2);
    assert_eq!(get_f64(&breakdown, "droppedMessages.1"), 1.0);
    assert_eq!(get_str(&window, "request.contents.0.text"), "second");
}

#[wasm_bindgen_test]
fn bad_window_input_is_a_javascript_error() {
    let misspelt = json(r#"{"system": "S", "mesage": "hi", "reserveOutput": 1}"#);
    let message = error_message(
        engine()
            .build_window(misspelt, JsValue::UNDEFINED, "gemini-2.5-flash")
            .expect_err("unknown key"),
    );
    assert!(message.starts_with("invalid window input:"), "{message}");

    let empty = json(r#"{"system": "S", "message": "  ", "reserveOutput": 1}"#);
    let message = error_message(
        engine()
            .build_window(empty, JsValue::NULL, "gemini-2.5-flash")
            .expect_err("empty message"),
    );
    assert_eq!(message, "invalid input: the message is empty");
}

#[wasm_bindgen_test]
fn the_sheet_context_fits_its_budget_and_says_what_was_left_out() {
    let context = engine()
        .sheet_context(ledger(200), json(r#"{"budget": 300}"#))
        .unwrap();
    let text = get_str(&context, "text");
    assert!(text.starts_with("Sheet: 200 rows x 3 columns.\n"), "{text}");
    let tokens = get_f64(&context, "tokens");
    assert!(tokens <= 300.0 && tokens > 0.0);
    assert_eq!(tokens as usize, engine().count_tokens(&text, None).unwrap());
    assert_eq!(get_str(&context, "detail"), "full");
    let included = length(&context, "rowsIncluded");
    assert!(included > 0);
    assert_eq!(
        f64::from(included) + get_f64(&context, "rowsOmitted"),
        200.0
    );
    assert!(text.contains("Omitted: "), "{text}");

    let nothing = engine()
        .sheet_context(ledger(200), json(r#"{"budget": 0}"#))
        .unwrap();
    assert_eq!(get_str(&nothing, "detail"), "nothing");
    assert_eq!(get_str(&nothing, "text"), "");

    let short = engine()
        .sheet_context(
            ledger(200),
            json(r#"{"budget": 300, "headRows": 1, "tailRows": 0, "maxCandidates": 2}"#),
        )
        .unwrap();
    assert_eq!(length(&short, "rowsIncluded"), 2);
}

#[wasm_bindgen_test]
fn bad_sheet_context_options_are_javascript_errors() {
    let message = error_message(
        engine()
            .sheet_context(ledger(3), json(r#"{"budjet": 10}"#))
            .expect_err("misspelt option"),
    );
    assert!(
        message.starts_with("invalid sheet context options:"),
        "{message}"
    );
    let message = error_message(
        engine()
            .sheet_context(json(r#"{"values": 3}"#), json(r#"{"budget": 10}"#))
            .expect_err("not a range"),
    );
    assert!(message.starts_with("invalid range:"), "{message}");
}

#[wasm_bindgen_test]
fn a_configured_price_table_prices_the_window() {
    let options = object(
        r#"{"prices": {"version": 1, "currency": "EUR", "models": [
            {"model": "house-model", "tokenizer": "gemma3", "contextWindow": 1000,
             "maxOutputTokens": 100, "inputPerMillion": 1000000, "outputPerMillion": 0}]}}"#,
    );
    let custom = Engine::new(Some(options)).unwrap();
    assert_eq!(
        get_str(&custom.price_table().unwrap(), "models.0.model"),
        "house-model"
    );
    let input = json(r#"{"system": "S", "message": "hello there", "reserveOutput": 0}"#);
    let window = custom
        .build_window(input, JsValue::NULL, "house-model")
        .unwrap();
    assert_eq!(get_str(&window, "cost.currency"), "EUR");
    // One unit per input token at this price.
    assert_eq!(
        get_f64(&window, "cost.total"),
        get_f64(&window, "breakdown.input")
    );
    assert!(
        custom.count_tokens("x", None).is_err(),
        "the default model is not in this table"
    );

    let bad = object(r#"{"prices": {"version": 2, "currency": "EUR", "models": []}}"#);
    let message = error_message(Engine::new(Some(bad)).err().expect("bad price table"));
    assert!(message.contains("version 2 is not supported"), "{message}");
}
