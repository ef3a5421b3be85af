#!/usr/bin/env bash
# The chat proxy's overhead, side by side with LiteLLM's proxy, in one run:
# the Gemini stand-in (tests/src/bin/gemini-standin.rs) called directly,
# through our proxy, and through LiteLLM pointed at the same stand-in.
#
#   bench/chat/run.sh            (DURATION=10s RATE=1000 CONNECTIONS=64 STREAMS=1000)
#
# STORE_SYNC="normal full" (the default): the EMBEDDED_STORE_SYNC settings
# whose streaming rows are measured, each on a proxy of its own with a fresh
# DATA_DIR; the first also serves the JSON rows and the open-streams memory.
# The load average is recorded before and after, and the cost of one fsync
# on DATA_DIR's disk is measured in the same run (bench/chat/fsync.py).
#
# Needs: oha (installed with `cargo install oha --locked` into $OUT/tools when
# missing), python3 (LiteLLM goes into a venv under $OUT), the release
# proxy and stand-in (built here). Writes $OUT/results.md, the table that
# docs/BENCHMARKS.md quotes. Nothing reaches the internet: every upstream
# is the stand-in on 127.0.0.1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${BENCH_DIR:-/tmp/bench-chat}
DURATION=${DURATION:-10s}
RATE=${RATE:-1000}
LITELLM_RATE=${LITELLM_RATE:-100}
CONNECTIONS=${CONNECTIONS:-64}
STREAMS=${STREAMS:-1000}
read -r -a SYNCS <<< "${STORE_SYNC:-normal full}"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$OUT"

OHA=${OHA:-$(command -v oha || true)}
if [ -z "$OHA" ]; then
    OHA=$OUT/tools/bin/oha
    [ -x "$OHA" ] || cargo install oha --version 1.16.0 --locked --root "$OUT/tools"
