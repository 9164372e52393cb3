/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ioapic.c — an I/O APIC after the Intel 82093AA datasheet, with 24 input
 * pins, delivering to the soft engine's one local APIC (hw/lapic.h).
 *
 * Registers, through IOREGSEL (offset 0x00, 8 bits) and IOWIN (0x10):
 *   0x00 ID: bits 27:24, read/write; reset to the MP table's I/O APIC ID
 *        (the number of vCPUs, 4 bits kept, hw/mptable.c).
 *   0x01 version: 0x00170011 (version 0x11 as the MP table says, maximum
 *        redirection entry 0x17 = 24 pins), read-only.
 *   0x02 arbitration ID: bits 27:24 = the ID, read-only.
 *   0x10 + 2n, 0x11 + 2n: redirection entry n (low, high dword). Vector,
 *        delivery mode, destination mode, polarity, trigger mode, mask and
 *        the destination (bits 63:56) are read/write; delivery status
 *        (always idle: delivery is instant) and remote IRR are read-only;
 *        reserved bits read 0. Reset: masked, everything else 0.
 *   Other indexes read 0 and ignore writes.
 *
 * Decisions:
 * - MMIO: IOREGSEL takes the low byte of a write of any size at offset 0;
 *   IOWIN takes 32-bit writes at offset 0x10; other writes are ignored.
 *   Reads of any size return the bytes of IOREGSEL/IOWIN as stored (IOWIN
 *   read at 0x10..0x13), and 0 elsewhere. No EOI register (version 0x11 has
 *   none): EOIs come from the local APIC through ioapic_eoi().
 * - Edge entries deliver on the pin's active edge (after polarity) while
 *   unmasked; an edge on a masked pin is lost, as the datasheet says.
 * - Level entries (fixed and lowest-priority modes) deliver while the pin is
 *   active, unmasked and remote IRR is clear; remote IRR is set when the
 *   local APIC accepts the message and cleared by an EOI with the entry's
 *   vector, after which a still-active pin delivers again. Unmasking (or
 *   any write to) a level entry whose pin is active delivers it. NMI, SMI,
 *   INIT and ExtINT entries always act as edge-triggered (the datasheet
 *   asks for edge with these modes), so their remote IRR stays clear.
 * - Destinations: physical mode compares bits 63:56 with the local APIC's
 *   ID (0xff: all), as the xAPIC does (the 82093AA used bits 59:56 only);
 *   logical mode uses the local APIC's LDR/DFR. Lowest priority is fixed
 *   with one CPU. A message that reaches no APIC is dropped.
 * - Delivery modes 3 and 6 (reserved) deliver nothing.
 *
 * Everything runs with the machine lock held. */
#include "hw/ioapic.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "hw/lapic.h"
#include "hw/machine.h"

enum {
	MMIO_IOREGSEL = 0x00,
	MMIO_IOWIN = 0x10,
};

enum {
	IDX_ID = 0x00,
	IDX_VERSION = 0x01,
	IDX_ARB = 0x02,
	IDX_REDIR = 0x10,
};

#define ID_MASK 0x0f000000u
#define MAX_REDIR_SHIFT 16

#define RTE_VECTOR 0xffull
#define RTE_DELIVERY_SHIFT 8
#define RTE_LOGICAL (1ull << 11)
#define RTE_DELIVERY_STATUS (1ull << 12)
#define RTE_POLARITY_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_DEST_SHIFT 56
/* Guest-writable bits: vector, delivery mode, destination mode, polarity,
 * trigger, mask, destination. */
#define RTE_WRITABLE (0xff00000000000000ull | 0x1afffull)

struct ioapic {
	struct device dev;
	struct machine *m;
	struct lapic *lapic;
	uint8_t regsel;
	uint32_t id;                    /* as index 0 reads */
	uint32_t reset_id;
	uint64_t rte[IOAPIC_PINS];
	uint32_t pin_level;             /* electrical levels, bit per pin */
};

static bool ioapic_pin_active(const struct ioapic *io, int pin)
{
	bool level = (io->pin_level >> pin) & 1;
	return level ^ ((io->rte[pin] & RTE_POLARITY_LOW) != 0);
}

static unsigned rte_mode(uint64_t rte)
{
	return (rte >> RTE_DELIVERY_SHIFT) & 7;
}

/* Level semantics (remote IRR, EOI) only for fixed and lowest priority. */
static bool rte_is_level(uint64_t rte)
{
	unsigned mode = rte_mode(rte);
	return (rte & RTE_LEVEL) && (mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST);
}

/* Sends entry `pin`'s message; true if the local APIC accepted it. */
static bool ioapic_send(struct ioapic *io, int pin)
{
	uint64_t rte = io->rte[pin];
	uint8_t dest = (uint8_t)(rte >> RTE_DEST_SHIFT);
	if (!io->lapic || !lapic_match_destination(io->lapic, dest, rte & RTE_LOGICAL))
		return false;
	return lapic_deliver(io->lapic, (int)(rte & RTE_VECTOR), (int)rte_mode(rte),
			     rte_is_level(rte));
}

