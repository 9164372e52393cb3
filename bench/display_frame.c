/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display_frame.c — bench/display's frame-time measurement: the cost of
 * showing a changed 1024x768 framebuffer in an SDL window the way
 * frontend/sdl.c does (render_update, SDL_BlitScaled into the window
 * surface, SDL_UpdateWindowSurface with SDL_HINT_FRAMEBUFFER_ACCELERATION
 * "0": under X11 a MIT-SHM image), on a machine with the framebuffer (no
 * engine: the host writes the guest's framebuffer between frames); then,
 * for comparison, the same through an SDL_Renderer (streaming texture,
 * SDL_UpdateTexture, clear + copy + present), which the window used before.
 * Usage: display_frame [FRAMES] (default 200); needs $DISPLAY. Prints the
 * median and range of each part and of the whole frame, and the cost of an
 * unchanged frame's render_update. Not a test; it checks only that every
 * scribbled frame was seen as changed. */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/render.h"
#include "hw/clock.h"
#include "hw/fb.h"
#include "hw/machine.h"
#include "hw/pc.h"

enum { PART_RENDER, PART_COPY, PART_SHOW, PART_TOTAL, PART_IDLE, PARTS };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof(*ns), cmp_u64);
	printf("  %-34s %8.3f ms  [%.3f .. %.3f]\n", what, ns[n / 2] / 1e6, ns[0] / 1e6, ns[n - 1] / 1e6);
}

/* One way of showing r's pixels in a window: copy them there, then show. */
struct path {
	SDL_Window *win;
	SDL_Renderer *ren;            /* NULL: the window surface */
	SDL_Texture *tex;
};

static int path_copy(struct path *p, const struct render *r)
{
	if (p->ren)
		return SDL_UpdateTexture(p->tex, NULL, r->pixels, (int)r->width * 4);
	SDL_Surface *dst = SDL_GetWindowSurface(p->win);
	SDL_Surface *img = SDL_CreateRGBSurfaceWithFormatFrom(r->pixels, (int)r->width, (int)r->height,
							      32, (int)r->width * 4, SDL_PIXELFORMAT_RGB888);
	SDL_Rect place = { 0, 0, (int)r->width, (int)r->height };
	int rc = dst && img ? SDL_BlitScaled(img, NULL, dst, &place) : -1;
	SDL_FreeSurface(img);
	return rc;
}

static int path_show(struct path *p)
{
	if (!p->ren)
		return SDL_UpdateWindowSurface(p->win);
	SDL_RenderClear(p->ren);
	SDL_RenderCopy(p->ren, p->tex, NULL, NULL);
	SDL_RenderPresent(p->ren);
	return 0;
}

/* Measures `frames` changed frames (and an unchanged render_update after
 * each) into t[PARTS][frames]; returns how many were misjudged, < 0 on
 * failure. */
static int measure(struct path *p, struct machine *m, struct render *r, int frames, uint64_t **t)
{
	uint32_t *fb = (uint32_t *)(uintptr_t)fb_pixels(m->fb);   /* the host plays the guest */
	struct render_blink blink = { true, true };
	struct error err = { 0 };
	bool changed;
	int missed = 0;
	for (int i = 0; i < frames; i++) {
		uint32_t colour = 0x010203u * (uint32_t)(i + 1);
		for (size_t px = 0; px < FB_SIZE / 4; px++)    /* every pixel changes */
			fb[px] = colour ^ (uint32_t)px;
		SDL_Event e;
		while (SDL_PollEvent(&e))
			;
		uint64_t t0 = host_time_ns();
		if (render_update(r, m, &blink, &changed, &err) < 0) {
			fprintf(stderr, "display_frame: %s\n", err.msg);
			return -1;
		}
		uint64_t t1 = host_time_ns();
		int rc = path_copy(p, r);
		uint64_t t2 = host_time_ns();
		rc |= path_show(p);
		uint64_t t3 = host_time_ns();
		if (rc != 0) {
			fprintf(stderr, "display_frame: SDL: %s\n", SDL_GetError());
			return -1;
		}
		missed += !changed;
		t[PART_RENDER][i] = t1 - t0;
		t[PART_COPY][i] = t2 - t1;
		t[PART_SHOW][i] = t3 - t2;
		t[PART_TOTAL][i] = t3 - t0;
		t0 = host_time_ns();
		render_update(r, m, &blink, &changed, &err);
		t[PART_IDLE][i] = host_time_ns() - t0;
		missed += changed;
	}
	return missed;
}

