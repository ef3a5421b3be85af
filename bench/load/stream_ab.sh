#!/usr/bin/env bash
# Streaming chat latency at a fixed rate for two proxy builds, alternated
# round by round so both see the same (shared, busy) machine: the
# "Streaming: through our proxy" row of bench/chat/run.sh, without LiteLLM.
#
#   BEFORE=/path/to/old/proxy AFTER=/path/to/new/proxy bench/load/stream_ab.sh
#
# ROUNDS=3 DURATION=10s RATE=1000 CONNECTIONS=64 (bench/chat/run.sh's
# defaults), STANDIN=gemini-standin binary (default: next to AFTER),
# BENCH_DIR=/tmp/bench-stream-ab, OHA as in bench/load/run.sh. Each round
# measures the stand-in directly, then each build on a fresh DATA_DIR (on
# disk, EMBEDDED_STORE_SYNC=$BEFORE_SYNC / $AFTER_SYNC, both `normal` unless
# set: the same binary twice with `full` and `normal` compares the settings);
# prints one line per measurement with the load average, and the median of
# the rounds.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${BENCH_DIR:-/tmp/bench-stream-ab}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
RATE=${RATE:-1000}
CONNECTIONS=${CONNECTIONS:-64}
: "${BEFORE:?BEFORE=path of the old proxy binary}" "${AFTER:?AFTER=path of the new proxy binary}"
STANDIN=${STANDIN:-$(dirname "$AFTER")/gemini-standin}
OHA=${OHA:-$(command -v oha || echo /tmp/bench-chat/tools/bin/oha)}
BEFORE_SYNC=${BEFORE_SYNC:-normal}
AFTER_SYNC=${AFTER_SYNC:-normal}
mkdir -p "$OUT"

KEY=test-gemini-key-0123456789
MODEL=gemini-flash-latest
STANDIN_PORT=18101
PROXY_PORT=18102
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() {
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "stream_ab: $1 did not come up" >&2
    return 1
}

QUESTION='Which customer owes the most, and how much is overdue by more than 30 days?'
DIRECT_BODY="{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"$QUESTION\"}]}],\"generationConfig\":{\"maxOutputTokens\":1024}}"
PROXY_BODY="{\"text\":\"$QUESTION\"}"
RATE_OPTS=(--no-tui -z "$DURATION" -q "$RATE" --latency-correction -c "$CONNECTIONS" -m POST -H 'content-type: application/json')

"$STANDIN" --addr 127.0.0.1:$STANDIN_PORT > "$OUT/standin.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening "$OUT/standin.log" && break; sleep 0.1; done

for round in $(seq 1 "$ROUNDS"); do
    echo "$(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/load-direct-$round"
    "$OHA" "${RATE_OPTS[@]}" --output-format json -H "x-goog-api-key: $KEY" -d "$DIRECT_BODY" \
        "http://127.0.0.1:$STANDIN_PORT/v1beta/models/$MODEL:streamGenerateContent?alt=sse" \
        > "$OUT/direct-$round.json"
    for build in before after; do
        binary=$BEFORE sync=$BEFORE_SYNC
        [ $build = after ] && binary=$AFTER sync=$AFTER_SYNC
        data="$OUT/data-$build"
        rm -rf "$data" && mkdir -p "$data"
        env -i PATH="$PATH" HOME="$HOME" \
            PROXY_ADDR=127.0.0.1:$PROXY_PORT DATA_DIR="$data" ADDIN_DIR="$OUT/no-pane" EMBEDDED_STORE_SYNC="$sync" \
            GEMINI_API_KEY=$KEY GEMINI_BASE_URL=http://127.0.0.1:$STANDIN_PORT GEMINI_MODEL=$MODEL \
            RATE_LIMIT_RPM=100000000 DAILY_TOKEN_BUDGET=100000000000 MAX_STREAMS_PER_USER=100000 \
            RUST_LOG=warn LOG_FORMAT=json \
            "$binary" > "$OUT/proxy-$build.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_for http://127.0.0.1:$PROXY_PORT/health
        "$OHA" --no-tui -n 200 -c 8 -m POST -H 'content-type: application/json' -d "$PROXY_BODY" \
            "http://127.0.0.1:$PROXY_PORT/api/v1/conversations/new/messages" > /dev/null
        echo "$(cut -d' ' -f1-3 /proc/loadavg)" > "$OUT/load-$build-$round"
        "$OHA" "${RATE_OPTS[@]}" --output-format json -d "$PROXY_BODY" \
            "http://127.0.0.1:$PROXY_PORT/api/v1/conversations/new/messages" > "$OUT/$build-$round.json"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    done
done

python3 - "$OUT" "$ROUNDS" "$RATE" <<'EOF'
import json, statistics, sys
from pathlib import Path
out, rounds, rate = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def read(name):
    d = json.loads((out / f"{name}.json").read_text())
    codes = d.get("statusCodeDistribution", {})
    failed = sum(n for c, n in codes.items() if not c.startswith("2"))
    failed += sum(n for e, n in d.get("errorDistribution", {}).items() if "deadline" not in e)
    p = d["latencyPercentiles"]
    return p["p50"] * 1000, p["p99"] * 1000, d["summary"]["requestsPerSec"], failed
print(f"Streaming at {rate}/s (added = proxy minus the stand-in direct of the same round), ms:")
print("| Round | Build | load average | req/s | p50 | p99 | added p50 | added p99 | failed |")
print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
added = {"before": ([], []), "after": ([], [])}
for r in range(1, rounds + 1):
    d50, d99, drps, dfail = read(f"direct-{r}")
    load = (out / f"load-direct-{r}").read_text().strip()
    print(f"| {r} | direct | {load} | {drps:.0f} | {d50:.2f} | {d99:.2f} |  |  | {dfail} |")
    for build in ("before", "after"):
        p50, p99, rps, fail = read(f"{build}-{r}")
        load = (out / f"load-{build}-{r}").read_text().strip()
        added[build][0].append(p50 - d50)
        added[build][1].append(p99 - d99)
        print(f"| {r} | {build} | {load} | {rps:.0f} | {p50:.2f} | {p99:.2f} | "
              f"{p50 - d50:.2f} | {p99 - d99:.2f} | {fail} |")
for build in ("before", "after"):
    a50, a99 = added[build]
    print(f"median added over {rounds} rounds, {build}: p50 {statistics.median(a50):.2f} ms, "
          f"p99 {statistics.median(a99):.2f} ms")
EOF
