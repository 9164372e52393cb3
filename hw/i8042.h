/* SPDX-License-Identifier: GPL-3.0-or-later */
/* i8042.h — the PS/2 controller at 0x60/0x64 with its keyboard (hw/i8042.c,
 * hw/ps2kbd.c), and the host keyboard input the frontend feeds it. */
#ifndef MORPHEUS_I8042_H
#define MORPHEUS_I8042_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/error.h"

struct machine;
struct i8042;

/* Creates the controller, registers its ports and stores it in m->i8042. */
int i8042_create(struct machine *m, struct error *err);

/* A host key press or release: the key's scan code set 2 sequence (make, or
 * break with its F0 prefix), e.g. from keymap_set2() (frontend/keymap.h).
 * A held key repeats by calling this again with its make code. Call with
 * m->lock held. The keyboard stores it in its current scan code set; the
 * controller translates it to set 1 if the guest left translation on.
 * Returns false when the keyboard dropped it (scanning disabled by the
 * guest, or its 16-byte buffer full because the guest does not read). */
bool i8042_key_event(struct i8042 *k, const uint8_t *set2, size_t n);

/* The keyboard LEDs the guest last set (PS2KBD_LED_* of hw/ps2kbd.h). Call
 * with m->lock held. */
uint8_t i8042_keyboard_leds(const struct i8042 *k);

#endif
