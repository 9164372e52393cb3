; SPDX-License-Identifier: GPL-3.0-or-later
; vga_text.asm — VGA text mode as a boot sector would use it, for
; tests/display.sh: a flat 16-bit real-mode binary for
; `morpheus run --load 0x7c00 --vga text --screenshot FILE.png`. It writes
; characters and attributes to 0xB8000, scrolls by one row with the CRTC
; start address, switches the attribute controller from blinking to bright
; backgrounds, reprograms DAC entry 5, moves the cursor and sets its shape,
; then says "vga_text: done" on COM1 and ends with debug-exit value 0
; (status 1). What the screen must show (screen rows, after the scroll):
;   row 0: "Hello, VGA!" yellow (14) on blue (1) from column 0
;   row 1: 0xC9 0xCD 0xBB 0xB3 white (15) on red (4) from column 0
;   row 2: 'B' yellow (14) on bright blue (9): attribute 0x9E, blink off
;   row 2: 'D' at column 2 in colour 5 = DAC (0x3F,0x20,0x00) on black
;   row 3: the cursor at column 5, scan lines 14-15, light grey (7) on black
; Memory row 0 ("SCROLLED AWAY") is above the start address.
; It does not use the BIOS or interrupts.

        bits    16
        org     0

        %include "serial.inc"

COLS            equ 80

%macro crtc 2                           ; crtc INDEX, VALUE
        mov     dx, 0x3d4
        mov     ax, (%2 << 8) | %1
        out     dx, ax
%endmacro

start:
        cli
        xor     ax, ax
        mov     ss, ax
        mov     sp, 0x7c00
        mov     ax, cs
        mov     ds, ax
        cld
        call    serial_init

        mov     ax, 0xb800
        mov     es, ax
        ; clear the first 5 memory rows to light grey on black spaces
        xor     di, di
        mov     ax, 0x0720
        mov     cx, COLS * 5
        rep     stosw

        mov     si, scrolled                    ; memory row 0
        mov     di, 0
        mov     ah, 0x1e
        call    put_string
        mov     si, hello                       ; memory row 1 = screen row 0
        mov     di, COLS * 2
        mov     ah, 0x1e
        call    put_string
        mov     si, box                         ; screen row 1
        mov     di, COLS * 2 * 2
        mov     ah, 0x4f
        call    put_string
        mov     di, COLS * 2 * 3                ; screen row 2
        mov     word [es:di], 0x9e00 | 'B'
        mov     word [es:di + 4], 0x0500 | 'D'

        ; scroll: start address = one row
        crtc    0x0c, 0
        crtc    0x0d, COLS
        ; the cursor: screen row 3 column 5 (memory row 4), lines 14-15
        crtc    0x0a, 14
        crtc    0x0b, 15
        crtc    0x0e, ((COLS * 4 + 5) >> 8)
        crtc    0x0f, ((COLS * 4 + 5) & 0xff)

        ; attribute mode control: line graphics on, blink off
        mov     dx, 0x3da
        in      al, dx                          ; flip-flop to index
        mov     dx, 0x3c0
        mov     al, 0x30                        ; index 0x10, PAS set
        out     dx, al
        mov     al, 0x04
        out     dx, al

        ; DAC entry 5 (colour 5 after reset): orange
        mov     dx, 0x3c8
        mov     al, 5
        out     dx, al
        inc     dx
        mov     al, 0x3f
        out     dx, al
        mov     al, 0x20
        out     dx, al
        mov     al, 0x00
        out     dx, al

        ; a few polls of input status 1 as a driver waiting for retrace
        mov     dx, 0x3da
.wait:  in      al, dx
        test    al, 8
        jz      .wait

        println 'vga_text: done'
        debug_exit 0

; DS:SI NUL-terminated string to ES:DI with attribute AH.
put_string:
        lodsb
        test    al, al
        jz      .end
        stosw
        jmp     put_string
.end:   ret

        SERIAL_ROUTINES

scrolled:       db 'SCROLLED AWAY', 0
hello:          db 'Hello, VGA!', 0
box:            db 0xc9, 0xcd, 0xbb, 0xb3, 0
