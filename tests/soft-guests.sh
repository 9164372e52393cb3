#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# soft-guests.sh — the instruction-set guests (tests/guests/isa16.asm,
# isa32.asm, rep.asm, smc.asm) under every engine available here: the soft
# engine and, where /dev/kvm works, kvm. Each must end with debug-exit
# value 0 (status 1) after its "NAME: done" line; when both engines ran,
# their serial outputs (one line per instruction family: registers, masked
# flags, a checksum of every logged result) must be identical, except for
# the known differences below.
#
# Known differences, each settled with the Intel SDM (vol. 2):
#  - Lines a guest skips under kvm (it prints "...: skipped: ..."), because
#    the kvm instruction emulator of the development machines stops the VM
#    at CPL 0 on DAA, AAA, AAS, ENTER with a nesting level, and an invalid
#    opcode (KVM_EXIT_INTERNAL_ERROR): bcd-daa-aaa-aas, enter-nested,
#    fault-ud. They are compared on soft's side only.
#  - bcd-aam-aad: the kvm emulator takes SF, ZF and PF after AAM and AAD
#    from all of AX (EAX with a 32-bit operand size) instead of AL; the SDM
#    ("AAM"/"AAD", Flags Affected): "The SF, ZF, and PF flags are set
#    according to the resulting binary value in the AL register". E.g. AAM
#    with AX = 0x0000 in 32-bit code with EAX = 0x55550000: kvm leaves ZF
#    clear, the SDM sets it. soft follows the SDM.
# The two BCD lines of soft are checked against values computed from the
# SDM's pseudo-code for DAA, AAA, AAS, AAM and AAD (every log entry of the
# families, with the guests assembled with -DISA_VERBOSE). If a guest
# changes, recompute them the same way.
#
# Tier 1: every guest runs again on soft with --jit eager (every block
# compiled by libgccjit before it first runs) and with --jit on (hot blocks
# compiled in the background; the threshold lowered to 2 tier-0 runs with
# MORPHEUS_JIT_THRESHOLD so that tier 1 takes over early) and must print
# exactly what tier 0 printed, and end the same way.
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
GUEST_TIMEOUT=180   # read by run_guest (lib.sh); isa32 under --jit eager takes ~30 s
export GUEST_TIMEOUT

SOFT_ONLY='^(bcd-daa-aaa-aas|enter-nested|fault-ud): '
KVM_WRONG='^bcd-aam-aad: '                  # SDM "AAM", "AAD": flags from AL
SUM_DAA_AAA_AAS='sum=40BAD06B n=240'
SUM_AAM_AAD='sum=B536834E n=320'

# Which engines run here.
engines=
case $(info_field "soft engine") in
available*) engines=soft ;;
*) echo "SKIP: the soft engine is not built yet (the soft part of this test)" ;;
esac
kvm_why=
if [ ! -e /dev/kvm ]; then
	kvm_why="/dev/kvm is missing"
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	kvm_why="/dev/kvm: no permission for $(id -un)"
else
	case $(info_field kvm) in
	usable*) engines="$engines kvm" ;;
	*) kvm_why="kvm is not usable here: $(info_field kvm)" ;;
	esac
fi
[ -z "$kvm_why" ] || echo "SKIP: $kvm_why (the kvm part of this test)"
[ -n "$engines" ] || skip "no engine can run the guests here"

# compare_outputs GUEST: soft's and kvm's outputs, without the known
# differences, must be the same.
compare_outputs() {
	for engine in soft kvm; do
		grep -E -v "$SOFT_ONLY" "$WORK/$1.$engine" | grep -E -v "$KVM_WRONG" \
			>"$WORK/$1.$engine.cmp" || true
	done
	if ! diff -u "$WORK/$1.kvm.cmp" "$WORK/$1.soft.cmp" >"$WORK/$1.diff"; then
		echo "the outputs of kvm (-) and soft (+) differ:"
		cat "$WORK/$1.diff"
		fail "$1: soft and kvm disagree"
	fi
	echo "$1: soft and kvm agree on $(wc -l <"$WORK/$1.soft.cmp") lines"
}

# compare_tiers GUEST ADDR STATUS: GUEST under soft with --jit eager and
# with --jit on must end with STATUS and print what it printed on tier 0
# ($WORK/GUEST.soft).
compare_tiers() {
	local jit
	for jit in eager on; do
		MORPHEUS_JIT_THRESHOLD=2 run_guest "$1-$jit" --accel soft --jit "$jit" --kernel "$GUESTS/$1.bin" \
			--load "$2" --memory 16M
		expect_status "$3" "$1 under soft --jit $jit"
		if ! diff -u "$WORK/$1.soft" "$OUT"; then
			fail "$1: tier 0 (-) and --jit $jit (+) disagree"
		fi
		echo "$1: --jit $jit and off agree on $(wc -l <"$OUT") lines"
	done
}

for guest in isa16:0x7c00 isa32:0x100000 rep:0x7c00 smc:0x100000; do
	guest_name=${guest%%:*}
	addr=${guest#*:}
	for engine in $engines; do
		run_guest "$guest_name-$engine" --accel "$engine" --kernel "$GUESTS/$guest_name.bin" \
			--load "$addr" --memory 16M
		expect_status 1 "$guest_name under $engine: debug-exit value 0"
		expect_exact_line "$guest_name: done"
		if grep -q ': skipped: ' "$OUT" && [ "$engine" = soft ]; then
			fail "$guest_name skipped a family under soft"
		fi
		cp "$OUT" "$WORK/$guest_name.$engine"
	done
	case $guest_name in
	isa16 | isa32)
		if [ "${engines#soft}" != "$engines" ]; then
			grep -q "^bcd-daa-aaa-aas: .* $SUM_DAA_AAA_AAS\$" "$WORK/$guest_name.soft" ||
				fail "$guest_name: soft's DAA/AAA/AAS results differ from the SDM's"
			grep -q "^bcd-aam-aad: .* $SUM_AAM_AAD\$" "$WORK/$guest_name.soft" ||
				fail "$guest_name: soft's AAM/AAD results differ from the SDM's"
		fi
		;;
	esac
	case $engines in
	"soft kvm") compare_outputs "$guest_name" ;;
	esac
	case $guest_name:$engines in
	*:soft*) compare_tiers "$guest_name" "$addr" 1 ;;
	esac
done
if [ "${engines#soft}" != "$engines" ]; then
	run_guest "flat16-soft" --accel soft --kernel "$GUESTS/flat16.bin" --load 0x7c00 --memory 16M
	expect_status 67 "flat16's debug-exit value 0x21"
	cp "$OUT" "$WORK/flat16.soft"
	compare_tiers flat16 0x7c00 67
	echo "+ morpheus demo --accel soft --jit off|eager|on"
	for jit in off eager on; do
		MORPHEUS_JIT_THRESHOLD=2 "$MORPHEUS" demo --accel soft --jit "$jit" --serial "file:$WORK/demo.$jit" \
			--timeout 60 2>"$WORK/demo.$jit.err" || fail "the demo failed with --jit $jit: $(cat "$WORK/demo.$jit.err")"
	done
	for jit in eager on; do
		diff -u "$WORK/demo.off" "$WORK/demo.$jit" || fail "the demo printed something else with --jit $jit"
	done
	echo "demo: --jit eager, on and off agree"
fi
echo "PASS: the instruction-set guests ran under: $engines (soft also with --jit eager and on)"
