//! What each `cargo fuzz` target (in `fuzz/fuzz_targets/`) does with one
//! input. The targets are one-line wrappers around these functions, and
//! `tests/replay.rs` feeds every committed corpus file and every kept
//! crash through the same functions on stable Rust, so CI exercises the
//! corpora without libFuzzer and a fixed crash stays fixed.
//!
//! Every function must return normally for *any* input: a panic, a hang or
//! unbounded memory is the bug the fuzzer looks for. Inputs are refused
//! through the code's own error paths; nothing here filters them first.

use std::sync::OnceLock;
use std::time::Duration;

use engine::mask::{self, Policy, Vault};
use engine::parse::{self, DateOrder, NumberLocale, TextCase};
use engine::read::{ReadOptions, read_workbook};
use engine::recipe::{self, Recipe};
use engine::table::{Cell, Column, Table};
use engine::{analyze_column, profile_table};
use futures_util::FutureExt;
use proxy::auth::{Verifier, bearer_token};
use proxy::config::JwtConfig;
use proxy::gemini::parse_chunk;
use proxy::gemini::sse::SseParser;

/// A target's name and what it does with one input.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by the name of its `fuzz/fuzz_targets/<name>.rs` and of
/// its corpus folder `fuzz/corpus/<name>/`.
pub const TARGETS: &[Target] = &[
    ("parse_value", parse_value),
    ("read_delimited", read_delimited),
    ("read_spreadsheet", read_spreadsheet),
    ("recipe_json", recipe_json),
    ("mask_policy_json", mask_policy_json),
    ("gemini_sse", gemini_sse),
    ("jwt_header", jwt_header),
];

/// Limits small enough that a fuzzing run never waits on a giant (but
/// legitimate) sheet; the code under test enforces them itself.
fn read_options() -> ReadOptions {
    ReadOptions {
        max_input_bytes: 1024 * 1024,
        max_cells: 200_000,
        ..ReadOptions::default()
    }
}

/// The value parsers on one cell text, plus type inference on the input's
/// lines as one column: numbers in every locale, currencies, percentages,
/// dates in both orders, booleans, e-mail, URL, phone, placeholders, case.
pub fn parse_value(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(token) = parse::parse_number(&text) {
        for locale in [
            NumberLocale::CommaPoint,
            NumberLocale::PointComma,
            NumberLocale::SpaceComma,
            NumberLocale::ApostrophePoint,
        ] {
            let _ = token.value(locale);
            let _ = token.value_preferring(locale);
        }
        let _ = token.unambiguous_value();
    }
    if let Some(token) = parse::parse_date(&text) {
        for order in [DateOrder::Dmy, DateOrder::Mdy] {
            if let Some(date) = token.date(order) {
                let _ = parse::date::format_date(date, parse::date::DateStyle::Iso);
            }
            if let Some(serial) = token.serial(order) {
                let _ = parse::date::format_serial(serial, token.kind);
            }
        }
        let _ = (token.evidence(), token.is_ambiguous());
    }
    let _ = parse::parse_bool(&text);
    let _ = parse::placeholder_kind(&text);
    let _ = (
        parse::is_email(&text),
        parse::is_url(&text),
        parse::is_phone(&text),
    );
    let _ = parse::text::phone_to_e164(&text, Some("DE"));
    let _ = parse::text::collapse_whitespace(&text);
    let _ = parse::case_of(&text);
    for case in [TextCase::Lower, TextCase::Upper, TextCase::Title] {
        let _ = parse::to_case(&text, case);
    }
    let cells = text.lines().map(|l| Cell::Text(l.into())).collect();
    let _ = analyze_column(&Column::new("value", cells));
}

/// CSV/TSV reading from bytes: encoding and delimiter sniffing, header
/// detection; then the profile of what was read. The first byte picks the
/// file name (`.csv` or `.tsv`) and whether a header is forced.
pub fn read_delimited(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = if selector & 1 == 0 {
        "fuzz.csv"
    } else {
        "fuzz.tsv"
    };
    let options = ReadOptions {
        has_header: match selector >> 1 & 3 {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        },
        ..read_options()
    };
    if let Ok(sheet) = read_workbook(bytes, name, &options) {
        let _ = profile_table(&sheet.table);
    }
}

/// A workbook from bytes through calamine (xlsx, xlsm, xlsb, xls, ods),
/// then the profile of the sheet read.
pub fn read_spreadsheet(data: &[u8]) {
    if let Ok(sheet) = read_workbook(data, "fuzz.xlsx", &read_options()) {
        let _ = profile_table(&sheet.table);
    }
}

