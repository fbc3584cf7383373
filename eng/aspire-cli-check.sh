#!/usr/bin/env bash
# The Aspire CLI workflow the README documents, end to end: start the network in the background (`aspire start`),
# wait for it, post a record, read the record's trace across the nodes with `aspire otel traces`, stop everything
# (`aspire stop`) and check that no process of the run is left.
#
#   eng/aspire-cli-check.sh            # installs Aspire.Cli 13.6.5 into .ci/tools/aspire when missing
#   eng/aspire-cli-check.sh --no-build # the AppHost is built already (the Aspire tier's AspireCliTests runs it so)
#
# --isolated gives this run its own ports and user secrets, so it never collides with a network already running.
set -euo pipefail
cd "$(dirname "$0")/.."
build=true
case "${1:-}" in
  --no-build) build=false ;;
  "") ;;
  *) echo "Usage: eng/aspire-cli-check.sh [--no-build]" >&2; exit 2 ;;
esac
export ASPIRE_CLI_TELEMETRY_OPTOUT=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

ASPIRE_VERSION=13.6.5
# ./build.sh --test installs it into .ci/tools/aspire (eng/test-tools.tsv) and the tests put it on PATH.
ASPIRE="${ASPIRE_CLI:-$(command -v aspire || echo .ci/tools/aspire/aspire)}"
if [[ "$("$ASPIRE" --version 2>/dev/null || true)" != "$ASPIRE_VERSION"* ]]; then
  dotnet tool install Aspire.Cli --version "$ASPIRE_VERSION" --tool-path .ci/tools/aspire
  ASPIRE=.ci/tools/aspire/aspire
fi
APPHOST=AspireP2P.AppHost
cli() { "$ASPIRE" "$@" --apphost "$APPHOST" --non-interactive --nologo; }
json() { python3 -c "import json,sys; text=sys.stdin.read(); print(eval(sys.argv[1], {'d': json.loads(text[text.index('{'):])}))" "$1"; }

if [[ "$build" == true ]]; then dotnet build "$APPHOST" -v quiet -nologo; fi
API_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

# --launch Executable: a check never publishes the Native AOT node (the default launch would, in the background).
started="$(cli start --isolated --no-build --format Json -- --nodes 3 --launch Executable "--Parameters:api-key=$API_KEY")"
apphost_pid="$(json 'd["appHostPid"]' <<<"$started")"
stop() { cli stop >/dev/null || true; }
trap stop EXIT
echo "AppHost $apphost_pid: $(json 'd["dashboardUrl"].split("/login")[0]' <<<"$started")"

for node in node-0 node-1 node-2; do
  cli wait "$node" --status healthy --timeout 180
done

# POST /record at node-2 (mutating calls carry the network's API key), then find its trace.
url="$(cli describe node-2 --format Json | json '[u["url"] for u in d["resources"][0]["urls"] if u["name"] == "http"][0]')"
created="$(curl -sS --fail-with-body -H "X-Api-Key: $API_KEY" -H 'Content-Type: application/json' -d '{"record": "aspire cli check"}' "$url/record")"
trace="$(json 'd["traceId"]' <<<"$created")"
echo "record posted at node-2: trace $trace"

# Spans are exported in batches about every second: wait until the trace has spans on all three nodes.
sources=""
for _ in $(seq 60); do
  traces="$(cli otel traces -t "$trace" --format Json 2>/dev/null || true)"
  sources="$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(" ".join(sorted({s["source"] for t in (d if isinstance(d, list) else [d]) for s in t["spans"]})))' <<<"$traces" 2>/dev/null || true)"
  if [[ "$sources" == "node-0 node-1 node-2" ]]; then
    echo "aspire otel traces -t $trace: spans on $sources"
    break
  fi
  sleep 1
done
[[ "$sources" == "node-0 node-1 node-2" ]] || { echo "trace $trace has spans on [$sources], not on node-0, node-1 and node-2" >&2; exit 1; }

# One resource: the CLI resolves a resource's relationships only among the resources it prints, so `aspire describe
# node-1` lists none while plain `aspire describe` lists node-1's links; the node's "Linked to" property (p2p.linkedTo)
# carries the same links, and must name the same nodes.
all="$(cli describe --format Json)"
one="$(cli describe node-1 --format Json)"
links="$(python3 -c '
import json, re, sys
def load(text): return json.loads(text[text.index("{"):])
def display(name): return re.sub(r"-[a-z0-9]{8}$", "", name)
every, one = load(sys.argv[1]), load(sys.argv[2])
node = next(r for r in every["resources"] if display(r["name"]) == "node-1")
related = sorted({display(x["resourceName"]) for x in node.get("relationships", [])})
linked = one["resources"][0].get("properties", {}).get("p2p.linkedTo", "")
named = sorted(n.split(" ")[0] for n in linked.split(", ") if n and n != "none")
print(" ".join(named) if related == named else f"differ: relationships {related}, p2p.linkedTo {named}")
' "$all" "$one")"
echo "aspire describe node-1: linked to $links"

trap - EXIT
cli stop
# Every process of the run (AppHost, DCP, dashboard, nodes) is gone shortly after.
for _ in $(seq 30); do
  if ! kill -0 "$apphost_pid" 2>/dev/null && ! pgrep -f -- "--monitor $apphost_pid" >/dev/null; then
    echo "stopped: no process of the run is left"
    exit 0
  fi
  sleep 1
done
echo "processes of AppHost $apphost_pid are still running" >&2
exit 1
