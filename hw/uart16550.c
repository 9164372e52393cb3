/* SPDX-License-Identifier: GPL-3.0-or-later */
/* uart16550.c — a 16550A UART: the register file (THR/RBR, IER, IIR/FCR, LCR,
 * MCR, LSR, MSR, SCR, DLL/DLM), a 16-byte receive FIFO with trigger levels,
 * interrupt identification with the 16550A priorities, loopback, and the PC's
 * OUT2 gate on the IRQ output.
 *
 * Transmission is instant: a byte written to THR goes straight to out_fd with
 * write(2) (errors and EAGAIN are ignored: a slow host terminal loses bytes,
 * it never stalls the guest), so THRE and TEMT are always set and there is no
 * transmit FIFO to model. The baud rate, word length, parity and break are
 * stored but have no effect; no parity/framing errors or breaks are ever
 * received.
 *
 * The character-timeout interrupt is approximate: a real 16550A raises it
 * when data sits below the trigger level for four character times; here it is
 * pending as soon as the FIFO holds data below the trigger level (host input
 * arrives in bursts, so waiting would only add latency).
 *
 * Wider port accesses act as byte accesses of the low byte at the first
 * port. Handlers run with the machine lock held. */
#include "hw/uart16550.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "hw/machine.h"

/* Register offsets from the base port. */
enum {
	REG_DATA = 0,   /* RBR (read), THR (write); DLL when LCR.DLAB */
	REG_IER = 1,    /* DLM when LCR.DLAB */
	REG_IIR = 2,    /* IIR (read), FCR (write) */
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
	UART_PORTS = 8,
};

#define IER_ERBFI 0x01      /* received data available */
#define IER_ETBEI 0x02      /* transmitter holding register empty */
#define IER_ELSI 0x04       /* receiver line status */
#define IER_EDSSI 0x08      /* modem status */
#define IER_MASK 0x0f

#define IIR_NONE 0x01       /* no interrupt pending */
#define IIR_MODEM 0x00
#define IIR_THRE 0x02
#define IIR_RX_DATA 0x04
#define IIR_LINE_STATUS 0x06
#define IIR_RX_TIMEOUT 0x0c
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04
#define FCR_TRIGGER 0xc0

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define UART_FIFO_SIZE 16

struct uart16550 {
	struct device dev;
	struct machine *m;
	uint16_t base;
	int irq;
	int out_fd;
	bool irq_level;         /* what the IRQ line was last set to */

	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm;
	uint8_t fcr;            /* FCR_ENABLE and FCR_TRIGGER as last written */
	bool thre_pending;      /* the THRE interrupt condition (see IIR) */

	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
};

static bool uart_fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned uart_rx_capacity(const struct uart16550 *u)
{
	return uart_fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

static unsigned uart_rx_trigger(const struct uart16550 *u)
{
	static const unsigned levels[4] = { 1, 4, 8, 14 };
	return uart_fifo_enabled(u) ? levels[u->fcr >> 6] : 1;
}

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t uart_pending_interrupt(const struct uart16550 *u)
{
	if ((u->ier & IER_ELSI) && (u->lsr & LSR_ERRORS))
		return IIR_LINE_STATUS;
	if ((u->ier & IER_ERBFI) && u->rx_count > 0)
		return u->rx_count >= uart_rx_trigger(u) ? IIR_RX_DATA : IIR_RX_TIMEOUT;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
		return IIR_MODEM;
	return IIR_NONE;
}

/* On a PC the UART's interrupt output reaches the PIC only when OUT2 is 1. */
static void uart_update_irq(struct uart16550 *u)
{
	bool level = (u->mcr & MCR_OUT2) && uart_pending_interrupt(u) != IIR_NONE;
	if (level != u->irq_level) {
		u->irq_level = level;
		machine_set_irq(u->m, u->irq, level);
	}
}

/* The modem input lines: always DCD, DSR and CTS from the host side; in
 * loopback the MCR outputs are wired back (RTS->CTS, DTR->DSR, OUT1->RI,
 * OUT2->DCD). */
static uint8_t uart_modem_lines(const struct uart16550 *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	uint8_t lines = 0;
	if (u->mcr & MCR_RTS)
		lines |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		lines |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		lines |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		lines |= MSR_DCD;
	return lines;
}

/* Recomputes the MSR lines, accumulating the delta bits. */
static void uart_update_modem_status(struct uart16550 *u)
{
	uint8_t old = u->msr & ~MSR_DELTAS;
	uint8_t now = uart_modem_lines(u);
	uint8_t changed = old ^ now;
	uint8_t delta = u->msr & MSR_DELTAS;
	if (changed & MSR_CTS)
		delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(now & MSR_RI))
		delta |= MSR_TERI;
	if (changed & MSR_DCD)
		delta |= MSR_DDCD;
	u->msr = now | delta;
}

static void uart_rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->lsr &= ~LSR_DR;
}

/* Queues one received byte; false when the FIFO (or the 16450-mode single
 * holding register) is full. */
static bool uart_rx_push(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count >= uart_rx_capacity(u))
		return false;
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	u->lsr |= LSR_DR;
	return true;
}

