/* SPDX-License-Identifier: GPL-3.0-or-later */
/* intc.c — the user-space interrupt controllers of a PC and their wiring
 * (hw/intc.h): ISA lines to the 8259A pair and the I/O APIC, the PIC's
 * INTR to LINT0 of the local APIC (or to the CPU while that APIC is
 * globally disabled), the I/O APIC's EOIs, and the CPU's view: one
 * "maybe pending" flag kept up to date under the machine lock, the INTA
 * cycle, NMIs. The PIT comes with them: KVM's in-kernel PIT is the kvm
 * engine's. Nothing here knows the engine: the CPU side is a kick
 * callback and three calls. */
#include "hw/intc.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "hw/ioapic.h"
#include "hw/lapic.h"
#include "hw/machine.h"
#include "hw/pic8259.h"
#include "hw/pit8254.h"

#define LAPIC_REG_SVR 0xf0
#define LAPIC_REG_LVT_LINT0 0x350
#define LAPIC_REG_LVT_LINT1 0x360

struct intc {
	struct device dev;
	struct machine *m;
	struct pic8259 *pic;
	struct pit8254 *pit;
	struct lapic *lapic;
	struct ioapic *ioapic;
	bool pic_intr;                  /* the PIC's INTR output */
	atomic_bool maybe_pending;      /* what the CPU polls */
	void (*kick)(void *opaque);
	void *kick_opaque;
	uint64_t (*read_tsc)(void *opaque);
	void *tsc_opaque;
};

/* Whether the PIC's INTR bypasses the local APIC (globally disabled). */
static bool intc_pic_direct(const struct intc *ic)
{
	return !(lapic_get_base(ic->lapic) & LAPIC_BASE_ENABLE);
}

/* Recomputes the CPU's flag; with `kick`, kicks the CPU when something
 * is pending (not from the CPU's own INTA cycle). */
static void intc_update(struct intc *ic, bool kick)
{
	bool pending = lapic_has_interrupt(ic->lapic) || lapic_nmi_pending(ic->lapic) ||
		       (intc_pic_direct(ic) && ic->pic_intr);
	atomic_store(&ic->maybe_pending, pending);
	if (pending && kick && ic->kick)
		ic->kick(ic->kick_opaque);
}

static void intc_lapic_changed(void *opaque)
{
	intc_update(opaque, true);
}

static int intc_extint_ack(void *opaque)
{
	struct intc *ic = opaque;
	return pic8259_acknowledge(ic->pic);
}

static void intc_lapic_eoi(void *opaque, int vector)
{
	struct intc *ic = opaque;
	ioapic_eoi(ic->ioapic, vector);
}

static uint64_t intc_read_tsc(void *opaque)
{
	struct intc *ic = opaque;
	return ic->read_tsc ? ic->read_tsc(ic->tsc_opaque) : 0;
}

static void intc_pic_output(void *opaque, bool level)
{
	struct intc *ic = opaque;
	ic->pic_intr = level;
	lapic_set_lint(ic->lapic, 0, level);
	intc_update(ic, true);
}

/* The machine's interrupt lines (ISA IRQ numbers). */
static void intc_set_level(void *opaque, int line, int level)
{
	struct intc *ic = opaque;
	if (line < 0 || line >= 16)
		return;
	pic8259_set_irq(ic->pic, line, level);
	ioapic_set_irq(ic->ioapic, line == 0 ? 2 : line, level);
}

/* What firmware does before handing over: the local APIC in virtual wire
 * mode (SVR software-enabled with spurious vector 0xff, LINT0 ExtINT,
 * LINT1 NMI), as SeaBIOS leaves it and as KVM's reset state behaves. */
static void intc_virtual_wire(struct intc *ic)
{
	lapic_mmio_write(ic->lapic, LAPIC_REG_SVR, 4, 0x1ff);
	lapic_mmio_write(ic->lapic, LAPIC_REG_LVT_LINT0, 4, LAPIC_DM_EXTINT << 8);
	lapic_mmio_write(ic->lapic, LAPIC_REG_LVT_LINT1, 4, LAPIC_DM_NMI << 8);
}

static void intc_reset(struct device *dev)
{
	/* runs after the four devices' own resets (added before it) */
	struct intc *ic = (struct intc *)dev;
	intc_virtual_wire(ic);
	intc_update(ic, false);
}

static void intc_destroy(struct device *dev)
{
	free(dev);
}

int intc_create(struct machine *m, struct error *err)
{
	struct intc *ic = calloc(1, sizeof(*ic));
	if (!ic)
		return error_set(err, -ENOMEM, "out of memory for the interrupt controllers");
	ic->m = m;
	int rc;
	if ((rc = pic8259_create(m, &ic->pic, err)) < 0 || (rc = lapic_create(m, &ic->lapic, err)) < 0 ||
	    (rc = ioapic_create(m, ic->lapic, &ic->ioapic, err)) < 0 ||
	    (rc = pit8254_create(m, &ic->pit, err)) < 0) {
		free(ic);
		return rc;
	}
	const struct lapic_callbacks callbacks = {
		.output_changed = intc_lapic_changed,
		.extint_ack = intc_extint_ack,
		.eoi = intc_lapic_eoi,
	};
	lapic_set_callbacks(ic->lapic, &callbacks, ic);
	pic8259_set_output_handler(ic->pic, intc_pic_output, ic);
	intc_virtual_wire(ic);
	ic->dev.name = "intc";
	ic->dev.reset = intc_reset;
	ic->dev.destroy = intc_destroy;
	machine_add_device(m, &ic->dev);
	m->irq.set_level = intc_set_level;
	m->irq.opaque = ic;
	m->intc = ic;
	return 0;
}

void intc_set_kick(struct intc *ic, void (*kick)(void *opaque), void *opaque)
{
	ic->kick = kick;
	ic->kick_opaque = opaque;
}

void intc_set_tsc(struct intc *ic, uint64_t (*read_tsc)(void *opaque), void *opaque, uint64_t tsc_khz)
{
	ic->read_tsc = read_tsc;
	ic->tsc_opaque = opaque;
	const struct lapic_callbacks callbacks = {
		.output_changed = intc_lapic_changed,
		.extint_ack = intc_extint_ack,
		.eoi = intc_lapic_eoi,
		.read_tsc = intc_read_tsc,
		.tsc_khz = tsc_khz,
	};
	lapic_set_callbacks(ic->lapic, &callbacks, ic);
}

bool intc_maybe_pending(const struct intc *ic)
{
	return atomic_load_explicit(&ic->maybe_pending, memory_order_relaxed);
}

int intc_acknowledge(struct intc *ic)
{
	int vector = -1;
	if (intc_pic_direct(ic)) {
		if (ic->pic_intr)
			vector = pic8259_acknowledge(ic->pic);
	} else if (lapic_has_interrupt(ic->lapic)) {
		vector = lapic_acknowledge(ic->lapic);
	}
	intc_update(ic, false);
	return vector;
}

bool intc_take_nmi(struct intc *ic)
{
	bool nmi = lapic_take_nmi(ic->lapic);
	intc_update(ic, false);
	return nmi;
}

struct lapic *intc_lapic(struct intc *ic)
{
	return ic->lapic;
}
