/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pic.c — the 8259A pair and the ELCR through the port bus: the ICW
 * sequence and vector bases, priorities and nesting, masking, the OCW2
 * commands (EOIs, rotations, set priority), AEOI, edge and level inputs,
 * the slave cascade, spurious IRQ 7 and 15, poll, IRR/ISR reads, special
 * mask mode, special fully nested mode, the output handler, reset, and
 * register abuse. Expected values come from the 8259A datasheet. */
#include <stdbool.h>

#include "check_helpers.h"
#include "hw/pic8259.h"

static struct machine m;
static struct pic8259 *pic;

static void setup(void)
{
	test_machine_create(&m, 4 << 20);
	struct error err = { 0 };
	int rc = pic8259_create(&m, &pic, &err);
	ck_assert_msg(rc == 0, "pic8259_create: %s", err.msg);
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

/* The usual PC programming: master at `mbase`, slave at `sbase`, cascade on
 * IR2, 8086 mode plus `icw4_extra` (AEOI 0x02, SFNM 0x10) on both. */
static void init_pair(uint8_t mbase, uint8_t sbase, uint8_t icw4_extra)
{
	out(0x20, 0x11);
	out(0x21, mbase);
	out(0x21, 0x04);
	out(0x21, 0x01 | icw4_extra);
	out(0xa0, 0x11);
	out(0xa1, sbase);
	out(0xa1, 0x02);
	out(0xa1, 0x01 | icw4_extra);
}

static void init_std(void)
{
	init_pair(0x20, 0x28, 0);
}

static uint8_t master_isr(void)
{
	out(0x20, 0x0b);
	return in(0x20);
}

static uint8_t master_irr(void)
{
	out(0x20, 0x0a);
	return in(0x20);
}

static uint8_t slave_isr(void)
{
	out(0xa0, 0x0b);
	return in(0xa0);
}

static uint8_t slave_irr(void)
{
	out(0xa0, 0x0a);
	return in(0xa0);
}

/* An edge on an edge-triggered line. */
static void pulse(int line)
{
	pic8259_set_irq(pic, line, 1);
	pic8259_set_irq(pic, line, 0);
}

/* --- initialization -------------------------------------------------------- */

START_TEST(test_init_and_vector_base)
{
	init_std();
	ck_assert_uint_eq(in(0x21), 0x00);     /* ICW1 clears the IMR */
	ck_assert_uint_eq(in(0xa1), 0x00);
	ck_assert(!pic8259_output(pic));
	pulse(1);
	ck_assert(pic8259_output(pic));
	ck_assert_uint_eq(master_irr(), 0x02);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	ck_assert(!pic8259_output(pic));
	ck_assert_uint_eq(master_isr(), 0x02);
	ck_assert_uint_eq(master_irr(), 0x00);
	out(0x20, 0x20);
	ck_assert_uint_eq(master_isr(), 0x00);

	/* Re-initialized elsewhere; ICW2's low three bits are ignored. */
	init_pair(0x77, 0x8f, 0);
	pulse(3);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x73);
	pulse(14);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x8e);
}
END_TEST

START_TEST(test_init_single_without_icw4)
{
	init_std();
	/* ICW1: single, no ICW4. After ICW2 the odd port is OCW1 again. */
	out(0x20, 0x12);
	out(0x21, 0x40);
	out(0x21, 0xfd);               /* OCW1, not ICW3/ICW4 */
	ck_assert_uint_eq(in(0x21), 0xfd);
	pulse(1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x41);
	/* Single mode: IR2 is answered by the master itself. */
	out(0x21, 0x00);
	out(0x20, 0x20);
	pulse(9);
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x42);
	ck_assert_uint_eq(slave_isr(), 0x00);
}
END_TEST

