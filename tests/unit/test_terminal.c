/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_terminal.c — the serial console's host side (frontend/terminal.c):
 * the Ctrl-A escape filter (quit, help, a literal Ctrl-A, escapes split
 * across reads, unknown keys) and raw mode, which must be set only on a
 * terminal (a pseudo-terminal here) and undone exactly by terminal_restore.
 * It does not test the frontend's event loop around them. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "check_helpers.h"
#include "frontend/terminal.h"

#define CTRL_A 0x01

/* A terminal struct as the filter sees it (no fd). */
static void filter_init(struct terminal *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

static size_t filter(struct terminal *t, const char *in, size_t n, uint8_t *out,
		     enum terminal_action *action)
{
	memset(out, 0xee, 64);
	return terminal_filter(t, (const uint8_t *)in, n, out, action);
}

START_TEST(test_plain_bytes_pass)
{
	struct terminal t;
	uint8_t out[64];
	enum terminal_action a = TERMINAL_QUIT;
	filter_init(&t);
	const char in[] = "ls -l\r\x1b[A\x7f\0x";
	size_t n = filter(&t, in, sizeof(in) - 1, out, &a);
	ck_assert_uint_eq(n, sizeof(in) - 1);
	ck_assert_int_eq(memcmp(out, in, n), 0);
	ck_assert_int_eq(a, TERMINAL_NONE);
	ck_assert(!t.escape);
}
END_TEST

START_TEST(test_ctrl_a_x_quits)
{
	struct terminal t;
	uint8_t out[64];
	enum terminal_action a;
	filter_init(&t);
	size_t n = filter(&t, "ab\x01xcd", 6, out, &a);
	ck_assert_int_eq(a, TERMINAL_QUIT);
	ck_assert_uint_eq(n, 2);                 /* "ab"; nothing after the escape */
	ck_assert_int_eq(memcmp(out, "ab", 2), 0);
	ck_assert_uint_eq(out[2], 0xee);
}
END_TEST

START_TEST(test_ctrl_a_h_help)
{
	struct terminal t;
	uint8_t out[64];
	enum terminal_action a;
	filter_init(&t);
	size_t n = filter(&t, "a\x01hb", 4, out, &a);
	ck_assert_int_eq(a, TERMINAL_HELP);
	ck_assert_uint_eq(n, 2);                 /* the escape itself is not passed */
	ck_assert_int_eq(memcmp(out, "ab", 2), 0);
	ck_assert(!t.escape);
}
END_TEST

START_TEST(test_ctrl_a_ctrl_a_sends_one)
{
	struct terminal t;
	uint8_t out[64];
	enum terminal_action a;
	filter_init(&t);
	size_t n = filter(&t, "\x01\x01z", 3, out, &a);
	ck_assert_int_eq(a, TERMINAL_NONE);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0], CTRL_A);
	ck_assert_uint_eq(out[1], 'z');
	ck_assert(!t.escape);
}
END_TEST

START_TEST(test_escape_split_across_reads)
{
	struct terminal t;
	uint8_t out[64];
	enum terminal_action a;
	filter_init(&t);
	size_t n = filter(&t, "q\x01", 2, out, &a);
	ck_assert_int_eq(a, TERMINAL_NONE);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0], 'q');
	ck_assert(t.escape);
	n = filter(&t, "xyz", 3, out, &a);
	ck_assert_int_eq(a, TERMINAL_QUIT);
	ck_assert_uint_eq(n, 0);

	/* The same for a literal Ctrl-A split across reads. */
	filter_init(&t);
	ck_assert_uint_eq(filter(&t, "\x01", 1, out, &a), 0);
	ck_assert_uint_eq(filter(&t, "\x01w", 2, out, &a), 2);
	ck_assert_uint_eq(out[0], CTRL_A);
	ck_assert_uint_eq(out[1], 'w');
	ck_assert_int_eq(a, TERMINAL_NONE);
}
END_TEST

