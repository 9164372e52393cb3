/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_i8042.c — the PS/2 controller and its keyboard (hw/i8042.c,
 * hw/ps2kbd.c) through ports 0x60/0x64: the controller's commands and
 * status bits, the configuration byte, the output port and reset, every
 * keyboard command with its exact answers, IRQ 1 as seen by an irq sink
 * (one rising edge per byte), the keyboard's buffer and its overrun code,
 * the set 2 -> set 1 translation of every key of frontend/keymap.c against
 * the documented set 1 codes (in the controller, and in the keyboard's own
 * set 1), hostile port traffic, and a guest (tests/guests/kbd_echo.asm) on
 * the soft engine and on kvm (where it can run) that reads keys typed from
 * another thread, as the SDL window will, and echoes them to the serial
 * port and the text screen. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_helpers.h"
#include "cpu/soft.h"
#include "frontend/keymap.h"
#include "hw/debugexit.h"
#include "hw/i8042.h"
#include "hw/loader.h"
#include "hw/ps2kbd.h"
#include "hw/uart16550.h"

#define KBD_DATA 0x60
#define KBD_CMD 0x64
#define ST_OBF 0x01
#define ST_IBF 0x02
#define ST_SYS 0x04
#define ST_CMD 0x08
#define ST_UNLOCKED 0x10
#define ST_AUX 0x20

static struct machine m;

struct irq_log {
	int level[16];
	int rises[16];
	int calls;
};
static struct irq_log irqs;

static void irq_record(void *opaque, int line, int level)
{
	struct irq_log *log = opaque;
	ck_assert(line >= 0 && line < 16);
	ck_assert_msg(log->level[line] != level, "IRQ %d set to %d twice", line, level);
	if (level && !log->level[line])
		log->rises[line]++;
	log->level[line] = level;
	log->calls++;
}

