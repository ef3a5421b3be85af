#!/bin/sh
# PII detection: accuracy of the engine and of Microsoft Presidio on the
# labeled sets, side by side in the same run, and the engine's scan speed
# on 1,000,000 finance cells.
#
#   bench/pii/run.sh              # accuracy (both sets) + speed
#   bench/pii/run.sh accuracy     # only the labeled sets
#   bench/pii/run.sh speed        # only the 1M-cell scan
#
# Presidio runs from a venv: PYTHON=/tmp/pii-venv/bin/python (created here
# from bench/pii/requirements.txt when missing). Needs /usr/bin/time.
set -eu
MODE=${1:-all}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${BENCH_DIR:-/tmp/bench-pii}
PYTHON=${PYTHON:-/tmp/pii-venv/bin/python}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$OUT"
(cd "$ROOT" && cargo build --release -p engine --bin xlclean)
XL="$CARGO_TARGET_DIR/release/xlclean"

if [ "$MODE" = all ] || [ "$MODE" = accuracy ]; then
    # The committed sets are exactly what the generator writes.
    python3 "$HERE/gen_eval.py" "$OUT"
    for set in eval_cells holdout_cells; do
        cmp "$OUT/$set.jsonl" "$HERE/$set.jsonl" || {
            echo "$set.jsonl differs from what gen_eval.py writes" >&2
            exit 1
        }
    done
    if [ ! -x "$PYTHON" ]; then
        python3 -m venv "$(dirname "$(dirname "$PYTHON")")"
        "$PYTHON" -m pip install -q -r "$HERE/requirements.txt"
    fi
    for set in eval_cells holdout_cells; do
        echo "== $set"
        "$PYTHON" "$HERE/evaluate.py" --cells "$HERE/$set.jsonl" --xlclean "$XL" \
            --json "$OUT/$set-results.json"
    done
fi

if [ "$MODE" = all ] || [ "$MODE" = speed ]; then
    # 100,000 rows x 10 columns of the cleaning benchmark's finance data.
    DATA="$OUT/finance-100000.csv"
    python3 "$ROOT/bench/gen_data.py" 100000 "$DATA"
    echo "== xlclean scan, 1,000,000 cells ($(wc -c < "$DATA") bytes), 3 runs"
    for run in 1 2 3; do
        /usr/bin/time -f "run $run	%e s wall	%U s user	%S s sys	%M KB peak" \
            "$XL" scan "$DATA" > "$OUT/findings.json"
    done
    echo "findings: $(grep -c '"row"' "$OUT/findings.json")"
fi
