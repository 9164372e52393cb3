/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lapic.c — the local APIC of the soft engine's one vCPU, in xAPIC mode
 * (Intel SDM vol. 3, "Advanced Programmable Interrupt Controller").
 *
 * Registers: ID (read/write, bits 31:24), version 0x00050014 (six LVT
 * entries: timer, thermal, performance counters, LINT0, LINT1, error; no
 * CMCI, no EOI-broadcast suppression), TPR, APR, PPR, EOI, RRD (reads 0),
 * LDR, DFR, SVR (vector, software enable, focus-checking bit, stored only:
 * with one CPU there is nothing to arbitrate), ISR/TMR/IRR, ESR, ICR,
 * the six LVTs, the timer's initial count, current count and divide
 * configuration. The APR is computed as the SDM says for P6 processors:
 * the TPR when its class is >= the highest IRR class and > the highest ISR
 * class, else the highest of the three classes.
 *
 * Decisions:
 * - MMIO: 32-bit writes at the start of a 16-byte slot take effect, other
 *   writes are ignored. Reads of any size return the bytes of the slot as
 *   if it held the 32-bit register followed by 12 zero bytes. Accesses to a
 *   reserved slot read 0 / are ignored and set the ESR's illegal-register-
 *   address bit; writes to read-only registers are ignored without an error.
 * - IA32_APIC_BASE: reserved bits (0-7, 9, 10 = x2APIC, 36-63) make the
 *   write fail (#GP). The memory map cannot move or remove a region, so the
 *   registers stay at 0xFEE00000 whatever base is written (the base is
 *   stored and read back); lapic_mmio_read/write let an engine dispatch a
 *   relocated window itself. Clearing the global enable puts the registers
 *   back in their power-up state (the SDM allows it and it is what a real
 *   APIC does); while globally disabled the window reads all ones, writes
 *   are dropped and nothing is delivered.
 * - Software-disabled (SVR bit 8 clear): every LVT is masked and cannot be
 *   unmasked; fixed interrupts are refused (as KVM does); NMIs are taken;
 *   IRR bits already set are held and delivered once re-enabled.
 * - ESR: errors are logged in an internal register; a write to the ESR
 *   copies it to the readable ESR and clears it. The LVT error interrupt is
 *   sent for the first error logged after an ESR write (the write "re-arms"
 *   it). A fixed ICR message with a vector < 16 sets send-illegal-vector,
 *   plus receive-illegal-vector when it was addressed to this APIC; a
 *   vector < 16 received (LVT, I/O APIC) sets receive-illegal-vector. Such
 *   vectors never reach the IRR.
 * - ICR: there is one CPU. Fixed and lowest-priority IPIs addressed to this
 *   APIC (shorthand self or all-including-self, or a physical/logical
 *   destination that matches) go to the IRR, TMR per the trigger bit; NMI
 *   IPIs to it set the pending NMI; INIT, startup and SMI do nothing. The
 *   delivery-status bit always reads idle.
 * - LINT0/LINT1: fixed (edge, or level with remote IRR on LINT0; LINT1 is
 *   always edge, as the SDM requires), NMI (edge), ExtINT (level: pending
 *   while the pin is asserted). SMI and INIT are ignored. The PIC's INTR is
 *   wired to LINT0.
 * - ExtINT and the IRR: when both are deliverable the IRR vector goes first
 *   (as QEMU does); ExtINT is outside the priority scheme.
 * - Timer: the bus clock is 1 GHz (as in QEMU), so one count lasts `divide`
 *   ns (divide 1..128). A periodic period is at least
 *   LAPIC_TIMER_MIN_PERIOD_NS (100 us, 10 kHz) so that a guest cannot make
 *   the host spin; the current count of such a clamped period never reads
 *   above the initial count. Missed periodic expiries (the host was late)
 *   are coalesced: the IRR holds one timer interrupt anyway. Changing the
 *   divide while counting keeps the current count and counts it down at the
 *   new rate. A write to the LVT timer that changes the mode disarms the
 *   timer (initial count and TSC deadline become 0). Mode 3 (reserved)
 *   counts as one-shot. The timer counts while masked; masked expiries set
 *   no IRR bit.
 * - TSC-deadline: the deadline is turned into a machine-clock time with the
 *   integrator's read_tsc and tsc_khz; when that timer fires the TSC is read
 *   again and the timer re-armed (at least 1 us later) if the deadline has
 *   not been reached. A deadline at or before the current TSC fires at once.
 * - Not here: x2APIC, SMI, INIT/SIPI effects, thermal and performance-
 *   counter interrupt sources (their LVTs are stored), more than one CPU.
 *
 * Everything runs with the machine lock held. */
#include "hw/lapic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"

/* Register offsets in the 4 KiB window. */
enum {
	REG_ID = 0x020,
	REG_VERSION = 0x030,
	REG_TPR = 0x080,
	REG_APR = 0x090,
	REG_PPR = 0x0a0,
	REG_EOI = 0x0b0,
	REG_RRD = 0x0c0,
	REG_LDR = 0x0d0,
	REG_DFR = 0x0e0,
	REG_SVR = 0x0f0,
	REG_ISR = 0x100,        /* 8 registers, 0x10 apart */
	REG_TMR = 0x180,
	REG_IRR = 0x200,
	REG_ESR = 0x280,
	REG_ICR_LO = 0x300,
	REG_ICR_HI = 0x310,
	REG_LVT = 0x320,        /* LVT_COUNT registers, 0x10 apart */
	REG_TIMER_INITIAL = 0x380,
	REG_TIMER_CURRENT = 0x390,
	REG_TIMER_DIVIDE = 0x3e0,
};

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define LVT_VECTOR 0x000000ffu
#define LVT_DELIVERY_SHIFT 8
#define LVT_POLARITY_LOW (1u << 13)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_LEVEL (1u << 15)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE_SHIFT 17

/* What a guest can write in each LVT. */
static const uint32_t lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x000700ffu,      /* vector, mask, mode */
	[LVT_THERMAL] = 0x000107ffu,    /* vector, delivery mode, mask */
	[LVT_PERF] = 0x000107ffu,
	[LVT_LINT0] = 0x0001a7ffu,      /* + polarity, trigger */
	[LVT_LINT1] = 0x0001a7ffu,
	[LVT_ERROR] = 0x000100ffu,
};

enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_TSC_DEADLINE = 2 };

#define SVR_VECTOR 0x0ffu
#define SVR_ENABLE (1u << 8)
#define SVR_FOCUS_OFF (1u << 9)

#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

#define ICR_VECTOR 0x000000ffu
#define ICR_DELIVERY_SHIFT 8
#define ICR_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define ICR_SHORTHAND_SHIFT 18
#define ICR_WRITABLE 0x000ccfffu        /* delivery status (bit 12) reads idle */
enum { SHORTHAND_NONE, SHORTHAND_SELF, SHORTHAND_ALL, SHORTHAND_OTHERS };

#define LAPIC_BUS_PERIOD_NS 1ull               /* a 1 GHz bus clock */
#define LAPIC_TIMER_MIN_PERIOD_NS 100000ull    /* periodic: 10 kHz at most */
#define LAPIC_TSC_RECHECK_NS 1000ull           /* TSC-deadline re-arm floor */

struct lapic {
	struct device dev;
	struct machine *m;
	struct lapic_callbacks cb;
	void *opaque;

	uint64_t base;                  /* IA32_APIC_BASE */
	uint32_t id;                    /* as the ID register reads */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t esr;                   /* what the ESR reads */
	uint32_t esr_logged;            /* errors since the last ESR write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t timer_initial, timer_divide;

	uint8_t lint_level[2];          /* electrical levels of LINT0/LINT1 */
	bool nmi_pending;
	bool extint_pending;            /* an ExtINT message not yet acknowledged */
	unsigned output;                /* last reported: 1 = interrupt, 2 = NMI */

	struct clock_timer timer;
	uint64_t timer_expire;          /* count reaches 0 (CLOCK_NEVER: stopped) */
	uint64_t timer_period;          /* periodic: ns per period */
	uint64_t tsc_deadline;
};

/* --- vectors and priorities ------------------------------------------------ */

static bool vec_test(const uint32_t *bits, int v)
{
	return bits[v >> 5] & (1u << (v & 31));
}

