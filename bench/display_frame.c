/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display_frame.c — bench/display's frame-time measurement: the cost of
 * showing a changed 1024x768 framebuffer in an SDL window the way
 * frontend/sdl.c does (render_update, SDL_UpdateTexture of a streaming
 * texture, clear + copy + present), on a machine with the framebuffer
 * (no engine: the host writes the guest's framebuffer between frames).
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
	uint8_t *fb = (uint8_t *)fb_pixels(m.fb);   /* the host plays the guest */
	SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		fprintf(stderr, "display_frame: SDL: %s\n", SDL_GetError());
		return 1;
	}
	SDL_Window *win = SDL_CreateWindow("morpheus frame bench", SDL_WINDOWPOS_UNDEFINED,
					   SDL_WINDOWPOS_UNDEFINED, FB_WIDTH, FB_HEIGHT, 0);
	SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, 0) : NULL;
	SDL_Texture *tex = ren ? SDL_CreateTexture(ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
						   FB_WIDTH, FB_HEIGHT) : NULL;
	if (!tex) {
		fprintf(stderr, "display_frame: SDL: %s\n", SDL_GetError());
		return 1;
	}
	SDL_RendererInfo info;
	SDL_GetRendererInfo(ren, &info);
	struct render r;
	render_init(&r);
	struct render_blink blink = { true, true };
	bool changed;
	render_update(&r, &m, &blink, &changed, &err);   /* the first, full copy */
	uint64_t *t_render = calloc((size_t)frames, sizeof(uint64_t));
	uint64_t *t_upload = calloc((size_t)frames, sizeof(uint64_t));
	uint64_t *t_present = calloc((size_t)frames, sizeof(uint64_t));
	uint64_t *t_total = calloc((size_t)frames, sizeof(uint64_t));
	uint64_t *t_idle = calloc((size_t)frames, sizeof(uint64_t));
	int missed = 0;
	for (int i = 0; i < frames; i++) {
		uint32_t colour = 0x010203u * (uint32_t)(i + 1);
		for (size_t p = 0; p < FB_SIZE / 4; p++)       /* every pixel changes */
			((uint32_t *)fb)[p] = colour ^ (uint32_t)p;
		SDL_Event e;
		while (SDL_PollEvent(&e))
			;
		uint64_t t0 = host_time_ns();
		if (render_update(&r, &m, &blink, &changed, &err) < 0) {
			fprintf(stderr, "display_frame: %s\n", err.msg);
			return 1;
		}
		uint64_t t1 = host_time_ns();
		SDL_UpdateTexture(tex, NULL, r.pixels, (int)r.width * 4);
		uint64_t t2 = host_time_ns();
		SDL_RenderClear(ren);
		SDL_RenderCopy(ren, tex, NULL, NULL);
		SDL_RenderPresent(ren);
		uint64_t t3 = host_time_ns();
		missed += !changed;
		t_render[i] = t1 - t0;
		t_upload[i] = t2 - t1;
		t_present[i] = t3 - t2;
		t_total[i] = t3 - t0;
		t0 = host_time_ns();
		render_update(&r, &m, &blink, &changed, &err);
		t_idle[i] = host_time_ns() - t0;
		missed += changed;
	}
	printf("frame time, 1024x768 framebuffer, %d frames, SDL renderer \"%s\":\n", frames, info.name);
	report("render_update (changed)", t_render, frames);
	report("SDL_UpdateTexture", t_upload, frames);
	report("clear + copy + present", t_present, frames);
	report("whole frame", t_total, frames);
	report("render_update (unchanged)", t_idle, frames);
	printf("target: whole frame < 2 ms: %s\n", t_total[frames / 2] < 2000000 ? "met" : "NOT met");
	if (missed)
		printf("display_frame: %d frames misjudged by change detection\n", missed);
	free(t_render); free(t_upload); free(t_present); free(t_total); free(t_idle);
	render_destroy(&r);
	SDL_DestroyTexture(tex);
	SDL_DestroyRenderer(ren);
	SDL_DestroyWindow(win);
	SDL_Quit();
	machine_destroy(&m);
	return missed ? 1 : 0;
}