/* Opens the path's window (with a renderer or not), measures, reports,
 * closes. Returns the median whole frame in ns, 0 on failure; adds the
 * misjudged frames to *missed. */
static uint64_t run_path(bool renderer, struct machine *m, int frames, int *missed)
{
	struct path p = { 0 };
	p.win = SDL_CreateWindow("morpheus frame bench", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				 FB_WIDTH, FB_HEIGHT, 0);
	if (p.win && renderer) {
		p.ren = SDL_CreateRenderer(p.win, -1, 0);
		p.tex = p.ren ? SDL_CreateTexture(p.ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
						  FB_WIDTH, FB_HEIGHT) : NULL;
	}
	if (!p.win || (renderer && !p.tex) || (!renderer && !SDL_GetWindowSurface(p.win))) {
		fprintf(stderr, "display_frame: SDL: %s\n", SDL_GetError());
		return 0;
	}
	struct render r;
	render_init(&r);
	struct render_blink blink = { true, true };
	struct error err = { 0 };
	bool changed;
	render_update(&r, m, &blink, &changed, &err);     /* the first, full copy */
	uint64_t *t[PARTS];
	for (int k = 0; k < PARTS; k++)
		t[k] = calloc((size_t)frames, sizeof(uint64_t));
	int rc = measure(&p, m, &r, frames, t);
	uint64_t median = 0;
	if (rc >= 0) {
		*missed += rc;
		if (renderer) {
			SDL_RendererInfo info;
			SDL_GetRendererInfo(p.ren, &info);
			printf("through an SDL_Renderer (\"%s\"; not what the window does), %d frames:\n",
			       info.name, frames);
		} else {
			printf("through the window surface (what the window does), %d frames:\n", frames);
		}
		report("render_update (changed)", t[PART_RENDER], frames);
		report(renderer ? "SDL_UpdateTexture" : "SDL_BlitScaled into the surface",
		       t[PART_COPY], frames);
		report(renderer ? "clear + copy + present" : "SDL_UpdateWindowSurface", t[PART_SHOW], frames);
		report("whole frame", t[PART_TOTAL], frames);
		report("render_update (unchanged)", t[PART_IDLE], frames);
		median = t[PART_TOTAL][frames / 2];
	}
	for (int k = 0; k < PARTS; k++)
		free(t[k]);
	render_destroy(&r);
	if (p.tex)
		SDL_DestroyTexture(p.tex);
	if (p.ren)
		SDL_DestroyRenderer(p.ren);
	SDL_DestroyWindow(p.win);
	return median;
}

int main(int argc, char **argv)
{
	int frames = argc > 1 ? atoi(argv[1]) : 200;
	if (frames < 1)
		frames = 1;
	struct machine m;
	struct error err = { 0 };
	struct machine_config cfg = { .ram_size = 16u << 20, .smp = 1, .framebuffer = true };
	if (machine_create(&m, &cfg, &err) < 0 || (m.serial_out_fd = -1, pc_create_devices(&m, &err)) < 0) {
		fprintf(stderr, "display_frame: %s\n", err.msg);
		return 1;
	}
	SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
	SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");   /* as frontend/sdl.c */
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		fprintf(stderr, "display_frame: SDL: %s\n", SDL_GetError());
		return 1;
	}
	printf("frame time, a changed 1024x768 framebuffer, SDL video driver \"%s\":\n",
	       SDL_GetCurrentVideoDriver());
	int missed = 0;
	uint64_t window = run_path(false, &m, frames, &missed);
	uint64_t renderer = window ? run_path(true, &m, frames, &missed) : 0;
	if (window)
		printf("target: whole frame < 2 ms (the window's): %s\n", window < 2000000 ? "met" : "NOT met");
	if (missed)
		printf("display_frame: %d frames misjudged by change detection\n", missed);
	SDL_Quit();
	machine_destroy(&m);
	return !window || !renderer || missed ? 1 : 0;
}
