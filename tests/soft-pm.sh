#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# soft-pm.sh — the protected-mode guests (tests/guests/pm_prot.asm,
# pm_v86.asm): segmentation faults and bounds, privilege levels, call
# gates, interrupt gates to an inner level, SYSENTER/SYSEXIT, LAR/LSL/
# VERR/VERW, task switches (JMP, CALL, IRET, a task gate, a double fault
# through a task gate) and virtual-8086 mode with a #GP monitor. Each must
# end with debug-exit value 0 (status 1) after its "NAME: done" line, and
# print exactly what is expected (tests/pm_prot.expected,
# tests/pm_v86.expected: every line checked against the Intel SDM, see
# docs/protected-mode.md). On soft they run with --jit off, eager and on
# (MORPHEUS_JIT_THRESHOLD=2), which must print the same.
#
# kvm (where /dev/kvm works) runs them too. On the development machines
# (kvm_pvm) protected-mode IDT event delivery does not work, CPL-0 code is
# emulated by KVM's instruction emulator, which cannot do IRET or RETF to
# an outer level, call gates or task switches, and LAR, LSL, VERR and VERW
# at CPL 3 raise #UD: the guests skip those parts under kvm (they print
# "...: skipped: kvm"), and the lines both engines print must agree.
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
GUEST_TIMEOUT=120
export GUEST_TIMEOUT

case $(info_field "soft engine") in
available*) ;;
*) skip "the soft engine is not built" ;;
esac
kvm_check
[ -z "$KVM_UNUSABLE" ] || echo "SKIP: $KVM_UNUSABLE (the kvm part of this test)"

# The lines kvm prints too (the rest needs what kvm here cannot do).
COMMON='^(pm: (start|cpl=|done)|seg: |ring3: cpl=|v86: (start|done))'

for guest in pm_prot pm_v86; do
	for jit in off eager on; do
		MORPHEUS_JIT_THRESHOLD=2 run_guest "$guest-$jit" --accel soft --jit "$jit" \
			--kernel "$GUESTS/$guest.bin" --load 0x100000 --memory 16M
		expect_status 1 "$guest under soft --jit $jit: debug-exit value 0"
		if ! diff -u "$SRCDIR/tests/$guest.expected" "$OUT"; then
			fail "$guest under soft --jit $jit: the output (+) is not the expected one (-)"
		fi
	done
	echo "$guest: soft --jit off, eager and on print the expected $(wc -l <"$OUT") lines"
	if [ -z "$KVM_UNUSABLE" ]; then
		run_guest "$guest-kvm" --accel kvm --kernel "$GUESTS/$guest.bin" --load 0x100000 --memory 16M
		expect_status 1 "$guest under kvm: debug-exit value 0"
		grep -E "$COMMON" "$SRCDIR/tests/$guest.expected" >"$WORK/$guest.soft.cmp" || true
		grep -E "$COMMON" "$OUT" >"$WORK/$guest.kvm.cmp" || true
		if ! diff -u "$WORK/$guest.kvm.cmp" "$WORK/$guest.soft.cmp"; then
			fail "$guest: kvm (-) and soft (+) disagree"
		fi
		echo "$guest: kvm and soft agree on $(wc -l <"$WORK/$guest.kvm.cmp") lines"
	fi
done
echo "PASS: the protected-mode guests"
