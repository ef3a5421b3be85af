#!/usr/bin/env bash
# cargo-fuzz (libFuzzer) targets of the engine and the proxy: fuzz/.
# Not part of `make test`: CI replays the committed corpora and kept crashes
# on stable instead (`cargo test -p fuzz-entry`, in `cargo test --workspace`).
#
#   scripts/fuzz.sh list                      the targets and their max_len
#   scripts/fuzz.sh build                     build every target
#   scripts/fuzz.sh run <target> <seconds>    fuzz one target (long run)
#   scripts/fuzz.sh all <seconds>             fuzz every target in turn
#   scripts/fuzz.sh plateau <target> <quiet-minutes> <max-minutes> [<min-execs>]
#                                             fuzz until coverage stops growing
#   scripts/fuzz.sh cmin [<target>]           minimise the committed corpora
#   scripts/fuzz.sh replay                    replay corpora + regressions (stable)
#
# Only the stable toolchain is installed: cargo-fuzz's nightly flags
# (-Zsanitizer, -Cpasses=sancov-module) are accepted with RUSTC_BOOTSTRAP=1.
# SANITIZER=address (default) or none. Runs use one process (the machine has
# 2 shared cores), -rss_limit_mb=2048 and -timeout=10; a crash is written to
# fuzz/artifacts/<target>/ and the run stops. Keep it: copy it to
# fuzz/regressions/<target>/ once fixed, so the replay test keeps it fixed.
# FUZZ_NO_BUILD=1 makes run, plateau and cmin use the last build as it is.
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

# Fuzzes until coverage has stopped growing, then stops by itself. Plateau:
# libFuzzer's `cov:` and `ft:` unchanged for at least <quiet-minutes> of wall
# time, over at least as many executions as the whole run had made before the
# last change (the last doubling of the work found nothing), and at least
# <min-execs> executions in all. Otherwise it stops at <max-minutes> and says
# "no plateau". libFuzzer prints a status line only on new coverage and at
# power-of-two execution counts, so each line is stamped with the seconds
# since the start as it arrives (fuzz/logs/<target>-plateau-<time>.log), and
# executions between lines are estimated from libFuzzer's own exec/s; the
# verdict printed at the end uses the exact final count.
plateau() {
  local target="$1" quiet_min="$2" max_min="$3" min_execs="${4:-0}"
  shift 3
  [ $# -eq 0 ] || shift
  max_len "$target" >/dev/null
  mkdir -p "fuzz/artifacts/$target" "fuzz/logs"
  local log
  log="fuzz/logs/$target-plateau-$(date -u +%Y%m%dT%H%M%SZ).log"
  [ "${FUZZ_NO_BUILD:-0}" = 1 ] || build "$target"
  step "fuzzing $target until no new coverage for ${quiet_min} min (at most ${max_min} min; log: $log)"
  local fifo
  fifo="$(mktemp -u)"
  mkfifo "$fifo"
  local corpus_before
  corpus_before="$(ls "fuzz/corpus/$target" | wc -l)"
  "fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release/$target" \
    -artifact_prefix="fuzz/artifacts/$target/" \
    -max_total_time="$((max_min * 60))" -max_len="$(max_len "$target")" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$@" \
    "fuzz/corpus/$target" >"$fifo" 2>&1 &
  local pid=$!
  exec 3<"$fifo"
  rm -f "$fifo"
  local started=$SECONDS now line execs=0 rate=0 line_t=0 cov=-1 ft=-1 corp=0
  local inited=0 init_cov=0 init_ft=0 change_t=0 change_execs=0 estimate stopped=""
  local status_re='^#([0-9]+)[[:space:]]+([A-Z]+)[[:space:]].*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)/.*exec/s: ([0-9]+)'
  while :; do
    if IFS= read -r -t 10 -u 3 line; then
      now=$((SECONDS - started))
      printf '%6d %s\n' "$now" "$line" >>"$log"
      if [[ $line =~ $status_re ]]; then
        execs=${BASH_REMATCH[1]} rate=${BASH_REMATCH[6]} line_t=$now corp=${BASH_REMATCH[5]}
        if [ "${BASH_REMATCH[2]}" = INITED ]; then
          inited=1 init_cov=${BASH_REMATCH[3]} init_ft=${BASH_REMATCH[4]}
          change_t=$now change_execs=$execs
        elif [ "${BASH_REMATCH[3]}" != "$cov" ] || [ "${BASH_REMATCH[4]}" != "$ft" ]; then
          change_t=$now change_execs=$execs
        fi
        cov=${BASH_REMATCH[3]} ft=${BASH_REMATCH[4]}
      fi
      case "$line" in
        *INITED* | *pulse* | *DONE* | *ERROR* | *SUMMARY* | *panicked* | *"Test unit written"*) echo "$now s: $line" ;;
      esac
    elif [ $? -le 128 ]; then
      break # end of output: libFuzzer stopped (max time, crash, OOM)
    fi
    now=$((SECONDS - started))
    if [ "$inited" = 1 ] && [ -z "$stopped" ]; then
      estimate=$((execs + rate * (now - line_t)))
      if [ $((now - change_t)) -ge $((quiet_min * 60)) ] \
        && [ $((estimate - change_execs)) -ge "$change_execs" ] \
        && [ "$estimate" -ge "$min_execs" ]; then
        echo "$now s: no new coverage since $change_t s (~$((estimate - change_execs)) executions): stopping"
        stopped=plateau
        kill -INT "$pid" 2>/dev/null || true
      fi
    fi
    if [ -z "$stopped" ] && [ "$now" -gt $((max_min * 60 + 120)) ]; then
      stopped=overrun
      kill -INT "$pid" 2>/dev/null || true
    fi
  done
  exec 3<&-
  local status=0
  wait "$pid" || status=$?
  local total duration=$((SECONDS - started))
  total="$(sed -n 's/.*stat::number_of_executed_units: *//p' "$log" | tail -1)"
  total="${total:-$execs}"
  local quiet_s=$((duration - change_t)) quiet_execs=$((total - change_execs)) verdict
  if [ $quiet_s -ge $((quiet_min * 60)) ] && [ $quiet_execs -ge "$change_execs" ] \
    && [ "$total" -ge "$min_execs" ]; then
    verdict="plateau"
  else
    verdict="NO plateau"
  fi
  # libFuzzer exits 72 when interrupted (our stop) and 0 at max_total_time.
  case "$status" in 0 | 72 | 130) status=0 ;; esac
  local summary="$target: $verdict; ${duration} s, ${total} execs, cov ${init_cov} -> ${cov}, ft ${init_ft} -> ${ft}; last new coverage at ${change_t} s (exec ${change_execs}), then ${quiet_s} s and ${quiet_execs} execs without; corpus ${corpus_before} -> $(ls "fuzz/corpus/$target" | wc -l) files; exit ${status}"
  echo "$summary"
  echo "SUMMARY-PLATEAU $summary" >>"$log"
  grep -E 'stat::peak_rss_mb' "$log" || true
  return "$status"
}