static void setup(void)
{
	struct error err = { 0 };
	test_machine_create(&m, 4 << 20);
	memset(&irqs, 0, sizeof(irqs));
	m.irq.set_level = irq_record;
	m.irq.opaque = &irqs;
	ck_assert_msg(i8042_create(&m, &err) == 0, "i8042_create: %s", err.msg);
	ck_assert_ptr_nonnull(m.i8042);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static uint8_t in(uint16_t port)
{
	return machine_io_read(&m, port, 1);
}

static void out(uint16_t port, uint8_t v)
{
	machine_io_write(&m, port, 1, v);
}

static uint8_t read_reply(void)
{
	ck_assert_msg(in(KBD_CMD) & ST_OBF, "output buffer empty");
	return in(KBD_DATA);
}

static void assert_empty(void)
{
	ck_assert_msg(!(in(KBD_CMD) & ST_OBF), "unexpected byte 0x%02x", in(KBD_DATA));
}

/* Reads everything in the output buffer (bounded). */
static size_t drain(uint8_t *buf, size_t max)
{
	size_t n = 0;
	while ((in(KBD_CMD) & ST_OBF) && n < max)
		buf[n++] = in(KBD_DATA);
	ck_assert_msg(!(in(KBD_CMD) & ST_OBF), "more than %zu bytes", max);
	return n;
}

static void expect_bytes(const uint8_t *want, size_t n)
{
	uint8_t got[64];
	size_t len = drain(got, sizeof(got));
	for (size_t i = 0; i < n && i < len; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: 0x%02x, want 0x%02x", i, got[i], want[i]);
	ck_assert_msg(len == n, "%zu bytes, want %zu", len, n);
}

#define EXPECT(...)                                                             \
	do {                                                                    \
		static const uint8_t want_[] = { __VA_ARGS__ };                 \
		expect_bytes(want_, sizeof(want_));                             \
	} while (0)

static void set_config(uint8_t config)
{
	out(KBD_CMD, 0x60);
	out(KBD_DATA, config);
}

static uint8_t get_config(void)
{
	out(KBD_CMD, 0x20);
	return read_reply();
}

static bool key(const uint8_t *seq, size_t n)
{
	return i8042_key_event(m.i8042, seq, n);
}

#define KEY(...)                                                                \
	({                                                                      \
		static const uint8_t seq_[] = { __VA_ARGS__ };                  \
		key(seq_, sizeof(seq_));                                        \
	})

/* --- the controller (these came from test_devices.c) ---------------------- */

START_TEST(test_self_test_and_status)
{
	uint8_t st = in(KBD_CMD);
	ck_assert_uint_eq(st & (ST_OBF | ST_IBF), 0);
	ck_assert_uint_eq(st & ST_SYS, 0);      /* no self-test yet */
	ck_assert_uint_eq(st & ST_UNLOCKED, ST_UNLOCKED);

	out(KBD_CMD, 0xaa);
	st = in(KBD_CMD);
	ck_assert_uint_eq(st & 0x0d, 0x0d);     /* OBF, system flag, command */
	ck_assert_uint_eq(st & (ST_IBF | ST_AUX), 0);
	ck_assert_uint_eq(in(KBD_DATA), 0x55);
	ck_assert_uint_eq(in(KBD_CMD) & ST_OBF, 0);
	ck_assert_uint_eq(in(KBD_DATA), 0x55);  /* empty: the last byte again */

	out(KBD_CMD, 0xab);
	ck_assert_uint_eq(read_reply(), 0x00);
	out(KBD_CMD, 0xa9);
	ck_assert_uint_eq(read_reply(), 0x00);
	assert_empty();

	out(KBD_CMD, 0x12);                     /* unknown: ignored */
	assert_empty();
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
}
END_TEST

START_TEST(test_config_byte)
{
	ck_assert_uint_eq(get_config(), 0x41);  /* reset: translation, IRQ 1 */
	set_config(0x34);
	assert_empty();                         /* no reply, not a kbd command */
	ck_assert_uint_eq(in(KBD_CMD) & ST_CMD, 0);   /* last write was data */
	ck_assert_uint_eq(get_config(), 0x34);
	ck_assert_uint_eq(in(KBD_CMD) & ST_SYS, ST_SYS);   /* follows bit 2 */
	ck_assert_uint_eq(in(KBD_CMD) & ST_CMD, ST_CMD);

	out(KBD_CMD, 0xad);                     /* disable keyboard: bit 4 */
	out(KBD_CMD, 0xa8);                     /* enable aux: bit 5 clear */
	ck_assert_uint_eq(get_config(), 0x14);
	out(KBD_CMD, 0xae);
	out(KBD_CMD, 0xa7);
	ck_assert_uint_eq(get_config(), 0x24);

	/* Other controller RAM bytes, through both command ranges' ends. */
	out(KBD_CMD, 0x65);
	out(KBD_DATA, 0x99);
	out(KBD_CMD, 0x25);
	ck_assert_uint_eq(read_reply(), 0x99);
	out(KBD_CMD, 0x7f);
	out(KBD_DATA, 0x5a);
	out(KBD_CMD, 0x3f);
	ck_assert_uint_eq(read_reply(), 0x5a);
	assert_empty();
}
END_TEST

START_TEST(test_output_port)
{
	out(KBD_CMD, 0xd0);
	ck_assert_uint_eq(read_reply() & 0x03, 0x03);   /* not in reset, A20 */
	out(KBD_CMD, 0xd1);
	out(KBD_DATA, 0xdd);                    /* A20 off, reset line high */
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
	out(KBD_CMD, 0xd0);
	ck_assert_uint_eq(read_reply(), 0xdd);
	out(KBD_CMD, 0xdf);                     /* A20 on */
	out(KBD_CMD, 0xd0);
	ck_assert_uint_eq(read_reply(), 0xdf);
	out(KBD_CMD, 0xdd);                     /* A20 off */
	out(KBD_CMD, 0xd0);
	ck_assert_uint_eq(read_reply(), 0xdd);
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
	out(KBD_CMD, 0xd1);
	out(KBD_DATA, 0xde);                    /* bit 0 low: reset */
	ck_assert_int_eq(m.event, MACHINE_RESET);
}
END_TEST

START_TEST(test_pulse_reset)
{
	out(KBD_CMD, 0xff);                     /* pulses nothing */
	out(KBD_CMD, 0xf1);
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
	out(KBD_CMD, 0xfe);
	ck_assert_int_eq(m.event, MACHINE_RESET);
	ck_assert_int_eq(machine_exit_status(&m), 0);
}
END_TEST

START_TEST(test_pulse_reset_low_nibble)
{
	out(KBD_CMD, 0xf0);
	ck_assert_int_eq(m.event, MACHINE_RESET);
}
END_TEST

START_TEST(test_input_port_and_dump)
{
	out(KBD_CMD, 0xc0);
	ck_assert_uint_eq(read_reply(), 0xa0);
	assert_empty();
	out(KBD_CMD, 0x61);
	out(KBD_DATA, 0x11);
	out(KBD_CMD, 0xac);                     /* RAM 0-15, input, output, PSW */
	EXPECT(0x41, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa0, 0x03, 0x00);
}
END_TEST

/* 0xD2: a byte as if from the keyboard (IRQ 1, not translated); 0xD3 as if
 * from the mouse, 0xD4 to the mouse (no IRQ 12: configuration bit 1 is
 * clear; tests/unit/test_ps2mouse.c has the rest). */
START_TEST(test_write_output_buffers)
{
	out(KBD_CMD, 0xd2);
	out(KBD_DATA, 0x1c);
	ck_assert_uint_eq(in(KBD_CMD) & (ST_OBF | ST_AUX), ST_OBF);
	ck_assert_int_eq(irqs.level[1], 1);
	ck_assert_uint_eq(in(KBD_DATA), 0x1c);
	ck_assert_int_eq(irqs.level[1], 0);
	out(KBD_CMD, 0xd3);
	out(KBD_DATA, 0x5a);
	ck_assert_uint_eq(in(KBD_CMD) & (ST_OBF | ST_AUX), ST_OBF | ST_AUX);
	ck_assert_uint_eq(in(KBD_DATA), 0x5a);
	out(KBD_CMD, 0xd4);
	out(KBD_DATA, 0xff);
	EXPECT(0xfa, 0xaa, 0x00);
	ck_assert_int_eq(irqs.rises[12], 0);
	ck_assert_int_eq(irqs.rises[1], 1);
}
END_TEST

/* --- the keyboard's commands ------------------------------------------------ */

START_TEST(test_keyboard_answers)
{
	out(KBD_DATA, 0xf4);                    /* enable scanning */
	ck_assert_uint_eq(in(KBD_CMD) & ST_AUX, 0);   /* from the keyboard */
	ck_assert_uint_eq(read_reply(), 0xfa);
	assert_empty();

	out(KBD_DATA, 0xff);                    /* reset */
	EXPECT(0xfa, 0xaa);

	out(KBD_DATA, 0xed);                    /* set LEDs: its argument is */
	out(KBD_DATA, 0xff);                    /* not a reset */
	EXPECT(0xfa, 0xfa);

	/* Identify: AB 83, which translation (on after reset) makes AB 41. */
	out(KBD_DATA, 0xf2);
	EXPECT(0xfa, 0xab, 0x41);
	set_config(0x01);
	out(KBD_DATA, 0xf2);
	EXPECT(0xfa, 0xab, 0x83);

	out(KBD_CMD, 0xd4);                     /* to the mouse, not the keyboard */
	out(KBD_DATA, 0xff);
	ck_assert_uint_eq(in(KBD_CMD) & ST_AUX, ST_AUX);
	EXPECT(0xfa, 0xaa, 0x00);

	/* A flood of commands does not overflow anything. */
	for (int i = 0; i < 100; i++)
		out(KBD_DATA, 0xff);
	int n = 0;
	while ((in(KBD_CMD) & ST_OBF) && n < 1000) {
		in(KBD_DATA);
		n++;
	}
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 10);
}
END_TEST

/* Every command, untranslated, with its exact answer. */
START_TEST(test_keyboard_commands)
{
	set_config(0x00);                       /* no translation, no IRQs */

	out(KBD_DATA, 0xee);                    /* echo: no ACK */
	EXPECT(0xee);
	out(KBD_DATA, 0xf2);
	EXPECT(0xfa, 0xab, 0x83);

	out(KBD_DATA, 0xed);                    /* LEDs */
	EXPECT(0xfa);
	ck_assert_uint_eq(i8042_keyboard_leds(m.i8042), 0);
	out(KBD_DATA, 0x07);
	EXPECT(0xfa);
	ck_assert_uint_eq(i8042_keyboard_leds(m.i8042), 7);
	out(KBD_DATA, 0xed);
	out(KBD_DATA, 0xfc);                    /* only bits 0-2 */
	EXPECT(0xfa, 0xfa);
	ck_assert_uint_eq(i8042_keyboard_leds(m.i8042), 4);

	out(KBD_DATA, 0xf3);                    /* typematic */
	out(KBD_DATA, 0x20);
	EXPECT(0xfa, 0xfa);

	/* Scan code sets: get, set 1, set 3 refused, set 2. */
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x00);
	EXPECT(0xfa, 0xfa, 0x02);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x01);
	EXPECT(0xfa, 0xfa);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x00);
	EXPECT(0xfa, 0xfa, 0x01);
	ck_assert(KEY(0x1c));
	EXPECT(0x1e);                           /* A in set 1 */
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x03);
	EXPECT(0xfa, 0xfe);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x00);
	EXPECT(0xfa, 0xfa, 0x01);               /* still set 1 */
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x02);
	EXPECT(0xfa, 0xfa);
	ck_assert(KEY(0xf0, 0x1c));
	EXPECT(0xf0, 0x1c);

	/* Resend: the last byte sent, again. */
	out(KBD_DATA, 0xfe);
	EXPECT(0x1c);
	out(KBD_DATA, 0xee);
	EXPECT(0xee);
	out(KBD_DATA, 0xfe);
	EXPECT(0xee);
	/* ... also while a command waits for its argument. */
	out(KBD_DATA, 0xed);
	EXPECT(0xfa);
	out(KBD_DATA, 0xfe);
	EXPECT(0xfa);
	out(KBD_DATA, 0x02);
	EXPECT(0xfa);
	ck_assert_uint_eq(i8042_keyboard_leds(m.i8042), 2);

	/* Set 3 key-type commands: ACK; unknown commands: resend. */
	for (uint8_t c = 0xf7; c <= 0xfa; c++) {
		out(KBD_DATA, c);
		EXPECT(0xfa);
	}
	static const uint8_t unknown[] = { 0x00, 0x12, 0x80, 0xe6, 0xe8, 0xec, 0xef, 0xf1, 0xfb, 0xfc, 0xfd };
	for (size_t i = 0; i < sizeof(unknown); i++) {
		out(KBD_DATA, unknown[i]);
		EXPECT(0xfe);
	}

	/* Disable: ACK, no keys, buffer emptied; enable: keys again. */
	ck_assert(KEY(0x1c));
	out(KBD_DATA, 0xf5);
	EXPECT(0x1c, 0xfa);                     /* the key was in the output buffer */
	ck_assert(!KEY(0x1c));
	assert_empty();
	out(KBD_DATA, 0xf4);
	EXPECT(0xfa);
	ck_assert(KEY(0x1c));
	EXPECT(0x1c);

	/* Keys waiting in the keyboard are thrown away by F4, F5, F6, FF. */
	static const uint8_t clearing[] = { 0xf4, 0xf6, 0xff };
	for (size_t i = 0; i < sizeof(clearing); i++) {
		ck_assert(KEY(0x1c));
		ck_assert(KEY(0x32));
		ck_assert(KEY(0x21));
		out(KBD_DATA, clearing[i]);
		if (clearing[i] == 0xff)
			EXPECT(0x1c, 0xfa, 0xaa);
		else
			EXPECT(0x1c, 0xfa);
	}

	/* F6 restores set 2 and keeps scanning; F5 restores it too. */
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x01);
	out(KBD_DATA, 0xf6);
	EXPECT(0xfa, 0xfa);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x00);
	EXPECT(0xfa, 0xfa, 0x02);
	ck_assert(KEY(0x1c));
	EXPECT(0x1c);

	/* A new command throws away the unread answer of the last one. */
	out(KBD_DATA, 0xf2);
	out(KBD_DATA, 0xee);
	EXPECT(0xfa, 0xee);                     /* FA was in the output buffer */
}
END_TEST

