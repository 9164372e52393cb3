/* SPDX-License-Identifier: GPL-3.0-or-later */
/* render.c — the machine's screen as pixels (render.h).
 *
 * Text mode: a snapshot of the VGA (cells from the start address, the 16
 * attribute colours through the DAC, cursor, mode bits) is taken under the
 * machine lock and compared with the last rendered one; only a different
 * snapshot, or a blink phase change that shows (a visible cursor, a
 * blinking character on screen), is drawn again. Cells are 8 or 9 pixels
 * wide and 16 high; in 9-dot mode the ninth column is background, except
 * for the line-drawing characters 0xC0-0xDF with line graphics enabled,
 * where it repeats the eighth. With blinking enabled the attribute's bit 7
 * blinks the character and the background has 8 colours; otherwise bit 7
 * selects the bright backgrounds. The cursor fills its scan lines
 * (start..end, none when start > end) in the cell's foreground colour.
 *
 * Framebuffer: see struct render. It does not convert pixel formats: the
 * framebuffer is XRGB8888 like the image. */
#include "frontend/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/font.h"
#include "hw/fb.h"
#include "hw/machine.h"

#define RENDER_PAGE 4096u
#define CURSOR_HALF_PERIOD_FRAMES 8
#define BLINK_HALF_PERIOD_FRAMES 16

struct render_blink render_blink_at(uint64_t ms)
{
	uint64_t frame = ms * 60 / 1000;
	return (struct render_blink){
		.cursor_on = (frame / CURSOR_HALF_PERIOD_FRAMES) % 2 == 0,
		.text_on = (frame / BLINK_HALF_PERIOD_FRAMES) % 2 == 0,
	};
}

void render_init(struct render *r)
{
	memset(r, 0, sizeof(*r));
}

void render_destroy(struct render *r)
{
	free(r->pixels);
	render_init(r);
}

void render_text_size(const struct vga_screen *s, unsigned *width, unsigned *height)
{
	*width = VGA_COLS * (s->nine_dots ? 9u : 8u);
	*height = VGA_ROWS * FONT_HEIGHT;
}

static uint32_t colour(const struct vga_screen *s, unsigned c)
{
	return RENDER_RGB(s->palette[c][0], s->palette[c][1], s->palette[c][2]);
}

static void render_cell(const struct vga_screen *s, const struct render_blink *blink,
			unsigned i, uint32_t *pixels, unsigned width)
{
	unsigned cell_w = s->nine_dots ? 9 : 8;
	uint8_t ch = s->cells[2 * i], attr = s->cells[2 * i + 1];
	unsigned fg = attr & 0x0f, bg = attr >> 4;
	if (s->blink_enabled) {
		bg &= 7;
		if ((attr & 0x80) && !blink->text_on)
			fg = bg;
	}
	uint32_t fg_px = colour(s, fg), bg_px = colour(s, bg);
	bool cursor = s->cursor_enabled && blink->cursor_on && i == s->cursor_cell &&
		      s->cursor_start <= s->cursor_end;
	bool ninth_repeats = s->line_graphics && ch >= 0xc0 && ch <= 0xdf;
	uint32_t *row = pixels + (i / VGA_COLS) * FONT_HEIGHT * width + (i % VGA_COLS) * cell_w;
	for (unsigned y = 0; y < FONT_HEIGHT; y++, row += width) {
		unsigned bits = font_vga_8x16[ch][y];
		bool cursor_line = cursor && y >= s->cursor_start && y <= s->cursor_end;
		if (cursor_line)
			bits = 0xff;
		for (unsigned x = 0; x < FONT_WIDTH; x++)
			row[x] = bits & (0x80u >> x) ? fg_px : bg_px;
		if (cell_w == 9)
			row[8] = cursor_line || (ninth_repeats && (bits & 1)) ? fg_px : bg_px;
	}
}

void render_text(const struct vga_screen *s, const struct render_blink *blink, uint32_t *pixels)
{
	unsigned width, height;
	render_text_size(s, &width, &height);
	if (s->blanked) {
		memset(pixels, 0, (size_t)width * height * sizeof(*pixels));
		return;
	}
	for (unsigned i = 0; i < VGA_CELLS; i++)
		render_cell(s, blink, i, pixels, width);
}

