; SPDX-License-Identifier: GPL-3.0-or-later
; x87.asm — the x87 FPU as the system sees it, for tests/soft-system.sh: a
; Multiboot v1 kernel (32-bit protected mode, flat, no paging, CPL 0) that
; prints what each check found:
;   cpuid   CPUID.1:EDX.FPU
;   div     1/3 through FIDIV, stored as a double (FSTP m64)
;   fist    2.5 and -2.5 stored as integers under each rounding control
;   fcomi   EFLAGS (ZF PF CF) after FCOMI 2>1 and FUCOMI with a NaN
;   fxam    the condition codes for +infinity
;   stack   a ninth push: masked stack overflow (status word), the
;           indefinite it leaves, stored as a double
;   nm      #NM for an x87 instruction with CR0.TS, for WAIT only with
;           CR0.MP as well, and with CR0.EM
;   mf      an unmasked zero divide: no fault at the FDIVP, #MF at the next
;           waiting instruction (CR0.NE = 1); FNSTSW and FNSTENV in the
;           handler give the status word and the FDIVP's pointers; after
;           the handler (FNSTENV masked everything, FNCLEX), the 16-bit
;           FNSTENV image
;   ferr    the same with CR0.NE = 0: IRQ 13 through the 8259A pair
;           (vector 0x2d), acknowledged with a write to port 0xF0; no #MF
;           (skipped, and says so, under another hypervisor than morpheus's
;           soft engine: KVM delivers #MF for CR0.NE = 0)
; Ends with "x87: done" and debug-exit value 0.

        bits    32
        org     0x100000

        %include "serial.inc"
        %include "mb32.inc"

CR0_MP          equ 1 << 1
CR0_EM          equ 1 << 2
CR0_TS          equ 1 << 3
CR0_NE          equ 1 << 5

        section .text
        MB32_HEADER
        MB32_START 'x87: start'
        mov     eax, nm_handler
        mov     ebx, 7
        call    mb32_set_gate
        mov     eax, mf_handler
        mov     ebx, 16
        call    mb32_set_gate
        mov     eax, irq13_handler
        mov     ebx, 0x2d
        call    mb32_set_gate
        mov     eax, cr0
        or      eax, CR0_NE
        and     eax, ~(CR0_EM | CR0_TS | CR0_MP)
        mov     cr0, eax
        fninit

        ; ---- cpuid ----
        mov     eax, 1
        cpuid
        and     edx, 1
        print   'cpuid: fpu='
        print_dec edx
        call    serial_newline

        ; ---- div ----
        fld1
        fidiv   dword [three]
        fstp    qword [result]
        print   'div: 1/3='
        print_hex dword [result + 4], 8
        print_hex dword [result], 8
        call    serial_newline

        ; ---- fist: RC 0-3 ----
        xor     esi, esi
.rc:    mov     eax, esi
        shl     eax, 10
        or      eax, 0x037f
        mov     [cw], ax
        fldcw   [cw]
        fld     qword [two_and_half]
        fistp   dword [result]
        fld     qword [two_and_half]
        fchs
        fistp   dword [result + 4]
        print   'fist: rc='
        print_dec esi
        print   ' 2.5->'
        print_hex dword [result], 8
        print   ' -2.5->'
        print_hex dword [result + 4], 8
        call    serial_newline
        inc     esi
        cmp     esi, 4
        jb      .rc
        fninit

        ; ---- fcomi ----
        fld1
        fld     qword [two]                 ; st0 = 2, st1 = 1
        fcomi   st0, st1
        pushfd
        pop     eax
        and     eax, 0x45
        print   'fcomi: 2>1 flags='
        print_hex eax, 2
        fld     dword [qnan]
        fucomip st0, st1
        pushfd
        pop     eax
        and     eax, 0x45
        print   ' nan flags='
        print_hex eax, 2
        call    serial_newline
        fninit

        ; ---- fxam ----
        fld     dword [inf]
        fxam
        fnstsw  ax
        and     eax, 0x4700
        print   'fxam: +inf cc='
        print_hex eax, 4
        call    serial_newline
        fninit

        ; ---- stack overflow ----
        mov     ecx, 9
.push:  fld1
        loop    .push
        fnstsw  ax
        print   'stack: sw='
        print_hex eax, 4
        fstp    qword [result]
        print   ' st0='
        print_hex dword [result + 4], 8
        print_hex dword [result], 8
        call    serial_newline
        fninit

        ; ---- #NM ----
        mov     dword [nm_count], 0
        mov     eax, cr0
        or      eax, CR0_TS
        mov     cr0, eax
nm1:    fld1                                ; #NM; the handler clears TS
        mov     eax, cr0
        or      eax, CR0_TS
        mov     cr0, eax
        wait                                ; TS without MP: no #NM
        or      eax, CR0_MP
        mov     cr0, eax
nm2:    wait                                ; TS and MP: #NM
        mov     eax, cr0
        and     eax, ~CR0_MP
        or      eax, CR0_EM
        mov     cr0, eax
nm3:    fnop                                ; EM: #NM (the handler clears EM)
        print   'nm: count='
        print_dec dword [nm_count]
        print   ' at '
        print_hex dword [nm_eip], 8
        print   ' '
        print_hex dword [nm_eip + 4], 8
        print   ' '
        print_hex dword [nm_eip + 8], 8
        call    serial_newline
        fninit

        ; ---- #MF ----
        mov     word [cw], 0x037b           ; zero divide unmasked
        fldcw   [cw]
        fld1
        fldz
mf_div: fdivp   st1, st0                    ; 1/0: flagged, no fault here
        mov     eax, 1                      ; integer code runs on
mf_at:  fwait                               ; #MF here
        print   'mf: count='
        print_dec dword [mf_count]
        print   ' at '
        print_hex dword [mf_eip], 8
        print   ' sw='
        print_hex dword [mf_sw], 4
        print   ' fip='
        print_hex dword [mf_env + 12], 8
        print   ' fcs_fop='
        print_hex dword [mf_env + 16], 8
        call    serial_newline
        o16 fnstenv [env16]                 ; the 14-byte protected-mode image
        print   'env16: cw='
        movzx   eax, word [env16]
        print_hex eax, 4
        print   ' sw='
        movzx   eax, word [env16 + 2]
        print_hex eax, 4
        print   ' tw='
        movzx   eax, word [env16 + 4]
        print_hex eax, 4
        print   ' ip='
        movzx   eax, word [env16 + 6]
        print_hex eax, 4
        print   ' cs='
        movzx   eax, word [env16 + 8]
        print_hex eax, 4
        print   ' dp='
        movzx   eax, word [env16 + 10]
        print_hex eax, 4
        print   ' ds='
        movzx   eax, word [env16 + 12]
        print_hex eax, 4
        call    serial_newline
        fninit

        ; ---- IRQ 13 with CR0.NE = 0 ----
        mov     eax, 0x40000000             ; the hypervisor leaf
        cpuid
        cmp     ebx, 'morp'
        jne     .no_ferr
        call    pic_init
        mov     eax, cr0
        and     eax, ~CR0_NE
        mov     cr0, eax
        mov     word [cw], 0x037b
        fldcw   [cw]
        fld1
        fldz
        fdivp   st1, st0
        sti
        fwait                               ; IRQ 13, not #MF
        mov     ecx, 1000
.wait:  cmp     dword [irq13_count], 0
        jne     .got
        loop    .wait
.got:   cli
        print   'ferr: irq13 count='
        print_dec dword [irq13_count]
        print   ' mf count='
        print_dec dword [mf_count]
        call    serial_newline
        jmp     .ferr_done
.no_ferr:
        println 'ferr: skipped: not the soft engine'
.ferr_done:
        println 'x87: done'
        debug_exit 0

; ---- the 8259A pair: vectors 0x20-0x2f, all masked but IRQ 2 and 13 ----
pic_init:
        mov     al, 0x11
        out     0x20, al
        out     0xa0, al
        mov     al, 0x20
        out     0x21, al
        mov     al, 0x28
        out     0xa1, al
        mov     al, 0x04
        out     0x21, al
        mov     al, 0x02
        out     0xa1, al
        mov     al, 0x01
        out     0x21, al
        out     0xa1, al
        mov     al, 0xfb                    ; IRQ 2 (the slave)
        out     0x21, al
        mov     al, 0xdf                    ; IRQ 13
        out     0xa1, al
        ret

; #NM: log EIP, clear CR0.TS and CR0.EM, retry
nm_handler:
        push    eax
        push    ebx
        mov     ebx, [nm_count]
        mov     eax, [esp + 8]
        mov     [nm_eip + ebx * 4], eax
        inc     dword [nm_count]
        mov     eax, cr0
        and     eax, ~(CR0_TS | CR0_EM)
        mov     cr0, eax
        pop     ebx
        pop     eax
        iretd

; #MF: log EIP, the status word and the environment; clear the exception
mf_handler:
        push    eax
        mov     eax, [esp + 4]
        mov     [mf_eip], eax
        inc     dword [mf_count]
        fnstsw  ax
        mov     [mf_sw], eax
        fnstenv [mf_env]
        fnclex
        pop     eax
        iretd

; IRQ 13: acknowledge at port 0xF0 and at both PICs, clear the exception
irq13_handler:
        push    eax
        inc     dword [irq13_count]
        fnclex
        xor     al, al
        out     0xf0, al
        mov     al, 0x20
        out     0xa0, al
        out     0x20, al
        pop     eax
        iretd

        MB32_EXCEPTIONS 'x87: unexpected exception '

        SERIAL_ROUTINES

        section .data
        align   8
        MB32_GDT_FLAT
        MB32_DESCRIPTORS 0x30
three:  dd      3
        align   8
two_and_half: dq 2.5
two:    dq      2.0
qnan:   dd      0x7fc00000
inf:    dd      0x7f800000
nm_count: dd    0
nm_eip: dd      0, 0, 0, 0
mf_count: dd    0
mf_eip: dd      0
mf_sw:  dd      0
irq13_count: dd 0
load_end:

        section .bss
        align   8
result: resq    1
cw:     resw    2
mf_env: resb    28
env16:  resb    14
        alignb  8
idt:    resb    0x30 * 8
        resb    4096
stack_top:
bss_end:
