; SPDX-License-Identifier: GPL-3.0-or-later
; pm_user_paging.asm — paging and alignment checks seen from CPL 3, for
; tests/soft-pm.sh: a flat binary for `morpheus run --load 0x100000`. It
; loads a GDT, an IDT (PM_R0_ROUTINES: each exception prints " #VV
; err=EEEE eip=XXXXXXXX", with " cr2=XXXXXXXX" for #PF, and resumes at
; CPL 0) and a TSS, and goes to CPL 3 with IRET for each case (IOPL 3:
; CPL 3 prints); a case that does not fault ends with INT 0x80 (a DPL-3
; gate), which prints " ok" and resumes at CPL 0.
;  - #AC (SDM vol. 3 6.15, "Interrupt 17"): CR0.AM = 1 and EFLAGS.AC = 1
;    at CPL 3: misaligned words, dwords, a push, MOVSD, CMPXCHG8B (a
;    quadword: 8), AC set by POPF; not at CPL 0, not with AC = 0 or
;    AM = 0, not for aligned or byte accesses;
;  - 32-bit paging (SDM vol. 3 4.6, 4.7): the user/supervisor and
;    read/write rights of the PDE and the PTE combined, CR0.WP = 0 and 1
;    (a user write to a read-only page faults either way; a supervisor
;    write only with WP = 1), not-present pages, an instruction fetch
;    from a supervisor page (error 5: no I/D without PAE and NXE);
;  - PAE paging with EFER.NXE = 1: fetches from supervisor, NX and
;    not-present pages (I/D set: 0x15, 0x15, 0x14), a data read of an NX
;    page, a reserved bit (bit 51: RSVD, 0x0D and 0x1D), a fetch from a
;    user page that works; with NXE = 0 the XD bit is reserved (0x0D)
;    and I/D is not reported.
; The line of CMPXCHG8B at +4 found an engine bug, since fixed (see there).
; Ends with "upaging: done" and debug-exit value 0 (status 1). Under kvm
; it prints "upaging: skipped: kvm" instead of the cases.

        bits    32
        org     0x100000

KCODE   equ 0x08
KDATA   equ 0x10
UCODE   equ 0x18
UDATA   equ 0x20
TSS_SEL equ 0x28

TSS_ADDR equ 0x30a000
STACK0  equ 0x90000
STACK_R0 equ 0x88000            ; ESP0
STACK3  equ 0x7000
BUF     equ 0x380000            ; #AC data (8-aligned)

PD      equ 0x200000            ; 32-bit paging
PT0     equ 0x201000            ; 0-4 MiB identity, user, writable
PT1     equ 0x202000            ; 4-8 MiB: the test pages
PT2     equ 0x203000            ; 8-12 MiB under a supervisor PDE
PT3     equ 0x204000            ; 12-16 MiB under a read-only PDE
PDPT    equ 0x205000            ; PAE
PAE_PD  equ 0x206000
PAE_PT0 equ 0x207000            ; 0-2 MiB identity
PAE_PT1 equ 0x208000            ; 2-4 MiB identity
PAE_PT2 equ 0x209000            ; 4-6 MiB: the test pages
PHYS_A  equ 0x300000            ; data
PHYS_B  equ 0x301000            ; data
PHYS_CODE equ 0x302000          ; "int 0x80"
PHYS_C  equ 0x303000            ; data

P       equ 1
RW      equ 2
US      equ 4

TPAGE   equ 0x400000            ; the test pages: 32-bit paging (PT1)
T_SUP   equ TPAGE               ; supervisor, writable
T_RO    equ TPAGE + 0x1000      ; user, read-only
T_NP    equ TPAGE + 0x2000      ; not present
T_SCODE equ TPAGE + 0x3000      ; supervisor, code
T_USER  equ TPAGE + 0x4000      ; user, writable
T_PDE_S equ 0x800000            ; user PTE under a supervisor PDE
T_PDE_RO equ 0xc00000           ; writable PTE under a read-only PDE
X_SUP   equ TPAGE               ; PAE (PAE_PT2): supervisor, code
X_NX    equ TPAGE + 0x1000      ; user, writable, XD, code
X_NP    equ TPAGE + 0x2000      ; not present
X_RSVD  equ TPAGE + 0x3000      ; user, bit 51 set
X_USER  equ TPAGE + 0x4000      ; user, code

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
        println 'upaging: start'
        SKIP_IF_KVM 'upaging: skipped: kvm', done
        call    setup
        call    ac_tests
        call    tables
        call    paging32
        call    paging_pae
