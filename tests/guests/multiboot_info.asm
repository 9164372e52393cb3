; SPDX-License-Identifier: GPL-3.0-or-later
; multiboot_info.asm — a Multiboot v1 kernel (a flat image loaded through the
; header's address fields, flags bit 16) that prints the boot information
; structure it was given, for tests/kvm-multiboot.sh:
;   multiboot: magic=2BADB002
;   flags=0000024F
;   mem_lower=639 KiB
;   mem_upper=64512 KiB
;   cmdline='hello world'
;   mods_count=1
;   module 0: start=00200000 end=0020001C string='...'
;   module 0 data: 'first bytes, non-printable ones as .'
;   mmap: base=0000000000000000 len=000000000009FC00 type=1
;   ...
;   boot_loader_name='morpheus'
;   multiboot_info: done
; and ends through the debug-exit port with 0 (exit status 1). Every field
; is printed only if its flags bit says it is there; loops and strings are
; bounded, so a broken structure gives wrong output, not a hang. Runs at CPL
; 0 in 32-bit protected mode as Multiboot leaves it; it does not load a GDT
; or enable interrupts.

        bits    32
        org     0x100000

        %include "serial.inc"

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ (1 << 0) | (1 << 1) | (1 << 16)  ; modules page-aligned, memory info, address fields
MB_BOOT_MAGIC   equ 0x2BADB002

MAX_STRING      equ 200             ; longest string printed
MAX_MODULES     equ 8
MAX_MMAP        equ 32
MODULE_PEEK     equ 32              ; module bytes shown

        section .text
header:
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      header              ; header_addr
        dd      header              ; load_addr: the file starts here
        dd      load_end            ; load_end_addr
        dd      bss_end             ; bss_end_addr
        dd      start               ; entry_addr

start:
        mov     esp, stack_top
        cld
        mov     ebp, ebx            ; the info structure
        mov     edi, eax            ; the boot magic
        call    serial_init
        print   'multiboot: magic='
        print_hex edi, 8
        call    serial_newline
        cmp     edi, MB_BOOT_MAGIC
        je      .flags
        println 'multiboot: wrong boot magic'
        debug_exit 0x7f

.flags: mov     ebx, [ebp + 0]
        print   'flags='
        print_hex ebx, 8
        call    serial_newline

        test    bl, 1 << 0
        jz      .no_mem
        print   'mem_lower='
        print_dec dword [ebp + 4]
        println ' KiB'
        print   'mem_upper='
        print_dec dword [ebp + 8]
        println ' KiB'
.no_mem:

        test    bl, 1 << 2
        jz      .no_cmdline
        print   'cmdline='
        mov     esi, [ebp + 16]
        call    put_quoted
        call    serial_newline
.no_cmdline:

        test    bl, 1 << 3
        jz      .no_mods
        mov     ecx, [ebp + 20]
        print   'mods_count='
        print_dec ecx
        call    serial_newline
        cmp     ecx, MAX_MODULES
        jbe     .mods_counted
        mov     ecx, MAX_MODULES
.mods_counted:
        mov     esi, [ebp + 24]     ; the module list
        xor     edx, edx            ; module number
.module:
        test    ecx, ecx
        jz      .no_mods
        call    put_module
        add     esi, 16
        inc     edx
        dec     ecx
        jmp     .module
.no_mods:

        test    bl, 1 << 6
        jz      .no_mmap
        mov     esi, [ebp + 48]     ; mmap_addr
        mov     edi, esi
        add     edi, [ebp + 44]     ; + mmap_length
        mov     ecx, MAX_MMAP
.mmap_entry:
        cmp     esi, edi
        jae     .no_mmap
        print   'mmap: base='
        print_hex dword [esi + 8], 8
        print_hex dword [esi + 4], 8
        print   ' len='
        print_hex dword [esi + 16], 8
        print_hex dword [esi + 12], 8
        print   ' type='
        print_dec dword [esi + 20]
        call    serial_newline
        mov     eax, [esi]          ; size of the entry, not counting itself
        lea     esi, [esi + eax + 4]
        dec     ecx
        jnz     .mmap_entry
.no_mmap:

        test    bx, 1 << 9
        jz      .no_name
        print   'boot_loader_name='
        mov     esi, [ebp + 64]
        call    put_quoted
        call    serial_newline
.no_name:

        println 'multiboot_info: done'
        debug_exit 0

; put_module: module EDX whose 16-byte entry is at ESI.
put_module:
        pushad
        print   'module '
        print_dec edx
        print   ': start='
        print_hex dword [esi + 0], 8
        print   ' end='
        print_hex dword [esi + 4], 8
        print   ' string='
        push    esi
        mov     esi, [esi + 8]
        call    put_quoted
        pop     esi
        call    serial_newline

        print   'module '
        print_dec edx
        print   " data='"
        mov     ecx, [esi + 4]
        mov     esi, [esi + 0]
        sub     ecx, esi            ; the module's size
        jbe     .shown              ; (empty or end before start)
        cmp     ecx, MODULE_PEEK
        jbe     .byte
        mov     ecx, MODULE_PEEK
.byte:  lodsb
        call    put_printable
        loop    .byte
.shown: mov     al, "'"
        call    serial_putc
        call    serial_newline
        popad
        ret

; put_quoted: the string at ESI in single quotes, at most MAX_STRING bytes;
; a NULL pointer prints as (null).
put_quoted:
        pushad
        test    esi, esi
        jnz     .quote
        print   '(null)'
        popad
        ret
.quote: mov     al, "'"
        call    serial_putc
        mov     ecx, MAX_STRING
.char:  lodsb
        test    al, al
        jz      .end
        call    put_printable
        loop    .char
.end:   mov     al, "'"
        call    serial_putc
        popad
        ret

; put_printable: AL, or '.' if it is not printable ASCII.
put_printable:
        push    eax
        cmp     al, ' '
        jb      .dot
        cmp     al, '~'
        jbe     .put
.dot:   mov     al, '.'
.put:   call    serial_putc
        pop     eax
        ret

        SERIAL_ROUTINES

load_end:

        section .bss align=16
stack:  resb    4096
stack_top:
bss_end:
