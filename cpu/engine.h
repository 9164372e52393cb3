/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine.h — the interface every CPU engine (kvm, soft) implements.
 *
 * An engine runs the vCPUs of a machine. It sees the machine's memory map,
 * port bus and interrupt lines, never individual devices. It starts the boot
 * processor from machine->boot_state and the others waiting for a startup
 * IPI. */
#ifndef MORPHEUS_ENGINE_H
#define MORPHEUS_ENGINE_H

#include <stdint.h>
#include <stdio.h>
#include "cpu/cpu_state.h"
#include "hw/error.h"

struct machine;

struct engine_ops {
	const char *name;                    /* "kvm", "soft" */
	/* Creates the vCPUs (machine->cfg.smp of them) and whatever the engine
	 * needs; stores its private data in machine->engine_priv. */
	int (*create)(struct machine *m, struct error *err);
	/* Runs every vCPU until machine_stop() is called (by a device, the
	 * frontend, or the engine itself on shutdown). Returns 0, or a negative
	 * value with err filled when the engine itself failed. */
	int (*run)(struct machine *m, struct error *err);
	/* From any thread: make the vCPUs notice machine->event soon. */
	void (*kick)(struct machine *m);
	int (*get_state)(struct machine *m, int vcpu, struct cpu_state *s, struct error *err);
	int (*set_state)(struct machine *m, int vcpu, const struct cpu_state *s, struct error *err);
	/* Guest RAM [gpa, gpa+len) was written behind the engine's back (by a
	 * loader, a debugger, a test): drop what the engine derived from it
	 * (translated code). May be NULL when the engine keeps nothing. */
	void (*memory_written)(struct machine *m, uint64_t gpa, uint64_t len);
	/* The --stats report of this engine (exits by reason, times...). */
	void (*print_stats)(struct machine *m, FILE *out);
	/* A count that only grows while the guest runs, for a live speed
	 * display (soft: retired instructions; kvm: VM exits). From any
	 * thread, while run() runs too: a relaxed read, maybe slightly stale.
	 * May be NULL. */
	uint64_t (*progress)(struct machine *m);
	void (*destroy)(struct machine *m);
};

extern const struct engine_ops kvm_engine_ops;

#endif
