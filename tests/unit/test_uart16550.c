/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_uart16550.c — the 16550A UART through the port bus: registers and
 * DLAB, transmission to a pipe, the receive FIFO and its trigger levels,
 * interrupt identification and priorities, the IRQ line with the OUT2 gate,
 * loopback, and the FCR reset bits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "check_helpers.h"
#include "hw/uart16550.h"

#define COM 0x3f8
#define COM_IRQ 4

enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

struct irq_log {
	int calls;
	int line;
	int level;
};

static struct machine m;
static struct uart16550 *uart;
static struct irq_log irqs;
static int out_pipe[2];

static void irq_record(void *opaque, int line, int level)
{
	struct irq_log *log = opaque;
	log->calls++;
	log->line = line;
	log->level = level;
}

static void setup(void)
{
	test_machine_create(&m, 16 << 20);
	memset(&irqs, 0, sizeof(irqs));
	m.irq.set_level = irq_record;
	m.irq.opaque = &irqs;
	ck_assert_int_eq(pipe2(out_pipe, O_NONBLOCK), 0);
	struct error err = { 0 };
	int rc = uart16550_create(&m, COM, COM_IRQ, out_pipe[1], &uart, &err);
	ck_assert_msg(rc == 0, "uart16550_create: %s", err.msg);
	ck_assert_ptr_nonnull(uart);
}

static void teardown(void)
{
	machine_destroy(&m);
	close(out_pipe[0]);
	close(out_pipe[1]);
}

static uint8_t in(int reg)
{
	return portio_read(&m.io, COM + reg, 1);
}

static void out(int reg, uint8_t v)
{
	portio_write(&m.io, COM + reg, 1, v);
}

static size_t feed(size_t n)
{
	uint8_t buf[64];
	for (size_t i = 0; i < n && i < sizeof(buf); i++)
		buf[i] = 'a' + i;
	return uart16550_receive(uart, buf, n);
}

START_TEST(test_registers_and_dlab)
{
	ck_assert_uint_eq(in(LCR), 0x00);
	ck_assert_uint_eq(in(LSR), 0x60);       /* THRE | TEMT */
	ck_assert_uint_eq(in(IIR), 0x01);       /* no interrupt, no FIFO */
	ck_assert_uint_eq(in(MSR), 0xb0);       /* DCD DSR CTS */

	out(LCR, 0x03);
	ck_assert_uint_eq(in(LCR), 0x03);
	out(IER, 0x05);

	out(LCR, 0x83);                         /* DLAB */
	out(DLL, 0x0c);
	out(DLM, 0x01);
	ck_assert_uint_eq(in(DLL), 0x0c);
	ck_assert_uint_eq(in(DLM), 0x01);
	ck_assert_uint_eq(in(LCR), 0x83);

	out(LCR, 0x03);
	ck_assert_uint_eq(in(IER), 0x05);       /* DLM did not touch IER */
	out(IER, 0xff);
	ck_assert_uint_eq(in(IER), 0x0f);       /* only 4 bits */
	out(IER, 0);

	out(LCR, 0x80);
	ck_assert_uint_eq(in(DLL), 0x0c);       /* IER writes did not touch DLM/DLL */
	ck_assert_uint_eq(in(DLM), 0x01);
	out(LCR, 0);

	out(SCR, 0x5a);
	ck_assert_uint_eq(in(SCR), 0x5a);
	out(SCR, 0xa5);
	ck_assert_uint_eq(in(SCR), 0xa5);

	out(MCR, 0xff);
	ck_assert_uint_eq(in(MCR), 0x1f);

	machine_reset_devices(&m);
	ck_assert_uint_eq(in(LCR), 0);
	ck_assert_uint_eq(in(MCR), 0);
	ck_assert_uint_eq(in(SCR), 0);
	ck_assert_uint_eq(in(LSR), 0x60);
	ck_assert_uint_eq(in(MSR), 0xb0);
}
END_TEST

START_TEST(test_wide_access_is_low_byte)
{
	portio_write(&m.io, COM + SCR, 2, 0x1234);
	ck_assert_uint_eq(in(SCR), 0x34);
	ck_assert_uint_eq(portio_read(&m.io, COM + SCR, 2), 0x34);
	ck_assert_uint_eq(portio_read(&m.io, COM + SCR, 4), 0x34);
	portio_write(&m.io, COM + THR, 4, 0x41424344);
	char c = 0;
	ck_assert_int_eq(read(out_pipe[0], &c, 1), 1);
	ck_assert_int_eq(c, 0x44);
}
END_TEST

