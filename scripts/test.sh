#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 with only the Rust toolchain:
# installs what it needs, builds once, runs unit tests, then the integration suite on SQLite
# and again on a throw-away PostgreSQL server (or the one SEALDESK_TEST_PG_URL names).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-system.sh test

echo "== real images from public packages (accuracy suite; fetched once, not committed)"
scripts/fetch-real-images.sh fixtures/external
export SEALDESK_REAL_IMAGES="$PWD/fixtures/external"

echo "== build (once, reused by every run below)"
cargo build --locked --workspace --all-targets

echo "== unit tests and integration suite on SQLite"
cargo test --locked --workspace --all-targets

pg_base=""
if [ -z "${SEALDESK_TEST_PG_URL:-}" ]; then
  pg_base=$(mktemp -d /tmp/sealdesk-pg.XXXXXX)
  port=${SEALDESK_TEST_PG_PORT:-55433}
  trap 'scripts/pg-test-server.sh stop "$pg_base"' EXIT
  scripts/pg-test-server.sh start "$pg_base" "$port"
  export SEALDESK_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
fi

echo "== integration suite on PostgreSQL"
cargo test --locked --test api
