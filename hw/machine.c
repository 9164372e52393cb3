/* SPDX-License-Identifier: GPL-3.0-or-later */
/* machine.c — creating the machine (RAM, memory map, e820), the device list,
 * locked I/O dispatch for engines, and the run-stop protocol. */
#include "hw/machine.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void e820_add(struct machine *m, uint64_t addr, uint64_t size, uint32_t type)
{
	if (m->e820_count < MACHINE_MAX_E820)
		m->e820[m->e820_count++] = (struct e820_entry){ addr, size, type };
}

/* Guest RAM: one anonymous mapping aligned to 2 MiB, so that guest 2 MiB
 * pages can be backed by host huge pages (transparent, MADV_HUGEPAGE). */
#define RAM_ALIGN (2ull << 20)
static uint8_t *ram_map(uint64_t size)
{
	uint8_t *p = mmap(NULL, size + RAM_ALIGN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uint8_t *ram = (uint8_t *)(((uintptr_t)p + RAM_ALIGN - 1) & ~(uintptr_t)(RAM_ALIGN - 1));
	if (ram > p)
		munmap(p, (size_t)(ram - p));
	munmap(ram + size, (size_t)(p + RAM_ALIGN - ram));
	madvise(ram, size, MADV_HUGEPAGE);
	/* tier 1's compile worker (jit/worker.h) is forked: not with guest RAM */
	madvise(ram, size, MADV_DONTFORK);
	return ram;
}

int machine_create(struct machine *m, const struct machine_config *cfg, struct error *err)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->serial_out_fd = -1;
	m->trace_out = stderr;
	if (cfg->ram_size < (2ull << 20) || cfg->ram_size > MACHINE_MAX_RAM)
		return error_set(err, -EINVAL, "--memory: %" PRIu64 " MiB is outside 2 MiB..%llu GiB",
				 cfg->ram_size >> 20, MACHINE_MAX_RAM >> 30);
	if (cfg->smp < 1 || cfg->smp > MACHINE_MAX_CPUS)
		return error_set(err, -EINVAL, "--smp: %d is outside 1..%d", cfg->smp, MACHINE_MAX_CPUS);

	m->ram_size = cfg->ram_size;
	m->ram = ram_map(m->ram_size);
	if (!m->ram)
		return error_set(err, -ENOMEM, "--memory: cannot map %" PRIu64 " MiB of guest RAM",
				 cfg->ram_size >> 20);

	memmap_init(&m->mem);
	portio_bus_init(&m->io);
	clock_init(&m->clock);
	pthread_mutex_init(&m->lock, NULL);

	m->ram_low = m->ram_size < MACHINE_PCI_HOLE_START ? m->ram_size : MACHINE_PCI_HOLE_START;
	int rc = memmap_add(&m->mem, &(struct mem_region){ .base = 0, .size = m->ram_low,
		.kind = MEM_RAM, .host = m->ram, .name = "ram" }, err);
	if (rc == 0 && m->ram_size > m->ram_low)
		rc = memmap_add(&m->mem, &(struct mem_region){ .base = MACHINE_HIGH_RAM_START,
			.size = m->ram_size - m->ram_low, .kind = MEM_RAM,
			.host = m->ram + m->ram_low, .name = "ram-high" }, err);
	if (rc < 0) {
		machine_destroy(m);
		return rc;
	}

	/* Conventional memory, the EBDA/VGA/BIOS hole, then extended memory. */
	e820_add(m, 0, 0x9fc00, E820_RAM);
	e820_add(m, 0x9fc00, 0x400, E820_RESERVED);
	e820_add(m, 0xf0000, 0x10000, E820_RESERVED);
	e820_add(m, 0x100000, m->ram_low - 0x100000, E820_RAM);
	if (m->ram_size > m->ram_low)
		e820_add(m, MACHINE_HIGH_RAM_START, m->ram_size - m->ram_low, E820_RAM);
	return 0;
}

void machine_destroy(struct machine *m)
{
	struct device *d = m->devices;
	while (d) {
		struct device *next = d->next;
		if (d->destroy)
			d->destroy(d);
		d = next;
	}
	m->devices = NULL;
	memmap_destroy(&m->mem);
	portio_bus_destroy(&m->io);
	if (m->ram)
		munmap(m->ram, m->ram_size);
	m->ram = NULL;
	pthread_mutex_destroy(&m->lock);
}

void machine_add_device(struct machine *m, struct device *dev)
{
	struct device **p = &m->devices;
	while (*p)
		p = &(*p)->next;
	dev->next = NULL;
	*p = dev;
}

void machine_reset_devices(struct machine *m)
{
	for (struct device *d = m->devices; d; d = d->next)
		if (d->reset)
			d->reset(d);
}

uint8_t *machine_ram_ptr(struct machine *m, uint64_t gpa, uint64_t len)
{
	const struct mem_region *r = memmap_find(&m->mem, gpa);
	if (!r || r->kind != MEM_RAM || len > r->size - (gpa - r->base))
		return NULL;
	return r->host + (gpa - r->base);
}

void machine_set_irq(struct machine *m, int line, int level)
{
	if (m->irq.set_level)
		m->irq.set_level(m->irq.opaque, line, level);
}

void machine_stop(struct machine *m, enum machine_event event)
{
	int expected = MACHINE_RUNNING;
	atomic_compare_exchange_strong(&m->event, &expected, (int)event);
	if (m->engine && m->engine->kick && m->engine_priv)
		m->engine->kick(m);
}

int machine_exit_status(const struct machine *m)
{
	switch ((enum machine_event)m->event) {
	case MACHINE_RUNNING:
	case MACHINE_POWEROFF:
	case MACHINE_RESET:
	case MACHINE_QUIT:
		return 0;
	case MACHINE_DEBUG_EXIT:
		return (int)(((m->debug_exit_value << 1) | 1) & 0xff);
	case MACHINE_TIMEOUT:
		return 124;
	case MACHINE_ERROR:
		return 2;
	}
	return 2;
}

uint32_t machine_io_read(struct machine *m, uint16_t port, int size)
{
	pthread_mutex_lock(&m->lock);
	uint32_t v = portio_read(&m->io, port, size);
	if (m->cfg.trace & TRACE_IO)
		machine_trace(m, "io", "in%c  0x%04x -> 0x%0*x", "?bw?l"[size], port, size * 2, v);
	pthread_mutex_unlock(&m->lock);
	return v;
}

void machine_io_write(struct machine *m, uint16_t port, int size, uint32_t value)
{
	pthread_mutex_lock(&m->lock);
	if (m->cfg.trace & TRACE_IO)
		machine_trace(m, "io", "out%c 0x%04x <- 0x%0*x", "?bw?l"[size], port, size * 2, value);
	portio_write(&m->io, port, size, value);
	pthread_mutex_unlock(&m->lock);
}

uint64_t machine_mmio_read(struct machine *m, uint64_t addr, int size)
{
	pthread_mutex_lock(&m->lock);
	uint64_t v = memmap_mmio_read(&m->mem, addr, size);
	pthread_mutex_unlock(&m->lock);
	return v;
}

void machine_mmio_write(struct machine *m, uint64_t addr, int size, uint64_t value)
{
	pthread_mutex_lock(&m->lock);
	memmap_mmio_write(&m->mem, addr, size, value);
	pthread_mutex_unlock(&m->lock);
}

void machine_trace(struct machine *m, const char *category, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(m->trace_out ? m->trace_out : stderr, "[%s] %s\n", category, line);
}
