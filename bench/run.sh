#!/usr/bin/env bash
# The cleaning-engine benchmark: generates the data, then times native
# xlclean, the pandas peer, the wasm engine in Node and the wasm engine in
# a Web Worker in headless Chromium on it, in the same run, and prints one
# table with the ratios and the issue's targets, then how far the pandas
# peer and the engine agree on what they did.
#
#   bench/run.sh [ROWS]          (default 100000)
#
# RUNS (default 3) runs of everything, interleaved job by job (native,
# pandas, then one wasm pass in Node and one in Chromium per run) so that
# every side sees the same load; the table shows the fastest run of each
# (wall and CPU time each at their minimum, peak memory at its maximum).
# XLCLEAN=path/to/xlclean times that binary instead of building one;
# WASM_PKG=dir a wasm-bindgen --target web package instead of building one.
# BENCH_DIR (default /tmp/bench) holds the data and outputs.
# Installs what is missing: bench/.venv (bench/requirements.txt), the
# wasm32 target and wasm-bindgen CLI (scripts/lib.sh), `npm ci` in
# tests/e2e (playwright-core) and Debian's chromium.
set -euo pipefail
ROWS=${1:-100000}
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../scripts/lib.sh"
OUT=${BENCH_DIR:-/tmp/bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$OUT"

VENV="$HERE/.venv"
if [ ! -x "$VENV/bin/python" ] || [ "$HERE/requirements.txt" -nt "$VENV/.installed" ]; then
    step "creating $VENV (pandas, rapidfuzz)"
    python3 -m venv "$VENV" || { apt_ensure python3-venv && python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
    touch "$VENV/.installed"
fi
PY="$VENV/bin/python"
ensure_node_modules "$ROOT/tests/e2e"
[ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ] || apt_ensure chromium

if [ -z "${XLCLEAN:-}" ]; then
    step "building xlclean"
    nice -n 10 cargo build --manifest-path "$ROOT/Cargo.toml" --release -p engine --bin xlclean
fi
XL=${XLCLEAN:-$CARGO_TARGET_DIR/release/xlclean}
PKG=${WASM_PKG:-}
if [ -z "$PKG" ]; then
    # As scripts/build-wasm.sh, into the bench directory (the add-in's
    # package is left alone); wasm-opt is skipped as there unless >= 116.
    ensure_wasm_toolchain
    step "building the engine for wasm32"
    nice -n 10 cargo build --manifest-path "$ROOT/Cargo.toml" -p engine-wasm --target wasm32-unknown-unknown --profile wasm-release
    PKG="$OUT/pkg"
    wasm-bindgen --target web --out-dir "$PKG" --out-name engine_wasm \
        "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/engine_wasm.wasm"
    v="$(wasm-opt --version 2>/dev/null | awk '{print $3}' || true)"
    if [ -n "$v" ] && [ "$v" -ge 116 ] 2>/dev/null; then
        wasm-opt -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
            --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
            "$PKG/engine_wasm_bg.wasm" -o "$PKG/engine_wasm_bg.wasm"
    fi
fi

DATA="$OUT/finance-$ROWS.csv"
python3 "$HERE/gen_data.py" "$ROWS" "$DATA"
BYTES=$(wc -c < "$DATA")
# The standardize steps of the auto recipe alone, as it suggests them.
STANDARDIZE="$HERE/clean/standardize-recipe.json"
step "timing on $DATA ($BYTES bytes), $RUNS runs; load: $(uptime | sed 's/.*load average: //')"
TIMES="$OUT/times.tsv"
: > "$TIMES"
measure() { # name, stdout file, command... -> name, wall, CPU (user + system), peak RSS KB
    local name=$1 out=$2
    shift 2
    /usr/bin/time -o "$TIMES" -a -f "$name	%e	%U	%S	%M" "$@" > "$out"
}
for run in $(seq 1 "$RUNS"); do
    echo "run $run of $RUNS"
    measure "xlclean profile" /dev/null "$XL" profile "$DATA"
    measure "pandas profile" /dev/null "$PY" "$HERE/pandas_clean.py" profile "$DATA"
    measure "xlclean standardize" /dev/null "$XL" clean "$DATA" --recipe "$STANDARDIZE" --out "$OUT/standardized.csv"
    measure "pandas standardize" /dev/null "$PY" "$HERE/pandas_clean.py" clean "$DATA" "$OUT/pandas-standardized.csv"
    measure "xlclean exact duplicates" "$OUT/exact-dups.json" "$XL" duplicates "$DATA" --threshold 1
    measure "pandas exact duplicates" /dev/null "$PY" "$HERE/pandas_clean.py" duplicates "$DATA" "$OUT/pandas-exact.json"
    measure "xlclean auto clean" /dev/null "$XL" clean "$DATA" --auto --out "$OUT/clean.csv"
    measure "xlclean auto clean + report" /dev/null "$XL" clean "$DATA" --auto --out "$OUT/clean.csv" --report "$OUT/report.json"
    measure "pandas auto clean" /dev/null "$PY" "$HERE/pandas_clean.py" auto "$DATA" "$OUT/pandas-clean.csv"
    measure "xlclean fuzzy duplicates" "$OUT/dups.json" "$XL" duplicates "$DATA"
    measure "pandas fuzzy duplicates" /dev/null "$PY" "$HERE/pandas_clean.py" fuzzy "$DATA" "$OUT/pandas-dups.json"
    node "$HERE/wasm_clean.mjs" "$DATA" 1 "$PKG" --tsv "$TIMES" > "$OUT/wasm-node.txt"
    node "$HERE/wasm_chromium.mjs" "$DATA" 1 "$PKG" --tsv "$TIMES" > "$OUT/wasm-chromium.txt"
done
echo "load after: $(uptime | sed 's/.*load average: //')"
cat "$OUT/wasm-node.txt" "$OUT/wasm-chromium.txt" | grep -E '^/|bytes;' || true

awk -F '\t' -v bytes="$BYTES" -v runs="$RUNS" '
    # native and pandas lines: name, wall, user, system, peak RSS KB;
    # wasm lines: name, wall, CPU, wasm memory KB.
    {
        cpu = NF == 5 ? $3 + $4 : $3; mem = NF == 5 ? $5 : $4
        if (!($1 in wall)) { order[++n] = $1; wall[$1] = $2; cpus[$1] = cpu; peak[$1] = mem; next }
        if ($2 < wall[$1]) wall[$1] = $2; if (cpu < cpus[$1]) cpus[$1] = cpu; if (mem > peak[$1]) peak[$1] = mem
    }
    function row(label, x, p,    r) {
        if (!(x in wall)) return
        printf "%-28s %7.2f %7.2f %8.0f %6.1f", label, wall[x], cpus[x], peak[x] / 1024, peak[x] * 1024 / bytes
        if (p in wall) printf " | %7.2f %7.2f %8.0f %6.1f | %6.1fx %6.1fx", wall[p], cpus[p], peak[p] / 1024, peak[p] * 1024 / bytes, cpus[p] / cpus[x], wall[p] / wall[x]
        printf "\n"
    }
    function wasm(label, w, x) {
        if (!(w in wall) || !(x in wall)) return
        printf "%-28s %7.2f %7.2f %8.0f %6.1f | native %5.2f s CPU, %5.2f s wall | wasm/native %5.2fx CPU %5.2fx wall\n", label, wall[w], cpus[w], peak[w] / 1024, peak[w] * 1024 / bytes, cpus[x], wall[x], cpus[w] / cpus[x], wall[w] / wall[x]
    }
    END {
        printf "\nbest of %d runs; CPU = user + system; memory: peak RSS (native, pandas) or wasm linear memory (wasm), MB and x CSV size (%d bytes)\n", runs, bytes
        printf "%-28s %7s %7s %8s %6s | %7s %7s %8s %6s | %s\n", "xlclean job", "wall s", "CPU s", "MB", "xCSV", "pandas", "CPU s", "MB", "xCSV", "pandas/xlclean CPU, wall"
        row("profile", "xlclean profile", "pandas profile")
        row("standardize (subset)", "xlclean standardize", "pandas standardize")
        row("exact duplicates (subset)", "xlclean exact duplicates", "pandas exact duplicates")
        row("auto clean (full)", "xlclean auto clean", "pandas auto clean")
        row("auto clean + report", "xlclean auto clean + report", "pandas auto clean")
        row("fuzzy duplicates 0.8", "xlclean fuzzy duplicates", "pandas fuzzy duplicates")
        printf "\n%-28s %7s %7s %8s %6s\n", "wasm job (in-process)", "wall s", "CPU s", "wasm MB", "xCSV"
        split("read + profile|read + auto clean|read + duplicates", jobs, "|")
        split("xlclean profile|xlclean auto clean + report|xlclean fuzzy duplicates", natives, "|")
        for (k = 1; k <= 3; k++) {
            wasm("node: " jobs[k], "wasm node " jobs[k], natives[k])
            wasm("chromium: " jobs[k], "wasm chromium " jobs[k], natives[k])
        }
        print "\ntargets"
        a = "xlclean auto clean"; p = "pandas auto clean"
        if ((a in cpus) && (p in cpus)) printf "  native auto clean >= 5x faster than pandas (same operations): %.1fx CPU, %.1fx wall\n", cpus[p] / cpus[a], wall[p] / wall[a]
        for (k = 1; k <= 3; k++) for (e = 1; e <= 2; e++) {
            w = (e == 1 ? "wasm node " : "wasm chromium ") jobs[k]
            if ((w in wall) && (natives[k] in wall)) printf "  wasm within 2x of native, %-8s %-18s %.2fx CPU, %.2fx wall\n", (e == 1 ? "node" : "chromium"), jobs[k] ":", cpus[w] / cpus[natives[k]], wall[w] / wall[natives[k]]
        }
        for (e = 1; e <= 2; e++) {
            w = (e == 1 ? "wasm node " : "wasm chromium ") "read + duplicates"
            if (w in wall) printf "  duplicates < 2 s in wasm (target at 100k rows), %-8s %.2f s wall (%.2f s CPU)\n", (e == 1 ? "node" : "chromium"), wall[w], cpus[w]
        }
        split("xlclean profile|xlclean standardize|xlclean auto clean|xlclean auto clean + report|xlclean fuzzy duplicates", mems, "|")
        for (k = 1; k <= 5; k++) if (mems[k] in peak) printf "  peak memory < 5x CSV, %-28s %.1fx (%.0f MB)\n", mems[k] ":", peak[mems[k]] * 1024 / bytes, peak[mems[k]] / 1024
    }' "$TIMES"

echo
"$PY" "$HERE/pandas_clean.py" agree "$DATA" "$OUT"
