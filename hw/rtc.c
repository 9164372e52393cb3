/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtc.c — a minimal MC146818 CMOS/RTC: index port 0x70 (bit 7 is the NMI
 * mask, stored and otherwise ignored) and data port 0x71 over 128 bytes of
 * CMOS.
 *
 * The time and date registers (0x00, 0x02, 0x04, 0x06-0x09) and the century
 * (0x32) are read from the host's clock at each read, in UTC (a guest OS
 * expects the RTC in UTC unless told otherwise, and UTC does not depend on
 * the host's time zone), in BCD or binary per register B bit 2 and in 24- or
 * 12-hour form per register B bit 1. Guest writes to them are ignored: the
 * guest cannot set the clock. Register A reads with UIP clear, C reads 0 (no
 * interrupt flags), D reads 0x80 (valid RAM and time). The memory-size bytes
 * (0x15-0x18, 0x30-0x31, 0x34-0x35, 0x5b-0x5d) and the standard checksum
 * (0x2e-0x2f over 0x10-0x2d) are filled in from the machine's RAM; every
 * other byte is plain storage.
 *
 * Not here: periodic, alarm and update-ended interrupts (IRQ 8), the
 * divider chain, and the SET bit freezing the clock. */
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

enum {
	CMOS_SECONDS = 0x00,
	CMOS_MINUTES = 0x02,
	CMOS_HOURS = 0x04,
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
#define REG_A_DEFAULT 0x26              /* 32.768 kHz time base, 1024 Hz rate */
#define REG_B_SET 0x80
#define REG_B_INTERRUPTS 0x70           /* PIE, AIE, UIE */
#define REG_B_BINARY 0x04
#define REG_B_24H 0x02
#define REG_B_DEFAULT REG_B_24H         /* BCD, 24-hour */
#define REG_D_VALID 0x80

#define HOUR_PM 0x80                    /* 12-hour mode */

struct rtc {
	struct device dev;
	struct machine *m;
	uint8_t index;                  /* 0..127 */
	uint8_t nmi_mask;               /* RTC_NMI_MASK or 0 */
	uint8_t cmos[RTC_CMOS_SIZE];
};

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

/* value (0..99) in the data mode register B selects. */
static uint8_t rtc_encode(const struct rtc *r, unsigned value)
{
	if (r->cmos[CMOS_REG_B] & REG_B_BINARY)
		return (uint8_t)value;
	return (uint8_t)(((value / 10) << 4) | (value % 10));
}

static uint8_t rtc_read_clock(const struct rtc *r, uint8_t index)
{
	struct tm tm;
	time_t now = time(NULL);
	if (!gmtime_r(&now, &tm))
		return 0;
	unsigned year = (unsigned)tm.tm_year + 1900;

	switch (index) {
	case CMOS_SECONDS:
		return rtc_encode(r, tm.tm_sec > 59 ? 59 : tm.tm_sec);   /* leap second */
	case CMOS_MINUTES:
		return rtc_encode(r, tm.tm_min);
	case CMOS_HOURS:
		if (r->cmos[CMOS_REG_B] & REG_B_24H)
			return rtc_encode(r, tm.tm_hour);
		else {
			unsigned h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
			return rtc_encode(r, h12) | (tm.tm_hour >= 12 ? HOUR_PM : 0);
		}
	case CMOS_WEEKDAY:
		return rtc_encode(r, tm.tm_wday + 1);   /* Sunday = 1 */
	case CMOS_DAY:
		return rtc_encode(r, tm.tm_mday);
	case CMOS_MONTH:
		return rtc_encode(r, tm.tm_mon + 1);
	case CMOS_YEAR:
		return rtc_encode(r, year % 100);
	case CMOS_CENTURY:
		return rtc_encode(r, (year / 100) % 100);
	}
	return 0;
}

static uint8_t rtc_read_data(struct rtc *r)
{
	uint8_t index = r->index;
	if (rtc_is_clock_register(index))
		return rtc_read_clock(r, index);
	switch (index) {
	case CMOS_REG_A:
		return r->cmos[CMOS_REG_A] & ~REG_A_UIP;
	case CMOS_REG_C:
		return 0;       /* no interrupt flags; reading clears them */
	case CMOS_REG_D:
		return REG_D_VALID;
	}
	return r->cmos[index];
}

static void rtc_write_data(struct rtc *r, uint8_t value)
{
	uint8_t index = r->index;
	if (rtc_is_clock_register(index))
		return;         /* the clock follows the host */
	switch (index) {
	case CMOS_REG_A:
		r->cmos[CMOS_REG_A] = value & ~REG_A_UIP;
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
	return rtc_read_data(r);
}

static void rtc_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct rtc *r = opaque;
	(void)size;
	if (port == RTC_INDEX_PORT) {
		r->index = value & (RTC_CMOS_SIZE - 1);
		r->nmi_mask = value & RTC_NMI_MASK;
	} else {
		rtc_write_data(r, value & 0xff);
	}
}

/* Machine reset: the CMOS is battery-backed and keeps its contents; the
 * RESET pin clears the interrupt enables. */
static void rtc_reset(struct device *dev)
{
	struct rtc *r = (struct rtc *)dev;
	r->index = 0;
	r->nmi_mask = 0;
	r->cmos[CMOS_REG_B] &= ~(REG_B_INTERRUPTS | REG_B_SET);
}

static void rtc_destroy(struct device *dev)
{
	free(dev);
}

int rtc_create(struct machine *m, struct error *err)
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
	int rc = portio_register(&m->io, RTC_INDEX_PORT, 2, rtc_io_read, rtc_io_write, r, "rtc", err);
	if (rc < 0) {
		free(r);
		return rc;
	}
	machine_add_device(m, &r->dev);
	return 0;
}