/* Whether a change of blink phase from `old` to `now` shows on screen s. */
static bool blink_shows(const struct vga_screen *s, const struct render_blink *old,
			const struct render_blink *now)
{
	if (s->blanked)
		return false;
	if (old->cursor_on != now->cursor_on && s->cursor_enabled && s->cursor_cell < VGA_CELLS &&
	    s->cursor_start <= s->cursor_end)
		return true;
	if (old->text_on != now->text_on && s->blink_enabled)
		for (unsigned i = 0; i < VGA_CELLS; i++)
			if (s->cells[2 * i + 1] & 0x80)
				return true;
	return false;
}

/* Makes the image width x height (contents undefined, r->valid false if
 * it was reallocated). */
static int render_resize(struct render *r, unsigned width, unsigned height, struct error *err)
{
	if (r->pixels && r->width == width && r->height == height)
		return 0;
	free(r->pixels);
	r->valid = false;
	r->width = r->height = 0;
	size_t count = (size_t)width * height;
	r->pixels = calloc(count ? count : 1, sizeof(*r->pixels));
	if (!r->pixels)
		return error_set(err, -ENOMEM, "render: out of memory for a %ux%u image", width, height);
	r->width = width;
	r->height = height;
	return 0;
}

static int render_vga_text(struct render *r, struct machine *m, const struct render_blink *blink,
			   bool *changed, struct error *err)
{
	struct vga_screen s;
	pthread_mutex_lock(&m->lock);
	vga_get_screen(m->vga, &s);
	pthread_mutex_unlock(&m->lock);
	unsigned width, height;
	render_text_size(&s, &width, &height);
	int rc = render_resize(r, width, height, err);
	if (rc < 0)
		return rc;
	if (r->valid && !memcmp(&s, &r->screen, sizeof(s)) && !blink_shows(&s, &r->blink, blink))
		return 0;
	render_text(&s, blink, r->pixels);
	memcpy(&r->screen, &s, sizeof(s));
	r->blink = *blink;
	r->valid = true;
	*changed = true;
	return 0;
}

static int render_framebuffer(struct render *r, struct machine *m, bool *changed,
			      struct error *err)
{
	const struct display_info *d = &m->display;
	if (d->kind != DISPLAY_LFB || d->bpp != 32 || d->stride != d->width * 4)
		return error_set(err, -EINVAL, "render: unsupported framebuffer layout");
	int rc = render_resize(r, d->width, d->height, err);
	if (rc < 0)
		return rc;
	const uint8_t *src = fb_pixels(m->fb);
	uint8_t *dst = (uint8_t *)r->pixels;
	size_t size = (size_t)d->stride * d->height;
	if (!r->valid) {
		memcpy(dst, src, size);
		r->pages_copied += (size + RENDER_PAGE - 1) / RENDER_PAGE;
		r->valid = true;
		*changed = true;
		return 0;
	}
	for (size_t off = 0; off < size; off += RENDER_PAGE) {
		size_t n = size - off < RENDER_PAGE ? size - off : RENDER_PAGE;
		r->pages_compared++;
		if (memcmp(dst + off, src + off, n)) {
			memcpy(dst + off, src + off, n);
			r->pages_copied++;
			*changed = true;
		}
	}
	return 0;
}

int render_update(struct render *r, struct machine *m, const struct render_blink *blink,
		  bool *changed, struct error *err)
{
	*changed = false;
	enum display_kind kind = m->fb ? DISPLAY_LFB : m->vga ? DISPLAY_VGA_TEXT : DISPLAY_NONE;
	if (kind != r->kind || !r->pixels) {
		render_destroy(r);
		r->kind = kind;
		*changed = true;
	}
	switch (kind) {
	case DISPLAY_LFB:
		return render_framebuffer(r, m, changed, err);
	case DISPLAY_VGA_TEXT:
		return render_vga_text(r, m, blink, changed, err);
	case DISPLAY_NONE:
		return render_resize(r, 0, 0, err);
	}
	return 0;
}