static void vec_set(uint32_t *bits, int v)
{
	bits[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *bits, int v)
{
	bits[v >> 5] &= ~(1u << (v & 31));
}

/* The highest set vector, -1 if none. */
static int vec_highest(const uint32_t *bits)
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static uint32_t lapic_ppr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	if ((a->tpr & 0xf0) >= isr_class)
		return a->tpr & 0xff;
	return isr_class;
}

static uint32_t lapic_apr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr), irrv = vec_highest(a->irr);
	uint32_t tpr_class = a->tpr & 0xf0;
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xf0;
	if (tpr_class >= irr_class && tpr_class > isr_class)
		return a->tpr & 0xff;
	uint32_t max = tpr_class;
	if (isr_class > max)
		max = isr_class;
	if (irr_class > max)
		max = irr_class;
	return max;
}

static bool lapic_hw_enabled(const struct lapic *a)
{
	return a->base & LAPIC_BASE_ENABLE;
}

static bool lapic_sw_enabled(const struct lapic *a)
{
	return a->svr & SVR_ENABLE;
}

bool lapic_enabled(const struct lapic *a)
{
	return lapic_hw_enabled(a) && lapic_sw_enabled(a);
}

/* The IRR vector the CPU would take now, -1 if none. */
static int lapic_deliverable_vector(const struct lapic *a)
{
	int v = vec_highest(a->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(a) & 0xf0))
		return -1;
	return v;
}

static unsigned lvt_mode(uint32_t lvt)
{
	return (lvt >> LVT_DELIVERY_SHIFT) & 7;
}

static bool lint_asserted(const struct lapic *a, int pin)
{
	uint32_t lvt = a->lvt[LVT_LINT0 + pin];
	return a->lint_level[pin] ^ ((lvt & LVT_POLARITY_LOW) != 0);
}

static bool lapic_extint_active(const struct lapic *a)
{
	if (a->extint_pending)
		return true;
	for (int pin = 0; pin < 2; pin++) {
		uint32_t lvt = a->lvt[LVT_LINT0 + pin];
		if (!(lvt & LVT_MASKED) && lvt_mode(lvt) == LAPIC_DM_EXTINT && lint_asserted(a, pin))
			return true;
	}
	return false;
}

bool lapic_has_interrupt(const struct lapic *a)
{
	if (!lapic_enabled(a))
		return false;
	return lapic_deliverable_vector(a) >= 0 || lapic_extint_active(a);
}

bool lapic_nmi_pending(const struct lapic *a)
{
	return a->nmi_pending;
}

/* Tells the integrator when what the CPU sees has changed. */
static void lapic_update_output(struct lapic *a)
{
	unsigned out = (lapic_has_interrupt(a) ? 1u : 0u) | (a->nmi_pending ? 2u : 0u);
	if (out == a->output)
		return;
	a->output = out;
	if (a->cb.output_changed)
		a->cb.output_changed(a->opaque);
}

/* --- acceptance -------------------------------------------------------------- */

static void lapic_error(struct lapic *a, uint32_t bits);

/* A fixed interrupt for this CPU: into the IRR, the TMR bit per trigger. */
static bool lapic_accept_fixed(struct lapic *a, int vector, bool level)
{
	if (!lapic_hw_enabled(a) || !lapic_sw_enabled(a))
		return false;
	if (vector < 16) {
		lapic_error(a, ESR_RECV_ILLEGAL_VECTOR);
		return false;
	}
	vec_set(a->irr, vector);
	if (level)
		vec_set(a->tmr, vector);
	else
		vec_clear(a->tmr, vector);
	return true;
}

/* Logs an error; the first one after an ESR write sends the LVT error
 * interrupt (whose own illegal vector can only log, not re-send). */
static void lapic_error(struct lapic *a, uint32_t bits)
{
	bool first = a->esr_logged == 0;
	a->esr_logged |= bits;
	uint32_t lvt = a->lvt[LVT_ERROR];
	if (first && !(lvt & LVT_MASKED))
		lapic_accept_fixed(a, (int)(lvt & LVT_VECTOR), false);
}

