#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# demo.sh — `morpheus demo` boots the built-in demo guest (roms/demo.asm),
# which prints a banner and the engine that ran it, and ends with exit
# status 0. Skipped where no engine can run (today: where kvm cannot).
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

case $(info_field kvm) in
usable*) engine=yes ;;
*) engine=no ;;
esac
if [ "$engine" = no ]; then
	# No engine: the demo must say why in one line, not crash.
	set +e
	"$MORPHEUS" demo --serial none --timeout 30 >/dev/null 2>"$WORK/err"
	status=$?
	set -e
	cat "$WORK/err"
	[ "$status" -ne 0 ] || fail "morpheus demo succeeded without an engine"
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "morpheus demo: expected one line on stderr"
	skip "no engine can run the demo here: $(cat "$WORK/err")"
fi

echo "+ morpheus demo --serial file:$WORK/demo.serial --timeout 60"
set +e
"$MORPHEUS" demo --serial "file:$WORK/demo.serial" --timeout 60 2>"$WORK/demo.err"
STATUS=$?
set -e
OUT=$WORK/demo.out
tr -d '\r' <"$WORK/demo.serial" >"$OUT"
sed 's/^/| /' "$OUT"
sed 's/^/! /' "$WORK/demo.err"

expect_status 0 "the demo ends through the debug-exit port with 0, which demo reports as success"
expect_exact_line "morpheus demo guest: hello from inside the VM"
expect_line "engine: morpheus "
# "auto chooses: kvm ..." or "auto chooses: engine kvm: <why>"
auto=$(info_field "auto chooses" | sed 's/^engine //; s/[:[:space:]].*//')
if [ "$auto" = kvm ]; then
	expect_exact_line "engine: morpheus kvm"
fi
expect_line "cpu: "
expect_exact_line "memory: 256 MiB"
expect_exact_line "primes below 70: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67"
expect_exact_line "that's all, goodbye!"
echo "PASS: the demo guest ran and ended cleanly"
