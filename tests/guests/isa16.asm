; SPDX-License-Identifier: GPL-3.0-or-later
; isa16.asm — the integer instruction set in 16-bit real mode, for
; tests/soft-guests.sh: a flat binary for `morpheus run --load 0x7c00`
; (CS:IP = 07C0:0000, DS = ES = SS = CS, SP = 0xfffe). It runs the shared
; families of isa_families.inc (ALU, shifts, multiply and divide, bit ops,
; BCD, stack, string-free moves...) with 16-bit defaults, then the
; real-mode ones: far CALL/RET through aliased segments, INT n / INT3 /
; INTO / IRET through the IVT, #DE and #UD (and #GP for an instruction
; longer than 15 bytes) through the IVT with the faulting IP checked, and
; segment overrides. Each family prints one line (isa.inc's REPORT); the
; run ends with "isa16: done" and debug-exit value 0 (status 1). Under the
; kvm engine it skips what kvm's instruction emulator cannot execute (it
; says so on the family's line). It does not use the BIOS or hardware
; interrupts; the image and the stack share the one 64 KiB segment.

        bits    16
        org     0

        %include "isa.inc"
        %include "isa_families.inc"

LOAD_SEG        equ 0x07c0          ; where --load 0x7c00 puts us
ALIAS_DELTA     equ 0x10            ; the code seen through CS - 0x10
OTHER_SEG       equ 0x3000          ; a data segment of our own (linear 0x30000)
VEC_INT         equ 0x41            ; our software interrupt (below 0x80: see fam_int)

start:
        cli
        cld
        mov     ax, cs
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0xfffe
        call    serial_init
        mov     ax, cs
        cmp     ax, LOAD_SEG
        je      .loaded
        println 'isa16: not loaded at 0x7c00 (CS must be 07C0)'
        debug_exit 0x7f
.loaded:
        call    isa_init
        println 'isa16: start'

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
        FAMILY  fam_segs, 'segment-override', M_NONE
        FAMILY  fam_int, 'int-iret', M_ALL
        FAMILY  fam_de, 'fault-de', M_NONE
        KVM_SKIP 'fault-ud: skipped: kvm stops at an invalid opcode at CPL 0', .no_ud
        FAMILY  fam_ud, 'fault-ud', M_NONE
.no_ud:
        FAMILY  fam_io, 'in-out', M_NONE
        FAMILY  fam_cpuid, 'cpuid', M_NONE

        println 'isa16: done'
        debug_exit 0

        ISA_FAMILIES

; ---- far CALL/RET in real mode -------------------------------------------

fam_far:
        MOVP    esi, sp
        ; direct far call to our own segment; RETF
        call    LOAD_SEG:far_plain
        LOG     eax
        ; indirect far call (m16:16) into the alias segment CS - 0x10,
        ; where the same code is at IP + 0x100; RETF imm
        mov     word [far_ptr], far_alias + ALIAS_DELTA * 16
        mov     word [far_ptr + 2], LOAD_SEG - ALIAS_DELTA
        push    word 0x1111
        push    word 0x2222
        call    far [far_ptr]
        LOG     eax
        LOG     ebx
        ; 32-bit operand size: m16:32 pointer, CS and EIP pushed as dwords,
        ; O32 RETF
        mov     dword [far_ptr], far_o32
        mov     word [far_ptr + 4], LOAD_SEG
        o32 call far [far_ptr]
        LOG     eax
        ; PUSH CS + near CALL = a far call; far JMP through memory back
        push    cs
        call    far_plain
        LOG     eax
        mov     word [far_ptr], .alias + ALIAS_DELTA * 16
        mov     word [far_ptr + 2], LOAD_SEG - ALIAS_DELTA
        jmp     far [far_ptr]
.alias: ; we now run in the alias segment: come back with a direct far JMP
        mov     ax, cs
        movzx   eax, ax
        LOG     eax
        jmp     LOAD_SEG:.home
.home:  mov     ax, cs
        movzx   eax, ax
        LOG     eax
        MOVP    eax, sp
        sub     eax, esi
        LOG     eax
        ret

; far_plain: EAX = the CS:IP it was called from, as pushed.
far_plain:
        push    bp
        mov     bp, sp
        mov     eax, [bp + 2]       ; IP, CS
        pop     bp
        retf

; far_alias: runs as (LOAD_SEG - 0x10):(IP + 0x100); EAX = CS, EBX = the
; two word arguments, removed by RETF 4.
far_alias:
        mov     ax, cs
        movzx   eax, ax
        push    bp
        mov     bp, sp
        mov     ebx, [bp + 6]       ; the arguments (below them: BP, IP, CS)
        pop     bp
        retf    4

; far_o32: called with a 32-bit far pointer: EIP and CS are dwords.
far_o32:
        push    bp
        mov     bp, sp
        mov     eax, [bp + 6]       ; the CS dword
        shl     eax, 16
        mov     ax, [bp + 2]        ; the low word of EIP
        pop     bp
        o32 retf

; ---- segment overrides ---------------------------------------------------

fam_segs:
        ; a second segment whose base is 16 bytes below ours (a memory
        ; operand through it needs an offset 16 higher)
        mov     ax, cs
        dec     ax
        mov     fs, ax
        mov     ax, OTHER_SEG
        mov     gs, ax
        mov     dword [gs:0x100], 0xa1b2c3d4
        mov     eax, [fs:scratch + 16]
        LOG     eax
        mov     eax, [gs:0x100]
        LOG     eax
        mov     bx, xlat_table + 16
        mov     al, 3
        fs xlatb
        LOG     eax
        ; BP-based addresses use SS, others DS; an override wins
        mov     ax, OTHER_SEG
        mov     ss, ax              ; (no interrupts are enabled)
        mov     bp, 0x100
        mov     eax, [bp]
        mov     bx, ds
        mov     ss, bx
        LOG     eax
        mov     bp, scratch
        mov     eax, [ds:bp + 4]
        LOG     eax
        mov     word [cs:scratch + 50], 0x5150
        push    word [gs:0x102]
        pop     word [scratch + 52]
        ; a 32-bit address in real mode (offsets below 64 KiB)
        mov     ebx, scratch
        mov     ecx, 2
        mov     eax, [ebx + ecx * 4]
        LOG     eax
        mov     ax, cs
        mov     fs, ax
        mov     gs, ax
        ret

; ---- INT n / INT3 / INTO / IRET ------------------------------------------
; The vector is below 0x80: on the development machines, kvm (kvm_pvm)
; never delivers a real-mode INT n with n >= 0x80 (tried 0x80, 0x81: the
; guest hangs; 0x21, 0x41, 0x7f work).

fam_int:
        push    es
        xor     ax, ax
        mov     es, ax
        mov     word [es:VEC_INT * 4], int_handler
        mov     word [es:VEC_INT * 4 + 2], cs
        mov     word [es:3 * 4], int3_handler
        mov     word [es:3 * 4 + 2], cs
        mov     word [es:4 * 4], int3_handler
        mov     word [es:4 * 4 + 2], cs
        pop     es
        MOVP    esi, sp
        mov     eax, 0x00005555
        SETF    0x8d6               ; CF clear: the handler sets it
.int:   int     VEC_INT
.after_int:
        LOGFV   M_ALL, eax          ; AX from the handler, its flags
        LOG     edx                 ; the IP the handler saw
        int3
.after_int3:
        LOG     edx
        SETF    0x002               ; OF clear: INTO does nothing
        into
        LOG     edx
        SETF    0x802               ; OF set: INTO is INT 4
        into
.after_into:
        LOG     edx
        MOVP    eax, sp
        sub     eax, esi
        LOG     eax
        ret

; int_handler: logs its frame (IP, CS, FLAGS masked), sets CF in the saved
; FLAGS, returns AX = 0x1234 and EDX = the saved IP minus .after_int.
int_handler:
        push    bp
        mov     bp, sp
        pushf
        pop     ax
        and     ax, F_IF | F_TF     ; cleared by INT
        movzx   eax, ax
        LOG     eax
        movzx   edx, word [bp + 2]
        sub     dx, fam_int.after_int
        mov     eax, [bp + 4]       ; CS, FLAGS
        and     eax, 0x0fd5ffff
        LOG     eax
        or      word [bp + 6], F_CF
        mov     ax, 0x1234
        pop     bp
        iret

; int3_handler: EDX = the saved IP (for INT3 and INTO).
int3_handler:
        push    bp
        mov     bp, sp
        movzx   edx, word [bp + 2]
        pop     bp
        iret

; ---- faults through the IVT ----------------------------------------------

; SET_VECTOR v, handler
%macro SET_VECTOR 2
        push    es
        push    word 0
        pop     es
        mov     word [es:(%1) * 4], %2
        mov     word [es:(%1) * 4 + 2], cs
        pop     es
%endmacro

; FAULT insn...: insn must fault; the handler logs the pushed IP minus the
; address of insn (0: the IP of the faulting instruction) and resumes after
; insn; then the vector is logged (0xff: no fault).
%macro FAULT 1+
        mov     word [fault_ip], %%insn
        mov     word [fault_skip], %%end - %%insn
        mov     dword [fault_vector], 0xff
%%insn: %1
%%end:  push    eax
        mov     eax, [fault_vector]
        LOG     eax
        pop     eax
%endmacro

fam_de:
        SET_VECTOR 0, fault_vec0
        mov     eax, 0x12345678
        mov     edx, 0x9abcdef0
        xor     ebx, ebx
        FAULT   div bl
        LOG     eax                 ; unchanged by the fault
        FAULT   div bx
        FAULT   div ebx
        mov     ax, 0x8000
        mov     bl, 0xff            ; -32768 / -1: the quotient overflows
        FAULT   idiv bl
        mov     edx, 0x00000001
        mov     ebx, 1
        FAULT   div ebx          ; a quotient wider than 32 bits
        mov     dword [scratch + 60], 0
        FAULT   div dword [scratch + 60]
        FAULT   aam 0
        LOG     eax
        LOG     edx
        ret

fam_ud:
        SET_VECTOR 6, fault_vec6
        SET_VECTOR 13, fault_vec13
        FAULT   ud2
        FAULT   db 0x8e, 0xc8            ; mov cs, ax
        FAULT   db 0xf0, 0x90            ; lock nop
        FAULT   db 0xf0, 0x01, 0xd8      ; lock add ax, bx
        FAULT   db 0x8d, 0xc0            ; lea ax, ax
        FAULT   db 0x63, 0xc0            ; arpl: not in real mode
        FAULT   db 0x0f, 0xff, 0xc0      ; UD0
        FAULT   db 0x0f, 0xc7, 0xc8      ; cmpxchg8b with a register
        FAULT   db 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90
        ; (ES prefixes and a NOP, 16 bytes: #GP, SDM vol. 2 section 2.3.11)
        ret

; fault_vecN: common entry with the vector number.
fault_vec0:
        mov     dword [fault_vector], 0
        jmp     fault_common
fault_vec6:
        mov     dword [fault_vector], 6
        jmp     fault_common
fault_vec13:
        mov     dword [fault_vector], 13
fault_common:
        push    bp
        mov     bp, sp
        push    eax
        movzx   eax, word [bp + 2]
        sub     ax, [fault_ip]
        LOG     eax
        mov     ax, [fault_skip]
        add     [bp + 2], ax
        pop     eax
        pop     bp
        iret

        SERIAL_ROUTINES
        ISA_ROUTINES
        ISA_DATA
        align   4
far_ptr:        dd 0, 0
fault_ip:       dw 0
fault_skip:     dw 0
fault_vector:   dd 0
