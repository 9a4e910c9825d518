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

# Demo: serve demo/corpus on 127.0.0.11-13, run on it, stop the servers.
feeds="$(mktemp -t newsbeam-demo-feeds.XXXXXX)"
"$PY" -m pipeline.demo_server "$ROOT/demo/corpus" --feeds-out "$feeds" > /dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$feeds"' EXIT
for _ in $(seq 100); do
  [ -s "$feeds" ] && break
  kill -0 "$server" 2>/dev/null || { echo "demo server failed to start" >&2; exit 1; }
  sleep 0.1
done
echo "demo: 3 outlets served on loopback; feeds in $feeds"
"$PY" -m pipeline "${runner[@]}" --feeds "$feeds" --output "$ROOT/demo-output" \
  --allow_private_hosts "$@"
