; SPDX-License-Identifier: GPL-3.0-or-later
; long64_user.asm — a Multiboot v1 kernel (flat image, address fields) that
; enters 64-bit long mode with paging and runs a computation at CPL 3, for
; tests/kvm-long64.sh and, built with bigger parameters, for bench/kvm.
;
; At CPL 0 it does as little as possible (CPL-0 code can be emulated, and
; slow, under some hypervisors): the page tables, GDT and TSS are static data
; in the image, so it only loads GDTR, CR4, CR3, EFER, CR0 and TR, and IRETQs
; to CPL 3. Everything else runs at CPL 3, including the output: the TSS's
; I/O permission bitmap lets CPL 3 use COM1 and the debug-exit port. (Not
; IOPL 3: the kvm_pvm hypervisor raises #GP for port I/O at CPL 3 under
; IOPL 3, while it honours the bitmap.)
;   long64: cpl=3
;   long64: alias ok          (the same page seen through two mappings)
;   long64: lcg=XXXXXXXXXXXXXXXX sum=XXXXXXXXXXXXXXXX
; then it ends through the debug-exit port with 0x31 (exit status 99).
;
; The computation: a 64-bit linear congruential generator
; x' = x * 6364136223846793005 + 1442695040888963407 (x0 = 1), iterated
; LOOP_COUNT times; each step adds x to one of the 2^ARRAY_SHIFT_WORDS
; 64-bit words of an array at ARRAY_BASE, chosen by the top bits of x; `lcg`
; is the last x, `sum` the sum of the array's words (mod 2^64). The array is
; cleared first. Defaults (override with nasm -D): 1,000,000 steps over
; 1 MiB, which needs at least 5 MiB of guest RAM. With -DREPORT_TSC it also
; prints "long64: loop_tsc=N", the TSC ticks the loop took (bench/kvm).
;
; Identity mapping of the first 1 GiB with 2 MiB pages, all user-accessible;
; the virtual range at 1 GiB maps the same physical memory again (the alias
; check). There is no IDT: any exception ends in a triple fault, which the
; test sees as a wrong exit status.

        bits    32
        org     0x100000

        %include "serial.inc"

%ifndef LOOP_COUNT
%define LOOP_COUNT 1000000
%endif
%ifndef ARRAY_BASE
%define ARRAY_BASE 0x400000
%endif
%ifndef ARRAY_SHIFT_WORDS
%define ARRAY_SHIFT_WORDS 17            ; 2^17 words = 1 MiB
%endif
LCG_MUL         equ 6364136223846793005
LCG_ADD         equ 1442695040888963407
ARRAY_WORDS     equ 1 << ARRAY_SHIFT_WORDS

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ (1 << 16)           ; address fields
ALIAS_OFFSET    equ 0x40000000          ; the second mapping of low memory

SEL_KERNEL_CODE equ 0x08
SEL_KERNEL_DATA equ 0x10
SEL_USER_DATA   equ 0x18 | 3
SEL_USER_CODE   equ 0x20 | 3
SEL_TSS         equ 0x28

CR4_PAE         equ 1 << 5
CR0_PE          equ 1 << 0
CR0_PG          equ 1 << 31
MSR_EFER        equ 0xC0000080
EFER_LME        equ 1 << 8
RFLAGS_FIXED    equ 1 << 1

PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_U           equ 1 << 2
PTE_PS          equ 1 << 7

header:
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      header                  ; header_addr
        dd      header                  ; load_addr
        dd      load_end                ; load_end_addr
        dd      0                       ; bss_end_addr: no bss
        dd      start                   ; entry_addr

start:  ; 32-bit protected mode, paging off, CPL 0
        mov     esp, kernel_stack_top
        lgdt    [gdtr]
        mov     eax, cr4
        or      eax, CR4_PAE
        mov     cr4, eax
        mov     eax, pml4
        mov     cr3, eax
        mov     ecx, MSR_EFER
        rdmsr
        or      eax, EFER_LME
        wrmsr
        mov     eax, cr0
        or      eax, CR0_PG | CR0_PE
        mov     cr0, eax
        jmp     SEL_KERNEL_CODE:long_mode

        bits    64
long_mode:
        mov     ax, SEL_KERNEL_DATA
        mov     ss, ax
        mov     ax, SEL_TSS
        ltr     ax
        push    SEL_USER_DATA           ; SS
        push    user_stack_top          ; RSP
        push    RFLAGS_FIXED           ; IOPL 0, interrupts off
        push    SEL_USER_CODE           ; CS
        push    user_main               ; RIP
        iretq

