#!/usr/bin/env bash
# The README's demo: builds, starts one vote-server on loopback with a temporary data directory,
# registers an election, casts votes (including every kind of refused vote), closes it, shows the
# result and stops the server. All traffic stays on 127.0.0.0/8.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${VOTE_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh" "$build"
bin=$build/bin

work=$(mktemp -d /tmp/vote-demo-XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"; wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port_free() { ! ss -Htuln "sport = :$1" | grep -q .; }
pick_port() {
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 10000))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  echo "demo: no free port found" >&2; return 1
}
port=$(pick_port)
disc=$(pick_port)
net=(--broadcast 127.255.255.255 --discovery-port "$disc")

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {  # prints the command, runs it, shows its exit code, never stops the demo
  printf '$ %s\n' "$*"
  set +e; "$@"; local rc=$?; set -e
  printf '  (exit code %d)\n' "$rc"
}

say "Starting vote-server on 127.0.0.1:$port (discovery 127.255.255.255:$disc, data in $work)"
"$bin/vote-server" --port "$port" --host 127.0.0.1 "${net[@]}" --data-dir "$work/data" \
  --log-level warn &
server_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

say "Register an election (the clients find the server by broadcast on loopback)"
run "$bin/register" --id board-2026 --candidates Alice Bob Carol \
  --authorized-users alice bob carol dave erin "${net[@]}"

say "Votes that count"
run "$bin/vote" --id alice --candidate Alice --election-id board-2026 "${net[@]}"
run "$bin/vote" --id bob --candidate Bob --election-id board-2026 "${net[@]}"
run "$bin/vote" --id carol --candidate Alice --election-id board-2026 "${net[@]}"
run "$bin/vote" --id dave --candidate Carol --election-id board-2026 "${net[@]}"

say "Votes that are refused (exit code 1, nothing changes)"
run "$bin/vote" --id mallory --candidate Bob --election-id board-2026 "${net[@]}"
run "$bin/vote" --id erin --candidate Zed --election-id board-2026 "${net[@]}"
run "$bin/vote" --id alice --candidate Bob --election-id board-2026 "${net[@]}"
run "$bin/vote" --id erin --candidate Bob --election-id no-such-election "${net[@]}"

say "Close the election and show the result"
run "$bin/close" --id board-2026 "${net[@]}"

say "After the close: no more votes, and the id cannot be reused"
run "$bin/vote" --id erin --candidate Bob --election-id board-2026 "${net[@]}"
run "$bin/register" --id board-2026 --candidates X --authorized-users y "${net[@]}"

say "Stopping the server (SIGTERM)"
kill -TERM "$server_pid"
wait "$server_pid" && echo "vote-server stopped cleanly"
server_pid=""
