/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ps2mouse.c — the PS/2 mouse on the i8042's aux port (hw/ps2mouse.c,
 * hw/i8042.c) through ports 0x60/0x64: every mouse command with its exact
 * answers, the IntelliMouse wheel, movement packets (signs, splitting,
 * overflow, scaling, buttons), remote and wrap mode, reporting disabled,
 * IRQ 12 levels as seen by an irq sink, the aux port disabled and enabled
 * by the controller, 0xD3/0xD4 routing next to the keyboard, and hostile
 * traffic. It does not test the SDL window that feeds it. */
#include <string.h>

#include "check_helpers.h"
#include "hw/i8042.h"
#include "hw/ps2mouse.h"

#define KBD_DATA 0x60
#define KBD_CMD 0x64
#define ST_OBF 0x01
#define ST_AUX 0x20
#define CFG_IRQS 0x43           /* translation, IRQ 1 and IRQ 12 on */

static struct machine m;

struct irq_log {
	int level[16];
	int rises[16];
};
static struct irq_log irqs;

static void irq_record(void *opaque, int line, int level)
{
	struct irq_log *log = opaque;
	ck_assert(line >= 0 && line < 16);
	ck_assert_msg(log->level[line] != level, "IRQ %d set to %d twice", line, level);
	if (level)
		log->rises[line]++;
	log->level[line] = level;
}

