#!/usr/bin/env bash
# Runs sealdesk with demo data on the embedded default (SQLite in ./data), from a fresh
# Debian 12 with only the Rust toolchain. Extra arguments go to `sealdesk serve`
# (for example --bind 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-system.sh build
cargo build --locked --release
exec target/release/sealdesk serve --demo "$@"
