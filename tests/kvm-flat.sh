#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# kvm-flat.sh — a flat 16-bit real-mode binary (tests/guests/flat16.asm)
# loaded with --load under kvm: it must start in real mode at
# CS:IP = (ADDR>>4):(ADDR&0xf), print, and end through the debug-exit port
# with 0x21 (exit status 67).
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
require_kvm

for addr in 0x7c00 0x10000; do
	run_guest "flat-$addr" --accel kvm --kernel "$GUESTS/flat16.bin" --load "$addr" --memory 16M
	expect_status 67 "debug-exit value 0x21"
	expect_exact_line "flat16: hello"
	expect_exact_line "flat16: real mode"
	expect_exact_line "$(printf 'flat16: loaded at %08X' "$addr")"
	expect_exact_line "flat16: sum=0x0B36"
done
echo "PASS: flat16 ran in real mode at both addresses"
