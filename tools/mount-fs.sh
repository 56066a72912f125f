#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Mount bpffs and tracefs when running as root; the tests that need them say
# SKIP when they are missing, so a failure here is not fatal.
[ "$(id -u)" -eq 0 ] || exit 0
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || echo "mount-fs: no bpffs" >&2
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
exit 0
