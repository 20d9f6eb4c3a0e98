#!/usr/bin/env bash
# The README's demo: builds, starts a three-server cluster on loopback, registers an election,
# casts votes (some refused), SIGKILLs the leader mid-way, shows the highest remaining id taking
# over, keeps voting, closes, and checks that every acknowledged vote was counted. Then it stops
# the servers and removes their data. All traffic stays on 127.0.0.0/8: the servers get
# --host 127.0.0.1 --broadcast 127.255.255.255, the clients the same broadcast address.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${VOTE_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh" "$build"
bin=$build/bin

work=$(mktemp -d /tmp/vote-demo-XXXXXX)
ids=(1 2 3)
declare -A pid=() port=() http=()
cleanup() {
  for i in "${ids[@]}"; do
    if [ -n "${pid[$i]:-}" ] && kill -0 "${pid[$i]}" 2>/dev/null; then kill -KILL "${pid[$i]}"; fi
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port_free() { ! ss -Htuln "sport = :$1" | grep -q .; }
pick_port() {  # a free TCP/UDP port not already given to this demo
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 10000))
    if port_free "$p" && [[ " ${port[*]:-} $disc " != *" $p "* ]]; then echo "$p"; return 0; fi
  done
  echo "demo: no free port found" >&2; return 1
}
disc=""
disc=$(pick_port)
for i in "${ids[@]}"; do port[$i]=$(pick_port); done
for i in "${ids[@]}"; do http[$i]=$(pick_port); port[h$i]=${http[$i]}; done
net=(--broadcast 127.255.255.255 --discovery-port "$disc")

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
rc=0
run() {  # prints the command, runs it, shows its exit code (also in $rc), never stops the demo
  printf '$ %s\n' "${*#"$bin/"}"
  set +e; "$@"; rc=$?; set -e
  printf '  (exit code %d)\n' "$rc"
}

start_server() {  # start_server ID: one cluster member, its log in $work/server-ID.log
  local i=$1
  "$bin/vote-server" --id "$i" --port "${port[$i]}" --host 127.0.0.1 "${net[@]}" \
    --http-addr "127.0.0.1:${http[$i]}" --data-dir "$work/data-$i" --log-level info \
    2>>"$work/server-$i.log" &
  pid[$i]=$!
  printf 'server %s: pid %s, 127.0.0.1:%s, web pages http://127.0.0.1:%s/, data in %s\n' "$i" \
    "${pid[$i]}" "${port[$i]}" "${http[$i]}" "$work/data-$i"
}
alive() { [ -n "${pid[$1]:-}" ] && kill -0 "${pid[$1]}" 2>/dev/null; }

# One {"type":"status"} request in the client protocol's frame (docs/protocol.md): magic "VOTE",
# version 1, type 1 (JSON), two reserved bytes, the payload length (17) as a big-endian u32.
status_of() {
  (exec 3<>"/dev/tcp/127.0.0.1/${port[$1]}" &&
    printf 'VOTE\001\001\000\000\000\000\000\021{"type":"status"}' >&3 &&
    timeout 0.3 cat <&3 | tail -c +13) 2>/dev/null || true
}
field() { sed -n 's/.*"'"$2"'":"\{0,1\}\([^",}]*\).*/\1/p' <<<"$1"; }

# Prints the id of the leader every running server agrees on; fails while they do not agree.
agreed_leader() {
  local i s leader="" names=()
  for i in "${ids[@]}"; do
    alive "$i" || continue
    s=$(status_of "$i")
    [ -n "$s" ] || return 1
    if [ "$(field "$s" role)" = leader ]; then
      [ -z "$leader" ] || return 1
      leader=$i
    else
      names+=("$(field "$s" leader_id)")
    fi
  done
  [ -n "$leader" ] || return 1
  for i in "${names[@]}"; do [ "$i" = "$leader" ] || return 1; done
  echo "$leader"
}
wait_for_leader() {  # wait_for_leader ID|any SECONDS: until every running server follows one
  local deadline=$((SECONDS + $2)) leader
  while [ "$SECONDS" -lt "$deadline" ]; do
    leader=$(agreed_leader || true)
    if [ -n "$leader" ] && { [ "$1" = any ] || [ "$1" = "$leader" ]; }; then return 0; fi
    sleep 0.2
  done
  echo "demo: no agreement on leader $1 within $2 s; server logs:" >&2
  tail -n 20 "$work"/server-*.log >&2
  exit 1
}
stop_server() {  # stop_server ID: SIGTERM, then its exit code (SIGKILL after 20 s)
  local i=$1 deadline=$((SECONDS + 20)) code
  kill -TERM "${pid[$i]}"
  while alive "$i" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  alive "$i" && kill -KILL "${pid[$i]}"
  set +e; wait "${pid[$i]}"; code=$?; set -e
  printf 'server %s stopped (exit code %d)\n' "$i" "$code"
}

