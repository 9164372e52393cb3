; SPDX-License-Identifier: GPL-3.0-or-later
; smc_churn.asm — bench/jit-smc's guest: code that rewrites itself forever.
; A routine ("mov eax, imm32; ret") gets a new immediate, is called
; CALLS times in a loop (long enough for tier 1 to compile the loop and
; the routine), the sum is checked, and again, until morpheus's --timeout
; ends the run. Every rewrite invalidates the compiled routine, so the
; code cache and tier 1 translate, compile and release code all the time.
; It prints a line every 256 rewrites, and "smc_churn: wrong sum" (then
; debug-exit 1) if a call ever ran stale code. A flat binary for
; `morpheus run --kernel smc_churn.bin --load 0x100000` (32-bit flat
; protected mode, as the test guests); not a test itself.

        bits    32
        org     0x100000

%include "serial.inc"

CALLS           equ 10000000

start:
        cli
        mov     esp, 0x7c00
        call    serial_init
        println 'smc_churn: start'
        xor     ebx, ebx            ; the rewrite count, and the immediate
.rewrite:
        inc     ebx
        mov     [routine + 1], ebx
        mov     ecx, CALLS
        xor     edx, edx
.call:  call    routine
        add     edx, eax
        dec     ecx
        jnz     .call
        mov     eax, ebx
        imul    eax, eax, CALLS
        cmp     eax, edx
        jne     .wrong
        test    ebx, 0xff
        jnz     .rewrite
        print   'smc_churn: rewrites '
        print_hex ebx, 8
        call    serial_newline
        jmp     .rewrite
.wrong:
        println 'smc_churn: wrong sum'
        mov     al, 1
        out     DEBUG_EXIT_PORT, al

        align   16
routine:
        mov     eax, 0              ; B8 id: the immediate is rewritten
        ret

        SERIAL_ROUTINES