user_main:  ; CPL 3
        mov     ax, SEL_USER_DATA
        mov     ds, ax
        mov     es, ax
        cld
        call    serial_init
        print   'long64: cpl='
        mov     ax, cs
        and     eax, 3
        print_dec rax
        call    serial_newline

        mov     qword [alias_probe], 0
        mov     rax, 0x5a5aa5a5c3c33c3c
        mov     [alias_probe + ALIAS_OFFSET], rax
        cmp     [alias_probe], rax
        jne     .alias_bad
        println 'long64: alias ok'
        jmp     .compute
.alias_bad:
        println 'long64: alias broken'

.compute:
        mov     rdi, ARRAY_BASE         ; clear the array
        mov     rcx, ARRAY_WORDS
        xor     eax, eax
        rep stosq

%ifdef REPORT_TSC
        rdtsc                           ; for bench/kvm: the loop's duration
        shl     rdx, 32
        or      rax, rdx
        mov     r10, rax
%endif
        mov     rax, 1                  ; x
        mov     rbx, LCG_MUL
        mov     rdx, LCG_ADD
        mov     rsi, ARRAY_BASE
        mov     rcx, LOOP_COUNT
.step:  imul    rax, rbx
        add     rax, rdx
        mov     rdi, rax
        shr     rdi, 64 - ARRAY_SHIFT_WORDS
        add     [rsi + rdi * 8], rax
        dec     rcx
        jnz     .step
        mov     r8, rax                 ; lcg
%ifdef REPORT_TSC
        rdtsc
        shl     rdx, 32
        or      rax, rdx
        sub     rax, r10
        mov     r10, rax                ; TSC ticks in the loop
%endif

        xor     r9, r9                  ; sum
        mov     rcx, ARRAY_WORDS
.sum:   add     r9, [rsi]
        add     rsi, 8
        dec     rcx
        jnz     .sum

        print   'long64: lcg='
        print_hex r8, 16
        print   ' sum='
        print_hex r9, 16
        call    serial_newline
%ifdef REPORT_TSC
        print   'long64: loop_tsc='
        print_dec r10
        call    serial_newline
%endif
        debug_exit 0x31

        SERIAL_ROUTINES

; --- static data: descriptor tables and page tables
        align   8
gdt:    dq      0
        dq      0x00AF9A000000FFFF      ; 0x08 kernel code, 64-bit
        dq      0x00CF92000000FFFF      ; 0x10 kernel data
        dq      0x00CFF2000000FFFF      ; 0x18 user data, DPL 3
        dq      0x00AFFA000000FFFF      ; 0x20 user code, 64-bit, DPL 3
TSS_BASE equ 0x100000 + (tss - $$)
        dw      TSS_LIMIT                       ; 0x28 TSS: limit 15:0
        dw      TSS_BASE & 0xffff               ; base 15:0
        db      (TSS_BASE >> 16) & 0xff         ; base 23:16
        db      0x89                            ; present, 64-bit TSS (available)
        db      0                               ; limit 19:16, flags
        db      (TSS_BASE >> 24) & 0xff         ; base 31:24
        dd      0                               ; base 63:32
        dd      0                               ; reserved
gdt_end:

gdtr:   dw      gdt_end - gdt - 1
        dd      gdt

        align   16
tss:    dd      0
        dq      kernel_stack_top        ; RSP0: used if CPL 3 is interrupted
        times   (0x66 - ($ - tss)) db 0
        dw      io_bitmap - tss         ; I/O permission bitmap base
io_bitmap:  ; one bit a port, 0 = allowed: ports 0 to 0x3ff, then the end byte
        times   DEBUG_EXIT_PORT / 8 db 0xff
        db      ~(1 << (DEBUG_EXIT_PORT % 8)) & 0xff
        times   COM1 / 8 - ($ - io_bitmap) db 0xff
        db      0x00                    ; 0x3f8 .. 0x3ff: COM1
        db      0xff
TSS_LIMIT equ $ - tss - 1

        align   8
alias_probe:
        dq      0

        align   4096
pml4:   dq      pdpt + PTE_P + PTE_W + PTE_U
        times   511 dq 0
pdpt:   dq      pd + PTE_P + PTE_W + PTE_U                      ; 0 .. 1 GiB
        dq      pd + PTE_P + PTE_W + PTE_U                      ; 1 GiB .. 2 GiB: the alias
        times   510 dq 0
pd:
%assign i 0
%rep 512
        dq      (i << 21) + PTE_P + PTE_W + PTE_U + PTE_PS
%assign i i + 1
%endrep

        align   16
kernel_stack:
        times   512 db 0
kernel_stack_top:
user_stack:
        times   4096 db 0
user_stack_top:
load_end:
