#!/usr/bin/env bash
# Builds the engine for the browser: wasm32 release with fat LTO, the
# JavaScript glue from wasm-bindgen (--target web), then wasm-opt when it
# is installed. Output: addin/src/engine/pkg/ (bundled by Vite).
source "$(dirname "$0")/lib.sh"
ensure_wasm_toolchain

OUT="$ROOT/addin/src/engine/pkg"
WASM="${CARGO_TARGET_DIR:-$ROOT/target}/wasm32-unknown-unknown/wasm-release/engine_wasm.wasm"

# Measured on bench/gen_data.py's 100k rows (bench/wasm_clean.mjs --tsv,
# CPU best of 3 interleaved with native xlclean, Node 20, Nov 2026):
# neither `-C target-feature=+simd128` (Rust 1.95 already enables
# bulk-memory, sign-ext, nontrapping-fptoint, multivalue, reference-types
# and mutable-globals for this target), nor the Talc allocator in place of
# dlmalloc, nor wasm-opt 132 -O3 made profile, duplicates or auto clean
# faster beyond the run-to-run noise (a few %), so none is used: SIMD would
# also shut out Safari before 16.4.
step "building the engine for wasm32"
cargo build --manifest-path "$ROOT/Cargo.toml" -p engine-wasm --target wasm32-unknown-unknown --profile wasm-release

step "generating JavaScript bindings"
wasm-bindgen --target web --out-dir "$OUT" --out-name engine_wasm "$WASM"

# Binaryen before 116 mangles the externref table that wasm-bindgen emits
# (the module then fails to start); Debian bookworm ships 108. Only a newer
# wasm-opt is used; without it the module is larger but correct.
wasm_opt_version="$(wasm-opt --version 2>/dev/null | awk '{print $3}' || true)"
if [ -n "$wasm_opt_version" ] && [ "$wasm_opt_version" -ge 116 ] 2>/dev/null; then
  step "optimising with wasm-opt $wasm_opt_version"
  wasm-opt -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    "$OUT/engine_wasm_bg.wasm" -o "$OUT/engine_wasm_bg.wasm"
else
  echo "skipping wasm-opt (${wasm_opt_version:-not installed}; 116 or newer needed)"
fi
printf 'engine_wasm_bg.wasm: %s bytes, %s gzipped\n' \
  "$(stat -c %s "$OUT/engine_wasm_bg.wasm")" "$(gzip -9c "$OUT/engine_wasm_bg.wasm" | wc -c)"
