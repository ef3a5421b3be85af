#!/usr/bin/env bash
# cargo-fuzz (libFuzzer) targets of the engine and the proxy: fuzz/.
# Not part of `make test`: CI replays the committed corpora and kept crashes
# on stable instead (`cargo test -p fuzz-entry`, in `cargo test --workspace`).
#
#   scripts/fuzz.sh list                      the targets and their max_len
#   scripts/fuzz.sh build                     build every target
#   scripts/fuzz.sh run <target> <seconds>    fuzz one target (long run)
#   scripts/fuzz.sh all <seconds>             fuzz every target in turn
#   scripts/fuzz.sh cmin [<target>]           minimise the committed corpora
#   scripts/fuzz.sh replay                    replay corpora + regressions (stable)
#
# Only the stable toolchain is installed: cargo-fuzz's nightly flags
# (-Zsanitizer, -Cpasses=sancov-module) are accepted with RUSTC_BOOTSTRAP=1.
# SANITIZER=address (default) or none. Runs use one process (the machine has
# 2 shared cores), -rss_limit_mb=2048 and -timeout=10; a crash is written to
# fuzz/artifacts/<target>/ and the run stops. Keep it: copy it to
# fuzz/regressions/<target>/ once fixed, so the replay test keeps it fixed.
# Needs cargo-fuzz: `cargo install cargo-fuzz` (0.13.2 used).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

export RUSTC_BOOTSTRAP=1
SANITIZER="${SANITIZER:-address}"
# cargo fuzz uses fuzz/target; a CARGO_TARGET_DIR meant for the workspace
# would mix nightly-flag builds into it.
unset CARGO_TARGET_DIR

# Largest input per target: a cell text is short, files and streams are not.
max_len() {
  case "$1" in
    parse_value) echo 256 ;;
    recipe_json | mask_policy_json) echo 4096 ;;
    jwt_header) echo 16384 ;;
    read_delimited) echo 16384 ;;
    gemini_sse) echo 65536 ;;
    read_spreadsheet) echo 131072 ;;
    *) die "unknown target: $1 (see: scripts/fuzz.sh list)" ;;
  esac
}

targets() { ls fuzz/fuzz_targets | sed 's/\.rs$//'; }

command -v cargo-fuzz >/dev/null || die "cargo-fuzz is missing: cargo install cargo-fuzz"

build() { cargo fuzz build -O -s "$SANITIZER" "$@"; }

run() {
  local target="$1" seconds="$2"
  shift 2
  max_len "$target" >/dev/null
  mkdir -p "fuzz/artifacts/$target" "fuzz/logs"
  local log="fuzz/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log"
  step "fuzzing $target for ${seconds}s (log: $log)"
  # Built first, then run directly: `cargo fuzz run` would rebuild at every
  # start whenever the tree changed. FUZZ_NO_BUILD=1 reuses the last build.
  [ "${FUZZ_NO_BUILD:-0}" = 1 ] || build "$target"
  local started=$SECONDS status
  set +o pipefail +e
  "fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release/$target" \
    -artifact_prefix="fuzz/artifacts/$target/" \
    -max_total_time="$seconds" -max_len="$(max_len "$target")" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$@" \
    "fuzz/corpus/$target" 2>&1 | tee "$log" \
    | { grep -E '^#[0-9]+[[:space:]]+(INITED|pulse|DONE)|ERROR|SUMMARY|panicked|Test unit written' || true; }
  status=${PIPESTATUS[0]}
  set -o pipefail -e
  echo "$target: $((SECONDS - started)) s, exit $status"
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log" || true
  return "$status"
}

cmin() {
  local target="$1"
  step "minimising fuzz/corpus/$target ($(ls "fuzz/corpus/$target" | wc -l) files)"
  cargo fuzz cmin -O -s "$SANITIZER" "$target" "fuzz/corpus/$target" -- \
    -max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=10
  echo "$target: $(ls "fuzz/corpus/$target" | wc -l) files, $(du -sh "fuzz/corpus/$target" | cut -f1)"
}

case "${1:-}" in
  list) for t in $(targets); do echo "$t max_len=$(max_len "$t")"; done ;;
  build) build ;;
  run)
    [ $# -ge 3 ] || die "usage: scripts/fuzz.sh run <target> <seconds> [libFuzzer flags]"
    run "${@:2}"
    ;;
  all)
    [ $# -eq 2 ] || die "usage: scripts/fuzz.sh all <seconds per target>"
    for t in $(targets); do run "$t" "$2"; done
    ;;
  cmin)
    if [ $# -ge 2 ]; then cmin "$2"; else for t in $(targets); do cmin "$t"; done; fi
    ;;
  replay) cargo test -p fuzz-entry --test replay ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
