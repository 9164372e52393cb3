/* SPDX-License-Identifier: GPL-3.0-or-later */
/* intc.h — the PC's interrupt controllers and timer modelled in user space
 * (for engines without in-kernel ones: the soft engine), wired as a PC
 * wires them: the 8259A pair, the 8254 PIT, the I/O APIC and the boot
 * CPU's local APIC; and the CPU's side of them.
 *
 * ISA line n goes to the PIC's input n and to I/O APIC pin n (line 0 to
 * pin 2, as the MP table says: hw/mptable.c); the PIC's INTR goes to the
 * local APIC's LINT0 (virtual wire), or straight to the CPU while the
 * local APIC is globally disabled (IA32_APIC_BASE bit 11 clear). */
#ifndef MORPHEUS_INTC_H
#define MORPHEUS_INTC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/error.h"

struct machine;
struct intc;
struct lapic;

/* Creates the four devices, installs itself as the machine's interrupt
 * line sink (m->irq) and as m->intc. Like firmware, it leaves the local
 * APIC in virtual wire mode: software-enabled, LINT0 ExtINT, LINT1 NMI
 * (what KVM's reset state gives the kvm engine's guests too). */
int intc_create(struct machine *m, struct error *err);

/* Called (machine lock held) when an interrupt or NMI may have become
 * pending: the CPU must look (its kick). */
void intc_set_kick(struct intc *ic, void (*kick)(void *opaque), void *opaque);
/* The CPU's time-stamp counter and its rate, for the local APIC timer's
 * TSC-deadline mode (called from any thread, machine lock held). */
void intc_set_tsc(struct intc *ic, uint64_t (*read_tsc)(void *opaque), void *opaque, uint64_t tsc_khz);
/* Without the lock: whether an interrupt or NMI may be pending (a hint:
 * take the lock and call intc_acknowledge / intc_take_nmi to be sure). */
bool intc_maybe_pending(const struct intc *ic);
/* Lock held. The INTA cycle: the vector of the interrupt the CPU takes
 * now, or -1 when none is pending. */
int intc_acknowledge(struct intc *ic);
/* Lock held. A pending NMI, taken (true once per NMI). */
bool intc_take_nmi(struct intc *ic);
/* The boot CPU's local APIC (its MSRs). */
struct lapic *intc_lapic(struct intc *ic);

#endif
