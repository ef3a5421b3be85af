#!/bin/sh
# The cleaning-engine benchmark: generates the data, then times xlclean and
# the pandas baseline on it in the same run, with peak memory, and prints
# the ratios.
#
#   bench/run.sh [ROWS]          (default 100000; needs /usr/bin/time)
#
# XLCLEAN=path/to/xlclean skips the build and times that binary.
# RUNS (default 3) runs of each job, interleaved xlclean / pandas so that
# both sides see the same load; the table shows the fastest run of each
# (user CPU time and wall time each at their minimum, peak RSS at its
# maximum). pandas comes from a venv: PYTHON=/tmp/bench-venv/bin/python
# (created with `python3 -m venv /tmp/bench-venv &&
# /tmp/bench-venv/bin/pip install pandas`).
set -eu
ROWS=${1:-100000}
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT=${BENCH_DIR:-/tmp/bench}
PYTHON=${PYTHON:-/tmp/bench-venv/bin/python}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$OUT"
if [ -z "${XLCLEAN:-}" ]; then
    (cd "$ROOT" && cargo build --release -p engine --bin xlclean)
fi
XL=${XLCLEAN:-$CARGO_TARGET_DIR/release/xlclean}
DATA="$OUT/finance-$ROWS.csv"
python3 "$HERE/gen_data.py" "$ROWS" "$DATA"
BYTES=$(wc -c < "$DATA")
echo "data: $DATA ($BYTES bytes)"
TIMES="$OUT/times.tsv"
: > "$TIMES"
measure() { # name, command...
    name=$1; shift
    /usr/bin/time -o "$TIMES" -a -f "$name	%e	%U	%M" "$@" > /dev/null
}
PANDAS=yes
[ -x "$PYTHON" ] || { PANDAS=; echo "pandas: skipped ($PYTHON not found)"; }
run=1
while [ "$run" -le "$RUNS" ]; do
    measure "xlclean profile" "$XL" profile "$DATA"
    [ -z "$PANDAS" ] || measure "pandas profile" "$PYTHON" "$HERE/pandas_clean.py" profile "$DATA"
    measure "xlclean clean --auto" "$XL" clean "$DATA" --auto --out "$OUT/clean.csv"
    measure "xlclean clean --auto --report" "$XL" clean "$DATA" --auto --out "$OUT/clean.csv" --report "$OUT/report.json"
    [ -z "$PANDAS" ] || measure "pandas clean" "$PYTHON" "$HERE/pandas_clean.py" clean "$DATA" "$OUT/pandas-clean.csv"
    measure "xlclean duplicates" "$XL" duplicates "$DATA"
    [ -z "$PANDAS" ] || measure "pandas duplicates" "$PYTHON" "$HERE/pandas_clean.py" duplicates "$DATA"
    run=$((run + 1))
done
awk -F '\t' -v bytes="$BYTES" -v runs="$RUNS" '
    !($1 in wall) { order[++n] = $1; wall[$1] = $2; user[$1] = $3; peak[$1] = $4; next }
    { if ($2 < wall[$1]) wall[$1] = $2; if ($3 < user[$1]) user[$1] = $3; if ($4 > peak[$1]) peak[$1] = $4 }
    END {
        printf "\nbest of %d runs; peak RSS as a multiple of the CSV size (%d bytes)\n", runs, bytes
        printf "%-32s %9s %9s %10s %7s\n", "job", "wall s", "user s", "peak MB", "xCSV"
        for (i = 1; i <= n; i++) {
            k = order[i]
            printf "%-32s %9.2f %9.2f %10.1f %7.1f\n", k, wall[k], user[k], peak[k] / 1024, peak[k] * 1024 / bytes
        }
        split("profile|clean --auto|clean --auto --report|duplicates", jobs, "|")
        split("profile|clean|clean|duplicates", baseline, "|")
        print "\npandas time / xlclean time (higher is better for xlclean)"
        for (i = 1; i <= 4; i++) {
            x = "xlclean " jobs[i]; p = "pandas " baseline[i]
            if ((x in user) && (p in user) && user[x] > 0 && wall[x] > 0)
                printf "%-32s user %5.1fx   wall %5.1fx\n", jobs[i], user[p] / user[x], wall[p] / wall[x]
        }
    }' "$TIMES"
