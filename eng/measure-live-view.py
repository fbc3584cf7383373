#!/usr/bin/env python3
"""What the dashboard's live view costs and how fast the Graph follows a change.

Starts the AppHost with `aspire start --isolated` (random dashboard and node ports, so it never collides with a running
network), once with the live view on (the default, every node read each second) and once with it off
(`--live-interval 0`), side by side in each run, and measures for each:

  * CPU seconds per minute used by the AppHost process, by DCP's controllers (they proxy the reads), by the dashboard
    and by all nodes together, over a sampling window after the network settled; the AppHost's RSS at the end;
  * with the live view on: the time from a node's crash (the Crash command, SIGKILL) until no other node's resource
    has a relationship to it any more (read from `aspire describe --follow`, the stream the dashboard also gets).

Needs the Aspire CLI (.ci/tools/aspire, see docs/aspire.md) and a built AppHost:
    dotnet build AspireP2P.AppHost && python3 eng/measure-live-view.py --nodes 10 --runs 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APPHOST = os.path.join(ROOT, "AspireP2P.AppHost")
ASPIRE = os.environ.get("ASPIRE_CLI", os.path.join(ROOT, ".ci", "tools", "aspire", "aspire"))
TICK = os.sysconf("SC_CLK_TCK")
ENV = dict(os.environ, ASPIRE_CLI_TELEMETRY_OPTOUT="true", DOTNET_CLI_TELEMETRY_OPTOUT="1")


def aspire(*args, timeout=300):
    return subprocess.run([ASPIRE, *args, "--apphost", APPHOST, "--non-interactive", "--nologo"],
                          capture_output=True, text=True, timeout=timeout, env=ENV, cwd=ROOT)


def describe():
    out = aspire("describe", "--format", "Json", timeout=60).stdout
    return json.loads(out[out.index("{"):])["resources"]


def processes():
    """pid -> (ppid, command line, cpu ticks, rss kB) for every process."""
    table = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/status") as f:
                rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(pid)] = (int(fields[1]), cmd, int(fields[11]) + int(fields[12]), rss)
    return table


def groups(apphost_pid):
    """The AppHost's processes by role: apphost, dcp controllers (proxies), dashboard, nodes."""
    table = processes()
    roles = {"apphost": [apphost_pid], "dcp": [], "dashboard": [], "nodes": []}
    for pid, (_, cmd, _, _) in table.items():
        if f"--monitor {apphost_pid}" in cmd and "start-apiserver" in cmd:
            apiserver = pid
            controllers = [p for p, (pp, c, _, _) in table.items() if pp == apiserver and "run-controllers" in c]
            roles["dcp"] = [apiserver, *controllers]
            for controller in controllers:
                for child, (pp, c, _, _) in table.items():
                    if pp == controller and "Aspire.Dashboard" in c:
                        roles["dashboard"].append(child)
                    elif pp == controller and "AspireP2P.Node" in c:
                        roles["nodes"].append(child)
    return roles


def cpu_ticks(pids):
    table = processes()
    return sum(table[p][2] for p in pids if p in table)


def wait_healthy(nodes, timeout):
    deadline = time.time() + timeout
    unhealthy = []
    while time.time() < deadline:
        try:
            resources = [r for r in describe() if r["displayName"].startswith("node-")]
            unhealthy = [f"{r['displayName']} {r['state']} {r.get('healthStatus')} {r.get('healthReports')}"
                         for r in resources if r.get("healthStatus") != "Healthy"]
            if len(resources) == nodes and not unhealthy:
                return time.time()
        except (ValueError, KeyError, subprocess.TimeoutExpired):
            pass
        time.sleep(2)
    raise TimeoutError(f"not all {nodes} nodes healthy after {timeout} s: {unhealthy}")


class Follow:
    """`aspire describe --follow`: the latest relationships of every resource, by display name."""

    def __init__(self):
        self.relationships = {}
        self.names = {}
        self.changed = threading.Condition()
        self.process = subprocess.Popen([ASPIRE, "describe", "--follow", "--format", "Json", "--apphost", APPHOST, "--nologo"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV, cwd=ROOT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            if not line.startswith("{"):
                continue
            resource = json.loads(line)
            with self.changed:
                self.names[resource["name"]] = resource["displayName"]
                self.relationships[resource["displayName"]] = [r["resourceName"] for r in resource.get("relationships", [])]
                self.changed.notify_all()

    def wait(self, condition, timeout):
        deadline = time.time() + timeout
        with self.changed:
            while not condition({n: [self.names.get(r, r) for r in rs] for n, rs in self.relationships.items()}):
                if not self.changed.wait(deadline - time.time()) and time.time() >= deadline:
                    raise TimeoutError("condition not met")
        return time.time()

    def stop(self):
        self.process.kill()


def linked_addresses(url):
    """The public addresses a node reports open links to (today's outbound/inbound lists, or protocol v2's peers)."""
    with urllib.request.urlopen(url + "/api/peers", timeout=5) as response:
        peers = json.load(response)
    linked = {p["address"] for p in peers.get("peers", []) + peers.get("outbound", []) if p.get("state") == "Connected"}
    return linked | {p["address"] for p in peers.get("inbound", []) if p.get("address")}


def crash_latency(node, others):
    """(seconds until the last neighbour stopped reporting a link to the crashed node, seconds until the Graph did)."""
    urls = {r["displayName"]: next(u["url"] for u in r["urls"] if u["name"] == "http") for r in describe() if r.get("urls")}
    address = urls[node].split("//")[1]
    follow = Follow()
    try:
        follow.wait(lambda rels: any(node in rels.get(o, []) for o in others), 60)
        started = time.time()
        result = aspire("resource", node, "crash")
        if result.returncode != 0:
            raise RuntimeError(result.stdout + result.stderr)
        # The nodes' own view, read every 50 ms while the Graph is watched.
        pending = set(others)
        while pending and time.time() - started < 60:
            for other in list(pending):
                try:
                    if address not in linked_addresses(urls[other]):
                        pending.discard(other)
                except OSError:
                    pass
            time.sleep(0.05)
        noticed = time.time()
        gone = follow.wait(lambda rels: all(node not in rels.get(o, []) for o in others), 60)
        return noticed - started, gone - started
    finally:
        follow.stop()


def run_once(nodes, live, sample, settle, crashes):
    interval = "00:00:01" if live else "0"
    result = aspire("start", "--isolated", "--no-build", "--format", "Json", "--",
                    "--nodes", str(nodes), "--target-peers", "3", "--live-interval", interval, timeout=600)
    out = result.stdout
    started = json.loads(out[out.index("{"):out.rindex("}") + 1])
    apphost = started["appHostPid"]
    try:
        t0 = time.time()
        wait_healthy(nodes, 900)
        up = time.time() - t0
        time.sleep(settle)
        roles = groups(apphost)
        before = {role: cpu_ticks(pids) for role, pids in roles.items()}
        time.sleep(sample)
        after = {role: cpu_ticks(pids) for role, pids in roles.items()}
        rss = processes().get(apphost, (0, "", 0, 0))[3] / 1024
        cpu = {role: (after[role] - before[role]) / TICK * 60 / sample for role in roles}
        latencies = []
        if live:
            for k in range(crashes):
                node = f"node-{(nodes // 2 + k) % nodes}"
                others = [f"node-{i}" for i in range(nodes) if f"node-{i}" != node]
                latencies.append(crash_latency(node, others))
                aspire("resource", node, "start")
                wait_healthy(nodes, 300)
        return {"up": up, "cpu": cpu, "rss": rss, "latency": latencies, "nodes": len(roles["nodes"])}
    except Exception:
        if os.environ.get("KEEP_ON_FAILURE"):
            print(f"left AppHost {apphost} running for inspection", flush=True)
            raise
        aspire("stop", timeout=120)
        raise
    else:
        aspire("stop", timeout=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=60, help="seconds of CPU sampling per mode")
    parser.add_argument("--settle", type=int, default=30, help="seconds to wait after all nodes are healthy")
    parser.add_argument("--crashes", type=int, default=3, help="crash-latency samples per run (live view on)")
    args = parser.parse_args()

    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}, {args.nodes} nodes, {args.runs} runs", flush=True)
    results = {True: [], False: []}
    for run in range(args.runs):
        for live in (True, False):
            r = run_once(args.nodes, live, args.sample, args.settle, args.crashes)
            results[live].append(r)
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in r["cpu"].items())
            lat = ", ".join(f"{n:.2f}/{g:.2f}" for n, g in r["latency"])
            print(f"run {run + 1} live={'on ' if live else 'off'}: up {r['up']:.0f} s, {r['nodes']} node processes, "
                  f"CPU s/min: {cpu}; AppHost RSS {r['rss']:.0f} MB; crash -> nodes noticed/Graph edge gone, s: [{lat}]; load {os.getloadavg()[0]:.1f}", flush=True)

    print("\nmedians (CPU seconds per minute of wall time; 60 = one core busy)")
    for live in (True, False):
        rs = results[live]
        cpu = {k: statistics.median(r["cpu"][k] for r in rs) for k in rs[0]["cpu"]}
        line = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
        print(f"live view {'on ' if live else 'off'}: {line}; AppHost RSS {statistics.median(r['rss'] for r in rs):.0f} MB")
    latencies = [x for r in results[True] for x in r["latency"]]
    if latencies:
        noticed = [n for n, _ in latencies]
        gone = [g for _, g in latencies]
        behind = [g - n for n, g in latencies]
        print(f"crash -> every neighbour dropped the link: median {statistics.median(noticed):.2f} s (min {min(noticed):.2f}, max {max(noticed):.2f})")
        print(f"crash -> no Graph edge left: median {statistics.median(gone):.2f} s (min {min(gone):.2f}, max {max(gone):.2f})")
        print(f"Graph behind the nodes: median {statistics.median(behind):.2f} s (min {min(behind):.2f}, max {max(behind):.2f}) over {len(latencies)} crashes")


if __name__ == "__main__":
    sys.exit(main())
