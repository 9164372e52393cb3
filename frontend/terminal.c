/* SPDX-License-Identifier: GPL-3.0-or-later */
/* terminal.c — raw mode and the Ctrl-A escape keys of the serial console. */
#include "frontend/terminal.h"

#include <string.h>
#include <unistd.h>

#define CTRL_A 0x01

void terminal_open(struct terminal *t, int fd)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	if (!isatty(fd) || tcgetattr(fd, &t->saved) < 0)
		return;
	struct termios raw = t->saved;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST | ONLCR;   /* keep host output readable */
	if (tcsetattr(fd, TCSANOW, &raw) == 0)
		t->raw = true;
}

void terminal_restore(struct terminal *t)
{
	if (t->raw)
		tcsetattr(t->fd, TCSANOW, &t->saved);
	t->raw = false;
}

size_t terminal_filter(struct terminal *t, const uint8_t *in, size_t n, uint8_t *out,
		       enum terminal_action *action)
{
	size_t o = 0;
	*action = TERMINAL_NONE;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];
		if (t->escape) {
			t->escape = false;
			if (c == 'x' || c == 'X') {
				*action = TERMINAL_QUIT;
				return o;
			}
			if (c == 'h' || c == 'H' || c == '?')
				*action = TERMINAL_HELP;
			else if (c == CTRL_A)
				out[o++] = CTRL_A;
			continue;
		}
		if (c == CTRL_A)
			t->escape = true;
		else
			out[o++] = c;
	}
	return o;
}