/* The timer's LVT at expiry: masked expiries are dropped. */
static void lapic_timer_interrupt(struct lapic *a)
{
	uint32_t lvt = a->lvt[LVT_TIMER];
	if (!(lvt & LVT_MASKED))
		lapic_accept_fixed(a, (int)(lvt & LVT_VECTOR), false);
}

/* LINT0 in fixed, level-triggered mode: deliver while asserted, once per
 * EOI (remote IRR). */
static bool lint_is_level_fixed(const struct lapic *a, int pin)
{
	uint32_t lvt = a->lvt[LVT_LINT0 + pin];
	return pin == 0 && lvt_mode(lvt) == LAPIC_DM_FIXED && (lvt & LVT_LEVEL);
}

static void lapic_lint_service_level(struct lapic *a, int pin)
{
	uint32_t *lvt = &a->lvt[LVT_LINT0 + pin];
	if (!lint_is_level_fixed(a, pin) || (*lvt & (LVT_MASKED | LVT_REMOTE_IRR)))
		return;
	if (lint_asserted(a, pin) && lapic_accept_fixed(a, (int)(*lvt & LVT_VECTOR), true))
		*lvt |= LVT_REMOTE_IRR;
}

void lapic_set_lint(struct lapic *a, int pin, int level)
{
	if (pin < 0 || pin > 1)
		return;
	bool was = lint_asserted(a, pin);
	a->lint_level[pin] = level ? 1 : 0;
	bool now = lint_asserted(a, pin);
	uint32_t lvt = a->lvt[LVT_LINT0 + pin];
	if (!lapic_hw_enabled(a) || (lvt & LVT_MASKED))
		return;
	switch (lvt_mode(lvt)) {
	case LAPIC_DM_FIXED:
		if (lint_is_level_fixed(a, pin))
			lapic_lint_service_level(a, pin);
		else if (!was && now)
			lapic_accept_fixed(a, (int)(lvt & LVT_VECTOR), false);
		break;
	case LAPIC_DM_NMI:
		if (!was && now)
			a->nmi_pending = true;
		break;
	default:                /* ExtINT: seen through lapic_extint_active; SMI, INIT: ignored */
		break;
	}
	lapic_update_output(a);
}

bool lapic_deliver(struct lapic *a, int vector, int delivery_mode, bool level_triggered)
{
	if (!lapic_hw_enabled(a))
		return false;
	bool taken = false;
	switch (delivery_mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		if (vector >= 0 && vector <= 0xff)     /* else not a vector: dropped */
			taken = lapic_accept_fixed(a, vector, level_triggered);
		break;
	case LAPIC_DM_NMI:
		a->nmi_pending = true;
		taken = true;
		break;
	case LAPIC_DM_EXTINT:
		a->extint_pending = true;
		taken = true;
		break;
	default:                /* SMI, INIT, startup, reserved */
		break;
	}
	lapic_update_output(a);
	return taken;
}

bool lapic_match_destination(const struct lapic *a, uint8_t dest, bool logical)
{
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == a->id >> 24;
	uint8_t ldr = a->ldr >> 24;
	switch (a->dfr >> 28) {
	case 0xf:               /* flat: a bit mask of up to 8 APICs */
		return (dest & ldr) != 0;
	case 0x0:               /* cluster: cluster in 7:4, members in 3:0 */
		return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0x0f) != 0;
	default:
		return false;
	}
}

/* --- the CPU side ------------------------------------------------------------ */

int lapic_acknowledge(struct lapic *a)
{
	int spurious = (int)(a->svr & SVR_VECTOR);
	if (!lapic_enabled(a))
		return spurious;
	int v = lapic_deliverable_vector(a);
	if (v >= 0) {
		vec_clear(a->irr, v);
		vec_set(a->isr, v);
		lapic_update_output(a);
		return v;
	}
	if (lapic_extint_active(a)) {
		a->extint_pending = false;
		v = a->cb.extint_ack ? a->cb.extint_ack(a->opaque) & 0xff : spurious;
		lapic_update_output(a);
		return v;
	}
	return spurious;
}

bool lapic_take_nmi(struct lapic *a)
{
	if (!a->nmi_pending)
		return false;
	a->nmi_pending = false;
	lapic_update_output(a);
	return true;
}