START_TEST(test_icw1_clears_state)
{
	init_std();
	out(0x21, 0xf0);
	pulse(1);
	pulse(3);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	ck_assert_uint_eq(master_irr(), 0x08);
	out(0x20, 0xc4);                /* set priority: 4 lowest */
	init_std();
	/* IRR (edge latches), ISR, IMR cleared; IR7 lowest again. */
	ck_assert_uint_eq(master_irr(), 0x00);
	ck_assert_uint_eq(master_isr(), 0x00);
	ck_assert_uint_eq(in(0x21), 0x00);
	ck_assert(!pic8259_output(pic));
	pulse(5);
	pulse(6);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x25);
	/* An input held high across ICW1 must go low and high again. */
	pic8259_set_irq(pic, 4, 1);
	init_std();
	pic8259_set_irq(pic, 4, 1);
	ck_assert(!pic8259_output(pic));
	pic8259_set_irq(pic, 4, 0);
	pic8259_set_irq(pic, 4, 1);
	ck_assert(pic8259_output(pic));
}
END_TEST

/* --- priorities, masking, EOIs --------------------------------------------- */

START_TEST(test_fully_nested_priorities)
{
	init_std();
	pulse(5);
	pulse(3);
	ck_assert_uint_eq(master_irr(), 0x28);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	ck_assert(!pic8259_output(pic));       /* 5 is lower than 3 in service */
	pulse(1);
	ck_assert(pic8259_output(pic));        /* 1 nests */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	ck_assert_uint_eq(master_isr(), 0x0a);
	pulse(4);
	ck_assert(!pic8259_output(pic));
	out(0x20, 0x20);                       /* non-specific EOI: 1 */
	ck_assert_uint_eq(master_isr(), 0x08);
	ck_assert(!pic8259_output(pic));       /* 3 still blocks 4 and 5 */
	pulse(3);
	ck_assert(!pic8259_output(pic));       /* ...and itself */
	out(0x20, 0x20);                       /* EOI: 3 */
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x24);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x25);
	out(0x20, 0x20);
	ck_assert(!pic8259_output(pic));
	ck_assert_uint_eq(master_isr(), 0x00);
}
END_TEST

START_TEST(test_masking)
{
	init_std();
	out(0x21, 0x09);
	ck_assert_uint_eq(in(0x21), 0x09);
	pulse(0);
	pulse(3);
	ck_assert(!pic8259_output(pic));
	ck_assert_uint_eq(master_irr(), 0x09);    /* IRR ignores the mask */
	pulse(6);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x26);
	out(0x20, 0x20);
	out(0x21, 0x01);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	out(0x20, 0x20);
	ck_assert(!pic8259_output(pic));
	out(0x21, 0x00);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x20);
	/* Masking the slave's lines keeps the master's IR2 quiet. */
	out(0x20, 0x20);
	out(0xa1, 0xff);
	pulse(11);
	ck_assert(!pic8259_output(pic));
	ck_assert_uint_eq(slave_irr(), 0x08);
	out(0xa1, 0x00);
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2b);
}
END_TEST

START_TEST(test_specific_eoi)
{
	init_std();
	pulse(6);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x26);
	pulse(4);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x24);
	ck_assert_uint_eq(master_isr(), 0x50);
	out(0x20, 0x66);                /* specific EOI on 6, not the highest */
	ck_assert_uint_eq(master_isr(), 0x10);
	out(0x20, 0x65);                /* EOI of a level not in service */
	ck_assert_uint_eq(master_isr(), 0x10);
	out(0x20, 0x40);                /* no operation */
	ck_assert_uint_eq(master_isr(), 0x10);
	out(0x20, 0x64);
	ck_assert_uint_eq(master_isr(), 0x00);
	out(0x20, 0x20);                /* non-specific EOI with nothing in service */
	ck_assert_uint_eq(master_isr(), 0x00);
}
END_TEST

