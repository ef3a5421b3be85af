#!/usr/bin/env bash
# System calls and CPU of the proxy over RATE streamed questions a second:
# counts, unlike latencies, hardly move with what else the machine runs.
#
#   bench/chat/syscalls.sh BIN_DIR [SECONDS] [RATE]     (default 10 s, 1000/s)
#
# BIN_DIR holds a release `proxy` and `gemini-standin`. The proxy runs as in
# bench/chat/run.sh (embedded store on a fresh DATA_DIR, EMBEDDED_STORE_SYNC
# from STORE_SYNC, default normal; limits out of the way); 300 questions
# warm it up, then `perf stat` counts its fsync, fdatasync, write, pwrite64
# and futex calls while `oha -q RATE --latency-correction -c 64` asks
# (POST /api/v1/conversations/new/messages). Prints the questions answered,
# the counts, and the proxy's CPU time (user + system, /proc/<pid>/stat) per
# question. Needs perf and oha (bench/chat/run.sh installs oha into
# /tmp/bench-chat/tools).
set -euo pipefail
BIN=$(cd "$1" && pwd)
SECONDS_=${2:-10}
RATE=${3:-1000}
OUT=${BENCH_DIR:-/tmp/bench-chat}
OHA=${OHA:-$(command -v oha || echo "$OUT/tools/bin/oha")}
STANDIN_PORT=19381
PROXY_PORT=19382
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; rm -rf "$WORK"' EXIT
"$BIN/gemini-standin" --addr 127.0.0.1:$STANDIN_PORT > "$WORK/standin.log" 2>&1 &
PIDS+=($!)
env -i PATH="$PATH" HOME="$HOME" PROXY_ADDR=127.0.0.1:$PROXY_PORT DATA_DIR="$WORK/data" \
    ADDIN_DIR="$WORK/no-pane" EMBEDDED_STORE_SYNC="${STORE_SYNC:-normal}" \
    GEMINI_API_KEY=test-gemini-key-0123456789 GEMINI_BASE_URL=http://127.0.0.1:$STANDIN_PORT \
    GEMINI_MODEL=gemini-flash-latest RATE_LIMIT_RPM=100000000 DAILY_TOKEN_BUDGET=100000000000 \
    MAX_STREAMS_PER_USER=100000 RUST_LOG=warn LOG_FORMAT=json \
    "$BIN/proxy" > "$WORK/proxy.log" 2>&1 &
PROXY=$!
PIDS+=($PROXY)
for _ in $(seq 300); do curl -fs -o /dev/null http://127.0.0.1:$PROXY_PORT/health && break; sleep 0.2; done
URL=http://127.0.0.1:$PROXY_PORT/api/v1/conversations/new/messages
BODY='{"text":"Which customer owes the most, and how much is overdue by more than 30 days?"}'
"$OHA" --no-tui -n 300 -c 8 -m POST -H 'content-type: application/json' -d "$BODY" "$URL" > /dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PROXY/stat"; }
before=$(cpu_ticks)
events=syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_enter_write
events+=,syscalls:sys_enter_pwrite64,syscalls:sys_enter_futex
perf stat -e "$events" -p "$PROXY" -o "$WORK/perf.txt" -- sleep "$SECONDS_" &
PERF=$!
"$OHA" --no-tui --output-format json -z "${SECONDS_}s" -q "$RATE" --latency-correction -c 64 \
    -m POST -H 'content-type: application/json' -d "$BODY" "$URL" > "$WORK/oha.json"
wait $PERF
after=$(cpu_ticks)
python3 - "$WORK/oha.json" "$((after - before))" "$(getconf CLK_TCK)" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
answered = sum(report["statusCodeDistribution"].values())
ms = int(sys.argv[2]) * 1000 / int(sys.argv[3]) / answered
print(f"questions answered: {answered}; proxy CPU a question: {ms:.3f} ms")
EOF
awk '/syscalls:/ {gsub(",", "", $1); sub("syscalls:sys_enter_", "", $2); print "  " $2 ": " $1}' "$WORK/perf.txt"
