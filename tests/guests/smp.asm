; SPDX-License-Identifier: GPL-3.0-or-later
; smp.asm — a Multiboot v1 kernel (a flat image loaded through the header's
; address fields) that finds the CPUs in the MP table and starts the
; application processors with INIT and STARTUP IPIs, for tests/kvm-smp.sh.
; With --smp 4 it prints:
;   smp: mp table cpus=4
;   smp: bsp apic id=0
;   smp: aps started=3
;   smp: ap apic ids=1 2 3
;   smp: done
; and ends through the debug-exit port with 0 (exit status 1), or with 0x7e
; (status 253) when the APs that started are not those of the MP table, and
; 0x7f (status 255) when the MP table is missing or broken.
;
; The BSP runs in 32-bit protected mode at CPL 0 as Multiboot leaves it, with
; interrupts off: nothing here relies on interrupt delivery (which kvm_pvm
; does not do in protected mode). It scans 0xF0000-0xFFFFF for the MP
; floating pointer, checks both checksums, collects the enabled processor
; entries, software-enables its local APIC (INIT/SIPI are not sent from a
; disabled one), copies a real-mode trampoline to TRAMPOLINE and sends INIT,
; then STARTUP twice, to each AP by APIC ID. Each AP starts in real mode at
; the trampoline, marks its initial APIC ID (CPUID 1) in AP_SEEN and
; increments AP_COUNT with locked instructions, and halts. The BSP waits until
; every AP has counted itself, for at most WAIT_SECONDS ticks of the RTC's
; seconds (a time bound that does not depend on how fast code runs).

        bits    32
        org     0x100000

        %include "serial.inc"

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ (1 << 1) | (1 << 16)  ; memory info, address fields

TRAMPOLINE      equ 0x8000          ; page-aligned, below 1 MiB: SIPI vector 0x08
AP_COUNT        equ 0x7000          ; dword: APs that started
AP_SEEN         equ 0x7004          ; dword: bit n set by the AP with APIC ID n
MAX_IDS         equ 32              ; APIC IDs that fit in AP_SEEN

MP_SCAN_START   equ 0xf0000
MP_SCAN_END     equ 0x100000
MP_HEADER_SIZE  equ 44
MP_MAX_LENGTH   equ 0x10000

APIC_BASE_MSR   equ 0x1b
LAPIC_ID        equ 0x020
LAPIC_SVR       equ 0x0f0
LAPIC_ICR_LOW   equ 0x300
LAPIC_ICR_HIGH  equ 0x310
SVR_ENABLE      equ 0x100
SPURIOUS_VECTOR equ 0xff
ICR_PENDING     equ 1 << 12         ; delivery status: send pending
ICR_INIT        equ 0x4500          ; INIT, level assert, physical destination
ICR_STARTUP     equ 0x4600          ; STARTUP, vector in bits 0-7

RTC_INDEX       equ 0x70
RTC_DATA        equ 0x71
RTC_SECONDS     equ 0x00
WAIT_SECONDS    equ 5
POST_PORT       equ 0x80            ; read as an I/O delay

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
        cli
        mov     esp, stack_top
        cld
        xor     eax, eax
        mov     [cpu_count], eax
        mov     [cpu_ids], eax
        call    serial_init

        call    mp_find_floating
        test    esi, esi
        jnz     .found
        println 'smp: no MP floating pointer with a valid checksum'
        debug_exit 0x7f
.found: mov     edi, [esi + 4]      ; the configuration table
        call    mp_count_cpus
        jnc     .counted
        println 'smp: the MP configuration table is broken'
        debug_exit 0x7f
