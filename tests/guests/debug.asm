; SPDX-License-Identifier: GPL-3.0-or-later
; debug.asm — debug exceptions at CPL 0, for tests/soft-system.sh: a
; Multiboot v1 kernel (32-bit protected mode, flat, no paging) whose #DB
; handler logs EIP and DR6 of each debug exception:
;   step  EFLAGS.TF set by POPFD: no trap after that POPFD, a trap after
;         each following instruction (a taken jump, a loop, a call and its
;         return), the last one after the POPFD that clears TF
;   int   INT n with TF set: the handler runs without TF, no trap after
;         the INT itself, a trap after the IRET's return... then TF off
;   bp    an instruction breakpoint (DR0, DR7 L0, R/W 00): a fault at the
;         instruction (EIP = its address, DR6.B0), resumed with EFLAGS.RF
;         set in the handler, and hit again at the next call
;   data  a data breakpoint on a dword (DR1, LEN 4): with R/W 01 a write
;         traps after the instruction (DR6.B1) and a read does not; with
;         R/W 11 the read traps too, and so does a byte write into the
;         dword; an access next to it does not
; Ends with "debug: done" and debug-exit value 0.

        bits    32
        org     0x100000

        %include "serial.inc"
        %include "mb32.inc"

        section .text
        MB32_HEADER
        MB32_START 'debug: start'
        mov     eax, db_handler
        mov     ebx, 1
        call    mb32_set_gate
        mov     eax, int40_handler
        mov     ebx, 0x40
        call    mb32_set_gate

        ; ---- step ----
        mov     dword [log_n], 0
        pushfd
        or      dword [esp], 0x100
        popfd                           ; TF on: no trap after this one
s1:     mov     eax, 1
s2:     jmp     s4
s3:     nop
s4:     mov     ecx, 2
s5:     dec     ecx
s6:     jnz     s5
s7:     call    stepped
s8:     pushfd
s9:     and     dword [esp], ~0x100
s10:    popfd                           ; TF off: this one still traps
s11:    nop
        println 'step:'
        call    print_log

        ; ---- INT n with TF ----
        mov     dword [log_n], 0
        pushfd
        or      dword [esp], 0x100
        popfd
i1:     int     0x40                    ; handler runs with TF clear
i2:     pushfd
i3:     and     dword [esp], ~0x100
i4:     popfd
        nop
        println 'int:'
        call    print_log
        print   'int: handler saw flags tf='
        print_dec dword [int_tf]
        call    serial_newline

        ; ---- instruction breakpoint ----
        mov     dword [log_n], 0
        mov     eax, bp_target
        mov     dr0, eax
        mov     eax, 1                  ; L0, R/W0 = 00, LEN0 = 00
        mov     dr7, eax
        call    bp_target
        call    bp_target
        xor     eax, eax
        mov     dr7, eax
        call    bp_target               ; disabled: no exception
        println 'bp:'
        call    print_log
        print   'bp: target ran '
        print_dec dword [bp_runs]
        println ' times'

        ; ---- data breakpoints ----
        mov     dword [log_n], 0
        mov     eax, watched
        mov     dr1, eax
        mov     eax, 0x00d00004         ; L1, R/W1 = 01 (writes), LEN1 = 11 (4 bytes)
        mov     dr7, eax
d1:     mov     dword [watched], 5
d2:     mov     eax, [watched]          ; a read: no trap
d3:     mov     dword [watched + 4], 6  ; next to it: no trap
        mov     eax, 0x00f00004         ; R/W1 = 11: reads too
        mov     dr7, eax
d4:     mov     eax, [watched]
d5:     mov     byte [watched + 3], 7
d6:     nop
        xor     eax, eax
        mov     dr7, eax
        println 'data:'
        call    print_log
        println 'debug: done'
        debug_exit 0

stepped:
        ret

bp_target:
        inc     dword [bp_runs]
        ret

; print_log: "  eip=... dr6=..." for each logged #DB, as label offsets
print_log:
        xor     ebx, ebx
.next:  cmp     ebx, [log_n]
        jae     .done
        print   '  eip='
        print_hex dword [log_eip + ebx * 4], 8
        print   ' dr6='
        print_hex dword [log_dr6 + ebx * 4], 8
        call    serial_newline
        inc     ebx
        jmp     .next
.done:  ret

db_handler:
        push    eax
        push    ebx
        mov     ebx, [log_n]
        cmp     ebx, 32
        jae     .full
        mov     eax, [esp + 8]          ; EIP
        mov     [log_eip + ebx * 4], eax
        mov     eax, dr6
        mov     [log_dr6 + ebx * 4], eax
        inc     dword [log_n]
.full:  xor     eax, eax
        mov     dr6, eax
        test    dword [log_dr6 + ebx * 4], 0xf   ; a breakpoint: resume with RF
        jz      .out
        or      dword [esp + 16], 1 << 16
.out:   pop     ebx
        pop     eax
        iretd

int40_handler:
        push    eax
        pushfd
        pop     eax
        shr     eax, 8
        and     eax, 1
        mov     [int_tf], eax
        pop     eax
        iretd

        MB32_EXCEPTIONS 'debug: unexpected exception '

        SERIAL_ROUTINES

        section .data
        align   8
        MB32_GDT_FLAT
        MB32_DESCRIPTORS 0x41
log_n:  dd      0
        align   8
watched: dd     0, 0
int_tf: dd      0
bp_runs: dd     0
load_end:

        section .bss
        align   8
log_eip: resd   32
log_dr6: resd   32
idt:    resb    0x41 * 8
        resb    4096
stack_top:
bss_end:
