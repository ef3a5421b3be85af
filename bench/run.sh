#!/bin/sh
# The cleaning-engine benchmark: generates the data, then times xlclean and
# the pandas baseline on it in the same run, with peak memory.
#
#   bench/run.sh [ROWS]          (default 100000; needs /usr/bin/time)
#
# pandas comes from a venv: PYTHON=/tmp/bench-venv/bin/python (created with
# `python3 -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install pandas`).
set -eu
ROWS=${1:-100000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT=${BENCH_DIR:-/tmp/bench}
PYTHON=${PYTHON:-/tmp/bench-venv/bin/python}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$OUT"
(cd "$ROOT" && cargo build --release -p engine --bin xlclean)
XL="$CARGO_TARGET_DIR/release/xlclean"
DATA="$OUT/finance-$ROWS.csv"
python3 "$HERE/gen_data.py" "$ROWS" "$DATA"
echo "data: $DATA ($(wc -c < "$DATA") bytes)"
measure() { # name, command...
    name=$1; shift
    /usr/bin/time -f "$name	%e s wall	%U s user	%S s sys	%M KB peak" "$@" > /dev/null
}
measure "xlclean profile" "$XL" profile "$DATA"
measure "xlclean clean --auto --report" "$XL" clean "$DATA" --auto --out "$OUT/clean.csv" --report "$OUT/report.json"
measure "xlclean duplicates" "$XL" duplicates "$DATA"
if [ -x "$PYTHON" ]; then
    measure "pandas profile" "$PYTHON" "$HERE/pandas_clean.py" profile "$DATA"
    measure "pandas clean" "$PYTHON" "$HERE/pandas_clean.py" clean "$DATA" "$OUT/pandas-clean.csv"
    measure "pandas duplicates" "$PYTHON" "$HERE/pandas_clean.py" duplicates "$DATA"
else
    echo "pandas: skipped ($PYTHON not found)"
fi
