#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# babed as a service, in a network namespace: --check-config on good and bad
# files; the real daemon loop (babed-fake: babed around a fake engine)
# creating babe0 <-> babe0p with the node address /32 and the mesh route;
# sd_notify READY, WATCHDOG, RELOADING, STOPPING on a NOTIFY_SOCKET; SIGHUP
# applying what can change and keeping restart-only keys; SIGTERM leaving
# babe0 in place; restart reusing it; a stale socket replaced; a second
# daemon on the same socket refused.
set -uo pipefail
. "${BABE_SOURCE_DIR:-$(dirname "$0")/../../..}/tools/lib.sh"

babed=$babe_build/userspace/daemon/babed
fake=$babe_build/tests/integration/daemon/babed-fake
ctl=$babe_build/userspace/cli/babectl
[ -x "$babed" ] && [ -x "$fake" ] && [ -x "$ctl" ] || skip "babed, babed-fake or babectl not built"
command -v python3 >/dev/null || skip "python3 missing"

tmp=$(mktemp -d)
ns=babe-daemon-$$
pid=
lpid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	wait 2>/dev/null
	ns_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- --check-config (no privileges needed)
cfg() { # cfg FILE [extra yaml lines...]
	local f=$1; shift
	{
		echo "node:"
		echo "  address: 10.77.0.1"
		echo "mesh:"
		echo "  interfaces: [mesh0]"
		echo "  prefix: 10.77.0.0/16"
		echo "control:"
		echo "  socket: $tmp/run/babe.sock"
		for l in "$@"; do echo "$l"; done
	} > "$f"
}
cfg "$tmp/good.yaml" "dsr:" "  request_period_ms: 500" "log:" "  level: debug"
out=$("$babed" --check-config "$tmp/good.yaml" 2>&1) || fail "good config refused: $out"
pass "--check-config accepts a good file ($out)"
"$babed" --check-config "$babe_root/packaging/babe.yaml" >/dev/null || fail "packaging/babe.yaml refused"
pass "--check-config accepts packaging/babe.yaml"
check_bad() { # check_bad DESCRIPTION PATTERN FILE
	local out
	out=$("$babed" --check-config "$3" 2>&1) && fail "$1: accepted"
	grep -Eq -- "$2" <<<"$out" || fail "$1: message '$out' does not match /$2/"
	pass "$1: $out"
}
cfg "$tmp/bad1.yaml" "dsr:" "  request_period_msec: 5"
check_bad "unknown key named with file and line" "bad1\.yaml:9: dsr\.request_period_msec: unknown key" "$tmp/bad1.yaml"
cfg "$tmp/bad2.yaml" "dsr:" "  max_salvage_count: 99"
check_bad "out of range" "bad2\.yaml:9: dsr\.max_salvage_count: 99 is out of range" "$tmp/bad2.yaml"
printf 'mesh:\n  interfaces: [a]\n  prefix: 10.0.0.0/8\n' > "$tmp/bad3.yaml"
check_bad "missing required key" "bad3\.yaml:1: node\.address: required key is missing" "$tmp/bad3.yaml"
cfg "$tmp/bad4.yaml" "xdp:" "  mode: turbo"
check_bad "bad enum" "bad4\.yaml:9: xdp\.mode: 'turbo' is not one of: auto, native, generic" "$tmp/bad4.yaml"
"$babed" --version | grep -Eq '^babed [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
pass "--version"

# ---- the daemon loop in a namespace
require_root_netns
ns_add "$ns"
ip -n "$ns" link add mesh0 type veth peer name mesh0peer
ip -n "$ns" link set mesh0 up

# babed without an engine must refuse to run, never pretend to route; with
# the engine linked, it must reach READY in the namespace and stop on SIGTERM.
cfg "$tmp/real.yaml" "xdp:" "  pin_path: /sys/fs/bpf/babe-daemon-test-$$" "log:" "  level: debug"
timeout -s TERM 5 ip netns exec "$ns" "$babed" -c "$tmp/real.yaml" > "$tmp/real" 2>&1
rc=$?
rm -rf "/sys/fs/bpf/babe-daemon-test-$$" 2>/dev/null
if [ $rc -eq 78 ]; then
	grep -q 'cannot route' "$tmp/real" || fail "no-engine message"
	pass "babed without an engine refuses to run (exit 78)"
elif grep -q 'info ready' "$tmp/real" && grep -q 'stopped; pinned maps' "$tmp/real"; then
	pass "babed with the engine reached READY and stopped cleanly on SIGTERM"
else
	sed 's/^/  babed: /' "$tmp/real"
	fail "babed with the engine: exit $rc without reaching READY and a clean stop"
fi

# A notify socket that records every datagram.
python3 - "$tmp/notify.sock" "$tmp/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode() + "\n--\n")
PY
lpid=$!
for _ in $(seq 50); do [ -S "$tmp/notify.sock" ] && break; sleep 0.05; done
# notified PATTERN: the listener has logged a datagram matching PATTERN. It
# writes what babed sent a moment later (another process): wait up to 5 s
# rather than race it.
notified() {
	local _i
	for _i in $(seq 100); do grep -q -- "$1" "$tmp/notify.log" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}