static void lapic_eoi(struct lapic *a)
{
	int v = vec_highest(a->isr);
	if (v < 0)
		return;
	vec_clear(a->isr, v);
	if (vec_test(a->tmr, v)) {
		for (int pin = 0; pin < 2; pin++) {
			uint32_t *lvt = &a->lvt[LVT_LINT0 + pin];
			if (lint_is_level_fixed(a, pin) && (int)(*lvt & LVT_VECTOR) == v &&
			    (*lvt & LVT_REMOTE_IRR)) {
				*lvt &= ~LVT_REMOTE_IRR;
				lapic_lint_service_level(a, pin);
			}
		}
		if (a->cb.eoi)
			a->cb.eoi(a->opaque, v);
	}
	lapic_update_output(a);
}

/* --- the timer --------------------------------------------------------------- */

static unsigned lapic_timer_mode(const struct lapic *a)
{
	return (a->lvt[LVT_TIMER] >> LVT_TIMER_MODE_SHIFT) & 3;
}

/* ns per count: divide configuration bits 3,1,0; 0b111 divides by 1. */
static uint64_t lapic_timer_tick_ns(const struct lapic *a)
{
	unsigned d = ((a->timer_divide & 8) >> 1) | (a->timer_divide & 3);
	return LAPIC_BUS_PERIOD_NS << ((d + 1) & 7);
}

static void lapic_timer_stop(struct lapic *a)
{
	clock_timer_cancel(&a->m->clock, &a->timer);
	a->timer_expire = CLOCK_NEVER;
	a->timer_period = 0;
}

/* Counts `count` down from now (one-shot/periodic); 0 stops. */
static void lapic_timer_start(struct lapic *a, uint32_t count)
{
	lapic_timer_stop(a);
	unsigned mode = lapic_timer_mode(a);
	if (count == 0 || mode == TIMER_TSC_DEADLINE)
		return;
	uint64_t tick = lapic_timer_tick_ns(a);
	uint64_t ns = (uint64_t)count * tick;
	if (mode == TIMER_PERIODIC) {
		a->timer_period = (uint64_t)a->timer_initial * tick;
		if (a->timer_period < LAPIC_TIMER_MIN_PERIOD_NS)
			a->timer_period = LAPIC_TIMER_MIN_PERIOD_NS;
		if (ns < LAPIC_TIMER_MIN_PERIOD_NS)
			ns = LAPIC_TIMER_MIN_PERIOD_NS;
	}
	a->timer_expire = clock_now(&a->m->clock) + ns;
	clock_timer_arm(&a->m->clock, &a->timer, a->timer_expire);
}

static uint32_t lapic_timer_current(const struct lapic *a)
{
	if (lapic_timer_mode(a) == TIMER_TSC_DEADLINE || a->timer_expire == CLOCK_NEVER)
		return 0;
	uint64_t now = clock_now(&a->m->clock);
	uint64_t left;
	if (now < a->timer_expire)
		left = a->timer_expire - now;
	else if (a->timer_period)
		left = a->timer_period - (now - a->timer_expire) % a->timer_period;
	else
		return 0;
	uint64_t tick = lapic_timer_tick_ns(a);
	uint64_t count = (left + tick - 1) / tick;
	return count > a->timer_initial ? a->timer_initial : (uint32_t)count;
}

/* TSC-deadline mode: fires now if the TSC has reached the deadline, else
 * arms the clock timer for when it will (at least min_ns from now). */
static void lapic_tsc_deadline_arm(struct lapic *a, uint64_t min_ns)
{
	clock_timer_cancel(&a->m->clock, &a->timer);
	if (!a->tsc_deadline || !a->cb.read_tsc || !a->cb.tsc_khz)
		return;
	uint64_t tsc = a->cb.read_tsc(a->opaque);
	if (tsc >= a->tsc_deadline) {
		a->tsc_deadline = 0;
		lapic_timer_interrupt(a);
		lapic_update_output(a);
		return;
	}
	unsigned __int128 ns = ((unsigned __int128)(a->tsc_deadline - tsc) * 1000000u +
				a->cb.tsc_khz - 1) / a->cb.tsc_khz;
	if (ns < min_ns)
		ns = min_ns;
	uint64_t now = clock_now(&a->m->clock);
	uint64_t at = ns >= CLOCK_NEVER - 1 - now ? CLOCK_NEVER - 1 : now + (uint64_t)ns;
	clock_timer_arm(&a->m->clock, &a->timer, at);
}