done:   println 'upaging: done'
        debug_exit 0

setup:
        mov     edi, TSS_ADDR
        mov     ecx, 0x68 / 4
        xor     eax, eax
        rep stosd
        mov     dword [TSS_ADDR + 4], STACK_R0
        mov     dword [TSS_ADDR + 8], KDATA
        mov     word [TSS_ADDR + 0x66], 0x68
        mov     ax, TSS_SEL
        ltr     ax
        mov     bx, KCODE
        call    pm_idt_init_r0
        mov     edi, IDT_ADDR + 0x80 * 8
        mov     eax, int80_handler
        mov     cx, G_INT32_U << 8
        call    make_gate
        ret

; INT 0x80 from CPL 3: the case did not fault
int80_handler:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        println ' ok'
        mov     esp, [resume_esp]
        jmp     [resume]

; U3CASE 'name', EFLAGS, {instruction}, ...: the instructions at CPL 3
; (DS = ES = UDATA | 3) with those EFLAGS, then INT 0x80
%macro U3CASE 3-*
        RBEGIN  %1
        TO_RING3 %%cpl3, %2
%%cpl3: mov     ax, UDATA | 3
        mov     ds, ax
        mov     es, ax
  %rep %0 - 2
        %3
    %rotate 1
  %endrep
        int     0x80
        END_OK
%endmacro

; K0CASE 'name', {instruction}, ...: the instructions at CPL 0
%macro K0CASE 2-*
        RBEGIN  %1
  %rep %0 - 1
        %2
    %rotate 1
  %endrep
        END_OK
%endmacro

%macro set_cr0 1
        mov     eax, cr0
        or      eax, %1
        mov     cr0, eax
%endmacro
%macro clear_cr0 1
        mov     eax, cr0
        and     eax, ~(%1)
        mov     cr0, eax
%endmacro

CR0_AM  equ 1 << 18
CR0_WP  equ 1 << 16
CR0_PG  equ 1 << 31
FL_AC   equ 1 << 18

; ---- #AC, paging off ----
AC3     equ 0x43002                     ; AC, IOPL 3
NOAC3   equ 0x3002
ac_tests:
        set_cr0 CR0_AM
        U3CASE  'ac: cpl3 dword read at +1:', AC3, {mov eax, [BUF + 1]}
        U3CASE  'ac: cpl3 dword read at +4:', AC3, {mov eax, [BUF + 4]}
        U3CASE  'ac: cpl3 word read at +1:', AC3, {mov ax, [BUF + 1]}
        U3CASE  'ac: cpl3 word read at +2:', AC3, {mov ax, [BUF + 2]}
        U3CASE  'ac: cpl3 byte read at +1:', AC3, {mov al, [BUF + 1]}
        U3CASE  'ac: cpl3 dword write at +2:', AC3, {mov [BUF + 2], eax}
        U3CASE  'ac: cpl3 push at esp+2:', AC3, {sub esp, 2}, {push eax}
        U3CASE  'ac: cpl3 movsd from +1:', AC3, {mov esi, BUF + 1}, {mov edi, BUF + 0x100}, movsd
        ; a quadword's alignment is 8 (SDM vol. 3 Table 6-7): #AC(0) at +4
        ; (h_cmpxchg8b checks it: its two 4-byte loads are aligned)
        U3CASE  'ac: cpl3 cmpxchg8b at +4:', AC3, {mov esi, BUF + 4}, {cmpxchg8b [esi]}
        U3CASE  'ac: cpl3 cmpxchg8b at +8:', AC3, {mov esi, BUF + 8}, {cmpxchg8b [esi]}
        U3CASE  'ac: cpl3 ac=0 dword read at +1:', NOAC3, {mov eax, [BUF + 1]}
        U3CASE  'ac: cpl3 popfd sets ac, dword read at +1:', NOAC3, pushfd, {or dword [esp], FL_AC}, popfd, {mov eax, [BUF + 1]}
        RBEGIN  'ac: cpl0 ac=1 dword read at +1:'
        pushfd
        or      dword [esp], FL_AC
        popfd
        mov     eax, [BUF + 1]
        pushfd
        and     dword [esp], ~FL_AC
        popfd
        END_OK
        clear_cr0 CR0_AM
        U3CASE  'ac: cpl3 am=0 dword read at +1:', AC3, {mov eax, [BUF + 1]}
        ret

