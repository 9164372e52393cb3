/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtc.c — the MC146818A CMOS/RTC: index port 0x70 (bit 7 is the NMI mask,
 * stored and otherwise ignored) and data port 0x71 over 128 bytes of CMOS,
 * with the clock, the divider chain, the SET bit and the periodic, alarm and
 * update-ended interrupts on ISA IRQ 8.
 *
 * Time. The clock starts at the host's UTC time when the RTC is created
 * (rtc_create; rtc_create_at takes the start time, for tests and
 * deterministic runs) and then advances with the machine clock
 * (clock_now), never with the host's wall clock again: under
 * clock_set_manual every register is a function of the machine time. The
 * divider chain is modelled as a 32.768 kHz tick count from an origin
 * (chain_ns); the once-a-second update happens when it overflows its 15
 * stages (every 2^15 ticks), and the periodic interrupt at a tap of it, so
 * both keep their phase across rate changes, SET and time writes. UTC as
 * before (a guest OS expects the RTC in UTC unless told otherwise).
 *
 * Registers as the guest sees them:
 * - 0x00, 0x02, 0x04, 0x06-0x09 and the century (0x32): in BCD or binary per
 *   register B bit 2 (DM), in 24- or 12-hour form per bit 1 (hour bit 7 =
 *   PM). While the clock runs they are computed from the time at each read,
 *   so changing DM or 12/24 re-encodes them (the chip would keep the stored
 *   bytes; QEMU re-encodes too).
 * - Guest writes to them are honoured, like QEMU (and the chip). The
 *   datasheet's way is the SET protocol: set B bit 7 (updates stop, UIP and
 *   UIE clear; the registers are frozen at the current time and hold
 *   whatever the guest writes, byte for byte), write the time, clear SET:
 *   the clock runs from the written time; its next update comes at the
 *   chain's next second boundary (the chain kept running). A write while the
 *   clock runs takes effect at once (the other fields from the current time,
 *   out-of-range values normalised as timegm() does) and keeps the phase.
 *   The weekday is always derived from the date when the clock starts
 *   running again: a written weekday reads back only while stopped.
 * - A: UIP (bit 7, read-only) is 1 during the 244 us before each update
 *   (the update itself is instantaneous here); never while SET is set or
 *   the chain is in reset. DV2-0 (bits 6-4): 11x holds the divider chain in
 *   reset (no updates, no periodic interrupt, UIP 0); on leaving reset the
 *   first update comes 500 ms later. Only a 32.768 kHz crystal is modelled:
 *   every other value (010 normal; 000, 001 and the test modes 011, 10x)
 *   runs as 010, as QEMU does. RS3-0 (bits 3-0): the periodic rate, none
 *   for 0, 256 Hz for 1, 128 Hz for 2 and 65536 >> r Hz for r >= 3 (8192 Hz
 *   at 3, 1024 Hz at 6, 2 Hz at 15). At most 8192 Hz, so nothing is
 *   clamped.
 * - B: SET, PIE, AIE, UIE, SQWE (stored, no square-wave pin), DM, 24/12,
 *   DSE (stored, daylight saving is not applied). Setting SET clears UIE.
 * - C: IRQF (7), PF (6), AF (5), UF (4), read-only. PF, AF and UF are set
 *   whether or not their interrupt is enabled; IRQF = PF&PIE | AF&AIE |
 *   UF&UIE, recomputed at every change (so enabling an interrupt whose flag
 *   is already set raises IRQ 8 at once, and disabling it lowers the line).
 *   Reading C returns the flags and clears them all.
 * - D: VRT (bit 7) always 1, read-only.
 * - Alarm (0x01, 0x03, 0x05): compared with the new time at each update, as
 *   encoded bytes in the current mode; a byte with bits 7-6 = 11 matches any
 *   value.
 *
 * IRQ 8: machine_set_irq(m, 8, 1) when IRQF goes from 0 to 1, and
 * machine_set_irq(m, 8, 0) when it goes back to 0 (reading C, a register B
 * write that disables the interrupt, reset). The line is a level, as on the
 * chip's open-drain IRQ pin; the 8259 takes it as an edge, so a guest that
 * does not read C gets no further interrupt — the same contract as real PCs.
 *
 * Laziness. PF, UF and AF are computed at access time from the elapsed
 * machine time (every port access first brings the RTC up to now), so an
 * idle guest, or one that polls, costs no timer. A machine clock timer is
 * armed only while IRQF is 0 and an enabled interrupt can fire: the next
 * periodic tick while PIE is set and a rate is chosen; the next update while
 * UIE or AIE is set and the clock runs (for AIE the update is checked against
 * the alarm then: one wake-up a second while an alarm is enabled).
 *
 * Reset (machine reset = the chip's RESET pin): the CMOS contents and the
 * clock are battery-backed and kept, SET and the divider too; PIE, AIE, UIE,
 * SQWE and all of C are cleared and the line lowered, as the datasheet says.
 *
 * The memory-size bytes (0x15-0x18, 0x30-0x31, 0x34-0x35, 0x5b-0x5d) and the
 * standard checksum (0x2e-0x2f over 0x10-0x2d) are filled in from the
 * machine's RAM at creation; every other byte is plain storage.
 *
 * Not here: the square-wave output, daylight saving (DSE), the 4.194304 and
 * 1.048576 MHz time bases, the chip's inaccessible window during an update,
 * extended (bank 1) CMOS. */
#include "hw/rtc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "hw/machine.h"

#define RTC_INDEX_PORT 0x70
#define RTC_CMOS_SIZE 128
#define RTC_NMI_MASK 0x80
#define RTC_IRQ 8

#define NS_PER_SEC 1000000000ll
#define CHAIN_HZ 32768ll                /* the divider chain's input */
#define UIP_NS 244000ll                 /* UIP before an update */
#define RESET_RELEASE_NS 500000000ll    /* first update after the chain leaves reset */
#define DAY_SECS 86400ll

enum {
	CMOS_SECONDS = 0x00,
	CMOS_SECONDS_ALARM = 0x01,
	CMOS_MINUTES = 0x02,
	CMOS_MINUTES_ALARM = 0x03,
	CMOS_HOURS = 0x04,
	CMOS_HOURS_ALARM = 0x05,
	CMOS_WEEKDAY = 0x06,
	CMOS_DAY = 0x07,
	CMOS_MONTH = 0x08,
	CMOS_YEAR = 0x09,
	CMOS_REG_A = 0x0a,
	CMOS_REG_B = 0x0b,
	CMOS_REG_C = 0x0c,
	CMOS_REG_D = 0x0d,
	CMOS_BASE_MEM_LO = 0x15,
	CMOS_EXT_MEM_LO = 0x17,
	CMOS_CHECKSUM_HI = 0x2e,
	CMOS_EXT_MEM2_LO = 0x30,
	CMOS_CENTURY = 0x32,
	CMOS_MEM_ABOVE_16M_LO = 0x34,
	CMOS_MEM_ABOVE_4G = 0x5b,       /* three bytes, little-endian */
};

#define REG_A_UIP 0x80
#define REG_A_DV 0x70
#define REG_A_DV_RESET 0x60             /* 11x */
#define REG_A_RS 0x0f
#define REG_A_DEFAULT 0x26              /* 32.768 kHz time base, 1024 Hz rate */
#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_BINARY 0x04
#define REG_B_24H 0x02
#define REG_B_DEFAULT REG_B_24H         /* BCD, 24-hour */
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10
#define REG_D_VALID 0x80

#define HOUR_PM 0x80                    /* 12-hour mode */
#define ALARM_DONT_CARE 0xc0

struct rtc {
	struct device dev;
	struct machine *m;
	uint8_t index;                  /* 0..127 */
	uint8_t nmi_mask;               /* RTC_NMI_MASK or 0 */
	/* The time registers hold the time only while the clock is stopped
	 * (SET, divider reset); A's UIP, C and D are not kept here. */
	uint8_t cmos[RTC_CMOS_SIZE];
	uint8_t reg_c;                  /* IRQF, PF, AF, UF as of last_ns */

	/* Machine times (clock_now), signed: the chain's origin may lie
	 * before the machine started. */
	int64_t chain_ns;               /* the divider chain's count was 0 */
	int64_t base_ns;                /* the clock read base_secs then */
	int64_t base_secs;              /* UTC seconds since the epoch */
	int64_t last_ns;                /* flags are up to date until then */
	struct clock_timer timer;
};

/* --- CMOS memory ------------------------------------------------------------ */

static void cmos_put16(uint8_t *cmos, unsigned at, uint64_t value)
{
	if (value > 0xffff)
		value = 0xffff;
	cmos[at] = value & 0xff;
	cmos[at + 1] = value >> 8;
}

/* The memory-size bytes firmware and old kernels read. */
static void rtc_fill_memory_sizes(struct rtc *r)
{
	const struct machine *m = r->m;
	uint64_t ext = m->ram_low > (1u << 20) ? m->ram_low - (1u << 20) : 0;
	uint64_t above16m = m->ram_low > (16u << 20) ? m->ram_low - (16u << 20) : 0;
	uint64_t above4g = (m->ram_size - m->ram_low) >> 16;

	cmos_put16(r->cmos, CMOS_BASE_MEM_LO, 640);
	cmos_put16(r->cmos, CMOS_EXT_MEM_LO, ext >> 10);
	cmos_put16(r->cmos, CMOS_EXT_MEM2_LO, ext >> 10);
	cmos_put16(r->cmos, CMOS_MEM_ABOVE_16M_LO, above16m >> 16);
	if (above4g > 0xffffff)
		above4g = 0xffffff;
	r->cmos[CMOS_MEM_ABOVE_4G] = above4g & 0xff;
	r->cmos[CMOS_MEM_ABOVE_4G + 1] = (above4g >> 8) & 0xff;
	r->cmos[CMOS_MEM_ABOVE_4G + 2] = (above4g >> 16) & 0xff;

	unsigned sum = 0;
	for (unsigned i = 0x10; i < CMOS_CHECKSUM_HI; i++)
		sum += r->cmos[i];
	r->cmos[CMOS_CHECKSUM_HI] = (sum >> 8) & 0xff;
	r->cmos[CMOS_CHECKSUM_HI + 1] = sum & 0xff;
}

static bool rtc_is_clock_register(uint8_t index)
{
	switch (index) {
	case CMOS_SECONDS: case CMOS_MINUTES: case CMOS_HOURS: case CMOS_WEEKDAY:
	case CMOS_DAY: case CMOS_MONTH: case CMOS_YEAR: case CMOS_CENTURY:
		return true;
	default:
		return false;
	}
}

/* --- encoding ---------------------------------------------------------------- */

/* value (0..99) in the data mode register B selects. */
static uint8_t rtc_encode(const struct rtc *r, unsigned value)
{
	if (r->cmos[CMOS_REG_B] & REG_B_BINARY)
		return (uint8_t)value;
	return (uint8_t)(((value / 10) << 4) | (value % 10));
}

static unsigned rtc_decode(const struct rtc *r, uint8_t v)
{
	if (r->cmos[CMOS_REG_B] & REG_B_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_encode_hour(const struct rtc *r, unsigned hour)
{
	if (r->cmos[CMOS_REG_B] & REG_B_24H)
		return rtc_encode(r, hour);
	unsigned h12 = hour % 12 ? hour % 12 : 12;
	return rtc_encode(r, h12) | (hour >= 12 ? HOUR_PM : 0);
}

static unsigned rtc_decode_hour(const struct rtc *r, uint8_t v)
{
	if (r->cmos[CMOS_REG_B] & REG_B_24H)
		return rtc_decode(r, v);
	return rtc_decode(r, v & ~HOUR_PM) % 12 + (v & HOUR_PM ? 12 : 0);
}

/* Writes `secs` into the time registers, in the current mode. */
static void rtc_store_time(struct rtc *r, int64_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return;
	unsigned year = (unsigned)(tm.tm_year + 1900);
	r->cmos[CMOS_SECONDS] = rtc_encode(r, tm.tm_sec);
	r->cmos[CMOS_MINUTES] = rtc_encode(r, tm.tm_min);
	r->cmos[CMOS_HOURS] = rtc_encode_hour(r, tm.tm_hour);
	r->cmos[CMOS_WEEKDAY] = rtc_encode(r, tm.tm_wday + 1);   /* Sunday = 1 */
	r->cmos[CMOS_DAY] = rtc_encode(r, tm.tm_mday);
	r->cmos[CMOS_MONTH] = rtc_encode(r, tm.tm_mon + 1);
	r->cmos[CMOS_YEAR] = rtc_encode(r, year % 100);
	r->cmos[CMOS_CENTURY] = rtc_encode(r, (year / 100) % 100);
}

/* The time the registers hold (the weekday is not read). */
static int64_t rtc_load_time(const struct rtc *r)
{
	struct tm tm = {
		.tm_sec = (int)rtc_decode(r, r->cmos[CMOS_SECONDS]),
		.tm_min = (int)rtc_decode(r, r->cmos[CMOS_MINUTES]),
		.tm_hour = (int)rtc_decode_hour(r, r->cmos[CMOS_HOURS]),
		.tm_mday = (int)rtc_decode(r, r->cmos[CMOS_DAY]),
		.tm_mon = (int)rtc_decode(r, r->cmos[CMOS_MONTH]) - 1,
		.tm_year = (int)(rtc_decode(r, r->cmos[CMOS_CENTURY]) * 100 +
				 rtc_decode(r, r->cmos[CMOS_YEAR])) - 1900,
	};
	return (int64_t)timegm(&tm);
}

/* --- the divider chain and the clock ----------------------------------------- */

static bool rtc_chain_running(const struct rtc *r)
{
	return (r->cmos[CMOS_REG_A] & REG_A_DV_RESET) != REG_A_DV_RESET;
}

/* The clock advances: the chain runs and SET is clear. */
static bool rtc_clock_running(const struct rtc *r)
{
	return rtc_chain_running(r) && !(r->cmos[CMOS_REG_B] & REG_B_SET);
}

/* Completed updates (chain overflows) from the chain's origin to t. */
static int64_t rtc_updates(const struct rtc *r, int64_t t)
{
	return (t - r->chain_ns) / NS_PER_SEC;
}

/* When update number n (from the chain's origin) happens. */
static int64_t rtc_update_time(const struct rtc *r, int64_t n)
{
	return r->chain_ns + n * NS_PER_SEC;
}

/* The clock's time at t (the clock runs). */
static int64_t rtc_secs_at(const struct rtc *r, int64_t t)
{
	return r->base_secs + rtc_updates(r, t) - rtc_updates(r, r->base_ns);
}

/* 32.768 kHz ticks from the chain's origin to t, rounded down. */
static int64_t rtc_ticks(const struct rtc *r, int64_t t)
{
	int64_t d = t - r->chain_ns;
	return d / NS_PER_SEC * CHAIN_HZ + d % NS_PER_SEC * CHAIN_HZ / NS_PER_SEC;
}

/* When tick k happens: the first nanosecond at which rtc_ticks() >= k. */
static int64_t rtc_tick_time(const struct rtc *r, int64_t k)
{
	int64_t rem = k % CHAIN_HZ;
	return r->chain_ns + k / CHAIN_HZ * NS_PER_SEC +
	       (rem * NS_PER_SEC + CHAIN_HZ - 1) / CHAIN_HZ;
}

/* Ticks per periodic interrupt for rate select `rs`, 0 for none:
 * 256 Hz, 128 Hz for 1, 2; 65536 >> rs Hz for 3..15. */
static int64_t rtc_periodic_ticks(unsigned rs)
{
	if (rs == 0)
		return 0;
	if (rs < 3)
		return (int64_t)1 << (rs + 6);
	return (int64_t)1 << (rs - 1);
}

/* Does the time of day of `secs` match the alarm registers? */
static bool rtc_alarm_matches(const struct rtc *r, int64_t secs)
{
	int64_t sod = (secs % DAY_SECS + DAY_SECS) % DAY_SECS;
	uint8_t now[3] = {
		rtc_encode(r, (unsigned)(sod % 60)),
		rtc_encode(r, (unsigned)(sod / 60 % 60)),
		rtc_encode_hour(r, (unsigned)(sod / 3600)),
	};
	static const uint8_t alarm_reg[3] = { CMOS_SECONDS_ALARM, CMOS_MINUTES_ALARM,
					      CMOS_HOURS_ALARM };
	for (int i = 0; i < 3; i++) {
		uint8_t a = r->cmos[alarm_reg[i]];
		if ((a & ALARM_DONT_CARE) != ALARM_DONT_CARE && a != now[i])
			return false;
	}
	return true;
}

/* Recomputes IRQF and moves the line when it changes. */
static void rtc_update_irq(struct rtc *r)
{
	bool irqf = r->reg_c & r->cmos[CMOS_REG_B] & (REG_C_PF | REG_C_AF | REG_C_UF);
	bool was = r->reg_c & REG_C_IRQF;
	if (irqf == was)
		return;
	if (irqf)
		r->reg_c |= REG_C_IRQF;
	else
		r->reg_c &= ~REG_C_IRQF;
	machine_set_irq(r->m, RTC_IRQ, irqf);
}

/* Brings the flags up to `now`: what happened in (last_ns, now] under the
 * settings in force since last_ns. */
static void rtc_sync(struct rtc *r, int64_t now)
{
	int64_t last = r->last_ns;
	if (now <= last)
		return;
	r->last_ns = now;
	if (!rtc_chain_running(r))
		return;

	int64_t p = rtc_periodic_ticks(r->cmos[CMOS_REG_A] & REG_A_RS);
	if (p && rtc_ticks(r, now) / p != rtc_ticks(r, last) / p)
		r->reg_c |= REG_C_PF;

	if (rtc_clock_running(r)) {
		int64_t from = rtc_secs_at(r, last), to = rtc_secs_at(r, now);
		if (to > from) {
			r->reg_c |= REG_C_UF;
			/* The alarm looks at the time of day only: a day of
			 * updates tries every value. */
			if (to - from > DAY_SECS)
				from = to - DAY_SECS;
			for (int64_t s = from + 1; s <= to; s++) {
				if (rtc_alarm_matches(r, s)) {
					r->reg_c |= REG_C_AF;
					break;
				}
			}
		}
	}
	rtc_update_irq(r);
}

/* Arms the timer for the next event that can raise IRQF, if any. */
static void rtc_arm_timer(struct rtc *r, int64_t now)
{
	struct clock *clock = &r->m->clock;
	uint8_t b = r->cmos[CMOS_REG_B];
	int64_t deadline = INT64_MAX;

	if (!(r->reg_c & REG_C_IRQF) && rtc_chain_running(r)) {
		int64_t p = rtc_periodic_ticks(r->cmos[CMOS_REG_A] & REG_A_RS);
		if ((b & REG_B_PIE) && p)
			deadline = rtc_tick_time(r, (rtc_ticks(r, now) / p + 1) * p);
		if ((b & (REG_B_UIE | REG_B_AIE)) && rtc_clock_running(r)) {
			int64_t next = rtc_update_time(r, rtc_updates(r, now) + 1);
			if (next < deadline)
				deadline = next;
		}
	}
	if (deadline <= now)            /* cannot happen; never spin the event loop */
		deadline = now + 1;
	if (deadline == INT64_MAX)
		clock_timer_cancel(clock, &r->timer);
	else if ((uint64_t)deadline != r->timer.deadline)
		clock_timer_arm(clock, &r->timer, (uint64_t)deadline);
}

static void rtc_timer_fire(void *opaque, uint64_t now)
{
	struct rtc *r = opaque;
	rtc_sync(r, (int64_t)now);
	rtc_arm_timer(r, r->last_ns);
}

/* The machine time, never before what the RTC has already seen. */
static int64_t rtc_now(const struct rtc *r)
{
	int64_t now = (int64_t)clock_now(&r->m->clock);
	return now > r->last_ns ? now : r->last_ns;
}

/* Installs new A and B values at `now` (flags already synced): stops or
 * restarts the clock and the chain as they say. */
static void rtc_set_control(struct rtc *r, int64_t now, uint8_t a, uint8_t b)
{
	bool chain_was = rtc_chain_running(r), clock_was = rtc_clock_running(r);
	int64_t secs = clock_was ? rtc_secs_at(r, now) : 0;

	if (b & REG_B_SET)
		b &= ~REG_B_UIE;
	r->cmos[CMOS_REG_A] = a & ~REG_A_UIP;
	r->cmos[CMOS_REG_B] = b;

	if (!chain_was && rtc_chain_running(r))
		r->chain_ns = now - RESET_RELEASE_NS;
	if (clock_was && !rtc_clock_running(r)) {
		rtc_store_time(r, secs);        /* in the new mode */
	} else if (!clock_was && rtc_clock_running(r)) {
		r->base_secs = rtc_load_time(r);
		r->base_ns = now;
	}
	rtc_update_irq(r);
}

/* --- the ports ----------------------------------------------------------------- */

static uint8_t rtc_read_data(struct rtc *r, int64_t now)
{
	uint8_t index = r->index;
	if (rtc_is_clock_register(index)) {
		if (rtc_clock_running(r))
			rtc_store_time(r, rtc_secs_at(r, now));
		return r->cmos[index];
	}
	switch (index) {
	case CMOS_REG_A: {
		uint8_t a = r->cmos[CMOS_REG_A];
		if (rtc_clock_running(r) &&
		    rtc_update_time(r, rtc_updates(r, now) + 1) - now <= UIP_NS)
			a |= REG_A_UIP;
		return a;
	}
	case CMOS_REG_C: {
		uint8_t c = r->reg_c;
		r->reg_c = 0;
		if (c & REG_C_IRQF)
			machine_set_irq(r->m, RTC_IRQ, 0);
		return c;
	}
	case CMOS_REG_D:
		return REG_D_VALID;
	}
	return r->cmos[index];
}

static void rtc_write_data(struct rtc *r, int64_t now, uint8_t value)
{
	uint8_t index = r->index;
	if (rtc_is_clock_register(index)) {
		if (rtc_clock_running(r)) {
			/* Takes effect at once; the phase is kept. */
			rtc_store_time(r, rtc_secs_at(r, now));
			r->cmos[index] = value;
			r->base_secs = rtc_load_time(r);
			r->base_ns = now;
		} else {
			r->cmos[index] = value;
		}
		return;
	}
	switch (index) {
	case CMOS_REG_A:
		rtc_set_control(r, now, value, r->cmos[CMOS_REG_B]);
		break;
	case CMOS_REG_B:
		rtc_set_control(r, now, r->cmos[CMOS_REG_A], value);
		break;
	case CMOS_REG_C:        /* read-only */
	case CMOS_REG_D:
		break;
	default:
		r->cmos[index] = value;
		break;
	}
}

static uint32_t rtc_io_read(void *opaque, uint16_t port, int size)
{
	struct rtc *r = opaque;
	(void)size;
	if (port == RTC_INDEX_PORT)
		return r->index | r->nmi_mask;
	int64_t now = rtc_now(r);
	rtc_sync(r, now);
	uint8_t v = rtc_read_data(r, now);
	rtc_arm_timer(r, now);
	return v;
}

static void rtc_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct rtc *r = opaque;
	(void)size;
	if (port == RTC_INDEX_PORT) {
		r->index = value & (RTC_CMOS_SIZE - 1);
		r->nmi_mask = value & RTC_NMI_MASK;
		return;
	}
	int64_t now = rtc_now(r);
	rtc_sync(r, now);
	rtc_write_data(r, now, value & 0xff);
	rtc_arm_timer(r, now);
}

/* --- the device ------------------------------------------------------------------ */

/* Machine reset = the RESET pin: the CMOS is battery-backed and keeps its
 * contents and the time; the interrupt enables, SQWE and C are cleared. */
static void rtc_reset(struct device *dev)
{
	struct rtc *r = (struct rtc *)dev;
	int64_t now = rtc_now(r);
	rtc_sync(r, now);
	r->index = 0;
	r->nmi_mask = 0;
	r->cmos[CMOS_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
	if (r->reg_c & REG_C_IRQF)
		machine_set_irq(r->m, RTC_IRQ, 0);
	r->reg_c = 0;
	rtc_arm_timer(r, now);
}

static void rtc_destroy(struct device *dev)
{
	struct rtc *r = (struct rtc *)dev;
	clock_timer_cancel(&r->m->clock, &r->timer);
	free(r);
}

int rtc_create_at(struct machine *m, int64_t utc_ns, struct error *err)
{
	struct rtc *r = calloc(1, sizeof(*r));
	if (!r)
		return error_set(err, -ENOMEM, "rtc: out of memory");
	r->dev.name = "rtc";
	r->dev.reset = rtc_reset;
	r->dev.destroy = rtc_destroy;
	r->m = m;
	r->cmos[CMOS_REG_A] = REG_A_DEFAULT;
	r->cmos[CMOS_REG_B] = REG_B_DEFAULT;
	r->cmos[CMOS_REG_D] = REG_D_VALID;
	rtc_fill_memory_sizes(r);
	clock_timer_init(&r->timer, rtc_timer_fire, r);

	/* The clock reads utc_ns now; its next update is at the next whole
	 * second of UTC. */
	int64_t now = (int64_t)clock_now(&m->clock);
	int64_t frac = (utc_ns % NS_PER_SEC + NS_PER_SEC) % NS_PER_SEC;
	r->base_secs = (utc_ns - frac) / NS_PER_SEC;
	r->base_ns = now;
	r->chain_ns = now - frac;
	r->last_ns = now;

	int rc = portio_register(&m->io, RTC_INDEX_PORT, 2, rtc_io_read, rtc_io_write, r, "rtc", err);
	if (rc < 0) {
		free(r);
		return rc;
	}
	machine_add_device(m, &r->dev);
	return 0;
}

int rtc_create(struct machine *m, struct error *err)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return rtc_create_at(m, (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec, err);
}
