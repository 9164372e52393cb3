; SPDX-License-Identifier: GPL-3.0-or-later
; calibrate.asm — the kvm calibration guest (cpu/kvm_calibrate.c runs it).
;
; It times the same tight loop at CPL 0 and at CPL 3, so that the host can
; tell whether this /dev/kvm runs supervisor code at hardware speed. It does
; no timing itself: it reads an iteration count from the host, marks the
; start and the end of each loop with a write, and the host timestamps those
; exits. An iteration count of 0 ends a phase.
;
; It talks to the host through MMIO, not port I/O: under kvm_pvm (a software
; hypervisor) RFLAGS.IOPL is forced to 0 at CPL 3, so IN/OUT in user mode
; fault there even with IOPL 3 set by IRETQ (a TSS I/O bitmap would work, but
; needs more CPL-0 setup), while an access to a page with no memory slot
; behind it exits to the host at any CPL, everywhere.
;
; Contract with the host (kvm_calibrate.c builds all of this):
; - loaded at CAL_LOAD and entered there in 64-bit long mode at CPL 0, with
;   the first 4 MiB identity-mapped and user-accessible (RAM below CAL_MMIO,
;   nothing above), a valid RSP, and a GDT holding a DPL-3 data segment at
;   0x20 and a DPL-3 64-bit code segment at 0x28;
; - CAL_MMIO: a 32-bit read returns the next count; an 8-bit write of
;   CAL_START / CAL_STOP brackets a loop; CAL_DONE says the guest has
;   finished both phases.
; It does not touch anything else: no interrupts, no IDT, no devices.

bits 64

CAL_LOAD        equ 0x10000
CAL_MMIO        equ 0x200000
CAL_START       equ 1
CAL_STOP        equ 2
CAL_DONE        equ 3
USER_STACK      equ 0x9000
USER_DATA_SEL   equ 0x20 | 3
USER_CODE_SEL   equ 0x28 | 3
RFLAGS_USER     equ 0x0002          ; bit 1 fixed; interrupts off

org CAL_LOAD

start:
	call measure                ; phase 1: CPL 0
	push USER_DATA_SEL          ; IRETQ frame: SS, RSP, RFLAGS, CS, RIP
	push USER_STACK
	push RFLAGS_USER
	push USER_CODE_SEL
	push user
	iretq

user:
	call measure                ; phase 2: CPL 3
	mov byte [CAL_MMIO], CAL_DONE
	jmp user                    ; not reached: the host stops at CAL_DONE

; Runs loops of the counts the host hands out until it hands out 0.
; The timed loop is two instructions per iteration (DEC, JNZ).
measure:
	mov eax, [CAL_MMIO]
	test eax, eax
	jz .done
	mov ecx, eax
	mov byte [CAL_MMIO], CAL_START
.loop:
	dec ecx
	jnz .loop
	mov byte [CAL_MMIO], CAL_STOP
	jmp measure
.done:
	ret