START_TEST(test_rotation)
{
	init_std();
	/* Rotate on non-specific EOI: 0 served, becomes lowest; 1 highest. */
	pulse(0);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x20);
	out(0x20, 0xa0);
	ck_assert_uint_eq(master_isr(), 0x00);
	pulse(0);
	pulse(7);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	/* 7 in service now blocks 0 (lower after the rotation). */
	ck_assert(!pic8259_output(pic));
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x20);
	out(0x20, 0x20);

	/* Set priority: 3 lowest, so 4 highest: 5 beats 1, 1 beats 3. */
	out(0x20, 0xc3);
	pulse(1);
	pulse(5);
	pulse(3);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x25);
	/* 1 and 3 are lower than 5 in service: INTA finds nothing. */
	ck_assert(!pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	ck_assert_uint_eq(master_isr(), 0x20);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	ck_assert(!pic8259_output(pic));       /* 3 is the lowest */
	/* Rotate on specific EOI: clear 1 and make it lowest (2 highest). */
	out(0x20, 0xe1);
	ck_assert_uint_eq(master_isr(), 0x00);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	out(0x20, 0x20);
	pulse(1);
	pulse(7);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
}
END_TEST

START_TEST(test_auto_eoi)
{
	init_pair(0x20, 0x28, 0x02);
	pulse(3);
	pulse(1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	ck_assert_uint_eq(master_isr(), 0x00);
	ck_assert(pic8259_output(pic));        /* nothing in service blocks 3 */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	ck_assert_uint_eq(master_isr(), 0x00);
	ck_assert(!pic8259_output(pic));

	/* Rotate in AEOI: the acknowledged level becomes the lowest. */
	out(0x20, 0x80);
	pulse(1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	pulse(0);
	pulse(6);
	/* 1 lowest, so 2 highest: 6 ranks before 0; then 6 lowest: 0 next. */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x26);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x20);
	/* Rotate in AEOI clear: no more rotation. */
	out(0x20, 0x00);
	pulse(7);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	pulse(1);
	pulse(4);
	/* Priority is still as the last rotation left it (0 lowest): 1 first. */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x24);
}
END_TEST

/* --- edge and level -------------------------------------------------------- */

START_TEST(test_edge_triggered)
{
	init_std();
	pic8259_set_irq(pic, 4, 1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x24);
	out(0x20, 0x20);
	/* Still high: no new edge, no request. */
	pic8259_set_irq(pic, 4, 1);
	ck_assert(!pic8259_output(pic));
	pic8259_set_irq(pic, 4, 0);
	ck_assert(!pic8259_output(pic));
	pic8259_set_irq(pic, 4, 1);
	ck_assert(pic8259_output(pic));
	/* An edge request survives its input going low before INTA. */
	pic8259_set_irq(pic, 4, 0);
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x24);
}
END_TEST

START_TEST(test_level_triggered_elcr)
{
	init_std();
	/* Reserved bits: IRQ 0-2 on the master, IRQ 8 and 13 on the slave. */
	out(0x4d0, 0xff);
	out(0x4d1, 0xff);
	ck_assert_uint_eq(in(0x4d0), 0xf8);
	ck_assert_uint_eq(in(0x4d1), 0xde);
	ck_assert_uint_eq(machine_io_read(&m, 0x4d0, 2), 0xdef8);
	machine_io_write(&m, 0x4d0, 2, 0x0420);    /* IRQ 5 and IRQ 10 */
	ck_assert_uint_eq(in(0x4d0), 0x20);
	ck_assert_uint_eq(in(0x4d1), 0x04);

	pic8259_set_irq(pic, 5, 1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x25);
	ck_assert_uint_eq(master_irr(), 0x20);    /* IRR follows the level */
	out(0x20, 0x20);
	ck_assert(pic8259_output(pic));            /* still high: again */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x25);
	out(0x20, 0x20);
	pic8259_set_irq(pic, 5, 0);
	ck_assert(!pic8259_output(pic));
	ck_assert_uint_eq(master_irr(), 0x00);

	/* IRQ 1 stays edge (its ELCR bit is reserved). */
	pic8259_set_irq(pic, 1, 1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	out(0x20, 0x20);
	ck_assert(!pic8259_output(pic));
	pic8259_set_irq(pic, 1, 0);

	/* A level line on the slave. */
	pic8259_set_irq(pic, 10, 1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2a);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2a);
	pic8259_set_irq(pic, 10, 0);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	ck_assert(!pic8259_output(pic));

	/* Switched back to edge: the held level is no request. */
	pic8259_set_irq(pic, 5, 1);
	out(0x4d0, 0x00);
	ck_assert(!pic8259_output(pic));
}
END_TEST