START_TEST(test_transmit)
{
	const char *msg = "hello\n";
	for (const char *p = msg; *p; p++) {
		out(THR, *p);
		ck_assert_uint_eq(in(LSR) & 0x60, 0x60);    /* instant */
	}
	char buf[32] = { 0 };
	ck_assert_int_eq(read(out_pipe[0], buf, sizeof(buf)), (int)strlen(msg));
	ck_assert_str_eq(buf, msg);

	/* With DLAB set, offset 0 is DLL: nothing is sent. */
	out(LCR, 0x80);
	out(THR, 'x');
	out(LCR, 0);
	ck_assert_int_eq(read(out_pipe[0], buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EAGAIN);
}
END_TEST

START_TEST(test_transmit_errors_ignored)
{
	struct uart16550 *nowhere, *closed;
	struct error err = { 0 };
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);                          /* writes fail with EPIPE */
	ck_assert_int_eq(uart16550_create(&m, 0x2f8, 3, -1, &nowhere, &err), 0);
	ck_assert_int_eq(uart16550_create(&m, 0x3e8, 5, fds[1], &closed, &err), 0);
	signal(SIGPIPE, SIG_IGN);
	portio_write(&m.io, 0x2f8, 1, 'a');
	portio_write(&m.io, 0x3e8, 1, 'a');
	ck_assert_uint_eq(portio_read(&m.io, 0x2f8 + LSR, 1), 0x60);
	ck_assert_uint_eq(portio_read(&m.io, 0x3e8 + LSR, 1), 0x60);
	close(fds[1]);

	/* A second UART on overlapping ports is refused. */
	ck_assert_int_eq(uart16550_create(&m, 0x3fc, 4, -1, &nowhere, &err), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err.msg, "uart16550"));
}
END_TEST

START_TEST(test_fifo_receive_and_overrun)
{
	out(FCR, 0x07);                         /* enable, reset both FIFOs */
	ck_assert_uint_eq(in(LSR) & 0x01, 0);
	ck_assert_uint_eq(feed(20), 16);
	ck_assert_uint_eq(in(LSR) & 0x01, 0x01);
	for (int i = 0; i < 16; i++) {
		ck_assert_uint_eq(in(LSR) & 0x01, 0x01);
		ck_assert_uint_eq(in(RBR), 'a' + i);
	}
	ck_assert_uint_eq(in(LSR) & 0x01, 0);
	ck_assert_uint_eq(feed(4), 4);
	for (int i = 0; i < 4; i++)
		in(RBR);

	/* Loopback: the 17th byte overruns and is lost. */
	out(MCR, 0x10);
	ck_assert_uint_eq(feed(1), 0);          /* serial input disconnected */
	for (int i = 0; i < 17; i++)
		out(THR, 'A' + i);
	uint8_t lsr = in(LSR);
	ck_assert_uint_eq(lsr & 0x03, 0x03);    /* DR | OE */
	ck_assert_uint_eq(in(LSR) & 0x02, 0);   /* OE clears on read */
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(in(RBR), 'A' + i);
	ck_assert_uint_eq(in(LSR) & 0x01, 0);

	/* Nothing reached the host in loopback. */
	char c;
	ck_assert_int_eq(read(out_pipe[0], &c, 1), -1);

	/* Without the FIFO the receiver holds one byte. */
	out(MCR, 0);
	out(FCR, 0);
	ck_assert_uint_eq(feed(5), 1);
	ck_assert_uint_eq(in(RBR), 'a');
	ck_assert_uint_eq(feed(5), 1);
}
END_TEST

START_TEST(test_trigger_levels)
{
	static const struct { uint8_t fcr; unsigned level; } t[] = {
		{ 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 },
	};
	out(IER, 0x01);
	for (unsigned i = 0; i < 4; i++) {
		out(FCR, t[i].fcr | 0x02);      /* also empty the FIFO */
		ck_assert_uint_eq(in(IIR), 0xc1);
		if (t[i].level > 1) {
			ck_assert_uint_eq(feed(t[i].level - 1), t[i].level - 1);
			ck_assert_msg(in(IIR) == 0xcc, "level %u: below trigger is a timeout",
				      t[i].level);
		}
		ck_assert_uint_eq(feed(1), 1);
		ck_assert_msg(in(IIR) == 0xc4, "level %u: trigger reached", t[i].level);
		in(RBR);
		if (t[i].level > 1)
			ck_assert_uint_eq(in(IIR), 0xcc);
		else
			ck_assert_uint_eq(in(IIR), 0xc1);
	}
}
END_TEST

START_TEST(test_iir_priorities)
{
	out(FCR, 0x41);                         /* FIFO, trigger 4 */
	ck_assert_uint_eq(in(IIR), 0xc1);

	/* THRE alone. */
	out(IER, 0x02);
	ck_assert_uint_eq(in(IIR), 0xc2);
	ck_assert_uint_eq(in(IIR), 0xc1);       /* reading IIR cleared it */

	/* Data below the trigger beats THRE; at the trigger it is 0xC4. */
	out(IER, 0x00);
	out(IER, 0x03);                         /* re-enabling ETBEI re-raises THRE */
	feed(2);
	ck_assert_uint_eq(in(IIR), 0xcc);
	feed(2);
	ck_assert_uint_eq(in(IIR), 0xc4);
	ck_assert_uint_eq(in(IIR), 0xc4);       /* not cleared by IIR reads */
	for (int i = 0; i < 4; i++)
		in(RBR);
	ck_assert_uint_eq(in(IIR), 0xc2);       /* THRE was still pending */
	ck_assert_uint_eq(in(IIR), 0xc1);

	/* Line status beats received data. */
	out(IER, 0x07);
	out(MCR, 0x10);
	for (int i = 0; i < 17; i++)
		out(THR, i);
	ck_assert_uint_eq(in(IIR), 0xc6);
	ck_assert_uint_eq(in(LSR) & 0x02, 0x02);
	ck_assert_uint_eq(in(IIR), 0xc4);       /* OE read: data remains */
	out(FCR, 0x43);
	ck_assert_uint_eq(in(IIR), 0xc2);       /* THRE from the writes above */
	ck_assert_uint_eq(in(IIR), 0xc1);

	/* Modem status is the lowest priority. */
	in(MSR);                                /* drop the deltas of entering loopback */
	out(IER, 0x00);
	out(IER, 0x0a);                         /* EDSSI | ETBEI: THRE raised */
	out(MCR, 0x12);                         /* loopback, RTS -> CTS: delta */
	ck_assert_uint_eq(in(IIR), 0xc2);
	ck_assert_uint_eq(in(IIR), 0xc0);
	ck_assert_uint_eq(in(MSR), 0x11);       /* CTS and DCTS */
	ck_assert_uint_eq(in(IIR), 0xc1);       /* reading MSR cleared it */

	/* Without the FIFO bits 7:6 read 0 and any byte is "data available". */
	out(MCR, 0);
	out(FCR, 0);
	out(IER, 0x01);
	ck_assert_uint_eq(in(IIR), 0x01);
	feed(1);
	ck_assert_uint_eq(in(IIR), 0x04);
}
END_TEST

START_TEST(test_thre_interrupt)
{
	out(IER, 0x02);
	ck_assert_uint_eq(in(IIR), 0x02);
	ck_assert_uint_eq(in(IIR), 0x01);
	out(THR, 'x');                          /* sent at once: THR empty again */
	ck_assert_uint_eq(in(IIR), 0x02);
	ck_assert_uint_eq(in(IIR), 0x01);
	out(IER, 0x02);                         /* ETBEI already set: no new one */
	ck_assert_uint_eq(in(IIR), 0x01);
	out(IER, 0x00);
	out(IER, 0x02);
	ck_assert_uint_eq(in(IIR), 0x02);
	out(IER, 0x00);                         /* disabling drops it */
	out(IER, 0x01);
	ck_assert_uint_eq(in(IIR), 0x01);
}
END_TEST

START_TEST(test_irq_line_and_out2)
{
	out(IER, 0x02);                         /* THRE pending, OUT2 clear */
	ck_assert_int_eq(irqs.calls, 0);
	out(MCR, 0x08);                         /* OUT2 opens the gate */
	ck_assert_int_eq(irqs.calls, 1);
	ck_assert_int_eq(irqs.line, COM_IRQ);
	ck_assert_int_eq(irqs.level, 1);
	out(MCR, 0x08);                         /* no change: no call */
	out(SCR, 1);
	ck_assert_int_eq(irqs.calls, 1);

	in(IIR);                                /* acknowledges THRE */
	ck_assert_int_eq(irqs.calls, 2);
	ck_assert_int_eq(irqs.level, 0);

	out(THR, 'a');                          /* THR empty again: raised */
	ck_assert_int_eq(irqs.calls, 3);
	ck_assert_int_eq(irqs.level, 1);
	out(THR, 'b');                          /* lowered, then raised: a new edge */
	ck_assert_int_eq(irqs.calls, 5);
	ck_assert_int_eq(irqs.level, 1);

	out(MCR, 0x00);                         /* OUT2 closes the gate */
	ck_assert_int_eq(irqs.calls, 6);
	ck_assert_int_eq(irqs.level, 0);
	in(IIR);

	/* Received data with OUT2 open. */
	out(MCR, 0x08);
	out(IER, 0x01);
	ck_assert_int_eq(irqs.calls, 6);
	feed(1);
	ck_assert_int_eq(irqs.calls, 7);
	ck_assert_int_eq(irqs.level, 1);
	in(RBR);
	ck_assert_int_eq(irqs.calls, 8);
	ck_assert_int_eq(irqs.level, 0);

	/* Reset lowers the line. */
	feed(1);
	ck_assert_int_eq(irqs.level, 1);
	machine_reset_devices(&m);
	ck_assert_int_eq(irqs.level, 0);
	ck_assert_int_eq(irqs.calls, 10);
}
END_TEST

START_TEST(test_loopback)
{
	out(FCR, 0x01);                         /* room for more than one byte */
	out(MCR, 0x1f);                         /* loop + all outputs */
	ck_assert_uint_eq(in(MSR), 0xf0);       /* CTS DSR RI DCD; RI rose: no TERI */
	out(THR, 0x42);
	out(THR, 0x43);
	ck_assert_uint_eq(in(LSR) & 0x61, 0x61);
	ck_assert_uint_eq(in(RBR), 0x42);
	ck_assert_uint_eq(in(RBR), 0x43);

	out(MCR, 0x10);                         /* all outputs off */
	ck_assert_uint_eq(in(MSR), 0x0f);       /* DCTS DDSR TERI DDCD */
	ck_assert_uint_eq(in(MSR), 0x00);

	out(MCR, 0x11);                         /* DTR -> DSR */
	ck_assert_uint_eq(in(MSR), 0x22);

	out(MCR, 0x00);                         /* back to the host's lines */
	ck_assert_uint_eq(in(MSR), 0xb0 | 0x09);  /* DSR stays, CTS and DCD change */
	char c;
	ck_assert_int_eq(read(out_pipe[0], &c, 1), -1);
}
END_TEST

START_TEST(test_fcr_bits)
{
	out(FCR, 0x01);
	ck_assert_uint_eq(in(IIR) & 0xc0, 0xc0);
	feed(5);
	out(FCR, 0x03);                         /* receive FIFO reset */
	ck_assert_uint_eq(in(LSR) & 0x01, 0);
	feed(3);
	ck_assert_uint_eq(in(RBR), 'a');        /* the old bytes are gone */
	out(FCR, 0x05);                         /* transmit FIFO reset: rx kept */
	ck_assert_uint_eq(in(RBR), 'b');

	out(FCR, 0x00);                         /* FIFO off: emptied */
	ck_assert_uint_eq(in(LSR) & 0x01, 0);
	ck_assert_uint_eq(in(IIR) & 0xc0, 0);
	out(FCR, 0xc6);                         /* bit 0 clear: nothing programmed */
	ck_assert_uint_eq(in(IIR) & 0xc0, 0);
	ck_assert_uint_eq(feed(2), 1);

	out(FCR, 0xc1);                         /* enabling empties the receiver */
	ck_assert_uint_eq(in(LSR) & 0x01, 0);
	out(IER, 0x01);
	feed(13);
	ck_assert_uint_eq(in(IIR), 0xcc);       /* trigger 14 */
	feed(1);
	ck_assert_uint_eq(in(IIR), 0xc4);
}
END_TEST

static Suite *uart_suite(void)
{
	Suite *s = suite_create("uart16550");
	TCase *tc = tcase_create("uart");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_registers_and_dlab);
	tcase_add_test(tc, test_wide_access_is_low_byte);
	tcase_add_test(tc, test_transmit);
	tcase_add_test(tc, test_transmit_errors_ignored);
	tcase_add_test(tc, test_fifo_receive_and_overrun);
	tcase_add_test(tc, test_trigger_levels);
	tcase_add_test(tc, test_iir_priorities);
	tcase_add_test(tc, test_thre_interrupt);
	tcase_add_test(tc, test_irq_line_and_out2);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_fcr_bits);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(uart_suite)
