#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# kvm-long64.sh — a Multiboot kernel (tests/guests/long64_user.asm) that
# enters 64-bit mode with paging and computes at CPL 3 under kvm; it must
# print the right result and end with debug-exit value 0x31 (status 99).
#
# The expected values were computed independently of the guest, in Python:
#   M, A, m = 6364136223846793005, 1442695040888963407, 2**64 - 1
#   x, arr = 1, [0] * 2**17
#   for i in range(1000000):
#       x = (x * M + A) & m; arr[x >> 47] = (arr[x >> 47] + x) & m
#   print('%016X %016X' % (x, sum(arr) & m))
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
require_kvm

run_guest long64 --accel kvm --kernel "$GUESTS/long64_user.bin" --memory 16M
expect_status 99 "debug-exit value 0x31 from CPL 3"
expect_exact_line "long64: cpl=3"
expect_exact_line "long64: alias ok"
expect_exact_line "long64: lcg=CE8EEFE99CD3CC41 sum=8AFEB73E2F74CC20"
echo "PASS: 64-bit paging and the CPL-3 computation are right"
