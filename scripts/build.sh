#!/usr/bin/env bash
# One build for everything: the engine as WebAssembly, the task pane bundle
# (addin/dist) with its manifest, and the proxy binary.
#   PROFILE=debug scripts/build.sh   builds the proxy without optimisations.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/build-wasm.sh"

ensure_node_modules "$ROOT/addin"
step "building the task pane (addin/dist)"
(cd "$ROOT/addin" && npm run --silent build)

step "rendering manifest.xml for ${ADDIN_ORIGIN:-https://localhost:3000}"
node "$ROOT/scripts/render-manifest.mjs" --out "$ROOT/addin/dist/manifest.xml"

if [ "${PROFILE:-release}" = "release" ]; then
  step "building the proxy (release)"
  cargo build --manifest-path "$ROOT/Cargo.toml" --release -p proxy
else
  step "building the proxy (debug)"
  cargo build --manifest-path "$ROOT/Cargo.toml" -p proxy
fi
