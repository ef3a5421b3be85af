//! PII scan, masking, un-masking and the preview payload through the wasm
//! API, in Node.js: offsets in UTF-16 code units as JavaScript indexes
//! strings, real `Error`s on bad input.
#![cfg(target_arch = "wasm32")]

mod support;

use engine_wasm::{Engine, Masker};
use js_sys::{Array, JsString};
use support::{error_message, get, get_f64, get_str, json, length, object};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const KEY: &[u8] = b"a workbook key of 32 bytes, test";

fn masker() -> Masker {
    Masker::new(KEY, None).expect("a valid key")
}

/// Customers with emails, repeated so that values recur.
fn customers() -> JsValue {
    let people = [
        ("Maria Garcia", "maria.garcia@example.com"),
        ("John Smith", "john.smith@example.org"),
        ("Ada Lovelace", "ada@analytical.co.uk"),
    ];
    let mut rows = vec![r#"["Customer Name","Email","Amount"]"#.to_owned()];
    for i in 0..12 {
        let (name, email) = people[i % people.len()];
        rows.push(format!(r#"["{name}","{email}",{}]"#, 100 + i * 25));
    }
    json(&format!(r#"{{"values":[{}]}}"#, rows.join(",")))
}

/// `text[start..end]` in JavaScript's own UTF-16 indexing.
fn js_slice(text: &str, start: f64, end: f64) -> String {
    String::from(JsString::from(text).substring(start as u32, end as u32))
}

#[wasm_bindgen_test]
fn offsets_are_utf16_code_units_around_emoji_and_other_astral_text() {
    let cells = [
        "😀 mail ada@example.com",
        "𝔘𝔫𝔦 x bob@example.org, 👍🏽 and ann@example.net",
        "plain carl@example.com",
    ];
    let range = json(&format!(
        r#"{{"values": [["Notes"], {}], "hasHeader": true}}"#,
        cells.map(|c| format!("[\"{c}\"]")).join(",")
    ));
    let result = masker().scan(range).unwrap();
    assert_eq!(get(&result, "hasHeader"), true);
    let findings = Array::from(&get(&result, "findings"));
    let found: Vec<(usize, String, String)> = findings
        .iter()
        .map(|f| {
            let row = get_f64(&f, "row") as usize;
            let slice = js_slice(cells[row], get_f64(&f, "start"), get_f64(&f, "end"));
            (row, get_str(&f, "type"), slice)
        })
        .collect();
    let expected = [
        (0, "email", "ada@example.com"),
        (1, "email", "bob@example.org"),
        (1, "email", "ann@example.net"),
        (2, "email", "carl@example.com"),
    ]
    .map(|(r, t, s)| (r, t.to_owned(), s.to_owned()));
    assert_eq!(found, expected);
    // Code points would be one less per emoji: 😀 is two code units.
    assert_eq!(get_f64(&findings.get(0), "start"), 8.0);
    assert_eq!(get_str(&findings.get(0), "columnName"), "Notes");
    assert_eq!(get_f64(&findings.get(0), "column"), 0.0);
    assert!(get_f64(&findings.get(0), "score") > 0.5);
    assert!(!get_str(&findings.get(0), "reason").is_empty());
}

#[wasm_bindgen_test]
fn scan_finds_what_the_engine_finds_natively() {
    let range = customers();
    let result = masker().scan(range).unwrap();
    let table = engine::OfficeRange {
        values: (0..=12)
            .map(|i| {
                let people = [
                    ("Maria Garcia", "maria.garcia@example.com"),
                    ("John Smith", "john.smith@example.org"),
                    ("Ada Lovelace", "ada@analytical.co.uk"),
                ];
                if i == 0 {
                    ["Customer Name", "Email", "Amount"]
                        .map(|h| engine::OfficeValue::Text(h.into()))
                        .to_vec()
                } else {
                    let (name, email) = people[(i - 1) % 3];
                    vec![
                        engine::OfficeValue::Text(name.into()),
                        engine::OfficeValue::Text(email.into()),
                        engine::OfficeValue::Number((100 + (i - 1) * 25) as f64),
                    ]
                }
            })
            .collect(),
        number_format: None,
        has_header: None,
    }
    .into_table()
    .unwrap();
    let native = engine::mask::scan_table(&table);
    assert_eq!(length(&result, "findings"), native.len() as u32);
    assert!(native.len() >= 24, "names and emails: {}", native.len());
    for (i, finding) in native.iter().enumerate() {
        let js = get(&result, &format!("findings.{i}"));
        assert_eq!(get_f64(&js, "row") as usize, finding.row);
        assert_eq!(get_str(&js, "type"), finding.finding.kind.name());
        // ASCII text: UTF-16 offsets equal code points.
        assert_eq!(get_f64(&js, "start") as usize, finding.finding.start);
        assert_eq!(get_f64(&js, "end") as usize, finding.finding.end);
    }
    assert_eq!(
        Array::from(&get(&result, "columns")).to_vec(),
        ["Customer Name", "Email", "Amount"]
            .map(JsValue::from)
            .to_vec()
    );
}

#[wasm_bindgen_test]
fn mask_then_unmask_restores_every_value_with_stable_pseudonyms() {
    let mut masker = masker();
    let masked = masker.mask(customers()).unwrap();
    assert_eq!(get(&masked, "hasHeader"), true);
    assert_eq!(length(&masked, "values"), 13);
    assert_eq!(get_str(&masked, "values.0.1"), "Email");
    let original = customers();
    for row in 1..13 {
        for column in 0..3 {
            let path = format!("values.{row}.{column}");
            let before = get(&original, &path);
            let after = get(&masked, &path);
            if column == 2 {
                assert_eq!(after, before, "amounts are not personal data");
                continue;
            }
            let after = after.as_string().unwrap();
            assert_ne!(Some(after.clone()), before.as_string(), "{path} masked");
            assert_eq!(Some(masker.unmask(&after)), before.as_string(), "{path}");
        }
    }
    // Same value, same token: rows 1 and 4 hold the same customer.
    assert_eq!(get(&masked, "values.1.1"), get(&masked, "values.4.1"));
    assert!(get_str(&masked, "values.1.1").starts_with("EMAIL_"));
    // And again on a second call.
    let again = masker.mask(customers()).unwrap();
    assert_eq!(get(&again, "values.1.1"), get(&masked, "values.1.1"));
    assert_eq!(masker.vault_size(), 6);

    let summary = get(&masked, "summary");
    assert_eq!(get_f64(&summary, "maskedCells"), 24.0);
    let rows = Array::from(&get(&summary, "rows"));
    let email_row = rows
        .iter()
        .find(|r| get_str(r, "column") == "Email")
        .expect("a summary row for Email");
    assert_eq!(get_str(&email_row, "type"), "email");
    assert_eq!(get_str(&email_row, "operator"), "pseudonym");
    assert_eq!(get_f64(&email_row, "cells"), 12.0);
}

#[wasm_bindgen_test]
fn unmask_restores_an_answer_and_the_vault_survives_export() {
    let mut masker = masker();
    let masked = masker.mask(customers()).unwrap();
    let person = get_str(&masked, "values.1.0");
    let email = get_str(&masked, "values.1.1");
    let answer = format!("{person} ({email}) owes the most; UNKNOWN_9 is not ours.");
    let expected = "Maria Garcia (maria.garcia@example.com) owes the most; UNKNOWN_9 is not ours.";
    assert_eq!(masker.unmask(&answer), expected);

    let exported = masker.export_vault();
    let restored = Masker::from_vault(&exported, None).unwrap();
    assert_eq!(restored.unmask(&answer), expected);
    assert_eq!(restored.vault_size(), masker.vault_size());

    let message = error_message(Masker::from_vault("{\"version\": 1}", None).err().unwrap());
    assert!(message.contains("vault: missing field `key`"), "{message}");
}

#[wasm_bindgen_test]
fn policies_are_typed_checked_and_replaceable() {
    let options = object(
        r#"{"policy": {"version": 1, "types": {"email": "label"}, "columns": {"Amount": "drop"}}}"#,
    );
    let mut masker = Masker::new(KEY, Some(options)).unwrap();
    let masked = masker.mask(customers()).unwrap();
    assert_eq!(length(&masked, "columns"), 2);
    assert_eq!(get_str(&masked, "values.1.1"), "<EMAIL>");
    assert_eq!(get_str(&masked, "summary.droppedColumns.0"), "Amount");
    assert_eq!(
        get_str(&masker.policy().unwrap(), "types.email.op"),
        "label"
    );

    masker
        .set_policy(json(
            r#"{"version": 1, "types": {"email": {"op": "partial", "keepLast": 4}}}"#,
        ))
        .unwrap();
    let masked = masker.mask(customers()).unwrap();
    assert_eq!(length(&masked, "columns"), 3);
    assert!(get_str(&masked, "values.1.1").ends_with(".com"));

    let bad = masker
        .set_policy(json(r#"{"version": 1, "types": {"email": "scramble"}}"#))
        .expect_err("unknown operator");
    let message = error_message(bad);
    assert!(
        message.contains("masking policy: unknown variant `scramble`"),
        "{message}"
    );
    let bad = Masker::new(KEY, Some(object(r#"{"polcy": {}}"#)))
        .err()
        .unwrap();
    assert!(error_message(bad).starts_with("invalid masker options:"));
    let short = Masker::new(b"too short", None).err().unwrap();
    assert_eq!(
        error_message(short),
        "invalid input: the masking key must be at least 16 bytes"
    );
}

#[wasm_bindgen_test]
fn bad_ranges_and_too_many_cells_are_javascript_errors() {
    let message = error_message(
        masker()
            .scan(json(r#"{"values": [[null]]}"#))
            .err()
            .unwrap(),
    );
    assert!(message.starts_with("invalid range:"), "{message}");
    let small = Masker::new(KEY, Some(object(r#"{"maxCells": 4}"#))).unwrap();
    let message = error_message(small.scan(customers()).err().unwrap());
    assert!(message.contains("39"), "{message}");
}

#[wasm_bindgen_test]
fn the_preview_payload_is_what_the_chat_window_sends() {
    let mut masker = masker();
    let preview = masker
        .preview(customers(), json(r#"{"budget": 400}"#))
        .unwrap();
    let payload = get_str(&preview, "payload");
    assert!(
        payload.starts_with("Sheet: 12 rows x 3 columns.\n"),
        "{payload}"
    );
    assert!(get_f64(&preview, "tokens") <= 400.0);
    for raw in [
        "maria.garcia@example.com",
        "Maria Garcia",
        "ada@analytical.co.uk",
    ] {
        assert!(!payload.contains(raw), "{raw} leaked: {payload}");
    }
    assert!(masker.unmask(&payload).contains("maria.garcia@example.com"));
    assert_eq!(get_f64(&preview, "summary.maskedCells"), 24.0);

    // The pane sends the payload as the sheet context; the window sends it
    // byte for byte, and counts it as the preview did.
    let input = js_sys::Object::new();
    for (key, value) in [
        ("system", JsValue::from("You help with spreadsheets.")),
        ("sheetContext", JsValue::from(payload.as_str())),
        ("message", JsValue::from("Who owes the most?")),
        ("reserveOutput", JsValue::from(256)),
    ] {
        js_sys::Reflect::set(&input, &key.into(), &value).unwrap();
    }
    let window = Engine::new(None)
        .unwrap()
        .build_window(input.unchecked_into(), JsValue::NULL, "gemini-2.5-flash")
        .unwrap();
    assert_eq!(get_str(&window, "request.system.1"), payload);
    assert_eq!(
        get_f64(&window, "breakdown.sheetContext"),
        get_f64(&preview, "tokens")
    );

    // Previewing again gives the same payload (the vault already holds the
    // tokens); bad options are an Error.
    let again = masker
        .preview(customers(), json(r#"{"budget": 400}"#))
        .unwrap();
    assert_eq!(get_str(&again, "payload"), payload);
    let message = error_message(
        masker
            .preview(customers(), json(r#"{"budget": -1}"#))
            .err()
            .unwrap(),
    );
    assert!(message.starts_with("invalid preview options:"), "{message}");
}