/* The scan code set query through translation: 43, 41, 3F per Brouwer. */
START_TEST(test_scan_set_query_translated)
{
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x00);
	EXPECT(0xfa, 0xfa, 0x41);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x01);
	EXPECT(0xfa, 0xfa);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x00);
	EXPECT(0xfa, 0xfa, 0x43);
}
END_TEST

START_TEST(test_keyboard_port_disabled)
{
	set_config(0x00);
	out(KBD_CMD, 0xad);
	ck_assert(KEY(0x1c));
	ck_assert(KEY(0xf0, 0x1c));
	assert_empty();                         /* held in the keyboard */
	out(KBD_CMD, 0xae);
	EXPECT(0x1c, 0xf0, 0x1c);

	/* A byte sent to the keyboard enables its port again. */
	out(KBD_CMD, 0xad);
	out(KBD_DATA, 0xee);
	EXPECT(0xee);
	ck_assert_uint_eq(get_config() & 0x10, 0);
}
END_TEST

/* --- IRQ 1 ------------------------------------------------------------------ */

START_TEST(test_irq1)
{
	set_config(0x00);                       /* interrupts off */
	out(KBD_DATA, 0xf4);
	ck_assert_int_eq(irqs.calls, 0);
	in(KBD_DATA);

	set_config(0x01);                       /* keyboard interrupt on */
	out(KBD_DATA, 0xf4);
	ck_assert_int_eq(irqs.level[1], 1);
	in(KBD_DATA);
	ck_assert_int_eq(irqs.level[1], 0);
	ck_assert_int_eq(irqs.calls, 2);

	out(KBD_CMD, 0xaa);                     /* controller replies: no IRQ 1 */
	ck_assert_int_eq(irqs.calls, 2);
	ck_assert_uint_eq(in(KBD_DATA), 0x55);
	ck_assert_int_eq(irqs.calls, 2);
}
END_TEST

