#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Packaging: `systemd-analyze verify` finds nothing to say about
# packaging/babe.service (SKIP when systemd-analyze is missing), and
# `make install DESTDIR=... PREFIX=...` puts binaries, unit, default config
# and man pages where they belong, with the unit pointing at PREFIX.
set -uo pipefail
. "${BABE_SOURCE_DIR:-$(dirname "$0")/../../..}/tools/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$babe_build/userspace/daemon/babed" ] || skip "babed not built in $babe_build"

make -s -C "$babe_root" install BUILD="$babe_build" DESTDIR="$tmp/root" PREFIX=/opt/babe \
	SKIP_BUILD=1 > "$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; fail "make install"; }
for f in opt/babe/sbin/babed opt/babe/sbin/babectl; do
	[ -x "$tmp/root/$f" ] || fail "missing executable $f"
done
for f in etc/babe/babe.yaml opt/babe/lib/systemd/system/babe.service \
	opt/babe/share/man/man8/babed.8 opt/babe/share/man/man8/babectl.8 opt/babe/share/man/man5/babe.yaml.5; do
	[ -f "$tmp/root/$f" ] || fail "missing $f"
done
grep -q '^ExecStart=/opt/babe/sbin/babed -c /etc/babe/babe.yaml$' "$tmp/root/opt/babe/lib/systemd/system/babe.service" ||
	fail "unit does not point at PREFIX"
"$tmp/root/opt/babe/sbin/babed" --check-config "$tmp/root/etc/babe/babe.yaml" >/dev/null ||
	fail "installed default config does not validate"
if command -v man >/dev/null; then
	for m in man8/babed.8 man8/babectl.8 man5/babe.yaml.5; do
		man -l "$tmp/root/opt/babe/share/man/$m" 2>/dev/null | grep -q 'SEE ALSO' || fail "$m does not render"
	done
fi
pass "make install DESTDIR PREFIX: binaries, unit, config, man pages"

echo "node: {address: 10.1.1.1}" > "$tmp/root/etc/babe/babe.yaml"
make -s -C "$babe_root" install BUILD="$babe_build" DESTDIR="$tmp/root" PREFIX=/opt/babe SKIP_BUILD=1 \
	> "$tmp/make.log" 2>&1 || fail "second make install"
grep -q '10.1.1.1' "$tmp/root/etc/babe/babe.yaml" || fail "make install overwrote an existing config"
pass "make install keeps an existing /etc/babe/babe.yaml"

command -v systemd-analyze >/dev/null || skip "systemd-analyze missing (unit not verified)"
# Verify the unit as installed, pointing at binaries that exist here.
sed "s|/opt/babe/sbin/|$tmp/root/opt/babe/sbin/|g" "$tmp/root/opt/babe/lib/systemd/system/babe.service" \
	> "$tmp/babe.service"
out=$(systemd-analyze verify --man=no "$tmp/babe.service" 2>&1); rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify: rc $rc"; }
pass "systemd-analyze verify: babe.service clean"
