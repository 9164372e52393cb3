/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_apic.c — the local APIC (hw/lapic.c) and the I/O APIC (hw/ioapic.c)
 * through their MMIO registers and their CPU/pin interfaces, with time
 * stepped by hand on the machine clock (clock_set_manual). */
#include <string.h>

#include "check_helpers.h"
#include "hw/ioapic.h"
#include "hw/lapic.h"

#define APIC 0xfee00000ull

/* Registers. */
enum {
	ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0, LDR = 0xd0,
	DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280,
	ICR_LO = 0x300, ICR_HI = 0x310, LVT_TIMER = 0x320, LVT_THERMAL = 0x330,
	LVT_PERF = 0x340, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370,
	TIMER_INIT = 0x380, TIMER_CUR = 0x390, TIMER_DIV = 0x3e0,
};
#define MASKED 0x10000u
#define SELF (1u << 18)
#define ALL (2u << 18)
#define OTHERS (3u << 18)
#define PERIODIC (1u << 17)
#define TSC_DEADLINE (2u << 17)

static struct machine m;
static struct lapic *apic;
static struct ioapic *io;
static uint64_t now_ns;

/* What the callbacks saw. */
static struct {
	int output_changed;
	int extint_acks;
	int extint_vector;
	bool extint_lowers_intr;
	int eois, eoi_vector;
	uint64_t tsc_per_ns;
} seen;

static void cb_output_changed(void *opaque)
{
	(void)opaque;
	seen.output_changed++;
}

static int cb_extint_ack(void *opaque)
{
	(void)opaque;
	seen.extint_acks++;
	if (seen.extint_lowers_intr)            /* the PIC drops INTR on INTA */
		lapic_set_lint(apic, 0, 0);
	return seen.extint_vector;
}

static void cb_eoi(void *opaque, int vector)
{
	(void)opaque;
	seen.eois++;
	seen.eoi_vector = vector;
	if (io)
		ioapic_eoi(io, vector);
}

static uint64_t cb_read_tsc(void *opaque)
{
	(void)opaque;
	return now_ns * seen.tsc_per_ns;
}

static void setup(void)
{
	test_machine_create(&m, 4 << 20);
	now_ns = 0;
	clock_set_manual(&m.clock, 0);
	memset(&seen, 0, sizeof(seen));
	seen.extint_vector = 0x08;
	seen.tsc_per_ns = 3;
	io = NULL;
	struct error err = { 0 };
	int rc = lapic_create(&m, &apic, &err);
	ck_assert_msg(rc == 0, "lapic_create: %s", err.msg);
	struct lapic_callbacks cb = {
		.output_changed = cb_output_changed, .extint_ack = cb_extint_ack, .eoi = cb_eoi,
		.read_tsc = cb_read_tsc, .tsc_khz = 3000000,
	};
	lapic_set_callbacks(apic, &cb, NULL);
}

