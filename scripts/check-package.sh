#!/usr/bin/env bash
# The package stage of scripts/test.sh (docs/testing.md "What CI runs"): makes the .deb from an
# existing build directory, installs it on this machine with apt, checks what it installed, then
# purges it and removes the user it created, leaving the machine as it was. Root (or sudo) only.
#   scripts/check-package.sh [build-dir]      (default: build)
# Refuses (exit 1) when a vote-server package is already installed here: purging it would
# remove an operator's edited config files. Starts no server: the units are only verified.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
tools=(vote-server register vote close vote-status vote-admin vote-verify)
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then  # like the netns tests: skipped, and said so
    echo "check-package: skipped: installing a package needs root or passwordless sudo"
    exit 0
  fi
  sudo_cmd="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

if dpkg-query -W -f='${Status}' vote-server 2>/dev/null | grep -q "ok installed"; then
  echo "check-package: a vote-server package is installed on this machine; this stage would" \
       "purge it. Remove it first (apt-get remove vote-server) or skip the stage." >&2
  exit 1
fi
user_existed=0
getent passwd vote-server >/dev/null && user_existed=1

failures=0
fail() {
  echo "check-package: FAIL: $*" >&2
  failures=$((failures + 1))
}
cleanup() {
  $sudo_cmd apt-get purge -y -qq vote-server >/dev/null 2>&1 || true
  if [ "$user_existed" = 0 ] && getent passwd vote-server >/dev/null; then
    $sudo_cmd deluser --system --quiet vote-server >/dev/null 2>&1 || true
  fi
  if getent group vote-server >/dev/null && [ "$user_existed" = 0 ]; then
    $sudo_cmd delgroup --system --quiet vote-server >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# 1. The package, from the binaries, man pages and completions of the build.
cmake --build "$build" --target man completions >/dev/null
rm -f "$build"/vote-server_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/vote-server_*.deb)
echo "check-package: $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"

# 2. Install it as an operator would (dependencies from apt).
$sudo_cmd apt-get install -y -qq "$deb" >/dev/null

# 3. What it installed.
for tool in "${tools[@]}"; do
  out=$("/usr/bin/$tool" --version) || fail "/usr/bin/$tool --version exits $?"
  [[ $out == "$tool "* ]] || fail "/usr/bin/$tool --version prints '$out'"
  man -w "$tool" >/dev/null 2>&1 || fail "man $tool: no page"
  [ -s "/usr/share/bash-completion/completions/$tool" ] || fail "no bash completion for $tool"
  [ -s "/usr/share/zsh/vendor-completions/_$tool" ] || fail "no zsh completion for $tool"
done
for dev in vote-bench vote-sim vote-chaos vote-count-bench vote-state-bench; do
  [ ! -e "/usr/bin/$dev" ] || fail "/usr/bin/$dev: a development tool is installed"
done
# Type=notify needs the server to say READY=1: it must be built with sd_notify.
ldd /usr/bin/vote-server | grep -q 'libsystemd\.so' || fail "vote-server is not linked with libsystemd"
passwd=$(getent passwd vote-server) || fail "no user vote-server"
[[ $passwd == *:/var/lib/vote-server:/usr/sbin/nologin ]] || fail "user vote-server: $passwd"
getent group vote-server >/dev/null || fail "no group vote-server"
mode() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo missing; }
[ "$(mode /etc/vote-server)" = "root:vote-server 750" ] ||
  fail "/etc/vote-server is $(mode /etc/vote-server), not root:vote-server 750"
[ "$(mode /var/lib/vote-server)" = "vote-server:vote-server 750" ] ||
  fail "/var/lib/vote-server is $(mode /var/lib/vote-server), not vote-server:vote-server 750"
conffiles=$(dpkg-query -W -f='${Conffiles}' vote-server)
for f in /etc/vote-server/vote-server.toml /etc/default/vote-server; do
  grep -q " $f " <<<"$conffiles" || fail "$f is not a conffile"
done
# Nothing enabled or started by the package.
for wants in /etc/systemd/system/multi-user.target.wants/vote-server*; do
  [ ! -e "$wants" ] || fail "the package enabled $wants"
done
# The installed units, with the installed binary (a template is verified through an instance).
out=$(systemd-analyze verify --man=no vote-server.service vote-server@check.service 2>&1) ||
  fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
# The installed sample config loads (the server parses it and checks an empty directory).
scratch=$(mktemp -d)
out=$(/usr/bin/vote-server --config /etc/vote-server/vote-server.toml --check-data-dir "$scratch" 2>&1) ||
  fail "vote-server --config /etc/vote-server/vote-server.toml: $out"
rmdir "$scratch"

# 4. An edited config survives a reinstall (a conffile), the directories keep their modes.
echo "# edited by check-package" | $sudo_cmd tee -a /etc/vote-server/vote-server.toml >/dev/null
$sudo_cmd apt-get install -y -qq --reinstall "$deb" >/dev/null
grep -q "edited by check-package" /etc/vote-server/vote-server.toml ||
  fail "a reinstall replaced the edited /etc/vote-server/vote-server.toml"
[ "$(mode /etc/vote-server)" = "root:vote-server 750" ] || fail "reinstall: /etc/vote-server"

# 5. Purge: the programs and the package's files go; data directories would stay.
$sudo_cmd apt-get purge -y -qq vote-server >/dev/null
for tool in "${tools[@]}"; do
  [ ! -e "/usr/bin/$tool" ] || fail "purge left /usr/bin/$tool"
done
[ ! -e /etc/vote-server ] || fail "purge left /etc/vote-server (empty but for the package's files)"

[ "$failures" -eq 0 ] || { echo "check-package: $failures failure(s)" >&2; exit 1; }
echo "check-package: ok"
