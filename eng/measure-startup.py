#!/usr/bin/env python3
"""Measures how long `dotnet run --project AspireP2P.AppHost` takes until every node is healthy, then presses
Ctrl+C (on a pseudo-terminal, as a developer would) and checks that no node, DCP or dashboard process is left.

    dotnet build AspireP2P.AppHost
    python3 eng/measure-startup.py --nodes 10 --runs 5 [--launch Project]

Time runs from starting `dotnet run --no-build` to the moment every node's /health answers "Healthy"
(a node is Healthy once it is linked to its predecessor). Ports 3030.. must be free.
"""
import argparse, os, pty, select, statistics, subprocess, sys, time, urllib.request



def aspire_processes():
    """Live AppHost, node, DCP and dashboard processes: pid -> command line."""
    listing = subprocess.run(["ps", "-eo", "stat=,pid=,args="], capture_output=True, text=True).stdout
    found = {}
    for line in listing.splitlines():
        stat, pid, args = line.split(None, 2)
        if not stat.startswith("Z") and any(name in args for name in ("AspireP2P", "tools/dcp", "Aspire.Dashboard")) and "measure-startup" not in args:
            found[int(pid)] = args
    return found


def healthy(port):
    try:
        return urllib.request.urlopen(f"http://localhost:{port}/health", timeout=2).read() == b"Healthy"
    except Exception:
        return False


def run_once(root, nodes, base_port, launch):
    already_running = aspire_processes()  # other AppHosts or nodes on this machine are not ours to judge
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(root)
        os.execvp("dotnet", ["dotnet", "run", "--project", "AspireP2P.AppHost", "--no-build", "--",
                             "--nodes", str(nodes), "--base-port", str(base_port), "--launch", launch])
    output = bytearray()

    def drain(timeout):
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            try:
                output.extend(os.read(fd, 65536))
            except OSError:
                pass

    start = time.monotonic()
    pending = set(range(base_port, base_port + nodes))
    while pending and time.monotonic() - start < 180:
        pending = {p for p in pending if not healthy(p)}
        drain(0.05)
    up = time.monotonic() - start if not pending else None

    os.write(fd, b"\x03")  # Ctrl+C
    stop = time.monotonic()
    while os.waitpid(pid, os.WNOHANG)[0] == 0:
        drain(0.1)
    exited = time.monotonic() - stop
    while (left := {p: a for p, a in aspire_processes().items() if p not in already_running}) and time.monotonic() - stop < 60:
        time.sleep(0.25)
    gone = time.monotonic() - stop
    return up, exited, gone, left, bytes(output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=3030)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--launch", default="Executable", choices=["Executable", "Project"])
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ups = []
    for run in range(1, args.runs + 1):
        up, exited, gone, left, output = run_once(root, args.nodes, args.base_port, args.launch)
        print(f"run {run}: all {args.nodes} healthy after {up:.1f} s" if up else f"run {run}: NOT all healthy in 180 s",
              f"| Ctrl+C: dotnet run returned in {exited:.1f} s, every process gone after {gone:.1f} s", flush=True)
        if left:
            print("processes left:\n" + "\n".join(f"{p} {a}" for p, a in left.items()), file=sys.stderr)
        if up is None:
            print(output.decode(errors="replace")[-3000:], file=sys.stderr)
            sys.exit(1)
        ups.append(up)
    print(f"{args.launch}, {args.nodes} nodes: median {statistics.median(ups):.1f} s, min {min(ups):.1f}, max {max(ups):.1f} over {len(ups)} runs")


if __name__ == "__main__":
    main()