static void setup_ioapic(void)
{
	setup();
	struct error err = { 0 };
	int rc = ioapic_create(&m, apic, &io, &err);
	ck_assert_msg(rc == 0, "ioapic_create: %s", err.msg);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static uint32_t rd(unsigned reg)
{
	return (uint32_t)machine_mmio_read(&m, APIC + reg, 4);
}

static void wr(unsigned reg, uint32_t v)
{
	machine_mmio_write(&m, APIC + reg, 4, v);
}

static bool bit_in(unsigned reg, int v)
{
	return rd(reg + (unsigned)(v / 32) * 0x10) & (1u << (v % 32));
}

static bool in_irr(int v) { return bit_in(IRR, v); }
static bool in_isr(int v) { return bit_in(ISR, v); }
static bool in_tmr(int v) { return bit_in(TMR, v); }

/* Steps machine time to `t` ns and runs the due timers. */
static void run_to(uint64_t t)
{
	ck_assert_uint_ge(t, now_ns);
	now_ns = t;
	clock_set_manual(&m.clock, t);
	clock_run_due(&m.clock, t);
}

static void enable(void)
{
	wr(SVR, 0x1ff);
	ck_assert(lapic_enabled(apic));
}

static void self_ipi(int vector)
{
	wr(ICR_LO, SELF | (uint32_t)vector);
}

/* Takes the pending interrupt, which must be `vector`, and EOIs it. */
static void ack_eoi(int vector)
{
	ck_assert(lapic_has_interrupt(apic));
	ck_assert_int_eq(lapic_acknowledge(apic), vector);
	wr(EOI, 0);
}

static uint32_t esr(void)
{
	wr(ESR, 0);
	return rd(ESR);
}

/* --- local APIC: registers -------------------------------------------------- */

START_TEST(test_lapic_reset_values)
{
	ck_assert_uint_eq(lapic_get_base(apic), 0xfee00900u);
	ck_assert_uint_eq(rd(ID), 0);
	ck_assert_uint_eq(rd(VER), 0x00050014u);
	ck_assert_uint_eq(rd(TPR), 0);
	ck_assert_uint_eq(rd(APR), 0);
	ck_assert_uint_eq(rd(PPR), 0);
	ck_assert_uint_eq(rd(LDR), 0);
	ck_assert_uint_eq(rd(DFR), 0xffffffffu);
	ck_assert_uint_eq(rd(SVR), 0xff);
	for (unsigned i = 0; i < 8; i++) {
		ck_assert_uint_eq(rd(ISR + 0x10 * i), 0);
		ck_assert_uint_eq(rd(TMR + 0x10 * i), 0);
		ck_assert_uint_eq(rd(IRR + 0x10 * i), 0);
	}
	for (unsigned r = LVT_TIMER; r <= LVT_ERROR; r += 0x10)
		ck_assert_uint_eq(rd(r), MASKED);
	ck_assert_uint_eq(rd(ESR), 0);
	ck_assert_uint_eq(rd(ICR_LO), 0);
	ck_assert_uint_eq(rd(ICR_HI), 0);
	ck_assert_uint_eq(rd(TIMER_INIT), 0);
	ck_assert_uint_eq(rd(TIMER_CUR), 0);
	ck_assert_uint_eq(rd(TIMER_DIV), 0);
	ck_assert(!lapic_enabled(apic));        /* software-disabled */
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert(!lapic_take_nmi(apic));

	/* A machine reset brings all of it back. */
	enable();
	wr(TPR, 0x20);
	wr(LVT_LINT0, 0x700);
	wr(ID, 0x03000000);
	self_ipi(0x40);
	ck_assert(lapic_set_base(apic, 0xfee00800u) == 0);
	machine_reset_devices(&m);
	ck_assert_uint_eq(lapic_get_base(apic), 0xfee00900u);
	ck_assert_uint_eq(rd(ID), 0);
	ck_assert_uint_eq(rd(TPR), 0);
	ck_assert_uint_eq(rd(SVR), 0xff);
	ck_assert_uint_eq(rd(LVT_LINT0), MASKED);
	ck_assert(!in_irr(0x40));
}
END_TEST

START_TEST(test_lapic_id_version_ldr_dfr)
{
	wr(ID, 0x05ffffffu);
	ck_assert_uint_eq(rd(ID), 0x05000000u);
	wr(VER, 0);                             /* read-only */
	ck_assert_uint_eq(rd(VER), 0x00050014u);
	wr(LDR, 0x12345678u);
	ck_assert_uint_eq(rd(LDR), 0x12000000u);
	wr(DFR, 0x0u);
	ck_assert_uint_eq(rd(DFR), 0x0fffffffu);
	wr(SVR, 0xfffff3ffu);                   /* vector, enable, focus only */
	ck_assert_uint_eq(rd(SVR), 0x3ffu);
	wr(PPR, 0x77);
	wr(APR, 0x77);
	wr(ISR, 0xffffffffu);
	wr(IRR + 0x70, 0xffffffffu);
	ck_assert_uint_eq(rd(PPR), 0);
	ck_assert_uint_eq(rd(ISR), 0);
	ck_assert_uint_eq(rd(IRR + 0x70), 0);
	ck_assert(!lapic_has_interrupt(apic));
	/* Writes to read-only registers log no error. */
	ck_assert_uint_eq(esr(), 0);
}
END_TEST

START_TEST(test_lapic_tpr_ppr)
{
	enable();
	wr(TPR, 0xffffff35u);
	ck_assert_uint_eq(rd(TPR), 0x35);
	ck_assert_uint_eq(rd(PPR), 0x35);
	/* 0x50 in service: PPR takes the ISR's class. */
	self_ipi(0x50);
	ck_assert_uint_eq(rd(APR), 0x50);       /* IRR class above TPR */
	ck_assert_int_eq(lapic_acknowledge(apic), 0x50);
	ck_assert(in_isr(0x50));
	ck_assert_uint_eq(rd(PPR), 0x50);
	wr(TPR, 0x55);                          /* same class as the ISR: TPR */
	ck_assert_uint_eq(rd(PPR), 0x55);
	wr(TPR, 0x62);
	ck_assert_uint_eq(rd(PPR), 0x62);
	ck_assert_uint_eq(rd(APR), 0x62);
	wr(TPR, 0x10);
	ck_assert_uint_eq(rd(PPR), 0x50);
	ck_assert_uint_eq(rd(APR), 0x50);
	wr(EOI, 0);
	ck_assert(!in_isr(0x50));
	ck_assert_uint_eq(rd(PPR), 0x10);
	ck_assert_uint_eq(rd(APR), 0x10);
}
END_TEST

/* --- local APIC: interrupts -------------------------------------------------- */

START_TEST(test_lapic_self_ipi)
{
	enable();
	int before = seen.output_changed;
	self_ipi(0x40);
	ck_assert(in_irr(0x40));
	ck_assert(!in_tmr(0x40));
	ck_assert_uint_eq(rd(ICR_LO) & (1u << 12), 0);      /* delivery status: idle */
	ck_assert_uint_eq(rd(ICR_LO), SELF | 0x40);
	ck_assert(lapic_has_interrupt(apic));
	ck_assert_int_gt(seen.output_changed, before);
	ck_assert_int_eq(lapic_acknowledge(apic), 0x40);
	ck_assert(!in_irr(0x40));
	ck_assert(in_isr(0x40));
	ck_assert(!lapic_has_interrupt(apic));
	wr(EOI, 0);
	ck_assert(!in_isr(0x40));
	ck_assert_int_eq(seen.eois, 0);         /* edge: no EOI broadcast */
	wr(ICR_LO, SELF | (1u << 12) | 0x47);  /* delivery status is read-only */
	ck_assert_uint_eq(rd(ICR_LO), SELF | 0x47);
	ck_assert(in_irr(0x47));
	ack_eoi(0x47);

	/* Physical destination = own ID, and all-including-self. */
	wr(ICR_HI, 0x00000000);
	wr(ICR_LO, 0x41);
	ck_assert(in_irr(0x41));
	ack_eoi(0x41);
	wr(ICR_LO, ALL | 0x42);
	ck_assert(in_irr(0x42));
	ack_eoi(0x42);
	/* Level-triggered fixed IPI: TMR set, EOI broadcast. */
	wr(ICR_LO, SELF | (1u << 15) | (1u << 14) | 0x43);
	ck_assert(in_tmr(0x43));
	ack_eoi(0x43);
	ck_assert_int_eq(seen.eois, 1);
	ck_assert_int_eq(seen.eoi_vector, 0x43);
	/* Nobody else: all-excluding-self and other IDs go nowhere. */
	wr(ICR_LO, OTHERS | 0x44);
	wr(ICR_HI, 0x01000000);
	wr(ICR_LO, 0x45);
	ck_assert(!in_irr(0x44));
	ck_assert(!in_irr(0x45));
	/* INIT and startup to another CPU: nothing, status idle. */
	wr(ICR_LO, 0x00004500);
	ck_assert_uint_eq(rd(ICR_LO) & (1u << 12), 0);
	wr(ICR_LO, 0x00004608);
	ck_assert_uint_eq(rd(ICR_LO) & (1u << 12), 0);
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert(!lapic_take_nmi(apic));
	/* Logical flat destination. */
	wr(LDR, 0x04000000);
	wr(ICR_HI, 0x03000000);
	wr(ICR_LO, (1u << 11) | 0x46);
	ck_assert(!in_irr(0x46));
	wr(ICR_HI, 0x06000000);
	wr(ICR_LO, (1u << 11) | 0x46);
	ck_assert(in_irr(0x46));
	ack_eoi(0x46);
	/* An NMI IPI to self. */
	wr(ICR_LO, SELF | 0x400);
	ck_assert(lapic_take_nmi(apic));
	ck_assert(!lapic_take_nmi(apic));
	ck_assert_uint_eq(esr(), 0);
}
END_TEST

START_TEST(test_lapic_priority_classes)
{
	enable();
	self_ipi(0x80);
	ck_assert_int_eq(lapic_acknowledge(apic), 0x80);
	/* Same class and lower classes wait while 0x80 is in service. */
	self_ipi(0x85);
	self_ipi(0x70);
	ck_assert(!lapic_has_interrupt(apic));
	/* A higher class preempts. */
	self_ipi(0x95);
	ck_assert(lapic_has_interrupt(apic));
	ck_assert_int_eq(lapic_acknowledge(apic), 0x95);
	ck_assert(!lapic_has_interrupt(apic));
	wr(EOI, 0);                             /* the highest ISR bit: 0x95 */
	ck_assert(!in_isr(0x95));
	ck_assert(in_isr(0x80));
	ck_assert(!lapic_has_interrupt(apic));
	wr(EOI, 0);
	ack_eoi(0x85);
	ack_eoi(0x70);
	ck_assert(!lapic_has_interrupt(apic));

	/* The TPR holds back classes at or below its own. */
	wr(TPR, 0x70);
	self_ipi(0x7f);
	ck_assert(!lapic_has_interrupt(apic));
	wr(TPR, 0x6f);
	ck_assert(lapic_has_interrupt(apic));
	ck_assert_uint_eq(lapic_read_cr8(apic), 6);
	/* CR8 is TPR[7:4]. */
	lapic_write_cr8(apic, 0x17);
	ck_assert_uint_eq(rd(TPR), 0x70);
	ck_assert(!lapic_has_interrupt(apic));
	lapic_write_cr8(apic, 0);
	ck_assert(lapic_has_interrupt(apic));
	ack_eoi(0x7f);
}
END_TEST

START_TEST(test_lapic_spurious)
{
	wr(SVR, 0x1f7);
	ck_assert_int_eq(lapic_acknowledge(apic), 0xf7);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(rd(ISR + 0x10 * i), 0);
	/* Raised TPR between the interrupt and the INTA: spurious. */
	self_ipi(0x30);
	ck_assert(lapic_has_interrupt(apic));
	wr(TPR, 0x40);
	ck_assert_int_eq(lapic_acknowledge(apic), 0xf7);
	ck_assert(in_irr(0x30));
	ck_assert(!in_isr(0x30));
	/* Software-disabled: nothing is delivered. */
	wr(TPR, 0);
	wr(SVR, 0x0f7);
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert_int_eq(lapic_acknowledge(apic), 0xf7);
}
END_TEST

START_TEST(test_lapic_lint0_extint)
{
	enable();
	wr(LVT_LINT0, 0x700);
	ck_assert_uint_eq(rd(LVT_LINT0), 0x700);
	ck_assert(!lapic_has_interrupt(apic));
	int before = seen.output_changed;
	lapic_set_lint(apic, 0, 1);
	ck_assert_int_gt(seen.output_changed, before);
	ck_assert(lapic_has_interrupt(apic));
	seen.extint_vector = 0x0e;
	ck_assert_int_eq(lapic_acknowledge(apic), 0x0e);
	ck_assert_int_eq(seen.extint_acks, 1);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(rd(ISR + 0x10 * i), 0);
	/* Level: still pending while INTR stays high. */
	ck_assert(lapic_has_interrupt(apic));
	lapic_set_lint(apic, 0, 0);
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert_int_eq(lapic_acknowledge(apic), 0xff);
	ck_assert_int_eq(seen.extint_acks, 1);
	/* Masked: nothing. */
	wr(LVT_LINT0, MASKED | 0x700);
	lapic_set_lint(apic, 0, 1);
	ck_assert(!lapic_has_interrupt(apic));
	/* Unmasked while INTR is high: pending at once. */
	wr(LVT_LINT0, 0x700);
	ck_assert(lapic_has_interrupt(apic));
	/* Software-disabled: the PIC goes to the CPU directly. */
	wr(SVR, 0xff);
	ck_assert(!lapic_enabled(apic));
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert_uint_eq(rd(LVT_LINT0), MASKED | 0x700);
	/* The PIC may lower INTR from inside its acknowledge. */
	enable();
	wr(LVT_LINT0, 0x700);
	seen.extint_lowers_intr = true;
	ck_assert(lapic_has_interrupt(apic));
	ck_assert_int_eq(lapic_acknowledge(apic), 0x0e);
	ck_assert(!lapic_has_interrupt(apic));
}
END_TEST

START_TEST(test_lapic_lint1_nmi)
{
	enable();
	wr(LVT_LINT1, 0x400);
	lapic_set_lint(apic, 1, 1);
	ck_assert(lapic_nmi_pending(apic));
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert(lapic_take_nmi(apic));
	ck_assert(!lapic_take_nmi(apic));
	lapic_set_lint(apic, 1, 1);             /* no new edge */
	ck_assert(!lapic_take_nmi(apic));
	lapic_set_lint(apic, 1, 0);
	lapic_set_lint(apic, 1, 1);
	ck_assert(lapic_take_nmi(apic));
	lapic_set_lint(apic, 1, 0);
	/* Active low: the falling edge is the NMI. */
	wr(LVT_LINT1, 0x2400);
	lapic_set_lint(apic, 1, 1);
	ck_assert(!lapic_take_nmi(apic));
	lapic_set_lint(apic, 1, 0);
	ck_assert(lapic_take_nmi(apic));
	/* Masked: none. */
	wr(LVT_LINT1, MASKED | 0x400);
	lapic_set_lint(apic, 1, 1);
	lapic_set_lint(apic, 1, 0);
	lapic_set_lint(apic, 1, 1);
	ck_assert(!lapic_take_nmi(apic));
	/* Out-of-range pins are ignored. */
	lapic_set_lint(apic, 2, 1);
	lapic_set_lint(apic, -1, 1);
}
END_TEST

START_TEST(test_lapic_lint0_fixed)
{
	enable();
	/* Edge. */
	wr(LVT_LINT0, 0x31);
	lapic_set_lint(apic, 0, 1);
	ck_assert(in_irr(0x31));
	ck_assert(!in_tmr(0x31));
	ack_eoi(0x31);
	ck_assert(!in_irr(0x31));
	lapic_set_lint(apic, 0, 0);
	/* Level: remote IRR until the EOI, delivered again while high. */
	wr(LVT_LINT0, 0x8032);
	lapic_set_lint(apic, 0, 1);
	ck_assert(in_irr(0x32));
	ck_assert(in_tmr(0x32));
	ck_assert_uint_eq(rd(LVT_LINT0), 0xc032);
	wr(LVT_LINT0, 0x8032);                  /* remote IRR is read-only */
	ck_assert_uint_eq(rd(LVT_LINT0), 0xc032);
	ack_eoi(0x32);
	ck_assert_int_eq(seen.eois, 1);
	ck_assert(in_irr(0x32));
	ck_assert_uint_eq(rd(LVT_LINT0), 0xc032);
	lapic_set_lint(apic, 0, 0);
	ack_eoi(0x32);
	ck_assert(!in_irr(0x32));
	ck_assert_uint_eq(rd(LVT_LINT0), 0x8032);
	/* An illegal vector from a pin: receive-illegal-vector only. */
	wr(LVT_LINT0, 0x03);
	lapic_set_lint(apic, 0, 1);
	ck_assert(!in_irr(3));
	ck_assert_uint_eq(esr(), 0x40);
}
END_TEST

/* --- local APIC: timer ------------------------------------------------------- */

START_TEST(test_lapic_timer_oneshot)
{
	enable();
	wr(TIMER_DIV, 0x1);                     /* divide by 4 */
	wr(LVT_TIMER, 0x20);
	run_to(1000);
	wr(TIMER_INIT, 1000);                   /* 4000 ns */
	ck_assert_uint_eq(rd(TIMER_CUR), 1000);
	run_to(1400);
	ck_assert_uint_eq(rd(TIMER_CUR), 900);
	run_to(1402);
	ck_assert_uint_eq(rd(TIMER_CUR), 900);  /* 2 ns is half a count */
	run_to(4999);
	ck_assert_uint_eq(rd(TIMER_CUR), 1);
	ck_assert(!in_irr(0x20));
	run_to(5000);
	ck_assert(in_irr(0x20));
	ck_assert_uint_eq(rd(TIMER_CUR), 0);
	ck_assert_uint_eq(rd(TIMER_INIT), 1000);
	ack_eoi(0x20);
	run_to(1000000);
	ck_assert(!in_irr(0x20));
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);

	/* Divide by 1 and 128; writing 0 stops the count. */
	wr(TIMER_DIV, 0xb);
	wr(TIMER_INIT, 100);
	run_to(1000050);
	ck_assert_uint_eq(rd(TIMER_CUR), 50);
	wr(TIMER_INIT, 0);
	ck_assert_uint_eq(rd(TIMER_CUR), 0);
	run_to(2000000);
	ck_assert(!in_irr(0x20));
	wr(TIMER_DIV, 0xa);
	wr(TIMER_INIT, 10);
	run_to(2000000 + 1279);
	ck_assert(!in_irr(0x20));
	run_to(2000000 + 1280);
	ck_assert(in_irr(0x20));
	ack_eoi(0x20);
	/* Changing the divide mid-count keeps the current count. */
	wr(TIMER_DIV, 0x0);                     /* by 2 */
	wr(TIMER_INIT, 1000);
	run_to(2001280 + 1000);
	ck_assert_uint_eq(rd(TIMER_CUR), 500);
	wr(TIMER_DIV, 0x3);                     /* by 16 */
	ck_assert_uint_eq(rd(TIMER_CUR), 500);
	run_to(2002280 + 16 * 500 - 1);
	ck_assert(!in_irr(0x20));
	run_to(2002280 + 16 * 500);
	ck_assert(in_irr(0x20));
}
END_TEST