/* One rising edge per byte, the line low once all are read; the level
 * follows configuration bit 0 while a byte waits. */
START_TEST(test_irq1_edges)
{
	static const uint8_t pause[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
	ck_assert(key(pause, sizeof(pause)));   /* translated: 6 bytes */
	ck_assert_int_eq(irqs.level[1], 1);
	for (int i = 1; i <= 6; i++) {
		ck_assert_int_eq(irqs.rises[1], i);
		ck_assert_int_eq(irqs.level[1], 1);
		in(KBD_DATA);
	}
	ck_assert_int_eq(irqs.level[1], 0);
	ck_assert_int_eq(irqs.rises[1], 6);
	in(KBD_DATA);                           /* empty: nothing happens */
	ck_assert_int_eq(irqs.rises[1], 6);

	ck_assert(KEY(0x1c));
	ck_assert_int_eq(irqs.level[1], 1);
	set_config(0x40);                       /* interrupt off: line low */
	ck_assert_int_eq(irqs.level[1], 0);
	ck_assert_uint_eq(in(KBD_CMD) & ST_OBF, ST_OBF);
	set_config(0x41);                       /* on again: high */
	ck_assert_int_eq(irqs.level[1], 1);
	ck_assert_uint_eq(in(KBD_DATA), 0x1e);
	ck_assert_int_eq(irqs.level[1], 0);
	ck_assert_int_eq(irqs.rises[12], 0);
}
END_TEST

/* --- the buffer ------------------------------------------------------------- */

START_TEST(test_buffer_overrun)
{
	set_config(0x00);
	int taken = 0;
	while (KEY(0x1c) && taken < 100)
		taken++;
	/* One byte in the output buffer, 15 in the keyboard, then 00. */
	ck_assert_int_eq(taken, 16);
	ck_assert(!KEY(0x1c));                  /* no second overrun code */
	uint8_t buf[64];
	size_t n = drain(buf, sizeof(buf));
	ck_assert_uint_eq(n, 17);
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(buf[i], 0x1c);
	ck_assert_uint_eq(buf[16], 0x00);

	/* A sequence that does not fit is dropped whole, never cut. */
	for (int i = 0; i < 10; i++)
		ck_assert(KEY(0x1c));
	static const uint8_t pause[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
	ck_assert(!key(pause, sizeof(pause)));
	n = drain(buf, sizeof(buf));
	ck_assert_uint_eq(n, 11);
	ck_assert_uint_eq(buf[10], 0x00);
	ck_assert(key(pause, sizeof(pause)));   /* room again */
	n = drain(buf, sizeof(buf));
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(memcmp(buf, pause, 8), 0);

	/* Translated, the overrun code is FF (00 -> FF); set 1: FF too. */
	set_config(0x40);
	while (KEY(0x1c))
		;
	n = drain(buf, sizeof(buf));
	ck_assert_uint_eq(buf[n - 1], 0xff);
	set_config(0x00);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x01);
	EXPECT(0xfa, 0xfa);
	while (KEY(0x1c))
		;
	n = drain(buf, sizeof(buf));
	ck_assert_uint_eq(buf[n - 2], 0x1e);
	ck_assert_uint_eq(buf[n - 1], 0xff);
	ck_assert(!key(pause, 0));              /* an empty sequence: nothing */
	assert_empty();
}
END_TEST

START_TEST(test_machine_reset)
{
	set_config(0x00);
	out(KBD_DATA, 0xf5);                    /* scanning off */
	out(KBD_DATA, 0xed);
	out(KBD_DATA, 0x07);
	out(KBD_CMD, 0xd1);
	out(KBD_DATA, 0xfd);                    /* A20 off */
	out(KBD_CMD, 0xaa);
	machine_reset_devices(&m);
	assert_empty();
	ck_assert_int_eq(irqs.level[1], 0);
	ck_assert_uint_eq(in(KBD_CMD) & ST_SYS, 0);
	ck_assert_uint_eq(get_config(), 0x41);
	out(KBD_CMD, 0xd0);
	ck_assert_uint_eq(read_reply(), 0x03);
	ck_assert_uint_eq(i8042_keyboard_leds(m.i8042), 0);
	ck_assert(KEY(0x1c));                   /* scanning, set 2, translated */
	EXPECT(0x1e);
}
END_TEST

/* --- translation ------------------------------------------------------------ */

/* The table: 00 -> FF, a permutation of 01-7F, 83 -> 41, 84 -> 54, every
 * other byte from 80 up unchanged. */
START_TEST(test_translation_table)
{
	bool seen[0x80] = { false };
	ck_assert_uint_eq(ps2_set2_to_set1(0x00), 0xff);
	for (unsigned c = 1; c < 0x80; c++) {
		uint8_t t = ps2_set2_to_set1((uint8_t)c);
		ck_assert_msg(t >= 1 && t < 0x80, "0x%02x -> 0x%02x", c, t);
		ck_assert_msg(!seen[t], "0x%02x: 0x%02x twice", c, t);
		seen[t] = true;
	}
	for (unsigned c = 0x80; c < 0x100; c++) {
		uint8_t want = c == 0x83 ? 0x41 : c == 0x84 ? 0x54 : (uint8_t)c;
		ck_assert_uint_eq(ps2_set2_to_set1((uint8_t)c), want);
	}
}
END_TEST

/* Set 1 make codes by HID usage, from the documented set 1 tables (Brouwer
 * section 9.6; Microsoft's scan code specification for F13-F24 and the
 * international keys). Breaks: bit 7 set in the last byte. */
struct set1_key {
	uint16_t usage;
	uint8_t len;
	uint8_t make[6];
};

static const struct set1_key set1_keys[] = {
	{ 0x04, 1, { 0x1e } }, { 0x05, 1, { 0x30 } }, { 0x06, 1, { 0x2e } }, { 0x07, 1, { 0x20 } },
	{ 0x08, 1, { 0x12 } }, { 0x09, 1, { 0x21 } }, { 0x0a, 1, { 0x22 } }, { 0x0b, 1, { 0x23 } },
	{ 0x0c, 1, { 0x17 } }, { 0x0d, 1, { 0x24 } }, { 0x0e, 1, { 0x25 } }, { 0x0f, 1, { 0x26 } },
	{ 0x10, 1, { 0x32 } }, { 0x11, 1, { 0x31 } }, { 0x12, 1, { 0x18 } }, { 0x13, 1, { 0x19 } },
	{ 0x14, 1, { 0x10 } }, { 0x15, 1, { 0x13 } }, { 0x16, 1, { 0x1f } }, { 0x17, 1, { 0x14 } },
	{ 0x18, 1, { 0x16 } }, { 0x19, 1, { 0x2f } }, { 0x1a, 1, { 0x11 } }, { 0x1b, 1, { 0x2d } },
	{ 0x1c, 1, { 0x15 } }, { 0x1d, 1, { 0x2c } },
	{ 0x1e, 1, { 0x02 } }, { 0x1f, 1, { 0x03 } }, { 0x20, 1, { 0x04 } }, { 0x21, 1, { 0x05 } },
	{ 0x22, 1, { 0x06 } }, { 0x23, 1, { 0x07 } }, { 0x24, 1, { 0x08 } }, { 0x25, 1, { 0x09 } },
	{ 0x26, 1, { 0x0a } }, { 0x27, 1, { 0x0b } },
	{ 0x28, 1, { 0x1c } }, { 0x29, 1, { 0x01 } }, { 0x2a, 1, { 0x0e } }, { 0x2b, 1, { 0x0f } },
	{ 0x2c, 1, { 0x39 } }, { 0x2d, 1, { 0x0c } }, { 0x2e, 1, { 0x0d } }, { 0x2f, 1, { 0x1a } },
	{ 0x30, 1, { 0x1b } }, { 0x31, 1, { 0x2b } }, { 0x32, 1, { 0x2b } }, { 0x33, 1, { 0x27 } },
	{ 0x34, 1, { 0x28 } }, { 0x35, 1, { 0x29 } }, { 0x36, 1, { 0x33 } }, { 0x37, 1, { 0x34 } },
	{ 0x38, 1, { 0x35 } }, { 0x39, 1, { 0x3a } },
	{ 0x3a, 1, { 0x3b } }, { 0x3b, 1, { 0x3c } }, { 0x3c, 1, { 0x3d } }, { 0x3d, 1, { 0x3e } },
	{ 0x3e, 1, { 0x3f } }, { 0x3f, 1, { 0x40 } }, { 0x40, 1, { 0x41 } }, { 0x41, 1, { 0x42 } },
	{ 0x42, 1, { 0x43 } }, { 0x43, 1, { 0x44 } }, { 0x44, 1, { 0x57 } }, { 0x45, 1, { 0x58 } },
	{ 0x46, 4, { 0xe0, 0x2a, 0xe0, 0x37 } },        /* Print Screen */
	{ 0x47, 1, { 0x46 } },
	{ 0x48, 6, { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 } },   /* Pause */
	{ 0x49, 2, { 0xe0, 0x52 } }, { 0x4a, 2, { 0xe0, 0x47 } }, { 0x4b, 2, { 0xe0, 0x49 } },
	{ 0x4c, 2, { 0xe0, 0x53 } }, { 0x4d, 2, { 0xe0, 0x4f } }, { 0x4e, 2, { 0xe0, 0x51 } },
	{ 0x4f, 2, { 0xe0, 0x4d } }, { 0x50, 2, { 0xe0, 0x4b } }, { 0x51, 2, { 0xe0, 0x50 } },
	{ 0x52, 2, { 0xe0, 0x48 } },
	{ 0x53, 1, { 0x45 } }, { 0x54, 2, { 0xe0, 0x35 } }, { 0x55, 1, { 0x37 } }, { 0x56, 1, { 0x4a } },
	{ 0x57, 1, { 0x4e } }, { 0x58, 2, { 0xe0, 0x1c } }, { 0x59, 1, { 0x4f } }, { 0x5a, 1, { 0x50 } },
	{ 0x5b, 1, { 0x51 } }, { 0x5c, 1, { 0x4b } }, { 0x5d, 1, { 0x4c } }, { 0x5e, 1, { 0x4d } },
	{ 0x5f, 1, { 0x47 } }, { 0x60, 1, { 0x48 } }, { 0x61, 1, { 0x49 } }, { 0x62, 1, { 0x52 } },
	{ 0x63, 1, { 0x53 } },
	{ 0x64, 1, { 0x56 } }, { 0x65, 2, { 0xe0, 0x5d } },
	{ 0xe0, 1, { 0x1d } }, { 0xe1, 1, { 0x2a } }, { 0xe2, 1, { 0x38 } }, { 0xe3, 2, { 0xe0, 0x5b } },
	{ 0xe4, 2, { 0xe0, 0x1d } }, { 0xe5, 1, { 0x36 } }, { 0xe6, 2, { 0xe0, 0x38 } },
	{ 0xe7, 2, { 0xe0, 0x5c } },
	/* beyond the 105 */
	{ 0x66, 2, { 0xe0, 0x5e } }, { 0x67, 1, { 0x59 } },
	{ 0x68, 1, { 0x64 } }, { 0x69, 1, { 0x65 } }, { 0x6a, 1, { 0x66 } }, { 0x6b, 1, { 0x67 } },
	{ 0x6c, 1, { 0x68 } }, { 0x6d, 1, { 0x69 } }, { 0x6e, 1, { 0x6a } }, { 0x6f, 1, { 0x6b } },
	{ 0x70, 1, { 0x6c } }, { 0x71, 1, { 0x6d } }, { 0x72, 1, { 0x6e } }, { 0x73, 1, { 0x76 } },
	{ 0x7f, 2, { 0xe0, 0x20 } }, { 0x80, 2, { 0xe0, 0x30 } }, { 0x81, 2, { 0xe0, 0x2e } },
	{ 0x85, 1, { 0x7e } },
	{ 0x87, 1, { 0x73 } }, { 0x88, 1, { 0x70 } }, { 0x89, 1, { 0x7d } }, { 0x8a, 1, { 0x79 } },
	{ 0x8b, 1, { 0x7b } },
	{ 0x90, 1, { 0xf2 } }, { 0x91, 1, { 0xf1 } },  /* no break */
};

static const struct set1_key *set1_of(unsigned usage)
{
	for (size_t i = 0; i < sizeof(set1_keys) / sizeof(set1_keys[0]); i++)
		if (set1_keys[i].usage == usage)
			return &set1_keys[i];
	return NULL;
}

/* The set 1 break of a key: Print Screen's is E0 B7 E0 AA; Pause and the
 * Korean keys have none; else the make with bit 7 set in its last byte. */
static size_t set1_break(const struct set1_key *k, uint8_t *out)
{
	if (k->usage == KEYMAP_HID_PAUSE || k->usage == 0x90 || k->usage == 0x91)
		return 0;
	if (k->usage == KEYMAP_HID_PRINT_SCREEN) {
		static const uint8_t b[] = { 0xe0, 0xb7, 0xe0, 0xaa };
		memcpy(out, b, sizeof(b));
		return sizeof(b);
	}
	memcpy(out, k->make, k->len);
	out[k->len - 1] |= 0x80;
	return k->len;
}

static void check_key_set1(const struct keymap_key *kk, bool down)
{
	const struct set1_key *k = set1_of(kk->usage);
	ck_assert_msg(k, "%s (0x%x): no set 1 code in the test", kk->name, kk->usage);
	uint8_t seq[KEYMAP_MAX_SEQ], want[8], got[16];
	size_t n = keymap_set2(kk->usage, down, seq);
	size_t wn = down ? k->len : set1_break(k, want);
	if (down)
		memcpy(want, k->make, k->len);
	if (n == 0) {
		ck_assert_msg(wn == 0, "%s: no set 2 sequence", kk->name);
		return;
	}
	ck_assert(key(seq, n));
	size_t gn = drain(got, sizeof(got));
	ck_assert_msg(gn == wn, "%s %s: %zu set 1 bytes, want %zu", kk->name,
		      down ? "make" : "break", gn, wn);
	ck_assert_msg(memcmp(got, want, wn) == 0, "%s %s: wrong set 1 bytes (first 0x%02x)",
		      kk->name, down ? "make" : "break", got[0]);
}

/* Every key of the keymap, pressed and released, through the controller's
 * translation (the default configuration). */
START_TEST(test_translate_every_key)
{
	size_t count;
	const struct keymap_key *table = keymap_table(&count);
	for (size_t i = 0; i < count; i++) {
		check_key_set1(&table[i], true);
		check_key_set1(&table[i], false);
	}
	ck_assert_int_eq(irqs.level[1], 0);
}
END_TEST

/* The same from a keyboard switched to set 1, untranslated. */
START_TEST(test_keyboard_set1_every_key)
{
	set_config(0x01);
	out(KBD_DATA, 0xf0);
	out(KBD_DATA, 0x01);
	EXPECT(0xfa, 0xfa);
	size_t count;
	const struct keymap_key *table = keymap_table(&count);
	for (size_t i = 0; i < count; i++) {
		check_key_set1(&table[i], true);
		check_key_set1(&table[i], false);
	}
}
END_TEST

/* Untranslated set 2: the keymap's bytes as they are. */
START_TEST(test_untranslated_set2)
{
	set_config(0x01);
	size_t count;
	const struct keymap_key *table = keymap_table(&count);
	for (size_t i = 0; i < count; i++)
		for (int down = 1; down >= 0; down--) {
			uint8_t seq[KEYMAP_MAX_SEQ], got[16];
			size_t n = keymap_set2(table[i].usage, down, seq);
			if (!n)
				continue;
			ck_assert(key(seq, n));
			ck_assert_uint_eq(drain(got, sizeof(got)), n);
			ck_assert_int_eq(memcmp(got, seq, n), 0);
		}
}
END_TEST

/* A break prefix split from its byte by the guest's reads, and translation
 * turned off between an F0 and its byte. */
START_TEST(test_translation_break_state)
{
	ck_assert(KEY(0xe0, 0xf0, 0x14));       /* Right Ctrl up */
	ck_assert_uint_eq(in(KBD_DATA), 0xe0);
	ck_assert_uint_eq(in(KBD_DATA), 0x9d);
	assert_empty();
	ck_assert(KEY(0xf0, 0x1c, 0x1c));       /* A up, A down */
	EXPECT(0x9e, 0x1e);

	/* Bytes held while the port is off are translated as they leave. */
	out(KBD_CMD, 0xad);
	ck_assert(KEY(0x1c));
	ck_assert(KEY(0xf0, 0x1c));
	set_config(0x00);                       /* port on, translation off */
	EXPECT(0x1c, 0xf0, 0x1c);
	out(KBD_CMD, 0xad);
	ck_assert(KEY(0x1c));
	ck_assert(KEY(0xf0, 0x1c));
	set_config(0x40);
	EXPECT(0x1e, 0x9e);
}
END_TEST

/* --- hostile guests ----------------------------------------------------------- */

START_TEST(test_random_port_traffic)
{
	uint32_t x = 12345;
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t v = (uint8_t)(x >> 16);
		switch ((x >> 28) & 3) {
		case 0:
			out(KBD_CMD, v);
			break;
		case 1:
			out(KBD_DATA, v);
			break;
		case 2:
			in(KBD_DATA);
			break;
		default:
			in(KBD_CMD);
			static const uint8_t a[] = { 0x1c }, brk[] = { 0xf0, 0x1c };
			key((x & 1) ? a : brk, (x & 1) ? 1 : 2);
			break;
		}
	}
	/* Still answers (after an argument for a command that may wait). */
	set_config(0x00);
	out(KBD_DATA, 0xee);
	for (int i = 0; i < 40 && (in(KBD_CMD) & ST_OBF); i++)
		in(KBD_DATA);
	assert_empty();
	out(KBD_DATA, 0xff);
	EXPECT(0xfa, 0xaa);
}
END_TEST

