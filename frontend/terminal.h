/* SPDX-License-Identifier: GPL-3.0-or-later */
/* terminal.h — the host terminal as the guest's serial console: raw mode
 * while the guest runs, and the Ctrl-A escape keys (as in QEMU):
 * Ctrl-A x quits, Ctrl-A h prints help, Ctrl-A Ctrl-A sends Ctrl-A. */
#ifndef MORPHEUS_TERMINAL_H
#define MORPHEUS_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

struct terminal {
	int fd;
	bool raw;                 /* raw mode is on and must be restored */
	struct termios saved;
	bool escape;              /* Ctrl-A seen, waiting for the command key */
};

/* Puts fd in raw mode if it is a terminal (otherwise does nothing). */
void terminal_open(struct terminal *t, int fd);
void terminal_restore(struct terminal *t);

enum terminal_action { TERMINAL_NONE, TERMINAL_QUIT, TERMINAL_HELP };

/* Filters host input: escape sequences are removed and reported through
 * *action; the bytes for the guest are written to out (room for n bytes).
 * Returns how many bytes go to the guest. */
size_t terminal_filter(struct terminal *t, const uint8_t *in, size_t n, uint8_t *out,
		       enum terminal_action *action);

#endif
