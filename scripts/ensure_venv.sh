#!/usr/bin/env bash
# Create .venv and install newsbeam into it on first use (or when setup.py changed).
# Sourced by run_local.sh and run_tests.sh; EXTRAS selects pip extras (e.g. "test").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NEWSBEAM_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
EXTRAS="${EXTRAS:-}"
stamp="$VENV/.newsbeam-installed${EXTRAS:+-$EXTRAS}"
# An install with the test extras also satisfies a plain run.
for tested in "$VENV"/.newsbeam-installed-test*; do
  [ -z "$EXTRAS" ] && [ -f "$tested" ] && stamp="$tested"
done
if [ ! -x "$VENV/bin/python" ]; then
  echo "newsbeam: creating virtualenv in $VENV (first run only)" >&2
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$ROOT/setup.py" -nt "$stamp" ]; then
  echo "newsbeam: installing dependencies (first run only, a few minutes)" >&2
  # pip's own chatter (build warnings) goes to a log, shown only if the install fails
  log="$VENV/install.log"
  if ! { "$VENV/bin/python" -m pip install --quiet --upgrade pip &&
         "$VENV/bin/python" -m pip install --quiet -e "$ROOT${EXTRAS:+[$EXTRAS]}"; } >"$log" 2>&1
  then
    tail -n 40 "$log" >&2
    echo "newsbeam: installing dependencies failed (the whole log: $log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
