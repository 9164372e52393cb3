/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtc.h — the MC146818A CMOS/RTC at 0x70/0x71 on ISA IRQ 8: a clock that
 * runs with the machine clock from a start time, its periodic, alarm and
 * update-ended interrupts, and the memory-size bytes firmware reads. */
#ifndef MORPHEUS_RTC_H
#define MORPHEUS_RTC_H

#include <stdint.h>

#include "hw/error.h"

struct machine;

/* The RTC with the host's UTC time now. */
int rtc_create(struct machine *m, struct error *err);
/* The RTC reading `utc_ns` (nanoseconds since 1970-01-01 00:00 UTC) at the
 * machine time of the call, its next update at the next whole second of
 * that time: deterministic runs and unit tests choose the time this way. */
int rtc_create_at(struct machine *m, int64_t utc_ns, struct error *err);

#endif
