/* SPDX-License-Identifier: GPL-3.0-or-later */
/* i8042.h — the PS/2 controller at 0x60/0x64 with its keyboard and mouse
 * (hw/i8042.c, hw/ps2kbd.c, hw/ps2mouse.c), and the host keyboard and mouse
 * input the frontend feeds it. */
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

/* Host mouse input, with m->lock held: relative motion since the last call
 * in host pixels (dx right, dy DOWN: SDL_MouseMotionEvent's xrel/yrel as
 * they are), wheel clicks (dz positive = scrolled up/away from the user:
 * SDL_MouseWheelEvent's y, negated first when its direction is
 * SDL_MOUSEWHEEL_FLIPPED; 0 when the guest did not switch the wheel on),
 * and the buttons held now as PS2MOUSE_BUTTON_* of hw/ps2mouse.h (left 1,
 * right 2, middle 4 — not SDL's masks: map SDL_BUTTON_LMASK, _RMASK and
 * _MMASK one by one). Call it for each SDL motion, button and wheel event
 * (zero motion with the new buttons for a click), only while the window
 * grabs the mouse (relative mode), as the guest draws its own pointer.
 * The mouse turns it into packets and raises IRQ 12 when the guest enabled
 * them. Returns false when the guest does not listen (no driver, or data
 * reporting disabled): the motion is dropped, and the window may choose
 * not to grab the mouse. */
bool i8042_mouse_event(struct i8042 *k, int dx, int dy, int dz, unsigned buttons);

/* The keyboard LEDs the guest last set (PS2KBD_LED_* of hw/ps2kbd.h). Call
 * with m->lock held. */
uint8_t i8042_keyboard_leds(const struct i8042 *k);

#endif
