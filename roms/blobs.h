/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blobs.h — guest images built from roms/ at make time and linked into the
 * program (roms/blobs.S): the demo guest and the kvm calibration guest. */
#ifndef MORPHEUS_BLOBS_H
#define MORPHEUS_BLOBS_H

#include <stdint.h>

extern const uint8_t rom_demo_start[], rom_demo_end[];
extern const uint8_t rom_calibrate_start[], rom_calibrate_end[];

#endif
