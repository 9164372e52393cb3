; SPDX-License-Identifier: GPL-3.0-or-later
; kbd_echo.asm — a flat 16-bit real-mode binary for `morpheus run --load
; 0x7c00` that reads the PS/2 keyboard through the i8042 by polling, and
; echoes the keys it reads to COM1 and to the VGA text screen at 0xB8000.
;
; It sets the controller up as an operating system would: keyboard port off,
; output buffer flushed, configuration byte with translation on (scan code
; set 1 arrives) and both interrupts off, keyboard port on, then the
; keyboard commands F4 (enable scanning) and ED 00 (LEDs off), each
; answered FA. Then it prints "kbd_echo: ready" and echoes: letters, digits,
; punctuation and space of the main block (with either Shift), Enter as CR
; LF, Backspace as BS, and of the E0-prefixed keys the arrows as ^ v < >
; and keypad Enter and / as Enter and /. Key releases and other keys are
; read and ignored. Esc prints "kbd_echo: bye" and ends through the
; debug-exit port with 0 (exit status 1).
;
; Errors ("kbd_echo: no ACK for XX") end with debug-exit 0x7f. It uses no
; BIOS and no interrupts (tests/unit/test_i8042.c runs it on the soft
; engine, which has no interrupt controller yet).

        bits    16
        org     0

        %include "serial.inc"

KBD_DATA        equ 0x60
KBD_STATUS      equ 0x64            ; status (read), command (write)
STATUS_OBF      equ 0x01
STATUS_IBF      equ 0x02
STATUS_AUX      equ 0x20
CTL_READ_CONFIG equ 0x20
CTL_WRITE_CONFIG equ 0x60
CTL_KBD_OFF     equ 0xad
CTL_KBD_ON      equ 0xae
CONFIG_INTS     equ 0x03            ; keyboard and aux interrupt enables
CONFIG_KBD_OFF  equ 0x10
CONFIG_XLATE    equ 0x40
KBD_ENABLE      equ 0xf4
KBD_LEDS        equ 0xed
KBD_ACK         equ 0xfa
SC_ESC          equ 0x01            ; set 1 codes
SC_LSHIFT       equ 0x2a
SC_RSHIFT       equ 0x36
SC_E0           equ 0xe0
SC_BREAK        equ 0x80
TEXT_SEG        equ 0xb800
TEXT_ATTR       equ 0x07            ; light grey on black
TEXT_CELLS      equ 80 * 25
WAIT_LOOPS      equ 0xffff          ; polls before giving up on an answer
EXIT_BYE        equ 0
EXIT_ERROR      equ 0x7f

start:
        cli
        mov     ax, cs
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0xfffe
        cld
        call    serial_init

        ; The controller: port off, flush, configuration, port on.
        mov     al, CTL_KBD_OFF
        call    ctl_command
        mov     cx, 64              ; at most this many stale bytes
.flush: in      al, KBD_STATUS
        test    al, STATUS_OBF
        jz      .flushed
        in      al, KBD_DATA
        loop    .flush
.flushed:
        mov     al, CTL_READ_CONFIG
        mov     bl, al
        call    ctl_command
        call    read_byte
        jc      error_no_ack
        and     al, ~(CONFIG_INTS | CONFIG_KBD_OFF)
        or      al, CONFIG_XLATE
        mov     bl, al
        mov     al, CTL_WRITE_CONFIG
        call    ctl_command
        mov     al, bl
        call    kbd_write
        mov     al, CTL_KBD_ON
        call    ctl_command

        ; The keyboard: scanning on, LEDs off.
        mov     al, KBD_ENABLE
        call    kbd_command
        mov     al, KBD_LEDS
        call    kbd_command
        xor     al, al
        call    kbd_command

        xor     di, di              ; the text cursor
        xor     bp, bp              ; bit 0: a shift key is down; bit 1: E0 seen
        println 'kbd_echo: ready'

.next:  in      al, KBD_STATUS
        test    al, STATUS_OBF
        jz      .next
        test    al, STATUS_AUX
        jnz     .skip_aux
        in      al, KBD_DATA
        cmp     al, SC_E0
        je      .e0
        test    bp, 2
        jnz     .extended           ; the key after E0: ignored
        test    al, SC_BREAK
        jnz     .release
        cmp     al, SC_LSHIFT
        je      .shift_down
        cmp     al, SC_RSHIFT
        je      .shift_down
        cmp     al, SC_ESC
        je      .bye
        cmp     al, keymap_end - keymap_lower
        jae     .next
        mov     bx, keymap_lower
        test    bp, 1
        jz      .lookup
        mov     bx, keymap_upper
