/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run.c — the `run` and `demo` commands.
 *
 * Builds the machine (RAM, board devices, MP table), loads the guest, picks
 * the engine and runs it on a thread of its own while this thread is the
 * event loop: host input for the serial port, device timers, --timeout,
 * SIGINT/SIGTERM, and the window (--display sdl, frontend/sdl.h). Guest resets restart the machine with --on-reset restart.
 * Every error is reported here, once, in one line. */
#include "frontend/run.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "frontend/info.h"
#include "frontend/render.h"
#include "frontend/screenshot.h"
#include "frontend/sdl.h"
#include "frontend/terminal.h"
#include "hw/fb.h"
#include "hw/loader.h"
#include "hw/machine.h"
#include "hw/mptable.h"
#include "hw/pc.h"
#include "hw/uart16550.h"
#include "roms/blobs.h"

/* The event loop's view of one run. */
struct runner {
	struct machine *m;
	const struct options *o;
	struct sdl_window *window;  /* --display sdl, else NULL */
	struct terminal term;
	int done_pipe[2];          /* the engine thread writes when run() returns */
	int wake_fd;               /* an eventfd: a device armed an earlier timer */
	int signal_fd;
	int signal_received;       /* SIGINT/SIGTERM: exit status 128+sig */
	uint8_t pending[256];      /* host input the UART FIFO could not take yet */
	size_t pending_len;
	int engine_rc;
	struct error engine_err;
};

static void *engine_thread(void *arg)
{
	struct runner *r = arg;
	r->engine_rc = r->m->engine->run(r->m, &r->engine_err);
	if (write(r->done_pipe[1], "x", 1) < 0) {
		/* the loop also polls the machine event; nothing else to do */
	}
	return NULL;
}

static void print_escape_help(void)
{
	fprintf(stderr, "\r\nC-a x    quit morpheus\r\nC-a h    this help\r\nC-a C-a  send C-a to the guest\r\n");
}

static void feed_serial(struct runner *r)
{
	if (!r->pending_len || !r->m->com1)
		return;
	pthread_mutex_lock(&r->m->lock);
	size_t n = uart16550_receive(r->m->com1, r->pending, r->pending_len);
	pthread_mutex_unlock(&r->m->lock);
	memmove(r->pending, r->pending + n, r->pending_len - n);
	r->pending_len -= n;
}

/* Reads what the host typed; false at the end of input (or on an error),
 * after which stdin is no longer polled: a regular file or /dev/null is
 * always readable, so polling it at its end would spin. */
static bool read_host_input(struct runner *r)
{
	uint8_t buf[sizeof(r->pending)];
	size_t room = sizeof(r->pending) - r->pending_len;
	ssize_t n = read(STDIN_FILENO, buf, room);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	size_t take = (size_t)n;
	if (r->term.raw) {
		enum terminal_action action;
		take = terminal_filter(&r->term, buf, (size_t)n, buf, &action);
		if (action == TERMINAL_QUIT)
			machine_stop(r->m, MACHINE_QUIT);
		else if (action == TERMINAL_HELP)
			print_escape_help();
	}
	memcpy(r->pending + r->pending_len, buf, take);
	r->pending_len += take;
	feed_serial(r);
	return true;
}

/* The machine clock's wake (under the machine lock): a timer armed from
 * the engine thread is due before the event loop's sleep ends. */