START_TEST(test_lapic_timer_periodic)
{
	enable();
	wr(TIMER_DIV, 0x0);                     /* divide by 2 */
	wr(LVT_TIMER, PERIODIC | 0x21);
	wr(TIMER_INIT, 5000000);                /* 10 ms */
	int fired = 0;
	for (uint64_t t = 0; t <= 1000000000ull; t += 1000000) {
		run_to(t);
		if (lapic_has_interrupt(apic)) {
			ack_eoi(0x21);
			fired++;
		}
	}
	ck_assert_int_eq(fired, 100);
	/* Counting down inside a period. */
	run_to(now_ns + 2500000);               /* a quarter through */
	ck_assert_uint_eq(rd(TIMER_CUR), 3750000);
	ck_assert_uint_eq(rd(TIMER_INIT), 5000000);

	/* A tiny period is clamped to 100 us: 10 interrupts in 1 ms, not 10^5. */
	wr(TIMER_DIV, 0xb);
	wr(TIMER_INIT, 10);
	uint64_t start = now_ns;
	fired = 0;
	for (uint64_t t = start; t <= start + 1000000; t += 10000) {
		run_to(t);
		if (lapic_has_interrupt(apic)) {
			ack_eoi(0x21);
			fired++;
		}
	}
	ck_assert_int_eq(fired, 10);
	ck_assert_uint_le(rd(TIMER_CUR), 10);

	/* A late host coalesces: one interrupt, and the next deadline ahead. */
	run_to(now_ns + 5000000);
	ck_assert(in_irr(0x21));
	ck_assert_uint_gt(clock_next_deadline(&m.clock), now_ns);
	ack_eoi(0x21);

	/* Changing the mode disarms. */
	wr(LVT_TIMER, 0x21);
	ck_assert_uint_eq(rd(TIMER_INIT), 0);
	ck_assert_uint_eq(rd(TIMER_CUR), 0);
	run_to(now_ns + 10000000);
	ck_assert(!in_irr(0x21));
}
END_TEST

