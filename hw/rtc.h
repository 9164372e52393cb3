/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rtc.h — a minimal MC146818 CMOS/RTC at 0x70/0x71 with the host's date and
 * the memory-size bytes firmware reads. */
#ifndef MORPHEUS_RTC_H
#define MORPHEUS_RTC_H

#include "hw/error.h"

struct machine;
int rtc_create(struct machine *m, struct error *err);

#endif
