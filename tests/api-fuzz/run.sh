#!/usr/bin/env bash
# API fuzzing: schemathesis against the real proxy binary's own /openapi.json,
# every operation, twice — local mode (no sign-in) and with Supabase HS256
# tokens — with AI chat pointed at the Gemini stand-in so the chat endpoints
# answer for real instead of 503. Fails on any 5xx or any response the
# document does not describe (status, content type, body schema).
#
# usage: tests/api-fuzz/run.sh PROXY_BIN GEMINI_STANDIN_BIN
# env:   API_FUZZ_EXAMPLES (default 25 per operation and phase),
#        API_FUZZ_SEED (replay a run; schemathesis prints the seed it used).
source "$(dirname "$0")/../../scripts/lib.sh"

proxy_bin="${1:?usage: run.sh PROXY_BIN GEMINI_STANDIN_BIN}"
standin_bin="${2:?usage: run.sh PROXY_BIN GEMINI_STANDIN_BIN}"
examples="${API_FUZZ_EXAMPLES:-25}"
here="$ROOT/tests/api-fuzz"
venv="${CARGO_TARGET_DIR:-$ROOT/target}/api-fuzz-venv"
# Must match system_tests::gemini::KEY, which the stand-in accepts.
gemini_key="test-gemini-key-0123456789"
jwt_secret="api-fuzz-jwt-secret-at-least-32-characters"
jwt_issuer="http://127.0.0.1:54321/auth/v1"

# A venv of its own, rebuilt only when the pins change.
if [ ! -f "$venv/.installed" ] || [ "$here/requirements.txt" -nt "$venv/.installed" ]; then
  step "installing schemathesis into ${venv}"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  touch "$venv/.installed"
fi

scratch="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() {
  local url="$1" log="$2"
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$log" >&2
  die "nothing answered at $url"
}

"$standin_bin" --pieces 3 --words 4 >"$scratch/standin.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q 'listening on' "$scratch/standin.log" && break; sleep 0.1; done
gemini_url="$(sed -n 's/.*listening on //p' "$scratch/standin.log" | head -n1)"
[ -n "$gemini_url" ] || { cat "$scratch/standin.log" >&2; die "the Gemini stand-in did not start"; }

# fuzz NAME AUTH_HEADER [extra proxy env...]; AUTH_HEADER may be empty.
fuzz() {
  local name="$1" auth_header="$2"; shift 2
  local env_vars=("$@") auth_args=()
  [ -n "$auth_header" ] && auth_args=(--header "$auth_header")
  local port; port="$(free_port)"
  local base="http://127.0.0.1:$port"
  mkdir -p "$scratch/$name"
  env PROXY_ADDR="127.0.0.1:$port" DATA_DIR="$scratch/$name/data" ADDIN_DIR="$scratch/no-dist" \
    GEMINI_API_KEY="$gemini_key" GEMINI_BASE_URL="$gemini_url" \
    RATE_LIMIT_RPM=100000 LOG_FORMAT=text RUST_LOG=error "${env_vars[@]}" \
    "$proxy_bin" >"$scratch/$name/proxy.log" 2>&1 &
  local proxy_pid=$!
  pids+=("$proxy_pid")
  wait_for "$base/health" "$scratch/$name/proxy.log"
  # Refused credentials would turn every operation into a documented 401 and
  # the run into a test of nothing: check them first.
  local me_status
  me_status="$(curl -sS -o /dev/null -w '%{http_code}' "${auth_args[@]}" "$base/api/v1/me")"
  [ "$me_status" = 200 ] || die "API fuzzing ($name): GET /api/v1/me answered $me_status, not 200"
  step "API fuzzing ($name): $examples examples per operation"
  local seed_args=()
  [ -n "${API_FUZZ_SEED:-}" ] && seed_args=(--seed "$API_FUZZ_SEED")
  # One worker: with two, schemathesis's coverage phase crashed under Python
  # 3.11 ("SystemError: AST constructor recursion depth mismatch").
  # Run from the scratch directory: schemathesis keeps a .schemathesis/ cache
  # in the working directory.
  if ! (cd "$scratch" && "$venv/bin/schemathesis" run "$base/openapi.json" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --max-examples "$examples" --workers 1 --request-timeout 20 \
      --no-color "${seed_args[@]}" "${auth_args[@]}"); then
    echo "--- proxy log ($name) ---" >&2
    tail -n 50 "$scratch/$name/proxy.log" >&2
    die "API fuzzing ($name) found failures"
  fi
  kill -0 "$proxy_pid" 2>/dev/null || die "the proxy ($name) died during fuzzing"
  kill "$proxy_pid"
}

fuzz local ""
token="$("$venv/bin/python" "$here/mint_token.py" "$jwt_secret" "$jwt_issuer")"
fuzz supabase-hs256 "Authorization: Bearer $token" \
  SUPABASE_JWT_SECRET="$jwt_secret" JWT_ISSUER="$jwt_issuer"