static void setup(void)
{
	struct error err = { 0 };
	test_machine_create(&m, 4 << 20);
	memset(&irqs, 0, sizeof(irqs));
	m.irq.set_level = irq_record;
	m.irq.opaque = &irqs;
	ck_assert_msg(i8042_create(&m, &err) == 0, "i8042_create: %s", err.msg);
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

static void set_config(uint8_t config)
{
	out(KBD_CMD, 0x60);
	out(KBD_DATA, config);
}

static uint8_t get_config(void)
{
	out(KBD_CMD, 0x20);
	ck_assert(in(KBD_CMD) & ST_OBF);
	return in(KBD_DATA);
}

/* A byte to the mouse, through the controller. */
static void to_mouse(uint8_t byte)
{
	out(KBD_CMD, 0xd4);
	out(KBD_DATA, byte);
}

/* Reads everything in the output buffer (bounded); every byte must be
 * marked as the mouse's. */
static size_t drain(uint8_t *buf, size_t max)
{
	size_t n = 0;
	while ((in(KBD_CMD) & ST_OBF) && n < max) {
		ck_assert_msg(in(KBD_CMD) & ST_AUX, "byte %zu not from the aux port", n);
		buf[n++] = in(KBD_DATA);
	}
	ck_assert_msg(!(in(KBD_CMD) & ST_OBF), "more than %zu bytes", max);
	return n;
}

static void expect_bytes(const uint8_t *want, size_t n)
{
	uint8_t got[256];
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

#define EXPECT_NOTHING() expect_bytes(NULL, 0)

static bool mouse(int dx, int dy, int dz, unsigned buttons)
{
	return i8042_mouse_event(m.i8042, dx, dy, dz, buttons);
}

static void enable_reporting(void)
{
	to_mouse(0xf4);
	EXPECT(0xfa);
}

/* --- commands ----------------------------------------------------------------- */

START_TEST(test_commands)
{
	to_mouse(0xff);
	EXPECT(0xfa, 0xaa, 0x00);
	to_mouse(0xf2);
	EXPECT(0xfa, 0x00);
	to_mouse(0xe9);                         /* defaults: stream, off, 1:1 */
	EXPECT(0xfa, 0x00, 0x02, 100);

	to_mouse(0xf3);
	to_mouse(40);
	EXPECT(0xfa, 0xfa);
	to_mouse(0xf3);
	EXPECT(0xfa);
	to_mouse(7);                            /* not a sample rate */
	EXPECT(0xfe);
	to_mouse(0xe8);
	EXPECT(0xfa);
	to_mouse(3);
	EXPECT(0xfa);
	to_mouse(0xe8);
	to_mouse(4);
	EXPECT(0xfa, 0xfe);
	to_mouse(0xe8);                         /* a reset is never an argument */
	to_mouse(0xff);
	EXPECT(0xfa, 0xfa, 0xaa, 0x00);
	to_mouse(0xe8);
	to_mouse(3);
	to_mouse(0xf3);
	to_mouse(40);
	EXPECT(0xfa, 0xfa);                     /* the first ACK was in the
						   controller; the rest are
						   thrown away by each write */
	to_mouse(0xe7);
	EXPECT(0xfa);
	to_mouse(0xf4);
	EXPECT(0xfa);
	mouse(0, 0, 0, PS2MOUSE_BUTTON_LEFT | PS2MOUSE_BUTTON_RIGHT);
	EXPECT(0x0b, 0x00, 0x00);
	to_mouse(0xe9);                         /* reporting, 2:1, left+right */
	EXPECT(0xfa, 0x35, 0x03, 40);
	to_mouse(0xf0);
	EXPECT(0xfa);
	mouse(0, 0, 0, PS2MOUSE_BUTTON_MIDDLE);
	EXPECT_NOTHING();                       /* remote mode: no stream */
	to_mouse(0xe9);
	EXPECT(0xfa, 0x72, 0x03, 40);
	to_mouse(0xe6);
	EXPECT(0xfa);
	to_mouse(0xea);
	EXPECT(0xfa);
	to_mouse(0xf5);
	EXPECT(0xfa);
	to_mouse(0xe9);
	EXPECT(0xfa, 0x02, 0x03, 40);
	to_mouse(0xf6);
	EXPECT(0xfa);
	to_mouse(0xe9);
	EXPECT(0xfa, 0x02, 0x02, 100);

	to_mouse(0xec);                         /* not in wrap mode */
	EXPECT(0xfa);
	to_mouse(0x00);                         /* unknown */
	EXPECT(0xfe);
	to_mouse(0xf7);
	EXPECT(0xfe);
	to_mouse(0xf2);
	EXPECT(0xfa, 0x00);
	to_mouse(0xfe);                         /* resend: the last byte */
	EXPECT(0x00);
	to_mouse(0xf3);
	EXPECT(0xfa);
	to_mouse(0xfe);                         /* ... still waiting for the rate */
	EXPECT(0xfa);
	to_mouse(200);
	EXPECT(0xfa);
}
END_TEST

START_TEST(test_wrap_mode)
{
	to_mouse(0xee);
	EXPECT(0xfa);
	static const uint8_t echoed[] = { 0x12, 0xf2, 0xf4, 0xe9, 0xee, 0xfe, 0x00 };
	for (size_t i = 0; i < sizeof(echoed); i++) {
		to_mouse(echoed[i]);
		expect_bytes(&echoed[i], 1);
	}
	ck_assert(!mouse(5, 5, 0, PS2MOUSE_BUTTON_LEFT));  /* F4 was echoed only */
	EXPECT_NOTHING();
	to_mouse(0xec);
	EXPECT(0xfa);
	to_mouse(0xf2);
	EXPECT(0xfa, 0x00);

	to_mouse(0xee);
	EXPECT(0xfa);
	to_mouse(0xff);                         /* reset leaves wrap mode */
	EXPECT(0xfa, 0xaa, 0x00);
	to_mouse(0x12);
	EXPECT(0xfe);
}
END_TEST

/* The IntelliMouse sequence: sample rates 200, 100, 80, then ID 03 and
 * 4-byte packets; anything else in between, or a reset, and it is 00. */
START_TEST(test_wheel)
{
	static const uint8_t almost[] = { 200, 100, 60, 80 };
	for (size_t i = 0; i < sizeof(almost); i++) {
		to_mouse(0xf3);
		to_mouse(almost[i]);
	}
	EXPECT(0xfa, 0xfa);
	to_mouse(0xf2);
	EXPECT(0xfa, 0x00);
	ck_assert(!mouse(0, 0, 1, 0));          /* reporting off */

	static const uint8_t seq[] = { 200, 100, 80 };
	for (size_t i = 0; i < sizeof(seq); i++) {
		to_mouse(0xf3);
		to_mouse(seq[i]);
	}
	EXPECT(0xfa, 0xfa);
	to_mouse(0xf2);
	EXPECT(0xfa, 0x03);
	enable_reporting();
	ck_assert(mouse(1, -2, 1, 0));          /* scroll up = -1 */
	EXPECT(0x08, 0x01, 0x02, 0xff);
	ck_assert(mouse(0, 0, -20, 0));         /* down, split -8..7 */
	EXPECT(0x08, 0, 0, 7, 0x08, 0, 0, 7, 0x08, 0, 0, 6);
	to_mouse(0xf6);                         /* defaults keep the ID */
	EXPECT(0xfa);
	to_mouse(0xf2);
	EXPECT(0xfa, 0x03);
	to_mouse(0xff);
	EXPECT(0xfa, 0xaa, 0x00);
	to_mouse(0xf2);
	EXPECT(0xfa, 0x00);
	enable_reporting();
	ck_assert(mouse(0, 0, 3, 0));           /* no wheel: nothing to say */
	EXPECT_NOTHING();
	ck_assert(mouse(1, 0, 3, 0));
	EXPECT(0x08, 0x01, 0x00);
}
END_TEST

/* --- packets --------------------------------------------------------------------- */

START_TEST(test_packets)
{
	ck_assert(!mouse(10, 10, 0, 0));        /* reset: reporting off */
	EXPECT_NOTHING();
	enable_reporting();
	ck_assert(mouse(10, 5, 0, 0));          /* right, down: y = -5 */
	EXPECT(0x28, 0x0a, 0xfb);
	ck_assert(mouse(-3, -7, 0, 0));         /* left, up */
	EXPECT(0x18, 0xfd, 0x07);
	ck_assert(mouse(255, -255, 0, 0));
	EXPECT(0x08, 0xff, 0xff);
	ck_assert(mouse(-255, 255, 0, 0));
	EXPECT(0x38, 0x01, 0x01);
	ck_assert(mouse(600, -300, 0, 0));      /* split at +-255 */
	EXPECT(0x08, 0xff, 0xff, 0x08, 0xff, 0x2d, 0x08, 0x5a, 0x00);
	ck_assert(mouse(-256, 0, 0, 0));
	EXPECT(0x18, 0x01, 0x00, 0x18, 0xff, 0x00);
	ck_assert(mouse(0, 0, 0, 0));           /* nothing new */
	EXPECT_NOTHING();

	/* Each event its own packet while the queue has room. */
	ck_assert(mouse(2, 0, 0, 0));
	ck_assert(mouse(3, 0, 0, 0));
	EXPECT(0x08, 0x02, 0x00, 0x08, 0x03, 0x00);
}
END_TEST

START_TEST(test_buttons)
{
	enable_reporting();
	mouse(0, 0, 0, PS2MOUSE_BUTTON_LEFT);
	EXPECT(0x09, 0x00, 0x00);
	mouse(0, 0, 0, PS2MOUSE_BUTTON_LEFT);   /* unchanged: no packet */
	EXPECT_NOTHING();
	mouse(1, 1, 0, PS2MOUSE_BUTTON_LEFT | PS2MOUSE_BUTTON_RIGHT);
	EXPECT(0x2b, 0x01, 0xff);
	mouse(0, 0, 0, PS2MOUSE_BUTTON_MIDDLE | 0xf8);   /* unknown bits dropped */
	EXPECT(0x0c, 0x00, 0x00);
	mouse(0, 0, 0, 0);
	EXPECT(0x08, 0x00, 0x00);
	/* A click between two reads: both packets. */
	mouse(0, 0, 0, PS2MOUSE_BUTTON_RIGHT);
	mouse(0, 0, 0, 0);
	EXPECT(0x0a, 0x00, 0x00, 0x08, 0x00, 0x00);
}
END_TEST

/* Motion beyond PS2MOUSE_MOTION_MAX is lost and the next packet says so;
 * the rest comes out in packets of 255 as the guest reads. */
START_TEST(test_overflow)
{
	enable_reporting();
	ck_assert(mouse(PS2MOUSE_MOTION_MAX + 1000, 0, 0, 0));
	uint8_t got[256];
	size_t n = drain(got, sizeof(got));
	ck_assert_uint_eq(n % 3, 0);
	ck_assert_uint_eq(n / 3, (PS2MOUSE_MOTION_MAX + 254) / 255);
	int sum = 0;
	for (size_t i = 0; i < n; i += 3) {
		ck_assert_uint_eq(got[i] & 0xf8, i == 0 ? 0x48 : 0x08);
		sum += got[i + 1];
	}
	ck_assert_int_eq(sum, PS2MOUSE_MOTION_MAX);

	ck_assert(mouse(0, 0x7fffffff, 0, 0)); /* down: negative y, overflow */
	n = drain(got, sizeof(got));
	ck_assert_uint_eq(n / 3, (PS2MOUSE_MOTION_MAX + 254) / 255);
	sum = 0;
	for (size_t i = 0; i < n; i += 3) {
		ck_assert_uint_eq(got[i], i == 0 ? 0xa8 : 0x28);
		sum += got[i + 2] - 256;
	}
	ck_assert_int_eq(sum, -PS2MOUSE_MOTION_MAX);
	ck_assert(mouse((int)0x80000000, 0, 0, 0));   /* INT_MIN: no UB */
	n = drain(got, sizeof(got));
	ck_assert_uint_eq(got[0], 0x58);
}
END_TEST

/* The queue stays bounded however much comes; whole packets only. */
START_TEST(test_queue_bounded)
{
	struct ps2mouse mo;
	ps2mouse_reset(&mo);
	ps2mouse_write(&mo, 0xf4);
	ck_assert_uint_eq(ps2mouse_read(&mo), 0xfa);
	for (int i = 0; i < 1000; i++) {
		ps2mouse_event(&mo, 100, -100, 0, (unsigned)i & 7);
		ck_assert_uint_le(mo.queue_count, PS2MOUSE_QUEUE_SIZE);
	}
	ck_assert_uint_eq(mo.queue_count, PS2MOUSE_QUEUE_SIZE);   /* 16 packets */
	for (unsigned i = 0; i < 3; i++)
		ps2mouse_read(&mo);
	ck_assert_uint_eq(mo.queue_count, PS2MOUSE_QUEUE_SIZE);   /* refilled */
	ck_assert(!ps2mouse_has_data(&(struct ps2mouse){ 0 }));
	ck_assert_uint_eq(ps2mouse_read(&(struct ps2mouse){ 0 }), 0);
}
END_TEST

START_TEST(test_scaling)
{
	enable_reporting();
	to_mouse(0xe7);
	EXPECT(0xfa);
	static const int in_[] = { 1, 2, 3, 4, 5, 6, -4, 127 };
	static const uint8_t out_[] = { 1, 1, 3, 6, 9, 12, 0xfa, 254 };
	for (size_t i = 0; i < sizeof(in_) / sizeof(in_[0]); i++) {
		mouse(in_[i], 0, 0, 0);
		uint8_t want[3] = { (uint8_t)(in_[i] < 0 ? 0x18 : 0x08), out_[i], 0 };
		expect_bytes(want, 3);
	}
	mouse(200, 0, 0, 0);                    /* 127 -> 254, 73 -> 146 */
	EXPECT(0x08, 254, 0x00, 0x08, 146, 0x00);
}
END_TEST

START_TEST(test_remote_mode)
{
	to_mouse(0xf0);
	EXPECT(0xfa);
	ck_assert(mouse(3, -4, 0, PS2MOUSE_BUTTON_LEFT));   /* kept, not sent */
	ck_assert(mouse(300, 0, 0, PS2MOUSE_BUTTON_LEFT));
	EXPECT_NOTHING();
	to_mouse(0xeb);                         /* one packet of at most 255 */
	EXPECT(0xfa, 0x09, 0xff, 0x04);
	to_mouse(0xeb);                         /* the counters were cleared */
	EXPECT(0xfa, 0x09, 0x00, 0x00);
	to_mouse(0xe7);                         /* no scaling for read data */
	EXPECT(0xfa);
	ck_assert(mouse(4, 0, 0, 0));
	to_mouse(0xeb);
	EXPECT(0xfa, 0x08, 0x04, 0x00);
	to_mouse(0xea);                         /* stream, reporting still off */
	EXPECT(0xfa);
	ck_assert(!mouse(4, 0, 0, 0));
	EXPECT_NOTHING();
}
END_TEST

START_TEST(test_reporting_disabled)
{
	enable_reporting();
	ck_assert(mouse(1, 0, 0, 0));
	to_mouse(0xf5);                         /* throws away the rest of the
						   packet; its first byte was in
						   the controller already */
	EXPECT(0x08, 0xfa);
	ck_assert(!mouse(50, 50, 0, PS2MOUSE_BUTTON_LEFT));
	EXPECT_NOTHING();
	enable_reporting();                     /* nothing old comes back */
	EXPECT_NOTHING();
	ck_assert(mouse(0, 0, 0, 0));
	EXPECT(0x08, 0x00, 0x00);
}
END_TEST

/* --- the controller: IRQ 12, the aux port, 0xD3/0xD4 ------------------------------- */

START_TEST(test_irq12)
{
	to_mouse(0xf4);                         /* config 0x41: no IRQ 12 */
	EXPECT(0xfa);
	ck_assert_int_eq(irqs.rises[12], 0);
	set_config(CFG_IRQS);
	ck_assert(mouse(1, 2, 0, 0));
	ck_assert_int_eq(irqs.level[12], 1);
	ck_assert_int_eq(irqs.rises[12], 1);
	ck_assert_uint_eq(in(KBD_CMD) & (ST_OBF | ST_AUX), ST_OBF | ST_AUX);
	ck_assert_uint_eq(in(KBD_DATA), 0x28);
	ck_assert_int_eq(irqs.level[12], 1);   /* the next byte: a new edge */
	ck_assert_int_eq(irqs.rises[12], 2);
	ck_assert_uint_eq(in(KBD_DATA), 0x01);
	ck_assert_uint_eq(in(KBD_DATA), 0xfe);
	ck_assert_int_eq(irqs.level[12], 0);
	ck_assert_int_eq(irqs.rises[12], 3);
	ck_assert_int_eq(irqs.rises[1], 0);

	/* A byte waiting when the guest turns IRQ 12 off and on again. */
	ck_assert(mouse(1, 0, 0, 0));
	ck_assert_int_eq(irqs.level[12], 1);
	set_config(0x41);
	ck_assert_int_eq(irqs.level[12], 0);
	set_config(CFG_IRQS);
	ck_assert_int_eq(irqs.level[12], 1);
	EXPECT(0x08, 0x01, 0x00);
	ck_assert_int_eq(irqs.level[12], 0);

	/* Controller answers raise neither line. */
	ck_assert_uint_eq(get_config(), CFG_IRQS);
	ck_assert_int_eq(irqs.level[12], 0);
	ck_assert_int_eq(irqs.rises[1], 0);
}
END_TEST

START_TEST(test_aux_port_disable)
{
	set_config(CFG_IRQS);
	enable_reporting();
	out(KBD_CMD, 0xa7);
	ck_assert_uint_eq(get_config(), CFG_IRQS | 0x20);
	ck_assert(mouse(7, 0, 0, 0));           /* the mouse keeps it */
	ck_assert_uint_eq(in(KBD_CMD) & ST_OBF, 0);
	ck_assert_int_eq(irqs.level[12], 0);
	out(KBD_CMD, 0xa9);                     /* aux test, while disabled */
	ck_assert_uint_eq(in(KBD_CMD) & (ST_OBF | ST_AUX), ST_OBF);
	ck_assert_uint_eq(in(KBD_DATA), 0x00);
	ck_assert_int_eq(irqs.level[12], 0);
	out(KBD_CMD, 0xa8);
	ck_assert_uint_eq(irqs.level[12], 1);
	EXPECT(0x08, 0x07, 0x00);
	ck_assert_uint_eq(get_config(), CFG_IRQS);

	/* Configuration bit 5 directly, and a byte for the mouse enabling. */
	set_config(CFG_IRQS | 0x20);
	ck_assert(mouse(1, 0, 0, 0));
	ck_assert_uint_eq(in(KBD_CMD) & ST_OBF, 0);
	to_mouse(0xf2);                         /* drops the packet, answers */
	EXPECT(0xfa, 0x00);
	ck_assert_uint_eq(get_config() & 0x20, 0);
}
END_TEST

START_TEST(test_d3_d4_routing)
{
	set_config(CFG_IRQS);
	out(KBD_CMD, 0xd3);                     /* as if from the mouse */
	out(KBD_DATA, 0xa5);
	ck_assert_uint_eq(in(KBD_CMD) & (ST_OBF | ST_AUX), ST_OBF | ST_AUX);
	ck_assert_int_eq(irqs.level[12], 1);
	ck_assert_int_eq(irqs.level[1], 0);
	ck_assert_uint_eq(in(KBD_DATA), 0xa5);
	ck_assert_int_eq(irqs.level[12], 0);

	out(KBD_CMD, 0xd2);                     /* as if from the keyboard */
	out(KBD_DATA, 0x5a);
	ck_assert_uint_eq(in(KBD_CMD) & (ST_OBF | ST_AUX), ST_OBF);
	ck_assert_int_eq(irqs.level[1], 1);
	ck_assert_int_eq(irqs.level[12], 0);
	ck_assert_uint_eq(in(KBD_DATA), 0x5a);

	/* 0xD4 goes to the mouse, a plain data byte to the keyboard. */
	out(KBD_DATA, 0xf2);
	ck_assert_uint_eq(in(KBD_CMD) & (ST_OBF | ST_AUX), ST_OBF);
	ck_assert_uint_eq(in(KBD_DATA), 0xfa);
	ck_assert_uint_eq(in(KBD_DATA), 0xab);
	ck_assert_uint_eq(in(KBD_DATA), 0x41);  /* 83, translated */
	to_mouse(0xf2);
	EXPECT(0xfa, 0x00);

	/* Keyboard and mouse bytes together: each marked as its own. */
	enable_reporting();
	static const uint8_t a[] = { 0x1c };
	ck_assert(i8042_key_event(m.i8042, a, 1));
	ck_assert(mouse(1, 0, 0, 0));
	uint8_t kbd[4], aux[4];
	size_t nk = 0, na = 0;
	for (int i = 0; i < 8 && (in(KBD_CMD) & ST_OBF); i++) {
		bool from_aux = in(KBD_CMD) & ST_AUX;
		ck_assert_int_eq(irqs.level[12], from_aux);
		ck_assert_int_eq(irqs.level[1], !from_aux);
		uint8_t b = in(KBD_DATA);
		if (from_aux && na < 4)
			aux[na++] = b;
		else if (!from_aux && nk < 4)
			kbd[nk++] = b;
	}
	ck_assert_uint_eq(nk, 1);
	ck_assert_uint_eq(kbd[0], 0x1e);
	ck_assert_uint_eq(na, 3);
	ck_assert_uint_eq(aux[0], 0x08);
	ck_assert_uint_eq(aux[1], 0x01);
}
END_TEST

START_TEST(test_machine_reset)
{
	static const uint8_t seq[] = { 200, 100, 80 };
	for (size_t i = 0; i < sizeof(seq); i++) {
		to_mouse(0xf3);
		to_mouse(seq[i]);
	}
	EXPECT(0xfa, 0xfa);
	enable_reporting();
	ck_assert(mouse(1, 0, 0, 0));
	machine_reset_devices(&m);
	ck_assert_uint_eq(in(KBD_CMD) & ST_OBF, 0);
	ck_assert(!mouse(1, 0, 0, 0));
	to_mouse(0xf2);
	EXPECT(0xfa, 0x00);
}
END_TEST

/* Random port traffic and host input: IRQ 12 only with an aux byte in the
 * buffer, IRQ 1 only with a keyboard byte, and the mouse still answers. */
START_TEST(test_random_traffic)
{
	uint32_t x = 4242;
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t v = (uint8_t)(x >> 16);
		switch ((x >> 28) & 7) {
		case 0:
			out(KBD_CMD, (x & 0x100) ? 0xd4 : v);
			break;
		case 1:
		case 2:
			out(KBD_DATA, v);
			break;
		case 3:
		case 4:
			in(KBD_DATA);
			break;
		case 5:
			mouse((int8_t)v * 40, (int8_t)(x >> 8) * 40, (int8_t)x % 3, v & 7);
			break;
		default: {
			uint8_t st = in(KBD_CMD);
			if (irqs.level[12])
				ck_assert_uint_eq(st & (ST_OBF | ST_AUX), ST_OBF | ST_AUX);
			if (irqs.level[1])
				ck_assert_uint_eq(st & (ST_OBF | ST_AUX), ST_OBF);
			break;
		}
		}
		ck_assert_int_eq(m.event == MACHINE_RUNNING || m.event == MACHINE_RESET, 1);
	}
	set_config(0x00);
	for (int i = 0; i < 400 && (in(KBD_CMD) & ST_OBF); i++)
		in(KBD_DATA);
	to_mouse(0xff);
	EXPECT(0xfa, 0xaa, 0x00);
}
END_TEST

static Suite *ps2mouse_suite(void)
{
	Suite *s = suite_create("ps2mouse");
	TCase *tc = tcase_create("mouse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_wrap_mode);
	tcase_add_test(tc, test_wheel);
	tcase_add_test(tc, test_packets);
	tcase_add_test(tc, test_buttons);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_queue_bounded);
	tcase_add_test(tc, test_scaling);
	tcase_add_test(tc, test_remote_mode);
	tcase_add_test(tc, test_reporting_disabled);
	tcase_add_test(tc, test_irq12);
	tcase_add_test(tc, test_aux_port_disable);
	tcase_add_test(tc, test_d3_d4_routing);
	tcase_add_test(tc, test_machine_reset);
	tcase_add_test(tc, test_random_traffic);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(ps2mouse_suite)
