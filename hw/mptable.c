/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mptable.c — writes the Intel MultiProcessor table (spec 1.4) into guest
 * RAM so that a guest OS finds the CPUs, the I/O APIC and the ISA interrupt
 * routing.
 *
 * The floating pointer sits at MPTABLE_ADDR (the start of the BIOS area,
 * which the e820 map reserves) and is followed by the configuration table:
 * one processor entry per vCPU (APIC ID = vCPU index, vCPU 0 the BSP), one
 * ISA bus, one I/O APIC (ID = number of vCPUs, version 0x11, at 0xFEC00000),
 * the ISA IRQs (IRQ 0 on I/O APIC pin 2, the others on their own pin; IRQ 2,
 * the 8259 cascade, is not routed), ExtINT on LINT0 and NMI on LINT1 of every
 * local APIC. This is the routing the kvm engine programs into KVM.
 * It does not write ACPI tables. */
#include "hw/mptable.h"

#include <errno.h>
#include <string.h>

#include "hw/machine.h"

#define MPTABLE_ADDR 0xf0000u
#define MPTABLE_AREA_END 0x100000u
#define MP_LAPIC_ADDR 0xfee00000u
#define MP_IOAPIC_ADDR 0xfec00000u
#define MP_LAPIC_VERSION 0x14
#define MP_IOAPIC_VERSION 0x11
#define MP_SPEC_REV 4
/* CPU signature and feature flags of the processor entries: family 6, and
 * FPU + on-chip APIC. Guests read the real values with CPUID. */
#define MP_CPU_SIGNATURE 0x600u
#define MP_CPU_FEATURES ((1u << 0) | (1u << 9))

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_IOINT, MP_LOCALINT };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };
#define MP_ISA_BUS_ID 0
#define MP_ALL_LAPICS 0xff

#define MP_FLOATING_SIZE 16
#define MP_HEADER_SIZE 44

/* Appends little-endian fields to a buffer of known size. */
struct mp_writer {
	uint8_t *p, *end;
};

static void put8(struct mp_writer *w, uint8_t v)
{
	if (w->p < w->end)
		*w->p = v;
	w->p++;
}

static void put16(struct mp_writer *w, uint16_t v)
{
	put8(w, (uint8_t)v);
	put8(w, (uint8_t)(v >> 8));
}

static void put32(struct mp_writer *w, uint32_t v)
{
	put16(w, (uint16_t)v);
	put16(w, (uint16_t)(v >> 16));
}

static void put_bytes(struct mp_writer *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(w, (uint8_t)s[i]);
}

static uint8_t mp_checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

static void put_ioint(struct mp_writer *w, uint8_t irq, uint8_t ioapic_id, uint8_t pin)
{
	put8(w, MP_IOINT);
	put8(w, MP_INT);
	put16(w, 0);                     /* polarity and trigger conform to the bus */
	put8(w, MP_ISA_BUS_ID);
	put8(w, irq);
	put8(w, ioapic_id);
	put8(w, pin);
}

static void put_localint(struct mp_writer *w, uint8_t type, uint8_t lint)
{
	put8(w, MP_LOCALINT);
	put8(w, type);
	put16(w, 0);
	put8(w, MP_ISA_BUS_ID);
	put8(w, 0);
	put8(w, MP_ALL_LAPICS);
	put8(w, lint);
}

int mptable_write(struct machine *m, struct error *err)
{
	int cpus = m->cfg.smp;
	if (cpus < 1 || cpus > 254)
		return error_set(err, -EINVAL, "MP table: %d CPUs do not fit", cpus);
	uint8_t *area = machine_ram_ptr(m, MPTABLE_ADDR, MPTABLE_AREA_END - MPTABLE_ADDR);
	if (!area)
		return error_set(err, -EINVAL, "MP table: no RAM at 0x%x", MPTABLE_ADDR);
	uint8_t ioapic_id = (uint8_t)cpus;

	/* The configuration table, right after the floating pointer. */
	uint8_t *table = area + MP_FLOATING_SIZE;
	struct mp_writer w = { table, area + (MPTABLE_AREA_END - MPTABLE_ADDR) };
	uint16_t entries = 0;
	w.p += MP_HEADER_SIZE;           /* filled in below, once the length is known */
	for (int i = 0; i < cpus; i++, entries++) {
		put8(&w, MP_PROCESSOR);
		put8(&w, (uint8_t)i);                    /* local APIC ID */
		put8(&w, MP_LAPIC_VERSION);
		put8(&w, (uint8_t)(1 | (i == 0 ? 2 : 0))); /* enabled, BSP */
		put32(&w, MP_CPU_SIGNATURE);
		put32(&w, MP_CPU_FEATURES);
		put32(&w, 0);
		put32(&w, 0);
	}
	put8(&w, MP_BUS);
	put8(&w, MP_ISA_BUS_ID);
	put_bytes(&w, "ISA   ", 6);
	entries++;
	put8(&w, MP_IOAPIC);
	put8(&w, ioapic_id);
	put8(&w, MP_IOAPIC_VERSION);
	put8(&w, 1);                     /* enabled */
	put32(&w, MP_IOAPIC_ADDR);
	entries++;
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		put_ioint(&w, irq, ioapic_id, irq == 0 ? 2 : irq);
		entries++;
	}
	put_localint(&w, MP_EXTINT, 0);
	put_localint(&w, MP_NMI, 1);
	entries += 2;
	if (w.p > w.end)
		return error_set(err, -ENOSPC, "MP table: %d CPUs do not fit below 0x%x", cpus,
				 MPTABLE_AREA_END);
	size_t length = (size_t)(w.p - table);

	w.p = table;
	put_bytes(&w, "PCMP", 4);
	put16(&w, (uint16_t)length);
	put8(&w, MP_SPEC_REV);
	put8(&w, 0);                     /* checksum, below */
	put_bytes(&w, "MORPHEUS", 8);    /* OEM ID */
	put_bytes(&w, "MORPHEUS PC ", 12); /* product ID */
	put32(&w, 0);                    /* no OEM table */
	put16(&w, 0);
	put16(&w, entries);
	put32(&w, MP_LAPIC_ADDR);
	put16(&w, 0);                    /* no extended table */
	put8(&w, 0);
	put8(&w, 0);
	table[7] = mp_checksum(table, length);

	/* The floating pointer. */
	w = (struct mp_writer){ area, area + MP_FLOATING_SIZE };
	put_bytes(&w, "_MP_", 4);
	put32(&w, MPTABLE_ADDR + MP_FLOATING_SIZE);
	put8(&w, 1);                     /* length in 16-byte units */
	put8(&w, MP_SPEC_REV);
	put8(&w, 0);                     /* checksum, below */
	put8(&w, 0);                     /* feature 1: the table above, not a default config */
	put8(&w, 0);                     /* feature 2: virtual wire mode (no IMCR) */
	put8(&w, 0);
	put8(&w, 0);
	put8(&w, 0);
	area[10] = mp_checksum(area, MP_FLOATING_SIZE);
	return 0;
}