START_TEST(test_level_triggered_ltim)
{
	out(0x20, 0x19);                /* ICW1 with LTIM */
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, 0x01);
	pic8259_set_irq(pic, 1, 1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	out(0x20, 0x20);
	ck_assert(pic8259_output(pic));
	pic8259_set_irq(pic, 1, 0);
	ck_assert(!pic8259_output(pic));
	/* The ELCR register itself is unchanged by LTIM. */
	ck_assert_uint_eq(in(0x4d0), 0x00);
}
END_TEST

/* --- cascade and spurious interrupts ---------------------------------------- */

START_TEST(test_slave_cascade)
{
	init_std();
	pulse(12);
	ck_assert(pic8259_output(pic));
	ck_assert_uint_eq(master_irr(), 0x04);
	ck_assert_uint_eq(slave_irr(), 0x10);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2c);
	ck_assert_uint_eq(master_isr(), 0x04);
	ck_assert_uint_eq(slave_isr(), 0x10);
	ck_assert_uint_eq(slave_irr(), 0x00);
	/* The master's IR2 in service blocks IR3 and further slave requests. */
	pulse(3);
	pulse(9);
	ck_assert(!pic8259_output(pic));
	pulse(1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x21);
	out(0x20, 0x20);                /* EOI 1 */
	out(0xa0, 0x20);                /* EOI slave (12) */
	out(0x20, 0x20);                /* EOI master (2) */
	ck_assert_uint_eq(master_isr(), 0x00);
	ck_assert_uint_eq(slave_isr(), 0x00);
	/* The slave's pending 9 comes before the master's 3 (IR2 > IR3). */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x29);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	out(0x20, 0x20);
	/* Both slave priorities in order: 8 before 15. */
	pulse(15);
	pulse(8);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x28);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2f);
	ck_assert_uint_eq(slave_isr(), 0x80);
	/* Line 2 is the cascade; set_irq on it does nothing. */
	out(0xa0, 0x20);
	out(0x20, 0x20);
	pic8259_set_irq(pic, 2, 1);
	ck_assert(!pic8259_output(pic));
	pic8259_set_irq(pic, 16, 1);
	pic8259_set_irq(pic, -1, 1);
	ck_assert(!pic8259_output(pic));
}
END_TEST

START_TEST(test_spurious_irq7)
{
	init_std();
	/* Nothing requesting at all. */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	ck_assert_uint_eq(master_isr(), 0x00);
	/* A level request that went away before INTA. */
	out(0x4d0, 0x20);
	pic8259_set_irq(pic, 5, 1);
	ck_assert(pic8259_output(pic));
	pic8259_set_irq(pic, 5, 0);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	ck_assert_uint_eq(master_isr(), 0x00);       /* no ISR bit for spurious */
	/* Masked after INTR rose: same thing. */
	pulse(6);
	out(0x21, 0x40);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	ck_assert_uint_eq(master_isr(), 0x00);
	/* A real IRQ 7 sets ISR7: the handler can tell them apart. */
	out(0x21, 0x00);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x26);
	pulse(7);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	ck_assert_uint_eq(master_isr(), 0x80);
}
END_TEST