start_fake() {
	ip netns exec "$ns" env NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=200000 \
		bash -c 'export WATCHDOG_PID=$$; exec "$@"' _ "$fake" -c "$tmp/good.yaml" >> "$tmp/log" 2>&1 &
	pid=$!
	notified READY=1 || { cat "$tmp/log"; fail "no READY=1"; }
}
sock=$tmp/run/babe.sock
start_fake
pass "READY=1 sent once the engine started and the socket listens"
ip -n "$ns" -o addr show dev babe0 | grep -q 'inet 10\.77\.0\.1/32' || { ip -n "$ns" addr show; sed 's/^/  babed: /' "$tmp/log"; fail "babe0 lacks 10.77.0.1/32"; }
ip -n "$ns" route show 10.77.0.0/16 | grep -q 'dev babe0 .*src 10\.77\.0\.1' || fail "no mesh route into babe0"
ip -n "$ns" link show babe0 | grep -q 'NOARP.*UP\|UP.*NOARP' || fail "babe0 not up with NOARP"
ip -n "$ns" -d link show babe0p | grep -q 'veth' || fail "babe0p is not the veth peer"
[ "$(ip -n "$ns" -o link show babe0 | grep -o 'mtu [0-9]*')" = "mtu 1400" ] || fail "babe0 MTU"
pass "babe0 <-> babe0p: 10.77.0.1/32, 10.77.0.0/16 routed into babe0, NOARP, MTU 1400"
notified WATCHDOG=1 || fail "no WATCHDOG=1 within 5 s at WatchdogSec=0.2 s"
pass "WATCHDOG=1 fed"
notified 'STATUS=running: 2 routes, 2 neighbours' || fail "no STATUS line"
pass "STATUS line with a summary"

"$ctl" -s "$sock" status | grep -q '^node *10\.77\.0\.1$' || fail "babectl status through babed"
pass "babectl talks to the daemon"

# A second daemon on the same socket is refused; the first is untouched.
ip netns exec "$ns" "$fake" -c "$tmp/good.yaml" > "$tmp/second" 2>&1 && fail "second daemon started"
grep -q 'another daemon is listening' "$tmp/second" || fail "second daemon message: $(cat "$tmp/second")"
"$ctl" -s "$sock" status >/dev/null || fail "first daemon hurt by the second"
pass "a second daemon on the same socket is refused"

# SIGHUP: request_period changes now; node.address waits for a restart.
cfg "$tmp/good.yaml" "dsr:" "  request_period_ms: 250" "log:" "  level: debug"
sed -i 's/10\.77\.0\.1/10.77.0.2/' "$tmp/good.yaml"
kill -HUP "$pid"
for _ in $(seq 50); do grep -q 'reload: applied' "$tmp/log" && break; sleep 0.05; done
"$ctl" -s "$sock" config show | grep -q '^dsr.request_period_ms: 250$' || fail "reload did not apply request_period_ms"
"$ctl" -s "$sock" config show | grep -q '^node.address: 10.77.0.1$' || fail "reload changed node.address live"
grep -q 'node.address changed; it takes effect at the next restart' "$tmp/log" || fail "no restart warning"
grep -q 'reload, request_period_ms=250' "$tmp/log" || fail "the engine did not get the new config"
notified RELOADING=1 || fail "no RELOADING=1"
pass "SIGHUP applies dsr.request_period_ms, keeps node.address until restart, RELOADING=1"
echo "dsr: {bogus: 1" >> "$tmp/good.yaml"
kill -HUP "$pid"
for _ in $(seq 50); do grep -q 'reload refused' "$tmp/log" && break; sleep 0.05; done
grep -q 'reload refused' "$tmp/log" || fail "a broken config was not refused"
"$ctl" -s "$sock" status >/dev/null || fail "daemon died on a broken reload"
pass "SIGHUP with a broken file: refused, running config kept"
cfg "$tmp/good.yaml" "log:" "  level: debug"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ $rc -eq 0 ] || fail "exit $rc on SIGTERM"
notified STOPPING=1 || fail "no STOPPING=1"
[ ! -e "$sock" ] || fail "socket left after SIGTERM"
ip -n "$ns" link show babe0 >/dev/null 2>&1 || fail "babe0 removed on exit"
pass "SIGTERM: STOPPING=1, exit 0, socket removed, babe0 kept for the next run"

# Restart reuses babe0; a crash leaves a stale socket that the next run replaces.
: > "$tmp/notify.log"
start_fake
grep -q 'babe0 reused' "$tmp/log" || fail "babe0 not reused"
pass "restart reuses babe0"
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=
[ -S "$sock" ] || fail "no stale socket after SIGKILL (test premise)"
: > "$tmp/notify.log"
start_fake
"$ctl" -s "$sock" status >/dev/null || fail "stale socket not replaced"
pass "stale socket from a killed daemon replaced"
kill -TERM "$pid"; wait "$pid"; pid=