static void runner_wake(void *opaque)
{
	struct runner *r = opaque;
	uint64_t one = 1;
	if (write(r->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is full: a wake is pending anyway */
	}
}

/* Runs the event loop until the engine thread has returned. */
static void event_loop(struct runner *r, uint64_t timeout_deadline)
{
	struct machine *m = r->m;
	bool stdin_open = r->o->serial == SERIAL_STDIO;
	for (;;) {
		struct pollfd fds[4] = {
			{ .fd = r->done_pipe[0], .events = POLLIN },
			{ .fd = r->signal_fd, .events = POLLIN },
			{ .fd = stdin_open && r->pending_len < sizeof(r->pending) ? STDIN_FILENO : -1,
			  .events = POLLIN },
			{ .fd = r->wake_fd, .events = POLLIN },
		};
		pthread_mutex_lock(&m->lock);
		uint64_t now = clock_now(&m->clock);
		uint64_t next = clock_run_due(&m->clock, now);
		pthread_mutex_unlock(&m->lock);
		if (timeout_deadline != CLOCK_NEVER && now >= timeout_deadline)
			machine_stop(m, MACHINE_TIMEOUT);
		if (timeout_deadline < next)
			next = timeout_deadline;
		/* the sleep in ns for ppoll (timers of devices need better
		 * than milliseconds), as wait_ms for the other limits */
		uint64_t wait_ns = next == CLOCK_NEVER ? UINT64_MAX : next > now ? next - now : 0;
		int wait_ms = -1;
		if (next != CLOCK_NEVER)
			wait_ms = (int)((wait_ns + 999999) / 1000000);
		if (r->pending_len && (wait_ms < 0 || wait_ms > 10))
			wait_ms = 10;    /* retry input the UART FIFO could not take */
		if (r->window) {
			struct error err = { 0 };
			int frame_ms = sdl_window_step(r->window, &err);
			if (frame_ms < 0) {
				fprintf(stderr, "morpheus: the window: %s\n", err.msg);
				sdl_window_close(r->window);
				r->window = NULL;
			} else if (wait_ms < 0 || wait_ms > frame_ms) {
				wait_ms = frame_ms;
			}
		}
		if (wait_ms >= 0 && (uint64_t)wait_ms * 1000000 < wait_ns)
			wait_ns = (uint64_t)wait_ms * 1000000;
		struct timespec ts = { .tv_sec = (time_t)(wait_ns / 1000000000), .tv_nsec = (long)(wait_ns % 1000000000) };
		int n = ppoll(fds, 4, wait_ns == UINT64_MAX ? NULL : &ts, NULL);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[3].revents & POLLIN) {
			uint64_t count;
			if (read(r->wake_fd, &count, sizeof(count)) < 0) {
				/* EAGAIN: nothing to drain */
			}
		}
		if (fds[0].revents)
			return;
		if (fds[1].revents) {
			struct signalfd_siginfo si;
			if (read(r->signal_fd, &si, sizeof(si)) == sizeof(si)) {
				r->signal_received = (int)si.ssi_signo;
				machine_stop(m, MACHINE_QUIT);
			}
		}
		if (fds[2].revents & POLLIN)
			stdin_open = read_host_input(r);
		else if (fds[2].revents & (POLLHUP | POLLERR))
			stdin_open = false;
		feed_serial(r);
	}
}

