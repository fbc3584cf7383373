#!/usr/bin/env bash
# Where a record's microseconds go in the node as users run it (issue 22): a hub and 3 peers (Release build, default
# settings, fresh processes, the hub dialing the peers with POST /peer), wrk -t1 -c16 POSTing at the hub, profiled twice:
#   fresh   the first 5 s of load on new processes (what a user's nodes pay: JIT, tiering, first-time paths)
#   warmed  5 s of load after 15 s of it
# The nodes run with DOTNET_PerfMapEnabled=1 and DOTNET_EnableWriteXorExecute=0 (so perf can name JIT-compiled code).
# For each window it prints the hub's and the peers' CPU per record (/proc), then where the hub's CPU went:
#   - dotnet-counters (System.Runtime): per record, the JIT's time and methods compiled, GCs, thread-pool work items,
#     lock contentions: the runtime's share of the fresh-process cost;
#   - perf (CPU samples of every thread, native frames included; DOTNET_PerfMapEnabled=1 names JIT-compiled code):
#     shares by binary (kernel, libcoreclr, libclrjit, libsodium, libe_sqlite3, JIT-compiled code) and the top symbols.
# dotnet-counters 10.0.750501 is installed under /tmp/aspirep2p-tools (never into the repository); perf is Debian's
# linux-perf. Everything it starts is killed by PID on exit. Run it again after a change to the node: the "after"
# profile is this same command.
#
#   eng/profile-node.sh [--seconds 5] [--warm 15] [--no-build] [--out DIR]     (ports: P2P_BENCH_PORTS, default 43200-43299)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_LOAD=5; WARM=15; BUILD=true; OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_LOAD="$2"; shift 2 ;;
    --warm) WARM="$2"; shift 2 ;;
    --no-build) BUILD=false; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
