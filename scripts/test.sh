#!/usr/bin/env bash
# Runs every test: unit tests and the integration tests, which start the moto
# emulator themselves (installed here by scripts/install-moto.sh). Fails on any
# failing test; a missing emulator is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-moto.sh
unset MOTO_SERVER AWS_PROFILE AWS_ENDPOINT_URL
# Four tests at once, each on its own emulator process (reset and reused between tests):
# the emulator's CPU is what bounds the suite (docs/performance.md, "The test suite").
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
# Every test target of both crates (`--tests`: libraries, binary, integration tests),
# built once, with the dependencies the demo builds. Not `--all-targets`, which would
# also compile the resources crate a second time as a unit-test binary (its unit tests
# live in crates/resources/tests), nor the benchmark (scripts/bench.sh builds it).
cargo test --locked --workspace --tests "$@"