; ---- page tables ----
tables:
        mov     edi, PD
        mov     ecx, (PAE_PT2 + 0x1000 - PD) / 4
        xor     eax, eax
        rep stosd
        ; 32-bit: 0-4 MiB identity
        mov     edi, PT0
        mov     eax, P | RW | US
        mov     ecx, 1024
.id32:  stosd
        add     eax, 0x1000
        loop    .id32
        mov     dword [PD], PT0 | P | RW | US
        mov     dword [PD + 4], PT1 | P | RW | US
        mov     dword [PD + 8], PT2 | P | RW            ; supervisor
        mov     dword [PD + 12], PT3 | P | US           ; read-only
        mov     dword [PT1 + 0 * 4], PHYS_A | P | RW    ; T_SUP
        mov     dword [PT1 + 1 * 4], PHYS_B | P | US    ; T_RO
        mov     dword [PT1 + 3 * 4], PHYS_CODE | P | RW ; T_SCODE
        mov     dword [PT1 + 4 * 4], PHYS_C | P | RW | US ; T_USER
        mov     dword [PT2], PHYS_A | P | RW | US       ; T_PDE_S
        mov     dword [PT3], PHYS_C | P | RW | US       ; T_PDE_RO
        ; PAE: 0-4 MiB identity
        mov     edi, PAE_PT0
        mov     eax, P | RW | US
        mov     ecx, 1024
.idpae: mov     [edi], eax
        add     edi, 8
        add     eax, 0x1000
        loop    .idpae
        mov     dword [PDPT], PAE_PD | P
        mov     dword [PAE_PD], PAE_PT0 | P | RW | US
        mov     dword [PAE_PD + 8], PAE_PT1 | P | RW | US
        mov     dword [PAE_PD + 16], PAE_PT2 | P | RW | US
        mov     dword [PAE_PT2 + 0 * 8], PHYS_CODE | P | RW     ; X_SUP
        mov     dword [PAE_PT2 + 1 * 8], PHYS_CODE | P | RW | US ; X_NX
        mov     dword [PAE_PT2 + 1 * 8 + 4], 0x80000000
        mov     dword [PAE_PT2 + 3 * 8], PHYS_CODE | P | RW | US ; X_RSVD
        mov     dword [PAE_PT2 + 3 * 8 + 4], 1 << (51 - 32)
        mov     dword [PAE_PT2 + 4 * 8], PHYS_CODE | P | RW | US ; X_USER
        ; the code page: INT 0x80
        mov     word [PHYS_CODE], 0x80cd
        mov     dword [PHYS_A], 0xaaaaaaaa
        mov     dword [PHYS_B], 0xbbbbbbbb
        mov     dword [PHYS_C], 0xcccccccc
        ret

; ---- 32-bit paging ----
paging32:
        mov     eax, PD
        mov     cr3, eax
        set_cr0 CR0_PG
        U3CASE  'pg: cpl3 read user page:', NOAC3, {mov eax, [T_USER]}
        U3CASE  'pg: cpl3 read supervisor page:', NOAC3, {mov eax, [T_SUP]}
        U3CASE  'pg: cpl3 write supervisor page:', NOAC3, {mov [T_SUP], eax}
        U3CASE  'pg: cpl3 read read-only page:', NOAC3, {mov eax, [T_RO]}
        U3CASE  'pg: cpl3 write read-only page (wp=0):', NOAC3, {mov [T_RO], eax}
        K0CASE  'pg: cpl0 write read-only page (wp=0):', {mov [T_RO], eax}
        U3CASE  'pg: cpl3 read not-present page:', NOAC3, {mov eax, [T_NP]}
        U3CASE  'pg: cpl3 write not-present page:', NOAC3, {mov [T_NP], eax}
        U3CASE  'pg: cpl3 fetch supervisor page:', NOAC3, {mov eax, T_SCODE}, {jmp eax}
        K0CASE  'pg: cpl0 read supervisor page:', {mov eax, [T_SUP]}
        U3CASE  'pg: cpl3 read, user pte under a supervisor pde:', NOAC3, {mov eax, [T_PDE_S]}
        U3CASE  'pg: cpl3 read, writable pte under a read-only pde:', NOAC3, {mov eax, [T_PDE_RO]}
        U3CASE  'pg: cpl3 write, writable pte under a read-only pde:', NOAC3, {mov [T_PDE_RO], eax}
        K0CASE  'pg: cpl0 write, writable pte under a read-only pde (wp=0):', {mov [T_PDE_RO], eax}
        set_cr0 CR0_WP
        U3CASE  'pg: cpl3 write read-only page (wp=1):', NOAC3, {mov [T_RO], eax}
        K0CASE  'pg: cpl0 write read-only page (wp=1):', {mov [T_RO], eax}
        K0CASE  'pg: cpl0 write, writable pte under a read-only pde (wp=1):', {mov [T_PDE_RO], eax}
        U3CASE  'pg: cpl3 rep stosd from a user page into a not-present one:', NOAC3, {mov edi, T_USER + 0xff8}, {mov ecx, 4}, {rep stosd}
        clear_cr0 CR0_WP | CR0_PG
        ret

; ---- PAE paging ----
EFER    equ 0xc0000080
EFER_NXE equ 1 << 11

paging_pae:
        mov     eax, cr4
        or      eax, 1 << 5                     ; PAE
        mov     cr4, eax
        mov     ecx, EFER
        rdmsr
        or      eax, EFER_NXE
        wrmsr
        mov     eax, PDPT
        mov     cr3, eax
        set_cr0 CR0_PG
        U3CASE  'pae nxe=1: cpl3 read supervisor page:', NOAC3, {mov eax, [X_SUP]}
        U3CASE  'pae nxe=1: cpl3 fetch supervisor page:', NOAC3, {mov eax, X_SUP}, {jmp eax}
        U3CASE  'pae nxe=1: cpl3 read nx page:', NOAC3, {mov eax, [X_NX]}
        U3CASE  'pae nxe=1: cpl3 fetch nx page:', NOAC3, {mov eax, X_NX}, {jmp eax}
        K0CASE  'pae nxe=1: cpl0 fetch nx page:', {mov eax, X_NX}, {call eax}
        U3CASE  'pae nxe=1: cpl3 read not-present page:', NOAC3, {mov eax, [X_NP]}
        U3CASE  'pae nxe=1: cpl3 fetch not-present page:', NOAC3, {mov eax, X_NP}, {jmp eax}
        U3CASE  'pae nxe=1: cpl3 read, bit 51 set:', NOAC3, {mov eax, [X_RSVD]}
        U3CASE  'pae nxe=1: cpl3 fetch, bit 51 set:', NOAC3, {mov eax, X_RSVD}, {jmp eax}
        U3CASE  'pae nxe=1: cpl3 fetch user page (int 0x80 there):', NOAC3, {mov eax, X_USER}, {jmp eax}
        mov     ecx, EFER
        rdmsr
        and     eax, ~EFER_NXE
        wrmsr
        U3CASE  'pae nxe=0: cpl3 fetch supervisor page:', NOAC3, {mov eax, X_SUP}, {jmp eax}
        U3CASE  'pae nxe=0: cpl3 read, xd set (reserved):', NOAC3, {mov eax, [X_NX]}
        U3CASE  'pae nxe=0: cpl3 fetch, xd set (reserved):', NOAC3, {mov eax, X_NX}, {jmp eax}
        clear_cr0 CR0_PG
        mov     eax, cr4
        and     eax, ~(1 << 5)
        mov     cr4, eax
        ret

        SERIAL_ROUTINES
        PM_ROUTINES
        PM_R0_ROUTINES

        align   8
gdt:
        dq      0
        DESC    0, 0xfffff, A_CODE0, F_32               ; 0x08
        DESC    0, 0xfffff, A_DATA0, F_32               ; 0x10
        DESC    0, 0xfffff, A_CODE3, F_32               ; 0x18
        DESC    0, 0xfffff, A_DATA3, F_32               ; 0x20
        DESC    TSS_ADDR, 0x67, 0x89, 0                 ; 0x28
gdt_end:
gdtr:   dw      gdt_end - gdt - 1
        dd      gdt
        PM_DATA
