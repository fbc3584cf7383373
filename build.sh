#!/usr/bin/env bash
# Builds AspireP2P and runs its tests, as dotnet/aspire's build.sh does: `./build.sh` builds, `./build.sh --test` also
# installs what the tests need beyond the .NET SDK when it is missing (eng/test-tools.tsv), runs `dotnet test
# AspireP2P.sln` with PATH holding only those programs, and prints each tier's test count and time.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

usage() {
  cat <<'EOF'
Usage: ./build.sh [--test] [--fast] [--filter <expression>]

  (no option)             dotnet build AspireP2P.sln
  --test                  install every program the tests start when missing (eng/test-tools.tsv: faketime, chromium,
                          Deno, the Aspire CLI, iproute2, iptables, …), then dotnet test AspireP2P.sln with PATH
                          holding only those programs, and a per-tier summary
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
die() { echo "build.sh: $*" >&2; exit 1; }

# Every program the tests start beyond the test build is listed in eng/test-tools.tsv (program, source, who starts it).
# --test installs what is missing from there, then links each program into .ci/tools/bin, and the tests run with PATH
# set to that directory alone: a program not in the list is not found, here and in CI alike.
TOOLS_LIST=eng/test-tools.tsv
TOOLS_BIN="$PWD/.ci/tools/bin"
tools() { grep -v -e '^#' -e '^[[:space:]]*$' "$TOOLS_LIST"; }

# A developer may point a few programs elsewhere (CI never does: .ci/run unsets these).
override_for() {
  case "$1" in
    deno) echo "${DENO_PATH:-}" ;;
    chromium) echo "${P2P_CHROMIUM:-}" ;;
    aspire) echo "${ASPIRE_CLI:-}" ;;
  esac
}

package_installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]; }

# The file a Debian package installed for a program: looked up in the system directories only (a copy in
# /usr/local, ~/.pyenv or the caller's PATH would pass here and be missing on a fresh machine).
system_program() {
  local dir
  for dir in /usr/sbin /usr/bin /sbin /bin; do
    if [[ -x "$dir/$1" ]]; then echo "$dir/$1"; return 0; fi
  done
  return 1
}

# The package that owns a file, following symlinks and Debian's alternatives; /bin and /usr/bin are one directory.
package_of() {
  local path candidates=() candidate owner
  for path in "$1" "$(readlink -f "$1")"; do
    candidates+=("$path" "${path#/usr}" "/usr$path")
  done
  for candidate in "${candidates[@]}"; do
    owner="$(dpkg-query -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1 | cut -d, -f1)" || true
    if [[ -n "$owner" ]]; then echo "$owner"; return 0; fi
  done
  return 1
}

# Whether a package is the given one, or one it depends on (python3's interpreter is in python3.11-minimal).
package_provided_by() {
  local owner="$1" package="$2"
  [[ "$owner" == "$package" ]] && return 0
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
    "$package" 2>/dev/null | grep -v '^ ' | grep -qx -e "$owner" -e "$owner:any"
}

install_tools() {
  command -v dpkg-query >/dev/null || die "installing the test tools needs Debian's apt and dpkg (see eng/test-tools.tsv for the list)"
  local program source users packages=()
  while IFS=$'\t' read -r program source users; do
    [[ -n "$(override_for "$program")" ]] && continue
    case "$source" in
      apt:*) package_installed "${source#apt:}" || packages+=("${source#apt:}") ;;
      npm:*) command -v npm >/dev/null || package_installed npm || packages+=(npm) ;;
    esac
  done < <(tools)
  if [[ ${#packages[@]} -gt 0 ]]; then
    mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
    echo "Installing ${packages[*]} for the tests (eng/test-tools.tsv)"
    apt_install "${packages[@]}"
  fi

  while IFS=$'\t' read -r program source users; do
    [[ -n "$(override_for "$program")" ]] && continue
    local spec="${source#*:}"
    case "$source" in
      npm:*)
        if [[ "$(".ci/tools/node_modules/.bin/$program" --version 2>/dev/null | head -n 1)" != "$program ${spec##*@}"* ]]; then
          echo "Installing $spec for the tests (eng/test-tools.tsv)"
          npm install --prefix .ci/tools --no-audit --no-fund "$spec"
        fi ;;
      dotnet-tool:*)
        if [[ "$(".ci/tools/$program/$program" --version 2>/dev/null | head -n 1)" != "${spec##*@}"* ]]; then
          echo "Installing $spec for the tests (eng/test-tools.tsv)"
          dotnet tool install "${spec%@*}" --version "${spec##*@}" --tool-path ".ci/tools/$program"
        fi ;;
    esac
  done < <(tools)
}

# .ci/tools/bin: one link per listed program, to where its source put it. Strict (--test): every program must be there,
# from its own package. Lenient (--fast installs nothing): what is missing is left out, and a test that needs it says so.
link_tools() {
  local strict="$1" program source users target owner
  rm -rf "$TOOLS_BIN"
  mkdir -p "$TOOLS_BIN"
  while IFS=$'\t' read -r program source users; do
    target="$(override_for "$program")"
    if [[ -z "$target" ]]; then
      case "$source" in
        sdk) target="$(command -v dotnet)" ;;
        apt:*)
          target="$(system_program "$program")" || target=""
          if [[ -n "$target" && "$strict" == true ]]; then
            owner="$(package_of "$target")" || die "$program ($target) belongs to no Debian package; eng/test-tools.tsv says ${source#apt:}"
            package_provided_by "$owner" "${source#apt:}" ||
              die "$program ($target) comes from $owner, not from ${source#apt:} as eng/test-tools.tsv says: a fresh machine would lack it"
          fi ;;
        npm:*) target="$PWD/.ci/tools/node_modules/.bin/$program" ;;
        dotnet-tool:*) target="$PWD/.ci/tools/$program/$program" ;;
        *) die "eng/test-tools.tsv: unknown source '$source' for $program" ;;
      esac
    fi
    if [[ -z "$target" || ! -x "$target" ]]; then
      [[ "$strict" == true ]] && die "$program is missing after the installs (eng/test-tools.tsv: $source)"
      continue
    fi
    ln -s "$target" "$TOOLS_BIN/$program"
  done < <(tools)
}

if [[ "$fast" == true ]]; then
  filter="(Category=Unit|Category=Simulation|Category=Network)${filter:+&($filter)}"
  link_tools false
else
  install_tools
  link_tools true
fi

results=artifacts/TestResults
rm -f "$results/tests.trx"
dotnet build AspireP2P.sln -v quiet -nologo
args=(test AspireP2P.sln --no-build --logger "trx;LogFileName=tests.trx" --results-directory "$results")
[[ -n "$filter" ]] && args+=(--filter "$filter")
echo "PATH=$TOOLS_BIN dotnet ${args[*]}"
status=0
PATH="$TOOLS_BIN" P2P_TOOLS_BIN="$TOOLS_BIN" "$TOOLS_BIN/dotnet" "${args[@]}" || status=$?

if [[ -f "$results/tests.trx" ]]; then
  dotnet run eng/TestSummary.cs -- "$results/tests.trx" AspireP2P.Tests/bin/Debug/net10.0/AspireP2P.Tests || true
fi
exit "$status"
