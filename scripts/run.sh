#!/usr/bin/env bash
# Builds everything and starts the proxy serving the task pane, by default
# at http://localhost:3000 with data under ./data. PROXY_ADDR, DATA_DIR and
# the other variables in the README are honoured.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/build.sh"

cd "$ROOT"
export PROXY_ADDR="${PROXY_ADDR:-127.0.0.1:3000}"
export DATA_DIR="${DATA_DIR:-./data}"
step "starting the proxy on http://$PROXY_ADDR (Ctrl-C stops it)"
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/proxy"