static void lapic_timer_fire(void *opaque, uint64_t now)
{
	struct lapic *a = opaque;
	if (lapic_timer_mode(a) == TIMER_TSC_DEADLINE) {
		lapic_tsc_deadline_arm(a, LAPIC_TSC_RECHECK_NS);
		return;
	}
	if (a->timer_expire == CLOCK_NEVER)
		return;
	lapic_timer_interrupt(a);
	if (a->timer_period) {
		uint64_t next = a->timer_expire + a->timer_period;
		if (next <= now)        /* the host was late: coalesce */
			next += ((now - next) / a->timer_period + 1) * a->timer_period;
		a->timer_expire = next;
		clock_timer_arm(&a->m->clock, &a->timer, next);
	} else {
		a->timer_expire = CLOCK_NEVER;
	}
	lapic_update_output(a);
}

void lapic_write_tsc_deadline(struct lapic *a, uint64_t value)
{
	if (!lapic_hw_enabled(a) || lapic_timer_mode(a) != TIMER_TSC_DEADLINE)
		return;
	a->tsc_deadline = value;
	lapic_tsc_deadline_arm(a, 0);
}

uint64_t lapic_read_tsc_deadline(const struct lapic *a)
{
	if (!lapic_hw_enabled(a) || lapic_timer_mode(a) != TIMER_TSC_DEADLINE)
		return 0;
	return a->tsc_deadline;
}

uint64_t lapic_read_cr8(const struct lapic *a)
{
	return (a->tpr >> 4) & 0xf;
}

void lapic_write_cr8(struct lapic *a, uint64_t value)
{
	a->tpr = (uint32_t)(value & 0xf) << 4;
	lapic_update_output(a);
}

/* --- registers ------------------------------------------------------------------ */

/* The ICR low write: send the IPI. One CPU: only this APIC can receive. */
static void lapic_send_ipi(struct lapic *a)
{
	uint32_t lo = a->icr_lo;
	int vector = (int)(lo & ICR_VECTOR);
	unsigned mode = (lo >> ICR_DELIVERY_SHIFT) & 7;
	bool to_self;
	switch ((lo >> ICR_SHORTHAND_SHIFT) & 3) {
	case SHORTHAND_NONE:
		to_self = lapic_match_destination(a, (uint8_t)(a->icr_hi >> 24), lo & ICR_LOGICAL);
		break;
	case SHORTHAND_SELF:
	case SHORTHAND_ALL:
		to_self = true;
		break;
	default:
		to_self = false;
		break;
	}
	if ((mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) && vector < 16) {
		lapic_error(a, ESR_SEND_ILLEGAL_VECTOR | (to_self ? ESR_RECV_ILLEGAL_VECTOR : 0));
		return;
	}
	if (!to_self)
		return;
	switch (mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		lapic_accept_fixed(a, vector, lo & ICR_LEVEL_TRIGGER);
		break;
	case LAPIC_DM_NMI:
		a->nmi_pending = true;
		break;
	default:                /* SMI, INIT, startup: no other CPU, nothing to do */
		break;
	}
}

static void lapic_write_lvt(struct lapic *a, int idx, uint32_t value)
{
	uint32_t old = a->lvt[idx];
	uint32_t v = (value & lvt_writable[idx]) | (old & LVT_REMOTE_IRR);
	if (!lapic_sw_enabled(a))
		v |= LVT_MASKED;
	a->lvt[idx] = v;
	if (idx == LVT_TIMER && ((old ^ v) >> LVT_TIMER_MODE_SHIFT) & 3) {
		lapic_timer_stop(a);    /* a mode change disarms */
		a->timer_initial = 0;
		a->tsc_deadline = 0;
	}
	if (idx == LVT_LINT0 || idx == LVT_LINT1) {
		int pin = idx - LVT_LINT0;
		if (!lint_is_level_fixed(a, pin))
			a->lvt[idx] &= ~LVT_REMOTE_IRR;
		lapic_lint_service_level(a, pin);
	}
}

static void lapic_write_svr(struct lapic *a, uint32_t value)
{
	a->svr = value & (SVR_VECTOR | SVR_ENABLE | SVR_FOCUS_OFF);
	if (!lapic_sw_enabled(a))
		for (int i = 0; i < LVT_COUNT; i++)
			a->lvt[i] |= LVT_MASKED;
}

static uint32_t lapic_read_reg(struct lapic *a, unsigned reg)
{
	if (reg >= REG_ISR && reg < REG_ISR + 0x80)
		return a->isr[(reg - REG_ISR) >> 4];
	if (reg >= REG_TMR && reg < REG_TMR + 0x80)
		return a->tmr[(reg - REG_TMR) >> 4];
	if (reg >= REG_IRR && reg < REG_IRR + 0x80)
		return a->irr[(reg - REG_IRR) >> 4];
	if (reg >= REG_LVT && reg < REG_LVT + 0x10 * LVT_COUNT)
		return a->lvt[(reg - REG_LVT) >> 4];
	switch (reg) {
	case REG_ID: return a->id;
	case REG_VERSION: return LAPIC_VERSION;
	case REG_TPR: return a->tpr;
	case REG_APR: return lapic_apr(a);
	case REG_PPR: return lapic_ppr(a);
	case REG_EOI: return 0;         /* write-only */
	case REG_RRD: return 0;         /* remote read: never valid */
	case REG_LDR: return a->ldr;
	case REG_DFR: return a->dfr;
	case REG_SVR: return a->svr;
	case REG_ESR: return a->esr;
	case REG_ICR_LO: return a->icr_lo;
	case REG_ICR_HI: return a->icr_hi;
	case REG_TIMER_INITIAL: return a->timer_initial;
	case REG_TIMER_CURRENT: return lapic_timer_current(a);
	case REG_TIMER_DIVIDE: return a->timer_divide;
	default:
		lapic_error(a, ESR_ILLEGAL_REGISTER);
		lapic_update_output(a);
		return 0;
	}
}

static void lapic_write_reg(struct lapic *a, unsigned reg, uint32_t value)
{
	if (reg >= REG_LVT && reg < REG_LVT + 0x10 * LVT_COUNT) {
		lapic_write_lvt(a, (int)((reg - REG_LVT) >> 4), value);
	} else if (reg >= REG_ISR && reg < REG_IRR + 0x80) {
		/* ISR, TMR, IRR: read-only */
	} else {
		switch (reg) {
		case REG_ID: a->id = value & 0xff000000u; break;
		case REG_VERSION: case REG_APR: case REG_PPR: case REG_RRD:
		case REG_TIMER_CURRENT:
			break;  /* read-only */
		case REG_TPR: a->tpr = value & 0xff; break;
		case REG_EOI: lapic_eoi(a); break;
		case REG_LDR: a->ldr = value & 0xff000000u; break;
		case REG_DFR: a->dfr = (value & 0xf0000000u) | 0x0fffffffu; break;
		case REG_SVR: lapic_write_svr(a, value); break;
		case REG_ESR:
			a->esr = a->esr_logged;
			a->esr_logged = 0;
			break;
		case REG_ICR_LO:
			a->icr_lo = value & ICR_WRITABLE;
			lapic_send_ipi(a);
			break;
		case REG_ICR_HI: a->icr_hi = value & 0xff000000u; break;
		case REG_TIMER_INITIAL:
			if (lapic_timer_mode(a) != TIMER_TSC_DEADLINE) {
				a->timer_initial = value;
				lapic_timer_start(a, value);
			}
			break;
		case REG_TIMER_DIVIDE: {
			uint32_t count = lapic_timer_current(a);
			a->timer_divide = value & 0xb;
			if (count)      /* counting: the rest at the new rate */
				lapic_timer_start(a, count);
			break;
		}
		default:
			lapic_error(a, ESR_ILLEGAL_REGISTER);
			break;
		}
	}
	lapic_update_output(a);
}

uint64_t lapic_mmio_read(struct lapic *a, uint64_t offset, int size)
{
	(void)size;
	if (!lapic_hw_enabled(a))
		return ~0ull;
	offset &= LAPIC_MMIO_SIZE - 1;
	uint32_t value = lapic_read_reg(a, (unsigned)(offset & ~0xfull));
	unsigned byte = offset & 0xf;
	return byte < 4 ? (uint64_t)(value >> (8 * byte)) : 0;
}

