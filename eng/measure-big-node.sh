#!/usr/bin/env bash
# Issue 14's node-level figures: one node with --data-dir ingests N records (default 10,000,000) from wrk -t1 -c16,
# then its RSS idle, the size of its files, and a restart after SIGTERM and after SIGKILL: time from the process's
# start to /health 200 with every record counted, RSS, and GET /records of everything (bytes, seconds, RSS after).
#
#   dotnet build -c Release AspireP2P.Node && apt-get install -y wrk
#   eng/measure-big-node.sh [records] [port]      (CHUNK_SECONDS: wrk runs between counts, 60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-10000000}
PORT=${2:-3199}
NODE=${P2P_NODE:-AspireP2P.Node/bin/Release/net10.0/AspireP2P.Node}
DIR=$(mktemp -d /tmp/big-node.XXXXXX)
SCRIPT=eng/wrk-post.lua
PID=""
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
start_node() { "$NODE" --port "$PORT" --data-dir "$DIR" > "$DIR.log" 2>&1 & PID=$!; }
records() { curl -s -m 5 "localhost:$PORT/api/node" | python3 -c 'import sys,json; print(json.load(sys.stdin)["records"])'; }
rss_mib() { echo $(( $(awk '/VmRSS/{print $2}' "/proc/$PID/status") / 1024 )); }
healthy() { curl -s -m 1 -o /dev/null -w "%{http_code}" "localhost:$PORT/health" | grep -q 200; }

start_node
until healthy; do sleep 0.1; done
began=$(date +%s)
while (( $(records) < TARGET )); do
  wrk -t1 -c16 -d"${CHUNK_SECONDS:-60}s" --timeout 10s -s "$SCRIPT" "http://127.0.0.1:$PORT/record" > /dev/null
  echo "$(date -u +%T) $(records) records, RSS $(rss_mib) MiB"
done
echo "ingest: $(( $(date +%s) - began )) s"
sleep 10
echo "idle after ingest: RSS $(rss_mib) MiB; files $(du -sm "$DIR" | cut -f1) MB"
for signal in TERM KILL; do
  kill "-$signal" "$PID"; while kill -0 "$PID" 2>/dev/null; do sleep 0.05; done
  started=$(date +%s.%N); start_node
  until healthy; do sleep 0.05; done
  echo "restart after SIG$signal: healthy $(echo "$(date +%s.%N) - $started" | bc) s after the process started, $(records) records, RSS $(rss_mib) MiB"
  curl -s -o /dev/null -w "GET /records: %{size_download} bytes in %{time_total} s\n" "localhost:$PORT/records"
  echo "RSS after GET /records: $(rss_mib) MiB"
done
