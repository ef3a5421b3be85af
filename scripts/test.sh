#!/usr/bin/env bash
# Every test, in the order that fails fastest. This is what .ci/run calls.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$(date +%s)

step "machine setup"
# chromium: the end-to-end test; libxml2-utils: xmllint
# for the manifest schema check; cmake, g++: the reference Gemini tokenizer
# (C++ SentencePiece) that the token-count tests compare against.
apt_ensure chromium libxml2-utils cmake g++
ensure_pg_running
ensure_redis_running
ensure_node_modules "$ROOT/addin"
ensure_node_modules "$ROOT/tests/e2e"

step "rustfmt"
cargo fmt --all --check

step "supply chain: cargo deny (licenses, bans, sources; advisories need the internet)"
supply_chain_check

# The add-in type-checks against the generated bindings, so build them first.
"$ROOT/scripts/build-wasm.sh"

step "clippy (native, whole workspace)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (engine for wasm32)"
cargo clippy -p engine -p engine-wasm --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

step "cargo test (engine, proxy, database, manifest)"
cargo test --workspace --locked

step "engine tests in a real wasm runtime (Node.js)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p engine-wasm --target wasm32-unknown-unknown --locked

step "add-in: eslint, tsc, vitest"
(cd addin && npm run --silent lint && npm run --silent typecheck && npm test --silent)

step "build (task pane, manifest, proxy)"
PROFILE=debug "$ROOT/scripts/build.sh"

step "end-to-end: real proxy + headless Chromium, Gemini and Supabase (Auth + PostgREST) stand-ins"
# `cargo test --workspace` built the stand-ins already; this is a no-op then.
cargo build -p system-tests --bin gemini-standin --bin supabase-standin --locked
bin="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
(cd tests/e2e && PROXY_BIN="$bin/proxy" GEMINI_STANDIN_BIN="$bin/gemini-standin" \
  SUPABASE_STANDIN_BIN="$bin/supabase-standin" npm test --silent)

step "API fuzzing: schemathesis against the proxy's /openapi.json"
api_fuzz

step "all tests passed in $(( $(date +%s) - started )) s"
