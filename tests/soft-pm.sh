#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# soft-pm.sh — the protected-mode guests (tests/guests/pm_prot.asm,
# pm_v86.asm, pm_tasks.asm, pm_user_paging.asm): segmentation faults and
# bounds, privilege levels, call gates, interrupt gates to an inner level,
# SYSENTER/SYSEXIT, LAR/LSL/VERR/VERW, task switches (JMP, CALL, IRET, a
# task gate, a double fault through a task gate), virtual-8086 mode with
# a #GP monitor, the faults of task switches before and after their
# commit point and of the ring-0 stack of an interrupt from CPL 3 (#TS,
# #NP, #SS, #GP, #DF with their error codes), a 16-bit TSS and a 16-bit
# call gate, and paging and #AC seen from CPL 3 (32-bit and PAE paging,
# CR0.WP, NX and the I/D bit, reserved bits; misaligned accesses). Each
# must end with debug-exit value 0 (status 1) after its "NAME: done"
# line, and print exactly what is expected (tests/pm_*.expected: every
# line checked against the Intel SDM, see docs/protected-mode.md). On
# soft they run with --jit off, eager and on (MORPHEUS_JIT_THRESHOLD=2),
# which must print the same. A guest that fails does not stop the others:
# the failures are listed at the end. (A line that holds the SDM's value
# where the engine is known to differ would be marked "ENGINE BUG" in its
# guest; none is now.)
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
COMMON='^(pm: (start|cpl=|done)|seg: |ring3: cpl=|v86: (start|done)|tasks: (start|done)|upaging: (start|done))'

FAILED=
failed() {
	echo "FAIL: $*"
	FAILED="$FAILED
  $*"
}

for guest in pm_prot pm_v86 pm_tasks pm_user_paging; do
	ok=1
	for jit in off eager on; do
		MORPHEUS_JIT_THRESHOLD=2 run_guest "$guest-$jit" --accel soft --jit "$jit" \
			--kernel "$GUESTS/$guest.bin" --load 0x100000 --memory 16M
		if [ "$STATUS" -ne 1 ]; then
			failed "$guest under soft --jit $jit: exit status $STATUS, expected 1 (debug-exit value 0)"
			ok=
		fi
		if ! diff -u "$SRCDIR/tests/$guest.expected" "$OUT"; then
			failed "$guest under soft --jit $jit: the output (+) is not the expected one (-)"
			ok=
		fi
	done
	[ -z "$ok" ] || echo "$guest: soft --jit off, eager and on print the expected $(wc -l <"$OUT") lines"
	if [ -z "$KVM_UNUSABLE" ]; then
		run_guest "$guest-kvm" --accel kvm --kernel "$GUESTS/$guest.bin" --load 0x100000 --memory 16M
		[ "$STATUS" -eq 1 ] ||
			failed "$guest under kvm: exit status $STATUS, expected 1 (debug-exit value 0)"
		grep -E "$COMMON" "$SRCDIR/tests/$guest.expected" >"$WORK/$guest.soft.cmp" || true
		grep -E "$COMMON" "$OUT" >"$WORK/$guest.kvm.cmp" || true
		if diff -u "$WORK/$guest.kvm.cmp" "$WORK/$guest.soft.cmp"; then
			echo "$guest: kvm and soft agree on $(wc -l <"$WORK/$guest.kvm.cmp") lines"
		else
			failed "$guest: kvm (-) and soft (+) disagree"
		fi
	fi
done
[ -z "$FAILED" ] || fail "the protected-mode guests:$FAILED"
echo "PASS: the protected-mode guests"
