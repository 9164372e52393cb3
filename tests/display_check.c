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
 *   font FILE                   the glyphs of the following lines: the
 *                               first 8x16 font in FILE (4096 bytes starting
 *                               with the glyphs 0x00-0x02 of the VGA font:
 *                               blank, white and black smiley), e.g. Linux's
 *                               own copy of the VGA font (lib/fonts/
 *                               font_8x16.c, which fbcon draws with) found
 *                               in the decompressed kernel; 45 of its glyphs
 *                               (0 M W m - ...) differ from console-data's
 *   grid CW FG BG               read the image as text: cells CW (8 or 9)
 *                               by 16 pixels from the top left corner, each
 *                               the glyph of one character in FG on BG
 *                               (vgacon: 9x16 cells; fbcon: 8x16). A cell
 *                               that is no glyph in these colours (a cursor,
 *                               another colour) or one outside printable
 *                               ASCII reads as '?'
 *   find STRING                 after grid: some row of the text contains
 *                               STRING
 *   screen FILE                 after grid: write the text to FILE, a line
 *                               per row without its trailing blanks
 * The expected pixels come from the font's glyph bitmaps (the converted
 * console font, or the one given) and the colours given, never from
 * morpheus's renderer.
 * Prints each mismatch (the first few) and exits 1 if there was one; a
 * failed find also prints the text read. */
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

/* The glyphs: console-data's VGA font (frontend/font.h), or a font found
 * with "font FILE". */
static const uint8_t (*font)[FONT_HEIGHT] = font_vga_8x16;
static uint8_t font_loaded[256][FONT_HEIGHT];

static int font_load(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t size = 0, n;
	uint8_t *data = NULL;
	for (;;) {
		uint8_t *more = realloc(data, size + (1u << 20));
		if (!more) {
			perror("display_check");
			exit(2);
		}
		data = more;
		n = fread(data + size, 1, 1u << 20, f);
		size += n;
		if (n == 0)
			break;
	}
	fclose(f);
	const size_t sig = 3 * FONT_HEIGHT, len = sizeof(font_loaded);
	const uint8_t *found = size >= len ?
		memmem(data, size - len + sig, font_vga_8x16, sig) : NULL;
	size_t offset = found ? (size_t)(found - data) : 0;
	if (found)
		memcpy(font_loaded, found, len);
	free(data);
	if (!found) {
		fprintf(stderr, "display_check: %s: no 8x16 font starting with the VGA font's glyphs 0-2\n", path);
		return -1;
	}
	font = (const uint8_t (*)[FONT_HEIGHT])font_loaded;
	unsigned differ = 0;
	for (unsigned ch = 0; ch < 256; ch++)
		differ += memcmp(font[ch], font_vga_8x16[ch], FONT_HEIGHT) != 0;
	printf("display_check: %s: a font at offset %zu, %u glyphs differ from console-data's\n",
	       path, offset, differ);
	return 0;
}

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
		unsigned bits = font[ch & 0xff][y];
		bool cursor = y >= from && y <= to;
		for (unsigned x = 0; x < 9; x++) {
			bool on = cursor || (x < 8 ? (bits & (0x80u >> x)) : (repeat9 && (bits & 1)));
			expect(im, col * 9 + x, row * FONT_HEIGHT + y, on ? fg : bg, what);
		}
	}
}

/* The text of the image read as cells of cw x 16 pixels, glyphs of the
 * font in fg on bg: rows of cols characters, NUL-terminated each. */
struct text {
	unsigned cols, rows;
	char *cells;                    /* rows * (cols + 1) */
};

/* Whether cell col,row of the image (cells of cw x 16 pixels) is
 * character ch in fg on bg. */
static bool cell_is(const struct image *im, unsigned cw, unsigned col, unsigned row,
		    unsigned ch, uint32_t fg, uint32_t bg)
{
	bool repeat9 = ch >= 0xc0 && ch <= 0xdf;
	for (unsigned y = 0; y < FONT_HEIGHT; y++) {
		unsigned bits = font[ch][y];
		for (unsigned x = 0; x < cw; x++) {
			bool on = x < 8 ? (bits & (0x80u >> x)) : (repeat9 && (bits & 1));
			if (pixel(im, col * cw + x, row * FONT_HEIGHT + y) != (on ? fg : bg))
				return false;
		}
	}
	return true;
}

/* Reads the image as text: a cell reads as the character whose glyph it
 * is, printable ASCII as itself (the blanks 0x00 and 0xFF, the same glyph
 * as 0x20, as ' '); others, and cells that are no glyph, as '?'. */
static void text_read(struct text *t, const struct image *im, unsigned cw,
		      uint32_t fg, uint32_t bg)
{
	t->cols = im->info.width / cw;
	t->rows = im->info.height / FONT_HEIGHT;
	free(t->cells);
	t->cells = calloc((size_t)t->rows * (t->cols + 1), 1);
	if (!t->cells) {
		perror("display_check");
		exit(2);
	}
	for (unsigned row = 0; row < t->rows; row++) {
		char *line = t->cells + (size_t)row * (t->cols + 1);
		for (unsigned col = 0; col < t->cols; col++) {
			/* Printable ASCII first, then 0x7F-0xFF, 0x00-0x1F. */
			unsigned i = 0x20;
			while (i < 0x120 && !cell_is(im, cw, col, row, i & 0xff, fg, bg))
				i++;
			line[col] = i < 0x7f ? (char)i : '?';
		}
		for (unsigned n = t->cols; n > 0 && line[n - 1] == ' '; n--)
			line[n - 1] = 0;
	}
}

static void text_print(const struct text *t, FILE *f, const char *prefix)
{
	for (unsigned row = 0; row < t->rows; row++)
		fprintf(f, "%s%s\n", prefix, t->cells + (size_t)row * (t->cols + 1));
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
	struct text text = { 0 };
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
		} else if (sscanf(line, "grid %u %x %x", &a, &fg, &bg) == 3 && (a == 8 || a == 9)) {
			text_read(&text, &im, a, fg, bg);
		} else if (strncmp(line, "font ", 5) == 0) {
			if (font_load(line + 5) != 0)
				return 2;
		} else if (strncmp(line, "find ", 5) == 0 && text.cells) {
			bool found = false;
			for (unsigned row = 0; row < text.rows && !found; row++)
				found = strstr(text.cells + (size_t)row * (text.cols + 1), line + 5);
			if (!found) {
				printf("display_check: no row reads \"%s\"; the screen reads:\n", line + 5);
				text_print(&text, stdout, "display_check: | ");
				failures++;
			}
		} else if (strncmp(line, "screen ", 7) == 0 && text.cells) {
			FILE *f = fopen(line + 7, "w");
			if (!f) {
				perror(line + 7);
				return 2;
			}
			text_print(&text, f, "");
			if (fclose(f) != 0) {
				perror(line + 7);
				return 2;
			}
		} else if (line[0] && line[0] != '#') {
			fprintf(stderr, "display_check: bad spec line: %s\n", line);
			return 2;
		} else {
			continue;
		}
		checks++;
	}
	free(text.cells);
	free(im.rgb);
	png_image_free(&im.info);
	printf("display_check: %s: %d checks, %d wrong pixels\n", argv[1], checks, failures);
	return failures ? 1 : 0;
}