START_TEST(test_unknown_escape_dropped)
{
	struct terminal t;
	uint8_t out[64];
	enum terminal_action a;
	filter_init(&t);
	size_t n = filter(&t, "1\x01q2\x01" "c3", 7, out, &a);
	ck_assert_int_eq(a, TERMINAL_NONE);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(out, "123", 3), 0);
	ck_assert(!t.escape);
}
END_TEST

START_TEST(test_open_pipe_not_raw)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct terminal t;
	terminal_open(&t, p[0]);
	ck_assert(!t.raw);
	ck_assert_int_eq(t.fd, p[0]);
	terminal_restore(&t);
	terminal_restore(&t);
	ck_assert(!t.raw);
	/* The pipe still works. */
	ck_assert_int_eq(write(p[1], "k", 1), 1);
	char c = 0;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'k');
	close(p[0]);
	close(p[1]);
}
END_TEST

static int open_pty(int *master)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(*master, 0);
	ck_assert_int_eq(grantpt(*master), 0);
	ck_assert_int_eq(unlockpt(*master), 0);
	const char *name = ptsname(*master);
	ck_assert_ptr_nonnull(name);
	int slave = open(name, O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	return slave;
}

static void assert_termios_eq(const struct termios *a, const struct termios *b)
{
	ck_assert_uint_eq(a->c_iflag, b->c_iflag);
	ck_assert_uint_eq(a->c_oflag, b->c_oflag);
	ck_assert_uint_eq(a->c_cflag, b->c_cflag);
	ck_assert_uint_eq(a->c_lflag, b->c_lflag);
	ck_assert_int_eq(memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)), 0);
	ck_assert_uint_eq(cfgetispeed(a), cfgetispeed(b));
	ck_assert_uint_eq(cfgetospeed(a), cfgetospeed(b));
}

START_TEST(test_open_pty_raw_and_restore)
{
	int master, slave = open_pty(&master);
	struct termios before, now;
	ck_assert_int_eq(tcgetattr(slave, &before), 0);
	ck_assert(before.c_lflag & ICANON);        /* a fresh pty is cooked */
	ck_assert(before.c_lflag & ECHO);

	struct terminal t;
	terminal_open(&t, slave);
	ck_assert(t.raw);
	ck_assert_int_eq(tcgetattr(slave, &now), 0);
	ck_assert(!(now.c_lflag & ICANON));
	ck_assert(!(now.c_lflag & ECHO));
	ck_assert(!(now.c_lflag & ISIG));          /* Ctrl-C goes to the guest */
	ck_assert(now.c_oflag & OPOST);            /* host output stays readable */
	assert_termios_eq(&t.saved, &before);

	/* Raw for real: a byte arrives without a newline and is not echoed. */
	ck_assert_int_eq(write(master, "z", 1), 1);
	char c = 0;
	ck_assert_int_eq(read(slave, &c, 1), 1);
	ck_assert_int_eq(c, 'z');

	terminal_restore(&t);
	ck_assert(!t.raw);
	ck_assert_int_eq(tcgetattr(slave, &now), 0);
	assert_termios_eq(&now, &before);
	terminal_restore(&t);                      /* twice is harmless */
	ck_assert_int_eq(tcgetattr(slave, &now), 0);
	assert_termios_eq(&now, &before);
	close(slave);
	close(master);
}
END_TEST

static Suite *terminal_suite(void)
{
	Suite *s = suite_create("terminal");
	TCase *tc = tcase_create("filter");
	tcase_add_test(tc, test_plain_bytes_pass);
	tcase_add_test(tc, test_ctrl_a_x_quits);
	tcase_add_test(tc, test_ctrl_a_h_help);
	tcase_add_test(tc, test_ctrl_a_ctrl_a_sends_one);
	tcase_add_test(tc, test_escape_split_across_reads);
	tcase_add_test(tc, test_unknown_escape_dropped);
	suite_add_tcase(s, tc);
	tc = tcase_create("raw");
	tcase_add_test(tc, test_open_pipe_not_raw);
	tcase_add_test(tc, test_open_pty_raw_and_restore);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(terminal_suite)