TOOLS=/tmp/aspirep2p-tools
COUNTERS="$TOOLS/dotnet-counters"
[[ -x "$COUNTERS" ]] || dotnet tool install dotnet-counters --version 10.0.750501 --tool-path "$TOOLS" >/dev/null
command -v perf >/dev/null || echo "perf not found (apt-get install -y linux-perf): the profile by binary and symbol is skipped" >&2
$BUILD && dotnet build -c Release AspireP2P.Node -v q --nologo >/dev/null
NODE=AspireP2P.Node/bin/Release/net10.0/AspireP2P.Node
OUT=${OUT:-$(mktemp -d /tmp/aspirep2p-profile.XXXXXX)}
mkdir -p "$OUT"
RANGE=${P2P_BENCH_PORTS:-43200-43299}
FIRST=${RANGE%-*}
free_port() { local p; for p in $(seq "$FIRST" "${RANGE#*-}"); do ss -ltnH "sport = :$p" | grep -q . || { echo "$p"; return; }; FIRST=$((p + 1)); done; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
cpu_us() { awk '{ print ($14 + $15) * 10000 }' "/proc/$1/stat"; }
records() { curl -s -m 10 "localhost:$1/api/node" | python3 -c 'import sys,json; print(json.load(sys.stdin)["records"])'; }

PORTS=()
for name in hub b c d; do
  port=$(free_port); FIRST=$((port + 1)); PORTS+=("$port")
  # PerfMapEnabled names JIT-compiled code for perf; W^X off keeps that code in an anonymous mapping perf can name
  # (with W^X on it runs from a memfd double mapping that perf shows as one blob).
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "$NODE" --port "$port" --name "profile-$name" > "$OUT/$name.log" 2>&1 &
  PIDS+=($!)
done
for i in "${!PORTS[@]}"; do
  until curl -s -m 1 -o /dev/null "localhost:${PORTS[$i]}/alive"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "node on port ${PORTS[$i]} exited:" >&2; tail -5 "$OUT"/*.log >&2; exit 1; }
    sleep 0.05
  done
done
for port in "${PORTS[@]:1}"; do
  curl -s -m 10 -o /dev/null -H "Content-Type: application/json" -d "{\"targetUrl\":\"127.0.0.1:$port\"}" "localhost:${PORTS[0]}/peer"
done
HUB=${PIDS[0]}

window() { # name: profile the hub during SECONDS_LOAD of wrk
  local name="$1" before_hub before_peers before_records after_records records_in peers_after
  before_hub=$(cpu_us "$HUB"); before_peers=0; for p in "${PIDS[@]:1}"; do before_peers=$((before_peers + $(cpu_us "$p"))); done
  before_records=$(records "${PORTS[0]}")
  "$COUNTERS" collect -p "$HUB" --counters System.Runtime --format csv -o "$OUT/$name.counters.csv" \
    --duration "00:00:00:$(printf %02d "$SECONDS_LOAD")" > "$OUT/$name.counters.log" 2>&1 &
  local counters_pid=$!
  local perf_pid=""
  if command -v perf >/dev/null; then
    perf record -F 499 -g -p "$HUB" -o "$OUT/$name.perf.data" -- sleep "$SECONDS_LOAD" > "$OUT/$name.perf.log" 2>&1 &
    perf_pid=$!
  fi
  wrk -t1 -c16 -d"${SECONDS_LOAD}s" --timeout 10s -s eng/wrk-post.lua "http://127.0.0.1:${PORTS[0]}/record" > "$OUT/$name.wrk.txt"
  wait "$counters_pid" || true
  [[ -n "$perf_pid" ]] && { wait "$perf_pid" || true; }
  after_records=$(records "${PORTS[0]}"); records_in=$((after_records - before_records))
  peers_after=0; for p in "${PIDS[@]:1}"; do peers_after=$((peers_after + $(cpu_us "$p"))); done
  echo
  echo "== $name: $records_in records in ${SECONDS_LOAD} s ($(grep Requests/sec "$OUT/$name.wrk.txt" | awk '{print $2}') per s);" \
    "hub $(( ($(cpu_us "$HUB") - before_hub) / (records_in > 0 ? records_in : 1) )) µs of CPU per record," \
    "3 peers $(( (peers_after - before_peers) / (records_in > 0 ? records_in : 1) )) µs (to receive, verify, store)"
  echo "-- dotnet-counters, hub (System.Runtime), per record over the window"
  python3 - "$OUT/$name.counters.csv" "$records_in" <<'PY'
import csv, sys
path, records = sys.argv[1], max(1, int(sys.argv[2]))
total = {}
try:
    for row in csv.reader(open(path)):
        # "Rate" rows carry the increment of one interval: the window's total is their sum.
        if len(row) < 5 or row[0] == "Timestamp" or row[3] != "Rate":
            continue
        total[row[2]] = total.get(row[2], 0.0) + float(row[4])
except FileNotFoundError:
    print("   (no counters: dotnet-counters did not attach)"); sys.exit()
wanted = [("dotnet.jit.compilation.time", 1e6, "µs of JIT compilation"), ("dotnet.jit.compiled_methods", 1, "methods JIT-compiled"),
          ("dotnet.gc.collections", 1, "GCs"), ("dotnet.gc.pause.time", 1e6, "µs of GC pause"),
          ("dotnet.gc.heap.total_allocated", 1, "bytes allocated"), ("dotnet.thread_pool.work_item.count", 1, "thread-pool work items"),
          ("dotnet.monitor.lock_contentions", 1, "lock contentions"), ("dotnet.process.cpu.time", 1e6, "µs of CPU (the runtime's own count)")]
for key, scale, label in wanted:
    hits = [n for n in total if n.startswith(key)]
    if hits:
        print(f"   {sum(total[n] for n in hits) * scale / records:10.3f} {label}")
PY
  if [[ -f "$OUT/$name.perf.data" ]]; then
    echo "-- perf, hub, every frame: share of samples by binary"
    perf report -i "$OUT/$name.perf.data" --no-children -g none --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12 || true
    echo "-- …top 25 symbols"
    perf report -i "$OUT/$name.perf.data" --no-children -g none --sort dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25 | cut -c1-160 || true
  fi
}

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg); node $NODE (Release, default settings); hub + 3 peers; files in $OUT"
window fresh
wrk -t1 -c16 -d"${WARM}s" --timeout 10s -s eng/wrk-post.lua "http://127.0.0.1:${PORTS[0]}/record" > /dev/null
window warmed
echo
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
