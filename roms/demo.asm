; SPDX-License-Identifier: GPL-3.0-or-later
; demo.asm — the guest that `morpheus demo` boots: the first thing a user
; sees. A Multiboot v1 kernel, as a flat image loaded at 1 MiB through the
; header's address fields (flags bit 16); assembled with nasm -f bin and
; linked into morpheus (roms/blobs.S).
;
; In 32-bit protected mode, at CPL 0, it prints on COM1 (polled, 115200 8N1):
;   morpheus demo guest: hello from inside the VM
;   engine: morpheus kvm                   (from CPUID leaf 0x40000000)
;   cpu: GenuineIntel, <brand string>
;   memory: 256 MiB                        (from the Multiboot memory map)
;   cmdline: ...                           (only if there is one)
;   primes below 70: 2 3 5 ... 67
;   that's all, goodbye!
; and then writes 0 to the debug-exit port 0xf4. That is how the demo says
; "success": morpheus turns a debug-exit write of v into exit status
; (v<<1)|1, and the `demo` subcommand reports status 1 (value 0) as
; success, exit status 0.
;
; It is small on purpose: where supervisor code is emulated (kvm_pvm), every
; instruction here costs microseconds. It does not enable interrupts, load a
; GDT or touch anything but COM1 and the debug-exit port.

        bits    32
        org     0x100000

COM1            equ 0x3f8
UART_LSR        equ COM1 + 5
LSR_THRE        equ 0x20                ; transmitter ready for a byte
DEBUG_EXIT_PORT equ 0xf4

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ (1 << 1) | (1 << 16) ; memory information, address fields
MB_BOOT_MAGIC   equ 0x2BADB002
MBI_HAS_MEM     equ 1 << 0
MBI_HAS_CMDLINE equ 1 << 2
MBI_HAS_MMAP    equ 1 << 6
MMAP_MAX        equ 32                  ; entries looked at, at most
CMDLINE_MAX     equ 72                  ; characters shown, at most
%define PRIMES_BELOW 70
%defstr PRIMES_BELOW_TEXT PRIMES_BELOW

        section .text
multiboot_header:
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      multiboot_header        ; header_addr
        dd      multiboot_header        ; load_addr: the image starts here
        dd      load_end                ; load_end_addr
        dd      bss_end                 ; bss_end_addr
        dd      start                   ; entry_addr

start:
        mov     esp, stack_top
        cld
        cmp     eax, MB_BOOT_MAGIC
        je      .booted
        xor     ebx, ebx                ; not Multiboot: no boot information
.booted:
        mov     ebp, ebx
        call    uart_init
        mov     esi, msg_banner
        call    puts
        call    show_engine
        call    show_cpu
        call    show_memory
        call    show_cmdline
        call    show_primes
        mov     esi, msg_goodbye
        call    puts
        xor     al, al                  ; 0: success
        out     DEBUG_EXIT_PORT, al
.hang:  hlt                             ; not reached
        jmp     .hang

; "engine: ..." from the hypervisor CPUID leaves.
show_engine:
        mov     esi, msg_engine
        call    puts_raw
        mov     eax, 1
        cpuid
        bt      ecx, 31                 ; CPUID.1:ECX[31]: running under a hypervisor
        jc      .hypervisor
        mov     esi, msg_no_hypervisor
        jmp     puts
.hypervisor:
        mov     eax, 0x40000000
        cpuid
        mov     [signature + 0], ebx
        mov     [signature + 4], ecx
        mov     [signature + 8], edx
        mov     esi, signature
        mov     edi, morpheus_prefix
        mov     ecx, morpheus_prefix_len
        repe cmpsb
        jne     .unknown
        mov     esi, signature          ; "morpheus kvm", ...
        mov     ecx, 12
        call    put_chars
        jmp     newline
.unknown:
        mov     esi, msg_unknown
        call    puts_raw
        mov     esi, signature
        mov     ecx, 12
        call    put_chars
        mov     al, "'"
        call    putc
        jmp     newline

; "cpu: vendor, brand string"
show_cpu:
        mov     esi, msg_cpu
        call    puts_raw
        xor     eax, eax
        cpuid
        mov     [text + 0], ebx
        mov     [text + 4], edx
        mov     [text + 8], ecx
        mov     esi, text
        mov     ecx, 12
        call    put_chars
        mov     eax, 0x80000000
        cpuid
        cmp     eax, 0x80000004
        jb      newline                 ; no brand string
        mov     edi, text
        mov     esi, 0x80000002
.leaf:  mov     eax, esi
        cpuid
        stosd
        mov     eax, ebx
        stosd
        mov     eax, ecx
        stosd
        mov     eax, edx
        stosd
        inc     esi
        cmp     esi, 0x80000004
        jbe     .leaf
        mov     esi, text
.skip:  cmp     byte [esi], ' '         ; brand strings may start with spaces
        jne     .brand
        inc     esi
        jmp     .skip
.brand: mov     al, ','
        call    putc
        mov     al, ' '
        call    putc
        mov     ecx, text + 48
        sub     ecx, esi
        call    put_chars
        jmp     newline

; "memory: N MiB": the RAM in the memory map, or else mem_lower + mem_upper.
show_memory:
        test    ebp, ebp
        jz      .done
        mov     eax, [ebp]              ; flags
        test    eax, MBI_HAS_MMAP
        jnz     .mmap
        test    eax, MBI_HAS_MEM
        jz      .done
        mov     eax, [ebp + 4]          ; KiB below 640 KiB
        add     eax, [ebp + 8]          ; KiB above 1 MiB
        jmp     .print
