; SPDX-License-Identifier: GPL-3.0-or-later
; flat16.asm — a flat 16-bit real-mode binary for `morpheus run --load 0x7c00`
; (tests/kvm-flat.sh). The flat loader starts it at CS:IP = 0x07c0:0000.
; It reports what it finds (real mode, the address it was loaded at), sums a
; small array and prints the sum, then ends through the debug-exit port with
; 0x21 (exit status 0x43 = 67). Expected output:
;   flat16: hello
;   flat16: real mode
;   flat16: loaded at 00007C00
;   flat16: sum=0x0B36
; It does not use the BIOS (there is none) or interrupts.

        bits    16
        org     0

        %include "serial.inc"

start:
        cli
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7c00          ; the stack grows down below the image
        mov     ax, cs
        mov     ds, ax
        mov     es, ax
        cld
        call    serial_init
        println 'flat16: hello'

        smsw    ax                  ; CR0 low word: PE must be clear
        test    al, 1
        jnz     .protected
        println 'flat16: real mode'
        jmp     .where
.protected:
        println 'flat16: not in real mode'

.where: ; linear address of our first byte = CS*16 + (IP here - offset here)
        call    .here
.here:  pop     bx                  ; IP of .here
        sub     bx, .here - start
        mov     ax, cs
        movzx   eax, ax
        shl     eax, 4
        movzx   ebx, bx
        add     eax, ebx
        print   'flat16: loaded at '
        print_hex eax, 8
        call    serial_newline

        ; the sum of the squares 1..20: 2870 = 0x0B36
        mov     si, numbers
        mov     cx, NUMBER_COUNT
        xor     dx, dx
.add:   lodsw
        add     dx, ax
        loop    .add
        print   'flat16: sum=0x'
        print_hex edx, 4
        call    serial_newline

        debug_exit 0x21

        SERIAL_ROUTINES

; The squares 1^2 .. 20^2.
numbers:
%assign n 1
%rep 20
        dw      n * n
%assign n n + 1
%endrep
NUMBER_COUNT equ ($ - numbers) / 2
