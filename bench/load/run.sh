#!/usr/bin/env bash
# Load test: CONNECTIONS concurrent streaming chats (1,000) for DURATION
# through the release proxy to the Gemini stand-in, once with the embedded
# SQLite store and once with Supabase's path (the PostgREST stand-in,
# tests/src/bin/postgrest-standin.rs, on the real PostgreSQL), then a count
# of the stored rows: every answered question must be stored exactly once.
#
#   bench/load/run.sh                  smoke run: DURATION=10s
#   DURATION=60s bench/load/run.sh     the real one (docs/RELIABILITY.md, "Load")
#
# Other knobs: CONNECTIONS=1000, PIECES=10 and PAUSE_MS=200 (each answer is
# PIECES SSE pieces PAUSE_MS apart: ~2 s, so 1,000 open chats are ~500
# questions/s), STORES="sqlite postgrest", BENCH_DIR=/tmp/bench-load,
# BIN_DIR (a dir with built `proxy`, `gemini-standin`, `postgrest-standin`:
# skips the build), OHA. Needs oha (installed with `cargo install oha
# --locked` into /tmp/bench-chat/tools, as bench/chat/run.sh does, when
# missing), python3, psql and PostgreSQL on 127.0.0.1:5432 (postgrest
# store). Writes $BENCH_DIR/results.md; exits non-zero when a request failed
# or a row is missing or doubled.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${BENCH_DIR:-/tmp/bench-load}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-1000}
PIECES=${PIECES:-10}
PAUSE_MS=${PAUSE_MS:-200}
STORES=${STORES:-sqlite postgrest}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$OUT"

OHA=${OHA:-$(command -v oha || true)}
if [ -z "$OHA" ]; then
    TOOLS=${OHA_TOOLS:-/tmp/bench-chat/tools}
    OHA=$TOOLS/bin/oha
    [ -x "$OHA" ] || cargo install oha --version 1.16.0 --locked --root "$TOOLS"
fi
if [ -z "${BIN_DIR:-}" ]; then
    (cd "$ROOT" && cargo build --release -p proxy -p system-tests \
        --bin proxy --bin gemini-standin --bin postgrest-standin)
fi
BIN=${BIN_DIR:-$CARGO_TARGET_DIR/release}
PSQL=(psql -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres)

KEY=test-gemini-key-0123456789 # system_tests::gemini::KEY
MODEL=gemini-flash-latest
STANDIN_PORT=18091
PROXY_PORT=18092
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# 1,000 client sockets, as many proxy-side and upstream ones.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

wait_for() { # url
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "load: $1 did not come up" >&2
    return 1
}

QUESTION='Which customer owes the most, and how much is overdue by more than 30 days?'
DIRECT_BODY="{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"$QUESTION\"}]}],\"generationConfig\":{\"maxOutputTokens\":1024}}"
PROXY_BODY="{\"text\":\"$QUESTION\"}"
# Requests still open when DURATION runs out are finished, not cut: every
# question asked is then answered, and so must be stored complete.
RUN=(--no-tui --output-format json -z "$DURATION" -c "$CONNECTIONS" --wait-ongoing-requests-after-deadline
    -m POST -H 'content-type: application/json')

"$BIN/gemini-standin" --addr 127.0.0.1:$STANDIN_PORT --pieces "$PIECES" --pause-ms "$PAUSE_MS" \
    > "$OUT/standin.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q listening "$OUT/standin.log" && break; sleep 0.1; done

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

echo "load: direct to the stand-in ($CONNECTIONS connections, $DURATION; load average $(load_average))"
"$OHA" "${RUN[@]}" -H "x-goog-api-key: $KEY" -d "$DIRECT_BODY" \
    "http://127.0.0.1:$STANDIN_PORT/v1beta/models/$MODEL:streamGenerateContent?alt=sse" > "$OUT/direct.json"

# HS256 access token with the claims GoTrue issues, for user $1 <$2>.
mint_token() {
    python3 - "$1" "$2" "$SUPABASE_JWT_SECRET" "$JWT_ISSUER" <<'EOF'
import base64, hashlib, hmac, json, sys, time, uuid
user, email, secret, issuer = sys.argv[1:5]
now = int(time.time())
def part(value):
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=")
claims = {"iss": issuer, "sub": user, "aud": "authenticated", "exp": now + 6 * 3600,
          "iat": now, "email": email, "phone": "", "role": "authenticated",
          "app_metadata": {"provider": "email", "providers": ["email"]},
          "user_metadata": {"full_name": "Load"}, "aal": "aal1",
          "session_id": str(uuid.uuid4()), "is_anonymous": False}
signing = part({"alg": "HS256", "typ": "JWT"}) + b"." + part(claims)
signature = hmac.new(secret.encode(), signing, hashlib.sha256).digest()
print((signing + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode())
EOF
}

# Row counts of the store, as JSON: conversations, those holding exactly the
# question then its complete answer, distinct message ids, ai.query audit
# rows, distinct conversations they name, conversations without exactly one.
count_rows() { # store
    if [ "$1" = sqlite ]; then
        python3 - "$OUT/proxy-sqlite/store.sqlite3" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
one = lambda q: db.execute(q).fetchone()[0]
print(json.dumps({
    "conversations": one("select count(*) from ai_conversations"),
    "question_then_answer": one("""select count(*) from ai_conversations
        where json_array_length(messages) = 2
          and json_extract(messages, '$[0].role') = 'user'
          and json_extract(messages, '$[1].role') = 'assistant'
          and json_extract(messages, '$[1].incomplete') = 0"""),
    "messages": one("select count(*) from ai_conversations, json_each(messages)"),
    "distinct_messages": one("""select count(distinct json_extract(value, '$.id'))
        from ai_conversations, json_each(messages)"""),
    "audit_rows": one("select count(*) from audit_logs where action = 'ai.query'"),
    "audited_conversations": one("""select count(distinct resource_id) from audit_logs
        where action = 'ai.query'"""),
    "not_audited_once": one("""select count(*) from ai_conversations c
        left join (select resource_id, count(*) as n from audit_logs
                    where action = 'ai.query' group by resource_id) a on a.resource_id = c.id
        where coalesce(a.n, 0) <> 1"""),
}))
EOF
    else
        "${PSQL[@]}" -d "$DATABASE" <<'EOF'
select json_build_object(
  'conversations', (select count(*) from ai_conversations),
  'question_then_answer', (select count(*) from ai_conversations
     where jsonb_array_length(messages) = 2 and messages->0->>'role' = 'user'
       and messages->1->>'role' = 'assistant' and messages->1->>'incomplete' = 'false'),
  'messages', (select count(*) from ai_conversations, jsonb_array_elements(messages)),
  'distinct_messages', (select count(distinct m->>'id') from ai_conversations,
     jsonb_array_elements(messages) m),
  'audit_rows', (select count(*) from audit_logs where action = 'ai.query'),
  'audited_conversations', (select count(distinct resource_id) from audit_logs
     where action = 'ai.query'),
  'not_audited_once', (select count(*) from ai_conversations c
     left join (select resource_id, count(*) as n from audit_logs
                 where action = 'ai.query' group by resource_id) a on a.resource_id = c.id
     where coalesce(a.n, 0) <> 1));
EOF
    fi
}

audit_rows() { # store
    local query="select count(*) from audit_logs where action = 'ai.query'"
    if [ "$1" = sqlite ]; then
        python3 -c 'import sqlite3,sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute(sys.argv[2]).fetchone()[0])' \
            "$OUT/proxy-sqlite/store.sqlite3" "$query"
    else
        "${PSQL[@]}" -d "$DATABASE" -c "$query"
    fi
}

for store in $STORES; do
    data="$OUT/proxy-$store"
    rm -rf "$data" && mkdir -p "$data"
    store_env=()
    auth=()
    if [ "$store" = postgrest ]; then
        "$BIN/postgrest-standin" --users 1 > "$OUT/postgrest.out" 2> "$OUT/postgrest.log" &
        PG_PID=$!
        PIDS+=("$PG_PID")
        for _ in $(seq 1 600); do grep -q '^READY=1' "$OUT/postgrest.out" && break; sleep 0.1; done
        grep -q '^READY=1' "$OUT/postgrest.out" || { echo "load: postgrest stand-in did not start" >&2; cat "$OUT/postgrest.log" >&2; exit 1; }
        eval "$(grep -E '^(SUPABASE_URL|SUPABASE_ANON_KEY|SUPABASE_JWT_SECRET|JWT_ISSUER|DATABASE)=' "$OUT/postgrest.out" | sed 's/^/export /')"
        read -r user email < <(sed -n 's/^USER=//p' "$OUT/postgrest.out" | head -1)
        token=$(mint_token "$user" "$email")
        store_env=(SUPABASE_URL="$SUPABASE_URL" SUPABASE_ANON_KEY="$SUPABASE_ANON_KEY"
            SUPABASE_JWT_SECRET="$SUPABASE_JWT_SECRET" JWT_ISSUER="$JWT_ISSUER")
        auth=(-H "authorization: Bearer $token")
    elif [ "$store" != sqlite ]; then
        echo "load: unknown store $store (sqlite or postgrest)" >&2
        exit 2
    fi
    env -i PATH="$PATH" HOME="$HOME" "${store_env[@]}" \
        PROXY_ADDR=127.0.0.1:$PROXY_PORT DATA_DIR="$data" ADDIN_DIR="$OUT/no-pane" \
        GEMINI_API_KEY=$KEY GEMINI_BASE_URL=http://127.0.0.1:$STANDIN_PORT GEMINI_MODEL=$MODEL \
        RATE_LIMIT_RPM=100000000 DAILY_TOKEN_BUDGET=100000000000 MAX_STREAMS_PER_USER=100000 \
        RUST_LOG=warn LOG_FORMAT=json \
        "$BIN/proxy" > "$OUT/proxy-$store.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    wait_for http://127.0.0.1:$PROXY_PORT/health

    idle_kb=$(awk '/VmRSS/ {print $2}' /proc/$PROXY_PID/status)
    echo "load: through the proxy, $store store ($CONNECTIONS connections, $DURATION; load average $(load_average))"
    "$OHA" "${RUN[@]}" "${auth[@]}" -d "$PROXY_BODY" \
        "http://127.0.0.1:$PROXY_PORT/api/v1/conversations/new/messages" > "$OUT/proxy-$store.json" &
    OHA_PID=$!
    peak_kb=0
    while kill -0 $OHA_PID 2>/dev/null; do
        now=$(awk '/VmRSS/ {print $2}' /proc/$PROXY_PID/status)
        [ "$now" -gt "$peak_kb" ] && peak_kb=$now
        sleep 0.5
    done
    wait $OHA_PID
    # The kernel's high-water mark catches a peak between two samples.
    hwm_kb=$(awk '/VmHWM/ {print $2}' /proc/$PROXY_PID/status)
    load_after=$(load_average)

    # Audit rows arrive after the answers (the journal is delivered in the
    # background): wait until every answered question has its row.
    answered=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(n for c,n in d.get("statusCodeDistribution",{}).items() if c.startswith("2")))' "$OUT/proxy-$store.json")
    for _ in $(seq 1 120); do
        audited=$(audit_rows "$store")
        [ "$audited" -ge "$answered" ] && break
        sleep 1
    done
    sleep 2 # anything delivered twice would show now
    count_rows "$store" > "$OUT/counts-$store.json"
    echo "{\"idle_kb\": $idle_kb, \"peak_kb\": $peak_kb, \"hwm_kb\": $hwm_kb, \"load_after\": \"$load_after\"}" \
        > "$OUT/rss-$store.json"

    kill "$PROXY_PID"
    wait "$PROXY_PID" 2>/dev/null || true
    if [ "$store" = postgrest ]; then
        kill "$PG_PID"
        wait "$PG_PID" 2>/dev/null || true
    fi
done

python3 "$HERE/summarise.py" "$OUT" "$CONNECTIONS" "$DURATION" "$PIECES" "$PAUSE_MS" $STORES | tee "$OUT/results.md"
