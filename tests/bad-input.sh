#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bad-input.sh — malformed options and input files must end morpheus with
# exit status 1 and exactly one line on stderr naming the option or file at
# fault: never a crash, a hang, or a guest run. These errors are all found
# before an engine starts, so this test needs no kvm.
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

failures=0

# expect_error NEEDLES ARGS...: `morpheus ARGS...` exits with status 1 and
# one line on stderr containing one of NEEDLES (separated by '|').
expect_error() {
	needles=$1
	shift
	set +e
	timeout 60 "$MORPHEUS" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
	status=$?
	set -e
	lines=$(wc -l <"$WORK/stderr")
	message=$(head -n 1 "$WORK/stderr")
	problem=
	if [ "$status" -ne 1 ]; then
		problem="exit status $status, expected 1"
	elif [ "$lines" -ne 1 ]; then
		problem="$lines lines on stderr, expected 1"
	else
		problem="the message names none of: $needles"
		rest=$needles
		while [ -n "$rest" ]; do
			needle=${rest%%|*}
			if [ "$needle" = "$rest" ]; then rest=; else rest=${rest#*|}; fi
			case $message in
			*"$needle"*) problem= ;;
			esac
		done
	fi
	if [ -n "$problem" ]; then
		echo "FAIL: morpheus $*: $problem"
		sed 's/^/! /' "$WORK/stderr"
		failures=$((failures + 1))
	else
		echo "ok: morpheus $*: $message"
	fi
}

# le16/le32 VALUE: VALUE as 2/4 little-endian bytes on stdout.
le16() {
	printf '%b' "$(printf '\\0%03o\\0%03o' $(($1 & 255)) $(($1 >> 8 & 255)))"
}
le32() {
	le16 $(($1 & 65535))
	le16 $(($1 >> 16 & 65535))
}