/* --- a guest on the soft engine ------------------------------------------------ */

#define E2E_TIMEOUT_MS 15000
#define E2E_TEXT "Hello, World 42\n"

struct typist {
	int fd;                 /* the read end of COM1's output */
	char out[4096];
	size_t len;
	char failure[4096 + 128];
};

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Reads serial output until it holds `text` from offset `from` on. */
static bool typist_wait(struct typist *t, const char *text, size_t from)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		t->out[t->len] = 0;
		if (t->len >= from && strstr(t->out + from, text))
			return true;
		long left = E2E_TIMEOUT_MS - elapsed_ms(&start);
		if (left <= 0 || t->len + 1 >= sizeof(t->out))
			break;
		struct pollfd p = { .fd = t->fd, .events = POLLIN };
		if (poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t n = read(t->fd, t->out + t->len, sizeof(t->out) - 1 - t->len);
		if (n <= 0)
			break;
		t->len += (size_t)n;
	}
	snprintf(t->failure, sizeof(t->failure), "no \"%s\" in the serial output \"%s\"", text, t->out);
	return false;
}

static void typist_key(unsigned usage, bool down)
{
	uint8_t seq[KEYMAP_MAX_SEQ];
	size_t n = keymap_set2(usage, down, seq);
	pthread_mutex_lock(&m.lock);
	i8042_key_event(m.i8042, seq, n);
	pthread_mutex_unlock(&m.lock);
}

static unsigned usage_of(char c, bool *shift)
{
	*shift = c >= 'A' && c <= 'Z';
	if (c >= 'a' && c <= 'z')
		return KEYMAP_HID_A + (unsigned)(c - 'a');
	if (*shift)
		return KEYMAP_HID_A + (unsigned)(c - 'A');
	if (c >= '1' && c <= '9')
		return KEYMAP_HID_1 + (unsigned)(c - '1');
	switch (c) {
	case '0': return KEYMAP_HID_0;
	case ' ': return KEYMAP_HID_SPACE;
	case ',': return 0x36;
	case '\n': return KEYMAP_HID_ENTER;
	}
	return 0;
}

/* Types E2E_TEXT and Esc, one character at a time, each after the echo of
 * the one before, as a user at the SDL window would (with the lock). */
static void *typist_run(void *arg)
{
	struct typist *t = arg;
	if (!typist_wait(t, "kbd_echo: ready\r\n", 0))
		goto fail;
	size_t echoed = t->len;
	for (const char *c = E2E_TEXT; *c; c++) {
		bool shift;
		unsigned usage = usage_of(*c, &shift);
		if (shift)
			typist_key(KEYMAP_HID_LSHIFT, true);
		typist_key(usage, true);
		typist_key(usage, false);
		if (shift)
			typist_key(KEYMAP_HID_LSHIFT, false);
		char want[3] = { *c, 0, 0 };
		if (*c == '\n')
			memcpy(want, "\r\n", 3);
		if (!typist_wait(t, want, echoed))
			goto fail;
		echoed = t->len;
	}
	typist_key(KEYMAP_HID_ESCAPE, true);
	typist_key(KEYMAP_HID_ESCAPE, false);
	if (!typist_wait(t, "kbd_echo: bye\r\n", echoed))
		goto fail;
	return NULL;
fail:
	machine_stop(&m, MACHINE_TIMEOUT);
	return NULL;
}