/// A small table with the kinds of mess the recipes clean: numbers in two
/// locales, dates in several styles, placeholders, case and spelling
/// variants, a dependency (zip → city) with one break, a duplicate row.
fn sample_table() -> Table {
    const ROWS: [[&str; 7]; 8] = [
        ["Name", "Amount", "Date", "Email", "Status", "Zip", "City"],
        [
            "Anna Müller",
            "1.234,56",
            "15/01/2024",
            "anna@example.com",
            "Paid",
            "10115",
            "Berlin",
        ],
        [
            "bob smith",
            "€ 12,50",
            "2024-01-16",
            "bob@example",
            "paid",
            "10115",
            "Berlin",
        ],
        [
            "CAROL O'BRIEN",
            "(300)",
            "Jan 17, 2024",
            "",
            "Pending",
            "80331",
            "Munich",
        ],
        [
            "Dave",
            "N/A",
            "17.01.2024",
            "dave@example.org",
            "pendng",
            "80331",
            "München",
        ],
        [
            "Anna Müller",
            "1.234,56",
            "15/01/2024",
            "anna@example.com",
            "Paid",
            "10115",
            "Berlin",
        ],
        ["Eve", "45%", "", "eve@example.com", "-", "80331", "Munich"],
        [
            "  frank  ",
            "1e3",
            "3/4/24",
            "+49 30 1234567",
            "PAID",
            "",
            "Berlin",
        ],
    ];
    let mut rows: Vec<Vec<Cell>> = ROWS
        .iter()
        .map(|row| row.iter().map(|s| Cell::Text((*s).into())).collect())
        .collect();
    rows.push(vec![
        Cell::Text("Grace".into()),
        Cell::Number(99.5),
        Cell::DateTime(45_300.5),
        Cell::Empty,
        Cell::Bool(true),
        Cell::Number(10_115.0),
        Cell::Error("#N/A".into()),
    ]);
    Table::from_rows(rows, Some(true))
}

/// A cleaning recipe from JSON, checked and applied to the sample table;
/// undoing every step must give the table back unchanged.
pub fn recipe_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(recipe) = Recipe::from_json(text) else {
        return;
    };
    let table = sample_table();
    if recipe::check_recipe(&table, &recipe).is_err() {
        return;
    }
    if let Ok(applied) = recipe::apply(&table, &recipe) {
        let _ = recipe::report(&applied, &recipe, &table);
        assert_eq!(
            recipe::undo_all(&applied),
            table,
            "undoing every step must restore the table"
        );
    }
}

/// A masking policy from JSON, applied to the sample table with a fixed
/// key; the policy round-trips through its own JSON form.
pub fn mask_policy_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::from_json(text) else {
        return;
    };
    let again = Policy::from_json(&policy.to_json());
    assert!(
        again.is_ok(),
        "a policy's own JSON must parse: {:?}",
        again.err()
    );
    let table = sample_table();
    let mut vault = match Vault::new(b"fuzzing key, 32 bytes long......") {
        Ok(vault) => vault,
        Err(e) => panic!("the fixed key is long enough: {e}"),
    };
    let findings = mask::scan_table(&table);
    let masked = mask::mask_table(&table, &findings, &policy, &mut vault);
    let _ = masked;
    let _ = vault.unmask("see <PERSON_1> and <EMAIL_2>");
}

/// Gemini's SSE stream: the input is cut into chunks at every byte `0xFF`
/// (which never occurs in UTF-8 text, so the data itself is unaffected),
/// fed to the parser like network reads, and every event payload is
/// parsed as a `GenerateContentResponse`.
pub fn gemini_sse(data: &[u8]) {
    let mut parser = SseParser::new(16 * 1024);
    let mut events = Vec::new();
    for chunk in data.split(|&b| b == 0xFF) {
        match parser.push(chunk) {
            Ok(more) => events.extend(more),
            // The stream is abandoned, as the proxy does.
            Err(_) => return,
        }
    }
    events.extend(parser.finish());
    for event in &events {
        let _ = parse_chunk(event);
    }
}

/// Supabase HS256 verification as configured in production, without a
/// JWKS (so nothing waits on the network).
fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let config = JwtConfig {
            hs256_secret: Some("super-secret-jwt-token-with-at-least-32-characters".into()),
            jwks_url: None,
            issuer: Some("https://project.supabase.co/auth/v1".to_owned()),
            entra: None,
        };
        match Verifier::new(&config, Duration::from_secs(1)) {
            Ok(verifier) => verifier,
            Err(e) => panic!("a verifier without JWKS always builds: {e:#}"),
        }
    })
}

/// The `Authorization` header through the proxy's own parsing: the Bearer
/// scheme, then the token's header and claims.
pub fn jwt_header(data: &[u8]) {
    let Ok(value) = axum::http::HeaderValue::from_bytes(data) else {
        return;
    };
    let Ok(token) = bearer_token(&value) else {
        return;
    };
    // Without a JWKS, verification never waits: one poll completes it.
    let outcome = verifier().verify(token).now_or_never();
    assert!(outcome.is_some(), "verification waited without a JWKS");
}
