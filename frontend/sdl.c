/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sdl.c — the desktop window (see sdl.h): SDL2 video, keyboard and mouse
 * events on the frontend's main thread; render.c's pixels are blitted into
 * the window's surface (under X11 a MIT-SHM image, no OpenGL) with integer
 * scaling and black bars; keys and the grabbed mouse go to the i8042. It
 * does not run the event loop, render the screen or emulate the PS/2
 * devices (hw/). */
#include "config.h"
#include "frontend/sdl.h"

#include <errno.h>
#include <stdlib.h>

#ifdef HAVE_SDL2

#include <SDL.h>
#include <inttypes.h>
#include <locale.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cpu/engine.h"
#include "frontend/keymap.h"
#include "frontend/render.h"
#include "frontend/screenshot.h"
#include "hw/clock.h"
#include "hw/i8042.h"
#include "hw/ps2mouse.h"
#include "hw/machine.h"

#define SDL_FRAME_MS 16            /* at most ~60 frames a second */
#define SDL_TITLE_MS 1000          /* the speed in the title: once a second */
#define SDL_KEYS 512               /* SDL_NUM_SCANCODES */

struct sdl_window {
	struct sdl_window_config cfg;
	SDL_Window *window;
	unsigned img_w, img_h;         /* the image size the window was last sized for */
	struct machine *m;
	struct render render;
	bool present;                  /* changed, exposed or resized: draw again */
	bool grabbed;
	const char *dash;              /* the title's separator */
	uint64_t start_ns;
	uint64_t next_frame_ns;
	uint64_t title_ns;             /* when the speed was last measured */
	uint64_t title_count;          /* ... and the engine's progress count then */
	uint8_t down[SDL_KEYS];        /* keys the guest saw pressed (to release them) */
};

