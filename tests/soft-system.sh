#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# soft-system.sh — the system-architecture guests that run at CPL 0 under
# the soft engine with --jit off, eager and on (the threshold lowered to 2
# tier-0 runs with MORPHEUS_JIT_THRESHOLD so that tier 1 takes over
# early), which must all print the same lines and end the same way; and
# under kvm where it can run them:
#   paging.asm  32-bit and PAE paging: #PF error codes and CR2, A/D bits,
#               CR0.WP, 4 MiB pages, reserved bits, global pages across CR3
#               loads, one linear code page in two address spaces, SMC
#               through an alias, REP MOVSB resumed after a #PF, NX, a #PF
#               during a #PF's delivery: a double fault through a task gate.
#   irq.asm     external interrupts waited for in HLT: the PIT and the RTC
#               through the 8259A pair and through the I/O APIC, the local
#               APIC timer one-shot, periodic and TSC-deadline, PIT channel 2
#               on port 0x61.
#   debug.asm   #DB: the single-step trap (also after POPF and across INT
#               n), instruction breakpoints with RF, data breakpoints.
#   x87.asm     the x87 as the system sees it: CPUID, rounding control,
#               FCOMI flags, FXAM, masked stack overflow, #NM (TS, MP, EM),
#               #MF at the next waiting instruction with FNSTENV's pointers,
#               IRQ 13 and port 0xF0 with CR0.NE clear.
#
# kvm: where it runs supervisor code at hardware speed (VT-x/AMD-V), its
# output must be the same. Where it emulates CPL-0 code in the host kernel
# (`morpheus info`: "kvm supervisor code at hardware speed: no", as on the
# development machines: their kvm_pvm runs only 64-bit paging, and the
# host kernel's instruction emulator cannot do a protected-mode IRET —
# KVM_EXIT_INTERNAL_ERROR), the kvm run is made and shown, and a difference
# is reported as a SKIP of the kvm comparison with the line where kvm
# stopped.
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

# run_tiers GUEST STATUS: GUEST (a Multiboot kernel) under soft with every
# --jit setting; the outputs must agree. Leaves tier 0's in $WORK/GUEST.soft.
run_tiers() {
	local jit
	for jit in off eager on; do
		MORPHEUS_JIT_THRESHOLD=2 run_guest "$1-$jit" --accel soft --jit "$jit" --kernel "$GUESTS/$1.bin" \
			--memory 32M
		expect_status "$2" "$1 under soft --jit $jit"
		expect_exact_line "$1: done"
		if [ "$jit" = off ]; then
			cp "$OUT" "$WORK/$1.soft"
		elif ! diff -u "$WORK/$1.soft" "$OUT"; then
			fail "$1: --jit off (-) and --jit $jit (+) disagree"
		fi
	done
	echo "$1: --jit off, eager and on agree on $(wc -l <"$WORK/$1.soft") lines"
}

# run_kvm GUEST STATUS: GUEST under kvm, compared with soft's output.
run_kvm() {
	if [ -n "$KVM_UNUSABLE" ]; then
		echo "SKIP: $KVM_UNUSABLE (the kvm run of $1)"
		return
	fi
	run_guest "$1-kvm" --accel kvm --kernel "$GUESTS/$1.bin" --memory 32M
	if [ "$STATUS" -eq "$2" ] && diff -u "$WORK/$1.soft" "$OUT"; then
		echo "$1: kvm and soft agree on $(wc -l <"$OUT") lines"
		return
	fi
	case $(info_field "kvm supervisor code at hardware speed") in
	no*)
		echo "SKIP: kvm here emulates CPL-0 code and cannot run $1 (it ended with status $STATUS;" \
		     "last line: $(tail -n 1 "$OUT")); soft's output is checked against the expected values"
		;;
	*) fail "$1: kvm (status $STATUS) and soft disagree" ;;
	esac
}

# The values paging.asm must print, worked out by hand from the SDM
# (vol. 3, chapter 4): error codes (4.7), A/D bits (4.8), the sums of t7/t8.
check_paging() {
	f=$WORK/paging.soft
	for line in \
		'  pf n=1 err=00 cr2=00400000 eip=001001D9' \
		'  pf n=1 err=03 cr2=00401000 eip=001002BB' \
		't3 after read: pde=00202023 pte=00302023' \
		't3 after write: pte=00302063' \
		't4 after write: phys=44444444 pde=000000E3' \
		'  pf n=1 err=09 cr2=00F00000 eip=001004BC' \
		't6 after cr3: global=11111111 nonglobal=23232323' \
		't6 after invlpg: global=23232323' \
		't7 sum a=00000BB8 b=00000CE4' \
		't8 sum=0000044A' \
		't9 done: ecx=00000000 esi=00300200 edi=0040A100' \
		't9 at fault: ecx=00000100 esi=00300100 edi=0040A000' \
		'  pf n=1 err=02 cr2=0040A000 eip=001007A0' \
		't10 call=00000005' \
		'  pf n=1 err=11 cr2=00400000 eip=00400000' \
		'  pf n=1 err=09 cr2=00401000 eip=001009C6' \
		't11 double fault: err=00000000 cr2=005FEFFC'; do
		grep -q -x -F -- "$line" "$f" || fail "paging: no line \"$line\""
	done
	echo "paging: the expected values are there"
}

