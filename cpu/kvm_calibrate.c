/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvm_calibrate.c — kvm_probe(): does /dev/kvm work here, and how fast does
 * it run supervisor code?
 *
 * "Works" means a VM can be created (we never read /proc/cpuinfo). "How
 * fast" is measured: a tiny VM (2 MiB of RAM, no devices, no irqchip) runs
 * the calibration guest (roms/calibrate.asm) directly in 64-bit long mode,
 * first at CPL 0 and then at CPL 3. The guest brackets each timed loop with
 * writes to an MMIO address and the host timestamps those exits (MMIO, not
 * port I/O: kvm_pvm forces IOPL 0 at CPL 3, see calibrate.asm). Loop counts
 * start at CAL_FIRST_COUNT and grow (at most tenfold a step) until one loop
 * takes CAL_MIN_LOOP_NS, so that the whole probe costs a few milliseconds
 * both where CPL 0 runs natively and where it is emulated ~1,600x slower.
 *
 * supervisor_fast is cpl0_ips >= CAL_FAST_RATIO * cpl3_ips. With hardware
 * virtualization both run the same loop at the same speed (ratio ~1); a
 * software hypervisor that emulates CPL 0 gives a ratio around 1/1000. A
 * quarter leaves room for noise and turbo effects on one side and is still
 * far above anything an emulator reaches on the other.
 *
 * It does not cache results across runs; callers decide when to probe. */
#include "cpu/kvm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu/kvm_internal.h"
#include "hw/clock.h"
#include "roms/blobs.h"

/* Guest-physical layout of the calibration VM (matches calibrate.asm). */
#define CAL_RAM_SIZE (2u << 20)
#define CAL_GDT 0x1000u
#define CAL_PML4 0x2000u
#define CAL_PDPT 0x3000u
#define CAL_PD 0x4000u
#define CAL_STACK 0x8000u
#define CAL_LOAD 0x10000u
/* The protocol with the guest (calibrate.asm): the page right after RAM. */
#define CAL_MMIO CAL_RAM_SIZE
#define CAL_START 1
#define CAL_STOP 2
#define CAL_DONE 3

#define CAL_FIRST_COUNT 1000u
#define CAL_MAX_COUNT 1000000000u
#define CAL_MIN_LOOP_NS 2000000u          /* 2 ms */
#define CAL_INSNS_PER_ITERATION 2.0       /* DEC ECX; JNZ */
#define CAL_FAST_RATIO 0.25
#define CAL_TIME_LIMIT_NS 900000000u      /* give up after 0.9 s */

struct calibration {
	int phase;              /* 0: CPL 0, 1: CPL 3 */
	bool phase_measured;    /* the next count read ends the phase */
	uint32_t count;         /* iterations of the next loop */
	uint64_t loop_start;
	double ips[2];
};

/* Page tables mapping the first 4 MiB (user-accessible): RAM, then the
 * MMIO area that has no slot. A GDT: 0x10 64-bit code, 0x18 data, 0x20 user
 * data, 0x28 user 64-bit code. And the guest itself. */
static void calibration_build_memory(uint8_t *ram)
{
	enum { P = 1, RW = 2, US = 4, PS = 0x80 };
	uint64_t pml4 = CAL_PDPT | P | RW | US, pdpt = CAL_PD | P | RW | US;
	uint64_t pd[2] = { 0 | P | RW | US | PS, CAL_MMIO | P | RW | US | PS };
	memcpy(ram + CAL_PML4, &pml4, 8);
	memcpy(ram + CAL_PDPT, &pdpt, 8);
	memcpy(ram + CAL_PD, pd, sizeof(pd));
	const uint64_t gdt[6] = {
		0, 0,
		0x00af9b000000ffffull,  /* 0x10: code, DPL 0, L */
		0x00cf93000000ffffull,  /* 0x18: data, DPL 0 */
		0x00cff3000000ffffull,  /* 0x20: data, DPL 3 */
		0x00affb000000ffffull,  /* 0x28: code, DPL 3, L */
	};
	memcpy(ram + CAL_GDT, gdt, sizeof(gdt));
	memcpy(ram + CAL_LOAD, rom_calibrate_start, (size_t)(rom_calibrate_end - rom_calibrate_start));
}

/* Answers one exit of the calibration guest. Returns 1 when the guest is
 * done, 0 to go on, negative on a protocol error. */
static int calibration_step(struct calibration *c, struct kvm_run *run, uint64_t now)
{
	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.phys_addr != CAL_MMIO)
		return -EPROTO;
	uint8_t *data = run->mmio.data;
	if (!run->mmio.is_write) {
		if (run->mmio.len != 4 || c->phase > 1)
			return -EPROTO;
		uint32_t count = c->count;
		if (c->phase_measured) {        /* end this phase; the next starts small */
			count = 0;
			c->phase_measured = false;
			c->phase++;
			c->count = CAL_FIRST_COUNT;
		}
		memcpy(data, &count, 4);
		return 0;
	}
	if (run->mmio.len != 1)
		return -EPROTO;
	switch (data[0]) {
	case CAL_START:
		c->loop_start = now;
		return 0;
	case CAL_STOP: {
		if (c->phase > 1)
			return -EPROTO;
		uint64_t took = now - c->loop_start;
		if (took >= CAL_MIN_LOOP_NS || (took && c->count >= CAL_MAX_COUNT / 10)) {
			c->ips[c->phase] = c->count * CAL_INSNS_PER_ITERATION * 1e9 / (double)took;
			c->phase_measured = true;
		} else {
			/* Aim a little above the minimum, growing 2x to 10x a step. */
			double factor = took ? 1.25 * CAL_MIN_LOOP_NS / (double)took : 10.0;
			factor = factor < 2.0 ? 2.0 : factor > 10.0 ? 10.0 : factor;
			double next = c->count * factor;
			c->count = next < CAL_MAX_COUNT ? (uint32_t)next : CAL_MAX_COUNT;
		}
		return 0;
	}
	case CAL_DONE:
		return c->phase == 2 ? 1 : -EPROTO;
	default:
		return -EPROTO;
	}
}

