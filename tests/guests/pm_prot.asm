; SPDX-License-Identifier: GPL-3.0-or-later
; pm_prot.asm — protection in 32-bit protected mode, for tests/soft-pm.sh:
; a flat binary for `morpheus run --load 0x100000`. It loads its own GDT,
; IDT, TSS and LDT, then prints one line per check:
;  - seg: loads and accesses that must work (an LDT data segment,
;    expand-down segments with B = 0 and B = 1, read-only data);
;  - fault lines (vector, error code, faulting EIP) for bad segment loads
;    (#GP, #NP, #SS with the selector), limits of expand-down segments,
;    writes to read-only data and code, reads of execute-only code, null
;    segments, LLDT/LTR of the wrong descriptor;
;  - ring 3 (entered with SYSEXIT): LAR/LSL/VERR/VERW on a table of
;    selectors, a 32-bit call gate with two parameters and RETF 8 back
;    (DS nulled by the return to the outer level), privileged and
;    IOPL-sensitive instructions (#GP(0)), the I/O bitmap, an INT 0x80
;    system call through a DPL-3 interrupt gate (IRET to CPL 3),
;    SYSENTER/SYSEXIT;
;  - task switches: JMP and CALL to a TSS (busy bits, back link, NT, IRET
;    back), JMP through a task gate, and a double fault (#NP whose
;    delivery overflows a 256-byte stack: #SS, then #DF) handled by a
;    task gate in the IDT;
; then "pm: done" and debug-exit value 0 (status 1). Under kvm the parts
; that need IDT event delivery (which the kvm of the development machines
; does not do in protected mode) print "...: skipped: kvm" instead.

        bits    32
        org     0x100000

KCODE   equ 0x08
KDATA   equ 0x10
UCODE   equ 0x18
UDATA   equ 0x20
TSS_MAIN equ 0x28
CGATE   equ 0x30
RODATA  equ 0x38
EDOWN   equ 0x40
NPDATA  equ 0x48
XCODE   equ 0x50
SMALL   equ 0x58
LDT_SEL equ 0x60
TSS_DF  equ 0x68
TSS_T2  equ 0x70
TGATE   equ 0x78
R0GATE  equ 0x80
EDOWN32 equ 0x88
CONF    equ 0x90
SYS_CS  equ 0xa0                ; SYSENTER_CS: A0 code0, A8 data0, B0 code3, B8 data3

BUF     equ 0x200000            ; 64 KiB of data for the segments above
TSS_MAIN_ADDR equ 0x301000      ; 0x68 bytes, then the I/O bitmap (8 KiB + 1)
TSS_T2_ADDR equ 0x304000
TSS_DF_ADDR equ 0x305000
LDT_ADDR equ 0x306000
STACK0  equ 0x90000
STACK3  equ 0x80000
STACK_T2 equ 0x60000
STACK_DF equ 0x70000
STACK_SE equ 0x88000            ; SYSENTER_ESP

        %include "pm.inc"

start:
        cli
        cld
        lgdt    [gdtr]
        jmp     KCODE:.cs
.cs:    mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, STACK0
        call    serial_init
        call    pm_detect_kvm
        println 'pm: start'
        call    setup
        ltr     [tr_sel]
        lldt    [ldt_sel]
        str     eax
        sldt    ebx
        print   'pm: cpl=0 tr='
        print_hex eax, 4
        print   ' ldt='
        print_hex ebx, 4
        call    serial_newline

        call    seg_ok
        SKIP_IF_KVM 'faults0: skipped: kvm', .no_faults0
        call    faults0
.no_faults0:
        ; to ring 3 with SYSEXIT (the kvm of the development machines
        ; cannot emulate an IRET or RETF to CPL 3; the INT 0x80 system
        ; call below returns with IRET to CPL 3)
        mov     ecx, STACK3
        mov     edx, ring3
        sysexit

; ring 3 comes back here through the call gate R0GATE
ring0_continue:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, STACK0
        mov     ax, cs
        print   'pm: back at cpl='
        and     eax, 3
        print_hex eax, 1
        call    serial_newline
        call    tasks
        SKIP_IF_KVM 'double-fault: skipped: kvm', .no_df
        call    double_fault
.no_df:
        println 'pm: done'
        debug_exit 0

; ---- set-up (CPL 0) ----
setup:
        mov     edi, TSS_MAIN_ADDR
        mov     ecx, (LDT_ADDR + 0x1000 - TSS_MAIN_ADDR) / 4
        xor     eax, eax
        rep stosd
        mov     edi, TSS_MAIN_ADDR
        mov     dword [edi + 4], STACK0         ; ESP0
        mov     dword [edi + 8], KDATA          ; SS0
        mov     word [edi + 0x66], 0x68         ; I/O map base
        or      byte [edi + 0x68 + 0x80 / 8], 1 ; port 0x80 denied
        mov     byte [edi + 0x68 + 0x2000], 0xff
        mov     edi, TSS_T2_ADDR
        mov     eax, task2
        call    setup_task
        mov     edi, TSS_DF_ADDR
        mov     eax, df_task
        call    setup_task
        mov     dword [TSS_DF_ADDR + 0x38], STACK_DF
        mov     dword [TSS_T2_ADDR + 0x38], STACK_T2
        ; LDT: 0x04 flat data DPL 0, 0x0F flat data DPL 3
        mov     dword [LDT_ADDR], 0x0000ffff
        mov     dword [LDT_ADDR + 4], 0x00cf9200
        mov     dword [LDT_ADDR + 8], 0x0000ffff
        mov     dword [LDT_ADDR + 12], 0x00cff200
        ; gates
        mov     edi, gdt + CGATE
        mov     eax, gate_target
        mov     bx, KCODE
        mov     cx, G_CALL32_U << 8 | 2
        call    make_gate
        mov     edi, gdt + R0GATE
        mov     eax, ring0_continue
        mov     cx, G_CALL32_U << 8
        call    make_gate
        call    pm_idt_init
        mov     edi, IDT_ADDR + 0x80 * 8
        mov     eax, syscall_handler
        mov     cx, G_INT32_U << 8
        call    make_gate
        mov     edi, IDT_ADDR + 0x81 * 8        ; DPL 0: INT 0x81 from CPL 3 is #GP
        mov     cx, G_INT32 << 8
        call    make_gate
        ; SYSENTER
        mov     ecx, 0x174
        xor     edx, edx
        mov     eax, SYS_CS
        wrmsr
        inc     ecx
        mov     eax, STACK_SE
        wrmsr
        inc     ecx
        mov     eax, sysenter_entry
        wrmsr
        ret

; EDI: a 32-bit TSS, EAX: its EIP; CS KCODE, the other segments KDATA.
setup_task:
        mov     [edi + 0x20], eax
        mov     dword [edi + 0x24], 2
        mov     dword [edi + 0x4c], KCODE
        mov     dword [edi + 0x48], KDATA
        mov     dword [edi + 0x50], KDATA
        mov     dword [edi + 0x54], KDATA
        mov     dword [edi + 0x58], KDATA
        mov     dword [edi + 0x5c], KDATA
        mov     word [edi + 0x66], 0x68
        ret

; ---- what must work ----
seg_ok:
        mov     dword [BUF], 0x11223344
        mov     dword [BUF + 0x1000], 0x55667788
        mov     dword [BUF + 0xfffc], 0x99aabbcc
        mov     ax, 0x04                        ; LDT entry 0
        mov     ds, ax
        mov     eax, [BUF + 0x1000]
        mov     bx, EDOWN                       ; expand-down, limit 0xFFF, B = 0
        mov     es, bx
        mov     ebx, [es:0x1000]
        mov     ecx, [es:0xfffc]
        mov     dx, EDOWN32                     ; B = 1: 0xFFFFF000 .. 0xFFFFFFFF
        mov     fs, dx
        mov     edx, [fs:0xfffff000]
        mov     si, RODATA
        mov     gs, si
        mov     esi, [gs:BUF]
        mov     di, KDATA
        mov     ds, di
        mov     es, di
        mov     fs, di
        mov     gs, di
        print   'seg: ldt='
        print_hex eax, 8
        print   ' edown='
        print_hex ebx, 8
        print   ','
        print_hex ecx, 8
        print   ' edown32='
        print_hex edx, 8
        print   ' ro='
        print_hex esi, 8
        call    serial_newline
        ret

; ---- faults at CPL 0 ----
faults0:
        BEGIN   'mov ds, not present:'
        mov     ax, NPDATA
        mov     ds, ax
        END_OK
        BEGIN   'mov ds, execute-only code:'
        mov     ax, XCODE
        mov     ds, ax
        END_OK
        BEGIN   'mov ds, tss:'
        mov     ax, TSS_MAIN
        mov     ds, ax
        END_OK
        BEGIN   'mov ds, beyond the gdt:'
        mov     ax, 0x1000
        mov     ds, ax
        END_OK
        BEGIN   'mov es, rpl 3 > dpl 0:'
        mov     ax, KDATA | 3
        mov     es, ax
        END_OK
        BEGIN   'mov fs, conforming code:'
        mov     ax, CONF
        mov     fs, ax
        END_OK
        BEGIN   'mov ss, null:'
        xor     eax, eax
        mov     ss, ax
        END_OK
        BEGIN   'mov ss, read-only:'
        mov     ax, RODATA
        mov     ss, ax
        END_OK
        BEGIN   'mov ss, dpl 3:'
        mov     ax, UDATA | 3
        mov     ss, ax
        END_OK
        BEGIN   'mov ss, not present:'
        mov     ax, NPDATA
        mov     ss, ax
        END_OK
        BEGIN   'read through null ds:'
        xor     eax, eax
        mov     ds, ax
        mov     eax, [BUF]
        END_OK
        mov     ax, KDATA
        mov     ds, ax
        mov     ax, EDOWN
        mov     es, ax
        BEGIN   'expand-down below limit+1:'
        mov     al, [es:0x0fff]
        END_OK
        BEGIN   'expand-down word at 0xffff:'
        mov     ax, [es:0xffff]
        END_OK
        BEGIN   'expand-down byte at 0xffff:'
        mov     al, [es:0xffff]
        END_OK
        mov     ax, EDOWN32
        mov     es, ax
        BEGIN   'expand-down (B=1) below:'
        mov     al, [es:0xffffefff]
        END_OK
        BEGIN   'expand-down (B=1) dword at the top:'
        mov     eax, [es:0xfffffffc]
        END_OK
        mov     ax, KDATA
        mov     es, ax
        ; SS expand-down (B = 0): a 16-bit stack at BUF + 0x1000 .. 0xFFFF
        mov     [saved_esp], esp
        mov     ax, EDOWN
        mov     ss, ax
        mov     esp, 0x8000
        BEGIN   'ss expand-down below:'
        mov     eax, [ss:0x0800]
        END_OK
        BEGIN   'ss expand-down push:'
        push    dword 0x12345678
        pop     eax
        END_OK
        mov     ax, KDATA
        mov     ss, ax
        mov     esp, [saved_esp]
        mov     ax, RODATA
        mov     gs, ax
        BEGIN   'write read-only data:'
        mov     [gs:BUF], eax
        END_OK
        BEGIN   'add to read-only data:'
        add     [gs:BUF], eax
        END_OK
        BEGIN   'rep stosb into read-only data:'
        mov     es, ax
        mov     edi, BUF
        mov     ecx, 4
        rep stosb
        END_OK
        mov     ax, KDATA
        mov     es, ax
        mov     gs, ax
        BEGIN   'write through cs:'
        mov     [cs:BUF], eax
        END_OK
        jmp     XCODE:.xonly
.xonly: BEGIN   'read execute-only code through cs:'
        mov     eax, [cs:BUF]
        END_OK
        jmp     KCODE:.back
.back:  BEGIN   'far jmp to a data segment:'
        jmp     KDATA:0
        END_OK
        BEGIN   'lldt of a tss:'
        mov     ax, TSS_MAIN
        lldt    ax
        END_OK
        BEGIN   'ltr of the busy tss:'
        mov     ax, TSS_MAIN
        ltr     ax
        END_OK
        BEGIN   'int 0x30 (empty idt entry):'
        int     0x30
        END_OK
        mov     [saved_esp], esp
        BEGIN   'iret to cpl 3 with a dpl 0 ss:'
        push    dword KDATA
        push    dword STACK3
        push    dword 2
        push    dword UCODE | 3
        push    dword 0
        iretd
        END_OK
        mov     esp, [saved_esp]
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        ; MSRs: PAT's reset value, MTRRcap, EFER.NXE writable, LME not
        mov     ecx, 0x277
        rdmsr
        print   'msr: pat='
        print_hex edx, 8
        print_hex eax, 8
        mov     ecx, 0xfe
        rdmsr
        print   ' mtrrcap='
        print_hex eax, 8
        mov     ecx, 0xc0000080
        xor     edx, edx
        mov     eax, 1 << 11
        wrmsr
        rdmsr
        print   ' efer='
        print_hex eax, 8
        call    serial_newline
        BEGIN   'wrmsr efer.lme:'
        mov     ecx, 0xc0000080
        xor     edx, edx
        mov     eax, 1 << 8
        wrmsr
        END_OK
        BEGIN   'rdmsr of an unknown msr:'
        mov     ecx, 0x12345
        rdmsr
        END_OK
        BEGIN   'wrmsr pat with a reserved type:'
        mov     ecx, 0x277
        xor     edx, edx
        mov     eax, 2
        wrmsr
        END_OK
        mov     eax, 1
        cpuid
        mov     ebx, 0x80000001
        xchg    eax, ebx
        push    edx
        cpuid
        mov     ecx, edx
        pop     edx
        mov     eax, 0x80000008
        push    ecx
        push    edx
        cpuid
        pop     edx
        pop     ecx
        print   'cpuid: 1.edx='
        print_hex edx, 8
        print   ' 80000001.edx='
        print_hex ecx, 8
        print   ' 80000008.eax='
        print_hex eax, 8
        call    serial_newline
        ret

; ---- ring 3 ----
ring3:
        mov     ax, UDATA | 3
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ax, cs
        and     eax, 3
        print   'ring3: cpl='
        print_hex eax, 1
        call    serial_newline
        cmp     byte [under_kvm], 0
        je      .soft
        ; kvm cannot come back to CPL 0 (and raises #UD for LAR, LSL,
        ; VERR, VERW at CPL 3): end here
        println 'ring3: the rest skipped: kvm'
        println 'pm: done'
        debug_exit 0
.soft:
        call    lar_table
        ; a call gate to ring 0 with two parameters, RETF 8 back
        mov     esi, esp
        push    dword 0x1111
        push    dword 0x2222
        call    CGATE | 3:0
        mov     bx, es                          ; nulled by the outer return
        mov     ax, UDATA | 3
        mov     es, ax
        sub     esi, esp
        print   'gate: back es='
        print_hex ebx, 4
        print   ' esp delta='
        print_hex esi, 8
        call    serial_newline
        SKIP_IF_KVM 'faults3: skipped: kvm', .no_faults3
        call    faults3
        mov     eax, 0x1234
        int     0x80
        print   'syscall: back eax='
        print_hex eax, 8
        call    serial_newline
        mov     ecx, esp
        mov     edx, .after_sysexit
        sysenter
.after_sysexit:
        mov     bx, cs
        mov     si, ss
        print   'sysexit: cs='
        print_hex ebx, 4
        print   ' ss='
        print_hex esi, 4
        call    serial_newline
.no_faults3:
        call    R0GATE | 3:0

faults3:
        BEGIN   'cpl3 mov ds, dpl 0 data:'
        mov     ax, KDATA | 3
        mov     ds, ax
        END_OK
        BEGIN   'cpl3 mov ds, dpl 0 code:'
        mov     ax, KCODE | 3
        mov     ds, ax
        END_OK
        BEGIN   'cpl3 mov es, conforming code:'
        mov     ax, CONF | 3
        mov     es, ax
        mov     eax, [es:BUF]
        END_OK
        mov     ax, UDATA | 3
        mov     es, ax
        BEGIN   'cpl3 hlt:'
        hlt
        END_OK
        BEGIN   'cpl3 cli:'
        cli
        END_OK
        BEGIN   'cpl3 mov eax, cr0:'
        mov     eax, cr0
        END_OK
        BEGIN   'cpl3 rdmsr:'
        mov     ecx, 0x10
        rdmsr
        END_OK
        BEGIN   'cpl3 lgdt:'
        lgdt    [gdtr]
        END_OK
        BEGIN   'cpl3 in from a denied port:'
        in      al, 0x80
        END_OK
        BEGIN   'cpl3 in from an allowed port:'
        in      al, 0x81
        END_OK
        BEGIN   'cpl3 int 0x81 (dpl 0 gate):'
        int     0x81
        END_OK
        mov     edi, esp
        BEGIN   'cpl3 retf to cpl 0:'
        push    dword KCODE
        push    dword 0
        retf
        END_OK
        mov     esp, edi
        BEGIN   'cpl3 lldt:'
        xor     eax, eax
        lldt    ax
        END_OK
        pushfd
        or      dword [esp], 0x3200             ; IF, IOPL 3: ignored at CPL 3
        popfd
        pushfd
        pop     eax
        and     eax, 0x3200
        print   'cpl3 popf: if|iopl='
        print_hex eax, 4
        call    serial_newline
        ret

; LAR, LSL, VERR, VERW on every selector of sel_table (at CPL 3)
lar_table:
        xor     esi, esi
.next:  movzx   ebx, word [sel_table + esi * 2]
        print   'lar '
        print_hex ebx, 4
        mov     eax, 0xeeeeeeee
        lar     eax, bx
        setz    cl
        print   ' lar='
        print_hex ecx, 1
        print   ':'
        print_hex eax, 8
        mov     eax, 0xeeeeeeee
        lsl     eax, bx
        setz    cl
        print   ' lsl='
        print_hex ecx, 1
        print   ':'
        print_hex eax, 8
        verr    bx
        setz    cl
        print   ' verr='
        print_hex ecx, 1
        verw    bx
        setz    cl
        print   ' verw='
        print_hex ecx, 1
        call    serial_newline
        inc     esi
        cmp     esi, (sel_table_end - sel_table) / 2
        jb      .next
        ret

sel_table:
        dw      0x0000, 0x0004 | 3, 0x0008, 0x000b, UCODE | 3, UDATA | 3, TSS_MAIN, CGATE | 3
        dw      RODATA, EDOWN, NPDATA, XCODE, LDT_SEL | 3, TSS_T2 | 3, TGATE, CONF | 3
        dw      0x000c | 3, SYS_CS + 0x13, 0x1003
sel_table_end:

; the call gate's ring-0 side: [esp] EIP, CS, the two parameters, ESP, SS
gate_target:
        pushad
        mov     eax, [esp + 32 + 4]
        mov     ebx, [esp + 32 + 8]
        mov     ecx, [esp + 32 + 12]
        mov     edx, [esp + 32 + 20]
        mov     di, cs
        mov     si, ss
        print   'gate: cs='
        print_hex edi, 4
        print   ' ss='
        print_hex esi, 4
        print   ' caller cs='
        print_hex eax, 4
        print   ' ss='
        print_hex edx, 4
        print   ' params='
        print_hex ecx, 8
        print   ','
        print_hex ebx, 8
        call    serial_newline
        popad
        mov     ax, KDATA
        mov     es, ax
        retf    8

syscall_handler:
        mov     ebx, [esp + 4]
        mov     ecx, [esp + 16]
        print   'syscall: eax='
        print_hex eax, 8
        print   ' cs='
        print_hex ebx, 4
        print   ' ss='
        print_hex ecx, 4
        call    serial_newline
        inc     eax
        iretd

sysenter_entry:
        mov     bx, cs
        mov     si, ss
        pushfd
        pop     edi
        and     edi, 0x20200
        print   'sysenter: cs='
        print_hex ebx, 4
        print   ' ss='
        print_hex esi, 4
        print   ' esp='
        print_hex esp, 8
        print   ' if|vm='
        print_hex edi, 5
        call    serial_newline
        sysexit

; ---- task switches ----
tasks:
        mov     dword [t2_mode], 0
        jmp     TSS_T2:0
        call    task_state
        mov     dword [t2_mode], 1
        call    TSS_T2:0
        call    task_state
        mov     dword [t2_mode], 0
        jmp     TGATE:0
        call    task_state
        ret

; prints TR, the busy bits of both TSSs, NT and CR0.TS; clears TS
task_state:
        str     ax
        movzx   eax, ax
        movzx   ebx, byte [gdt + TSS_MAIN + 5]
        and     ebx, 0xf
        movzx   ecx, byte [gdt + TSS_T2 + 5]
        and     ecx, 0xf
        pushfd
        pop     edx
        shr     edx, 14
        and     edx, 1
        mov     esi, cr0
        shr     esi, 3
        and     esi, 1
        clts
        print   'task: main tr='
        print_hex eax, 4
        print   ' types='
        print_hex ebx, 1
        print   ','
        print_hex ecx, 1
        print   ' nt='
        print_hex edx, 1
        print   ' ts='
        print_hex esi, 1
        call    serial_newline
        ret

task2:
        str     ax
        movzx   eax, ax
        movzx   ebx, word [TSS_T2_ADDR]
        pushfd
        pop     edx
        shr     edx, 14
        and     edx, 1
        movzx   ecx, byte [gdt + TSS_MAIN + 5]
        and     ecx, 0xf
        print   'task2: tr='
        print_hex eax, 4
        print   ' link='
        print_hex ebx, 4
        print   ' nt='
        print_hex edx, 1
        print   ' main type='
        print_hex ecx, 1
        print   ' esp='
        print_hex esp, 8
        call    serial_newline
        cmp     dword [t2_mode], 1
        je      .iret
        jmp     TSS_MAIN:0
        jmp     task2
.iret:  iretd
        jmp     task2

; ---- a double fault through a task gate ----
double_fault:
        mov     edi, IDT_ADDR + 8 * 8
        xor     eax, eax
        mov     bx, TSS_DF
        mov     cx, G_TASK << 8
        call    make_gate
        mov     [saved_esp], esp
        println 'df: #NP with 8 bytes of stack'
        mov     ax, SMALL
        mov     ss, ax
        mov     esp, 8
        mov     ax, NPDATA
.fault: mov     ds, ax
        println 'df: no fault'
.resume:
        mov     ax, ss
        movzx   eax, ax
        str     bx
        movzx   ebx, bx
        print   'df: back in the main task ss='
        print_hex eax, 4
        print   ' tr='
        print_hex ebx, 4
        call    serial_newline
        ret

df_task:
        pop     eax                             ; the error code
        str     bx
        movzx   ebx, bx
        movzx   ecx, word [TSS_DF_ADDR]         ; back link
        mov     edx, [TSS_MAIN_ADDR + 0x20]     ; the main task's EIP
        sub     edx, double_fault.fault
        pushfd
        pop     esi
        shr     esi, 14
        and     esi, 1
        print   'df: task tr='
        print_hex ebx, 4
        print   ' link='
        print_hex ecx, 4
        print   ' err='
        print_hex eax, 4
        print   ' eip-fault='
        print_hex edx, 8
        print   ' nt='
        print_hex esi, 1
        call    serial_newline
        mov     dword [TSS_MAIN_ADDR + 0x20], double_fault.resume
        mov     dword [TSS_MAIN_ADDR + 0x50], KDATA
        mov     eax, [saved_esp]
        mov     [TSS_MAIN_ADDR + 0x38], eax
        iretd

        SERIAL_ROUTINES
        PM_ROUTINES

        align   8
gdt:
        dq      0
        DESC    0, 0xfffff, A_CODE0, F_32               ; 0x08
        DESC    0, 0xfffff, A_DATA0, F_32               ; 0x10
        DESC    0, 0xfffff, A_CODE3, F_32               ; 0x18
        DESC    0, 0xfffff, A_DATA3, F_32               ; 0x20
        DESC    TSS_MAIN_ADDR, 0x2068, 0x89, 0          ; 0x28 TSS
        dq      0                                       ; 0x30 call gate (set-up)
        DESC    0, 0xfffff, 0x90, F_32                  ; 0x38 read-only data
        DESC    BUF, 0x00fff, 0x96, F_16                ; 0x40 expand-down, B = 0
        DESC    0, 0xfffff, 0x12, F_32                  ; 0x48 not present
        DESC    0, 0xfffff, 0x98, F_32                  ; 0x50 execute-only code
        DESC    BUF, 0x000ff, A_DATA0, 0x4              ; 0x58 256 bytes, B = 1
        DESC    LDT_ADDR, 0x17, 0xe2, 0                 ; 0x60 LDT, DPL 3
        DESC    TSS_DF_ADDR, 0x67, 0x89, 0              ; 0x68 TSS of #DF
        DESC    TSS_T2_ADDR, 0x67, 0xe9, 0              ; 0x70 TSS 2, DPL 3
        dw      0, TSS_T2, 0x8500, 0                    ; 0x78 task gate to 0x70
        dq      0                                       ; 0x80 call gate (set-up)
        DESC    BUF + 0x1000, 0xffffe, 0x96, F_32       ; 0x88 expand-down, B = 1
        DESC    0, 0xfffff, 0x9e, F_32                  ; 0x90 conforming code
        dq      0                                       ; 0x98
        DESC    0, 0xfffff, A_CODE0, F_32               ; 0xA0 SYSENTER
        DESC    0, 0xfffff, A_DATA0, F_32               ; 0xA8
        DESC    0, 0xfffff, A_CODE3, F_32               ; 0xB0 SYSEXIT
        DESC    0, 0xfffff, A_DATA3, F_32               ; 0xB8
gdt_end:
gdtr:   dw      gdt_end - gdt - 1
        dd      gdt
tr_sel: dw      TSS_MAIN
ldt_sel: dw     LDT_SEL
saved_esp: dd   0
t2_mode: dd     0
        PM_DATA
