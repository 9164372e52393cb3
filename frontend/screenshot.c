/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screenshot.c — PNG output with libpng (screenshot.h). libpng reports
 * errors by longjmp; they become an error return here. */
#include "frontend/screenshot.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* libpng's messages are kept for the error, never printed. */
struct png_message {
	char text[128];
};

static void screenshot_png_error(png_structp png, png_const_charp msg)
{
	struct png_message *m = png_get_error_ptr(png);
	snprintf(m->text, sizeof(m->text), "%s", msg);
	png_longjmp(png, 1);
}

static void screenshot_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* The part that may longjmp: everything it touches is set up before. */
static int screenshot_encode(png_structp png, png_infop info, FILE *out, const uint32_t *pixels,
			     unsigned width, unsigned height, uint8_t *row)
{
	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_init_io(png, out);
	png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < height; y++) {
		const uint32_t *src = pixels + (size_t)y * width;
		for (unsigned x = 0; x < width; x++) {
			row[3 * x] = (uint8_t)(src[x] >> 16);
			row[3 * x + 1] = (uint8_t)(src[x] >> 8);
			row[3 * x + 2] = (uint8_t)src[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	return 0;
}

int screenshot_write_png(FILE *out, const char *name, const uint32_t *pixels,
			 unsigned width, unsigned height, struct error *err)
{
	if (!width || !height)
		return error_set(err, -EINVAL, "%s: the screen is empty (no display device)", name);
	uint8_t *row = malloc((size_t)width * 3);
	struct png_message msg = { "" };
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &msg, screenshot_png_error,
						  screenshot_png_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	int rc = 0;
	if (!row || !png || !info)
		rc = error_set(err, -ENOMEM, "%s: out of memory", name);
	else if (screenshot_encode(png, info, out, pixels, width, height, row) < 0)
		rc = error_set(err, -EIO, "%s: libpng: %s", name, msg.text);
	else if (fflush(out) != 0 || ferror(out))
		rc = error_set(err, -EIO, "%s: %s", name, strerror(errno));
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	free(row);
	return rc;
}