run_tiers paging 1
check_paging
run_kvm paging 1
run_tiers irq 1
for line in 'pic: 10 pit interrupts on irq 0' 'rtc: 8 periodic interrupts on irq 8' \
	'ioapic: 10 pit interrupts on pin 2' 'ioapic: 8 rtc interrupts on pin 8' 'ioapic: legacy ticks=0' \
	'apic: one-shot ticks=1 current=0' 'apic: 5 periodic interrupts' \
	'apic: tsc-deadline ticks=1 msr after=0' \
	'pit2: out before gate=0 after count: out=1'; do
	grep -q -x -F -- "$line" "$WORK/irq.soft" || fail "irq: no line \"$line\""
done
run_kvm irq 1
run_tiers debug 1
# the #DB log, worked out from the SDM (vol. 3, 17.3.1) and the listing:
# a trap after each stepped instruction from s1 to s10 (the loop twice),
# none after the INT (its handler runs without TF), faults at bp_target,
# traps after the watched write, read and byte write
expected_debug=$(cat <<'LOG'
step:
  eip=001000A5 dr6=FFFF4FF0
  eip=001000A8 dr6=FFFF4FF0
  eip=001000AD dr6=FFFF4FF0
  eip=001000AE dr6=FFFF4FF0
  eip=001000AD dr6=FFFF4FF0
  eip=001000AE dr6=FFFF4FF0
  eip=001000B0 dr6=FFFF4FF0
  eip=00100273 dr6=FFFF4FF0
  eip=001000B5 dr6=FFFF4FF0
  eip=001000B6 dr6=FFFF4FF0
  eip=001000BD dr6=FFFF4FF0
  eip=001000BE dr6=FFFF4FF0
int:
  eip=001000F3 dr6=FFFF4FF0
  eip=001000FA dr6=FFFF4FF0
  eip=001000FB dr6=FFFF4FF0
int: handler saw flags tf=0
bp:
  eip=00100274 dr6=FFFF0FF1
  eip=00100274 dr6=FFFF0FF1
bp: target ran 3 times
data:
  eip=00100205 dr6=FFFF0FF2
  eip=00100221 dr6=FFFF0FF2
  eip=00100228 dr6=FFFF0FF2
LOG
)
printf '%s\n' "$expected_debug" >"$WORK/debug.expected"
sed -n '/^step:/,/^  eip=00100228/p' "$WORK/debug.soft" | diff -u "$WORK/debug.expected" - ||
	fail "debug: the #DB log differs from the expected one (-)"
echo "debug: the #DB log is the expected one"
run_kvm debug 1
run_tiers x87 1
# worked out from the SDM (vol. 1 ch. 8, vol. 2) and the listing (nasm -l):
# 1/3 rounded to 64 then 53 bits; FIST of 2.5/-2.5 under RC nearest, down,
# up, zero; FCOMI ZF PF CF; FXAM C3 C2 C0 = 011 (infinity); a ninth push:
# IE SF C1, TOP 7, the indefinite; #NM at nm1, nm2 and nm3; #MF at mf_at
# with ZE ES B and TOP 6, FIP = mf_div, FOP DE F9, FCS 0x08; then the
# 16-bit image: all masked (the handler's FNSTENV), flags cleared (FNCLEX),
# R7 valid and R6 zero, the FDIVP's IP and CS, no data pointer (FNINIT
# cleared it, and no memory operand since).
for line in 'cpuid: fpu=1' 'div: 1/3=3FD5555555555555' \
	'fist: rc=0 2.5->00000002 -2.5->FFFFFFFE' 'fist: rc=1 2.5->00000002 -2.5->FFFFFFFD' \
	'fist: rc=2 2.5->00000003 -2.5->FFFFFFFE' 'fist: rc=3 2.5->00000002 -2.5->FFFFFFFE' \
	'fcomi: 2>1 flags=00 nan flags=45' 'fxam: +inf cc=0500' 'stack: sw=3A41 st0=FFF8000000000000' \
	'nm: count=3 at 00100310 00100322 0010032F' \
	'mf: count=1 at 001003DA sw=B084 fip=001003D3 fcs_fop=06F90008' \
	'env16: cw=037F sw=3000 tw=1FFF ip=03D3 cs=0008 dp=0000 ds=0000' \
	'ferr: irq13 count=1 mf count=1'; do
	grep -q -x -F -- "$line" "$WORK/x87.soft" || fail "x87: no line \"$line\""
done
echo "x87: the expected values are there"
run_kvm x87 1
echo "PASS: the system guests agree under soft --jit off, eager and on"
