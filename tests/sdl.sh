#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# sdl.sh — the SDL window end to end under Xvfb, on every engine available
# here (soft, and kvm where /dev/kvm works): tests/guests/kbd_echo.asm runs
# with --display sdl; xdotool types into the window through the X test
# extension (Shift, Enter, the arrows and keypad Enter with their E0
# prefixes); the characters must arrive on the serial port; the title must
# show the engine and its speed; a click grabs and Ctrl+Alt+G releases;
# Ctrl+Alt+S writes a screenshot, checked by tests/display_check against
# the font and the colours the guest used; Ctrl+Alt+Q quits with status 0.
# Needs Xvfb and xdotool (Debian packages xvfb, xdotool) and an SDL2 build.
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
CHECK=$(dirname "$MORPHEUS")/tests/display_check
[ -x "$CHECK" ] || fail "$CHECK is missing (make check builds it)"

# Without a display, --display sdl fails saying why; this says whether
# the build has SDL2.
if env -u DISPLAY -u WAYLAND_DISPLAY "$MORPHEUS" run --display sdl --kernel /dev/null \
	--load 0x7c00 2>&1 | grep -q "without SDL2"; then
	skip "this morpheus was built without SDL2"
fi
for tool in Xvfb xdotool; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is missing (Debian packages xvfb, xdotool)"
done

engines=
case $(info_field "soft engine") in
available*) engines=soft ;;
*) echo "SKIP: the soft engine is not available (its part of this test)" ;;
esac
kvm_check
if [ -z "$KVM_UNUSABLE" ]; then
	engines="$engines kvm"
else
	echo "SKIP: $KVM_UNUSABLE (the kvm part of this test)"
fi
[ -n "$engines" ] || skip "no engine can run the guest here"

XVFB_PID=
MORPHEUS_PID=
cleanup() {
	[ -z "$MORPHEUS_PID" ] || kill "$MORPHEUS_PID" 2>/dev/null || :
	[ -z "$XVFB_PID" ] || kill "$XVFB_PID" 2>/dev/null || :
	rm -rf "$WORK"
}
trap cleanup EXIT

# In the ASan build: libdbus (which SDL uses) leaks a buffer of its own.
echo "leak:libdbus-1.so" >"$WORK/lsan.supp"
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$WORK/lsan.supp"
export LSAN_OPTIONS

# Xvfb on a free display: it picks the number and writes it when it accepts
# connections.
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$WORK/display" 2>"$WORK/xvfb.log" &
XVFB_PID=$!
i=0
until [ -s "$WORK/display" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || { cat "$WORK/xvfb.log"; fail "Xvfb did not start in 10 s"; }
	kill -0 "$XVFB_PID" 2>/dev/null || { cat "$WORK/xvfb.log"; fail "Xvfb exited"; }
	sleep 0.1
done
DISPLAY=:$(head -n 1 "$WORK/display")
export DISPLAY
unset WAYLAND_DISPLAY
echo "Xvfb on $DISPLAY"

# wait_for WHAT COMMAND...: retries COMMAND for up to 20 s (WAIT_TENTHS
# tenths of a second) while morpheus runs.
wait_for() {
	what=$1
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -le "${WAIT_TENTHS:-200}" ] || fail "timed out waiting for $what"
		kill -0 "$MORPHEUS_PID" 2>/dev/null || { cat "$ERR"; fail "morpheus exited waiting for $what"; }
		sleep 0.1
	done
}
serial_has() { tr -d '\r' 2>/dev/null <"$SERIAL" | grep -F -x -q -- "$1"; }
serial_contains() { grep -F -q -- "$1" "$SERIAL" 2>/dev/null; }
title_matches() { xdotool getwindowname "$WID" 2>/dev/null | grep -E -q -- "$1"; }
# By class: the UTF-8 title (its em dashes) is not matched by this
# xdotool's --name.
find_window() { WID=$(xdotool search --class '^morpheus$' 2>/dev/null | head -n 1) && [ -n "$WID" ]; }
file_written() { grep -F -q "screenshot written to $1" "$ERR"; }

for engine in $engines; do
	SERIAL=$WORK/$engine.serial
	ERR=$WORK/$engine.err
	SHOT=$WORK/$engine.png
	echo "+ morpheus run --display sdl --accel $engine --kernel kbd_echo.bin ..."
	"$MORPHEUS" run --display sdl --accel "$engine" --kernel "$GUESTS/kbd_echo.bin" --load 0x7c00 \
		--memory 16M --vga text --serial "file:$SERIAL" --screenshot "$SHOT" \
		--timeout "${GUEST_TIMEOUT:-60}" >"$WORK/$engine.stdout" 2>"$ERR" &
	MORPHEUS_PID=$!
	wait_for "the guest's ready line" serial_has "kbd_echo: ready"
	wait_for "the window" find_window
	speed='exits/s'
	[ "$engine" = kvm ] || speed='MIPS'
	wait_for "the title with the engine and speed" \
		title_matches "^morpheus — $engine — [0-9.]+ $speed\$"
	echo "window $WID: $(xdotool getwindowname "$WID")"

	# A click grabs the keyboard and mouse, Ctrl+Alt+G lets go.
	xdotool mousemove --window "$WID" 20 20 click 1
	wait_for "the grab in the title" title_matches "Ctrl\+Alt\+G releases the grab"
	xdotool key ctrl+alt+g
	wait_for "the end of the grab in the title" title_matches "^morpheus — $engine — [0-9.]+ $speed\$"

	xdotool windowfocus "$WID"
	xdotool type --delay 20 'Hello World!'
	xdotool key --delay 20 Return a b c Up Down Left Right KP_Enter x y z
	wait_for "the typed keys on the serial port" serial_has "xyz"
	xdotool key ctrl+alt+s
	wait_for "the Ctrl+Alt+S screenshot" file_written "$SHOT"
	cp "$SHOT" "$WORK/$engine-hotkey.png"
	xdotool key ctrl+alt+q
	set +e
	wait "$MORPHEUS_PID"
	STATUS=$?
	set -e
	MORPHEUS_PID=
	tr -d '\r' <"$SERIAL" >"$WORK/$engine.out"
	echo "exit status $STATUS; serial output:"
	sed 's/^/| /' "$WORK/$engine.out"
	echo
	sed 's/^/! /' "$ERR"
	[ "$STATUS" -eq 0 ] || fail "$engine: exit status $STATUS after Ctrl+Alt+Q, expected 0"
	printf 'kbd_echo: ready\nHello World!\nabc^v<>\nxyz' >"$WORK/expected"
	cmp -s "$WORK/expected" "$WORK/$engine.out" || fail "$engine: the serial port did not get the typed keys"
	for png in "$WORK/$engine-hotkey.png" "$SHOT"; do
		"$CHECK" "$png" <<-'SPEC' || fail "$png does not show what the guest echoed"
			size 720 400
			cell 0 0 0x48 aaaaaa 000000 13 14
			text 1 0 aaaaaa 000000 ello World!
			text 0 1 aaaaaa 000000 abc^v<>
			text 0 2 aaaaaa 000000 xyz
			cell 12 0 0x20 aaaaaa 000000
			cell 7 1 0x20 aaaaaa 000000
			cell 3 2 0x20 aaaaaa 000000
			cell 0 3 0x20 aaaaaa 000000
		SPEC
	done
done

# Linux's framebuffer console in the window: Debian's i386 kernel on the
# soft engine (scripts/get-linux-guest --arch i386, as tests/soft-linux.sh)
# with --vga fb and console=tty0 last, so that /init's shell runs on the
# screen's console (fbcon on vesafb). xdotool types a command into it that
# writes to the serial port; the Ctrl+Alt+S screenshot must show the
# command line on fbcon (read with the kernel's own font); `reboot -f`
# typed the same way ends morpheus with status 0.
linux_fbcon_shell() {
	case " $engines " in
	*" soft "*) ;;
	*) echo "SKIP: typing into Linux's framebuffer console: no soft engine"; return ;;
	esac
	if ! linux_guest_fetch i386; then
		echo "SKIP: typing into Linux's framebuffer console: $LINUX_UNAVAILABLE"
		return
	fi
	SERIAL=$WORK/linux.serial
	ERR=$WORK/linux.err
	SHOT=$WORK/linux.png
	echo "+ morpheus run --display sdl --accel soft --vga fb --kernel bzImage (i386) ..."
	"$MORPHEUS" run --display sdl --accel soft --jit on --vga fb --memory 256M \
		--kernel "$LINUX_DIR/bzImage" --initrd "$LINUX_DIR/initramfs.cpio.gz" \
		--append "console=ttyS0 console=tty0 reboot=k panic=-1 cryptomgr.notests" \
		--serial "file:$SERIAL" --screenshot "$SHOT" --timeout "${GUEST_TIMEOUT:-300}" \
		>"$WORK/linux.stdout" 2>"$ERR" &
	MORPHEUS_PID=$!
	WAIT_TENTHS=1800
	wait_for "Linux to start /init (serial port)" serial_contains "Run /init as init process"
	WAIT_TENTHS=
	wait_for "the window" find_window
	xdotool windowfocus "$WID"
	# The keys wait in the console's input queue until the shell reads them.
	# shellcheck disable=SC2016 # the guest's shell expands it
	xdotool type --delay 30 'echo typed-$((6*7)) >/dev/ttyS0'
	xdotool key Return
	WAIT_TENTHS=600
	wait_for "the typed command's output on the serial port" serial_has "typed-42"
	WAIT_TENTHS=
	xdotool key ctrl+alt+s
	wait_for "the Ctrl+Alt+S screenshot" file_written "$SHOT"
	cp "$SHOT" "$WORK/linux-hotkey.png"
	xdotool type --delay 30 'reboot -f'
	xdotool key Return
	set +e
	wait "$MORPHEUS_PID"
	STATUS=$?
	set -e
	MORPHEUS_PID=
	echo "exit status $STATUS; serial output (the end):"
	tr -d '\r' <"$SERIAL" | tail -n 5 | sed 's/^/| /'
	sed 's/^/! /' "$ERR"
	[ "$STATUS" -eq 0 ] || fail "Linux: exit status $STATUS after reboot -f, expected 0"
	if why=$(linux_font "$WORK/vmlinux"); then
		"$CHECK" "$WORK/linux-hotkey.png" <<-EOF || fail "the screenshot does not show the typed command on fbcon"
			size 1024 768
			font $WORK/vmlinux
			grid 8 aaaaaa 000000
			find echo typed-\$((6*7)) >/dev/ttyS0
		EOF
	else
		echo "SKIP: the screenshot of fbcon not read: $why"
	fi
	echo "typed into Linux's framebuffer console"
}
linux_fbcon_shell

echo "PASS: the SDL window typed, showed and screenshotted on: $engines"
