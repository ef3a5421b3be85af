//! The token estimate against the reference Gemini tokenizer (the
//! `gemini-tokenizer` crate: Gemma 3 SentencePiece, as Google's SDK counts
//! locally) on a deterministic spreadsheet-like corpus. Prints the figures
//! of `docs/BENCHMARKS.md` with
//! `cargo test -p engine --test tokens_reference -- --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/token_corpus.rs"]
mod token_corpus;

use engine::tokens::{GemmaEstimate, TokenCounter, chars_over_four};
use gemini_tokenizer::LocalTokenizer;

fn reference() -> LocalTokenizer {
    LocalTokenizer::new("gemini-2.5-flash").expect("the embedded Gemma 3 model loads")
}

#[derive(Default)]
struct Tally {
    samples: usize,
    reference: usize,
    estimate: usize,
    chars4: usize,
    abs_errors: Vec<f64>,
}

fn percent(value: usize, reference: usize) -> f64 {
    100.0 * (value as f64 - reference as f64) / reference.max(1) as f64
}

#[test]
fn estimate_is_within_two_percent_of_the_reference_per_kind() {
    let tokenizer = reference();
    let corpus = token_corpus::corpus(60);
    let mut kinds: Vec<(&str, Tally)> = Vec::new();
    for (kind, text) in &corpus {
        let reference = tokenizer.count_tokens(text.as_str(), None).total_tokens;
        let estimate = GemmaEstimate.count(text);
        let position = match kinds.iter().position(|(k, _)| k == kind) {
            Some(p) => p,
            None => {
                kinds.push((kind, Tally::default()));
                kinds.len() - 1
            }
        };
        let tally = &mut kinds[position].1;
        tally.samples += 1;
        tally.reference += reference;
        tally.estimate += estimate;
        tally.chars4 += chars_over_four(text);
        tally.abs_errors.push(percent(estimate, reference).abs());
    }
    let mut all = Tally::default();
    println!(
        "| kind | samples | reference tokens | estimate | error | chars/4 | chars/4 error | median abs error per sample | p90 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut failures = Vec::new();
    for (kind, tally) in &mut kinds {
        tally.abs_errors.sort_by(f64::total_cmp);
        let median = tally.abs_errors[tally.abs_errors.len() / 2];
        let p90 = tally.abs_errors[tally.abs_errors.len() * 9 / 10];
        let error = percent(tally.estimate, tally.reference);
        println!(
            "| {kind} | {} | {} | {} | {error:+.2}% | {} | {:+.1}% | {median:.1}% | {p90:.1}% |",
            tally.samples,
            tally.reference,
            tally.estimate,
            tally.chars4,
            percent(tally.chars4, tally.reference),
        );
        if error.abs() > 2.0 {
            failures.push(format!("{kind}: {error:+.2}%"));
        }
        all.samples += tally.samples;
        all.reference += tally.reference;
        all.estimate += tally.estimate;
        all.chars4 += tally.chars4;
        all.abs_errors.extend(&tally.abs_errors);
    }
    all.abs_errors.sort_by(f64::total_cmp);
    let total_error = percent(all.estimate, all.reference);
    println!(
        "| **all** | {} | {} | {} | {total_error:+.2}% | {} | {:+.1}% | {:.1}% | {:.1}% |",
        all.samples,
        all.reference,
        all.estimate,
        all.chars4,
        percent(all.chars4, all.reference),
        all.abs_errors[all.abs_errors.len() / 2],
        all.abs_errors[all.abs_errors.len() * 9 / 10],
    );
    assert!(total_error.abs() <= 2.0, "overall {total_error:+.2}%");
    assert!(
        failures.is_empty(),
        "kinds off by more than 2%: {failures:?}"
    );
}

/// Writes the corpus with the reference pieces as JSON lines to the path in
/// `TOKENS_DUMP`, for calibrating the estimate:
/// `TOKENS_DUMP=/tmp/ref.jsonl cargo test -p engine --test tokens_reference -- --ignored`.
#[test]
#[ignore = "a calibration tool, not a test"]
fn dump_reference_pieces() {
    let Ok(path) = std::env::var("TOKENS_DUMP") else {
        return;
    };
    let tokenizer = reference();
    let mut out = String::new();
    for (kind, text) in token_corpus::corpus(60) {
        let pieces: Vec<String> = tokenizer
            .processor()
            .encode(&text)
            .expect("encodes")
            .into_iter()
            .map(|p| p.piece)
            .collect();
        let line = serde_json::json!({"kind": kind, "text": text, "pieces": pieces});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).expect("writes the dump");
}