START_TEST(test_lapic_timer_masked)
{
	enable();
	wr(TIMER_DIV, 0xb);
	wr(LVT_TIMER, MASKED | 0x22);
	wr(TIMER_INIT, 100);
	run_to(50);
	ck_assert_uint_eq(rd(TIMER_CUR), 50);   /* it counts */
	run_to(1000);
	ck_assert(!in_irr(0x22));
	ck_assert(!lapic_has_interrupt(apic));
	/* Periodic and masked: still nothing, still counting. */
	wr(LVT_TIMER, MASKED | PERIODIC | 0x22);
	wr(TIMER_INIT, 200000);
	for (uint64_t t = 1000; t < 2000000; t += 50000)
		run_to(t);
	ck_assert(!in_irr(0x22));
	ck_assert_uint_gt(rd(TIMER_CUR), 0);
	/* Unmasking lets the next expiry through. */
	wr(LVT_TIMER, PERIODIC | 0x22);
	run_to(now_ns + 200000);
	ck_assert(in_irr(0x22));
}
END_TEST

START_TEST(test_lapic_tsc_deadline)
{
	enable();
	/* Not in TSC-deadline mode: the MSR reads 0 and ignores writes. */
	lapic_write_tsc_deadline(apic, 3000);
	ck_assert_uint_eq(lapic_read_tsc_deadline(apic), 0);
	wr(LVT_TIMER, TSC_DEADLINE | 0x23);
	ck_assert_uint_eq(rd(LVT_TIMER), TSC_DEADLINE | 0x23);
	/* The initial count is ignored, the current count reads 0. */
	wr(TIMER_INIT, 100);
	ck_assert_uint_eq(rd(TIMER_INIT), 0);
	ck_assert_uint_eq(rd(TIMER_CUR), 0);
	run_to(1000);
	ck_assert(!in_irr(0x23));

	/* The TSC runs at 3 GHz: a deadline 3000 ticks ahead is 1 us. */
	lapic_write_tsc_deadline(apic, 3000 + 3000);
	ck_assert_uint_eq(lapic_read_tsc_deadline(apic), 6000);
	run_to(1999);
	ck_assert(!in_irr(0x23));
	run_to(2000);
	ck_assert(in_irr(0x23));
	ck_assert_uint_eq(lapic_read_tsc_deadline(apic), 0);
	ack_eoi(0x23);
	run_to(10000);
	ck_assert(!in_irr(0x23));

	/* Writing 0 disarms. */
	lapic_write_tsc_deadline(apic, 31000);
	lapic_write_tsc_deadline(apic, 0);
	run_to(20000);
	ck_assert(!in_irr(0x23));
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);

	/* A deadline already passed fires at once. */
	lapic_write_tsc_deadline(apic, 5);
	ck_assert(in_irr(0x23));
	ack_eoi(0x23);

	/* A TSC that lags the clock: the timer waits for the TSC. */
	lapic_write_tsc_deadline(apic, 20000 * 3 + 3000);
	seen.tsc_per_ns = 2;
	run_to(21000);                          /* TSC 42000: re-armed 7 us on */
	ck_assert(!in_irr(0x23));
	ck_assert_uint_eq(lapic_read_tsc_deadline(apic), 63000);
	seen.tsc_per_ns = 3;
	run_to(27999);
	ck_assert(!in_irr(0x23));
	run_to(28000);
	ck_assert(in_irr(0x23));
	ack_eoi(0x23);

	/* Leaving TSC-deadline mode disarms and clears the MSR. */
	lapic_write_tsc_deadline(apic, 30000 * 3);
	wr(LVT_TIMER, 0x23);
	wr(LVT_TIMER, TSC_DEADLINE | 0x23);
	ck_assert_uint_eq(lapic_read_tsc_deadline(apic), 0);
	run_to(40000);
	ck_assert(!in_irr(0x23));
}
END_TEST

/* --- local APIC: errors, MSR, MMIO abuse -------------------------------------- */

START_TEST(test_lapic_esr)
{
	enable();
	/* An illegal vector in a self IPI: nothing in the IRR. */
	self_ipi(5);
	ck_assert(!in_irr(5));
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert_uint_eq(rd(ESR), 0);          /* not latched before a write */
	wr(ESR, 0);
	ck_assert_uint_eq(rd(ESR), 0x60);       /* send + receive illegal vector */
	wr(ESR, 0);
	ck_assert_uint_eq(rd(ESR), 0);
	/* To another CPU: send illegal vector only. */
	wr(ICR_HI, 0x07000000);
	wr(ICR_LO, 0x0f);
	ck_assert_uint_eq(esr(), 0x20);
	/* A reserved register: illegal register address, reads 0. */
	ck_assert_uint_eq(rd(0x2f0), 0);        /* no CMCI LVT */
	ck_assert_uint_eq(esr(), 0x80);
	wr(0x040, 1);
	ck_assert_uint_eq(esr(), 0x80);
	/* The LVT error interrupt: sent for the first error after an ESR write. */
	wr(LVT_ERROR, 0xfe);
	ck_assert_uint_eq(rd(LVT_ERROR), 0xfe);
	self_ipi(1);
	ck_assert(in_irr(0xfe));
	ack_eoi(0xfe);
	self_ipi(2);
	ck_assert(!in_irr(0xfe));
	ck_assert_uint_eq(esr(), 0x60);
	self_ipi(2);
	ck_assert(in_irr(0xfe));
	ack_eoi(0xfe);
	/* An LVT error with an illegal vector only logs. */
	esr();
	wr(LVT_ERROR, 0x01);
	self_ipi(3);
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert_uint_eq(esr(), 0x60);
	/* Vectors 16..255 are fine. */
	self_ipi(16);
	ck_assert(in_irr(16));
	ck_assert_uint_eq(esr(), 0);
}
END_TEST

START_TEST(test_lapic_base_msr)
{
	enable();
	/* Reserved bits: refused, nothing changes. */
	ck_assert_int_eq(lapic_set_base(apic, 0xfee00900u | (1u << 9)), -1);
	ck_assert_int_eq(lapic_set_base(apic, 0xfee00900u | (1u << 10)), -1);
	ck_assert_int_eq(lapic_set_base(apic, 0xfee00900u | 1u), -1);
	ck_assert_int_eq(lapic_set_base(apic, 0xfee00900u | (1ull << 36)), -1);
	ck_assert_uint_eq(lapic_get_base(apic), 0xfee00900u);
	ck_assert(lapic_enabled(apic));

	/* Global disable: nothing delivered, the window reads all ones. */
	wr(LVT_LINT1, 0x400);
	self_ipi(0x40);
	ck_assert_int_eq(lapic_set_base(apic, 0xfee00100u), 0);
	ck_assert_uint_eq(lapic_get_base(apic), 0xfee00100u);
	ck_assert(!lapic_enabled(apic));
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert_uint_eq(rd(SVR), 0xffffffffu);
	wr(SVR, 0x1ff);
	ck_assert(!lapic_deliver(apic, 0x50, LAPIC_DM_FIXED, false));
	ck_assert(!lapic_deliver(apic, 0, LAPIC_DM_NMI, false));
	lapic_set_lint(apic, 1, 1);
	ck_assert(!lapic_take_nmi(apic));
	lapic_set_lint(apic, 1, 0);
	/* Enabled again: the registers are in their power-up state. */
	ck_assert_int_eq(lapic_set_base(apic, 0xfee00900u), 0);
	ck_assert_uint_eq(rd(SVR), 0xff);
	ck_assert_uint_eq(rd(LVT_LINT1), MASKED);
	ck_assert(!in_irr(0x40));
	ck_assert(!lapic_enabled(apic));
	enable();

	/* A relocated base is stored; the registers stay at 0xFEE00000. */
	ck_assert_int_eq(lapic_set_base(apic, 0xfed00900u), 0);
	ck_assert_uint_eq(lapic_get_base(apic), 0xfed00900u);
	ck_assert_uint_eq(rd(VER), 0x00050014u);
	ck_assert_uint_eq(machine_mmio_read(&m, 0xfed00030u, 4), 0xffffffffu);
	/* The BSP bit is the guest's to write. */
	ck_assert_int_eq(lapic_set_base(apic, 0xfee00800u), 0);
	ck_assert_uint_eq(lapic_get_base(apic), 0xfee00800u);
	ck_assert(lapic_enabled(apic));
}
END_TEST

