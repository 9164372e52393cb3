; SPDX-License-Identifier: GPL-3.0-or-later
; first_insn.asm — bench/kvm's start-up guest: a Multiboot v1 flat image
; (address fields) whose first instruction writes the debug-exit port. With
; EAX = 0x2BADB002 from the boot loader it writes 0x02: exit status 5, under
; morpheus and under QEMU's isa-debug-exit alike. The time from starting the
; VMM to its exit is the VMM's start-up time (plus its exit).

        bits    32
        org     0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 1 << 16             ; address fields

header:
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      header                  ; header_addr
        dd      header                  ; load_addr
        dd      load_end                ; load_end_addr
        dd      0                       ; bss_end_addr
        dd      start                   ; entry_addr

start:  out     0xf4, al                ; the first instruction
.hang:  hlt
        jmp     .hang
load_end:
