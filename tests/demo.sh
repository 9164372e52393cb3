#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# demo.sh — `morpheus demo` boots the built-in demo guest (roms/demo.asm),
# which prints a banner and the engine that ran it, and ends with exit
# status 0: with the engine `--accel auto` picks, and then on each engine
# by name — soft always, kvm where /dev/kvm is usable — with the same
# output but for the engine line.
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

# run_demo NAME ARGS...: runs `morpheus demo ARGS...`; sets STATUS and OUT.
run_demo() {
	name=$1
	shift
	echo "+ morpheus demo $* --serial file:$WORK/$name.serial --timeout 60"
	set +e
	"$MORPHEUS" demo "$@" --serial "file:$WORK/$name.serial" --timeout 60 2>"$WORK/$name.err"
	STATUS=$?
	set -e
	OUT=$WORK/$name.out
	tr -d '\r' <"$WORK/$name.serial" >"$OUT"
	sed 's/^/| /' "$OUT"
	sed 's/^/! /' "$WORK/$name.err"
	expect_status 0 "the demo ends through the debug-exit port with 0, which demo reports as success"
	expect_exact_line "morpheus demo guest: hello from inside the VM"
	expect_line "cpu: "
	expect_exact_line "memory: 256 MiB"
	expect_exact_line "primes below 70: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67"
	expect_exact_line "that's all, goodbye!"
}

# "auto chooses: engine soft: <why>" -> soft
auto=$(info_field "auto chooses" | sed 's/^engine //; s/[:[:space:]].*//')
run_demo auto
expect_line "engine: morpheus "
case $auto in
soft) expect_exact_line "engine: morpheus sft" ;;
kvm) expect_exact_line "engine: morpheus kvm" ;;
*) fail "cannot tell which engine auto chooses: \`morpheus info\` said: $(cat "$WORK/info")" ;;
esac

run_demo soft --accel soft
expect_exact_line "engine: morpheus sft"
grep -v '^engine: ' "$OUT" >"$WORK/soft.rest"

case $(info_field kvm) in
usable*)
	run_demo kvm --accel kvm
	expect_exact_line "engine: morpheus kvm"
	grep -v '^engine: \|^cpu: ' "$OUT" >"$WORK/kvm.rest"
	grep -v '^cpu: ' "$WORK/soft.rest" >"$WORK/soft.rest2"
	diff -u "$WORK/soft.rest2" "$WORK/kvm.rest" ||
		fail "the demo printed something else under kvm than under soft (besides the engine and CPU)"
	echo "PASS: the demo guest ran on auto ($auto), soft and kvm alike"
	;;
*)
	echo "PASS: the demo guest ran on auto ($auto) and soft (kvm: $(info_field kvm))"
	;;
esac