START_TEST(test_lapic_mmio_abuse)
{
	enable();
	wr(TPR, 0x20);
	/* Sub-dword, unaligned and wide writes are ignored. */
	machine_mmio_write(&m, APIC + TPR, 1, 0x30);
	machine_mmio_write(&m, APIC + TPR + 1, 4, 0x30);
	machine_mmio_write(&m, APIC + TPR + 4, 4, 0x30);
	machine_mmio_write(&m, APIC + TPR, 8, 0x30);
	ck_assert_uint_eq(rd(TPR), 0x20);
	/* Reads of any size give the bytes of the 32-bit register. */
	ck_assert_uint_eq(machine_mmio_read(&m, APIC + VER, 1), 0x14);
	ck_assert_uint_eq(machine_mmio_read(&m, APIC + VER + 2, 1), 0x05);
	ck_assert_uint_eq(machine_mmio_read(&m, APIC + VER + 2, 2), 0x0005);
	ck_assert_uint_eq(machine_mmio_read(&m, APIC + VER, 8), 0x00050014u);
	ck_assert_uint_eq(machine_mmio_read(&m, APIC + VER + 4, 4), 0);
	ck_assert_uint_eq(machine_mmio_read(&m, APIC + VER + 12, 4), 0);
	ck_assert_uint_eq(esr(), 0);
	/* Every slot read and written with all ones and all zeros: defined,
	 * no crash, no runaway timer. */
	for (unsigned off = 0; off < 0x1000; off += 0x10)
		(void)rd(off);
	for (unsigned off = 0; off < 0x1000; off += 0x10)
		wr(off, 0xffffffffu);
	for (unsigned off = 0; off < 0x1000; off += 4)
		wr(off, 0);
	ck_assert_uint_eq(rd(VER), 0x00050014u);
	run_to(1000000000);
	ck_assert_uint_ne(clock_next_deadline(&m.clock), now_ns);
	/* Vectors out of range through the C interface. */
	enable();
	ck_assert(!lapic_deliver(apic, 3, LAPIC_DM_FIXED, false));
	ck_assert(!lapic_deliver(apic, 0x1234, LAPIC_DM_FIXED, false));
	ck_assert(!lapic_deliver(apic, -1, LAPIC_DM_FIXED, false));
	ck_assert(!lapic_deliver(apic, 0x40, 99, false));
	ck_assert(!lapic_deliver(apic, 0x40, -3, false));
	ck_assert(!in_irr(0x34));
	ck_assert(!in_irr(0xff));
	ck_assert(!in_irr(0x40));
}
END_TEST

START_TEST(test_lapic_sw_disable_masks_lvts)
{
	enable();
	wr(LVT_LINT0, 0x700);
	wr(LVT_TIMER, 0x20);
	wr(SVR, 0xff);
	ck_assert_uint_eq(rd(LVT_LINT0), MASKED | 0x700);
	ck_assert_uint_eq(rd(LVT_TIMER), MASKED | 0x20);
	wr(LVT_LINT0, 0x700);                   /* cannot unmask */
	ck_assert_uint_eq(rd(LVT_LINT0), MASKED | 0x700);
	/* Fixed messages are refused, NMIs taken. */
	ck_assert(!lapic_deliver(apic, 0x50, LAPIC_DM_FIXED, false));
	ck_assert(!in_irr(0x50));
	ck_assert(lapic_deliver(apic, 0, LAPIC_DM_NMI, false));
	ck_assert(lapic_take_nmi(apic));
	enable();
	ck_assert_uint_eq(rd(LVT_LINT0), MASKED | 0x700);
	wr(LVT_LINT0, 0x700);
	ck_assert_uint_eq(rd(LVT_LINT0), 0x700);
}
END_TEST

/* --- I/O APIC ------------------------------------------------------------------- */

#define IOA 0xfec00000ull

static uint32_t io_rd(unsigned idx)
{
	machine_mmio_write(&m, IOA, 4, idx);
	return (uint32_t)machine_mmio_read(&m, IOA + 0x10, 4);
}

static void io_wr(unsigned idx, uint32_t v)
{
	machine_mmio_write(&m, IOA, 4, idx);
	machine_mmio_write(&m, IOA + 0x10, 4, v);
}

/* Redirection entry `pin`: low dword, destination byte. */
static void route(int pin, uint32_t low, uint8_t dest)
{
	io_wr(0x11 + 2 * (unsigned)pin, (uint32_t)dest << 24);
	io_wr(0x10 + 2 * (unsigned)pin, low);
}

#define EDGE 0u
#define LEVEL (1u << 15)
#define ACTIVE_LOW (1u << 13)
#define LOGICAL (1u << 11)
#define REMOTE_IRR (1u << 14)

