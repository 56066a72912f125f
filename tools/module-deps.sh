#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The module picture: which folder of userspace/ (and sim/) includes which,
# from the #include "folder/..." lines of the sources. One line per module:
#   engine -> afxdp core dataplane dsr transport
# Used to check ARCHITECTURE.md section 2 (dependencies run one way).
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in userspace/*/ sim/; do
  from=$(basename "$dir")
  to=$(grep -rhoE '^#include "[a-z0-9_]+/' "$dir" --include='*.cc' --include='*.hh' --include='*.h' 2>/dev/null \
         | sed -E 's/^#include "([a-z0-9_]+)\//\1/' | sort -u | grep -vx "$from" | tr '\n' ' ' || true)
  printf '%-10s -> %s\n' "$from" "${to% }"
done