/* A level entry: deliver if active, unmasked and not awaiting an EOI. */
static void ioapic_service_level(struct ioapic *io, int pin)
{
	uint64_t *rte = &io->rte[pin];
	if (!rte_is_level(*rte) || (*rte & (RTE_MASKED | RTE_REMOTE_IRR)))
		return;
	if (ioapic_pin_active(io, pin) && ioapic_send(io, pin))
		*rte |= RTE_REMOTE_IRR;
}

void ioapic_set_irq(struct ioapic *io, int pin, int level)
{
	if (pin < 0 || pin >= IOAPIC_PINS)
		return;
	bool was = ioapic_pin_active(io, pin);
	if (level)
		io->pin_level |= 1u << pin;
	else
		io->pin_level &= ~(1u << pin);
	bool now = ioapic_pin_active(io, pin);
	if (io->rte[pin] & RTE_MASKED)
		return;
	if (rte_is_level(io->rte[pin]))
		ioapic_service_level(io, pin);
	else if (!was && now)
		ioapic_send(io, pin);
}

void ioapic_eoi(struct ioapic *io, int vector)
{
	for (int pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t *rte = &io->rte[pin];
		if ((int)(*rte & RTE_VECTOR) != vector || !(*rte & RTE_REMOTE_IRR))
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		ioapic_service_level(io, pin);
	}
}

static uint32_t ioapic_read_window(const struct ioapic *io)
{
	unsigned idx = io->regsel;
	switch (idx) {
	case IDX_ID:
		return io->id;
	case IDX_VERSION:
		return (uint32_t)(IOAPIC_PINS - 1) << MAX_REDIR_SHIFT | IOAPIC_VERSION;
	case IDX_ARB:
		return io->id & ID_MASK;
	}
	if (idx >= IDX_REDIR && idx < IDX_REDIR + 2 * IOAPIC_PINS) {
		uint64_t rte = io->rte[(idx - IDX_REDIR) / 2];
		return (idx & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
	}
	return 0;
}

static void ioapic_write_window(struct ioapic *io, uint32_t value)
{
	unsigned idx = io->regsel;
	if (idx == IDX_ID) {
		io->id = value & ID_MASK;
		return;
	}
	if (idx < IDX_REDIR || idx >= IDX_REDIR + 2 * IOAPIC_PINS)
		return;         /* version, arbitration: read-only; others: none */
	int pin = (int)(idx - IDX_REDIR) / 2;
	uint64_t *rte = &io->rte[pin];
	uint64_t v = (idx & 1) ? ((uint64_t)value << 32) | (*rte & 0xffffffffull)
			       : (*rte & 0xffffffff00000000ull) | value;
	*rte = (v & RTE_WRITABLE) | (*rte & RTE_REMOTE_IRR);
	if (!rte_is_level(*rte))
		*rte &= ~RTE_REMOTE_IRR;
	ioapic_service_level(io, pin);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, int size)
{
	const struct ioapic *io = opaque;
	(void)size;
	if (offset < 4)
		return (uint64_t)io->regsel >> (8 * offset);
	if (offset >= MMIO_IOWIN && offset < MMIO_IOWIN + 4)
		return (uint64_t)(ioapic_read_window(io) >> (8 * (offset - MMIO_IOWIN)));
	return 0;
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, int size, uint64_t value)
{
	struct ioapic *io = opaque;
	if (offset == MMIO_IOREGSEL)
		io->regsel = (uint8_t)value;
	else if (offset == MMIO_IOWIN && size == 4)
		ioapic_write_window(io, (uint32_t)value);
}

static void ioapic_reset(struct device *dev)
{
	struct ioapic *io = (struct ioapic *)dev;
	io->regsel = 0;
	io->id = io->reset_id;
	for (int pin = 0; pin < IOAPIC_PINS; pin++)
		io->rte[pin] = RTE_MASKED;
}

static void ioapic_destroy(struct device *dev)
{
	free(dev);
}

int ioapic_create(struct machine *m, struct lapic *lapic, struct ioapic **out, struct error *err)
{
	struct ioapic *io = calloc(1, sizeof(*io));
	if (!io)
		return error_set(err, -ENOMEM, "I/O APIC: out of memory");
	io->dev.name = "ioapic";
	io->dev.reset = ioapic_reset;
	io->dev.destroy = ioapic_destroy;
	io->m = m;
	io->lapic = lapic;
	io->reset_id = ((uint32_t)m->cfg.smp << 24) & ID_MASK;
	ioapic_reset(&io->dev);
	int rc = memmap_add(&m->mem, &(struct mem_region){ .base = IOAPIC_BASE,
		.size = IOAPIC_MMIO_SIZE, .kind = MEM_MMIO, .read = ioapic_mmio_read,
		.write = ioapic_mmio_write, .opaque = io, .name = "ioapic" }, err);
	if (rc < 0) {
		free(io);
		return rc;
	}
	machine_add_device(m, &io->dev);
	if (out)
		*out = io;
	return 0;
}
