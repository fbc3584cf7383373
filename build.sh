#!/usr/bin/env bash
# Builds AspireP2P and runs its tests, as dotnet/aspire's build.sh does: `./build.sh` builds, `./build.sh --test` also
# installs what the tests need beyond the .NET SDK when it is missing, runs `dotnet test AspireP2P.sln` and prints each
# tier's test count and time.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

usage() {
  cat <<'EOF'
Usage: ./build.sh [--test] [--fast] [--filter <expression>]

  (no option)             dotnet build AspireP2P.sln
  --test                  install what the tests need when missing (Debian's chromium, Deno 2.9.6 from npm, iproute2
                          and iptables for the hosts tier), then dotnet test AspireP2P.sln and a per-tier summary
  --fast                  with --test: only the Unit, Simulation and Network tiers; installs nothing
  --filter <expression>   with --test: passed to dotnet test --filter, e.g. "Category=Unit" or "Category!=Aspire"
  -h, --help              this text
EOF
}

test=false fast=false filter=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --test) test=true ;;
    --fast) fast=true ;;
    --filter) [[ $# -ge 2 ]] || { echo "--filter needs an expression" >&2; exit 2; }; filter="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if [[ "$test" != true ]]; then
  exec dotnet build AspireP2P.sln
fi

# Root installs Debian packages directly; anyone else goes through sudo.
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_updated=false
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [[ "$apt_updated" != true ]]; then as_root apt-get update -q; apt_updated=true; fi
  as_root apt-get install -y -q --no-install-recommends "$@"
}

# The browser tests drive Debian's Chromium through Playwright (Playwright never downloads a browser here);
# P2P_CHROMIUM points them at another executable.
ensure_chromium() {
  if [[ -n "${P2P_CHROMIUM:-}" || -x /usr/bin/chromium ]]; then return; fi
  echo "Installing Debian's chromium for the browser tests"
  apt_install chromium
}

# The seed interop tests run the tutorial's own server.ts on Deno 2.9.6. The tests use DENO_PATH when set, else deno on
# PATH, else this copy in .ci/tools (git-ignored), installed here only when missing or another version.
DENO_VERSION=2.9.6
ensure_deno() {
  if [[ -n "${DENO_PATH:-}" ]]; then return; fi
  local deno=.ci/tools/node_modules/.bin/deno
  if [[ "$("$deno" --version 2>/dev/null || true)" != "deno ${DENO_VERSION} "* ]]; then
    command -v npm >/dev/null || apt_install npm
    echo "Installing Deno ${DENO_VERSION} for the seed interop tests"
    npm install --prefix .ci/tools --no-audit --no-fund "deno@${DENO_VERSION}"
  fi
  export DENO_PATH="$PWD/$deno"
  "$DENO_PATH" --version | head -n 1
}

# The hosts tier (AspireP2P.Tests/Hosts, eng/hosts.sh) makes network namespaces with iproute2 and its faults with
# iptables; it needs root.
ensure_hosts_tools() {
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v iptables >/dev/null || missing+=(iptables)
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "Installing ${missing[*]} for the hosts tier"
    apt_install "${missing[@]}"
  fi
}

if [[ "$fast" == true ]]; then
  filter="(Category=Unit|Category=Simulation|Category=Network)${filter:+&($filter)}"
else
  ensure_chromium
  ensure_deno
  ensure_hosts_tools
fi

results=artifacts/TestResults
rm -f "$results/tests.trx"
args=(test AspireP2P.sln --logger "trx;LogFileName=tests.trx" --results-directory "$results")
[[ -n "$filter" ]] && args+=(--filter "$filter")
echo "dotnet ${args[*]}"
status=0
dotnet "${args[@]}" || status=$?

if [[ -f "$results/tests.trx" ]]; then
  dotnet run eng/TestSummary.cs -- "$results/tests.trx" AspireP2P.Tests/bin/Debug/net10.0/AspireP2P.Tests || true
fi
exit "$status"