cmin() {
  local target="$1"
  step "minimising fuzz/corpus/$target ($(ls "fuzz/corpus/$target" | wc -l) files)"
  # Like `cargo fuzz cmin` (libFuzzer merging into an empty folder), on the
  # binary itself so that FUZZ_NO_BUILD=1 can skip the rebuild, but with
  # -set_cover_merge=1 instead of -merge=1: a set cover of the features,
  # not a greedy pass from the smallest file. On read_spreadsheet's corpus
  # after round 4 it kept 1,720 files (8.6 MB) where -merge=1 kept 3,229
  # (12.0 MB), loading back to the same coverage (cov 8,517 / ft 31,015
  # against 8,513 / 31,012).
  [ "${FUZZ_NO_BUILD:-0}" = 1 ] || build "$target"
  local merged="fuzz/target/cmin/$target"
  rm -rf "$merged"
  mkdir -p "$merged" "fuzz/logs"
  "fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release/$target" -set_cover_merge=1 \
    -max_len="$(max_len "$target")" -rss_limit_mb=2048 -timeout=10 \
    "$merged" "fuzz/corpus/$target" >"fuzz/logs/$target-cmin.log" 2>&1 \
    || die "merge failed: fuzz/logs/$target-cmin.log"
  grep -E 'MERGE-OUTER: [0-9]+ new files' "fuzz/logs/$target-cmin.log" || true
  rm -rf "fuzz/corpus/$target"
  mv "$merged" "fuzz/corpus/$target"
  echo "$target: $(ls "fuzz/corpus/$target" | wc -l) files, $(cat "fuzz/corpus/$target"/* | wc -c) bytes"
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
  plateau)
    [ $# -ge 4 ] || die "usage: scripts/fuzz.sh plateau <target> <quiet-minutes> <max-minutes> [<min-execs>] [libFuzzer flags]"
    plateau "${@:2}"
    ;;
  cmin)
    if [ $# -ge 2 ]; then cmin "$2"; else for t in $(targets); do cmin "$t"; done; fi
    ;;
  replay) cargo test -p fuzz-entry --test replay ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