.counted:
        print   'smp: mp table cpus='
        print_dec dword [cpu_count]
        call    serial_newline

        ; Our local APIC: where it is, our ID, and software-enable it.
        mov     ecx, APIC_BASE_MSR
        rdmsr
        and     eax, 0xfffff000
        mov     ebp, eax
        mov     eax, [ebp + LAPIC_ID]
        shr     eax, 24
        mov     [bsp_id], eax
        print   'smp: bsp apic id='
        print_dec eax
        call    serial_newline
        mov     eax, [ebp + LAPIC_SVR]
        or      eax, SVR_ENABLE | SPURIOUS_VECTOR
        mov     [ebp + LAPIC_SVR], eax

        ; The trampoline, and the APs' counters.
        mov     esi, ap_trampoline
        mov     edi, TRAMPOLINE
        mov     ecx, ap_trampoline_end - ap_trampoline
        rep movsb
        mov     dword [AP_COUNT], 0
        mov     dword [AP_SEEN], 0

        ; INIT, then STARTUP twice (as the MP specification says), to each AP.
        mov     eax, ICR_INIT
        call    ipi_to_aps
        mov     ecx, 100
        call    io_delay
        mov     eax, ICR_STARTUP | (TRAMPOLINE >> 12)
        call    ipi_to_aps
        mov     ecx, 20
        call    io_delay
        mov     eax, ICR_STARTUP | (TRAMPOLINE >> 12)
        call    ipi_to_aps

        ; Wait until every AP has counted itself, or WAIT_SECONDS have passed.
        mov     ebx, [cpu_count]
        dec     ebx                 ; the APs expected
        mov     ecx, WAIT_SECONDS
        call    rtc_seconds
        mov     dl, al
.wait:  cmp     [AP_COUNT], ebx
        jge     .settle
        call    rtc_seconds
        cmp     al, dl
        je      .wait
        mov     dl, al
        loop    .wait
.settle:
        mov     ecx, 100            ; an AP started twice would count again
        call    io_delay

        print   'smp: aps started='
        print_dec dword [AP_COUNT]
        call    serial_newline
        print   'smp: ap apic ids='
        call    put_seen_ids
        call    serial_newline

        ; The APs that started must be exactly those of the MP table.
        cmp     [AP_COUNT], ebx
        jne     .wrong
        mov     eax, [cpu_ids]
        mov     ecx, [bsp_id]
        cmp     ecx, MAX_IDS
        jae     .compare
        btr     eax, ecx            ; every ID but ours
.compare:
        cmp     eax, [AP_SEEN]
        jne     .wrong
        println 'smp: done'
        debug_exit 0
.wrong: println 'smp: the APs that started are not those of the MP table'
        debug_exit 0x7e

; mp_find_floating: ESI = the MP floating pointer structure in
; MP_SCAN_START..MP_SCAN_END (16-byte aligned, "_MP_", checksum 0), or 0.
mp_find_floating:
        push    ecx
        push    eax
        mov     esi, MP_SCAN_START
.scan:  cmp     dword [esi], '_MP_'
        jne     .next
        movzx   ecx, byte [esi + 8] ; length in 16-byte units
        test    ecx, ecx
        jz      .next
        shl     ecx, 4
        call    checksum
        test    al, al
        jz      .done
.next:  add     esi, 16
        cmp     esi, MP_SCAN_END
        jb      .scan
        xor     esi, esi
.done:  pop     eax
        pop     ecx
        ret

; mp_count_cpus: checks the configuration table at EDI ("PCMP", a sane
; length, checksum 0) and walks its entries: cpu_count = the enabled
; processor entries, cpu_ids = the bitmap of their APIC IDs (those below
; MAX_IDS). CF set if the table is broken.
mp_count_cpus:
        pushad
        cmp     dword [edi], 'PCMP'
        jne     .broken
        movzx   ecx, word [edi + 4] ; base table length
        cmp     ecx, MP_HEADER_SIZE
        jb      .broken
        mov     esi, edi
        call    checksum
        test    al, al
        jnz     .broken
        lea     edx, [edi + ecx]    ; the end of the table
        movzx   ecx, word [edi + 34] ; entry count
        lea     esi, [edi + MP_HEADER_SIZE]
