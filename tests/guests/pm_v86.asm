; SPDX-License-Identifier: GPL-3.0-or-later
; pm_v86.asm — virtual-8086 mode with a #GP monitor, for tests/soft-pm.sh:
; a flat binary for `morpheus run --load 0x100000`. At CPL 0 it sets up a
; GDT, an IDT and a TSS (ESP0, an I/O bitmap denying port 0x80), then
; IRETs to virtual-8086 mode with IOPL 0 at FFFF:xxxx (the 16-bit code at
; the end of this image, below 1 MiB + 64 KiB). There the IOPL-sensitive
; instructions (CLI, STI, PUSHF, POPF, INT n) raise #GP(0), which the
; monitor (the ring-0 #GP handler, entered with GS, FS, DS, ES, SS, ESP,
; EFLAGS, CS, EIP on its stack and the data segments nulled) emulates
; with a virtual IF and returns with IRET; INT3 through a DPL-0 gate is
; #GP(0x1A); IN from a port the bitmap allows works, from port 0x80 it is
; #GP(0); segment loads are real-mode style (a read through DS = 0x2000).
; IRET at IOPL 0 is #GP(0), emulated by the monitor; after INT 0x43 (the
; monitor sets IOPL 3) CLI, POPF, PUSHF and IRET run in virtual-8086 mode
; without a fault and leave IOPL alone (BX, CX report the flags).
; HLT ends the run: "v86: done" and debug-exit value 0 (status 1). Under
; kvm (no IDT event delivery in protected mode on the development
; machines) it prints "v86: skipped: kvm" and ends the same way.

        bits    32
        org     0x100000

KCODE   equ 0x08
KDATA   equ 0x10
TSS_SEL equ 0x18
TSS_ADDR equ 0x301000
STACK0  equ 0x90000
V86_CS  equ 0xffff              ; FFFF:xxxx = linear 0x100000 - 0x10 + xxxx
V86_SS  equ 0x7000
V86_DATA equ 0x2000             ; a segment the v86 code reads through

        %include "pm.inc"

start:
        cli
        cld
        lgdt    [gdtr]
        jmp     KCODE:.cs
.cs:    mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, STACK0
        call    serial_init
        call    pm_detect_kvm
        println 'v86: start'
        SKIP_IF_KVM 'v86: skipped: kvm', done
        mov     edi, TSS_ADDR
        mov     ecx, (0x68 + 0x2000 + 4) / 4
        xor     eax, eax
        rep stosd
        mov     dword [TSS_ADDR + 4], STACK0
        mov     dword [TSS_ADDR + 8], KDATA
        mov     word [TSS_ADDR + 0x66], 0x68
        or      byte [TSS_ADDR + 0x68 + 0x80 / 8], 1
        mov     byte [TSS_ADDR + 0x68 + 0x2000], 0xff
        mov     ax, TSS_SEL
        ltr     ax
        mov     bx, KCODE
        call    pm_idt_init
        mov     edi, IDT_ADDR + 13 * 8
        mov     eax, monitor
        mov     cx, G_INT32 << 8
        call    make_gate
        mov     word [V86_DATA * 16 + 0x10], 0xbeef
        ; IRET to virtual-8086 mode: GS FS DS ES SS ESP EFLAGS CS EIP
        push    dword 0
        push    dword 0
        push    dword V86_CS
        push    dword V86_CS
        push    dword V86_SS
        push    dword 0xfffe
        push    dword 0x20002                   ; VM, IOPL 0, IF 0
        push    dword V86_CS
        push    dword v86_code - 0xffff0
        iretd

done:   println 'v86: done'
        debug_exit 0

; The #GP handler: the monitor of virtual-8086 mode. Frame after PUSHAD:
; error code +32, EIP +36, CS +40, EFLAGS +44, ESP +48, SS +52, ES +56,
; DS +60, FS +64, GS +68.
monitor:
        pushad
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ebx, [esp + 32]
        movzx   ecx, word [esp + 40]
        movzx   edx, word [esp + 36]
        mov     esi, ecx
        shl     esi, 4
        movzx   eax, byte [esi + edx]           ; the opcode
        mov     ebp, [esp + 44]
        print   'monitor: #GP err='
        print_hex ebx, 4
        print   ' at '
        print_hex ecx, 4
        print   ':'
        print_hex edx, 4
        print   ' op='
        print_hex eax, 2
        print   ' vm='
        push    ebp
        shr     ebp, 17
        and     ebp, 1
        print_hex ebp, 1
        pop     ebp
        print   ' ds='
        mov     edi, [esp + 60]
        print_hex edi, 4
        mov     di, ds
        print   ' now ds='
        movzx   edi, di
        print_hex edi, 4
        cmp     al, 0xfa
        je      .cli
        cmp     al, 0xfb
        je      .sti
        cmp     al, 0x9c
        je      .pushf
        cmp     al, 0x9d
        je      .popf
        cmp     al, 0xcd
        je      .int
        cmp     al, 0xcc
        je      .int3
        cmp     al, 0xe4
        je      .in
        cmp     al, 0xf4
        je      .hlt
        cmp     al, 0xcf
        je      .iret
        println ' unknown'
        debug_exit 1
.cli:   mov     byte [vif], 0
        println ' cli'
        inc     word [esp + 36]
        jmp     .back
.sti:   mov     byte [vif], 1
        println ' sti'
        inc     word [esp + 36]
        jmp     .back
.pushf: ; the flags with the virtual IF, on the v86 stack
        mov     eax, ebp
        and     eax, 0xfdff
        cmp     byte [vif], 0
        je      .pf
        or      eax, 0x200
