#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# soft-linux.sh — Debian's 32-bit Linux kernel (linux-image-686) with a
# busybox initramfs (scripts/get-linux-guest --arch i386) boots on the soft
# engine, its consoles on the serial port and on the screen (console=tty0
# console=ttyS0: kernel messages on both; /dev/console, and so the
# initramfs's output, on the serial port). Two boots:
#  1. --vga text, --jit on: the marker line, `uname -m` (i686) and the x87
#     lines of /proc/cpuinfo (fpu: yes), MORPHEUS-CMD-EXIT 0, the reboot
#     (reboot -f, reboot=k: exit status 0 with --on-reset exit); vgacon on
#     the screen: tests/display_check reads the screenshot's 80x25 cells as
#     text against the VGA font, light grey on black, and every row must be
#     (a piece of) a line the kernel printed on the serial port, the reboot
#     message among them;
#     The kernel's crypto self-tests must pass (/proc/crypto), except in
#     an ASan build (see below). The kernel's clock must not run ahead of
#     real time (the TSC is the host's clock).
#  2. --vga fb, --jit off, cryptomgr.notests: vesafb binds the framebuffer at 0xfd000000 and
#     fbcon takes the console over from the dummy console (dmesg on the
#     serial port); the screenshot shows fbcon's 128x48 console likewise,
#     read with the font fbcon draws with (Linux's copy of the VGA font,
#     found in the decompressed kernel); and psmouse.ko binds the PS/2 mouse
#     on the i8042's aux port (/proc/bus/input/devices).
# MORPHEUS_LINUX_SELFTESTS=0|1 leaves out or runs the self-tests in boot 1.
# The guest is cached in $MORPHEUS_LINUX_I386_CACHE (default:
# ~/.cache/morpheus/linux-guest-i386).
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
CHECK=$(dirname "$MORPHEUS")/tests/display_check
[ -x "$CHECK" ] || fail "$CHECK is missing (make check builds it)"

case $(info_field "soft engine") in
available*) ;;
*) skip "the soft engine is not available: $(info_field "soft engine")" ;;
esac
# The kernel's crypto self-tests are more than half of a boot's work and
# four times slower under ASan (60 s instead of 15 for boot 1): in an ASan
# build (a morpheus linked with libasan) boot 1 leaves them out too, unless
# MORPHEUS_LINUX_SELFTESTS=1 (docs/testing.md); 0 leaves them out anywhere.
selftests=${MORPHEUS_LINUX_SELFTESTS:-}
if [ -z "$selftests" ]; then
	selftests=1
	if ldd "$MORPHEUS" 2>/dev/null | grep -q libasan; then
		selftests=0
		echo "an ASan build: without the kernel's crypto self-tests (MORPHEUS_LINUX_SELFTESTS=1 runs them)"
	fi
fi

linux_guest i386
GUEST_TIMEOUT=${GUEST_TIMEOUT:-300}
APPEND="console=tty0 console=ttyS0 reboot=k panic=-1"

# boot NAME VGA JIT COMMAND: boots with morpheus.cmd=COMMAND (commas for
# spaces), the screen in $WORK/NAME.png; checks the marker, the command's
# exit status and the reboot.
boot() {
	start=$(date +%s)
	run_guest "$1" --accel soft --jit "$3" --memory 256M --on-reset exit \
		--vga "$2" --display none --screenshot "$WORK/$1.png" \
		--kernel "$LINUX_DIR/bzImage" --initrd "$LINUX_DIR/initramfs.cpio.gz" \
		--append "$APPEND morpheus.cmd=$4"
	BOOT_SECS=$(($(date +%s) - start))
	echo "$1: the boot took $BOOT_SECS s (--jit $3)"
	expect_exact_line "MORPHEUS-LINUX-UP"
	expect_exact_line "morpheus.cmd: $(echo "$4" | tr , ' ')"
	expect_exact_line "MORPHEUS-CMD-EXIT 0"
	expect_status 0 "reboot -f resets the machine, and --on-reset exit ends the run"
}

# screen NAME CELL_WIDTH ROWS [FONT]: the screenshot, read as text in light
# grey on black (tests/display_check) with the VGA font or the one in FONT,
# shows the kernel's console: at least ROWS rows of text, each (a piece of)
# a line of the serial output ('?' for a cell that is no glyph: the
# cursor; at most 2 of them), the reboot message among them.
screen() {
	"$CHECK" "$WORK/$1.png" <<-EOF || fail "$1.png does not show the kernel's console"
		${4:+font $4}
		grid $2 aaaaaa 000000
		find reboot: Restarting system
		screen $WORK/$1.screen
	EOF
	echo "$1.png reads:"
	sed 's/^/# /' "$WORK/$1.screen"
	rows=0
	while IFS= read -r row; do
		[ -n "$row" ] || continue
		rows=$((rows + 1))
		re=$(printf '%s\n' "$row" | sed 's/[][\.*^$]/\\&/g; s/?/./g')
		grep -q -e "$re" "$OUT" ||
			fail "$1.png: the row \"$row\" is no part of a line on the serial console"
	done <"$WORK/$1.screen"
	[ "$rows" -ge "$3" ] || fail "$1.png: $rows rows of text, expected at least $3"
	unread=$(tr -c -d '?' <"$WORK/$1.screen" | wc -c)
	[ "$unread" -le 2 ] || fail "$1.png: $unread cells are no glyph of the font"
}

# 1. vgacon, tier 1 on; the kernel's crypto self-tests (more than half of
# the boot's instructions) must all pass.
[ "$selftests" = 1 ] || APPEND="$APPEND cryptomgr.notests"
boot text text on 'uname,-m;grep,^fpu,/proc/cpuinfo;grep,selftest,/proc/crypto|sort|uniq,-c'
expect_exact_line "i686"
grep -q '^fpu[[:space:]]*: yes$' "$OUT" || fail "/proc/cpuinfo does not say fpu: yes"
grep -q '^fpu_exception[[:space:]]*: yes$' "$OUT" || fail "/proc/cpuinfo does not say fpu_exception: yes"
if grep -E -q '^\[ *[0-9.]+\] alg: .*fail' "$OUT"; then
	fail "the kernel's crypto self-tests failed: $(grep -E '^\[ *[0-9.]+\] alg: .*fail' "$OUT" | head -n 3)"
fi
if [ "$selftests" = 1 ]; then
	grep -E -q '^ *[0-9]+ selftest[[:space:]]*: passed$' "$OUT" || fail "no crypto self-test passed"
	if grep -E '^ *[0-9]+ selftest[[:space:]]*: ' "$OUT" | grep -v -q ': passed$'; then
		fail "a crypto self-test did not pass (/proc/crypto)"
	fi
fi
expect_line "Console: colour VGA+ 80x25"
# The guest's clock keeps real time: the kernel's own timestamp of its
# reboot message is no later than the run's wall-clock time (which also
# holds the decompressor's, before the kernel's clock starts). The TSC is
# the host's clock at 1 GHz (--tsc host, the default): Linux calibrates it
# against the PIT at about 1000 MHz or, when the host's scheduling jitters
# the calibration loop too much, gives it up and keeps time by the PIT's
# interrupts; on the instruction-counting TSC (--tsc retired) it calibrated
# 90 MHz and its clock ran 3 to 9 times fast.
up=$(sed -n 's/^\[ *\([0-9]*\)\.[0-9]*\] reboot: Restarting system$/\1/p' "$OUT" | head -n 1)
[ -n "$up" ] || fail "no timestamped 'reboot: Restarting system' line"
[ "$up" -le $((BOOT_SECS + 1)) ] ||
	fail "the guest's clock ran fast: the kernel says $up s at its reboot, the run took $BOOT_SECS s"
echo "the guest's clock: $up s by the kernel at its reboot, $BOOT_SECS s for the run;" \
	"$(sed -n 's/^\[ *[0-9.]*\] \(tsc: Detected .*\|tsc: Marking TSC unstable.*\)$/\1/p' "$OUT" | head -n 1)"
screen text 9 24

# 2. vesafb and fbcon, the PS/2 mouse (psmouse probes it in the background
# after insmod: wait for it up to 10 s); tier 0 only, without the crypto
# self-tests (cryptomgr.notests: this boot is about the devices).
[ "$selftests" = 0 ] || APPEND="$APPEND cryptomgr.notests"
boot fb fb off 'dmesg|grep,-i,-e,vesafb,-e,fbcon,-e,frame.buffer,-e,console;insmod,/lib/modules/psmouse.ko;for,i,in,1,2,3,4,5,6,7,8,9,10;do,grep,-q,Mouse,/proc/bus/input/devices&&break;sleep,1;done;cat,/proc/bus/input/devices'
expect_line "vesafb: framebuffer at 0xfd000000"
expect_line "fb0: VESA VGA frame buffer device"
expect_line "Console: colour dummy device 80x25"
expect_line "Console: switching to colour frame buffer device 128x48"
grep -q '^N: Name=".*PS/2.*Mouse"$' "$OUT" || fail "no PS/2 mouse in /proc/bus/input/devices"
grep -q '^H: Handlers=.*mouse0' "$OUT" || fail "the PS/2 mouse has no mouse0 handler"
# fbcon draws with Linux's own copy of the VGA font, not console-data's:
# take it from the kernel.
if why=$(linux_font "$WORK/vmlinux"); then
	screen fb 8 46 "$WORK/vmlinux"
else
	echo "SKIP: fbcon's screen not read: $why"
fi
echo "PASS: Linux (i386) booted on the soft engine: vgacon, vesafb and fbcon on the screen, the PS/2 mouse bound"
