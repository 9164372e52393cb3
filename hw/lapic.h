/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lapic.h — the local APIC (xAPIC mode) of the soft engine's one vCPU: its
 * registers as MMIO at 0xFEE00000, the IA32_APIC_BASE and IA32_TSC_DEADLINE
 * MSRs, the LINT0/LINT1 pins, messages from the I/O APIC, and the CPU's side
 * (has an interrupt, acknowledge, NMI). The kvm engine does not use it: KVM
 * has its own in-kernel local APICs. See lapic.c for the decisions. */
#ifndef MORPHEUS_LAPIC_H
#define MORPHEUS_LAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/error.h"

struct machine;
struct lapic;

#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define LAPIC_MMIO_SIZE 0x1000
#define LAPIC_VERSION 0x00050014u           /* version 0x14, max LVT entry 5 */

/* IA32_APIC_BASE bits. */
#define LAPIC_BASE_BSP (1ull << 8)
#define LAPIC_BASE_EXTD (1ull << 10)        /* x2APIC mode: not supported (reserved) */
#define LAPIC_BASE_ENABLE (1ull << 11)
#define LAPIC_BASE_ADDR_MASK 0xffffff000ull /* bits 35:12 (MAXPHYADDR 36) */

/* Delivery modes of LVT entries, the ICR and I/O APIC messages. */
enum lapic_delivery {
	LAPIC_DM_FIXED = 0,
	LAPIC_DM_LOWEST = 1,
	LAPIC_DM_SMI = 2,
	LAPIC_DM_NMI = 4,
	LAPIC_DM_INIT = 5,
	LAPIC_DM_STARTUP = 6,
	LAPIC_DM_EXTINT = 7,
};

/* Callbacks set by the integrator; every one may be NULL and every one is
 * called with the machine lock held. extint_ack may call lapic_set_lint (the
 * PIC lowering INTR) and eoi may call lapic_deliver (ioapic_eoi delivering
 * again): both are safe. output_changed should only kick the CPU. */
struct lapic_callbacks {
	/* lapic_has_interrupt() or the pending NMI changed: kick the CPU. */
	void (*output_changed)(void *opaque);
	/* The INTA cycle of an ExtINT: the 8259's acknowledge; returns its
	 * vector (NULL: the spurious vector is returned instead). */
	int (*extint_ack)(void *opaque);
	/* EOI of a vector whose TMR bit was set (level-triggered): broadcast
	 * it to the I/O APIC (ioapic_eoi). */
	void (*eoi)(void *opaque, int vector);
	/* The CPU's time-stamp counter, and its rate in kHz, for the
	 * TSC-deadline timer mode (without both, deadlines never fire). */
	uint64_t (*read_tsc)(void *opaque);
	uint64_t tsc_khz;
};

/* Adds the registers as MMIO at LAPIC_DEFAULT_BASE (4 KiB) and the device
 * to the machine's list (it is freed with the machine). APIC ID 0, version
 * LAPIC_VERSION: six LVT entries (timer, thermal, performance counters,
 * LINT0, LINT1, error; no CMCI). */
int lapic_create(struct machine *m, struct lapic **out, struct error *err);
void lapic_set_callbacks(struct lapic *a, const struct lapic_callbacks *cb, void *opaque);

/* The IA32_APIC_BASE MSR: base address, BSP (bit 8) and global enable
 * (bit 11); reset value 0xFEE00900. lapic_set_base returns -1 (the CPU raises
 * #GP) when a reserved bit is set (bits 0-7, 9, 10 (x2APIC), above 35)
 * and changes nothing then. Clearing the enable bit resets the registers to
 * their power-up state; while disabled the APIC delivers nothing and its
 * MMIO window reads all ones. The registers stay at 0xFEE00000 whatever the
 * base (the memory map cannot move a region): a relocated base is stored
 * and read back, nothing more. */
uint64_t lapic_get_base(const struct lapic *a);
int lapic_set_base(struct lapic *a, uint64_t value);
/* Global enable (IA32_APIC_BASE bit 11) and software enable (SVR bit 8).
 * When false the PIC's INTR should go to the CPU directly. */
bool lapic_enabled(const struct lapic *a);

/* The CPU side. has_interrupt: the highest IRR vector's priority class is
 * above the PPR's, or an ExtINT is pending (LINT0 in ExtINT mode asserted, or
 * an ExtINT message). acknowledge: the INTA cycle: the vector, moved from IRR
 * to ISR; an ExtINT calls extint_ack and returns the PIC's vector; nothing
 * deliverable returns the SVR's spurious vector (and touches no ISR bit). */
bool lapic_has_interrupt(const struct lapic *a);
int lapic_acknowledge(struct lapic *a);
/* A pending NMI (LINT in NMI mode, an NMI IPI or message): true once per
 * NMI, which the CPU then takes. */
bool lapic_take_nmi(struct lapic *a);
bool lapic_nmi_pending(const struct lapic *a);

/* Inputs. pin 0/1 = LINT0/LINT1, level = the electrical level (the LVT's
 * polarity bit inverts it). Out-of-range pins are ignored. */
void lapic_set_lint(struct lapic *a, int pin, int level);
/* A message from the I/O APIC: fixed, lowest priority (= fixed: one CPU),
 * NMI and ExtINT are taken; SMI, INIT, startup and reserved modes are
 * ignored (one vCPU: there is nobody to start or reset). level_triggered sets
 * the vector's TMR bit (else clears it). Returns true when this APIC accepted
 * the message: fixed vectors < 16 are refused with the ESR's receive-illegal-
 * vector error; fixed "vectors" outside 0..255, fixed vectors while the APIC
 * is software-disabled and everything while it is globally disabled are
 * refused without one. */
bool lapic_deliver(struct lapic *a, int vector, int delivery_mode, bool level_triggered);
/* Whether a message for `dest` in physical (logical = false: dest == APIC ID
 * or 0xff) or logical (LDR/DFR, flat or cluster model; 0xff = all) mode
 * reaches this APIC. */
bool lapic_match_destination(const struct lapic *a, uint8_t dest, bool logical);

/* CR8 in 64-bit mode: TPR[7:4]; a write sets TPR = (value & 15) << 4. */
uint64_t lapic_read_cr8(const struct lapic *a);
void lapic_write_cr8(struct lapic *a, uint64_t value);

/* IA32_TSC_DEADLINE: only in TSC-deadline timer mode (else writes are
 * ignored and reads return 0); 0 disarms; it reads 0 again once fired. */
void lapic_write_tsc_deadline(struct lapic *a, uint64_t value);
uint64_t lapic_read_tsc_deadline(const struct lapic *a);

/* Register access by offset in the 4 KiB window, as the MMIO handlers do
 * (for an engine that dispatches APIC accesses itself). */
uint64_t lapic_mmio_read(struct lapic *a, uint64_t offset, int size);
void lapic_mmio_write(struct lapic *a, uint64_t offset, int size, uint64_t value);

#endif