static int calibration_run(struct kvm_probe *p, int dev_fd, int vm_fd, struct error *err)
{
	size_t rom_size = (size_t)(rom_calibrate_end - rom_calibrate_start);
	if (rom_size == 0 || rom_size > CAL_RAM_SIZE - CAL_LOAD)
		return error_set(err, -EINVAL, "calibration guest: bad image size %zu", rom_size);

	int rc = 0, vcpu_fd = -1;
	struct kvm_run *run = NULL;
	struct kvm_cpuid2 *cpuid = NULL;
	int run_size = ioctl(dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	uint8_t *ram = mmap(NULL, CAL_RAM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		return error_set(err, -ENOMEM, "calibration: cannot map guest RAM");
	if (run_size < (int)sizeof(struct kvm_run)) {
		rc = error_set(err, -EIO, "KVM_GET_VCPU_MMAP_SIZE: %d", run_size);
		goto out;
	}
	calibration_build_memory(ram);

	struct kvm_userspace_memory_region slot = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = CAL_RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		rc = error_set(err, -errno, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto out;
	}
	if ((rc = kvm_vcpu_open(vm_fd, 0, (size_t)run_size, &vcpu_fd, &run, err)) < 0)
		goto out;
	if (!(cpuid = kvm_get_supported_cpuid(dev_fd, err))) {
		rc = err->code;
		goto out;
	}
	if ((rc = kvm_vcpu_set_cpuid(vcpu_fd, cpuid, 0, err)) < 0)
		goto out;

	struct cpu_state s;
	cpu_state_set_long64(&s, CAL_LOAD, CAL_PML4);
	s.gdt = (struct cpu_dtable){ .base = CAL_GDT, .limit = 6 * 8 - 1 };
	s.gpr[CPU_RSP] = CAL_STACK;
	if ((rc = kvm_vcpu_set_state(vcpu_fd, &s, err)) < 0) {
		error_prefix(err, "calibration: long mode");
		goto out;
	}

	struct calibration c = { .count = CAL_FIRST_COUNT };
	uint64_t began = host_time_ns();
	for (;;) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			rc = error_set(err, -errno, "calibration: KVM_RUN: %s", strerror(errno));
			break;
		}
		uint64_t now = host_time_ns();
		int step = calibration_step(&c, run, now);
		if (step == 1)
			break;
		if (step < 0) {
			struct kvm_regs r = { 0 };
			ioctl(vcpu_fd, KVM_GET_REGS, &r);
			rc = error_set(err, step, "calibration guest: unexpected exit %s at CPL %d, RIP 0x%llx",
				       kvm_exit_name(run->exit_reason), c.phase ? 3 : 0,
				       (unsigned long long)r.rip);
			break;
		}
		if (now - began > CAL_TIME_LIMIT_NS) {
			rc = error_set(err, -ETIMEDOUT, "calibration guest: no result after %u ms",
				       CAL_TIME_LIMIT_NS / 1000000);
			break;
		}
	}
	if (rc == 0) {
		p->calibrated = true;
		p->cpl0_ips = c.ips[0];
		p->cpl3_ips = c.ips[1];
		p->supervisor_fast = c.ips[0] >= CAL_FAST_RATIO * c.ips[1];
	}
out:
	free(cpuid);
	if (run)
		munmap(run, (size_t)run_size);
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	munmap(ram, CAL_RAM_SIZE);
	return rc;
}

/* reason is shorter than an error message: keep its start. */
static void probe_set_reason(struct kvm_probe *p, const char *prefix, const struct error *err)
{
	snprintf(p->reason, sizeof(p->reason), "%s%.*s", prefix,
		 (int)(sizeof(p->reason) - 1 - strlen(prefix)), err->msg);
}

void kvm_probe(struct kvm_probe *p, bool calibrate)
{
	struct error err = { 0 };
	memset(p, 0, sizeof(*p));
	int dev_fd = kvm_open_device(&err);
	if (dev_fd < 0) {
		probe_set_reason(p, "", &err);
		return;
	}
	int vm_fd = kvm_create_vm(dev_fd, &err);
	if (vm_fd < 0) {
		probe_set_reason(p, "", &err);
		close(dev_fd);
		return;
	}
	p->usable = true;
	/* When the calibration fails, kvm still works: reason says why its
	 * speed is unknown, and supervisor_fast stays false. */
	if (calibrate && calibration_run(p, dev_fd, vm_fd, &err) < 0)
		probe_set_reason(p, "kvm calibration failed: ", &err);
	close(vm_fd);
	close(dev_fd);
}