.mmap:  mov     esi, [ebp + 48]         ; mmap_addr
        mov     edi, esi
        add     edi, [ebp + 44]         ; mmap_length
        xor     eax, eax                ; KiB of RAM so far
        mov     ecx, MMAP_MAX
.entry: cmp     esi, edi
        jae     .print
        cmp     dword [esi + 20], 1     ; type 1: RAM
        jne     .next
        mov     edx, [esi + 12]         ; length, low half
        shr     edx, 10
        add     eax, edx
        mov     edx, [esi + 16]         ; length, high half
        shl     edx, 22
        add     eax, edx
.next:  mov     edx, [esi]              ; entry size, not counting itself
        lea     esi, [esi + edx + 4]
        loop    .entry
.print: add     eax, 512                ; KiB to MiB, rounded
        shr     eax, 10
        mov     esi, msg_memory
        call    puts_raw
        call    putdec
        mov     esi, msg_mib
        call    puts
.done:  ret

; "cmdline: ..." if the boot loader passed a non-empty one.
show_cmdline:
        test    ebp, ebp
        jz      .done
        test    dword [ebp], MBI_HAS_CMDLINE
        jz      .done
        mov     ebx, [ebp + 16]
        test    ebx, ebx
        jz      .done
        cmp     byte [ebx], 0
        je      .done
        mov     esi, msg_cmdline
        call    puts_raw
        mov     esi, ebx
        mov     ecx, CMDLINE_MAX
.char:  lodsb
        test    al, al
        jz      .end
        call    putc
        loop    .char
.end:   call    newline
.done:  ret

; "primes below 70: 2 3 5 ...", by trial division.
show_primes:
        mov     esi, msg_primes
        call    puts_raw
        mov     ebx, 2                  ; candidate
.candidate:
        mov     ecx, 2                  ; divisor
.divide:
        mov     eax, ecx
        mul     ecx
        cmp     eax, ebx
        ja      .prime                  ; divisor^2 > candidate: prime
        mov     eax, ebx
        xor     edx, edx
        div     ecx
        test    edx, edx
        jz      .next                   ; divides: not prime
        inc     ecx
        jmp     .divide
.prime: mov     al, ' '
        call    putc
        mov     eax, ebx
        call    putdec
.next:  inc     ebx
        cmp     ebx, PRIMES_BELOW
        jb      .candidate
        jmp     newline

; --- COM1 output
uart_init:
        mov     dx, COM1 + 1            ; IER: no interrupts
        xor     al, al
        out     dx, al
        mov     dx, COM1 + 3            ; LCR: DLAB, to set the divisor
        mov     al, 0x80
        out     dx, al
        mov     dx, COM1 + 0            ; DLL: divisor 1 = 115200 baud
        mov     al, 1
        out     dx, al
        mov     dx, COM1 + 1            ; DLM
        xor     al, al
        out     dx, al
        mov     dx, COM1 + 3            ; LCR: 8N1
        mov     al, 0x03
        out     dx, al
        mov     dx, COM1 + 2            ; FCR: FIFOs on and cleared
        mov     al, 0x07
        out     dx, al
        ret

; putc: AL. Preserves all registers but EFLAGS.
putc:
        push    edx
        push    eax
        mov     dx, UART_LSR
.wait:  in      al, dx
        test    al, LSR_THRE
        jz      .wait
        pop     eax
        mov     dx, COM1
        out     dx, al
        pop     edx
        ret

newline:
        push    eax
        mov     al, 13
        call    putc
        mov     al, 10
        call    putc
        pop     eax
        ret

; puts_raw: the NUL-terminated string at ESI; puts adds a newline.
puts_raw:
        push    eax
        push    esi
.next:  lodsb
        test    al, al
        jz      .done
        call    putc
        jmp     .next
.done:  pop     esi
        pop     eax
        ret

puts:
        call    puts_raw
        jmp     newline

; put_chars: ECX characters at ESI, stopping at a NUL; unprintable ones as '?'.
put_chars:
        pushad
        jecxz   .done
.next:  lodsb
        test    al, al
        jz      .done
        cmp     al, ' '
        jb      .odd
        cmp     al, '~'
        jbe     .put
.odd:   mov     al, '?'
.put:   call    putc
        loop    .next
.done:  popad
        ret

; putdec: EAX in decimal.
putdec:
        pushad
        mov     ecx, 10
        xor     ebx, ebx                ; digits on the stack
.divide:
        xor     edx, edx
        div     ecx
        push    edx
        inc     ebx
        test    eax, eax
        jnz     .divide
.emit:  pop     eax
        add     al, '0'
        call    putc
        dec     ebx
        jnz     .emit
        popad
        ret

msg_banner:         db "morpheus demo guest: hello from inside the VM", 0
msg_engine:         db "engine: ", 0
msg_no_hypervisor:  db "no hypervisor bit (bare metal?)", 0
msg_unknown:        db "unknown hypervisor '", 0
morpheus_prefix:    db "morpheus "
morpheus_prefix_len equ $ - morpheus_prefix
msg_cpu:            db "cpu: ", 0
msg_memory:         db "memory: ", 0
msg_mib:            db " MiB", 0
msg_cmdline:        db "cmdline: ", 0
msg_primes:         db "primes below ", PRIMES_BELOW_TEXT, ":", 0
msg_goodbye:        db "that's all, goodbye!", 0
load_end:

        section .bss align=16
signature:          resb 12
text:               resb 48
                    resb 4096
stack_top:
bss_end:
