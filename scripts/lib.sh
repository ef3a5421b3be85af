# Shared helpers for the build and test scripts. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root (CI), else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian packages that are missing; `apt-get update` only when needed.
apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_toolchain() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || { step "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
  local want have
  want="$(locked_wasm_bindgen_version)"
  [ -n "$want" ] || die "wasm-bindgen is not in Cargo.lock"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ]; then
    step "installing wasm-bindgen-cli $want (found: ${have:-none})"
    # No --locked: the reachable crate index lacks some of the CLI's pinned versions.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_pg_running() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    step "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
    die "PostgreSQL did not start on 127.0.0.1:5432"
  fi
}

ensure_node_modules() {
  local dir="$1"
  # npm ci only when the lockfile changed since the last install.
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    step "npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_redis_running() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    step "starting Redis"
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 1; done
    die "Redis did not start on 127.0.0.1:6379"
  fi
}

# The cargo-deny that deny.toml is written for (its format changes between
# releases); installed from the crate index when another or none is found.
CARGO_DENY_VERSION=0.20.2
ensure_cargo_deny() {
  local have
  have="$(cargo deny --version 2>/dev/null | awk '{print $2}' || true)"
  [ "$have" = "$CARGO_DENY_VERSION" ] && return 0
  step "installing cargo-deny $CARGO_DENY_VERSION (found: ${have:-none})"
  # --locked first; without it when the reachable index lacks a pinned version.
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked \
    || cargo install cargo-deny --version "$CARGO_DENY_VERSION"
}

# Licences, banned/duplicate crates and crate sources, per deny.toml. The
# advisories check needs the RustSec database from the internet: not run here.
supply_chain_check() {
  ensure_cargo_deny
  cargo deny check --hide-inclusion-graph licenses bans sources
}

# schemathesis against the debug proxy's /openapi.json, local and HS256 auth
# (tests/api-fuzz/run.sh), with chat answered by the Gemini stand-in.
api_fuzz() {
  local target="${CARGO_TARGET_DIR:-$ROOT/target}"
  apt_ensure python3-venv curl
  cargo build -p system-tests --bin gemini-standin --locked
  "$ROOT/tests/api-fuzz/run.sh" "$target/debug/proxy" "$target/debug/gemini-standin"
}