START_TEST(test_spurious_irq15)
{
	init_std();
	out(0x4d1, 0x04);               /* IRQ 10 level-triggered */
	pic8259_set_irq(pic, 10, 1);
	ck_assert(pic8259_output(pic));
	pic8259_set_irq(pic, 10, 0);
	/* The master latched the slave's INT edge on IR2: INTR stays. */
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2f);
	ck_assert_uint_eq(slave_isr(), 0x00);
	ck_assert_uint_eq(master_isr(), 0x04);       /* the OS must EOI the master */
	out(0x20, 0x20);
	ck_assert(!pic8259_output(pic));
}
END_TEST

/* --- OCW3: reads, poll, special mask ---------------------------------------- */

START_TEST(test_read_irr_isr)
{
	init_std();
	pulse(3);
	pulse(6);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	ck_assert_uint_eq(in(0x20), 0x40);       /* IRR after init */
	out(0x20, 0x0b);
	ck_assert_uint_eq(in(0x20), 0x08);
	ck_assert_uint_eq(in(0x20), 0x08);       /* the selection stays */
	out(0x20, 0x08);                         /* RR=0: no change */
	ck_assert_uint_eq(in(0x20), 0x08);
	out(0x20, 0x09);                         /* RR=0, RIS=1: no change either */
	out(0x20, 0x0a);
	ck_assert_uint_eq(in(0x20), 0x40);
	out(0x20, 0x08);
	ck_assert_uint_eq(in(0x20), 0x40);
	ck_assert_uint_eq(in(0x21), 0x00);       /* the odd port is the IMR */
}
END_TEST

START_TEST(test_poll)
{
	init_std();
	out(0x20, 0x0c);
	ck_assert_uint_eq(in(0x20), 0x00);   /* nothing requesting */
	ck_assert_uint_eq(master_isr(), 0x00);
	pulse(3);
	pulse(5);
	out(0x20, 0x0c);
	ck_assert_uint_eq(in(0x20), 0x83);   /* acts as INTA */
	ck_assert_uint_eq(master_isr(), 0x08);
	ck_assert_uint_eq(master_irr(), 0x20);
	/* The next read is a register read again. */
	ck_assert_uint_eq(in(0x20), 0x20);
	out(0x20, 0x0c);
	ck_assert_uint_eq(in(0x20), 0x00);   /* 5 blocked by 3 in service */
	out(0x20, 0x20);
	out(0x20, 0x0e);                     /* poll overrides RR */
	ck_assert_uint_eq(in(0x20), 0x85);
	/* A master poll of a slave request reports IR2, the slave's its own. */
	out(0x20, 0x20);
	pulse(13);
	out(0x20, 0x0c);
	ck_assert_uint_eq(in(0x20), 0x82);
	out(0xa0, 0x0c);
	ck_assert_uint_eq(in(0xa0), 0x85);
	ck_assert_uint_eq(slave_isr(), 0x20);
}
END_TEST

START_TEST(test_special_mask_mode)
{
	init_std();
	pulse(3);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x23);
	pulse(5);
	ck_assert(!pic8259_output(pic));
	/* The handler masks its own level and enables lower ones. */
	out(0x21, 0x08);
	ck_assert(!pic8259_output(pic));
	out(0x20, 0x68);                /* set special mask */
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x25);
	ck_assert_uint_eq(master_isr(), 0x28);
	/* A non-specific EOI skips the masked ISR bit 3: it ends 5. */
	out(0x20, 0x20);
	ck_assert_uint_eq(master_isr(), 0x08);
	/* An unmasked in-service level still blocks lower ones. */
	pulse(4);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x24);
	pulse(6);
	ck_assert(!pic8259_output(pic));
	out(0x20, 0x64);
	ck_assert(pic8259_output(pic));
	/* Reset special mask: 3 in service blocks 6 again. */
	out(0x20, 0x48);
	ck_assert(!pic8259_output(pic));
	out(0x20, 0x28);                /* ESMM=0: SMM bit ignored */
	ck_assert(!pic8259_output(pic));
	out(0x21, 0x00);
	out(0x20, 0x20);                /* ends 3 */
	ck_assert_uint_eq(master_isr(), 0x00);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x26);
}
END_TEST

