; SPDX-License-Identifier: GPL-3.0-or-later
; isa32.asm — the integer instruction set in 32-bit flat protected mode, for
; tests/soft-guests.sh: a flat binary for `morpheus run --load 0x100000`
; (CPL 0, paging off, CS = 0x10, the data segments 0x18, all flat; ESP =
; 0x7c00). It runs the shared families of isa_families.inc with 32-bit
; defaults (16-bit operands and addresses through the 66 and 67 prefixes),
; then far CALL/RET/JMP to the same code segment and POP with an
; ESP-based destination. Each family prints one line (isa.inc's REPORT);
; the run ends with "isa32: done" and debug-exit value 0 (status 1). Under
; the kvm engine it skips what kvm's instruction emulator cannot execute
; (it says so on the family's line). It does not take exceptions or
; interrupts: there is no IDT.

        bits    32
        org     0x100000

        %include "isa.inc"
        %include "isa_families.inc"

CODE_SEL        equ 0x10            ; hw/load_flat.c's GDT
DATA_SEL        equ 0x18

start:
        cli
        cld
        mov     esp, 0x7c00
        call    serial_init
        call    isa_init
        println 'isa32: start'

        FAMILY  fam_alu8, 'alu8', M_ALL
        FAMILY  fam_alu16, 'alu16', M_ALL
        FAMILY  fam_alu32, 'alu32', M_ALL
        FAMILY  fam_unary, 'unary', M_ALL
        FAMILY  fam_mul, 'mul', M_MUL
        FAMILY  fam_div, 'div', M_NONE
        FAMILY  fam_shift8, 'shift8', M_NONE
        FAMILY  fam_shift16, 'shift16', M_NONE
        FAMILY  fam_shift32, 'shift32', M_NONE
        FAMILY  fam_dshift, 'shld-shrd', M_NONE
        FAMILY  fam_bits, 'bits', F_DF | F_ZF
        FAMILY  fam_atomic, 'xadd-cmpxchg', M_ALL
        FAMILY  fam_move, 'movx-cmov-setcc-xchg-cbw', M_ALL
        FAMILY  fam_lea, 'lea', M_NONE
        FAMILY  fam_bcd, 'bcd-das', M_NONE
        FAMILY  fam_aam_aad, 'bcd-aam-aad', M_NONE
        KVM_SKIP 'bcd-daa-aaa-aas: skipped: kvm cannot emulate DAA/AAA/AAS', .no_bcd2
        FAMILY  fam_bcd2, 'bcd-daa-aaa-aas', M_NONE
.no_bcd2:
        FAMILY  fam_stack, 'stack-flags', M_ALL
        FAMILY  fam_enter, 'enter-leave', M_NONE
        KVM_SKIP 'enter-nested: skipped: kvm cannot emulate ENTER with a nesting level', .no_enter
        FAMILY  fam_enter_nested, 'enter-nested', M_NONE
.no_enter:
        FAMILY  fam_xlat_loop, 'xlat-loop', M_ALL
        FAMILY  fam_near, 'call-near', M_NONE
        FAMILY  fam_far, 'call-far', M_NONE
        FAMILY  fam_esp, 'esp-operands', M_NONE
        FAMILY  fam_io, 'in-out', M_NONE
        FAMILY  fam_cpuid, 'cpuid', M_NONE

        println 'isa32: done'
        debug_exit 0

        ISA_FAMILIES

; Far CALL/RET/JMP to our own code segment.
fam_far:
        mov     esi, esp
        call    CODE_SEL:far_plain          ; direct, ptr16:32
        LOG     eax
        LOG     edx
        mov     dword [far_ptr], far_args
        mov     word [far_ptr + 4], CODE_SEL
        push    dword 0x1111
        push    dword 0x2222
        call    far [far_ptr]               ; indirect, m16:32; RETF 8
        LOG     eax
        push    cs
        call    far_plain                   ; PUSH CS + near CALL
        LOG     eax
        LOG     edx
        mov     dword [far_ptr], .there
        jmp     far [far_ptr]
.back:  mov     eax, esp
        sub     eax, esi
        LOG     eax
        ret
.there: mov     ax, cs
        movzx   eax, ax
        LOG     eax
        jmp     CODE_SEL:.back

; far_plain: EAX = the return EIP minus far_return_base, EDX = the pushed
; CS (its low 16 bits: the upper ones are not defined).
far_plain:
        mov     eax, [esp]
        sub     eax, fam_far
        movzx   edx, word [esp + 4]
        retf

; far_args: EAX = the sum of its two dword arguments, removed by RETF 8.
far_args:
        mov     eax, [esp + 8]
        add     eax, [esp + 12]
        retf    8

; ESP as a base: POP computes its destination after the increment; PUSH
; [ESP + n] reads before the decrement.
fam_esp:
        mov     esi, esp
        push    dword 0xaaaa0001
        push    dword 0xbbbb0002
        push    dword 0xcccc0003
        pop     dword [esp + 4]             ; overwrites 0xaaaa0001
        pop     eax
        pop     edx
        LOG     eax
        LOG     edx
        push    dword 0x12345678
        push    dword [esp]
        pop     eax
        pop     edx
        LOG     eax
        LOG     edx
        mov     eax, esp
        sub     eax, esi
        LOG     eax
        mov     ax, ss
        mov     fs, ax
        mov     eax, [fs:scratch + 4]
        LOG     eax
        mov     ebp, scratch
        mov     eax, [ebp + 8]              ; SS
        LOG     eax
        mov     ax, DATA_SEL
        mov     gs, ax
        ret

        SERIAL_ROUTINES
        ISA_ROUTINES
        ISA_DATA
        align   4
far_ptr:        dd 0, 0