# patch FILE OFFSET: stdin written over FILE at OFFSET.
patch() {
	dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

zeros() {
	dd if=/dev/zero of="$1" bs="$2" count=1 status=none
}

# A Multiboot header with the address fields, at the start of FILE.
multiboot_header() {
	file=$1 header_addr=$2 load_addr=$3 load_end_addr=$4 bss_end_addr=$5
	magic=$((0x1BADB002))
	flags=$((0x00010000))
	checksum=$(((0x100000000 - magic - flags) & 0xffffffff))
	{
		le32 $magic
		le32 $flags
		le32 $checksum
		le32 "$header_addr"
		le32 "$load_addr"
		le32 "$load_end_addr"
		le32 "$bss_end_addr"
		le32 $((0x100020))
	} | patch "$file" 0
}

good=$GUESTS/flat16.bin
[ -s "$good" ] || fail "$good is missing (make check builds it)"

# --- input files
expect_error "$WORK/no-such-file" run --kernel "$WORK/no-such-file"
mkdir "$WORK/directory"
expect_error "$WORK/directory" run --kernel "$WORK/directory"
: >"$WORK/empty"
expect_error "$WORK/empty" run --kernel "$WORK/empty"
expect_error "$WORK/empty" run --kernel "$WORK/empty" --load 0x7c00
dd if=/dev/urandom of="$WORK/random" bs=4096 count=1 status=none
expect_error "$WORK/random" run --kernel "$WORK/random"
expect_error "--kernel" run --memory 16M

# bzimage FILE SIZE SETUP_SECTS VERSION: the start of a bzImage: boot flag,
# the jump over the setup header (to 0x268), "HdrS", the version, and
# loadflags LOADED_HIGH (a bzImage).
bzimage() {
	zeros "$1" "$2"
	printf '%b' "\\0$(printf %03o "$3")" | patch "$1" $((0x1f1))
	le16 $((0xAA55)) | patch "$1" $((0x1fe))
	le16 $((0x66EB)) | patch "$1" $((0x200))
	printf 'HdrS' | patch "$1" $((0x202))
	le16 "$4" | patch "$1" $((0x206))
	printf '\001' | patch "$1" $((0x211))
}

# A bzImage whose boot protocol (2.04) is older than 2.06.
bzimage "$WORK/bzimage-old" 4096 4 $((0x0204))
expect_error "$WORK/bzimage-old" run --kernel "$WORK/bzimage-old"

# A bzImage (protocol 2.15) cut short: 30 setup sectors, 1 KiB of file.
bzimage "$WORK/bzimage-short" 1024 30 $((0x020f))
expect_error "$WORK/bzimage-short" run --kernel "$WORK/bzimage-short"

# Multiboot: a bad checksum; a bss that leaves RAM; a header that is not
# where the address fields say.
zeros "$WORK/mb-checksum" 8192
multiboot_header "$WORK/mb-checksum" $((0x100000)) $((0x100000)) 0 0
le32 $((0x12345678)) | patch "$WORK/mb-checksum" 8
expect_error "$WORK/mb-checksum" run --kernel "$WORK/mb-checksum"
zeros "$WORK/mb-bss" 8192
multiboot_header "$WORK/mb-bss" $((0x100000)) $((0x100000)) 0 $((0x40000000))
expect_error "$WORK/mb-bss" run --kernel "$WORK/mb-bss" --memory 16M
zeros "$WORK/mb-header" 8192
multiboot_header "$WORK/mb-header" $((0x100000)) $((0x100100)) 0 0
expect_error "$WORK/mb-header" run --kernel "$WORK/mb-header"

# Multiboot ELF32 whose program headers lie outside the file.
zeros "$WORK/mb-elf" 8192
printf '\177ELF\001\001\001' | patch "$WORK/mb-elf" 0
{
	le16 2                      # e_type: executable
	le16 3                      # e_machine: i386
	le32 1                      # e_version
	le32 $((0x100000))          # e_entry
	le32 $((0xfffffff0))        # e_phoff: far beyond the end of the file
	le32 0                      # e_shoff
	le32 0                      # e_flags
	le16 52                     # e_ehsize
	le16 32                     # e_phentsize
	le16 1                      # e_phnum
} | patch "$WORK/mb-elf" 16
{
	le32 $((0x1BADB002))
	le32 0
	le32 $(((0x100000000 - 0x1BADB002) & 0xffffffff))
} | patch "$WORK/mb-elf" 64
expect_error "$WORK/mb-elf" run --kernel "$WORK/mb-elf"

expect_error "$WORK/no-such-initrd" run --kernel "$GUESTS/multiboot_info.bin" \
	--initrd "$WORK/no-such-initrd"
expect_error "$good|--load" run --kernel "$good" --load 0x7fffff0 --memory 16M

# --- options
expect_error "--memory" run --kernel "$good" --load 0x7c00 --memory 0
expect_error "--memory" run --kernel "$good" --load 0x7c00 --memory 12Q
expect_error "--memory" run --kernel "$good" --load 0x7c00 --memory 1T
expect_error "--memory" run --kernel "$good" --load 0x7c00 --memory ''
expect_error "--smp" run --kernel "$good" --load 0x7c00 --smp 0
expect_error "--smp" run --kernel "$good" --load 0x7c00 --smp 1000
expect_error "--smp" run --kernel "$good" --load 0x7c00 --smp two
expect_error "--accel" run --kernel "$good" --load 0x7c00 --accel bogus
expect_error "--serial" run --kernel "$good" --load 0x7c00 --serial bogus:
expect_error "--serial|$WORK/no-such-dir/out" run --kernel "$good" --load 0x7c00 \
	--serial "file:$WORK/no-such-dir/out"
expect_error "--timeout" run --kernel "$good" --load 0x7c00 --timeout -1
expect_error "--timeout" run --kernel "$good" --load 0x7c00 --timeout soon
expect_error "--load" run --kernel "$good" --load garbage
expect_error "--load" run --kernel "$good" --load 0x7c00zz
expect_error "--on-reset" run --kernel "$good" --load 0x7c00 --on-reset maybe
expect_error "--trace" run --kernel "$good" --load 0x7c00 --trace bogus
expect_error "frobnicate" run --kernel "$good" --load 0x7c00 --frobnicate
expect_error "frobnicate" frobnicate

if [ "$failures" -ne 0 ]; then
	fail "$failures malformed inputs were not rejected cleanly"
fi
echo "PASS: every malformed input gave exit status 1 and one line naming it"