show_cluster() {
  local i s
  for i in "${ids[@]}"; do
    if ! alive "$i"; then printf '  server %s: not running\n' "$i"; continue; fi
    s=$(status_of "$i")
    printf '  server %s: role=%-9s leader_id=%-2s epoch=%-3s commit_index=%-4s applied_index=%s\n' \
      "$i" "$(field "$s" role)" "$(field "$s" leader_id)" "$(field "$s" epoch)" \
      "$(field "$s" commit_index)" "$(field "$s" applied_index)"
  done
  if [ -x "$bin/vote-status" ]; then run "$bin/vote-status" "${net[@]}"; fi
}

acknowledged=0
vote() {  # vote VOTER CANDIDATE [ELECTION]: counts the votes the cluster acknowledged
  run "$bin/vote" --id "$1" --candidate "$2" --election-id "${3:-board-2026}" "${net[@]}" \
    --timeout 10
  if [ "$rc" -eq 0 ]; then acknowledged=$((acknowledged + 1)); fi
}

say "Starting server 1 alone (discovery on 127.255.255.255:$disc): the first server leads"
start_server 1
wait_for_leader 1 20
show_cluster

say "Starting servers 2 and 3: they hear server 1's hello and join its cluster"
start_server 2
start_server 3
say "The highest id leads: once server 3 has been a caught-up member for its 5 s tenure, it takes over"
wait_for_leader 3 30
show_cluster

say "Register an election (the clients find the leader by broadcast on loopback)"
run "$bin/register" --id board-2026 --candidates Alice Bob Carol \
  --authorized-users alice bob carol dave erin frank grace heidi ivan "${net[@]}"

say "What anyone may see of it (vote-status --election; the web pages show the same)"
run "$bin/vote-status" --election board-2026 "${net[@]}"

say "Votes that count (one through server 1's web API, which forwards it to the leader)"
printf '$ curl -X POST http://127.0.0.1:%s/api/v1/request -d %s\n' "${http[1]}" \
  "'{\"type\":\"vote\",\"voter\":\"ivan\",\"candidate\":\"Bob\",...}'"
answer=$(curl -s --max-time 15 -X POST -H 'Content-Type: application/json' \
  "http://127.0.0.1:${http[1]}/api/v1/request" \
  -d '{"type":"vote","request_id":"demo-web-1","election_id":"board-2026","voter":"ivan","candidate":"Bob"}' ||
  true)
echo "$answer"
case "$answer" in *'"ok":true'*) acknowledged=$((acknowledged + 1)) ;; esac
vote alice Alice
vote bob Bob
vote carol Alice

say "Votes that are refused (exit code 1, nothing changes)"
vote mallory Bob
vote erin Zed
vote alice Bob

say "SIGKILL the leader (server 3) in the middle of the election"
kill -KILL "${pid[3]}"
wait "${pid[3]}" 2>/dev/null || true
echo "server 3 killed"

say "Keep voting: the clients find whoever leads now (they retry while a new leader takes over)"
vote dave Carol
vote erin Bob

say "The highest remaining id, server 2, leads"
wait_for_leader 2 30
show_cluster
vote frank Alice
vote grace Bob
vote heidi Bob no-such-election

say "Close the election and show the result"
run "$bin/close" --id board-2026 "${net[@]}"

say "Every acknowledged vote was counted"
set +e
counted=$("$bin/close" --id board-2026 --json "${net[@]}" | sed -n 's/.*"votes_cast":\([0-9]*\).*/\1/p')
set -e
printf 'acknowledged votes: %s, votes in the tally: %s\n' "$acknowledged" "${counted:-?}"
if [ "$acknowledged" = "${counted:-}" ]; then echo "OK: every acknowledged vote was counted, once"; else
  echo "MISMATCH: acknowledged $acknowledged, counted ${counted:-?}"; exit 1; fi

say "After the close: no more votes, and the id cannot be reused"
vote heidi Bob
run "$bin/register" --id board-2026 --candidates X --authorized-users y "${net[@]}"

say "Restart server 3 with its data directory: it rejoins as a member and catches up"
start_server 3
wait_for_leader any 30
show_cluster

say "Anyone can recount: vote-verify fetches the public record from every server and compares"
servers=()
for i in "${ids[@]}"; do servers+=(--server "127.0.0.1:${port[$i]}"); done
# Server 3 serves the record once it has applied the close: poll (at most 10 s) until it does.
for _ in $(seq 1 40); do
  "$bin/vote-verify" --election-id board-2026 "${servers[@]}" >/dev/null 2>&1 && break
  sleep 0.25
done
run "$bin/vote-verify" --election-id board-2026 "${servers[@]}"

say "Stopping every server (SIGTERM: a leader hands over first; each exits 0)"
for i in "${ids[@]}"; do stop_server "$i"; done