static int sdl_error(struct error *err, const char *what)
{
	return error_set(err, -EIO, "%s: %s", what, SDL_GetError());
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

/* The first window size: 2x for small images (text mode) when that fits
 * the desktop, else 1x. */
static int first_scale(unsigned width, unsigned height)
{
	SDL_Rect usable;
	if (width == 0 || height == 0 || width > 800 || SDL_GetDisplayUsableBounds(0, &usable) != 0)
		return 1;
	return (int)width * 2 <= usable.w && (int)height * 2 <= usable.h ? 2 : 1;
}

int sdl_window_open(struct sdl_window **out, const struct sdl_window_config *cfg, struct error *err)
{
	*out = NULL;
	if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY"))
		return error_set(err, -ENXIO, "no display: neither $DISPLAY nor $WAYLAND_DISPLAY is set");
	/* Signals belong to the event loop's signalfd; no vsync wait in
	 * SDL_RenderPresent (the loop sleeps in poll()). */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
	SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
	/* The window surface as the X server's own (MIT-SHM) image, not an
	 * OpenGL texture: a full 1024x768 frame costs ~0.1 ms instead of
	 * 2-3 ms under Mesa's software GL (docs/display.md). Without a native
	 * framebuffer (Wayland) SDL uses a texture anyway. The environment
	 * variable SDL_FRAMEBUFFER_ACCELERATION overrides this. */
	SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	/* X11 sets a UTF-8 title (the em dashes) only in a UTF-8 locale;
	 * LC_CTYPE changes nothing else here. */
	bool utf8 = setlocale(LC_CTYPE, "C.UTF-8") != NULL;
	if (SDL_Init(SDL_INIT_VIDEO) != 0)
		return sdl_error(err, "SDL cannot initialize video");
	struct sdl_window *w = calloc(1, sizeof(*w));
	if (!w)
		return error_set(err, -ENOMEM, "out of memory");
	w->cfg = *cfg;
	w->dash = utf8 ? " \u2014 " : " - ";
	render_init(&w->render);
	unsigned iw = cfg->width ? cfg->width : 720, ih = cfg->height ? cfg->height : 400;
	int scale = first_scale(iw, ih);
	w->window = SDL_CreateWindow("morpheus", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				     (int)iw * scale, (int)ih * scale,
				     SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
	if (!w->window) {
		int rc = sdl_error(err, "SDL cannot open a window");
		sdl_window_close(w);
		return rc;
	}
	if (!SDL_GetWindowSurface(w->window)) {
		int rc = sdl_error(err, "SDL cannot draw in the window");
		sdl_window_close(w);
		return rc;
	}
	SDL_StopTextInput();          /* keys only: no text input events */
	w->start_ns = host_time_ns();
	w->present = true;
	*out = w;
	return 0;
}

void sdl_window_close(struct sdl_window *w)
{
	if (!w)
		return;
	if (w->window)
		SDL_DestroyWindow(w->window);
	render_destroy(&w->render);
	free(w);
	/* No SDL_Quit(): it unloads the libraries SDL loaded (GL driver, X
	 * input method modules), whose allocations would then be reported as
	 * leaks of unknown modules by LeakSanitizer; the window is gone and
	 * morpheus exits next. */
}

void sdl_window_attach(struct sdl_window *w, struct machine *m)
{
	w->m = m;
	render_destroy(&w->render);
	render_init(&w->render);
	memset(w->down, 0, sizeof(w->down));
	w->title_ns = host_time_ns();
	w->title_count = m && m->engine && m->engine->progress ? m->engine->progress(m) : 0;
	w->next_frame_ns = 0;
}

/* A key to the guest's keyboard, as scan code set 2. */
static void send_key(struct sdl_window *w, unsigned usage, bool down)
{
	uint8_t seq[KEYMAP_MAX_SEQ];
	size_t n = keymap_set2(usage, down, seq);
	if (!n || !w->m || !w->m->i8042)
		return;
	pthread_mutex_lock(&w->m->lock);
	i8042_key_event(w->m->i8042, seq, n);
	pthread_mutex_unlock(&w->m->lock);
}

/* The grabbed mouse to the guest's PS/2 mouse: relative motion, the wheel
 * (positive = away from the user) and the buttons now held. */
static void send_mouse(struct sdl_window *w, int dx, int dy, int dz)
{
	if (!w->m || !w->m->i8042)
		return;
	uint32_t held = SDL_GetMouseState(NULL, NULL);
	unsigned buttons = (held & SDL_BUTTON_LMASK ? PS2MOUSE_BUTTON_LEFT : 0) |
			   (held & SDL_BUTTON_RMASK ? PS2MOUSE_BUTTON_RIGHT : 0) |
			   (held & SDL_BUTTON_MMASK ? PS2MOUSE_BUTTON_MIDDLE : 0);
	pthread_mutex_lock(&w->m->lock);
	i8042_mouse_event(w->m->i8042, dx, dy, dz, buttons);
	pthread_mutex_unlock(&w->m->lock);
}

/* Releases every key the guest saw pressed (the window lost the focus:
 * their releases will not come). */
static void release_keys(struct sdl_window *w)
{
	for (unsigned k = 0; k < SDL_KEYS; k++) {
		if (w->down[k]) {
			w->down[k] = 0;
			send_key(w, k, false);
		}
	}
}

static void set_grab(struct sdl_window *w, bool grab)
{
	w->grabbed = grab;
	SDL_SetWindowGrab(w->window, grab ? SDL_TRUE : SDL_FALSE);
	SDL_SetWindowKeyboardGrab(w->window, grab ? SDL_TRUE : SDL_FALSE);
	SDL_SetRelativeMouseMode(grab ? SDL_TRUE : SDL_FALSE);   /* also hides the cursor */
	w->title_ns = 0;              /* the title says how to release */
}

static void quit(struct sdl_window *w)
{
	if (w->m)
		machine_stop(w->m, MACHINE_QUIT);
}

/* Ctrl+Alt+S: the screen with the cursor and blinking text shown, as
 * --screenshot at exit does, to cfg.screenshot or morpheus-<time>.png. */
static void save_screenshot(struct sdl_window *w)
{
	if (!w->m)
		return;
	char name[64];
	const char *path = w->cfg.screenshot;
	if (!path) {
		time_t now = time(NULL);
		struct tm tm;
		strftime(name, sizeof(name), "morpheus-%Y%m%d-%H%M%S.png", localtime_r(&now, &tm));
		path = name;
	}
	struct error err = { 0 };
	struct render_blink on = { .cursor_on = true, .text_on = true };
	bool changed;
	int rc = render_update(&w->render, w->m, &on, &changed, &err);
	w->present |= changed;        /* the pixels may be newer than the window */
	FILE *f = rc < 0 ? NULL : fopen(path, "wb");
	if (rc == 0 && !f)
		rc = error_set(&err, -errno, "%s: %s", path, strerror(errno));
	if (rc == 0)
		rc = screenshot_write_png(f, path, w->render.pixels, w->render.width,
					  w->render.height, &err);
	if (f && fclose(f) != 0 && rc == 0)
		rc = error_set(&err, -errno, "%s: %s", path, strerror(errno));
	if (rc < 0)
		fprintf(stderr, "morpheus: screenshot: %s\r\n", err.msg);
	else
		fprintf(stderr, "morpheus: screenshot written to %s\r\n", path);
}

/* Ctrl+Alt+G/Q/S: true when the key was one of these (not for the guest). */
static bool hot_key(struct sdl_window *w, const SDL_KeyboardEvent *k)
{
	if ((k->keysym.mod & KMOD_CTRL) == 0 || (k->keysym.mod & KMOD_ALT) == 0)
		return false;
	switch (k->keysym.scancode) {
	case SDL_SCANCODE_G:
		if (!k->repeat)
			set_grab(w, false);
		return true;
	case SDL_SCANCODE_Q:
		quit(w);
		return true;
	case SDL_SCANCODE_S:
		if (!k->repeat)
			save_screenshot(w);
		return true;
	default:
		return false;
	}
}

static void handle_event(struct sdl_window *w, const SDL_Event *e)
{
	switch (e->type) {
	case SDL_QUIT:
		quit(w);
		break;
	case SDL_WINDOWEVENT:
		switch (e->window.event) {
		case SDL_WINDOWEVENT_CLOSE:
			quit(w);
			break;
		case SDL_WINDOWEVENT_EXPOSED:
		case SDL_WINDOWEVENT_SIZE_CHANGED:
		case SDL_WINDOWEVENT_RESTORED:
			w->present = true;
			break;
		case SDL_WINDOWEVENT_FOCUS_LOST:
			release_keys(w);
			break;
		}
		break;
	case SDL_MOUSEBUTTONDOWN:
		if (!w->grabbed) {
			set_grab(w, true);    /* the grabbing click is not the guest's */
			break;
		}
		send_mouse(w, 0, 0, 0);
		break;
	case SDL_MOUSEBUTTONUP:
		if (w->grabbed)
			send_mouse(w, 0, 0, 0);
		break;
	case SDL_MOUSEMOTION:
		if (w->grabbed)
			send_mouse(w, e->motion.xrel, e->motion.yrel, 0);
		break;
	case SDL_MOUSEWHEEL:
		if (w->grabbed)
			send_mouse(w, 0, 0, e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e->wheel.y : e->wheel.y);
		break;
	case SDL_KEYDOWN: {
		unsigned sc = (unsigned)e->key.keysym.scancode;
		if (sc >= SDL_KEYS || hot_key(w, &e->key))
			break;
		w->down[sc] = 1;
		send_key(w, sc, true);    /* repeats too: the typematic repeat */
		break;
	}
	case SDL_KEYUP: {
		unsigned sc = (unsigned)e->key.keysym.scancode;
		if (sc >= SDL_KEYS || !w->down[sc])
			break;            /* a hot key's release, or pressed before the focus */
		w->down[sc] = 0;
		send_key(w, sc, false);
		break;
	}
	}
}

/* "morpheus — soft — 123.4 MIPS" (soft: retired instructions; kvm: VM exits). */
static void update_title(struct sdl_window *w, uint64_t now)
{
	const struct machine *m = w->m;
	char speed[64] = "";
	if (m && m->engine && m->engine->progress) {
		uint64_t count = m->engine->progress(w->m);
		double secs = (double)(now - w->title_ns) / 1e9;
		double rate = secs > 0 && w->title_ns ? (double)(count - w->title_count) / secs : 0;
		if (!strcmp(m->engine->name, "soft"))
			snprintf(speed, sizeof(speed), "%s%.1f MIPS", w->dash, rate / 1e6);
		else
			snprintf(speed, sizeof(speed), "%s%.0f exits/s", w->dash, rate);
		w->title_count = count;
	}
	char title[160];
	snprintf(title, sizeof(title), "morpheus%s%s%s%s%s", w->dash,
		 m && m->engine_name ? m->engine_name : "stopped", speed,
		 w->grabbed ? w->dash : "", w->grabbed ? "Ctrl+Alt+G releases the grab" : "");
	SDL_SetWindowTitle(w->window, title);
	w->title_ns = now;
}

/* Where the image goes in an ow x oh window: the largest whole-number
 * scale that fits (at least 1 unless the window is smaller than the image:
 * then shrunk to fit), centred. */
static SDL_Rect image_place(int ow, int oh, int iw, int ih)
{
	SDL_Rect r = { 0, 0, iw, ih };
	int scale = ow / iw < oh / ih ? ow / iw : oh / ih;
	if (scale >= 1) {
		r.w = iw * scale;
		r.h = ih * scale;
	} else if ((int64_t)ow * ih < (int64_t)oh * iw) {
		r.w = ow;
		r.h = (int)((int64_t)ih * ow / iw);
	} else {
		r.h = oh;
		r.w = (int)((int64_t)iw * oh / ih);
	}
	r.x = (ow - r.w) / 2;
	r.y = (oh - r.h) / 2;
	return r;
}

/* A new image size sets the window to it (1x, or 2x for small images). */
static void fit_window(struct sdl_window *w)
{
	unsigned iw = w->render.width, ih = w->render.height;
	if (iw == w->img_w && ih == w->img_h)
		return;
	w->img_w = iw;
	w->img_h = ih;
	if (!iw || !ih)
		return;
	int scale = first_scale(iw, ih);
	SDL_SetWindowSize(w->window, (int)iw * scale, (int)ih * scale);
}

/* Blacks the window outside the image: the bars left and right, above and
 * below (the image covers the rest). */
static void fill_bars(SDL_Surface *s, const SDL_Rect *img)
{
	Uint32 black = SDL_MapRGB(s->format, 0, 0, 0);
	SDL_Rect bars[4] = {
		{ 0, 0, s->w, img->y },                                   /* above */
		{ 0, img->y + img->h, s->w, s->h - img->y - img->h },     /* below */
		{ 0, img->y, img->x, img->h },                            /* left */
		{ img->x + img->w, img->y, s->w - img->x - img->w, img->h },  /* right */
	};
	for (int i = 0; i < 4; i++)
		if (bars[i].w > 0 && bars[i].h > 0)
			SDL_FillRect(s, &bars[i], black);
}

/* Shows render.pixels: blitted (scaled) into the window surface, black
 * around, and the surface sent to the display. */
static int present_image(struct sdl_window *w, struct error *err)
{
	SDL_Surface *dst = SDL_GetWindowSurface(w->window);   /* new after a resize */
	if (!dst)
		return sdl_error(err, "SDL cannot draw in the window");
	SDL_Rect place = { 0, 0, 0, 0 };
	if (w->render.width && w->render.height) {
		SDL_Surface *img = SDL_CreateRGBSurfaceWithFormatFrom(
			w->render.pixels, (int)w->render.width, (int)w->render.height, 32,
			(int)w->render.width * 4, SDL_PIXELFORMAT_RGB888);
		if (!img)
			return sdl_error(err, "SDL cannot wrap the image");
		place = image_place(dst->w, dst->h, img->w, img->h);
		int rc = place.w > 0 && place.h > 0 ? SDL_BlitScaled(img, NULL, dst, &place) : 0;
		SDL_FreeSurface(img);
		if (rc != 0)
			return sdl_error(err, "SDL cannot copy the image to the window");
	}
	fill_bars(dst, &place);
	if (SDL_UpdateWindowSurface(w->window) != 0)
		return sdl_error(err, "SDL cannot update the window");
	return 0;
}

/* One frame: render, and show it if anything changed (or the window was
 * exposed or resized). */
static int draw_frame(struct sdl_window *w, uint64_t now, struct error *err)
{
	if (w->m) {
		struct render_blink blink = render_blink_at((now - w->start_ns) / 1000000);
		bool changed = false;
		int rc = render_update(&w->render, w->m, &blink, &changed, err);
		if (rc < 0)
			return rc;
		if (changed) {
			fit_window(w);
			w->present = true;
		}
	}
	if (!w->present)
		return 0;
	w->present = false;
	return present_image(w, err);
}

int sdl_window_step(struct sdl_window *w, struct error *err)
{
	SDL_Event e;
	while (SDL_PollEvent(&e))
		handle_event(w, &e);
	uint64_t now = host_time_ns();
	if (now - w->title_ns >= (uint64_t)SDL_TITLE_MS * 1000000)
		update_title(w, now);
	if (now >= w->next_frame_ns) {
		int rc = draw_frame(w, now, err);
		if (rc < 0)
			return rc;
		w->next_frame_ns = now + (uint64_t)SDL_FRAME_MS * 1000000;
	}
	return (int)((w->next_frame_ns - now + 999999) / 1000000);
}

#else /* !HAVE_SDL2 */

int sdl_window_open(struct sdl_window **out, const struct sdl_window_config *cfg, struct error *err)
{
	(void)cfg;
	*out = NULL;
	return error_set(err, -ENOTSUP, "this morpheus was built without SDL2 (Debian package libsdl2-dev)");
}

void sdl_window_close(struct sdl_window *w)
{
	(void)w;
}

void sdl_window_attach(struct sdl_window *w, struct machine *m)
{
	(void)w;
	(void)m;
}

int sdl_window_step(struct sdl_window *w, struct error *err)
{
	(void)w;
	(void)err;
	return -1;
}

#endif
