; SPDX-License-Identifier: GPL-3.0-or-later
; linux_stub.asm — the smallest bzImage morpheus loads (boot protocol 2.06,
; one setup sector, 32-bit entry), for tests/display.sh: it shows that a
; Linux kernel gets the framebuffer by default (--vga). Its "kernel" only
; ends the run through the debug-exit port with value 0 (status 1).

        bits    16
        org     0

        times   0x1f1 - ($ - $$) db 0
        db      1                       ; 0x1f1 setup_sects
        times   0x1fe - ($ - $$) db 0
        dw      0xaa55                  ; 0x1fe boot_flag
        db      0xeb, 0x3a              ; 0x200 jump: the header ends at 0x23c
        db      'HdrS'                  ; 0x202
        dw      0x0206                  ; 0x206 version
        times   0x211 - ($ - $$) db 0
        db      0x01                    ; 0x211 loadflags: LOADED_HIGH
        times   0x238 - ($ - $$) db 0
        dd      255                     ; 0x238 cmdline_size
        times   1024 - ($ - $$) db 0

        bits    32                      ; the protected-mode kernel at 0x100000
        mov     al, 0
        out     0xf4, al
        hlt