START_TEST(test_ioapic_registers)
{
	machine_mmio_write(&m, IOA, 1, 0x12);
	ck_assert_uint_eq(machine_mmio_read(&m, IOA, 4), 0x12);
	ck_assert_uint_eq(io_rd(0), 1u << 24);  /* the MP table's ID: smp = 1 */
	ck_assert_uint_eq(io_rd(1), 0x00170011u);
	ck_assert_uint_eq(io_rd(2), 1u << 24);
	io_wr(0, 0xffffffffu);
	ck_assert_uint_eq(io_rd(0), 0x0f000000u);
	ck_assert_uint_eq(io_rd(2), 0x0f000000u);
	io_wr(1, 0);
	io_wr(2, 0);
	ck_assert_uint_eq(io_rd(1), 0x00170011u);
	ck_assert_uint_eq(io_rd(2), 0x0f000000u);
	for (unsigned pin = 0; pin < 24; pin++) {
		ck_assert_uint_eq(io_rd(0x10 + 2 * pin), MASKED);
		ck_assert_uint_eq(io_rd(0x11 + 2 * pin), 0);
	}
	/* Read/write fields; delivery status, remote IRR and reserved bits
	 * are read-only. */
	io_wr(0x10 + 2 * 5, 0xffffffffu);
	ck_assert_uint_eq(io_rd(0x10 + 2 * 5), 0x0001afffu);
	io_wr(0x11 + 2 * 5, 0xffffffffu);
	ck_assert_uint_eq(io_rd(0x11 + 2 * 5), 0xff000000u);
	io_wr(0x10 + 2 * 23, 0x00009c41u);
	ck_assert_uint_eq(io_rd(0x10 + 2 * 23), 0x00008c41u);
	/* Beyond the table: 0, writes ignored. */
	io_wr(0x40, 0x1234);
	ck_assert_uint_eq(io_rd(0x40), 0);
	ck_assert_uint_eq(io_rd(0xff), 0);
	ck_assert_uint_eq(io_rd(0x03), 0);
	/* IOWIN writes of other sizes are ignored; reads give the bytes. */
	machine_mmio_write(&m, IOA, 4, 0x10);
	machine_mmio_write(&m, IOA + 0x10, 2, 0x0042);
	ck_assert_uint_eq(io_rd(0x10), MASKED);
	ck_assert_uint_eq(machine_mmio_read(&m, IOA + 0x12, 1), 0x01);
	ck_assert_uint_eq(machine_mmio_read(&m, IOA + 0x20, 4), 0);
	/* Machine reset: masked again, the ID back. */
	machine_reset_devices(&m);
	ck_assert_uint_eq(io_rd(0x10 + 2 * 5), MASKED);
	ck_assert_uint_eq(io_rd(0), 1u << 24);
}
END_TEST

START_TEST(test_ioapic_edge)
{
	enable();
	route(2, EDGE | 0x30, 0);
	ioapic_set_irq(io, 2, 1);
	ck_assert(in_irr(0x30));
	ck_assert(!in_tmr(0x30));
	ck_assert_uint_eq(io_rd(0x10 + 2 * 2) & (REMOTE_IRR | (1u << 12)), 0);
	ack_eoi(0x30);
	ck_assert_int_eq(seen.eois, 0);
	ioapic_set_irq(io, 2, 1);               /* no new edge */
	ck_assert(!in_irr(0x30));
	ioapic_set_irq(io, 2, 0);
	ck_assert(!in_irr(0x30));
	ioapic_set_irq(io, 2, 1);
	ck_assert(in_irr(0x30));
	ack_eoi(0x30);
	/* Other pins stay quiet; out-of-range pins are ignored. */
	ioapic_set_irq(io, 3, 1);
	ioapic_set_irq(io, 24, 1);
	ioapic_set_irq(io, -1, 1);
	ck_assert(!lapic_has_interrupt(apic));
}
END_TEST

START_TEST(test_ioapic_level)
{
	enable();
	route(9, LEVEL | 0x39, 0);
	ioapic_set_irq(io, 9, 1);
	ck_assert(in_irr(0x39));
	ck_assert(in_tmr(0x39));
	ck_assert_uint_eq(io_rd(0x10 + 2 * 9), LEVEL | REMOTE_IRR | 0x39);
	ck_assert_int_eq(lapic_acknowledge(apic), 0x39);
	/* Remote IRR holds further deliveries until the EOI. */
	ioapic_set_irq(io, 9, 0);
	ioapic_set_irq(io, 9, 1);
	ck_assert(!in_irr(0x39));
	wr(EOI, 0);
	ck_assert_int_eq(seen.eois, 1);
	ck_assert_int_eq(seen.eoi_vector, 0x39);
	/* Still high: delivered again. */
	ck_assert(in_irr(0x39));
	ck_assert_uint_eq(io_rd(0x10 + 2 * 9) & REMOTE_IRR, REMOTE_IRR);
	ck_assert_int_eq(lapic_acknowledge(apic), 0x39);
	ioapic_set_irq(io, 9, 0);
	wr(EOI, 0);
	ck_assert_int_eq(seen.eois, 2);
	ck_assert(!in_irr(0x39));
	ck_assert_uint_eq(io_rd(0x10 + 2 * 9) & REMOTE_IRR, 0);
	/* An EOI for another vector leaves remote IRR alone. */
	ioapic_set_irq(io, 9, 1);
	ck_assert_int_eq(lapic_acknowledge(apic), 0x39);
	ioapic_eoi(io, 0x38);
	ck_assert_uint_eq(io_rd(0x10 + 2 * 9) & REMOTE_IRR, REMOTE_IRR);
	ck_assert(!in_irr(0x39));
}
END_TEST

START_TEST(test_ioapic_mask)
{
	enable();
	/* Edge on a masked pin: lost, even once unmasked. */
	route(4, MASKED | EDGE | 0x34, 0);
	ioapic_set_irq(io, 4, 1);
	ck_assert(!in_irr(0x34));
	route(4, EDGE | 0x34, 0);
	ck_assert(!in_irr(0x34));
	ioapic_set_irq(io, 4, 0);
	/* Level on a masked pin: delivered when unmasked while still high. */
	route(10, MASKED | LEVEL | 0x3a, 0);
	ioapic_set_irq(io, 10, 1);
	ck_assert(!in_irr(0x3a));
	ck_assert_uint_eq(io_rd(0x10 + 2 * 10) & REMOTE_IRR, 0);
	route(10, LEVEL | 0x3a, 0);
	ck_assert(in_irr(0x3a));
	ck_assert_uint_eq(io_rd(0x10 + 2 * 10) & REMOTE_IRR, REMOTE_IRR);
}
END_TEST

START_TEST(test_ioapic_polarity)
{
	enable();
	route(5, ACTIVE_LOW | EDGE | 0x35, 0);
	ioapic_set_irq(io, 5, 1);
	ck_assert(!in_irr(0x35));
	ioapic_set_irq(io, 5, 0);               /* the falling edge is active */
	ck_assert(in_irr(0x35));
	ack_eoi(0x35);
	/* Level, active low: a pin at 0 is asserted. */
	ioapic_set_irq(io, 6, 0);
	route(6, ACTIVE_LOW | LEVEL | 0x36, 0);
	ck_assert(in_irr(0x36));
	ack_eoi(0x36);
	ck_assert(in_irr(0x36));                /* still low: again */
	ioapic_set_irq(io, 6, 1);
	ack_eoi(0x36);
	ck_assert(!in_irr(0x36));
}
END_TEST

