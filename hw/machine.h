/* SPDX-License-Identifier: GPL-3.0-or-later */
/* machine.h — the machine: guest RAM, memory map, port bus, IRQ lines,
 * clock, devices, boot state and run state. All mutable state of a run hangs
 * off `struct machine`; there is no other global mutable state.
 *
 * Threads: vCPU threads and the frontend's event loop share a machine. Every
 * device access (port I/O, MMIO, timers, host input) happens with
 * machine->lock held; devices therefore need no locking of their own. */
#ifndef MORPHEUS_MACHINE_H
#define MORPHEUS_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu_state.h"
#include "cpu/engine.h"
#include "hw/clock.h"
#include "hw/display.h"
#include "hw/error.h"
#include "hw/memmap.h"
#include "hw/portio.h"

/* Guest-physical layout. RAM below 4 GiB stops at the PCI hole. */
#define MACHINE_PCI_HOLE_START 0xc0000000ull
#define MACHINE_HIGH_RAM_START 0x100000000ull
#define MACHINE_MAX_RAM (64ull << 30)
#define MACHINE_MAX_CPUS 64

/* --trace categories */
enum {
	TRACE_POST = 1 << 0,   /* port 0x80 POST codes */
	TRACE_IO = 1 << 1,     /* every port access */
	TRACE_EXIT = 1 << 2,   /* every engine exit (VM exit) */
	TRACE_IN_ASM = 1 << 3, /* soft: each translated block's guest code */
	TRACE_IR = 1 << 4,     /* soft: each translated block's IR */
	TRACE_EXEC = 1 << 5,   /* soft: each executed block's address */
};

enum on_reset { ON_RESET_EXIT, ON_RESET_RESTART };

/* Why a run stopped; the first reason reported wins. */
enum machine_event {
	MACHINE_RUNNING = 0,
	MACHINE_POWEROFF,      /* guest powered off: exit status 0 */
	MACHINE_RESET,         /* guest reset (keyboard controller, port 0x92, triple fault) */
	MACHINE_DEBUG_EXIT,    /* write of v to the debug-exit port: status (v<<1)|1 */
	MACHINE_TIMEOUT,       /* --timeout: status 124 */
	MACHINE_QUIT,          /* the user quit (Ctrl-A x): status 0 */
	MACHINE_ERROR,         /* the engine could not go on: status 2 */
};

struct machine_config {
	uint64_t ram_size;     /* bytes */
	int smp;               /* vCPUs */
	enum on_reset on_reset;
	unsigned trace;        /* TRACE_* */
	bool verbose;
	bool stats;
	bool stop_on_hlt;      /* test runners: HLT ends the run (MACHINE_POWEROFF); soft engine only */
	bool bare_cpu;         /* test runners: no interrupt controllers or PIT (soft engine only) */
	bool framebuffer;      /* --vga fb: add the linear framebuffer (hw/fb.h) */
	uint8_t jit;           /* soft engine: --jit, enum jit_tier of jit/gccjit.h (0 = off) */
	uint32_t jit_cache_bytes;   /* soft engine: code cache size (0: JIT_CACHE_DEFAULT_BYTES); tests */
	/* soft engine, --tsc retired: the TSC counts retired instructions
	 * (repeatable); else it is the host's clock at 1 GHz */
	bool tsc_retired;
};

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;         /* E820_RAM, E820_RESERVED */
};
#define E820_RAM 1
#define E820_RESERVED 2
#define MACHINE_MAX_E820 8

/* A device: one file in hw/, embedding this as its first member. */
struct device {
	const char *name;
	void (*reset)(struct device *dev);     /* machine reset (may be NULL) */
	void (*destroy)(struct device *dev);   /* frees the device (may be NULL) */
	struct device *next;
};

/* Where interrupt lines go: installed by the engine (KVM's in-kernel
 * irqchip; the soft engine's PIC/APIC model). */
struct irq_sink {
	void (*set_level)(void *opaque, int line, int level);
	void *opaque;
};

struct machine {
	struct machine_config cfg;

	uint8_t *ram;          /* one host mapping of all guest RAM */
	uint64_t ram_size;
	uint64_t ram_low;      /* bytes of RAM mapped at 0 (below the PCI hole) */
	struct memmap mem;
	struct portio_bus io;
	struct clock clock;
	struct irq_sink irq;
	struct device *devices;
	struct e820_entry e820[MACHINE_MAX_E820];
	int e820_count;

	struct cpu_state boot_state;   /* the BSP's first state, set by a loader */
	uint64_t boot_state_set;       /* nonzero once a loader set it */

	pthread_mutex_t lock;          /* serializes every device access */

	_Atomic int event;             /* enum machine_event */
	uint32_t debug_exit_value;     /* v written to the debug-exit port */
	struct error run_error;        /* MACHINE_ERROR: what went wrong */

	const struct engine_ops *engine;
	void *engine_priv;
	const char *engine_name;       /* as the user should see it */

	int serial_out_fd;             /* where COM1 output goes, -1 = nowhere */
	struct uart16550 *com1;        /* for host input */
	struct i8042 *i8042;           /* for host keyboard input */
	struct vga *vga;               /* VGA text mode, for the renderer (NULL: none) */
	struct fb *fb;                 /* the linear framebuffer (NULL: none) */
	struct intc *intc;             /* user-space interrupt controllers (hw/intc.h), NULL with KVM's */
	struct display_info display;   /* what firmware would tell the OS (hw/display.h) */
	FILE *trace_out;               /* --trace output (stderr) */
};

/* Maps guest RAM and builds the memory map and the e820 table. */
int machine_create(struct machine *m, const struct machine_config *cfg, struct error *err);
void machine_destroy(struct machine *m);
void machine_add_device(struct machine *m, struct device *dev);
/* Resets every device (for --on-reset restart); RAM is left to the loader. */
void machine_reset_devices(struct machine *m);

/* Host pointer to guest-physical RAM [gpa, gpa+len), NULL if not all RAM. */
uint8_t *machine_ram_ptr(struct machine *m, uint64_t gpa, uint64_t len);

/* Raise or lower an interrupt line (ISA IRQ numbers). Lock held. */
void machine_set_irq(struct machine *m, int line, int level);

/* Ends the run (first caller wins) and kicks the engine. Any thread. */
void machine_stop(struct machine *m, enum machine_event event);
/* The exit status of a finished run (the harness contract, see --help). */
int machine_exit_status(const struct machine *m);

/* Port and MMIO dispatch for engines: take the lock, trace, dispatch. */
uint32_t machine_io_read(struct machine *m, uint16_t port, int size);
void machine_io_write(struct machine *m, uint16_t port, int size, uint32_t value);
uint64_t machine_mmio_read(struct machine *m, uint64_t addr, int size);
void machine_mmio_write(struct machine *m, uint64_t addr, int size, uint64_t value);

/* One line of --trace output: "[category] message". */
void machine_trace(struct machine *m, const char *category, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