fi
VENV=${LITELLM_VENV:-$OUT/litellm-venv}
if [ ! -x "$VENV/bin/litellm" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
fi
# BIN_DIR=dir with a built `proxy` and `gemini-standin` skips the build.
if [ -z "${BIN_DIR:-}" ]; then
    (cd "$ROOT" && cargo build --release -p proxy -p system-tests --bin proxy --bin gemini-standin)
fi
BIN=${BIN_DIR:-$CARGO_TARGET_DIR/release}

KEY=test-gemini-key-0123456789 # system_tests::gemini::KEY
MODEL=gemini-flash-latest
STANDIN_PORT=18081
PROXY_PORT=18082
LITELLM_PORT=18083
SLOW_PORT=18084
SLOW_PROXY_PORT=18085
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() { # url
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "bench: $1 did not come up" >&2
    return 1
}

start_proxy() { # port, upstream port, data dir, EMBEDDED_STORE_SYNC; sets STARTED
    rm -rf "$3" && mkdir -p "$3"
    echo "bench: proxy on port $1 with EMBEDDED_STORE_SYNC=$4, DATA_DIR $3"
    env -i PATH="$PATH" HOME="$HOME" \
        PROXY_ADDR=127.0.0.1:$1 DATA_DIR="$3" ADDIN_DIR="$OUT/no-pane" EMBEDDED_STORE_SYNC="$4" \
        GEMINI_API_KEY=$KEY GEMINI_BASE_URL=http://127.0.0.1:$2 GEMINI_MODEL=$MODEL \
        RATE_LIMIT_RPM=100000000 DAILY_TOKEN_BUDGET=100000000000 MAX_STREAMS_PER_USER=100000 \
        RUST_LOG=warn LOG_FORMAT=json \
        "$BIN/proxy" > "$3.log" 2>&1 &
    STARTED=$!
    PIDS+=("$STARTED")
}

uptime > "$OUT/load-before.txt"
"$BIN/gemini-standin" --addr 127.0.0.1:$STANDIN_PORT > "$OUT/standin.log" 2>&1 &
PIDS+=($!)
# One proxy per setting, on consecutive ports; the first is $PROXY_PORT.
SYNC_PORTS=()
for i in "${!SYNCS[@]}"; do
    port=$((PROXY_PORT + 10 + i))
    [ "$i" = 0 ] && port=$PROXY_PORT
    SYNC_PORTS+=("$port")
    start_proxy "$port" $STANDIN_PORT "$OUT/proxy-data-${SYNCS[$i]}" "${SYNCS[$i]}"
done
cat > "$OUT/litellm.yaml" <<EOF
model_list:
  - model_name: $MODEL
    litellm_params:
      model: gemini/$MODEL
      api_base: http://127.0.0.1:$STANDIN_PORT/v1beta
      api_key: $KEY
litellm_settings:
  telemetry: false
EOF
(cd "$OUT" && exec env -i PATH="$PATH" HOME="$HOME" LITELLM_LOG=ERROR \
    "$VENV/bin/litellm" --config "$OUT/litellm.yaml" --host 127.0.0.1 --port $LITELLM_PORT \
    > "$OUT/litellm.log" 2>&1) &
PIDS+=($!)
for port in "${SYNC_PORTS[@]}"; do wait_for "http://127.0.0.1:$port/health"; done
wait_for http://127.0.0.1:$LITELLM_PORT/health/liveliness

QUESTION='Which customer owes the most, and how much is overdue by more than 30 days?'
DIRECT_BODY="{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"$QUESTION\"}]}],\"generationConfig\":{\"maxOutputTokens\":1024}}"
PROXY_BODY="{\"text\":\"$QUESTION\"}"
LITELLM_STREAM_BODY="{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"$QUESTION\"}],\"max_tokens\":1024,\"stream\":true}"
LITELLM_BODY="{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"$QUESTION\"}],\"max_tokens\":1024}"
DIRECT=http://127.0.0.1:$STANDIN_PORT/v1beta/models/$MODEL
PROXY=http://127.0.0.1:$PROXY_PORT/api/v1
LITELLM=http://127.0.0.1:$LITELLM_PORT/v1/chat/completions

# name, oha options..., url: one JSON result per measurement.
measure() {
    local name=$1
    shift
    "$OHA" --no-tui --output-format json -m POST -H 'content-type: application/json' "$@" \
        > "$OUT/$name.json"
    echo "measured $name"
}
warm() { "$OHA" --no-tui -n 200 -c 8 -m POST -H 'content-type: application/json' "$@" > /dev/null; }

# Streaming: the whole answer read (5 SSE chunks from the stand-in).
# The proxy's `new` conversation stores the question before and the answer
# after the model call, audits the query and runs the window and PII guard.
warm -H "x-goog-api-key: $KEY" -d "$DIRECT_BODY" "$DIRECT:streamGenerateContent?alt=sse"
for port in "${SYNC_PORTS[@]}"; do
    warm -d "$PROXY_BODY" "http://127.0.0.1:$port/api/v1/conversations/new/messages"
done
warm -d "$LITELLM_STREAM_BODY" "$LITELLM"
for mode in rate max; do
    if [ $mode = rate ]; then opts=(-z "$DURATION" -q "$RATE" --latency-correction -c "$CONNECTIONS"); else opts=(-z "$DURATION" -c "$CONNECTIONS"); fi
    measure "stream-direct-$mode" "${opts[@]}" -H "x-goog-api-key: $KEY" -d "$DIRECT_BODY" "$DIRECT:streamGenerateContent?alt=sse"
    for i in "${!SYNCS[@]}"; do
        measure "stream-proxy-${SYNCS[$i]}-$mode" "${opts[@]}" -d "$PROXY_BODY" \
            "http://127.0.0.1:${SYNC_PORTS[$i]}/api/v1/conversations/new/messages"
    done
done
# What one durable write costs on this disk, in the same minute.
python3 "$HERE/fsync.py" "$OUT/proxy-data-${SYNCS[0]}/fsync-probe" > "$OUT/fsync.txt"
cat "$OUT/fsync.txt"
measure stream-litellm-rate -z "$DURATION" -q "$LITELLM_RATE" --latency-correction -c "$CONNECTIONS" -d "$LITELLM_STREAM_BODY" "$LITELLM"
measure stream-litellm-max -z "$DURATION" -c "$CONNECTIONS" -d "$LITELLM_STREAM_BODY" "$LITELLM"

# Non-streaming: one JSON round trip upstream. Ours is tokens/count
# (Gemini countTokens); LiteLLM's is a non-streamed completion
# (generateContent); the direct baselines are those two calls.
COUNT_DIRECT_BODY="{\"generateContentRequest\":{\"model\":\"models/$MODEL\",\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"$QUESTION\"}]}]}}"
for mode in rate max; do
    if [ $mode = rate ]; then opts=(-z "$DURATION" -q "$RATE" --latency-correction -c "$CONNECTIONS"); else opts=(-z "$DURATION" -c "$CONNECTIONS"); fi
    measure "count-direct-$mode" "${opts[@]}" -H "x-goog-api-key: $KEY" -d "$COUNT_DIRECT_BODY" "$DIRECT:countTokens"
    measure "count-proxy-$mode" "${opts[@]}" -d "$PROXY_BODY" "$PROXY/tokens/count"
    measure "generate-direct-$mode" "${opts[@]}" -H "x-goog-api-key: $KEY" -d "$DIRECT_BODY" "$DIRECT:generateContent"
done
measure generate-litellm-rate -z "$DURATION" -q "$LITELLM_RATE" --latency-correction -c "$CONNECTIONS" -d "$LITELLM_BODY" "$LITELLM"
measure generate-litellm-max -z "$DURATION" -c "$CONNECTIONS" -d "$LITELLM_BODY" "$LITELLM"

# Memory with $STREAMS open streams: a stand-in that answers 20 pieces one
# second apart, a fresh proxy in front of it, $STREAMS clients at once.
"$BIN/gemini-standin" --addr 127.0.0.1:$SLOW_PORT --pieces 20 --pause-ms 1000 > "$OUT/slow-standin.log" 2>&1 &
PIDS+=($!)
start_proxy $SLOW_PROXY_PORT $SLOW_PORT "$OUT/slow-proxy-data" "${SYNCS[0]}"
SLOW_PID=$STARTED
wait_for http://127.0.0.1:$SLOW_PROXY_PORT/health
ulimit -n 65536 2>/dev/null || true
idle_kb=$(awk '/VmRSS/ {print $2}' /proc/$SLOW_PID/status)
"$OHA" --no-tui --output-format json -n "$STREAMS" -c "$STREAMS" -m POST -H 'content-type: application/json' \
    -d "$PROXY_BODY" "http://127.0.0.1:$SLOW_PROXY_PORT/api/v1/conversations/new/messages" > "$OUT/streams-open.json" &
OHA_PID=$!
peak_kb=0
while kill -0 $OHA_PID 2>/dev/null; do
    now=$(awk '/VmRSS/ {print $2}' /proc/$SLOW_PID/status)
    [ "$now" -gt "$peak_kb" ] && peak_kb=$now
    sleep 0.5
done
wait $OHA_PID
echo "{\"idle_kb\": $idle_kb, \"peak_kb\": $peak_kb, \"streams\": $STREAMS}" > "$OUT/streams-rss.json"
uptime > "$OUT/load-after.txt"

python3 "$HERE/summarise.py" "$OUT" "$RATE" "$LITELLM_RATE" "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))')" \
    "${SYNCS[*]}" | tee "$OUT/results.md"
