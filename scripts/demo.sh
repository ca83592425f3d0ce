#!/usr/bin/env bash
# End-to-end demo against a local emulator: starts moto on a free loopback port,
# points infra at it with dummy credentials (never a real account), and runs the
# whole story (up, status --summary, down --preset minimize-costs, up --preset daily)
# with a summary after each step. State goes to state/demo.json.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-moto.sh >/dev/null
# Exactly the build the tests use (./scripts/test.sh), so the dependencies are compiled
# once for both: a plain `cargo build` resolves dev-dependency features apart.
cargo test --quiet --locked --workspace --tests --no-run
INFRA="$PWD/target/${CARGO_BUILD_PROFILE:-debug}/infra"
[ -n "${CARGO_TARGET_DIR:-}" ] && INFRA="$CARGO_TARGET_DIR/debug/infra"

PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MOTO_LOG=$(mktemp)
MOTO_IAM_LOAD_MANAGED_POLICIES=true .venv/bin/python scripts/moto_server.py -H 127.0.0.1 -p "$PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
# moto has no App Runner: a small wire-compatible stand-in serves those calls.
AR_OUT=$(mktemp)
python3 scripts/apprunner_standin.py --port 0 >"$AR_OUT" 2>&1 &
AR_PID=$!
trap 'kill $MOTO_PID $AR_PID 2>/dev/null || true; rm -f state/demo.json state/demo.json.backup state/demo.lock "$MOTO_LOG" "$AR_OUT"' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do grep -q listening "$AR_OUT" && break; sleep 0.1; done
AR_URL=$(sed -n 's/^listening on //p' "$AR_OUT")

# Only the emulator and dummy credentials: nothing here can reach a real AWS account.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ENDPOINT_URL_APPRUNNER="$AR_URL"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true INFRA_ENV=demo INFRA_POLL_INTERVAL_MS=50
rm -f state/demo.json state/demo.json.backup

step() { printf '\n\033[1m$ infra %s\033[0m\n' "$*"; "$INFRA" "$@"; }

step up --all --new-env   # demo is a new environment: its first run says so
step status --summary
step up --preset pause
step status --summary
step down --preset minimize-costs --dry-run
step down --preset minimize-costs --yes
step status --summary
step up --preset daily
step status --summary
step output 5_database aurora_secret_arn
printf '\nDemo finished: pause kept everything with Aurora at 0 ACU; then Aurora and SageMaker were\n'
printf 'removed and restored (Aurora from the final snapshot minimize-costs took, so its data is\n'
printf 'kept), and every module using them was re-wired in the same run (the agents now carry the\n'
printf 'new secret ARN above).\n'
