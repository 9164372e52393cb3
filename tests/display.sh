#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# display.sh — what the guest draws, seen through --screenshot, on every
# engine available here (soft, and kvm where /dev/kvm works):
#  - tests/guests/vga_text.asm in VGA text mode: the pixels of given cells
#    must be the font's glyphs in the standard VGA colours (and one DAC
#    colour the guest programmed), scrolled by the start address, with a
#    bright background where blinking is off, and the cursor where the
#    guest put it;
#  - tests/guests/fb_draw.asm with --vga fb: its rectangles at their
#    places in the 1024x768 framebuffer, black around them;
#  - --vga defaults: text for a flat binary, the framebuffer for a Linux
#    bzImage (tests/guests/linux_stub.asm).
# The expected pixels come from the font and the colours below, checked by
# tests/display_check (not by morpheus's renderer).
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
CHECK=$(dirname "$MORPHEUS")/tests/display_check
[ -x "$CHECK" ] || fail "$CHECK is missing (make check builds it)"

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
[ -n "$engines" ] || skip "no engine can run the guests here"

# check PNG: display_check with the spec on stdin.
check() {
	"$CHECK" "$1" || fail "$1 does not show what the guest drew"
}

for engine in $engines; do
	run_guest "text-$engine" --accel "$engine" --kernel "$GUESTS/vga_text.bin" --load 0x7c00 \
		--memory 16M --vga text --screenshot "$WORK/text-$engine.png"
	expect_status 1 "debug-exit value 0"
	expect_exact_line "vga_text: done"
	check "$WORK/text-$engine.png" <<-'SPEC'
		size 720 400
		text 0 0 ffff55 0000aa Hello, VGA!
		cell 11 0 0x20 aaaaaa 000000
		cell 0 1 0xc9 ffffff aa0000
		cell 1 1 0xcd ffffff aa0000
		cell 2 1 0xbb ffffff aa0000
		cell 3 1 0xb3 ffffff aa0000
		cell 0 2 0x42 ffff55 5555ff
		cell 1 2 0x20 aaaaaa 000000
		cell 2 2 0x44 ff8200 000000
		cell 5 3 0x20 aaaaaa 000000 14 15
		cell 4 3 0x20 aaaaaa 000000
		cell 79 24 0x00 000000 000000
	SPEC

	run_guest "fb-$engine" --accel "$engine" --kernel "$GUESTS/fb_draw.bin" --load 0x100000 \
		--memory 16M --vga fb --screenshot "$WORK/fb-$engine.png"
	expect_status 1 "debug-exit value 0"
	expect_exact_line "fb_draw: done"
	check "$WORK/fb-$engine.png" <<-'SPEC'
		size 1024 768
		rect 10 10 100 50 ff0000
		rect 500 300 64 64 00ff00
		rect 1000 760 24 8 123456
		rect 0 0 1024 10 000000
		rect 0 10 10 50 000000
		rect 110 10 10 50 000000
		rect 500 364 64 10 000000
		rect 990 760 10 8 000000
	SPEC
done

# --vga defaults (one engine is enough).
for engine in $engines; do break; done
run_guest default-flat --accel "$engine" --kernel "$GUESTS/fb_draw.bin" --load 0x100000 \
	--memory 16M --screenshot "$WORK/default-flat.png"
echo "size 720 400" | check "$WORK/default-flat.png"
run_guest default-linux --accel "$engine" --kernel "$GUESTS/linux_stub.bin" --memory 16M \
	--screenshot "$WORK/default-linux.png"
expect_status 1 "debug-exit value 0"
echo "size 1024 768" | check "$WORK/default-linux.png"
run_guest text-linux --accel "$engine" --kernel "$GUESTS/linux_stub.bin" --memory 16M \
	--vga text --screenshot "$WORK/text-linux.png"
echo "size 720 400" | check "$WORK/text-linux.png"
echo "PASS: text mode and framebuffer screenshots on: $engines"
