/* SPDX-License-Identifier: GPL-3.0-or-later */
/* error.c — filling and prefixing `struct error` messages (see error.h). */
#include "hw/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: ", prefix);
	size_t used = strlen(err->msg);
	size_t room = sizeof(err->msg) - used - 1;
	size_t len = strnlen(old, room);
	memcpy(err->msg + used, old, len);
	err->msg[used + len] = '\0';
	return err->code;
}
