#!/usr/bin/env bash
# Instructions the proxy executes for one streamed question, counted by
# callgrind: repeatable whatever else the machine is doing, unlike time.
#
#   bench/chat/instructions.sh BIN_DIR [QUESTIONS]     (default 1000)
#
# BIN_DIR holds a release `proxy` and `gemini-standin`. The proxy runs under
# valgrind (embedded store, EMBEDDED_STORE_SYNC=normal, limits out of the
# way); 200 questions warm it up uninstrumented, then instrumentation is on
# for QUESTIONS questions (`oha -n QUESTIONS -c 4`, POST
# /api/v1/conversations/new/messages). Prints the total ÷ QUESTIONS and
# writes the top functions to $OUT/instructions-top.txt. Needs valgrind
# and oha (bench/chat/run.sh installs it into /tmp/bench-chat/tools).
set -euo pipefail
BIN=$(cd "$1" && pwd)
N=${2:-1000}
OUT=${BENCH_DIR:-/tmp/bench-chat}
OHA=${OHA:-$(command -v oha || echo "$OUT/tools/bin/oha")}
STANDIN_PORT=19281
PROXY_PORT=19282
mkdir -p "$OUT"
WORK=$(mktemp -d)
"$BIN/gemini-standin" --addr 127.0.0.1:$STANDIN_PORT > "$WORK/standin.log" 2>&1 &
STANDIN=$!
trap 'kill $STANDIN 2>/dev/null; rm -rf "$WORK"' EXIT
env -i PATH="$PATH" HOME="$HOME" PROXY_ADDR=127.0.0.1:$PROXY_PORT DATA_DIR="$WORK/data" \
    ADDIN_DIR="$WORK/no-pane" EMBEDDED_STORE_SYNC=normal \
    GEMINI_API_KEY=test-gemini-key-0123456789 GEMINI_BASE_URL=http://127.0.0.1:$STANDIN_PORT \
    GEMINI_MODEL=gemini-flash-latest RATE_LIMIT_RPM=100000000 DAILY_TOKEN_BUDGET=100000000000 \
    MAX_STREAMS_PER_USER=100000 RUST_LOG=warn LOG_FORMAT=json \
    valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --instr-atstart=no \
    "$BIN/proxy" > "$WORK/proxy.log" 2>&1 &
PROXY=$!
for _ in $(seq 600); do curl -fs -o /dev/null http://127.0.0.1:$PROXY_PORT/health && break; sleep 0.2; done
URL=http://127.0.0.1:$PROXY_PORT/api/v1/conversations/new/messages
BODY='{"text":"Which customer owes the most, and how much is overdue by more than 30 days?"}'
ask() { "$OHA" --no-tui -n "$1" -c 4 -m POST -H 'content-type: application/json' -d "$BODY" "$URL"; }
ask 200 > /dev/null
callgrind_control -i on $PROXY > /dev/null
ask "$N" > "$WORK/oha.txt"
callgrind_control -i off $PROXY > /dev/null
callgrind_control -d $PROXY > /dev/null
sleep 1
kill -INT $PROXY
wait $PROXY 2>/dev/null || true
grep -q 'Success rate:.*100.00%' "$WORK/oha.txt" || { echo "bench: not every question was answered" >&2; cat "$WORK/oha.txt" >&2; exit 1; }
(callgrind_annotate "$WORK/callgrind.out.1" 2>/dev/null || true) > "$OUT/instructions-top.txt"
total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}' "$OUT/instructions-top.txt")
echo "$BIN/proxy: $((total / N / 1000))k instructions a streamed question ($N questions, all answered)"
