#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# kvm-smp.sh — --smp N under kvm: a Multiboot kernel (tests/guests/smp.asm)
# finds N processors in the MP table morpheus wrote, and starts the N-1
# application processors with INIT/STARTUP IPIs by the APIC IDs the table
# gives; each AP marks its APIC ID and counts itself. The guest ends with
# debug-exit value 0 (status 1) only if exactly the APs of the table started.
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
require_kvm

for n in 1 2 4; do
	run_guest "smp-$n" --accel kvm --kernel "$GUESTS/smp.bin" --smp "$n" --memory 16M
	expect_status 1 "debug-exit value 0: the APs of the MP table started"
	expect_exact_line "smp: mp table cpus=$n"
	expect_exact_line "smp: bsp apic id=0"
	expect_exact_line "smp: aps started=$((n - 1))"
	ids=none
	[ "$n" -eq 1 ] || ids=$(seq -s ' ' 1 $((n - 1)))
	expect_exact_line "smp: ap apic ids=$ids"
	expect_exact_line "smp: done"
done
echo "PASS: the MP table lists --smp N CPUs and the N-1 APs start"
