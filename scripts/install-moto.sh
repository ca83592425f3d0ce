#!/usr/bin/env bash
# Installs the AWS emulator (moto's server mode, from PyPI) into .venv/ at the
# repository root. Idempotent: does nothing when the pinned version is present.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
PYTHON="${PYTHON:-python3}"
if [ -x .venv/bin/moto_server ] && .venv/bin/python -c "import moto,sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "moto $MOTO_VERSION already installed in .venv"
  exit 0
fi
"$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
.venv/bin/python scripts/moto_server.py --help >/dev/null
echo "installed moto $MOTO_VERSION into .venv (.venv/bin/moto_server)"
