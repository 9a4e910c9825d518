#!/usr/bin/env bash
# Run the test suite (creates .venv with the test and semantic extras on first use). Arguments
# go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
EXTRAS=test,semantic
source "$ROOT/scripts/ensure_venv.sh"
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