START_TEST(test_special_fully_nested)
{
	/* Without SFNM, a higher slave request waits for the master's EOI. */
	init_std();
	pulse(12);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2c);
	pulse(9);
	ck_assert(!pic8259_output(pic));
	/* With SFNM on the master, it nests. */
	init_std();
	out(0x20, 0x11);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, 0x11);
	pulse(12);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2c);
	pulse(14);
	ck_assert(!pic8259_output(pic));       /* lower on the slave: blocked there */
	pulse(9);
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x29);
	ck_assert_uint_eq(slave_isr(), 0x12);
	/* Lower master levels are still blocked by IR2 in service. */
	pulse(5);
	ck_assert(!pic8259_output(pic));
	out(0xa0, 0x20);                /* ends 9: slave still has 12 */
	ck_assert_uint_eq(slave_isr(), 0x10);
	out(0xa0, 0x20);                /* ends 12 */
	ck_assert(pic8259_output(pic));        /* 14 through IR2 (nested) */
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2e);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x25);
}
END_TEST

START_TEST(test_slave_auto_eoi_keeps_requests)
{
	init_pair(0x20, 0x28, 0x02);
	pulse(9);
	pulse(10);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x29);
	ck_assert(pic8259_output(pic));
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2a);
	ck_assert(!pic8259_output(pic));
	ck_assert_uint_eq(master_isr(), 0x00);
	ck_assert_uint_eq(slave_isr(), 0x00);
}
END_TEST

/* --- output handler, reset, abuse ------------------------------------------- */

struct output_log {
	int calls;
	bool level;
};

static void on_output(void *opaque, bool level)
{
	struct output_log *log = opaque;
	log->calls++;
	log->level = level;
}

START_TEST(test_output_handler)
{
	struct output_log log = { 0 };
	pic8259_set_output_handler(pic, on_output, &log);
	init_std();
	ck_assert_int_eq(log.calls, 0);
	pulse(4);
	ck_assert_int_eq(log.calls, 1);
	ck_assert(log.level);
	pulse(6);                       /* INTR already high */
	ck_assert_int_eq(log.calls, 1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x24);
	ck_assert_int_eq(log.calls, 2);
	ck_assert(!log.level);          /* 6 blocked by 4 in service */
	out(0x20, 0x20);
	ck_assert_int_eq(log.calls, 3);
	ck_assert(log.level);
	out(0x21, 0xff);
	ck_assert_int_eq(log.calls, 4);
	ck_assert(!log.level);
	pulse(12);
	ck_assert_int_eq(log.calls, 4);
	out(0x21, 0x00);
	ck_assert_int_eq(log.calls, 5);
	ck_assert(log.level);
	pic8259_set_output_handler(pic, NULL, NULL);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x2c);
	ck_assert_int_eq(log.calls, 5);
}
END_TEST

START_TEST(test_reset_state)
{
	init_pair(0x70, 0x78, 0x02);
	out(0x21, 0x5a);
	out(0x4d0, 0x80);
	pulse(3);
	machine_reset_devices(&m);
	ck_assert_uint_eq(in(0x21), 0x00);
	ck_assert_uint_eq(in(0xa1), 0x00);
	ck_assert_uint_eq(in(0x4d0), 0x00);
	ck_assert(!pic8259_output(pic));
	ck_assert_uint_eq(master_irr(), 0x00);
	/* Vector bases 0x00/0x08, not AEOI, cascade on IR2. */
	pulse(1);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x01);
	ck_assert_uint_eq(master_isr(), 0x02);
	out(0x20, 0x20);
	pulse(11);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x0b);
}
END_TEST

START_TEST(test_register_abuse)
{
	/* Half-finished init sequences, reads mid-sequence, OCWs mid-sequence. */
	out(0x20, 0x11);
	ck_assert_uint_eq(in(0x21), 0x00);
	ck_assert_uint_eq(in(0x20), 0x00);
	out(0x20, 0x0b);                /* OCW3 while waiting for ICW2 */
	out(0x21, 0x30);                /* still ICW2 */
	out(0x20, 0x13);                /* ICW1 again: single, ICW4 */
	out(0x21, 0x48);
	out(0x21, 0x01);                /* ICW4 */
	out(0x21, 0x01);                /* OCW1 */
	ck_assert_uint_eq(in(0x21), 0x01);
	pulse(0);
	ck_assert(!pic8259_output(pic));
	out(0x21, 0x00);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x48);
	/* Wider accesses act as byte accesses; the byte beyond reads 0xff. */
	ck_assert_uint_eq(machine_io_read(&m, 0x21, 2), 0xff00);
	machine_io_write(&m, 0x20, 2, 0xa520);  /* EOI, then IMR = 0xa5 */
	ck_assert_uint_eq(in(0x21), 0xa5);
	ck_assert_uint_eq(master_isr(), 0x00);

	/* Random writes, lines and INTAs never break the invariants. */
	uint32_t x = 12345;
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t v = (uint8_t)(x >> 16);
		switch ((x >> 28) & 3) {
		case 0:
			out(ports[(x >> 8) % 6], v);
			break;
		case 1:
			(void)in(ports[(x >> 8) % 6]);
			break;
		case 2:
			pic8259_set_irq(pic, v & 15, (v >> 4) & 1);
			break;
		default: {
			int vec = pic8259_acknowledge(pic);
			ck_assert(vec >= 0 && vec <= 255);
			break;
		}
		}
	}
	/* And a clean init brings it back. */
	for (int line = 0; line < 16; line++)
		pic8259_set_irq(pic, line, 0);
	out(0x4d0, 0);
	out(0x4d1, 0);
	init_std();
	out(0xa0, 0x0a);
	ck_assert_msg(!pic8259_output(pic), "m irr %x isr %x imr %x s irr %x isr %x imr %x",
		      master_irr(), master_isr(), in(0x21), slave_irr(), slave_isr(), in(0xa1));
	pulse(7);
	ck_assert_int_eq(pic8259_acknowledge(pic), 0x27);
	ck_assert_uint_eq(master_isr(), 0x80);
}
END_TEST

START_TEST(test_create_conflict)
{
	struct pic8259 *second = NULL;
	struct error err = { 0 };
	int rc = pic8259_create(&m, &second, &err);
	ck_assert_int_lt(rc, 0);
	ck_assert_ptr_null(second);
	ck_assert(err.msg[0] != 0);
}
END_TEST

static Suite *pic_suite(void)
{
	Suite *s = suite_create("pic8259");
	TCase *tc = tcase_create("pic8259");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_and_vector_base);
	tcase_add_test(tc, test_init_single_without_icw4);
	tcase_add_test(tc, test_icw1_clears_state);
	tcase_add_test(tc, test_fully_nested_priorities);
	tcase_add_test(tc, test_masking);
	tcase_add_test(tc, test_specific_eoi);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_auto_eoi);
	tcase_add_test(tc, test_edge_triggered);
	tcase_add_test(tc, test_level_triggered_elcr);
	tcase_add_test(tc, test_level_triggered_ltim);
	tcase_add_test(tc, test_slave_cascade);
	tcase_add_test(tc, test_spurious_irq7);
	tcase_add_test(tc, test_spurious_irq15);
	tcase_add_test(tc, test_read_irr_isr);
	tcase_add_test(tc, test_poll);
	tcase_add_test(tc, test_special_mask_mode);
	tcase_add_test(tc, test_special_fully_nested);
	tcase_add_test(tc, test_slave_auto_eoi_keeps_requests);
	tcase_add_test(tc, test_output_handler);
	tcase_add_test(tc, test_reset_state);
	tcase_add_test(tc, test_register_abuse);
	tcase_add_test(tc, test_create_conflict);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pic_suite)
