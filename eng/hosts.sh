#!/usr/bin/env bash
# Hosts of their own on this machine: Linux network namespaces joined by veth pairs to a bridge, each with its own
# address in 10.231.<id>.0/24 and, unless --no-nodes, a real node (the built AspireP2P.Node) listening on it.
# Faults are made outside the node: iptables in each host's namespace drops traffic (a partition: the node gets no FIN)
# or a share of it (loss), and holds it in an NFQUEUE that eng/NetDelay releases late (latency and jitter).
# Needs root, iproute2 and iptables. The hosts tier's tests (AspireP2P.Tests/Hosts) drive this script.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
Usage: eng/hosts.sh <command>
  up N [--no-nodes] [node flags…]   N hosts, node i started with --peers = host i-1 (extra flags go to every node)
  partition I                        host I can neither send to nor hear the other hosts
  partition-oneway I                 what host I sends to the other hosts is dropped; it still hears them
  partition-group I,J,…              hosts I, J, … hear each other, but neither send to nor hear the rest
  heal                               remove every partition
  delay 50ms [20ms]                  each host's packets to the others leave 50 ms (± 20 ms) late; "delay 0" removes it
  loss 5%                            each host drops 5 % of its packets to the others; "loss 0%" removes it
  counters                           per host: bytes and packets it sent to the other hosts (IP, headers included)
  status                             hosts, addresses, nodes and rules
  down                               stop the nodes, remove the namespaces, veths, bridge and rules
Environment: P2P_HOSTS_ID (default 1; "auto" picks a free one and prints id=N) selects the network 10.231.<id>.0/24;
P2P_HOSTS_PORT (default 3030); P2P_HOSTS_OWNER=<pid> lets a later `up` remove this network once that process is gone;
P2P_HOSTS_API_KEY is the nodes' API key (P2P:ApiKey: a node listening beyond loopback needs one; without it `up`
makes one, and `status` names the file that holds it: send it as X-Api-Key on POSTs); P2P_NODE_DLL and
P2P_NETDELAY_DLL point at the built node and NetDelay.
EOF
}

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE_ROOT=/run/aspirep2p-hosts
PORT="${P2P_HOSTS_PORT:-3030}"
NODE_DLL="${P2P_NODE_DLL:-$ROOT/AspireP2P.Node/bin/Debug/net10.0/AspireP2P.Node.dll}"
NETDELAY_DLL="${P2P_NETDELAY_DLL:-$ROOT/eng/NetDelay/bin/Debug/net10.0/NetDelay.dll}"

die() { echo "hosts.sh: $*" >&2; exit 1; }

select_network() {
  ID="$1"
  STATE="$STATE_ROOT/$ID"
  BRIDGE="p2pbr$ID"
  GATEWAY="10.231.$ID.1"
}
ns() { echo "p2p$ID-h$1"; }
addr() { echo "10.231.$ID.$((10 + $1))"; }
in_ns() { local host="$1"; shift; ip netns exec "$(ns "$host")" "$@"; }
host_count() { cat "$STATE/hosts" 2>/dev/null || die "network $ID is not up (eng/hosts.sh up N)"; }
others() { local count; count="$(host_count)"; for ((j = 1; j <= count; j++)); do [[ $j -ne $1 ]] && echo "$j"; done; return 0; }

require_tools() {
  [[ $EUID -eq 0 ]] || die "creating network namespaces needs root (run as root, or with sudo)"
  command -v ip >/dev/null || die "ip not found: apt-get install iproute2"
  command -v iptables >/dev/null || die "iptables not found: apt-get install iptables"
  command -v iptables-restore >/dev/null || die "iptables-restore not found: apt-get install iptables"
}

# A network whose owner process is gone was left by a crashed or killed run: remove it before making a new one.
reap_stale() {
  local dir owner
  for dir in "$STATE_ROOT"/*/; do
    [[ -d "$dir" ]] || continue
    owner="$(cat "$dir/owner" 2>/dev/null || true)"
    if [[ -n "$owner" ]] && ! kill -0 "$owner" 2>/dev/null; then
      echo "hosts.sh: removing network $(basename "$dir") left by process $owner" >&2
      (select_network "$(basename "$dir")"; teardown)
    fi
  done
}

subnet_in_use() { ip -4 -o addr show | grep -q " 10\.231\.$1\." || ip -4 route show | grep -q "^10\.231\.$1\."; }

# Claims the network directory atomically (mkdir), so two runs never share an id.
claim() {
  mkdir -p "$STATE_ROOT"
  if [[ "$ID" == auto ]]; then
    local candidate
    for candidate in $(seq 100 254); do
      if ! subnet_in_use "$candidate" && mkdir "$STATE_ROOT/$candidate" 2>/dev/null; then
        select_network "$candidate"
        echo "id=$ID"
        return
      fi
    done
    die "no free 10.231.x.0/24 network between 100 and 254"
  fi
  [[ "$ID" =~ ^[0-9]+$ && "$ID" -ge 1 && "$ID" -le 254 ]] || die "P2P_HOSTS_ID must be 1-254 or auto"
  subnet_in_use "$ID" && die "10.231.$ID.0/24 is already in use on this machine (choose another P2P_HOSTS_ID)"
  mkdir "$STATE" 2>/dev/null || die "network $ID is already up (eng/hosts.sh down first)"
}

up() {
  local count="${1:-}"; shift || true
  [[ "$count" =~ ^[0-9]+$ && "$count" -ge 1 && "$count" -le 200 ]] || die "up needs a host count (1-200)"
  local nodes=true
  if [[ "${1:-}" == --no-nodes ]]; then nodes=false; shift; fi
  require_tools
  reap_stale
  claim
  trap 'teardown' ERR
  echo "$count" > "$STATE/hosts"
  echo "${P2P_HOSTS_OWNER:-}" > "$STATE/owner"

  ip link add "$BRIDGE" type bridge
  ip addr add "$GATEWAY/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for ((i = 1; i <= count; i++)); do
    ip netns add "$(ns "$i")"
    ip link add "p2p${ID}h$i" type veth peer name eth0 netns "$(ns "$i")"
    ip link set "p2p${ID}h$i" master "$BRIDGE" up
    in_ns "$i" ip link set lo up
    in_ns "$i" ip addr add "$(addr "$i")/24" dev eth0
    in_ns "$i" ip link set eth0 up
    # Partitions, loss and delay each have a chain of their own, so each can be changed without touching the others.
    for chain in p2p-cut-in p2p-cut-out p2p-loss p2p-count p2p-delay; do in_ns "$i" iptables -N "$chain"; done
    in_ns "$i" iptables -A INPUT -j p2p-cut-in
    in_ns "$i" iptables -A OUTPUT -j p2p-cut-out
    in_ns "$i" iptables -A OUTPUT -j p2p-loss
    # Counts what the host really sends to the other hosts: after the cuts and the loss (dropped packets are not
    # sent), before the delay (NFQUEUE ends the chain); the bridge address (this machine) is never counted.
    in_ns "$i" iptables -A p2p-count -d "$GATEWAY" -j RETURN
    in_ns "$i" iptables -A p2p-count -d "10.231.$ID.0/24"
    in_ns "$i" iptables -A OUTPUT -j p2p-count
    in_ns "$i" iptables -A OUTPUT -j p2p-delay
  done
  trap - ERR
  if [[ "$nodes" == true ]]; then start_nodes "$count" "$@"; fi
  status
}

start_nodes() {
  local count="$1"; shift
  if [[ ! -f "$NODE_DLL" ]]; then dotnet build "$ROOT/AspireP2P.Node" -v quiet -nologo; fi
  # The nodes listen beyond loopback, so each needs an API key. It goes to a file only root reads, and to the nodes in
  # their environment (P2P:ApiKey), which only their owner can read, not on their command line, which everyone can.
  (umask 077; printf '%s' "${P2P_HOSTS_API_KEY:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}" > "$STATE/api-key")
  for ((i = 1; i <= count; i++)); do
    local peers=()
    [[ $i -gt 1 ]] && peers=(--peers "$(addr $((i - 1))):$PORT")
    P2P__ApiKey="$(cat "$STATE/api-key")" Logging__LogLevel__Default=Warning setsid ip netns exec "$(ns "$i")" \
      dotnet "$NODE_DLL" --host "$(addr "$i")" --port "$PORT" "${peers[@]}" "$@" \
      > "$STATE/node-$i.log" 2>&1 < /dev/null &
    echo $! > "$STATE/node-$i.pid"
  done
}

partition() {
  local host="$1" oneway="${2:-}"
  [[ "$host" =~ ^[0-9]+$ && "$host" -ge 1 && "$host" -le "$(host_count)" ]] || die "no host $host"
  for j in $(others "$host"); do
    in_ns "$host" iptables -A p2p-cut-out -d "$(addr "$j")" -j DROP
    [[ -z "$oneway" ]] && in_ns "$host" iptables -A p2p-cut-in -s "$(addr "$j")" -j DROP
  done
  return 0
}

# The hosts in the list form one side, every other host the other: no packet crosses between the sides.
partition_group() {
  local list="$1" count i j
  count="$(host_count)"
  [[ "$list" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "partition-group needs host numbers, e.g. 1,2,3"
  local -A inside=()
  for i in ${list//,/ }; do
    [[ "$i" -ge 1 && "$i" -le "$count" ]] || die "no host $i"
    inside[$i]=1
  done
  # One iptables-restore per host on the cut side, all at once, so a third of 25 hosts is cut off in a fraction of a second.
  for i in "${!inside[@]}"; do
    {
      echo "*filter"
      for ((j = 1; j <= count; j++)); do
        [[ -n "${inside[$j]:-}" ]] && continue
        echo "-A p2p-cut-out -d $(addr "$j") -j DROP"
        echo "-A p2p-cut-in -s $(addr "$j") -j DROP"
      done
      echo "COMMIT"
    } | in_ns "$i" iptables-restore --noflush &
  done
  wait_all
}

# Waits for every background job of this shell; fails if any failed.
wait_all() {
  local job failed=0
  for job in $(jobs -p); do wait "$job" || failed=1; done
  [[ $failed -eq 0 ]] || die "a host's rules could not be changed"
}

counters() {
  local count i
  count="$(host_count)"
  for ((i = 1; i <= count; i++)); do
    # The second rule of p2p-count matches the other hosts: "pkts bytes" are its first two columns. All hosts at once;
    # each prints one short line (one write), so lines do not mix.
    echo "$i $(in_ns "$i" iptables -nvxL p2p-count | awk 'NR == 4 { print $2, $1 }')" &
  done
  wait_all
}

heal() {
  local count i
  count="$(host_count)"
  for ((i = 1; i <= count; i++)); do
    printf '*filter\n-F p2p-cut-in\n-F p2p-cut-out\nCOMMIT\n' | in_ns "$i" iptables-restore --noflush &
  done
  wait_all
}

milliseconds() { [[ "$1" =~ ^([0-9]+)(ms)?$ ]] || die "not a duration in ms: $1"; echo "${BASH_REMATCH[1]}"; }

delay() {
  local delay jitter=0
  delay="$(milliseconds "${1:-}")"
  [[ -n "${2:-}" ]] && jitter="$(milliseconds "$2")"
  [[ -f "$NETDELAY_DLL" ]] || dotnet build "$ROOT/eng/NetDelay" -v quiet -nologo
  for ((i = 1; i <= $(host_count); i++)); do
    in_ns "$i" iptables -F p2p-delay
    stop_pidfile "$STATE/delay-$i.pid"
    [[ "$delay" -eq 0 && "$jitter" -eq 0 ]] && continue
    setsid ip netns exec "$(ns "$i")" dotnet "$NETDELAY_DLL" 0 "$delay" "$jitter" > "$STATE/delay-$i.log" 2>&1 < /dev/null &
    echo $! > "$STATE/delay-$i.pid"
  done
  # Packets are queued only once every host's NetDelay has bound its queue: an unbound queue would drop them.
  for ((i = 1; i <= $(host_count); i++)); do
    [[ "$delay" -eq 0 && "$jitter" -eq 0 ]] && continue
    for _ in $(seq 150); do grep -q '^NetDelay:' "$STATE/delay-$i.log" 2>/dev/null && break; sleep 0.1; done
    grep -q '^NetDelay:' "$STATE/delay-$i.log" || die "NetDelay did not start in host $i: $(cat "$STATE/delay-$i.log")"
    for j in $(others "$i"); do in_ns "$i" iptables -A p2p-delay -d "$(addr "$j")" -j NFQUEUE --queue-num 0; done
  done
}

loss() {
  [[ "${1:-}" =~ ^([0-9]+(\.[0-9]+)?)%$ ]] || die "loss needs a percentage, e.g. 5%"
  local probability
  probability="$(awk -v p="${BASH_REMATCH[1]}" 'BEGIN { printf "%.4f", p / 100 }')"
  for ((i = 1; i <= $(host_count); i++)); do
    in_ns "$i" iptables -F p2p-loss
    [[ "$probability" == 0.0000 ]] && continue
    for j in $(others "$i"); do
      in_ns "$i" iptables -A p2p-loss -d "$(addr "$j")" -m statistic --mode random --probability "$probability" -j DROP
    done
  done
}

stop_pidfile() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

# Removes everything this network made, whatever state a crash left it in; never fails.
teardown() {
  set +e
  local name
  for name in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^p2p$ID-h"); do
    ip netns pids "$name" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$name" 2>/dev/null
  done
  for name in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^p2p${ID}h[0-9]+$"); do
    ip link del "$name" 2>/dev/null
  done
  ip link del "$BRIDGE" 2>/dev/null
  for pidfile in "$STATE"/*.pid; do [[ -f "$pidfile" ]] && stop_pidfile "$pidfile"; done
  rm -rf "$STATE"
  set -e
}

status() {
  local count; count="$(host_count)"
  echo "network $ID: bridge $BRIDGE $GATEWAY/24, $count hosts"
  for ((i = 1; i <= count; i++)); do
    local rules
    rules="$(in_ns "$i" iptables -S | grep -c -- '-A p2p-' || true)"
    echo "  host $i  $(ns "$i")  http://$(addr "$i"):$PORT  rules: $rules"
  done
  if [[ -f "$STATE/api-key" ]]; then echo "  API key (X-Api-Key on POSTs): $STATE/api-key"; fi
}

command="${1:-}"; shift || true
select_network "${P2P_HOSTS_ID:-1}"
case "$command" in
  up) up "$@" ;;
  partition) partition "${1:-}" ;;
  partition-oneway) partition "${1:-}" oneway ;;
  partition-group) partition_group "${1:-}" ;;
  counters) counters ;;
  heal) heal ;;
  delay) delay "$@" ;;
  loss) loss "$@" ;;
  status) status ;;
  down) require_tools; teardown ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
