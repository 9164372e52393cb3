#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# kvm-linux.sh — Debian's Linux kernel with a busybox initramfs
# (scripts/get-linux-guest) boots under kvm with two vCPUs, prints its marker
# line, runs `nproc` (which must say 2) and resets with `reboot -f` (exit
# status 0 with --on-reset exit).
#
# Only where kvm runs supervisor (CPL-0) code at hardware speed: where CPL 0
# is emulated (kvm_pvm), the kernel takes many minutes to decompress, so the
# test is skipped, with the measured speed, before anything is downloaded.
# MORPHEUS_LINUX_FORCE=1 runs it anyway (with a 30-minute limit).
# The guest is cached in $MORPHEUS_LINUX_CACHE (default:
# ~/.cache/morpheus/linux-guest).
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
require_kvm

fast=$(info_field "kvm supervisor code at hardware speed")
case $fast in
yes*) ;;
no*)
	speed=$(info_field "kvm supervisor (CPL 0)")
	if [ "${MORPHEUS_LINUX_FORCE:-0}" != 1 ]; then
		skip "kvm runs supervisor code at ${speed:-an unmeasured number of instructions/s} here (software-emulated CPL 0); Debian's kernel would take many minutes"
	fi
	echo "MORPHEUS_LINUX_FORCE=1: booting anyway at ${speed:-?} at CPL 0"
	GUEST_TIMEOUT=1800
	;;
*) fail "\`$MORPHEUS info\` does not say whether supervisor code is fast: $(cat "$WORK/info")" ;;
esac

linux_guest amd64
cache=$LINUX_DIR

GUEST_TIMEOUT=${GUEST_TIMEOUT:-120}
run_guest linux --accel kvm --smp 2 --memory 512M --on-reset exit \
	--kernel "$cache/bzImage" --initrd "$cache/initramfs.cpio.gz" \
	--append "console=ttyS0 reboot=k panic=-1 morpheus.cmd=nproc"
expect_exact_line "MORPHEUS-LINUX-UP"
expect_exact_line "morpheus.cmd: nproc"
expect_exact_line "2"
expect_exact_line "MORPHEUS-CMD-EXIT 0"
expect_status 0 "reboot -f resets the machine, and --on-reset exit ends the run"
echo "PASS: Linux booted with 2 vCPUs and rebooted"
