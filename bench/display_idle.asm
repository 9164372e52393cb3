; SPDX-License-Identifier: GPL-3.0-or-later
; display_idle.asm — bench/display's idle guest: a Multiboot v1 kernel
; (address fields, no ELF) that morpheus (--kernel) and QEMU (-kernel) both
; load at 0x100000 and enter in flat 32-bit protected mode. It writes one
; line to the VGA text screen and then sits in a HLT loop with interrupts
; off, so the host's cost is the display's alone (QEMU's firmware leaves
; its PIT running: interrupts stay off so that it does not wake the guest).

        bits    32
        org     0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 1 << 16             ; address fields are valid

header: dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      header                  ; header_addr
        dd      header                  ; load_addr
        dd      load_end                ; load_end_addr
        dd      0                       ; bss_end_addr
        dd      start                   ; entry_addr

start:  cli
        mov     esi, message
        mov     edi, 0xb8000
        mov     ah, 0x1f                ; white on blue
.copy:  lodsb
        test    al, al
        jz      .idle
        stosw
        jmp     .copy
.idle:  hlt
        jmp     .idle

message: db     'display_idle: a HLT loop with interrupts off', 0
load_end:
