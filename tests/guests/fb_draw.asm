; SPDX-License-Identifier: GPL-3.0-or-later
; fb_draw.asm — the linear framebuffer, for tests/display.sh: a flat 32-bit
; binary for `morpheus run --load 0x100000 --vga fb --screenshot FILE.png`
; (flat protected mode, paging off). The framebuffer is at its documented
; fixed address 0xFD000000, 1024x768, 32 bits per pixel (0x00RRGGBB),
; 4096 bytes per line (hw/fb.h). It fills three rectangles:
;   red   0xFF0000 at x=10,  y=10,  100x50
;   green 0x00FF00 at x=500, y=300, 64x64
;   blue  0x123456 at x=1000, y=760, 24x8 (the bottom right corner)
; then says "fb_draw: done" on COM1 and ends with debug-exit value 0
; (status 1). Everything else stays black.

        bits    32
        org     0x100000

        %include "serial.inc"

FB_BASE         equ 0xfd000000
FB_STRIDE       equ 4096

%macro rect 5                           ; rect X, Y, W, H, RGB
        mov     edi, FB_BASE + %2 * FB_STRIDE + %1 * 4
        mov     ebx, %4
        mov     edx, %3
        mov     eax, %5
        call    fill
%endmacro

start:
        cli
        cld
        mov     esp, 0x7c00
        call    serial_init
        rect    10, 10, 100, 50, 0xff0000
        rect    500, 300, 64, 64, 0x00ff00
        rect    1000, 760, 24, 8, 0x123456
        println 'fb_draw: done'
        debug_exit 0

; EBX rows of EDX pixels of colour EAX from EDI.
fill:
        push    edi
        mov     ecx, edx
        rep     stosd
        pop     edi
        add     edi, FB_STRIDE
        dec     ebx
        jnz     fill
        ret

        SERIAL_ROUTINES