/* _i: 0 = the soft engine, 1 = kvm (where it can run). */
START_TEST(test_guest_echoes_keys)
{
	const struct engine_ops *engine = _i ? &kvm_engine_ops : &soft_engine_ops;
	struct error err = { 0 };
	const char *dir = getenv("GUESTS") ? getenv("GUESTS") : "tests/guests";
	char path[4096];
	snprintf(path, sizeof(path), "%s/kbd_echo.bin", dir);
	uint8_t *image = NULL;
	size_t size = 0;
	if (loader_read_file(path, 1 << 20, &image, &size, &err) < 0) {
		printf("SKIP: %s (build it with make check)\n", err.msg);
		return;
	}
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_msg(uart16550_create(&m, 0x3f8, 4, fds[1], &m.com1, &err) == 0, "%s", err.msg);
	ck_assert(debugexit_create(&m, 0xf4, &err) == 0);
	ck_assert_msg(load_flat(&m, image, size, 0x7c00, "kbd_echo.bin", &err) == 0, "%s", err.msg);
	free(image);
	m.engine = engine;
	m.engine_name = engine->name;
	if (engine->create(&m, &err) < 0) {
		m.engine = NULL;
		close(fds[0]);
		close(fds[1]);
		ck_assert_msg(engine != &soft_engine_ops, "soft: %s", err.msg);
		printf("SKIP: kvm: %s\n", err.msg);
		return;
	}

	static struct typist t;
	memset(&t, 0, sizeof(t));
	t.fd = fds[0];
	pthread_t thread;
	ck_assert_int_eq(pthread_create(&thread, NULL, typist_run, &t), 0);
	int rc = engine->run(&m, &err);
	pthread_join(thread, NULL);
	engine->destroy(&m);
	m.engine = NULL;
	close(fds[0]);
	close(fds[1]);

	ck_assert_msg(t.failure[0] == 0, "%s", t.failure);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(m.event, MACHINE_DEBUG_EXIT);
	ck_assert_uint_eq(m.debug_exit_value, 0);
	ck_assert_msg(strstr(t.out, "kbd_echo: ready\r\nHello, World 42\r\n\r\nkbd_echo: bye\r\n"),
		      "serial output: \"%s\"", t.out);
	/* The same characters on the text screen (plain RAM here). */
	const uint8_t *text = machine_ram_ptr(&m, 0xb8000, 32);
	ck_assert_ptr_nonnull(text);
	const char *line = "Hello, World 42";
	for (size_t i = 0; i < strlen(line); i++) {
		ck_assert_uint_eq(text[2 * i], (uint8_t)line[i]);
		ck_assert_uint_eq(text[2 * i + 1], 0x07);
	}
	/* Esc's break was left unread; the guest turned the interrupts off
	 * and translation on. */
	EXPECT(0x81);
	ck_assert_uint_eq(get_config() & 0x43, 0x40);
}
END_TEST

static Suite *i8042_suite(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("controller");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_self_test_and_status);
	tcase_add_test(tc, test_config_byte);
	tcase_add_test(tc, test_output_port);
	tcase_add_test(tc, test_pulse_reset);
	tcase_add_test(tc, test_pulse_reset_low_nibble);
	tcase_add_test(tc, test_input_port_and_dump);
	tcase_add_test(tc, test_write_output_buffers);
	tcase_add_test(tc, test_keyboard_answers);
	tcase_add_test(tc, test_keyboard_commands);
	tcase_add_test(tc, test_scan_set_query_translated);
	tcase_add_test(tc, test_keyboard_port_disabled);
	tcase_add_test(tc, test_irq1);
	tcase_add_test(tc, test_irq1_edges);
	tcase_add_test(tc, test_buffer_overrun);
	tcase_add_test(tc, test_machine_reset);
	tcase_add_test(tc, test_translation_table);
	tcase_add_test(tc, test_translate_every_key);
	tcase_add_test(tc, test_keyboard_set1_every_key);
	tcase_add_test(tc, test_untranslated_set2);
	tcase_add_test(tc, test_translation_break_state);
	tcase_add_test(tc, test_random_port_traffic);
	suite_add_tcase(s, tc);

	TCase *guest = tcase_create("guest");
	tcase_add_checked_fixture(guest, setup, teardown);
	tcase_set_timeout(guest, 60);
	tcase_add_loop_test(guest, test_guest_echoes_keys, 0, 2);
	suite_add_tcase(s, guest);
	return s;
}

CHECK_MAIN(i8042_suite)
