/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sdl.h — the desktop window (SDL2), like QEMU's SDL display: it shows the
 * machine's screen scaled by a whole number and letterboxed, redrawn only
 * when the image changed (or the window was exposed), and turns host key
 * presses into PS/2 scan codes for the i8042. Click grabs the keyboard and
 * mouse, Ctrl+Alt+G releases them, Ctrl+Alt+S writes a screenshot,
 * Ctrl+Alt+Q or closing the window quits. The title shows the engine and
 * the guest's speed, updated once a second.
 *
 * It runs on the frontend's main thread and has no loop of its own: the
 * event loop (frontend/run.c) calls sdl_window_step() and then sleeps in
 * poll() for at most the time it returns. It does not render (that is
 * frontend/render.h) and emulates no mouse. Without SDL2 in the build,
 * sdl_window_open() fails saying so. */
#ifndef MORPHEUS_SDL_H
#define MORPHEUS_SDL_H

#include "hw/error.h"

struct machine;
struct sdl_window;

struct sdl_window_config {
	unsigned width, height;     /* the image expected first: the window's first size */
	const char *screenshot;     /* Ctrl+Alt+S writes here; NULL: morpheus-<time>.png */
};

/* Opens the window. Fails with the reason in err (one line) when this
 * build has no SDL2, when neither $DISPLAY nor $WAYLAND_DISPLAY is set, or
 * when SDL cannot open a window. */
int sdl_window_open(struct sdl_window **out, const struct sdl_window_config *cfg, struct error *err);
void sdl_window_close(struct sdl_window *w);

/* Shows m from now on; NULL detaches (before m is destroyed). Call after
 * the engine was created (the title reads its speed counter). */
void sdl_window_attach(struct sdl_window *w, struct machine *m);

/* Handles pending window events, redraws if the image changed, updates
 * the title. Returns the milliseconds until it wants to run again (a
 * frame at most ~60 times a second), or < 0 with err set when drawing
 * failed. Quitting from the window calls machine_stop(m, MACHINE_QUIT). */
int sdl_window_step(struct sdl_window *w, struct error *err);

#endif
