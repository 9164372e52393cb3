; SPDX-License-Identifier: GPL-3.0-or-later
; irq.asm — external interrupts at CPL 0, for tests/soft-system.sh: a
; Multiboot v1 kernel (32-bit protected mode, flat, no paging) that counts
; interrupts from the PC's timers through each interrupt controller, waiting
; for them in HLT:
;   pic     the PIT (channel 0, mode 2, 1 kHz) on IRQ 0 through the 8259A
;           pair (vectors 0x20-0x2f), 10 interrupts
;   rtc     the RTC's periodic interrupt (1024 Hz) on IRQ 8 through the
;           slave 8259A, 8 interrupts, register C read in the handler
;   ioapic  the same two through the I/O APIC (PIT on pin 2, RTC on pin 8),
;           the PICs masked, EOIs to the local APIC
;   apic    the local APIC timer: one-shot (one interrupt, then the current
;           count reads 0), periodic (5 interrupts) and TSC-deadline (one
;           interrupt about 2 million TSC ticks ahead, waited for in HLT;
;           the deadline MSR reads 0 afterwards)
;   pit2    channel 2 gated by port 0x61, its output read back there
; Every count is exact by construction (each phase waits for N interrupts
; and then masks its source), so the output is the same on every engine.
; Ends with "irq: done" and debug-exit value 0; an unexpected exception or
; a missing interrupt (a bounded wait) ends with value 3.

        bits    32
        org     0x100000

        %include "serial.inc"
        %include "mb32.inc"

LAPIC           equ 0xfee00000
LAPIC_EOI       equ LAPIC + 0xb0
LAPIC_SVR       equ LAPIC + 0xf0
LAPIC_LVT_TIMER equ LAPIC + 0x320
LAPIC_INIT      equ LAPIC + 0x380
LAPIC_CURRENT   equ LAPIC + 0x390
LAPIC_DIVIDE    equ LAPIC + 0x3e0
IOAPIC          equ 0xfec00000
VEC_APIC_TIMER  equ 0x50
VEC_IOAPIC_PIT  equ 0x40
VEC_IOAPIC_RTC  equ 0x41
WAIT_LOOPS      equ 2000            ; HLTs before a wait gives up

        section .text
        MB32_HEADER
        MB32_START 'irq: start'
        call    irq_gates
        call    pic_init
        call    phase_pic
        call    phase_rtc
        call    phase_ioapic
        call    phase_apic
        call    phase_pit2
        println 'irq: done'
        debug_exit 0

; wait_for COUNTER, N: HLT (interrupts on) until dword [COUNTER] >= N, at
; most WAIT_LOOPS times; then interrupts off.
%macro wait_for 2
        mov     ecx, WAIT_LOOPS
%%loop: sti
        hlt
        cli
        cmp     dword [%1], %2
        jae     %%done
        dec     ecx
        jnz     %%loop
        print   'irq: timeout waiting for '
        println %str(%1)
        debug_exit 3
%%done:
%endmacro

; ---- the 8259A pair: vectors 0x20-0x2f, everything masked ----
pic_init:
        mov     al, 0x11                ; ICW1: edge, cascade, ICW4
        out     0x20, al
        out     0xa0, al
        mov     al, 0x20                ; ICW2: vector bases
        out     0x21, al
        mov     al, 0x28
        out     0xa1, al
        mov     al, 0x04                ; ICW3: slave on IR2
        out     0x21, al
        mov     al, 0x02
        out     0xa1, al
        mov     al, 0x01                ; ICW4: 8086 mode
        out     0x21, al
        out     0xa1, al
        mov     al, 0xff                ; all masked
        out     0x21, al
        out     0xa1, al
        ret

; ---- PIT through the PIC ----
phase_pic:
        mov     al, 0x34                ; channel 0, LSB then MSB, mode 2
        out     0x43, al
        mov     ax, 1193                ; 1 kHz
        out     0x40, al
        mov     al, ah
        out     0x40, al
        mov     al, 0xfe                ; unmask IRQ 0
        out     0x21, al
        wait_for pit_ticks, 10
        mov     al, 0xff
        out     0x21, al
        println 'pic: 10 pit interrupts on irq 0'
        ret

