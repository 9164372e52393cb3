# SPDX-License-Identifier: GPL-3.0-or-later
# lib.sh — shell helpers shared by the guest tests (tests/*.sh), sourced
# with `. "$SRCDIR/tests/lib.sh"`. POSIX sh.
#
# Environment (set by `make check`, see AM_TESTS_ENVIRONMENT in Makefile.am;
# the defaults fit a test run by hand from the build directory):
#   MORPHEUS  the program under test      (default ./morpheus)
#   GUESTS    the assembled test guests   (default tests/guests)
#   SRCDIR    the source tree             (default: the parent of tests/)
#
# Exit statuses follow automake: 0 pass, 1 fail, 77 skip (with a
# "SKIP: <reason>" line).

MORPHEUS=${MORPHEUS:-./morpheus}
GUESTS=${GUESTS:-tests/guests}
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

# A scratch directory for this test, removed at exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/morpheus-test.XXXXXX") || exit 99
trap 'rm -rf "$WORK"' EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# The value after "KEY:" on a line of `morpheus info` (cached), or nothing.
info_field() {
	if [ ! -e "$WORK/info" ]; then
		"$MORPHEUS" info >"$WORK/info" 2>&1 || true
	fi
	sed -n "s/^$1:[[:space:]]*//p" "$WORK/info" | head -n 1
}

# Sets KVM_UNUSABLE to why the kvm engine cannot run guests here, or to
# nothing when it can (for tests that run kvm as one part of several).
kvm_check() {
	KVM_UNUSABLE=
	if [ ! -e /dev/kvm ]; then
		KVM_UNUSABLE="/dev/kvm is missing (no kvm module loaded here)"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		KVM_UNUSABLE="/dev/kvm: no permission for $(id -un) (join the kvm group)"
	else
		kvm=$(info_field kvm)
		case $kvm in
		usable*) ;;
		"not usable"*) KVM_UNUSABLE="kvm is not usable here: ${kvm#not usable: }" ;;
		*) fail "cannot tell whether kvm is usable: \`$MORPHEUS info\` said: $(cat "$WORK/info")" ;;
		esac
	fi
}

# Skips the test unless the kvm engine can run guests here.
require_kvm() {
	kvm_check
	[ -z "$KVM_UNUSABLE" ] || skip "$KVM_UNUSABLE"
}

# run_guest NAME ARGS...: runs `morpheus run ARGS...` with the serial port in
# a file and a time limit. Sets STATUS, OUT (serial output, CR removed) and
# ERR (stderr); prints the command and what the guest said, for the log.
run_guest() {
	name=$1
	shift
	OUT=$WORK/$name.out
	ERR=$WORK/$name.err
	echo "+ morpheus run $* --serial file:$WORK/$name.serial --timeout ${GUEST_TIMEOUT:-30}"
	set +e
	"$MORPHEUS" run "$@" --serial "file:$WORK/$name.serial" \
		--timeout "${GUEST_TIMEOUT:-30}" >"$WORK/$name.stdout" 2>"$ERR"
	STATUS=$?
	set -e
	tr -d '\r' <"$WORK/$name.serial" >"$OUT" 2>/dev/null || : >"$OUT"
	echo "exit status $STATUS; serial output:"
	sed 's/^/| /' "$OUT"
	if [ -s "$ERR" ]; then
		echo "stderr:"
		sed 's/^/! /' "$ERR"
	fi
}

expect_status() {
	[ "$STATUS" -eq "$1" ] || fail "exit status $STATUS, expected $1${2:+ ($2)}"
}

# expect_line TEXT: some line of the serial output contains TEXT.
expect_line() {
	grep -F -q -- "$1" "$OUT" || fail "no line with \"$1\" in the serial output"
}

# expect_exact_line TEXT: some line of the serial output is exactly TEXT.
expect_exact_line() {
	grep -F -x -q -- "$1" "$OUT" || fail "no line \"$1\" in the serial output"
}

# The part of the first serial output line starting with PREFIX after it.
line_after() {
	sed -n "s/^$1//p" "$OUT" | head -n 1
}

# linux_guest_fetch ARCH: fetches Debian's kernel and the busybox
# initramfs of ARCH (amd64 or i386) with scripts/get-linux-guest into a
# cache kept across runs ($MORPHEUS_LINUX_CACHE, default
# ~/.cache/morpheus/linux-guest, for amd64; $MORPHEUS_LINUX_I386_CACHE,
# default .../linux-guest-i386, for i386) and sets LINUX_DIR to it; when
# they cannot be fetched, prints the script's output, sets LINUX_UNAVAILABLE
# to its last words and returns 1.
linux_guest_fetch() {
	case $1 in
	amd64) LINUX_DIR=${MORPHEUS_LINUX_CACHE:-${HOME:-/tmp}/.cache/morpheus/linux-guest} ;;
	*) LINUX_DIR=${MORPHEUS_LINUX_I386_CACHE:-${HOME:-/tmp}/.cache/morpheus/linux-guest-$1} ;;
	esac
	if ! sh "$SRCDIR/scripts/get-linux-guest" --arch "$1" "$LINUX_DIR" >"$WORK/get-linux-guest.log" 2>&1; then
		sed 's/^/> /' "$WORK/get-linux-guest.log"
		LINUX_UNAVAILABLE="could not fetch the $1 Linux guest: $(tail -n 1 "$WORK/get-linux-guest.log")"
		return 1
	fi
	grep -v '^W: Download is performed unsandboxed' "$WORK/get-linux-guest.log" || :
}

# linux_guest ARCH: linux_guest_fetch, or skips the test saying why.
linux_guest() {
	linux_guest_fetch "$1" || skip "$LINUX_UNAVAILABLE"
}

# linux_font FILE: writes the decompressed kernel of $LINUX_DIR/bzImage
# (its xz stream, as Debian builds it) to FILE, where tests/display_check
# finds the 8x16 font fbcon draws with ("font FILE"). Returns 1, saying
# why, without xz or an xz stream.
linux_font() {
	if ! command -v xz >/dev/null 2>&1; then
		echo "xz is missing (Debian package xz-utils)"
		return 1
	fi
	offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$LINUX_DIR/bzImage" | head -n 1 | cut -d: -f1)
	if [ -z "$offset" ]; then
		echo "no xz stream in $LINUX_DIR/bzImage"
		return 1
	fi
	# xz stops with an error at the padding after the stream.
	tail -c +$((offset + 1)) "$LINUX_DIR/bzImage" | xz -dc >"$1" 2>/dev/null || :
}
