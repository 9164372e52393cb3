; SPDX-License-Identifier: GPL-3.0-or-later
; smc.asm — self-modifying code in 32-bit flat protected mode, for
; tests/soft-guests.sh: a flat binary for `morpheus run --load 0x100000`.
; Stores into the very next instruction, into the loop body that is
; running, into a routine that ran (and was translated) before, a patched
; branch displacement, a store spanning two instructions, code copied with
; REP MOVSB / STOSB into a buffer and called, then replaced and called
; again, data stores next to code that must not disturb it, and a CALL
; whose return-address push lands in the routine it calls. A P6
; executes the modified bytes at once (Intel SDM vol. 3, "Self-Modifying
; Code": a write to a prefetched instruction invalidates the prefetch
; queue), so each result is exact. Each family prints one line (isa.inc's
; REPORT); ends with "smc: done" and debug-exit value 0 (status 1).

        bits    32
        org     0x100000

        %include "isa.inc"

BUFFER          equ 0x200000        ; code copied here (RAM above the image)

start:
        cli
        cld
        mov     esp, 0x7c00
        call    serial_init
        call    isa_init
        println 'smc: start'
        FAMILY  fam_next, 'smc-next-insn', M_ALL
        FAMILY  fam_loop, 'smc-running-loop', M_ALL
        FAMILY  fam_old, 'smc-old-block', M_ALL
        FAMILY  fam_copy, 'smc-rep-movs', M_ALL
        FAMILY  fam_push, 'smc-call-push', M_ALL
        println 'smc: done'
        debug_exit 0

; Stores into the next instruction, in straight-line code and in a loop.
fam_next:
        mov     byte [.imm1 + 1], 0x42
.imm1:  mov     al, 0x00            ; B0 ib: must load 0x42
        LOG     eax
        mov     dword [.imm2 + 1], 0x12345678
.imm2:  mov     edx, 0              ; BA id
        LOG     edx
        ; a dword store covering the end of one instruction and the start
        ; of the next: "mov cl, 1; inc ecx" becomes "mov cl, 0x90; nop; nop;
        ; nop" (B1 90 90 90 90)
        xor     ecx, ecx
        mov     dword [.span + 1], 0x90909090
.span:  mov     cl, 1
        inc     ecx
        nop
        nop
        LOG     ecx
        ; the next instruction patched with the loop counter
        mov     ecx, 6
        xor     ebx, ebx
.again: mov     [.imm3 + 2], cl
.imm3:  add     ebx, byte 0         ; 83 C3 ib
        dec     ecx
        jnz     .again
        LOG     ebx                 ; 6+5+4+3+2+1 = 21
        ; a branch displacement patched: JMP short to the second target
        mov     byte [.jmp + 1], .second - (.jmp + 2)
.jmp:   jmp     short .first
.first: mov     esi, 1
        jmp     .joined
.second:
        mov     esi, 2
.joined:
        LOG     esi
        ret

; Stores into the loop body that is running: each pass changes the
; immediate of an instruction earlier in the same body, and an opcode.
fam_loop:
        xor     eax, eax
        mov     ecx, 5
        mov     byte [.body + 2], 1
.body:  add     eax, byte 1         ; 83 C0 ib: 1, 2, 3, 4, 5
        inc     byte [.body + 2]
        dec     ecx
        jnz     .body
        LOG     eax                 ; 15
        ; an opcode flipped on every pass: ADD (01 D0) <-> SUB (29 D0)
        mov     byte [.op], 0x01
        mov     eax, 100
        mov     edx, 7
        mov     ecx, 6
.loop2: xor     byte [.op], 0x01 ^ 0x29
.op:    add     eax, edx
        dec     ecx
        jnz     .loop2
        LOG     eax                 ; 100 - 7 + 7 - 7 + 7 - 7 + 7 = 100
        ; a longer run: the body rewrites itself 40 times
        mov     ecx, 40
        xor     eax, eax
.loop3: mov     [.imm + 1], ecx
.imm:   mov     edx, 0
        add     eax, edx
        dec     ecx
        jnz     .loop3
        LOG     eax                 ; 40 * 41 / 2 = 820
        ret

; Stores into a routine that ran before (it has been translated).
fam_old:
        mov     byte [old_routine + 2], 3
        xor     ebx, ebx
        mov     ecx, 4
.warm:  call    old_routine         ; run it a few times: hot and chained
        dec     ecx
        jnz     .warm
        LOG     ebx                 ; 4 * 3 = 12
        mov     byte [old_routine + 2], 50
        call    old_routine
        LOG     ebx                 ; 62
        ; a store next to the routine (same page, not into it) changes
        ; nothing
        mov     dword [old_data], 0xdeadbeef
        call    old_routine
        LOG     ebx                 ; 112
        mov     eax, [old_data]
        LOG     eax
        ; the routine's opcode replaced: INC EBX; RET (43 C3)
        mov     word [old_routine], 0xc343
        call    old_routine
        LOG     ebx                 ; 113
        mov     dword [old_routine], 0x9003c383      ; restore "add ebx, 3"
        mov     byte [old_routine + 3], 0xc3
        call    old_routine
        LOG     ebx                 ; 116
        ret

; REP MOVSB copies code into a buffer, which is called; another routine is
; copied over it and called; REP STOSB then patches it.
fam_copy:
        mov     esi, template_a
        mov     edi, BUFFER
        mov     ecx, template_a_end - template_a
        rep movsb
        mov     eax, 5
        call    BUFFER
        LOG     eax                 ; 5 * 3 + 1 = 16
        mov     esi, template_b
        mov     edi, BUFFER
        mov     ecx, template_b_end - template_b
        rep movsb
        mov     eax, 5
        call    BUFFER
        LOG     eax                 ; (5 - 1) << 4 = 64
        ; overwrite template B's SHL with NOPs: the result is 5 - 1
        mov     edi, BUFFER + (template_b.shl - template_b)
        mov     al, 0x90
        mov     ecx, 3
        rep stosb
        mov     eax, 5
        call    BUFFER
        LOG     eax                 ; 4
        ; a copy backwards (DF = 1) of template A, run from the buffer's
        ; second half
        std
        mov     esi, template_a_end - 1
        mov     edi, BUFFER + 0x800 + (template_a_end - template_a) - 1
        mov     ecx, template_a_end - template_a
        rep movsb
        cld
        mov     eax, 7
        call    BUFFER + 0x800
        LOG     eax                 ; 22
        ret

; A CALL whose push writes into the routine it calls: the store is the
; last thing the caller's block does before it jumps, and the routine must
; run with the new bytes (its old translation is compiled next to the
; caller under --jit eager).
fam_push:
        mov     ebp, esp
        mov     ecx, 3
.warm:  call    push_routine        ; translated as it is: EAX = 0
        dec     ecx
        jnz     .warm
        LOG     eax                 ; 0
        mov     esp, push_routine + 5   ; the push writes push_routine + 1..4
        call    push_routine        ; now "mov eax, .ret"; RET pops .ret
.ret:   mov     esp, ebp
        LOG     eax                 ; the address of .ret
        mov     dword [push_routine + 1], 0     ; restore "mov eax, 0"
        call    push_routine
        LOG     eax                 ; 0
        ret

template_a:
        lea     eax, [eax + eax * 2 + 1]
        ret
template_a_end:
template_b:
        dec     eax
.shl:   shl     eax, 4              ; C1 E0 04: three bytes
        ret
template_b_end:

        align   16
old_routine:
        add     ebx, byte 3         ; 83 C3 ib
        ret
        align   4
old_data:       dd 0

        align   16
push_routine:
        mov     eax, 0              ; B8 id
        ret

        SERIAL_ROUTINES
        ISA_ROUTINES
        ISA_DATA
