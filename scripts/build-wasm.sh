#!/usr/bin/env bash
# Builds the engine for the browser: wasm32 release with fat LTO, the
# JavaScript glue from wasm-bindgen (--target web), then wasm-opt when it
# is installed. Output: addin/src/engine/pkg/ (bundled by Vite).
source "$(dirname "$0")/lib.sh"
ensure_wasm_toolchain

OUT="$ROOT/addin/src/engine/pkg"
WASM="$ROOT/target/wasm32-unknown-unknown/wasm-release/engine_wasm.wasm"

step "building the engine for wasm32"
cargo build --manifest-path "$ROOT/Cargo.toml" -p engine-wasm --target wasm32-unknown-unknown --profile wasm-release

step "generating JavaScript bindings"
wasm-bindgen --target web --out-dir "$OUT" --out-name engine_wasm "$WASM"

if command -v wasm-opt >/dev/null; then
  step "optimising with wasm-opt"
  # rustc's wasm32 target enables these proposals by default; wasm-opt must
  # accept them or it refuses the module.
  wasm-opt -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "$OUT/engine_wasm_bg.wasm" -o "$OUT/engine_wasm_bg.wasm"
fi
printf 'engine_wasm_bg.wasm: %s bytes, %s gzipped\n' \
  "$(stat -c %s "$OUT/engine_wasm_bg.wasm")" "$(gzip -9c "$OUT/engine_wasm_bg.wasm" | wc -c)"
