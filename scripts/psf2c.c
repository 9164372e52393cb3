/* SPDX-License-Identifier: GPL-3.0-or-later */
/* psf2c.c — a build-time tool: reads a PC Screen Font (PSF1 or PSF2, as
 * found gunzipped in Debian's /usr/share/consolefonts) with a Unicode table
 * on stdin and writes C source defining font_vga_8x16 (frontend/font.h):
 * 256 glyphs of 8x16 pixels in code page 437 order. Each CP437 character
 * is looked up through the font's Unicode table (0x00-0x1F and 0x7F as
 * their IBM graphic symbols: 0x01 is U+263A, 0xB3 is U+2502, ...), so the
 * font's own glyph order does not matter. CP437 0x00 is blank. A font that
 * is not 8x16, has no Unicode table, or lacks a CP437 character is an
 * error naming what is wrong (exit status 1). It does not read gzip: the
 * Makefile pipes the font through `gzip -dc`. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLYPH_W 8
#define GLYPH_H 16
#define MAX_INPUT (1u << 22)

/* Code page 437 as Unicode (IBM's graphic symbols for 0x00-0x1F, 0x7F). */
static const uint16_t cp437_unicode[256] = {
	0x0000, 0x263a, 0x263b, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
	0x25d8, 0x25cb, 0x25d9, 0x2642, 0x2640, 0x266a, 0x266b, 0x263c,
	0x25ba, 0x25c4, 0x2195, 0x203c, 0x00b6, 0x00a7, 0x25ac, 0x21a8,
	0x2191, 0x2193, 0x2192, 0x2190, 0x221f, 0x2194, 0x25b2, 0x25bc,
	0x0020, 0x0021, 0x0022, 0x0023, 0x0024, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x0040, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x005b, 0x005c, 0x005d, 0x005e, 0x005f,
	0x0060, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x007b, 0x007c, 0x007d, 0x007e, 0x2302,
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
	0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
	0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
	0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
	0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
	0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
	0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
	0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
	0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
	0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
	0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
	0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
	0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
	0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
	0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

struct psf {
	const uint8_t *glyphs;        /* count glyphs of height bytes */
	unsigned count, height, width, bytes_per_glyph;
	const uint8_t *table, *end;   /* the Unicode table */
	int version;                  /* 1 or 2 */
	long glyph_of[256];           /* CP437 -> glyph index, -1 unknown */
};

static int fail(const char *msg)
{
	fprintf(stderr, "psf2c: %s\n", msg);
	return 1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Records that glyph g draws code point u, for the CP437 characters. */
static void psf_map(struct psf *f, unsigned g, uint32_t u)
{
	for (int c = 1; c < 256; c++)
		if (cp437_unicode[c] == u && f->glyph_of[c] < 0)
			f->glyph_of[c] = g;
}

/* PSF1 table: per glyph, 16-bit code points up to 0xFFFF; 0xFFFE starts
 * the glyph's sequences (combined characters, ignored). */
static void psf1_table(struct psf *f)
{
	const uint8_t *p = f->table;
	for (unsigned g = 0; g < f->count && p + 1 < f->end; g++) {
		bool seq = false;
		for (; p + 1 < f->end; p += 2) {
			unsigned u = p[0] | p[1] << 8;
			if (u == 0xffff) {
				p += 2;
				break;
			}
			if (u == 0xfffe)
				seq = true;
			else if (!seq)
				psf_map(f, g, u);
		}
	}
}

/* PSF2 table: per glyph, UTF-8 code points up to 0xFF; 0xFE starts the
 * sequences. */
static void psf2_table(struct psf *f)
{
	const uint8_t *p = f->table;
	for (unsigned g = 0; g < f->count && p < f->end; g++) {
		bool seq = false;
		while (p < f->end) {
			uint8_t b = *p;
			if (b == 0xff) {
				p++;
				break;
			}
			if (b == 0xfe) {
				seq = true;
				p++;
				continue;
			}
			unsigned len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
			uint32_t u = len == 1 ? b : len == 2 ? b & 0x1fu : len == 3 ? b & 0x0fu : b & 0x07u;
			for (unsigned i = 1; i < len && p + i < f->end; i++)
				u = u << 6 | (p[i] & 0x3fu);
			p += len;
			if (!seq)
				psf_map(f, g, u);
		}
	}
}

static int psf_parse(struct psf *f, const uint8_t *d, size_t n)
{
	memset(f, 0, sizeof(*f));
	for (int c = 0; c < 256; c++)
		f->glyph_of[c] = -1;
	size_t header;
	if (n >= 4 && d[0] == 0x36 && d[1] == 0x04) {
		f->version = 1;
		f->count = d[2] & 1 ? 512 : 256;
		f->height = d[3];
		f->width = 8;
		f->bytes_per_glyph = f->height;
		header = 4;
		if (!(d[2] & 2))
			return fail("the PSF1 font has no Unicode table");
	} else if (n >= 32 && le32(d) == 0x864ab572u) {
		f->version = 2;
		header = le32(d + 8);
		if (!(le32(d + 12) & 1))
			return fail("the PSF2 font has no Unicode table");
		f->count = le32(d + 16);
		f->bytes_per_glyph = le32(d + 20);
		f->height = le32(d + 24);
		f->width = le32(d + 28);
	} else {
		return fail("not a PSF1 or PSF2 font");
	}
	if (f->width != GLYPH_W || f->height != GLYPH_H || f->bytes_per_glyph != GLYPH_H)
		return fail("the font is not 8x16");
	if (header > n || f->count > (n - header) / f->bytes_per_glyph)
		return fail("the font is truncated");
	f->glyphs = d + header;
	f->table = f->glyphs + (size_t)f->count * f->bytes_per_glyph;
	f->end = d + n;
	if (f->version == 1)
		psf1_table(f);
	else
		psf2_table(f);
	return 0;
}

int main(void)
{
	uint8_t *d = malloc(MAX_INPUT);
	if (!d)
		return fail("out of memory");
	size_t n = fread(d, 1, MAX_INPUT, stdin);
	struct psf f;
	int rc = psf_parse(&f, d, n);
	if (rc) {
		free(d);
		return rc;
	}
	for (int c = 1; c < 256; c++) {
		if (f.glyph_of[c] < 0) {
			fprintf(stderr, "psf2c: the font has no glyph for CP437 0x%02X (U+%04X)\n",
				c, cp437_unicode[c]);
			free(d);
			return 1;
		}
	}
	printf("/* Generated by scripts/psf2c from a PSF font: do not edit. */\n"
	       "#include \"frontend/font.h\"\n\n"
	       "const uint8_t font_vga_8x16[256][16] = {\n");
	for (int c = 0; c < 256; c++) {
		printf("\t{");
		for (int y = 0; y < GLYPH_H; y++) {
			unsigned row = c ? f.glyphs[(size_t)f.glyph_of[c] * f.bytes_per_glyph + y] : 0;
			printf("%s0x%02x", y ? "," : "", row);
		}
		printf("},  /* 0x%02X U+%04X */\n", c, cp437_unicode[c]);
	}
	printf("};\n");
	free(d);
	return ferror(stdout) ? 1 : 0;
}
