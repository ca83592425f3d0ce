#!/usr/bin/env bash
# Runs every test: unit tests and the integration tests, which start the moto
# emulator themselves (installed here by scripts/install-moto.sh). Fails on any
# failing test; a missing emulator is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-moto.sh
unset MOTO_SERVER AWS_PROFILE AWS_ENDPOINT_URL
cargo test --locked --all-targets "$@"
