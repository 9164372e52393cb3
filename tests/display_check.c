/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display_check.c — checks a screenshot (PNG) against expectations, for
 * tests/display.sh. Usage: display_check FILE.png < SPEC, SPEC lines:
 *   size W H                    the image is W x H pixels
 *   cell COL ROW CHAR FG BG [FROM TO]
 *                               text cell (9x16 pixels, 720x400 image):
 *                               glyph CHAR (a number: 0x41) of the VGA font
 *                               in RGB FG on RGB BG (hex, e.g. ffff55), with
 *                               the cursor on scan lines FROM..TO; the ninth
 *                               column repeats the eighth for 0xC0-0xDF
 *   text COL ROW FG BG STRING   cells from COL: the rest of the line
 *   rect X Y W H RGB            every pixel of the rectangle is RGB
 * The expected pixels come from the font's glyph bitmaps (the converted
 * console font) and the colours given, never from morpheus's renderer.
 * Prints each mismatch (the first few) and exits 1 if there was one. */
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/font.h"

struct image {
	png_image info;
	uint8_t *rgb;
};

static int failures;

static uint32_t pixel(const struct image *im, unsigned x, unsigned y)
{
	if (x >= im->info.width || y >= im->info.height)
		return 0xff000000u;          /* outside: never a colour */
	const uint8_t *p = im->rgb + ((size_t)y * im->info.width + x) * 3;
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void expect(const struct image *im, unsigned x, unsigned y, uint32_t want, const char *what)
{
	uint32_t got = pixel(im, x, y);
	if (got == want)
		return;
	if (failures++ < 10)
		printf("display_check: %s: pixel %u,%u is %06x, expected %06x\n", what, x, y, got, want);
}

static void check_cell(const struct image *im, unsigned col, unsigned row, unsigned ch,
		       uint32_t fg, uint32_t bg, unsigned from, unsigned to)
{
	char what[64];
	snprintf(what, sizeof(what), "cell %u,%u (char 0x%02x)", col, row, ch);
	bool repeat9 = ch >= 0xc0 && ch <= 0xdf;
	for (unsigned y = 0; y < FONT_HEIGHT; y++) {
		unsigned bits = font_vga_8x16[ch & 0xff][y];
		bool cursor = y >= from && y <= to;
		for (unsigned x = 0; x < 9; x++) {
			bool on = cursor || (x < 8 ? (bits & (0x80u >> x)) : (repeat9 && (bits & 1)));
			expect(im, col * 9 + x, row * FONT_HEIGHT + y, on ? fg : bg, what);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: display_check FILE.png < SPEC\n");
		return 2;
	}
	struct image im = { .info = { .version = PNG_IMAGE_VERSION } };
	if (!png_image_begin_read_from_file(&im.info, argv[1])) {
		printf("display_check: %s: %s\n", argv[1], im.info.message);
		return 1;
	}
	im.info.format = PNG_FORMAT_RGB;
	im.rgb = malloc(PNG_IMAGE_SIZE(im.info));
	if (!im.rgb || !png_image_finish_read(&im.info, NULL, im.rgb, 0, NULL)) {
		printf("display_check: %s: %s\n", argv[1], im.info.message);
		return 1;
	}
	char line[512];
	int checks = 0;
	while (fgets(line, sizeof(line), stdin)) {
		unsigned a, b, c, d, from = 1, to = 0;
		unsigned fg, bg;
		int ch;
		int n = 0;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "size %u %u", &a, &b) == 2) {
			if (im.info.width != a || im.info.height != b) {
				printf("display_check: the image is %ux%u, expected %ux%u\n",
				       im.info.width, im.info.height, a, b);
				failures++;
			}
		} else if (sscanf(line, "cell %u %u %i %x %x %u %u", &a, &b, &ch, &fg, &bg,
				  &from, &to) >= 5) {
			check_cell(&im, a, b, (unsigned)ch, fg, bg, from, to);
		} else if (sscanf(line, "text %u %u %x %x %n", &a, &b, &fg, &bg, &n) == 4 && n > 0) {
			for (const char *s = line + n; *s; s++, a++)
				check_cell(&im, a, b, (unsigned char)*s, fg, bg, 1, 0);
		} else if (sscanf(line, "rect %u %u %u %u %x", &a, &b, &c, &d, &fg) == 5) {
			for (unsigned y = b; y < b + d; y++)
				for (unsigned x = a; x < a + c; x++)
					expect(&im, x, y, fg, "rect");
		} else if (line[0] && line[0] != '#') {
			fprintf(stderr, "display_check: bad spec line: %s\n", line);
			return 2;
		} else {
			continue;
		}
		checks++;
	}
	free(im.rgb);
	png_image_free(&im.info);
	printf("display_check: %s: %d checks, %d wrong pixels\n", argv[1], checks, failures);
	return failures ? 1 : 0;
}