.pf:    movzx   edi, word [esp + 52]
        shl     edi, 4
        sub     word [esp + 48], 2
        movzx   ecx, word [esp + 48]
        mov     [edi + ecx], ax
        print   ' pushf '
        print_hex eax, 4
        call    serial_newline
        inc     word [esp + 36]
        jmp     .back
.popf:  movzx   edi, word [esp + 52]
        shl     edi, 4
        movzx   ecx, word [esp + 48]
        movzx   eax, word [edi + ecx]
        add     word [esp + 48], 2
        mov     byte [vif], 0
        test    eax, 0x200
        jz      .pf2
        mov     byte [vif], 1
.pf2:   and     eax, 0x0dd5                     ; arithmetic flags, TF, DF (not IF, IOPL, NT)
        and     dword [esp + 44], ~0x0dd5
        or      [esp + 44], eax
        print   ' popf '
        print_hex eax, 4
        call    serial_newline
        inc     word [esp + 36]
        jmp     .back
.int:   movzx   eax, byte [esi + edx + 1]
        cmp     al, 0x43
        je      .iopl3
        mov     ecx, [esp + 28]                 ; EAX
        mov     edi, [esp + 16]                 ; EBX
        print   ' int '
        print_hex eax, 2
        print   ' ax='
        print_hex ecx, 4
        print   ' bx='
        print_hex edi, 4
        call    serial_newline
        inc     dword [esp + 28]                ; the "service": AX + 1
        add     word [esp + 36], 2
        jmp     .back
.iopl3: or      dword [esp + 44], 0x3000        ; the service of INT 0x43: IOPL 3
        println ' int 43: iopl=3'
        add     word [esp + 36], 2
        jmp     .back
.iret:  ; IRET (16-bit): IP, CS, FLAGS from the v86 stack, with the
        ; virtual IF
        movzx   edi, word [esp + 52]
        shl     edi, 4
        movzx   ecx, word [esp + 48]
        add     edi, ecx
        movzx   eax, word [edi]
        mov     [esp + 36], eax
        movzx   ebx, word [edi + 2]
        mov     [esp + 40], ebx
        movzx   ecx, word [edi + 4]
        add     word [esp + 48], 6
        print   ' iret '
        print_hex ebx, 4
        print   ':'
        print_hex eax, 4
        print   ' flags '
        print_hex ecx, 4
        call    serial_newline
        mov     byte [vif], 0
        test    ecx, 0x200
        jz      .if0
        mov     byte [vif], 1
.if0:   and     ecx, 0x0dd5
        and     dword [esp + 44], ~0x0dd5
        or      [esp + 44], ecx
        jmp     .back
.int3:  println ' int3'
        inc     word [esp + 36]
        jmp     .back
.in:    println ' in'
        add     word [esp + 36], 2
        jmp     .back
.hlt:   movzx   eax, byte [vif]
        mov     ebx, [esp + 16]                 ; EBX, ECX: what the v86
        mov     ecx, [esp + 24]                 ; code reports
        print   ' hlt, vif='
        print_hex eax, 1
        print   ' bx='
        print_hex ebx, 4
        print   ' cx='
        print_hex ecx, 4
        call    serial_newline
        jmp     done
.back:  popad
        add     esp, 4
        iretd

        SERIAL_ROUTINES
        PM_ROUTINES

        align   8
gdt:
        dq      0
        DESC    0, 0xfffff, A_CODE0, F_32               ; 0x08
        DESC    0, 0xfffff, A_DATA0, F_32               ; 0x10
        DESC    TSS_ADDR, 0x2068, 0x89, 0               ; 0x18 TSS
gdt_end:
gdtr:   dw      gdt_end - gdt - 1
        dd      gdt
vif:    db      0
        PM_DATA

; ---- virtual-8086 mode code (CS = DS = 0xFFFF) ----
        bits    16
v86_code:
        mov     ax, 0x1111
        mov     bx, 0x2222
        sti                                     ; #GP: virtual IF = 1
        cli                                     ; #GP: virtual IF = 0
        sti
        pushf                                   ; #GP: pushed with the virtual IF
        pop     cx
        mov     bx, cx
        int     0x42                            ; #GP: the monitor's service
        push    word 0x08d5                     ; OF SF ZF AF PF CF, IF clear
        popf                                    ; #GP
        pushf                                   ; #GP
        pop     bx
        mov     ax, 0x3333
        int     0x42
        int3                                    ; through a DPL-0 gate: #GP(0x1A)
        in      al, 0x81                        ; the bitmap allows it
        in      al, 0x80                        ; the bitmap denies it: #GP(0)
        mov     ax, V86_DATA
        mov     ds, ax
        mov     bx, [0x10]                      ; 0xBEEF
        mov     ax, ds
        int     0x42
        mov     ax, ss
        mov     bx, sp
        int     0x42
        push    word 0x0ad5                     ; OF SF ZF AF PF CF, IF
        push    cs
        push    word .iret1 - 0xffff0
        iret                                    ; #GP at IOPL 0: emulated
.iret1: int     0x43                            ; the monitor sets IOPL 3
        ; IOPL 3: CLI, POPF, PUSHF and IRET run without the monitor; they
        ; do not change IOPL (SDM vol. 2, POPF, IRET: virtual-8086 mode)
        cli
        push    word 0x08d5                     ; OF SF ZF AF PF CF, IOPL 0
        popf
        pushf
        pop     bx                              ; 0x38D7
        push    word 0x0c01                     ; OF DF CF, IOPL 0
        push    cs
        push    word .iret2 - 0xffff0
        iret
.iret2: pushf
        pop     cx                              ; 0x3C03
        cld
        hlt                                     ; #GP (IOPL 3 too): the end
