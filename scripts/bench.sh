#!/usr/bin/env bash
# Runs the benchmarks (benches/perf.rs) and prints Markdown tables: what
# docs/performance.md reports. Sections: alex, state, synthetic, terraform, clock
# (all by default; clock takes a few minutes: AWS's durations divided by
# BENCH_CLOCK_FACTOR, 30 unless set).
#   ./scripts/bench.sh                  # debug build of infra, all sections
#   ./scripts/bench.sh --release alex   # measure a release build
# INFRA_BIN=/path/to/infra measures another binary (an older commit's, say).
# BENCH_MAX_RESOURCES=1000 skips the 10,000-resource project.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-moto.sh >/dev/null
target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
profile=debug
if [ "${1:-}" = "--release" ]; then
  shift
  # The harness too, so that its in-process figures (state load) are release ones.
  cargo build --quiet --locked --release --bin infra --example perf
  profile=release
else
  cargo build --quiet --locked --workspace --tests --examples
fi
export INFRA_BIN="${INFRA_BIN:-$target/$profile/infra}"
unset AWS_PROFILE AWS_ENDPOINT_URL
exec "$target/$profile/examples/perf" "$@"
