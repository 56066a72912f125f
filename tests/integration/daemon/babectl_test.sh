#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babectl against the real control server: babed-fake (babed's daemon loop
# around a scripted fake engine, no babe0) listens on a temporary socket and
# every babectl subcommand runs against it, human output and --json both
# checked. Also: garbage and oversized requests get error objects and the
# daemon lives on; no daemon -> a clear error. ping/traceroute use loopback
# addresses (they answer ICMP), so they need an ICMP socket: root or
# net.ipv4.ping_group_range.
set -uo pipefail
. "${BABE_SOURCE_DIR:-$(dirname "$0")/../../..}/tools/lib.sh"

fake=$babe_build/tests/integration/daemon/babed-fake
ctl=$babe_build/userspace/cli/babectl
[ -x "$fake" ] && [ -x "$ctl" ] || skip "babed-fake or babectl not built in $babe_build"
command -v jq >/dev/null || skip "jq missing"
command -v python3 >/dev/null || skip "python3 missing"

tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

sock=$tmp/run/babe.sock
cat > "$tmp/babe.yaml" <<YAML
node: {address: 127.0.0.1}
mesh: {interfaces: [lo], prefix: 127.0.0.0/8}
control: {socket: $sock, monitor_queue: 64}
log: {level: debug}
YAML
"$fake" -c "$tmp/babe.yaml" --no-link --events 2> "$tmp/log" &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { cat "$tmp/log"; fail "control socket did not appear"; }
[ "$(stat -c %a "$sock")" = 660 ] || fail "socket mode $(stat -c %a "$sock"), want 660"
pass "socket $sock created with mode 0660 (directory made)"

b() { "$ctl" -s "$sock" "$@"; }
expect() { # expect DESCRIPTION PATTERN COMMAND...: stdout+stderr must match the extended regex
	local d=$1 p=$2; shift 2
	local out; out=$("$@" 2>&1)
	grep -Eq -- "$p" <<<"$out" || { printf '%s\n' "$out"; fail "$d: no match for /$p/"; }
	pass "$d"
}
expect_json() { # expect_json DESCRIPTION JQ-FILTER COMMAND...
	local d=$1 f=$2; shift 2
	local out; out=$("$@" 2>/dev/null)
	jq -e "$f" >/dev/null <<<"$out" || { printf '%s\n' "$out"; fail "$d: jq '$f' not true"; }
	pass "$d"
}

expect "status (human)" '^node +127\.0\.0\.1$' b status
expect "status shows interfaces" '^mesh +127\.0\.0\.0/8 on lo$' b status
expect_json "status --json" '.ok and .status.node_address == "127.0.0.1" and .status.routes == 2' b status --json
expect "routes (human)" '^127\.0\.0\.1 +3 +127\.0\.0\.2 -> 127\.0\.0\.3 -> 127\.0\.0\.1 +1\.2s' b routes
expect_json "routes --json" '.routes | length == 2 and (map(select(.dst == "127.0.0.1"))[0].hops == ["127.0.0.2","127.0.0.3"])' b --json routes
expect "neighbours (human)" '^127\.0\.0\.6 +lo +02:00:00:00:00:06 +never$' b neighbours
expect_json "neighbors --json (alias)" '.neighbours | length == 2 and .[0].mac == "02:00:00:00:00:02"' b neighbors --json
expect "stats (human)" '^engine_rx_packets +1234$' b stats
expect_json "stats --match --json" '.stats == {"dsr_rreq_originated": 7}' b stats --match rreq_orig --json
expect "config show (human)" '^dsr\.request_period_ms: 500$' b config show
expect_json "config show --json" '.config["node.address"] == "127.0.0.1" and .config["control.socket"] != null' b config show --json

expect "discover (human)" '^route to 127\.0\.0\.5: 127\.0\.0\.2 -> 127\.0\.0\.5 \(2 links\), found in [0-9.]+ ms$' b discover 127.0.0.5
expect_json "discover --json" '.discover.ok and .discover.route.hops == ["127.0.0.2"] and .discover.latency_us == 20000' b --json discover 127.0.0.5
expect "discover failure" 'discovery_failed: no route' b discover 127.0.0.7
b discover 127.0.0.7 >/dev/null 2>&1 && fail "discover of an unreachable node exited 0"
expect "discover timeout" 'timeout: no answer within 300 ms' b discover 127.0.0.9 -w 300
expect_json "discover failure --json" '.ok == false and .error.code == "discovery_failed"' b --json discover 127.0.0.7
expect "bad address refused" 'not an IPv4 address' b discover 300.1.1.1

out=$(b monitor --count 4 --kind route_added,link_broken 2>/dev/null)
[ "$(grep -Ec '^[0-9:.]+ (route_added|link_broken) ' <<<"$out")" = 4 ] && [ "$(wc -l <<<"$out")" = 4 ] ||
	{ echo "$out"; fail "monitor --kind: want 4 lines of route_added/link_broken"; }
pass "monitor filtered by kind"
out=$(b monitor --count 3 --kind route_added)
grep -Eq 'route_added +dst 127\.0\.0\.[0-9] via 127\.0\.0\.2 -> ' <<<"$out" || { echo "$out"; fail "monitor human event line"; }
pass "monitor event line shows the route"
out=$(b --json monitor --count 3 --node 127.0.0.3 --kind drop,link_broken,route_added)
jq -se '.[0].ok and (.[1:] | length == 3) and (.[1:] | all(.event.dst == "127.0.0.3"))' >/dev/null <<<"$out" ||
	{ echo "$out"; fail "monitor --node --json"; }
pass "monitor --json --node: every event names the node"

if python3 - "$tmp" <<'PY' 2>/dev/null; then
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
PY
	icmp=1
else
	icmp=0
fi
if [ "$(id -u)" -eq 0 ] || [ $icmp -eq 1 ]; then
	expect "ping over the cached route" '^PING 127\.0\.0\.1 over DSR: 127\.0\.0\.2 -> 127\.0\.0\.3 -> 127\.0\.0\.1 \(3 links\)' b ping 127.0.0.1 -c 2 -i 0.05
	expect "ping summary" '2 sent, 2 received, 0% loss, rtt min/avg/max' b ping 127.0.0.1 -c 2 -i 0.05
	expect "ping discovers first" 'no route cached to 127\.0\.0\.4: discovering\.\.\.' b ping 127.0.0.4 -c 1
	expect_json "ping --json" '.received == 2 and (.rtt_ms | length == 2) and .route.hops == ["127.0.0.2","127.0.0.3"]' b ping --json 127.0.0.1 -c 2 -i 0.05
	expect "traceroute hop by hop" '^ 2  127\.0\.0\.3 +[0-9.]+ ms  [0-9.]+ ms$' b traceroute 127.0.0.1 -q 2
	expect_json "traceroute --json" '(.hops | map(.addr)) == ["127.0.0.2","127.0.0.3","127.0.0.1"] and (.hops | all(.rtt_ms | all(. != null)))' b --json traceroute 127.0.0.1 -q 2
else
	say "SKIP: ping/traceroute: no ICMP socket (not root, ping_group_range closed)"
fi

n=$(b --json routes | jq '.routes | length')
expect "flush" "^flushed $n routes$" b flush
expect_json "routes empty after flush" '.routes == []' b routes --json

# Garbage, unknown commands, an oversized line: error objects, daemon lives.
python3 - "$sock" <<'PY' || fail "protocol errors"
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rwb")
def ask(line):
    f.write(line + b"\n"); f.flush(); return json.loads(f.readline())
assert ask(b"garbage\xff{")["error"]["code"] == "bad_json"
assert ask(b'{"cmd":"reboot"}')["error"]["code"] == "unknown_command"
assert ask(b'{"cmd":"discover","target":5}')["error"]["code"] == "bad_request"
assert ask(b'[1,2,3]')["error"]["code"] == "bad_json"
assert ask(b'{"cmd":"status"}')["ok"] is True
f.write(b"x" * 200000); f.flush()
r = json.loads(f.readline()); assert r["error"]["code"] == "request_too_large", r
assert f.readline() == b""   # closed after that
PY
pass "garbage, unknown command, bad field, oversized line -> error objects"
expect_json "daemon alive after abuse" '.ok' b status --json

"$ctl" -s "$tmp/none.sock" status > "$tmp/out" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q 'is babed running' "$tmp/out" || { cat "$tmp/out"; fail "no daemon: rc $rc"; }
pass "no daemon: exit 3 with a hint"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ $rc -eq 0 ] || fail "babed-fake exited $rc on SIGTERM"
[ ! -e "$sock" ] || fail "socket left behind after SIGTERM"
pass "SIGTERM: clean exit, socket removed"