void lapic_mmio_write(struct lapic *a, uint64_t offset, int size, uint64_t value)
{
	if (!lapic_hw_enabled(a) || size != 4 || (offset & 0xf))
		return;
	lapic_write_reg(a, (unsigned)(offset & (LAPIC_MMIO_SIZE - 1)), (uint32_t)value);
}

static uint64_t lapic_mmio_read_cb(void *opaque, uint64_t offset, int size)
{
	return lapic_mmio_read(opaque, offset, size);
}

static void lapic_mmio_write_cb(void *opaque, uint64_t offset, int size, uint64_t value)
{
	lapic_mmio_write(opaque, offset, size, value);
}

/* --- state ------------------------------------------------------------------------ */

/* The power-up state of everything but the base MSR and the ID. */
static void lapic_reset_registers(struct lapic *a)
{
	lapic_timer_stop(a);
	a->tpr = 0;
	a->ldr = 0;
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	memset(a->irr, 0, sizeof(a->irr));
	a->esr = a->esr_logged = 0;
	a->icr_lo = a->icr_hi = 0;
	for (int i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
	a->timer_initial = 0;
	a->timer_divide = 0;
	a->tsc_deadline = 0;
	a->nmi_pending = false;
	a->extint_pending = false;
}

uint64_t lapic_get_base(const struct lapic *a)
{
	return a->base;
}

int lapic_set_base(struct lapic *a, uint64_t value)
{
	const uint64_t allowed = LAPIC_BASE_ADDR_MASK | LAPIC_BASE_BSP | LAPIC_BASE_ENABLE;
	if (value & ~allowed)
		return -1;
	bool was_enabled = lapic_hw_enabled(a);
	a->base = value;
	if (was_enabled && !lapic_hw_enabled(a))
		lapic_reset_registers(a);
	lapic_update_output(a);
	return 0;
}

void lapic_set_callbacks(struct lapic *a, const struct lapic_callbacks *cb, void *opaque)
{
	if (cb)
		a->cb = *cb;
	else
		memset(&a->cb, 0, sizeof(a->cb));
	a->opaque = opaque;
	if (lapic_timer_mode(a) == TIMER_TSC_DEADLINE && a->tsc_deadline)
		lapic_tsc_deadline_arm(a, 0);
	lapic_update_output(a);
}

static void lapic_reset(struct device *dev)
{
	struct lapic *a = (struct lapic *)dev;
	a->base = LAPIC_DEFAULT_BASE | LAPIC_BASE_BSP | LAPIC_BASE_ENABLE;
	a->id = 0;
	lapic_reset_registers(a);
	lapic_update_output(a);
}

static void lapic_destroy(struct device *dev)
{
	struct lapic *a = (struct lapic *)dev;
	clock_timer_cancel(&a->m->clock, &a->timer);
	free(a);
}

int lapic_create(struct machine *m, struct lapic **out, struct error *err)
{
	struct lapic *a = calloc(1, sizeof(*a));
	if (!a)
		return error_set(err, -ENOMEM, "local APIC: out of memory");
	a->dev.name = "lapic";
	a->dev.reset = lapic_reset;
	a->dev.destroy = lapic_destroy;
	a->m = m;
	clock_timer_init(&a->timer, lapic_timer_fire, a);
	a->timer_expire = CLOCK_NEVER;
	a->base = LAPIC_DEFAULT_BASE | LAPIC_BASE_BSP | LAPIC_BASE_ENABLE;
	lapic_reset_registers(a);
	int rc = memmap_add(&m->mem, &(struct mem_region){ .base = LAPIC_DEFAULT_BASE,
		.size = LAPIC_MMIO_SIZE, .kind = MEM_MMIO, .read = lapic_mmio_read_cb,
		.write = lapic_mmio_write_cb, .opaque = a, .name = "lapic" }, err);
	if (rc < 0) {
		free(a);
		return rc;
	}
	machine_add_device(m, &a->dev);
	if (out)
		*out = a;
	return 0;
}
