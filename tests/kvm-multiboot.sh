#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# kvm-multiboot.sh — a Multiboot v1 kernel (tests/guests/multiboot_info.asm)
# prints the boot information morpheus gave it, under kvm: the command line
# from --append, the module from --initrd, memory sizes and a memory map
# consistent with --memory 64M. It ends with debug-exit value 0 (status 1).
set -eu
# shellcheck source=tests/lib.sh
. "${SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
require_kvm

printf 'MODULE-CONTENT-OK, and more bytes after the first 32\n' >"$WORK/module"
module_size=$(wc -c <"$WORK/module")

run_guest multiboot --accel kvm --kernel "$GUESTS/multiboot_info.bin" \
	--append "hello world" --initrd "$WORK/module" --memory 64M
expect_status 1 "debug-exit value 0"
expect_exact_line "multiboot: magic=2BADB002"
expect_exact_line "multiboot_info: done"

# Memory: mem_lower is the RAM below 640 KiB; mem_upper the RAM from 1 MiB
# to the first hole: at most 63 MiB here, and not much less.
mem_lower=$(line_after "mem_lower=")
mem_upper=$(line_after "mem_upper=")
if [ -z "$mem_lower" ] || [ -z "$mem_upper" ]; then
	fail "no memory sizes (flags bit 0)"
fi
mem_lower=${mem_lower% KiB}
mem_upper=${mem_upper% KiB}
if [ "$mem_lower" -lt 512 ] || [ "$mem_lower" -gt 640 ]; then
	fail "mem_lower=$mem_lower KiB, expected 512..640"
fi
if [ "$mem_upper" -lt $((60 * 1024)) ] || [ "$mem_upper" -gt $((63 * 1024)) ]; then
	fail "mem_upper=$mem_upper KiB, expected about 63 MiB for --memory 64M"
fi

# The memory map: RAM at 0, and RAM at 1 MiB as long as mem_upper says.
expect_line "mmap: base=0000000000000000 len="
high=$(grep '^mmap: base=0000000000100000 len=[0-9A-F]* type=1$' "$OUT" | head -n 1)
[ -n "$high" ] || fail "no RAM entry at 1 MiB in the memory map"
len=${high#*len=}
len=$((0x${len% type=1}))
[ "$len" -eq $((mem_upper * 1024)) ] ||
	fail "the RAM at 1 MiB is $len bytes in the map but mem_upper says $((mem_upper * 1024))"
if grep '^mmap: ' "$OUT" | grep -v ' type=[12]$'; then
	fail "memory map entry of an unexpected type"
fi

# The command line carries --append (a boot loader may put the kernel's name
# before it, as GRUB and QEMU do).
grep -E -x -q "cmdline='(.* )?hello world'" "$OUT" ||
	fail "the command line is not \"hello world\""

# The module: --initrd, page-aligned (the header asks for it), its size and
# its first bytes.
expect_exact_line "mods_count=1"
module=$(line_after "module 0: ")
[ -n "$module" ] || fail "no module 0"
start=$(echo "$module" | sed -n 's/^start=\([0-9A-F]*\) end=\([0-9A-F]*\) .*/\1/p')
end=$(echo "$module" | sed -n 's/^start=\([0-9A-F]*\) end=\([0-9A-F]*\) .*/\2/p')
[ -n "$start" ] || fail "cannot read module 0's start and end"
[ $((0x$start % 4096)) -eq 0 ] || fail "module 0 at 0x$start is not page-aligned"
[ $((0x$end - 0x$start)) -eq "$module_size" ] ||
	fail "module 0 is $((0x$end - 0x$start)) bytes, the file $module_size"
[ $((0x$end)) -le $((64 << 20)) ] || fail "module 0 ends beyond RAM"
expect_exact_line "module 0 data='MODULE-CONTENT-OK, and more byte'"  # 32 bytes

if grep -q '^boot_loader_name=' "$OUT"; then
	expect_line "boot_loader_name='morpheus"
fi
echo "PASS: the Multiboot information is complete and consistent"
