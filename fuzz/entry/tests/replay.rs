//! Replays every committed fuzzing input through the fuzz targets' own
//! entry points, on stable Rust and without libFuzzer:
//! `fuzz/corpus/<target>/` (the minimised corpora) and
//! `fuzz/regressions/<target>/` (every input that once crashed, hung or
//! exhausted memory, kept after its fix). A panic names the file.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fuzz_entry::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("fuzz/entry has a parent")
        .to_path_buf()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every file of `fuzz/<kind>/<target>/`; returns how many ran.
/// Each input must also finish in well under libFuzzer's `-timeout=10`
/// (generously, as this is a debug build).
fn replay(kind: &str, target: &str) -> usize {
    let run = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, run)| *run)
        .unwrap_or_else(|| panic!("no fuzz target named {target}"));
    let files = files_in(&fuzz_dir().join(kind).join(target));
    for file in &files {
        let data = std::fs::read(file).expect("readable input");
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| run(&data)));
        assert!(outcome.is_ok(), "{} panicked", file.display());
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(20),
            "{} took {took:?}",
            file.display()
        );
    }
    files.len()
}

#[test]
fn every_target_has_a_committed_corpus_and_a_fuzz_target_file() {
    for (target, _) in TARGETS {
        let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        assert!(source.is_file(), "{} is missing", source.display());
        let corpus = files_in(&fuzz_dir().join("corpus").join(target));
        assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ is empty");
    }
}

macro_rules! replay_tests {
    ($($target:ident),* $(,)?) => {
        mod corpus {
            $(#[test]
            fn $target() {
                assert!(super::replay("corpus", stringify!($target)) > 0);
            })*
        }
        mod regressions {
            $(#[test]
            fn $target() {
                super::replay("regressions", stringify!($target));
            })*
        }
    };
}

replay_tests!(
    parse_value,
    read_delimited,
    read_spreadsheet,
    recipe_json,
    mask_policy_json,
    gemini_sse,
    jwt_header,
);
