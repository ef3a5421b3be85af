//! `xlclean tokens` prints the count the task pane shows.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

use std::io::Write;
use std::process::{Command, Stdio};

fn xlclean_tokens(args: &[&str], stdin: &[u8]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xlclean"))
        .arg("tokens")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xlclean runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("writes stdin");
    let out = child.wait_with_output().expect("xlclean ends");
    let text = if out.status.success() {
        out.stdout
    } else {
        out.stderr
    };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&text).into_owned(),
    )
}

#[test]
fn prints_the_engine_count_as_json() {
    let text = "Invoice INV-2024-0042: € 1.234,56 paid 2024-03-15 by PERSON_12\n";
    let expected = engine::tokens::count_tokens("gemini-2.5-flash", text).unwrap();
    let (code, out) = xlclean_tokens(&[], text.as_bytes());
    assert_eq!((code, out), (0, format!("{{\"tokens\": {expected}}}\n")));
    let (code, out) = xlclean_tokens(&["--model", "gemini-2.5-pro"], b"");
    assert_eq!((code, out.as_str()), (0, "{\"tokens\": 0}\n"));
}

#[test]
fn unknown_models_and_bad_utf8_fail_with_exit_code_2() {
    let (code, out) = xlclean_tokens(&["--model", "gpt-4"], b"x");
    assert_eq!(code, 2);
    assert!(out.contains("unknown model"), "{out}");
    let (code, out) = xlclean_tokens(&[], &[0xff, 0xfe]);
    assert_eq!(code, 2);
    assert!(out.contains("UTF-8"), "{out}");
}
