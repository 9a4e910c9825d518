#!/usr/bin/env bash
# Run newsbeam locally.
#   ./run_local.sh                         the bundled demo corpus, served on loopback, into ./demo-output
#   ./run_local.sh --feeds F --output D    your own feed list (text or OPML); any option passes through
# Creates .venv on first use. The runner is named explicitly (FnApiRunner: no Prism download).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
source "$ROOT/scripts/ensure_venv.sh"
PY="$VENV/bin/python"

has_feeds=0
for arg in "$@"; do
  case "$arg" in --feeds|--feeds=*) has_feeds=1 ;; esac
done
has_runner=0
for arg in "$@"; do
  case "$arg" in --runner|--runner=*) has_runner=1 ;; esac
done
runner=()
[ "$has_runner" = 1 ] || runner=(--runner=FnApiRunner)

if [ "$has_feeds" = 1 ]; then
  exec "$PY" -m pipeline "${runner[@]}" "$@"
fi

# Demo: serve the bundled corpus on 127.0.0.11-13 and run on it (pipeline/demo.py).
has_output=0
for arg in "$@"; do
  case "$arg" in --output|--output=*) has_output=1 ;; esac
done
output=()
[ "$has_output" = 1 ] || output=(--output "$ROOT/demo-output")
exec "$PY" -m pipeline.demo "${runner[@]}" "${output[@]}" "$@"