static int open_serial(const struct options *o, struct error *err)
{
	switch (o->serial) {
	case SERIAL_STDIO:
		return STDOUT_FILENO;
	case SERIAL_NONE:
		return -1;
	case SERIAL_FILE: {
		int fd = open(o->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return error_set(err, -errno, "--serial: %s: %s", o->serial_path, strerror(errno));
		return fd;
	}
	}
	return -1;
}

/* --vga: the framebuffer, or text mode only; auto: the framebuffer for a
 * Linux kernel (the loader tells it where it is), text mode otherwise. */
static bool vga_framebuffer(const struct options *o)
{
	if (o->vga != VGA_AUTO)
		return o->vga == VGA_FB;
	if (o->command != CMD_RUN || o->has_load || !o->kernel)
		return false;
	uint8_t head[1024];
	FILE *f = fopen(o->kernel, "rb");
	if (!f)
		return false;           /* the loader reports it */
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return linux_detect(head, n);
}

/* --screenshot: the screen as it is now, with the cursor and blinking
 * text shown. Returns the exit status: a failure turns success into 1. */
static int write_screenshot(struct machine *m, const char *path, int status)
{
	struct error err = { 0 };
	struct render rd;
	struct render_blink blink = { .cursor_on = true, .text_on = true };
	bool changed;
	render_init(&rd);
	int rc = render_update(&rd, m, &blink, &changed, &err);
	FILE *f = rc < 0 ? NULL : fopen(path, "wb");
	if (rc == 0 && !f)
		rc = error_set(&err, -errno, "%s: %s", path, strerror(errno));
	if (rc == 0)
		rc = screenshot_write_png(f, path, rd.pixels, rd.width, rd.height, &err);
	if (f && fclose(f) != 0 && rc == 0)
		rc = error_set(&err, -errno, "%s: %s", path, strerror(errno));
	render_destroy(&rd);
	if (rc == 0)
		return status;
	fprintf(stderr, "morpheus: --screenshot: %s\n", err.msg);
	return status == EXIT_GUEST_OK ? EXIT_BAD_INPUT : status;
}

/* Creates the machine with its devices and guest, ready for an engine. */
static int machine_build(struct machine *m, const struct options *o, int serial_fd, struct error *err)
{
	struct machine_config cfg = { .ram_size = o->memory, .smp = o->smp, .on_reset = o->on_reset,
		.trace = o->trace, .verbose = o->verbose, .stats = o->stats,
		.jit = o->jit, .tsc_retired = o->tsc_retired, .framebuffer = vga_framebuffer(o) };
	int rc = machine_create(m, &cfg, err);
	if (rc < 0)
		return rc;
	m->serial_out_fd = serial_fd;
	struct boot_config bc = { .kernel_path = o->kernel, .initrd_path = o->initrd,
		.cmdline = o->append, .flat = o->has_load, .load_addr = o->load_addr };
	if (o->command == CMD_DEMO) {
		bc.kernel_path = "demo guest";
		bc.image = rom_demo_start;
		bc.image_size = (size_t)(rom_demo_end - rom_demo_start);
	}
	if ((rc = pc_create_devices(m, err)) < 0 ||
	    (rc = loader_load(m, &bc, err)) < 0 ||
	    (rc = mptable_write(m, err)) < 0) {
		machine_destroy(m);
		return rc;
	}
	return 0;
}

/* One boot of the guest, from creating the machine to the engine's stop. */
static int run_once(struct runner *r, struct machine *m, const struct engine_ops **chosen,
		    int serial_fd, uint64_t timeout_at, struct error *err)
{
	const struct options *o = r->o;
	int rc = machine_build(m, o, serial_fd, err);
	if (rc < 0)
		return rc;
	if (r->wake_fd >= 0)
		clock_set_wake(&m->clock, runner_wake, r);
	if (!*chosen) {
		/* Chosen after the guest loaded, so that a bad file is reported
		 * as such wherever no engine can run. */
		char why[512] = "";
		*chosen = info_choose_engine(o->accel, why, sizeof(why), err);
		if (!*chosen) {
			machine_destroy(m);
			return err->code;
		}
		if (o->verbose)
			fprintf(stderr, "morpheus: %s\n", why);
	}
	const struct engine_ops *engine = *chosen;
	m->engine = engine;
	m->engine_name = engine->name;
	if ((rc = engine->create(m, err)) < 0) {
		error_prefix(err, "--accel %s", engine->name);
		m->engine = NULL;
		machine_destroy(m);
		return rc;
	}
	r->m = m;
	r->engine_rc = 0;
	if (r->window)
		sdl_window_attach(r->window, m);
	pthread_t thread;
	if ((rc = pthread_create(&thread, NULL, engine_thread, r)) != 0) {
		if (r->window)
			sdl_window_attach(r->window, NULL);
		engine->destroy(m);
		machine_destroy(m);
		return error_set(err, -rc, "cannot start the engine thread: %s", strerror(rc));
	}
	/* --timeout counts from the first boot, across restarts. */
	uint64_t deadline = CLOCK_NEVER;
	if (timeout_at != CLOCK_NEVER)
		deadline = timeout_at > m->clock.start_ns ? timeout_at - m->clock.start_ns : 0;
	event_loop(r, deadline);
	pthread_join(thread, NULL);
	char c;
	while (read(r->done_pipe[0], &c, 1) == 1)
		;
	return 0;
}

/* --display: the window, or none. auto: a window where one opens (the
 * reason it does not is said with --verbose); sdl: one, or an error. */
static int open_window(const struct options *o, struct sdl_window **window)
{
	*window = NULL;
	if (o->display == DISPLAY_CHOICE_NONE)
		return 0;
	struct error err = { 0 };
	bool fb = vga_framebuffer(o);
	struct sdl_window_config cfg = { .width = fb ? FB_WIDTH : 720, .height = fb ? FB_HEIGHT : 400,
		.screenshot = o->screenshot };
	if (sdl_window_open(window, &cfg, &err) == 0)
		return 0;
	if (o->display == DISPLAY_CHOICE_SDL) {
		fprintf(stderr, "morpheus: --display sdl: %s\n", err.msg);
		return -1;
	}
	if (o->verbose)
		fprintf(stderr, "morpheus: no window (--display none): %s\n", err.msg);
	return 0;
}

int run_command(const struct options *o)
{
	struct error err = { 0 };
	const struct engine_ops *engine = NULL;
	int serial_fd = open_serial(o, &err);
	if (serial_fd < 0 && o->serial == SERIAL_FILE) {
		fprintf(stderr, "morpheus: %s\n", err.msg);
		return EXIT_BAD_INPUT;
	}

	/* Signals are taken by the event loop through a signalfd; every thread
	 * created from here on (SDL's too) inherits the mask. */
	struct runner r = { .o = o, .signal_fd = -1, .wake_fd = -1 };
	sigset_t mask, old_mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, &old_mask);
	if (open_window(o, &r.window) < 0) {
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		if (serial_fd > STDERR_FILENO)
			close(serial_fd);
		return EXIT_BAD_INPUT;
	}
	r.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	r.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pipe2(r.done_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "morpheus: pipe: %s\n", strerror(errno));
		return EXIT_ENGINE_ERROR;
	}
	if (o->serial == SERIAL_STDIO)
		terminal_open(&r.term, STDIN_FILENO);

	struct machine m;
	uint64_t timeout_at = o->timeout > 0 ? host_time_ns() + (uint64_t)(o->timeout * 1e9) : CLOCK_NEVER;
	int status;
	for (;;) {
		int rc = run_once(&r, &m, &engine, serial_fd, timeout_at, &err);
		if (rc < 0) {
			terminal_restore(&r.term);
			fprintf(stderr, "morpheus: %s\n", err.msg);
			status = EXIT_BAD_INPUT;
			break;
		}
		bool restart = m.event == MACHINE_RESET && o->on_reset == ON_RESET_RESTART;
		if (r.engine_rc < 0) {
			m.event = MACHINE_ERROR;
			m.run_error = r.engine_err;
		}
		terminal_restore(&r.term);
		if (m.event == MACHINE_ERROR)
			fprintf(stderr, "morpheus: %s: %s\n", engine->name, m.run_error.msg);
		if (m.event == MACHINE_TIMEOUT && o->verbose)
			fprintf(stderr, "morpheus: --timeout %g s reached\n", o->timeout);
		if (o->stats && engine->print_stats)
			engine->print_stats(&m, stderr);
		status = machine_exit_status(&m);
		if (o->command == CMD_DEMO && m.event == MACHINE_DEBUG_EXIT)
			status = m.debug_exit_value == 0 ? EXIT_GUEST_OK : status;
		if (r.signal_received)
			status = 128 + r.signal_received;
		if (o->screenshot && (!restart || r.signal_received))
			status = write_screenshot(&m, o->screenshot, status);
		if (r.window)
			sdl_window_attach(r.window, NULL);
		engine->destroy(&m);
		m.engine = NULL;
		machine_destroy(&m);
		if (!restart || r.signal_received)
			break;
		if (o->verbose)
			fprintf(stderr, "morpheus: the guest reset: restarting (--on-reset restart)\n");
		if (o->serial == SERIAL_STDIO)
			terminal_open(&r.term, STDIN_FILENO);
	}
	sdl_window_close(r.window);
	if (serial_fd > STDERR_FILENO)
		close(serial_fd);
	close(r.done_pipe[0]);
	close(r.done_pipe[1]);
	if (r.signal_fd >= 0)
		close(r.signal_fd);
	if (r.wake_fd >= 0)
		close(r.wake_fd);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return status;
}