static uint8_t uart_rx_pop(struct uart16550 *u)
{
	if (u->rx_count == 0)
		return 0;
	uint8_t byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	if (u->rx_count == 0)
		u->lsr &= ~LSR_DR;
	return byte;
}

static void uart_transmit(struct uart16550 *u, uint8_t byte)
{
	/* Writing THR clears the THRE interrupt... */
	u->thre_pending = false;
	uart_update_irq(u);

	if (u->mcr & MCR_LOOP) {
		if (!uart_rx_push(u, byte))
			u->lsr |= LSR_OE;
	} else if (u->out_fd >= 0) {
		ssize_t n;
		do
			n = write(u->out_fd, &byte, 1);
		while (n < 0 && errno == EINTR);
	}

	/* ...and since the byte left at once, THR is empty again. */
	u->lsr |= LSR_THRE | LSR_TEMT;
	u->thre_pending = true;
	uart_update_irq(u);
}

static void uart_write_ier(struct uart16550 *u, uint8_t value)
{
	value &= IER_MASK;
	/* Enabling ETBEI while THR is empty raises THRE at once. */
	if ((value & IER_ETBEI) && !(u->ier & IER_ETBEI))
		u->thre_pending = (u->lsr & LSR_THRE) != 0;
	else if (!(value & IER_ETBEI))
		u->thre_pending = false;
	u->ier = value;
}

static void uart_write_fcr(struct uart16550 *u, uint8_t value)
{
	/* Switching the FIFOs on or off empties them. */
	if ((value ^ u->fcr) & FCR_ENABLE)
		uart_rx_clear(u);
	/* The other bits are only programmed while bit 0 is set. */
	if (!(value & FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (value & FCR_RX_RESET)
		uart_rx_clear(u);
	/* FCR_TX_RESET: the transmit FIFO is always empty. */
	u->fcr = value & (FCR_ENABLE | FCR_TRIGGER);
}

static uint32_t uart_io_read(void *opaque, uint16_t port, int size)
{
	struct uart16550 *u = opaque;
	uint8_t v = 0xff;
	(void)size;

	switch (port - u->base) {
	case REG_DATA:
		v = (u->lcr & LCR_DLAB) ? u->dll : uart_rx_pop(u);
		break;
	case REG_IER:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case REG_IIR: {
		uint8_t id = uart_pending_interrupt(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (id == IIR_THRE)
			u->thre_pending = false;
		v = id | (uart_fifo_enabled(u) ? IIR_FIFO_ON : 0);
		break;
	}
	case REG_LCR:
		v = u->lcr;
		break;
	case REG_MCR:
		v = u->mcr;
		break;
	case REG_LSR:
		v = u->lsr;
		u->lsr &= ~LSR_ERRORS;
		break;
	case REG_MSR:
		v = u->msr;
		u->msr &= ~MSR_DELTAS;
		break;
	case REG_SCR:
		v = u->scr;
		break;
	}
	uart_update_irq(u);
	return v;
}

static void uart_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct uart16550 *u = opaque;
	uint8_t v = value & 0xff;
	(void)size;

	switch (port - u->base) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			uart_transmit(u, v);
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			uart_write_ier(u, v);
		break;
	case REG_IIR:
		uart_write_fcr(u, v);
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		u->mcr = v & MCR_MASK;
		uart_update_modem_status(u);
		break;
	case REG_LSR:   /* factory test only: ignored */
	case REG_MSR:
		break;
	case REG_SCR:
		u->scr = v;
		break;
	}
	uart_update_irq(u);
}

static void uart_reset(struct device *dev)
{
	struct uart16550 *u = (struct uart16550 *)dev;
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->fcr = 0;
	u->scr = 0;
	u->dll = 1;     /* 115200 baud; the divisor is undefined after power-on */
	u->dlm = 0;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = uart_modem_lines(u);
	u->thre_pending = false;
	uart_rx_clear(u);
	uart_update_irq(u);
}

static void uart_destroy(struct device *dev)
{
	free(dev);
}

int uart16550_create(struct machine *m, uint16_t base, int irq, int out_fd,
		     struct uart16550 **out, struct error *err)
{
	struct uart16550 *u = calloc(1, sizeof(*u));
	if (!u)
		return error_set(err, -ENOMEM, "uart16550 at 0x%x: out of memory", base);
	u->dev.name = "uart16550";
	u->dev.reset = uart_reset;
	u->dev.destroy = uart_destroy;
	u->m = m;
	u->base = base;
	u->irq = irq;
	u->out_fd = out_fd;
	int rc = portio_register(&m->io, base, UART_PORTS, uart_io_read, uart_io_write, u,
				 "uart16550", err);
	if (rc < 0) {
		free(u);
		return rc;
	}
	uart_reset(&u->dev);
	machine_add_device(m, &u->dev);
	if (out)
		*out = u;
	return 0;
}

size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	/* In loopback the serial input is disconnected: keep the bytes. */
	if (u->mcr & MCR_LOOP)
		return 0;
	size_t n = 0;
	while (n < len && uart_rx_push(u, buf[n]))
		n++;
	uart_update_irq(u);
	return n;
}
