/* SPDX-License-Identifier: GPL-3.0-or-later */
/* error.h — one-line error messages returned up to the frontend.
 *
 * Every subsystem that can fail takes a `struct error *` and fills it with
 * one line naming the file or option at fault; the frontend prints it once.
 * Nothing here prints. */
#ifndef MORPHEUS_ERROR_H
#define MORPHEUS_ERROR_H

#include <stddef.h>

struct error {
	int code;          /* negative errno-style value, 0 when unset */
	char msg[512];     /* one line, no trailing newline */
};

/* Formats the message into err (if non-NULL) and returns code (< 0), so that
 * callers can write `return error_set(err, -EINVAL, "...", ...);`. */
int error_set(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes an existing message: "prefix: old message". */
int error_prefix(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
