; SPDX-License-Identifier: GPL-3.0-or-later
; paging.asm — paging at CPL 0, for tests/soft-paging.sh: a Multiboot v1
; kernel (32-bit protected mode, flat) that builds its own page tables and
; prints, for each case, what it read and every page fault it took (error
; code, CR2, the faulting EIP, the fault count). Its #PF handler repairs
; the mapping the case names and returns to the faulting instruction.
;   t1  a read of a not-present page (error 0), mapped by the handler
;   t2  a write to a read-only page: allowed with CR0.WP = 0, #PF (error 3)
;       with WP = 1
;   t3  the Accessed and Dirty bits of the PDE and the PTE
;   t4  a 4 MiB page (CR4.PSE) aliasing physical memory, its A/D bits
;   t5  a 4 MiB PDE with reserved bit 21 (error 9: P | RSVD)
;   t6  CR4.PGE: after a CR3 load, a global page keeps its TLB entry while
;       a non-global one is walked again; INVLPG drops the global one
;   t7  the same linear code page mapped to different code in two address
;       spaces, called alternately (translated code is keyed by physical
;       address; jumps between blocks must not follow a stale mapping)
;   t8  self-modifying code through an alias mapping
;   t9  REP MOVSB into a not-present page: the fault leaves ECX/ESI/EDI at
;       the element that faulted, and the copy resumes after the handler
;       maps the page
;   t10 PAE with EFER.NXE: an instruction fetch from an NX page (error 0x11),
;       a data read of it (no fault), a PTE with reserved bit 62 (error 9)
;   t11 a #PF whose delivery faults (the stack is not present): a double
;       fault, taken through a task gate onto its own stack, which reports
;       CR2 (the push that faulted) and the error code 0
; Ends with "paging: done" (printed by t11's double-fault task) and
; debug-exit value 0; an unexpected exception prints its vector and ends
; with value 3.

        bits    32
        org     0x100000

        %include "serial.inc"
        %include "mb32.inc"

PD              equ 0x200000        ; 32-bit paging: address space A
PT0             equ 0x201000        ; 0-4 MiB identity
PT1             equ 0x202000        ; 4-8 MiB: the test pages of A
PD_B            equ 0x203000        ; address space B: A but PT1_B
PT1_B           equ 0x204000
PDPT            equ 0x205000        ; PAE
PAE_PD          equ 0x206000
PAE_PT0         equ 0x207000        ; 0-2 MiB identity
PAE_PT1         equ 0x208000        ; 2-4 MiB identity
PAE_PT2         equ 0x209000        ; 4-6 MiB: test pages
PHYS_A          equ 0x300000        ; physical test pages
PHYS_B          equ 0x301000
PHYS_C          equ 0x302000
PHYS_D          equ 0x303000
PHYS_E          equ 0x304000
PHYS_F          equ 0x305000
PHYS_G          equ 0x306000
TPAGE            equ 0x400000        ; linear test pages (PT1 / PAE_PT2)

P               equ 1
RW              equ 2
PS              equ 0x80
G               equ 0x100
A_D             equ 0x60

        section .text
        MB32_HEADER
        MB32_START 'paging: start'
        mov     eax, pf_handler
        mov     ebx, 14
        call    mb32_set_gate
        call    fill_pages
        call    tables_32
        mov     eax, PD
        mov     cr3, eax
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        println 'paging: on'
        call    t1
        call    t2
        call    t3
        call    t4
        call    t5
        call    t6
        call    t7
        call    t8
        call    t9
        call    t10
        call    t11
        println 'paging: no double fault'
        debug_exit 3

; ---- page fault reporting ----

; Prints the faults since the last report: "  pf n=.. err=.. cr2=.. eip=..".
report_pf:
        cmp     dword [pf_count], 0
        je      .none
        print   '  pf n='
        print_dec dword [pf_count]
        print   ' err='
        print_hex dword [pf_err], 2
        print   ' cr2='
        print_hex dword [pf_cr2], 8
        print   ' eip='
        print_hex dword [pf_eip], 8
        call    serial_newline
        mov     dword [pf_count], 0
.none:  ret

; print_val 'name', value
%macro print_val 2
        print   %1
        print_hex %2, 8
%endmacro

; ---- t1: not present ----
t1:
        mov     dword [pf_fix], fix_t1
t1_fault:
        mov     eax, [TPAGE]
        print_val 't1 read=', eax
        call    serial_newline
        call    report_pf
        cmp     dword [pf_eip], t1_fault
        je      .ok
        println 't1: wrong faulting eip'
.ok:    ret
fix_t1:
        mov     dword [PT1 + 0 * 4], PHYS_A | P | RW
        invlpg  [TPAGE]
        ret

; ---- t2: read-only page, CR0.WP ----
t2:
        mov     dword [PT1 + 1 * 4], PHYS_B | P
        invlpg  [TPAGE + 0x1000]
        mov     dword [TPAGE + 0x1000], 0x22222222   ; WP = 0: allowed
        print_val 't2 wp0 value=', dword [PHYS_B]
        call    serial_newline
        call    report_pf
        mov     eax, cr0
        or      eax, 1 << 16
        mov     cr0, eax
        mov     dword [pf_fix], fix_t2
        mov     dword [TPAGE + 0x1000], 0x23232323   ; WP = 1: #PF
        print_val 't2 wp1 value=', dword [PHYS_B]
        call    serial_newline
        call    report_pf
        mov     eax, cr0
        and     eax, ~(1 << 16)
        mov     cr0, eax
        ret
fix_t2:
        or      dword [PT1 + 1 * 4], RW
        invlpg  [TPAGE + 0x1000]
        ret

; ---- t3: accessed and dirty ----
t3:
        and     dword [PD + 1 * 4], ~A_D
        mov     dword [PT1 + 2 * 4], PHYS_C | P | RW
        mov     eax, cr3                ; the PDE's A bit was cached too
        mov     cr3, eax
        mov     eax, [TPAGE + 0x2000]
        print_val 't3 after read: pde=', dword [PD + 1 * 4]
        print_val ' pte=', dword [PT1 + 2 * 4]
        call    serial_newline
        mov     dword [TPAGE + 0x2004], eax
        print_val 't3 after write: pte=', dword [PT1 + 2 * 4]
        call    serial_newline
        call    report_pf
        ret

; ---- t4: a 4 MiB page ----
t4:
        mov     eax, cr4
        or      eax, 1 << 4             ; PSE
        mov     cr4, eax
        mov     dword [PD + 2 * 4], 0 | PS | P | RW    ; 8 MiB -> physical 0
        mov     eax, [0x800000 + PHYS_A]
        print_val 't4 alias read=', eax
        print_val ' pde=', dword [PD + 2 * 4]
        call    serial_newline
        mov     dword [0x800000 + PHYS_D], 0x44444444
        print_val 't4 after write: phys=', dword [PHYS_D]
        print_val ' pde=', dword [PD + 2 * 4]
        call    serial_newline
        call    report_pf
        ret

; ---- t5: reserved bit in a 4 MiB PDE ----
t5:
        mov     dword [PD + 3 * 4], 0 | PS | P | RW | (1 << 21)   ; 12 MiB
        mov     dword [pf_fix], fix_t5
        mov     eax, [0xc00000 + PHYS_A]
        print_val 't5 read=', eax
        call    serial_newline
        call    report_pf
        ret
fix_t5:
        and     dword [PD + 3 * 4], ~(1 << 21)
        invlpg  [0xc00000 + PHYS_A]
        ret

; ---- t6: global pages ----
t6:
        mov     eax, cr4
        or      eax, 1 << 7             ; PGE
        mov     cr4, eax
        mov     dword [PT1 + 4 * 4], PHYS_A | P | RW | G
        mov     dword [PT1 + 5 * 4], PHYS_A | P | RW
        invlpg  [TPAGE + 0x4000]
        invlpg  [TPAGE + 0x5000]
        mov     eax, [TPAGE + 0x4000]    ; both in the TLB now
        mov     eax, [TPAGE + 0x5000]
        mov     dword [PT1 + 4 * 4], PHYS_B | P | RW | G
        mov     dword [PT1 + 5 * 4], PHYS_B | P | RW
        mov     eax, cr3
        mov     cr3, eax
        print_val 't6 after cr3: global=', dword [TPAGE + 0x4000]
        print_val ' nonglobal=', dword [TPAGE + 0x5000]
        call    serial_newline
        invlpg  [TPAGE + 0x4000]
        print_val 't6 after invlpg: global=', dword [TPAGE + 0x4000]
        call    serial_newline
        call    report_pf
        mov     eax, cr4
        and     eax, ~(1 << 7)
        mov     cr4, eax
        ret

; ---- t7: one linear code page, two address spaces ----
; PHYS_C holds "mov eax, 0xa; ret", PHYS_D "mov eax, 0xb; ret" at offset
; 0x100; TPAGE + 0x6000 maps PHYS_C in A and PHYS_D in B.
t7:
        mov     esi, code_a
        mov     edi, PHYS_C + 0x100
        mov     ecx, code_len
        rep movsb
        mov     esi, code_b
        mov     edi, PHYS_D + 0x100
        mov     ecx, code_len
        rep movsb
        mov     dword [PT1 + 6 * 4], PHYS_C | P | RW
        mov     esi, PT1                ; B = A with its own PT1
        mov     edi, PT1_B
        mov     ecx, 1024
        rep movsd
        mov     dword [PT1_B + 6 * 4], PHYS_D | P | RW
        mov     esi, PD
        mov     edi, PD_B
        mov     ecx, 1024
        rep movsd
        mov     dword [PD_B + 1 * 4], PT1_B | P | RW
        xor     ebx, ebx                ; sum in A
        xor     ebp, ebp                ; sum in B
        mov     ecx, 300
.loop:  mov     eax, PD
        mov     cr3, eax
        call    TPAGE + 0x6100
        add     ebx, eax
        mov     eax, PD_B
        mov     cr3, eax
        call    TPAGE + 0x6100
        add     ebp, eax
        dec     ecx
        jnz     .loop
        mov     eax, PD
        mov     cr3, eax
        print_val 't7 sum a=', ebx
        print_val ' b=', ebp
        call    serial_newline
        call    report_pf
        ret
code_a: mov     eax, 0xa
        ret
code_len equ $ - code_a
code_b: mov     eax, 0xb
        ret

; ---- t8: self-modifying code through an alias ----
t8:
        mov     esi, code_a
        mov     edi, PHYS_E
        mov     ecx, code_len
        rep movsb
        mov     dword [PT1 + 7 * 4], PHYS_E | P | RW   ; executed here
        mov     dword [PT1 + 8 * 4], PHYS_E | P | RW   ; written here
        xor     ebx, ebx
        mov     ecx, 100
.loop:  call    TPAGE + 0x7000           ; 0xa, then 0xc after the patch
        add     ebx, eax
        cmp     ecx, 50
        jne     .next
        mov     dword [TPAGE + 0x8000 + 1], 0xc   ; mov eax, imm32's immediate
.next:  dec     ecx
        jnz     .loop
        print_val 't8 sum=', ebx
        call    serial_newline
        call    report_pf
        ret

; ---- t9: REP MOVSB into a not-present page ----
t9:
        mov     dword [PT1 + 9 * 4], PHYS_F | P | RW
        mov     dword [PT1 + 10 * 4], 0              ; not present
        invlpg  [TPAGE + 0xa000]
        mov     dword [pf_fix], fix_t9
        mov     esi, PHYS_A
        mov     edi, TPAGE + 0x9f00
        mov     ecx, 0x200
        rep movsb
        print_val 't9 done: ecx=', ecx
        print_val ' esi=', esi
        print_val ' edi=', edi
        call    serial_newline
        print_val 't9 at fault: ecx=', dword [pf_ecx]
        print_val ' esi=', dword [pf_esi]
        print_val ' edi=', dword [pf_edi]
        call    serial_newline
        mov     esi, TPAGE + 0x9f00
        mov     ecx, 0x200
        call    checksum
        print_val 't9 copy sum=', eax
        call    serial_newline
        call    report_pf
        ret
fix_t9:
        mov     dword [PT1 + 10 * 4], PHYS_G | P | RW
        invlpg  [TPAGE + 0xa000]
        ret

; checksum: EAX = a rotate-xor sum of ECX bytes at ESI
checksum:
        xor     eax, eax
.loop:  rol     eax, 5
        xor     al, [esi]
        inc     esi
        dec     ecx
        jnz     .loop
        ret

; ---- t10: PAE and NX ----
t10:
        call    tables_pae
        mov     eax, cr0                ; paging off to turn PAE on
        and     eax, ~0x80000000
        mov     cr0, eax
        mov     eax, cr4
        or      eax, 1 << 5             ; PAE
        mov     cr4, eax
        mov     eax, PDPT
        mov     cr3, eax
        mov     ecx, 0xc0000080         ; EFER.NXE
        rdmsr
        or      eax, 1 << 11
        wrmsr
        mov     eax, cr0
        or      eax, 0x80000000
        mov     cr0, eax
        println 't10 pae on'
        mov     eax, [TPAGE]             ; a data read of the NX page
        print_val 't10 nx page read=', eax
        call    serial_newline
        mov     dword [pf_fix], fix_t10_nx
        call    TPAGE                    ; a fetch: #PF 0x11
        print_val 't10 call=', eax
        call    serial_newline
        call    report_pf
        mov     dword [pf_fix], fix_t10_rsvd
        mov     eax, [TPAGE + 0x1000]
        print_val 't10 rsvd read=', eax
        call    serial_newline
        call    report_pf
        ret
fix_t10_nx:
        and     dword [PAE_PT2 + 0 * 8 + 4], 0x7fffffff
        invlpg  [TPAGE]
        ret
fix_t10_rsvd:
        and     dword [PAE_PT2 + 1 * 8 + 4], ~(1 << 30)
        invlpg  [TPAGE + 0x1000]
        ret

; ---- t11: a double fault ----
t11:
        mov     word [tss_df + 0x1c], PDPT & 0xffff          ; CR3 (low word)
        mov     word [tss_df + 0x1e], PDPT >> 16
        mov     dword [tss_df + 0x20], df_task                ; EIP
        mov     dword [tss_df + 0x24], 2                      ; EFLAGS
        mov     dword [tss_df + 0x38], df_stack_top           ; ESP
        mov     word [tss_df + 0x48], 0x10                    ; ES
        mov     word [tss_df + 0x4c], 0x08                    ; CS
        mov     word [tss_df + 0x50], 0x10                    ; SS
        mov     word [tss_df + 0x54], 0x10                    ; DS
        mov     word [tss_df + 0x58], 0x10                    ; FS
        mov     word [tss_df + 0x5c], 0x10                    ; GS
        mov     word [tss_df + 0x66], 104                     ; no I/O bitmap
        mov     word [tss_main + 0x66], 104
        mov     ax, 0x18
        ltr     ax
        mov     dword [idt + 8 * 8], 0x20 << 16               ; a task gate to 0x20
        mov     dword [idt + 8 * 8 + 4], 0x8500
        mov     esp, TPAGE + 0x1ff000                         ; not present (PAE_PT2)
        mov     eax, [TPAGE + 0x1fe000]                       ; #PF, whose push faults
        ret

df_task:
        mov     ebx, [esp]              ; the error code
        mov     ecx, cr2
        print_val 't11 double fault: err=', ebx
        print_val ' cr2=', ecx
        call    serial_newline
        println 'paging: done'
        debug_exit 0

; ---- page tables ----

tables_32:
        mov     edi, PD
        xor     eax, eax
        mov     ecx, 1024 * 3
        rep stosd                       ; PD, PT0, PT1 cleared
        mov     dword [PD + 0 * 4], PT0 | P | RW
        mov     dword [PD + 1 * 4], PT1 | P | RW
        mov     edi, PT0
        mov     eax, P | RW
        mov     ecx, 1024
.id:    stosd
        add     eax, 0x1000
        dec     ecx
        jnz     .id
        ret

tables_pae:
        mov     edi, PDPT
        xor     eax, eax
        mov     ecx, 1024 * 5
        rep stosd                       ; PDPT, PAE_PD, PAE_PT0-2 cleared
        mov     dword [PDPT], PAE_PD | P
        mov     dword [PAE_PD + 0 * 8], PAE_PT0 | P | RW
        mov     dword [PAE_PD + 1 * 8], PAE_PT1 | P | RW
        mov     dword [PAE_PD + 2 * 8], PAE_PT2 | P | RW
        mov     edi, PAE_PT0            ; 1024 entries: 0-4 MiB identity
        mov     eax, P | RW
        mov     ecx, 1024
.id:    mov     [edi], eax
        add     edi, 8
        add     eax, 0x1000
        dec     ecx
        jnz     .id
        mov     esi, code_5             ; PHYS_E: mov eax, 5; ret
        mov     edi, PHYS_E
        mov     ecx, code_len
        rep movsb
        mov     dword [PAE_PT2 + 0 * 8], PHYS_E | P | RW
        mov     dword [PAE_PT2 + 0 * 8 + 4], 0x80000000      ; NX
        mov     dword [PAE_PT2 + 1 * 8], PHYS_A | P | RW
        mov     dword [PAE_PT2 + 1 * 8 + 4], 1 << 30         ; bit 62: reserved
        ret
code_5: mov     eax, 5
        ret

; Physical test pages: PHYS_A..PHYS_G filled with words of their own.
fill_pages:
        mov     edi, PHYS_A
        mov     eax, 0x11111111
        mov     ecx, 7
.page:  push    ecx
        mov     ecx, 1024
.word:  stosd
        add     eax, 0x01010101
        dec     ecx
        jnz     .word
        pop     ecx
        dec     ecx
        jnz     .page
        ret

; ---- exceptions ----

pf_handler:
        pushad
        mov     eax, cr2
        mov     [pf_cr2], eax
        mov     eax, [esp + 32]         ; error code
        mov     [pf_err], eax
        mov     eax, [esp + 36]         ; EIP
        mov     [pf_eip], eax
        mov     eax, [esp + 24]
        mov     [pf_ecx], eax
        mov     eax, [esp + 4]
        mov     [pf_esi], eax
        mov     eax, [esp]
        mov     [pf_edi], eax
        inc     dword [pf_count]
        cmp     dword [pf_count], 3
        ja      .loop
        call    [pf_fix]
        popad
        add     esp, 4
        iretd
.loop:  println 'paging: page fault loop'
        debug_exit 3

        MB32_EXCEPTIONS 'paging: unexpected exception '

no_fix: ret

        SERIAL_ROUTINES

        section .data
        align   8
        MB32_GDT_FLAT                   ; 0x08: code, 0x10: data, flat
        dw      103, tss_main - 0x100000, 0x8910, 0x0000   ; 0x18: the main task's TSS (base 0x10xxxx)
        dw      103, tss_df - 0x100000, 0x8910, 0x0000     ; 0x20: the double-fault task's
        MB32_DESCRIPTORS 32
pf_fix: dd      no_fix
pf_count: dd    0
pf_err: dd      0
pf_cr2: dd      0
pf_eip: dd      0
pf_ecx: dd      0
pf_esi: dd      0
pf_edi: dd      0
        align   16
tss_main: times 104 db 0
tss_df: times 104 db 0
load_end:

        section .bss
        align   8
idt:    resb    32 * 8
        resb    4096
stack_top:
        resb    4096
df_stack_top:
bss_end:
