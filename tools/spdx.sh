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
	git ls-files -- "$@" | grep -E '(\.(c|h|cc|hh|sh|py|bt|js|tpl|cmake|yaml|service|[58])|CMakeLists\.txt|Makefile|^\.ci/run)$' |
		grep -v -E '/corpus/' || true
}

# spdx_lines FILE: its SPDX lines (the tag after a comment opener: #, //,
# /*, a block comment's *, {{/*, <!--, .\" ).
spdx_lines() { grep -E '^[[:space:]]*(#|//|/?\*|\{\{-? */\*|<!--|\.\\")[[:space:]]*SPDX-License-Identifier:' "$1" || true; }
# expression LINE: the licence expression of an SPDX line, without the
# comment's closer.
expression() { sed -E 's/.*SPDX-License-Identifier: *//; s/[[:space:]]*(\*\/|-->).*$//; s/[[:space:]]+$//' <<< "$1"; }

case ${1:-check} in
check)
	bad=0
	while IFS= read -r f; do
		lines=$(spdx_lines "$f")
		n=$(grep -c . <<< "$lines" || true)
		want=$(licence_of "$f")
		if [ "$n" != 1 ]; then
			echo "$f: $n SPDX lines"
			bad=1
		elif [ "$(expression "$lines")" != "$want" ]; then
			echo "$f: $(expression "$lines"), want $want"
			bad=1
		fi
	done < <(sources)
	exit $bad
	;;
apply)
	shift
	while IFS= read -r f; do
		want=$(licence_of "$f")
		sed -i -E "/^[[:space:]]*(#|\/\/|\/?\*|\{\{-? *\/\*|<!--|\.\\\\\")[[:space:]]*SPDX-License-Identifier:/{
			s#(SPDX-License-Identifier: ).*( \*/.*| -->.*)\$#\1$want\2#; t
			s#(SPDX-License-Identifier: ).*\$#\1$want#
		}" "$f"
	done < <(sources "$@")
	;;
*)
	echo "usage: tools/spdx.sh check | apply [FOLDER...]" >&2
	exit 2
	;;
esac