.entry: test    ecx, ecx
        jz      .ok
        movzx   eax, byte [esi]     ; entry type
        mov     ebx, 8              ; every entry type but processors: 8 bytes
        test    eax, eax
        jnz     .sized
        mov     ebx, 20
.sized: cmp     eax, 4
        ja      .broken             ; unknown type: its size is unknown
        lea     eax, [esi + ebx]
        cmp     eax, edx
        ja      .broken             ; runs past the table
        cmp     byte [esi], 0
        jne     .skip
        test    byte [esi + 3], 1   ; CPU flags: enabled
        jz      .skip
        inc     dword [cpu_count]
        movzx   eax, byte [esi + 1] ; local APIC ID
        cmp     eax, MAX_IDS
        jae     .skip
        bts     dword [cpu_ids], eax
.skip:  add     esi, ebx
        dec     ecx
        jmp     .entry
.ok:    popad
        clc
        ret
.broken:
        popad
        stc
        ret

; checksum: AL = the 8-bit sum of ECX bytes at ESI.
checksum:
        push    esi
        push    ecx
        xor     al, al
.add:   add     al, [esi]
        inc     esi
        loop    .add
        pop     ecx
        pop     esi
        ret

; ipi_to_aps: sends the IPI whose ICR low word is EAX to every APIC ID in
; cpu_ids but ours, one by one (physical destination mode). EBP: the LAPIC.
ipi_to_aps:
        pushad
        mov     edx, eax
        xor     ebx, ebx            ; APIC ID
.id:    bt      dword [cpu_ids], ebx
        jnc     .next
        cmp     ebx, [bsp_id]
        je      .next
        mov     ecx, 1000           ; wait (bounded) for the previous IPI
.idle:  test    dword [ebp + LAPIC_ICR_LOW], ICR_PENDING
        loopnz  .idle
        mov     eax, ebx
        shl     eax, 24
        mov     [ebp + LAPIC_ICR_HIGH], eax
        mov     [ebp + LAPIC_ICR_LOW], edx  ; this write sends it
.next:  inc     ebx
        cmp     ebx, MAX_IDS
        jb      .id
        popad
        ret

; io_delay: ECX reads of port 0x80 (about a microsecond each on hardware).
io_delay:
        push    eax
.read:  in      al, POST_PORT
        loop    .read
        pop     eax
        ret

; rtc_seconds: AL = the RTC's seconds register.
rtc_seconds:
        mov     al, RTC_SECONDS
        out     RTC_INDEX, al
        in      al, RTC_DATA
        ret

; put_seen_ids: the APIC IDs in AP_SEEN, in decimal separated by spaces, or
; "none".
put_seen_ids:
        pushad
        mov     edx, [AP_SEEN]
        test    edx, edx
        jnz     .ids
        print   'none'
        popad
        ret
.ids:   xor     ebx, ebx            ; APIC ID
        xor     ecx, ecx            ; IDs printed
.id:    bt      edx, ebx
        jnc     .next
        test    ecx, ecx
        jz      .first
        mov     al, ' '
        call    serial_putc
.first: print_dec ebx
        inc     ecx
.next:  inc     ebx
        cmp     ebx, MAX_IDS
        jb      .id
        popad
        ret

        SERIAL_ROUTINES

; The APs start here in real mode, at CS:IP = (TRAMPOLINE >> 4):0, after it
; has been copied to TRAMPOLINE. Position-independent: absolute data
; addresses and relative jumps only; no stack.
        bits    16
ap_trampoline:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     eax, 1
        cpuid
        shr     ebx, 24             ; initial APIC ID
        and     ebx, MAX_IDS - 1
        lock bts dword [AP_SEEN], ebx
        lock inc dword [AP_COUNT]
.halt:  cli
        hlt
        jmp     .halt
ap_trampoline_end:
        bits    32

load_end:

        section .bss align=16
cpu_count:      resd    1           ; enabled processor entries
cpu_ids:        resd    1           ; bitmap of their APIC IDs
bsp_id:         resd    1
stack:          resb    4096
stack_top:
bss_end:
