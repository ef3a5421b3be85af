#!/usr/bin/env bash
# Measures `kitoken` (pure-Rust SentencePiece) loading the Gemma 3 model
# against the engine's calibrated `GemmaEstimate`, both checked against the
# reference `gemini-tokenizer` crate (C++ SentencePiece), on the corpus of
# engine/tests/support/token_corpus.rs. Figures: docs/BENCHMARKS.md,
# "Token counting" → "Estimator or tokenizer in wasm".
#
# The bench crate lives in /tmp (created here from heredocs) so the repository
# never depends on kitoken. Usage, from the repository root:
#   bench/kitoken/run.sh
# Environment: BENCH_DIR (default /tmp/kitoken-bench), CARGO_TARGET_DIR
# (default $BENCH_DIR/target). Needs cargo with the wasm32-unknown-unknown
# target, gzip, jq and node.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
bench="${BENCH_DIR:-/tmp/kitoken-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$bench/target}"
mkdir -p "$bench"/{native/src,wasm-baseline/src,wasm-estimate/src,wasm-kitoken/src,wasm-kitoken-postcard/src,wasm-kitoken-lean/src,out}

# The same corpus as the engine's accuracy test, copied unchanged.
cp "$repo/engine/tests/support/token_corpus.rs" "$bench/native/src/token_corpus.rs"

cat > "$bench/Cargo.toml" <<'EOF'
[workspace]
resolver = "3"
members = ["native", "wasm-baseline", "wasm-estimate", "wasm-kitoken", "wasm-kitoken-postcard", "wasm-kitoken-lean"]

[workspace.package]
version = "0.0.0"
edition = "2024"
publish = false

# What the engine's wasm ships with (the repository's `wasm-release` profile).
[profile.wasm-release]
inherits = "release"
opt-level = 3
lto = "fat"
codegen-units = 1
panic = "abort"
strip = "debuginfo"
EOF

cat > "$bench/native/Cargo.toml" <<EOF
[package]
name = "kitoken-bench"
version.workspace = true
edition.workspace = true
publish.workspace = true

[dependencies]
kitoken = "=0.11.1"
gemini-tokenizer = "=0.2.0"
engine = { path = "$repo/engine", default-features = false }
serde_json = "1"
EOF

cat > "$bench/native/src/main.rs" <<'EOF'
//! kitoken and the engine's estimate against the reference tokenizer:
//! accuracy per text kind, native speed and model load time.
#[path = "token_corpus.rs"]
#[allow(dead_code)]
mod token_corpus;

use engine::tokens::{GemmaEstimate, TokenCounter};
use gemini_tokenizer::LocalTokenizer;
use kitoken::Kitoken;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Tally {
    samples: usize,
    reference: usize,
    kitoken: usize,
    kitoken_exact: usize,
    kitoken_same_ids: usize,
    estimate: usize,
    estimate_exact: usize,
}

fn percent(value: usize, reference: usize) -> f64 {
    100.0 * (value as f64 - reference as f64) / reference.max(1) as f64
}

fn share(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

/// Median of `runs` timings of `load`.
fn median_load<T>(runs: usize, mut load: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(load());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Tokens per second of `count` over the corpus, repeated for at least 2 s.
fn tokens_per_second(texts: &[&str], mut count: impl FnMut(&str) -> usize) -> f64 {
    let start = Instant::now();
    let mut tokens = 0usize;
    while start.elapsed() < Duration::from_secs(2) {
        for text in texts {
            tokens += count(std::hint::black_box(text));
        }
    }
    tokens as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let model_path = args.next().expect("usage: kitoken-bench <model> <out dir>");
    let out_dir =
        std::path::PathBuf::from(args.next().expect("usage: kitoken-bench <model> <out dir>"));
    let model = std::fs::read(&model_path).expect("reads the SentencePiece model");

    let kitoken = Kitoken::from_sentencepiece_slice(&model).expect("kitoken converts the model");
    let reference = LocalTokenizer::new("gemini-2.5-flash").expect("the reference loads");
    let definition = kitoken.to_definition().to_vec();
    std::fs::write(out_dir.join("gemma3.kitoken"), &definition).expect("writes the definition");

    let corpus = token_corpus::corpus(60);
    let mut kinds: Vec<(&str, Tally)> = Vec::new();
    let mut dump = String::new();
    for (kind, text) in &corpus {
        let reference_ids: Vec<u32> = reference
            .processor()
            .encode(text)
            .expect("the reference encodes")
            .into_iter()
            .map(|piece| piece.id)
            .collect();
        let kitoken_ids = kitoken.encode(text, false).expect("kitoken encodes");
        let estimate = GemmaEstimate.count(text);
        let position = match kinds.iter().position(|(k, _)| k == kind) {
            Some(position) => position,
            None => {
                kinds.push((kind, Tally::default()));
                kinds.len() - 1
            }
        };
        let tally = &mut kinds[position].1;
        tally.samples += 1;
        tally.reference += reference_ids.len();
        tally.kitoken += kitoken_ids.len();
        tally.kitoken_exact += usize::from(kitoken_ids.len() == reference_ids.len());
        tally.kitoken_same_ids += usize::from(kitoken_ids == reference_ids);
        tally.estimate += estimate;
        tally.estimate_exact += usize::from(estimate == reference_ids.len());
        let line =
            serde_json::json!({"text": text, "kitoken": kitoken_ids.len(), "estimate": estimate});
        dump.push_str(&line.to_string());
        dump.push('\n');
    }
    std::fs::write(out_dir.join("corpus.jsonl"), dump).expect("writes the corpus dump");

    println!(
        "| kind | samples | reference tokens | kitoken | kitoken exact count | kitoken same ids | estimate | estimate exact count |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut all = Tally::default();
    for (kind, t) in &kinds {
        println!(
            "| {kind} | {} | {} | {:+.2} % | {:.1} % | {:.1} % | {:+.2} % | {:.1} % |",
            t.samples,
            t.reference,
            percent(t.kitoken, t.reference),
            share(t.kitoken_exact, t.samples),
            share(t.kitoken_same_ids, t.samples),
            percent(t.estimate, t.reference),
            share(t.estimate_exact, t.samples),
        );
        all.samples += t.samples;
        all.reference += t.reference;
        all.kitoken += t.kitoken;
        all.kitoken_exact += t.kitoken_exact;
        all.kitoken_same_ids += t.kitoken_same_ids;
        all.estimate += t.estimate;
        all.estimate_exact += t.estimate_exact;
    }
    println!(
        "| **all** | {} | {} | {:+.2} % | {:.1} % | {:.1} % | {:+.2} % | {:.1} % |",
        all.samples,
        all.reference,
        percent(all.kitoken, all.reference),
        share(all.kitoken_exact, all.samples),
        share(all.kitoken_same_ids, all.samples),
        percent(all.estimate, all.reference),
        share(all.estimate_exact, all.samples),
    );

    let texts: Vec<&str> = corpus.iter().map(|(_, text)| text.as_str()).collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!(
        "\ncorpus: {} texts, {bytes} bytes, {} reference tokens",
        texts.len(),
        all.reference
    );
    let reference_speed = tokens_per_second(&texts, |t| {
        reference.processor().encode(t).map_or(0, |p| p.len())
    });
    let kitoken_speed = tokens_per_second(&texts, |t| {
        kitoken.encode(t, false).map_or(0, |ids| ids.len())
    });
    let estimate_speed = tokens_per_second(&texts, |t| GemmaEstimate.count(t));
    println!(
        "native speed (tokens/s, single thread): reference {reference_speed:.3e}, kitoken {kitoken_speed:.3e}, estimate {estimate_speed:.3e}"
    );

    let from_model = median_load(5, || {
        Kitoken::from_sentencepiece_slice(&model).expect("converts")
    });
    let from_definition = median_load(5, || {
        Kitoken::from_slice(&definition).expect("deserializes")
    });
    println!(
        "native load (median of 5): kitoken from .model {:.1} ms, from its own definition {:.1} ms",
        from_model.as_secs_f64() * 1e3,
        from_definition.as_secs_f64() * 1e3
    );
}
EOF

# Minimal wasm cdylibs: raw exports, no wasm-bindgen, so the size differences
# are the counters' own code. `alloc`/`dealloc` let the host pass bytes in.
mkdir -p "$bench/snippets"
cat > "$bench/snippets/memory.rs" <<'EOF'
#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len);
    let pointer = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    pointer
}

/// # Safety
/// `pointer` and `len` come from `alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dealloc(pointer: *mut u8, len: usize) {
    drop(unsafe { Vec::from_raw_parts(pointer, 0, len) });
}

/// # Safety
/// `pointer` and `len` describe `len` initialised bytes.
unsafe fn text<'a>(pointer: *const u8, len: usize) -> Option<&'a str> {
    std::str::from_utf8(unsafe { std::slice::from_raw_parts(pointer, len) }).ok()
}
EOF

wasm_manifest() { # name, extra dependency lines
  cat > "$bench/$1/Cargo.toml" <<EOF
[package]
name = "$1"
version.workspace = true
edition.workspace = true
publish.workspace = true

[lib]
crate-type = ["cdylib"]

[dependencies]
$2
EOF
}

wasm_manifest wasm-baseline ''
{ cat "$bench/snippets/memory.rs"; echo; cat <<'EOF'
/// The "4 characters per token" rule: the smallest possible counter.
/// # Safety
/// See `text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn count(pointer: *const u8, len: usize) -> i64 {
    unsafe { text(pointer, len) }.map_or(-1, |t| t.chars().count().div_ceil(4) as i64)
}
EOF
} > "$bench/wasm-baseline/src/lib.rs"

wasm_manifest wasm-estimate "engine = { path = \"$repo/engine\", default-features = false }"
{ cat "$bench/snippets/memory.rs"; echo; cat <<'EOF'
/// # Safety
/// See `text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn count(pointer: *const u8, len: usize) -> i64 {
    unsafe { text(pointer, len) }.map_or(-1, |t| engine::tokens::estimate(t) as i64)
}
EOF
} > "$bench/wasm-estimate/src/lib.rs"

cat > "$bench/snippets/kitoken.rs" <<'EOF'
use std::sync::OnceLock;
static TOKENIZER: OnceLock<kitoken::Kitoken> = OnceLock::new();

/// # Safety
/// See `text`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn count(pointer: *const u8, len: usize) -> i64 {
    let (Some(tokenizer), Some(text)) = (TOKENIZER.get(), unsafe { text(pointer, len) }) else {
        return -1;
    };
    tokenizer
        .encode(text, false)
        .map_or(-1, |ids| ids.len() as i64)
}
EOF

wasm_manifest wasm-kitoken 'kitoken = { version = "=0.11.1", default-features = false, features = ["std", "normalization", "convert-sentencepiece"] }'
{ cat "$bench/snippets/memory.rs"; echo; cat "$bench/snippets/kitoken.rs"; echo; cat <<'EOF'
/// Loads the SentencePiece `.model` bytes; 0 on success.
/// # Safety
/// `pointer` and `len` describe the model bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn load(pointer: *const u8, len: usize) -> i32 {
    let model = unsafe { std::slice::from_raw_parts(pointer, len) };
    match kitoken::Kitoken::from_sentencepiece_slice(model) {
        Ok(tokenizer) => i32::from(TOKENIZER.set(tokenizer).is_err()),
        Err(_) => 2,
    }
}
EOF
} > "$bench/wasm-kitoken/src/lib.rs"

# The same with the model pre-converted to kitoken's own (postcard) format,
# which skips the protobuf parser and the conversion at load time.
wasm_manifest wasm-kitoken-postcard 'kitoken = { version = "=0.11.1", default-features = false, features = ["std", "normalization", "serialization"] }'
{ cat "$bench/snippets/memory.rs"; echo; cat "$bench/snippets/kitoken.rs"; echo; cat <<'EOF'
/// Loads a kitoken definition; 0 on success.
/// # Safety
/// `pointer` and `len` describe the definition bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn load(pointer: *const u8, len: usize) -> i32 {
    let definition = unsafe { std::slice::from_raw_parts(pointer, len) };
    match kitoken::Kitoken::from_slice(definition) {
        Ok(tokenizer) => i32::from(TOKENIZER.set(tokenizer).is_err()),
        Err(_) => 2,
    }
}
EOF
} > "$bench/wasm-kitoken-postcard/src/lib.rs"

# The same without kitoken's Unicode normalization tables; the node run below
# checks its counts still match the native ones.
wasm_manifest wasm-kitoken-lean 'kitoken = { version = "=0.11.1", default-features = false, features = ["std", "serialization"] }'
cp "$bench/wasm-kitoken-postcard/src/lib.rs" "$bench/wasm-kitoken-lean/src/lib.rs"

cat > "$bench/wasm_run.mjs" <<'EOF'
// Loads a counter .wasm in node, times the model load and the corpus count,
// and checks the counts equal the native ones.
import { readFileSync } from "node:fs";
const [wasmPath, modelPath, corpusPath, field] = process.argv.slice(2);
const module = await WebAssembly.compile(readFileSync(wasmPath));
// The engine links wasm-bindgen imports that counting never calls: stub them.
const imports = {};
for (const { module: name, name: field } of WebAssembly.Module.imports(module)) {
  imports[name] ??= {};
  imports[name][field] = () => { throw new Error(`${name}.${field} called`); };
}
const instance = await WebAssembly.instantiate(module, imports);
const { memory, alloc, count, load } = instance.exports;
const put = (bytes) => {
  const pointer = alloc(bytes.length);
  new Uint8Array(memory.buffer, pointer, bytes.length).set(bytes);
  return pointer;
};
let loadMs = 0;
if (modelPath !== "-") {
  const model = readFileSync(modelPath);
  const pointer = put(model);
  const start = performance.now();
  if (load(pointer, model.length) !== 0) throw new Error("load failed");
  loadMs = performance.now() - start;
}
const encoder = new TextEncoder();
const corpus = readFileSync(corpusPath, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const inputs = corpus.map((c) => { const b = encoder.encode(c.text); return [put(b), b.length]; });
let mismatches = 0;
inputs.forEach(([p, n], i) => { if (Number(count(p, n)) !== corpus[i][field]) mismatches++; });
let tokens = 0;
const start = performance.now();
while (performance.now() - start < 2000) for (const [p, n] of inputs) tokens += Number(count(p, n));
const seconds = (performance.now() - start) / 1000;
console.log(`${wasmPath.split("/").pop()}: load ${loadMs.toFixed(0)} ms, ${(tokens / seconds).toExponential(3)} tokens/s, ` +
  `memory ${(memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB, ${mismatches} counts differ from native`);
EOF

cd "$bench"
echo "== native: accuracy, speed, load time"
cargo build --quiet --release -p kitoken-bench
model="$(cargo metadata --format-version 1 | jq -r '.packages[] | select(.name == "gemini-tokenizer") | .manifest_path' | xargs dirname)/resources/gemma3_cleaned_262144_v2.spiece.model"
"$CARGO_TARGET_DIR/release/kitoken-bench" "$model" "$bench/out"

echo; echo "== wasm32 release sizes (opt-level 3, fat LTO)"
sizes() { printf '| %s | %d | %d |\n' "$1" "$(stat -c %s "$2")" "$(gzip -9 -c "$2" | wc -c)"; }
echo "| artefact | bytes | gzip -9 bytes |"; echo "|---|---:|---:|"
for crate in wasm-baseline wasm-estimate wasm-kitoken wasm-kitoken-postcard wasm-kitoken-lean; do
  cargo build --quiet --target wasm32-unknown-unknown --profile wasm-release -p "$crate"
  sizes "$crate.wasm" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/${crate//-/_}.wasm"
done
sizes "gemma3 .model" "$model"
sizes "gemma3 kitoken definition" "$bench/out/gemma3.kitoken"

echo; echo "== wasm in node $(node --version): load, speed, memory"
wasm_dir="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release"
node wasm_run.mjs "$wasm_dir/wasm_estimate.wasm" - out/corpus.jsonl estimate
node wasm_run.mjs "$wasm_dir/wasm_kitoken.wasm" "$model" out/corpus.jsonl kitoken
node wasm_run.mjs "$wasm_dir/wasm_kitoken_postcard.wasm" out/gemma3.kitoken out/corpus.jsonl kitoken
node wasm_run.mjs "$wasm_dir/wasm_kitoken_lean.wasm" out/gemma3.kitoken out/corpus.jsonl kitoken
