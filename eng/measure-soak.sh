#!/usr/bin/env bash
# Issue 14's soak: 10 nodes (Release, default settings, --target-peers 3, each bootstrapped from the one before),
# wrk -t1 -c16 at node-0 for 15 minutes (or $1 seconds); the RSS of every node every minute; then how long until every
# node holds the same digest and count, and that count against the acknowledged POSTs (wrk's total minus non-2xx).
#
#   dotnet build -c Release AspireP2P.Node && apt-get install -y wrk
#   eng/measure-soak.sh [seconds] [first port]
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD_SECONDS=${1:-900}
BASE=${2:-3200}
NODE=${P2P_NODE:-AspireP2P.Node/bin/Release/net10.0/AspireP2P.Node}
SCRIPT=eng/wrk-post.lua
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; }
trap cleanup EXIT
node_info() { curl -s -m 5 "localhost:$1/api/node" | python3 -c 'import sys,json; j=json.load(sys.stdin); print(j["digest"], j["records"])'; }
rss_line() { local line=""; for p in "${PIDS[@]}"; do line="$line $(( $(awk '/VmRSS/{print $2}' "/proc/$p/status") / 1024 ))"; done; echo "$line"; }

for i in $(seq 0 9); do
  args=(--port $((BASE + i)) --name "soak-$i" --target-peers 3)
  (( i > 0 )) && args+=(--peers "127.0.0.1:$((BASE + i - 1))")
  "$NODE" "${args[@]}" > "/tmp/soak-$i.log" 2>&1 &
  PIDS+=($!)
done
for i in $(seq 0 9); do
  until curl -s -m 1 -o /dev/null -w "%{http_code}" "localhost:$((BASE + i))/health" | grep -q 200; do sleep 0.2; done
done
echo "$(date -u +%T) all 10 healthy"

wrk -t1 -c16 -d"${LOAD_SECONDS}s" --timeout 10s -s "$SCRIPT" "http://127.0.0.1:$BASE/record" > /tmp/soak-wrk.txt 2>&1 &
WRK=$!
while kill -0 "$WRK" 2>/dev/null; do
  sleep 60
  echo "$(date -u +%T) RSS (MiB):$(rss_line); node-0 holds $(node_info "$BASE" | cut -d' ' -f2)"
done
cat /tmp/soak-wrk.txt

started=$(date +%s)
while true; do
  states=$(for i in $(seq 0 9); do node_info $((BASE + i)); done | sort -u)
  if [[ $(echo "$states" | wc -l) -eq 1 ]]; then break; fi
  if (( $(date +%s) - started > 300 )); then echo "NOT converged 300 s after the load:"; echo "$states"; exit 1; fi
  sleep 1
done
echo "$(date -u +%T) every node holds digest and count $states, $(( $(date +%s) - started )) s after the load"
echo "RSS at the end (MiB):$(rss_line)"
