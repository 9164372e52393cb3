; SPDX-License-Identifier: GPL-3.0-or-later
; boot32.asm — bench/soft's boot path for the workload (bench/workload32.c,
; linked at WORKLOAD_ADDR and turned into a flat binary). Assembled two ways:
;
; nasm -f bin -DWORKLOAD_BIN='"workload.bin"' boot32.asm -o kernel.bin
;   A Multiboot v1 kernel (address fields, so no ELF): the header and a
;   32-bit entry stub at 0x100000, the workload at WORKLOAD_ADDR. Morpheus
;   and QEMU load it with --kernel / -kernel and enter the stub in flat
;   32-bit protected mode with EAX = 0x2BADB002.
;
; nasm -f bin -DFLOPPY -DKERNEL_BIN='"kernel.bin"' boot32.asm -o floppy.img
;   A 1.44 MB floppy image for Bochs, whose BIOS loads sector 0 at 0x7C00 in
;   real mode: that boot sector reads the kernel above (sectors 1..N) to
;   0x10000 with INT 13h, enables A20, switches to flat 32-bit protected mode,
;   copies the kernel to 0x100000 and enters its stub with EAX = 0, so the
;   workload knows it runs under Bochs (port 0xE9 output, Bochs shutdown).
;
; Not a general boot loader: no error recovery beyond a few retries, no
; memory map, nothing but what the benchmark needs.

KERNEL_ADDR     equ 0x100000
WORKLOAD_ADDR   equ 0x101000            ; must match bench/soft's linker script
STACK_TOP       equ 0x400000            ; the guests get at least 32 MiB

%ifndef FLOPPY
; ---------------------------------------------------------------- the kernel
        bits    32
        org     KERNEL_ADDR

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 1 << 16             ; address fields are valid

header:                                 ; must stay at offset 0 (see below)
        dd      MB_MAGIC
        dd      MB_FLAGS
        dd      -(MB_MAGIC + MB_FLAGS)
        dd      header                  ; header_addr
        dd      header                  ; load_addr
        dd      load_end                ; load_end_addr
        dd      0                       ; bss_end_addr: the workload zeroes its own
        dd      start                   ; entry_addr (offset 28: the boot sector reads it)

start:  mov     esp, STACK_TOP
        push    eax                     ; boot magic: the workload's argument
        call    WORKLOAD_ADDR
.hang:  cli
        hlt
        jmp     .hang

        times   WORKLOAD_ADDR - KERNEL_ADDR - ($ - $$) db 0
        incbin  WORKLOAD_BIN
load_end:

%else
; ----------------------------------------------------------- the boot sector
        bits    16
        org     0x7C00

LOAD_SEGMENT    equ 0x1000              ; the kernel is read to 0x10000 first
SECTORS_PER_TRACK equ 18                ; 1.44 MB floppy geometry
HEADS           equ 2

boot:   cli
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     sp, 0x7C00
        jmp     0:.flat_cs              ; CS = 0 whatever the BIOS used
.flat_cs:
        sti
        mov     [boot_drive], dl

        mov     word [lba], 1
        mov     word [dest_segment], LOAD_SEGMENT
.next_sector:
        mov     ax, [lba]
        cmp     ax, KERNEL_SECTORS + 1
        jae     .loaded
        xor     dx, dx                  ; lba -> cylinder, head, sector
        mov     bx, SECTORS_PER_TRACK
        div     bx                      ; ax = track, dx = sector - 1
        mov     cl, dl
        inc     cl
        xor     dx, dx
        mov     bx, HEADS
        div     bx                      ; ax = cylinder, dx = head
        mov     ch, al
        mov     dh, dl
        mov     dl, [boot_drive]
        mov     es, [dest_segment]
        xor     bx, bx
        mov     si, 3                   ; tries
.read:  mov     ax, 0x0201              ; read one sector
        int     0x13
        jnc     .read_ok
        xor     ax, ax                  ; reset the drive, then try again
        int     0x13
        dec     si
        jnz     .read
        mov     si, msg_read_error
        jmp     fail
.read_ok:
        inc     word [lba]
        add     word [dest_segment], 512 / 16
        jmp     .next_sector

.loaded:
        cli
        in      al, 0x92                ; fast A20
        or      al, 2
        and     al, 0xFE                ; bit 0 would reset the machine
        out     0x92, al
        lgdt    [gdt_descriptor]
        mov     eax, cr0
        or      eax, 1
        mov     cr0, eax
        jmp     0x08:protected

; fail: print the string at DS:SI on port 0xE9 and stop.
fail:   lodsb
        test    al, al
        jz      .stop
        out     0xE9, al
        jmp     fail
.stop:  cli
        hlt
        jmp     .stop

        bits    32
protected:
        mov     ax, 0x10
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, STACK_TOP
        mov     esi, LOAD_SEGMENT * 16
        mov     edi, KERNEL_ADDR
        mov     ecx, KERNEL_SECTORS * 512 / 4
        cld
        rep     movsd
        xor     eax, eax                ; not the Multiboot magic: Bochs
        jmp     [KERNEL_ADDR + 28]      ; the Multiboot header's entry_addr

        align   8
gdt:    dq      0
        dq      0x00CF9A000000FFFF      ; 0x08: code, base 0, 4 GiB, 32-bit
        dq      0x00CF92000000FFFF      ; 0x10: data, base 0, 4 GiB
gdt_descriptor:
        dw      gdt_descriptor - gdt - 1
        dd      gdt

boot_drive:     db 0
lba:            dw 0
dest_segment:   dw 0
msg_read_error: db "boot32: floppy read error", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55

kernel: incbin  KERNEL_BIN
kernel_end:
KERNEL_SECTORS  equ (kernel_end - kernel + 511) / 512  ; bench/soft checks it fits below 0x90000
        times   1474560 - ($ - $$) db 0
%endif
