/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ioapic.h — an 82093AA-style I/O APIC with 24 pins at 0xFEC00000 that
 * delivers to the soft engine's one local APIC (hw/lapic.h). The kvm engine
 * does not use it: KVM has its own in-kernel I/O APIC. */
#ifndef MORPHEUS_IOAPIC_H
#define MORPHEUS_IOAPIC_H

#include <stdint.h>
#include "hw/error.h"

struct machine;
struct lapic;
struct ioapic;

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE 0x1000
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x11     /* as the MP table says (hw/mptable.c) */

/* IOREGSEL (offset 0x00) and IOWIN (0x10) as MMIO at IOAPIC_BASE: ID
 * (index 0; the MP table's ID, the number of vCPUs), version (index 1:
 * 0x00170011, 24 redirection entries), arbitration (index 2) and the 24
 * redirection entries (indexes 0x10..0x3f). Delivers to `lapic` (physical
 * destination = its APIC ID, logical destinations per its LDR/DFR, 0xff =
 * all). Adds itself to the machine's devices. */
int ioapic_create(struct machine *m, struct lapic *lapic, struct ioapic **out, struct error *err);
/* An input pin changed (0-23; others are ignored). Edge entries deliver on
 * the active edge; level entries deliver while the pin is active and set
 * remote IRR until the EOI. Polarity low inverts the level. */
void ioapic_set_irq(struct ioapic *io, int pin, int level);
/* EOI broadcast from the local APIC: clears remote IRR of the level entries
 * with that vector and delivers again those whose pin is still active. */
void ioapic_eoi(struct ioapic *io, int vector);

#endif