.lookup:
        xlatb
        test    al, al
        jz      .next
        call    echo
        jmp     .next
.skip_aux:
        in      al, KBD_DATA
        jmp     .next
.e0:    or      bp, 2
        jmp     .next
.extended:
        and     bp, ~2
        test    al, SC_BREAK
        jnz     .next               ; releases of E0 keys
        mov     si, e0_keys
.e0_find:
        mov     ah, [si]
        test    ah, ah
        jz      .next               ; not one of ours
        cmp     ah, al
        je      .e0_found
        add     si, 2
        jmp     .e0_find
.e0_found:
        mov     al, [si + 1]
        call    echo
        jmp     .next
.shift_down:
        or      bp, 1
        jmp     .next
.release:
        and     al, ~SC_BREAK
        cmp     al, SC_LSHIFT
        je      .shift_up
        cmp     al, SC_RSHIFT
        jne     .next
.shift_up:
        and     bp, ~1
        jmp     .next

.bye:   call    serial_newline
        println 'kbd_echo: bye'
        debug_exit EXIT_BYE

; echo: the character AL to COM1 and the screen (13: a new line).
echo:
        cmp     al, 13
        je      .newline
        call    serial_putc
        cmp     al, 8
        je      .backspace
        push    es
        push    ax
        mov     ax, TEXT_SEG
        mov     es, ax
        pop     ax
        mov     ah, TEXT_ATTR
        stosw
        pop     es
        cmp     di, TEXT_CELLS * 2
        jb      .done
        xor     di, di              ; wrap to the top instead of scrolling
.done:  ret
.backspace:
        test    di, di
        jz      .done
        sub     di, 2
        ret
.newline:
        call    serial_newline
        mov     ax, di              ; to the start of the next row
        shr     ax, 1
        xor     dx, dx
        mov     cx, 80
        div     cx
        inc     ax
        cmp     ax, 25
        jb      .row
        xor     ax, ax
.row:   mul     cx
        shl     ax, 1
        mov     di, ax
        ret

; ctl_command: AL to the command port, once the input buffer is empty.
ctl_command:
        call    wait_input_empty
        out     KBD_STATUS, al
        ret

; kbd_write: AL to the data port, once the input buffer is empty.
kbd_write:
        call    wait_input_empty
        out     KBD_DATA, al
        ret

; kbd_command: AL to the keyboard; its answer must be FA.
kbd_command:
        mov     bl, al
        call    kbd_write
        call    read_byte
        jc      error_no_ack
        cmp     al, KBD_ACK
        jne     error_no_ack
        ret

wait_input_empty:
        push    ax
        push    cx
        mov     cx, WAIT_LOOPS
.poll:  in      al, KBD_STATUS
        test    al, STATUS_IBF
        loopnz  .poll
        pop     cx
        pop     ax
        ret

; read_byte: the next byte of the output buffer in AL; CF set if none came.
read_byte:
        push    cx
        mov     cx, WAIT_LOOPS
.poll:  in      al, KBD_STATUS
        test    al, STATUS_OBF
        jnz     .ready
        loop    .poll
        pop     cx
        stc
        ret
.ready: in      al, KBD_DATA
        pop     cx
        clc
        ret

; After kbd_command or the configuration read: BL is what was sent.
error_no_ack:
        print   'kbd_echo: no ACK for '
        print_hex ebx, 2
        call    serial_newline
        debug_exit EXIT_ERROR

; Set 1 make codes 0x00-0x39 to characters (0: none).
keymap_lower:
        db      0, 0, '1234567890-=', 8, 0
        db      'qwertyuiop[]', 13, 0, 'asdfghjkl;', "'", '`', 0, '\'
        db      'zxcvbnm,./', 0, '*', 0, ' '
keymap_end:
keymap_upper:
        db      0, 0, '!@#$%^&*()_+', 8, 0
        db      'QWERTYUIOP{}', 13, 0, 'ASDFGHJKL:"~', 0, '|'
        db      'ZXCVBNM<>?', 0, '*', 0, ' '

        SERIAL_ROUTINES

; E0-prefixed set 1 make codes and their characters, 0-terminated.
e0_keys:
        db      0x48, '^', 0x50, 'v', 0x4b, '<', 0x4d, '>'   ; arrows
        db      0x1c, 13, 0x35, '/'                         ; keypad Enter, /
        db      0
