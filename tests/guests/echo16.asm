; SPDX-License-Identifier: GPL-3.0-or-later
; echo16.asm — a flat 16-bit real-mode binary for `morpheus run --load
; 0x7c00` that exercises the harness side of morpheus (tests/kvm-harness.sh):
; serial input, resets, time limits and signals.
;
; It writes POST code 0x42 to port 0x80, prints "echo16: ready", then reads
; bytes from COM1 (polling LSR bit 0) and echoes each one. Some bytes are
; commands, acted on after their echo and a new line:
;   q  prints "echo16: bye" and ends through the debug-exit port with 0x11
;      (exit status 0x23 = 35)
;   r  prints "echo16: reset 0x92" and resets the machine through port 0x92
;      bit 0 (fast reset)
;   k  prints "echo16: reset i8042" and resets the machine with the i8042
;      command 0xFE (pulse the reset line) to port 0x64
;   h  prints "echo16: halt" and halts with interrupts off, for ever
;
; The UART is left in 16450 mode (FCR untouched, one receive holding
; register): enabling or clearing the FIFOs would throw away input that the
; host already gave the UART before this code ran. morpheus keeps the bytes
; the UART cannot take yet and feeds them one at a time. It does not use the
; BIOS (there is none) or interrupts.

        bits    16
        org     0

        %include "serial.inc"

POST_PORT       equ 0x80
POST_CODE       equ 0x42
PORT92          equ 0x92
PORT92_RESET    equ 0x01
I8042_STATUS    equ 0x64            ; status (read), command (write)
I8042_IBF       equ 0x02            ; input buffer full: a command is pending
I8042_PULSE_RESET equ 0xfe
LSR_DR          equ 0x01            ; receive data ready
EXIT_BYE        equ 0x11

start:
        cli
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7c00          ; the stack grows down below the image
        mov     ax, cs
        mov     ds, ax
        mov     es, ax
        cld
        mov     al, POST_CODE
        out     POST_PORT, al
        call    echo_serial_init
        println 'echo16: ready'

.next:  call    serial_getc
        call    serial_putc         ; the echo
        cmp     al, 'q'
        je      .quit
        cmp     al, 'r'
        je      .reset92
        cmp     al, 'k'
        je      .reset8042
        cmp     al, 'h'
        je      .halt
        jmp     .next

.quit:  call    serial_newline
        println 'echo16: bye'
        debug_exit EXIT_BYE

.reset92:
        call    serial_newline
        println 'echo16: reset 0x92'
        in      al, PORT92
        and     al, ~PORT92_RESET   ; bit 0 resets on a 0 -> 1 transition
        out     PORT92, al
        or      al, PORT92_RESET
        out     PORT92, al
        jmp     .dead

.reset8042:
        call    serial_newline
        println 'echo16: reset i8042'
        mov     cx, 1000            ; wait (bounded) until it takes commands
.ibf:   in      al, I8042_STATUS
        test    al, I8042_IBF
        loopnz  .ibf
        mov     al, I8042_PULSE_RESET
        out     I8042_STATUS, al
        jmp     .dead

.halt:  call    serial_newline
        println 'echo16: halt'
.dead:  cli                         ; a reset that did not happen ends here too
        hlt
        jmp     .dead

; echo_serial_init: 115200 baud, 8N1, no interrupts, FIFOs as they are.
echo_serial_init:
        mov     dx, UART_IER
        xor     al, al
        out     dx, al
        mov     dx, UART_LCR
        mov     al, 0x80            ; DLAB: divisor latch access
        out     dx, al
        mov     dx, UART_DLL
        mov     al, 1               ; divisor 1: 115200 baud
        out     dx, al
        mov     dx, UART_DLM
        xor     al, al
        out     dx, al
        mov     dx, UART_LCR
        mov     al, 0x03            ; 8 data bits, no parity, 1 stop bit
        out     dx, al
        mov     dx, UART_MCR
        mov     al, 0x03            ; DTR, RTS
        out     dx, al
        ret

; serial_getc: waits for a received byte and returns it in AL.
serial_getc:
        push    dx
        mov     dx, UART_LSR
.wait:  in      al, dx
        test    al, LSR_DR
        jz      .wait
        mov     dx, UART_THR        ; RBR when read
        in      al, dx
        pop     dx
        ret

        SERIAL_ROUTINES
