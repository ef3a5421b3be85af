#!/usr/bin/env bash
# Engine robustness over a whole folder of real spreadsheets: the release
# `xlclean profile` on every file, one at a time, each with a wall-clock
# timeout and an address-space cap, its peak RSS measured.
#
#   scripts/corpus_check.sh [<folder>] [<seconds per file>] [<memory cap MiB>]
#
# Defaults: ../shared/bench/data/sheets (the bench corpus), 60 s, 4096 MiB.
# XLCLEAN=<path> uses that binary instead of building one (the build uses
# $CARGO_TARGET_DIR, else target/). A file passes when it is profiled
# (exit 0) or refused with one line on stderr and exit 2, as the CLI
# promises for bad input. Anything else fails the check: a panic, a timeout,
# a kill at the memory cap, another exit code or a refusal that is not one
# line. One row per file goes to $OUT (default: tests/output/corpus_check.tsv).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

FOLDER="${1:-$ROOT/../shared/bench/data/sheets}"
SECONDS_PER_FILE="${2:-60}"
CAP_MIB="${3:-4096}"
OUT="${OUT:-$ROOT/tests/output/corpus_check.tsv}"
[ -d "$FOLDER" ] || die "no such folder: $FOLDER"

if [ -z "${XLCLEAN:-}" ]; then
  step "building the release xlclean"
  cargo build --release --locked -p engine --bin xlclean
  XLCLEAN="${CARGO_TARGET_DIR:-$ROOT/target}/release/xlclean"
fi
[ -x "$XLCLEAN" ] || die "no xlclean at $XLCLEAN"

mkdir -p "$(dirname "$OUT")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

printf 'file\tbytes\toutcome\texit\tseconds\tpeak_rss_kb\tstderr\n' >"$OUT"
files=0 profiled=0 refused=0 panics=0 timeouts=0 failures=0
max_rss=0 max_rss_file="" slowest=0 slowest_file=""
step "profiling every file of $FOLDER (${SECONDS_PER_FILE} s, ${CAP_MIB} MiB each)"
while IFS= read -r -d '' file; do
  files=$((files + 1))
  status=0
  # time(1) outside timeout(1): the figures are those of the whole run,
  # and the address-space cap applies to xlclean alone.
  /usr/bin/time -f '%e %M' -o "$work/time" \
    timeout -k 5 "$SECONDS_PER_FILE" \
    prlimit --as=$((CAP_MIB * 1024 * 1024)) \
    "$XLCLEAN" profile "$file" >"$work/out" 2>"$work/err" || status=$?
  # time(1) prefixes its own line when the command failed; the figures are last.
  read -r took rss < <(tail -1 "$work/time")
  lines="$(wc -l <"$work/err")"
  if grep -q 'panicked' "$work/err"; then
    outcome=panic panics=$((panics + 1))
  elif [ "$status" = 124 ] || [ "$status" = 137 ]; then
    outcome=timeout timeouts=$((timeouts + 1))
  elif [ "$status" = 0 ]; then
    outcome=profiled profiled=$((profiled + 1))
  elif [ "$status" = 2 ] && [ "$lines" = 1 ]; then
    outcome=refused refused=$((refused + 1))
  else
    outcome=failed failures=$((failures + 1))
  fi
  if [ "$rss" -gt "$max_rss" ]; then max_rss=$rss max_rss_file=$file; fi
  if awk -v a="$took" -v b="$slowest" 'BEGIN { exit !(a > b) }'; then
    slowest=$took slowest_file=$file
  fi
  message="$(head -c 300 "$work/err" | tr '\t\n' '  ')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${file#"$FOLDER"/}" "$(stat -c %s "$file")" \
    "$outcome" "$status" "$took" "$rss" "$message" >>"$OUT"
  case "$outcome" in
    profiled | refused) ;;
    *) echo "$outcome (exit $status, ${took} s): ${file#"$FOLDER"/}: $message" ;;
  esac
done < <(find "$FOLDER" -type f ! -name '*.md' -print0 | sort -z)

echo "files: $files; profiled: $profiled; refused (exit 2, one line): $refused;" \
  "panics: $panics; timeouts: $timeouts; other failures: $failures"
echo "peak RSS: $((max_rss / 1024)) MiB (${max_rss_file#"$FOLDER"/}); slowest: ${slowest} s (${slowest_file#"$FOLDER"/})"
echo "per file: $OUT"
[ $((panics + timeouts + failures)) -eq 0 ] || die "the engine failed on $((panics + timeouts + failures)) file(s)"
