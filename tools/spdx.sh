#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The licence of every source file follows from its folder (LICENSE says
# why). `tools/spdx.sh check` lists each source file whose SPDX line is
# missing, repeated or not its folder's, and exits 1 if there is one;
# `tools/spdx.sh apply [FOLDER...]` rewrites the SPDX lines under FOLDER
# (default: the whole tree) to their folder's licence.
set -euo pipefail
cd "$(dirname "$0")/.."

# licence_of PATH: the SPDX expression the file at PATH must carry.
licence_of() {
	case $1 in
	bpf/* | headers/babe/*) echo 'GPL-2.0 OR BSD-2-Clause' ;;
	userspace/core/* | userspace/dsr/* | userspace/transport/*) echo 'Apache-2.0 OR GPL-2.0-or-later' ;;
	sim/ns3/*) echo 'GPL-2.0-only' ;;
	*) echo 'Apache-2.0' ;;
	esac
}

# Source files: code, build files, scripts, configuration and man pages
# under version control (documentation, data and test corpora carry none).
sources() {
	git ls-files -- "$@" | grep -E '(\.(c|h|cc|hh|sh|py|bt|cmake|yaml|service|[58])|CMakeLists\.txt|Makefile|^\.ci/run)$' |
		grep -v -E '^(tests/fuzz/corpus|tests/integration/codec/samples)/' || true
}

case ${1:-check} in
check)
	bad=0
	while IFS= read -r f; do
		n=$(grep -c 'SPDX-License-Identifier:' "$f" || true)
		want=$(licence_of "$f")
		if [ "$n" != 1 ]; then
			echo "$f: $n SPDX lines"
			bad=1
		elif ! grep -q "SPDX-License-Identifier: $want\( \*/\| -->\)\?\$" "$f"; then
			echo "$f: $(grep -o 'SPDX-License-Identifier: .*' "$f"), want $want"
			bad=1
		fi
	done < <(sources)
	exit $bad
	;;
apply)
	shift
	while IFS= read -r f; do
		want=$(licence_of "$f")
		sed -i -E "s#(SPDX-License-Identifier: ).*( \*/| -->)\$#\1$want\2#; t; s#(SPDX-License-Identifier: ).*\$#\1$want#" "$f"
	done < <(sources "$@")
	;;
*)
	echo "usage: tools/spdx.sh check | apply [FOLDER...]" >&2
	exit 2
	;;
esac