START_TEST(test_ioapic_destinations)
{
	enable();
	/* Physical: the APIC ID or 0xff. */
	route(1, EDGE | 0x41, 1);
	ioapic_set_irq(io, 1, 1);
	ck_assert(!in_irr(0x41));
	ioapic_set_irq(io, 1, 0);
	route(1, EDGE | 0x41, 0xff);
	ioapic_set_irq(io, 1, 1);
	ck_assert(in_irr(0x41));
	ack_eoi(0x41);
	ioapic_set_irq(io, 1, 0);
	wr(ID, 0x03000000);
	route(1, EDGE | 0x42, 3);
	ioapic_set_irq(io, 1, 1);
	ck_assert(in_irr(0x42));
	ack_eoi(0x42);
	ioapic_set_irq(io, 1, 0);
	/* Logical, flat model. */
	wr(LDR, 0x01000000);
	route(1, LOGICAL | EDGE | 0x43, 0x02);
	ioapic_set_irq(io, 1, 1);
	ck_assert(!in_irr(0x43));
	ioapic_set_irq(io, 1, 0);
	route(1, LOGICAL | EDGE | 0x43, 0x03);
	ioapic_set_irq(io, 1, 1);
	ck_assert(in_irr(0x43));
	ack_eoi(0x43);
	ioapic_set_irq(io, 1, 0);
	/* Logical, cluster model: cluster 2, member bit 0. */
	wr(DFR, 0x0fffffffu);
	wr(LDR, 0x21000000);
	route(1, LOGICAL | EDGE | 0x44, 0x11);
	ioapic_set_irq(io, 1, 1);
	ck_assert(!in_irr(0x44));
	ioapic_set_irq(io, 1, 0);
	route(1, LOGICAL | EDGE | 0x44, 0x23);
	ioapic_set_irq(io, 1, 1);
	ck_assert(in_irr(0x44));
	ack_eoi(0x44);
	ioapic_set_irq(io, 1, 0);
	/* A level message nobody takes leaves remote IRR clear. */
	route(7, LEVEL | 0x47, 9);
	ioapic_set_irq(io, 7, 1);
	ck_assert_uint_eq(io_rd(0x10 + 2 * 7) & REMOTE_IRR, 0);
	ck_assert(!lapic_has_interrupt(apic));
}
END_TEST

START_TEST(test_ioapic_delivery_modes)
{
	enable();
	/* Lowest priority: this CPU. */
	route(0, (1u << 8) | EDGE | 0x50, 0);
	ioapic_set_irq(io, 0, 1);
	ck_assert(in_irr(0x50));
	ack_eoi(0x50);
	/* NMI, even programmed level-triggered: edge, no remote IRR. */
	route(1, (4u << 8) | LEVEL, 0);
	ioapic_set_irq(io, 1, 1);
	ck_assert(lapic_take_nmi(apic));
	ck_assert_uint_eq(io_rd(0x10 + 2 * 1) & REMOTE_IRR, 0);
	ck_assert(!lapic_take_nmi(apic));
	/* ExtINT: the PIC's vector through extint_ack. */
	route(2, (7u << 8) | EDGE, 0);
	ioapic_set_irq(io, 2, 1);
	ck_assert(lapic_has_interrupt(apic));
	seen.extint_vector = 0x20;
	ck_assert_int_eq(lapic_acknowledge(apic), 0x20);
	ck_assert_int_eq(seen.extint_acks, 1);
	ck_assert(!lapic_has_interrupt(apic));
	/* INIT, SMI and the reserved modes: nothing. */
	route(3, (5u << 8) | EDGE | 0x53, 0);
	route(4, (2u << 8) | EDGE | 0x54, 0);
	route(5, (3u << 8) | EDGE | 0x55, 0);
	route(6, (6u << 8) | EDGE | 0x56, 0);
	for (int pin = 3; pin <= 6; pin++)
		ioapic_set_irq(io, pin, 1);
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert(!lapic_take_nmi(apic));
	/* A fixed vector < 16 from the I/O APIC: refused, ESR. */
	route(8, EDGE | 0x0a, 0);
	ioapic_set_irq(io, 8, 1);
	ck_assert(!lapic_has_interrupt(apic));
	ck_assert_uint_eq(esr(), 0x40);
}
END_TEST

static Suite *apic_suite(void)
{
	Suite *s = suite_create("apic");
	TCase *tc = tcase_create("lapic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lapic_reset_values);
	tcase_add_test(tc, test_lapic_id_version_ldr_dfr);
	tcase_add_test(tc, test_lapic_tpr_ppr);
	tcase_add_test(tc, test_lapic_self_ipi);
	tcase_add_test(tc, test_lapic_priority_classes);
	tcase_add_test(tc, test_lapic_spurious);
	tcase_add_test(tc, test_lapic_lint0_extint);
	tcase_add_test(tc, test_lapic_lint1_nmi);
	tcase_add_test(tc, test_lapic_lint0_fixed);
	tcase_add_test(tc, test_lapic_timer_oneshot);
	tcase_add_test(tc, test_lapic_timer_periodic);
	tcase_add_test(tc, test_lapic_timer_masked);
	tcase_add_test(tc, test_lapic_tsc_deadline);
	tcase_add_test(tc, test_lapic_esr);
	tcase_add_test(tc, test_lapic_base_msr);
	tcase_add_test(tc, test_lapic_mmio_abuse);
	tcase_add_test(tc, test_lapic_sw_disable_masks_lvts);
	suite_add_tcase(s, tc);

	tc = tcase_create("ioapic");
	tcase_add_checked_fixture(tc, setup_ioapic, teardown);
	tcase_add_test(tc, test_ioapic_registers);
	tcase_add_test(tc, test_ioapic_edge);
	tcase_add_test(tc, test_ioapic_level);
	tcase_add_test(tc, test_ioapic_mask);
	tcase_add_test(tc, test_ioapic_polarity);
	tcase_add_test(tc, test_ioapic_destinations);
	tcase_add_test(tc, test_ioapic_delivery_modes);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(apic_suite)
