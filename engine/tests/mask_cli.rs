//! `xlclean scan` and `xlclean mask` against their documented contracts.

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mask")
        .join(name)
}

fn xlclean(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xlclean"))
        .args(args)
        .output()
        .expect("xlclean runs")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xlclean-mask-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn scan_prints_the_documented_records() {
    let input = fixture("customers.csv");
    let out = xlclean(&["scan", input.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for r in &records {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 6, "{r}");
        for key in ["row", "col", "type", "start", "end", "score"] {
            assert!(r.get(key).is_some(), "{key} in {r}");
        }
    }
    let has = |row: u64, col: &str, kind: &str| {
        records
            .iter()
            .any(|r| r["row"] == row && r["col"] == col && r["type"] == kind)
    };
    assert!(has(0, "Customer Name", "person"));
    assert!(has(0, "Card", "credit_card"));
    assert!(has(1, "IBAN", "iban"));
    assert!(has(2, "Notes", "us_ssn"));
    assert!(has(0, "Notes", "phone"));
    // Luhn-valid order numbers and Luhn-passing millisecond timestamps are
    // not cards.
    assert!(
        !records
            .iter()
            .any(|r| r["col"] == "Order #" || r["col"] == "Created (ms)")
    );
    // Offsets are code points into the cell, end exclusive.
    let phone = records
        .iter()
        .find(|r| r["row"] == 0 && r["col"] == "Notes" && r["type"] == "phone")
        .unwrap();
    assert_eq!(
        (phone["start"].as_u64(), phone["end"].as_u64()),
        (Some(23), Some(39))
    );
}

#[test]
fn mask_writes_the_masked_csv_report_and_vault() {
    let input = fixture("customers.csv");
    let policy = fixture("policy.json");
    let (csv, report, vault) = (temp("out.csv"), temp("report.json"), temp("vault.json"));
    let _ = std::fs::remove_file(&vault);
    let args = [
        "mask",
        input.to_str().unwrap(),
        "--out",
        csv.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--vault",
        vault.to_str().unwrap(),
        "--key",
        "000102030405060708090a0b0c0d0e0f",
    ];
    let out = xlclean(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let masked = std::fs::read_to_string(&csv).unwrap();
    let original = std::fs::read_to_string(&input).unwrap();
    let mut lines = masked.lines();
    assert_eq!(
        lines.next(),
        Some("Customer Name,Email,Card,IBAN,Order #,Amount,Notes")
    );
    assert_eq!(masked.lines().count(), original.lines().count());
    for secret in [
        "Anna Schmidt",
        "anna.schmidt@example.com",
        "DE89",
        "536-22-8726",
        "Hunter2",
        "+44 20",
    ] {
        assert!(!masked.contains(secret), "{secret} leaked:\n{masked}");
    }
    assert!(masked.contains("**** **** **** 1111"));
    assert!(masked.contains("password: <SECRET>"));
    // The same customer has the same token on every row.
    let first: Vec<&str> = masked.lines().nth(1).unwrap().split(',').collect();
    let fourth: Vec<&str> = masked.lines().nth(4).unwrap().split(',').collect();
    assert_eq!(first[0], fourth[0]);
    assert!(first[0].starts_with("PERSON_"));
    // The vault restores the names.
    let vault_text = std::fs::read_to_string(&vault).unwrap();
    let v = engine::mask::Vault::from_json(&vault_text).unwrap();
    assert_eq!(
        v.unmask(&format!("{} owes the most", first[0])),
        "Anna Schmidt owes the most"
    );
    let report: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(
        report
            .iter()
            .any(|r| r["type"] == "credit_card" && r["operator"] == "partial")
    );
    // Running again with the same vault gives the same bytes.
    let again = xlclean(&args);
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), masked);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let input = fixture("customers.csv");
    let bad_policy = temp("bad-policy.json");
    std::fs::write(&bad_policy, r#"{"version":1,"types":{"email":"scramble"}}"#).unwrap();
    for args in [
        vec!["scan", "/nonexistent/file.csv"],
        vec![
            "mask",
            input.to_str().unwrap(),
            "--out",
            "/tmp/x.csv",
            "--policy",
            bad_policy.to_str().unwrap(),
        ],
        vec![
            "mask",
            input.to_str().unwrap(),
            "--out",
            "/tmp/x.csv",
            "--key",
            "abc",
        ],
    ] {
        let out = xlclean(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}