; ---- RTC periodic interrupt through the slave PIC ----
phase_rtc:
        mov     al, 0x8a                ; register A (NMI off), rate 6: 1024 Hz
        out     0x70, al
        mov     al, 0x26
        out     0x71, al
        mov     al, 0x8b                ; register B: PIE
        out     0x70, al
        in      al, 0x71
        or      al, 0x40
        mov     ah, al
        mov     al, 0x8b
        out     0x70, al
        mov     al, ah
        out     0x71, al
        mov     al, 0x8c                ; read C: nothing stale pending
        out     0x70, al
        in      al, 0x71
        mov     al, 0xfb                ; unmask IRQ 2 (cascade) and IRQ 8
        out     0x21, al
        mov     al, 0xfe
        out     0xa1, al
        wait_for rtc_ticks, 8
        mov     al, 0xff
        out     0x21, al
        out     0xa1, al
        call    rtc_stop
        println 'rtc: 8 periodic interrupts on irq 8'
        ret

rtc_stop:
        mov     al, 0x8b
        out     0x70, al
        in      al, 0x71
        and     al, ~0x40
        mov     ah, al
        mov     al, 0x8b
        out     0x70, al
        mov     al, ah
        out     0x71, al
        mov     al, 0x8c
        out     0x70, al
        in      al, 0x71
        ret

; ---- the same two through the I/O APIC ----
; ioapic_route PIN, VECTOR (edge, active high, fixed, physical APIC 0)
%macro ioapic_route 2
        mov     dword [IOAPIC], 0x10 + 2 * %1
        mov     dword [IOAPIC + 0x10], %2
        mov     dword [IOAPIC], 0x11 + 2 * %1
        mov     dword [IOAPIC + 0x10], 0
%endmacro
%macro ioapic_mask 1
        mov     dword [IOAPIC], 0x10 + 2 * %1
        mov     dword [IOAPIC + 0x10], 0x10000
%endmacro

phase_ioapic:
        mov     dword [LAPIC_SVR], 0x1ff    ; APIC software-enabled
        mov     dword [pit_ticks], 0
        mov     dword [rtc_ticks], 0
        ioapic_route 2, VEC_IOAPIC_PIT
        wait_for apic_pit_ticks, 10
        ioapic_mask 2
        println 'ioapic: 10 pit interrupts on pin 2'
        mov     al, 0x8b                ; RTC PIE again
        out     0x70, al
        in      al, 0x71
        or      al, 0x40
        mov     ah, al
        mov     al, 0x8b
        out     0x70, al
        mov     al, ah
        out     0x71, al
        ioapic_route 8, VEC_IOAPIC_RTC
        mov     al, 0x8c                ; read C after routing: an edge that
        out     0x70, al                ; came while pin 8 was masked is lost
        in      al, 0x71
        wait_for apic_rtc_ticks, 8
        ioapic_mask 8
        call    rtc_stop
        println 'ioapic: 8 rtc interrupts on pin 8'
        print   'ioapic: legacy ticks='
        mov     eax, [pit_ticks]
        add     eax, [rtc_ticks]
        print_dec eax
        call    serial_newline
        mov     al, 0x30                ; PIT channel 0: mode 0, stopped
        out     0x43, al
        ret

; ---- the local APIC timer ----
phase_apic:
        mov     dword [LAPIC_DIVIDE], 0x3               ; divide by 16
        mov     dword [LAPIC_LVT_TIMER], VEC_APIC_TIMER ; one-shot
        mov     dword [LAPIC_INIT], 100000
        wait_for apic_timer_ticks, 1
        mov     eax, [LAPIC_CURRENT]
        print   'apic: one-shot ticks='
        print_dec dword [apic_timer_ticks]
        print   ' current='
        print_dec eax
        call    serial_newline
        mov     dword [apic_timer_ticks], 0
        mov     dword [LAPIC_LVT_TIMER], VEC_APIC_TIMER | (1 << 17)   ; periodic
        mov     dword [LAPIC_INIT], 200000
        wait_for apic_timer_ticks, 5
        mov     dword [LAPIC_LVT_TIMER], VEC_APIC_TIMER | (1 << 16)   ; masked
        mov     dword [LAPIC_INIT], 0
        println 'apic: 5 periodic interrupts'
        mov     eax, 1                  ; TSC-deadline offered? (CPUID.1:ECX[24])
        cpuid
        bt      ecx, 24
        jc      .deadline
        println 'apic: no tsc-deadline mode'
        debug_exit 3
.deadline:
        mov     dword [apic_timer_ticks], 0
        mov     dword [LAPIC_LVT_TIMER], VEC_APIC_TIMER | (2 << 17)   ; TSC-deadline
        rdtsc
        add     eax, 2000000
        adc     edx, 0
        mov     ecx, 0x6e0              ; IA32_TSC_DEADLINE
        wrmsr
        wait_for apic_timer_ticks, 1
        mov     ecx, 0x6e0
        rdmsr
        or      eax, edx
        print   'apic: tsc-deadline ticks=1 msr after='
        print_dec eax
        call    serial_newline
        mov     dword [LAPIC_LVT_TIMER], VEC_APIC_TIMER | (1 << 16)   ; masked
        ret

; ---- PIT channel 2 and port 0x61 ----
phase_pit2:
        in      al, 0x61
        and     al, 0xfc                ; gate off, speaker off
        out     0x61, al
        mov     al, 0xb0                ; channel 2, LSB then MSB, mode 0
        out     0x43, al
        mov     al, 0xff                ; count 0x2ff (~0.6 ms)
        out     0x42, al
        mov     al, 0x02
        out     0x42, al
        xor     eax, eax
        in      al, 0x61
        and     al, 0x20
        print   'pit2: out before gate='
        print_dec eax
        in      al, 0x61
        or      al, 1                   ; gate on: counting starts
        out     0x61, al
        mov     ecx, 100000000
.poll:  in      al, 0x61
        test    al, 0x20
        jnz     .high
        dec     ecx
        jnz     .poll
        println ' (timeout)'
        debug_exit 3
.high:  println ' after count: out=1'
        ret

; ---- interrupts ----
irq_gates:
        mov     eax, irq_pit
        mov     ebx, 0x20
        call    mb32_set_gate
        mov     eax, irq_rtc
        mov     ebx, 0x28
        call    mb32_set_gate
        mov     eax, irq_spurious7
        mov     ebx, 0x27
        call    mb32_set_gate
        mov     eax, irq_apic_pit
        mov     ebx, VEC_IOAPIC_PIT
        call    mb32_set_gate
        mov     eax, irq_apic_rtc
        mov     ebx, VEC_IOAPIC_RTC
        call    mb32_set_gate
        mov     eax, irq_apic_timer
        mov     ebx, VEC_APIC_TIMER
        call    mb32_set_gate
        mov     eax, irq_spurious
        mov     ebx, 0xff
        call    mb32_set_gate
        ret

irq_pit:
        push    eax
        inc     dword [pit_ticks]
        mov     al, 0x20
        out     0x20, al
        pop     eax
        iretd

irq_rtc:
        push    eax
        inc     dword [rtc_ticks]
        mov     al, 0x0c                ; read C: lets the RTC interrupt again
        out     0x70, al
        in      al, 0x71
        mov     al, 0x20
        out     0xa0, al
        out     0x20, al
        pop     eax
        iretd

irq_spurious7:
        iretd

irq_apic_pit:
        inc     dword [apic_pit_ticks]
        mov     dword [LAPIC_EOI], 0
        iretd

irq_apic_rtc:
        push    eax
        inc     dword [apic_rtc_ticks]
        mov     al, 0x0c
        out     0x70, al
        in      al, 0x71
        mov     dword [LAPIC_EOI], 0
        pop     eax
        iretd

irq_apic_timer:
        inc     dword [apic_timer_ticks]
        mov     dword [LAPIC_EOI], 0
        iretd

irq_spurious:
        iretd

        MB32_EXCEPTIONS 'irq: unexpected exception '

        SERIAL_ROUTINES

        section .data
        align   8
        MB32_GDT_FLAT
        MB32_DESCRIPTORS 256
pit_ticks:        dd 0
rtc_ticks:        dd 0
apic_pit_ticks:   dd 0
apic_rtc_ticks:   dd 0
apic_timer_ticks: dd 0
load_end:

        section .bss
        align   8
idt:    resb    256 * 8
        resb    4096
stack_top:
bss_end:
