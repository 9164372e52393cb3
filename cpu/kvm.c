/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvm.c — the kvm engine: runs the machine's vCPUs with /dev/kvm.
 *
 * One VM with the in-kernel PIC, IOAPIC, LAPICs and PIT; guest RAM in memory
 * slots (MMIO regions are left out, so accesses to them exit); CPUID from
 * KVM_GET_SUPPORTED_CPUID; one host thread per vCPU, each looping on KVM_RUN
 * and dispatching port and MMIO exits to the machine's buses. The BSP starts
 * from machine->boot_state; the APs wait for INIT/SIPI in the in-kernel LAPIC.
 * It does not emulate anything itself, knows no device, and does not write
 * the MP table (hw/mptable.c, written with the board by the frontend) that
 * tells the guest about the CPUs and the routing below.
 *
 * Interrupt routing: KVM's default routes GSI 0 to IOAPIC pin 0; we install
 * the PC routing instead (ISA IRQ 0, the PIT, on IOAPIC pin 2; the others on
 * the pin of the same number; every ISA IRQ also on the 8259s), which is what
 * the MP table (hw/mptable.c) tells the guest.
 *
 * Kicking: kvm_kick() sets kvm_run.immediate_exit on every vCPU and sends
 * KVM_KICK_SIGNAL (a handler that does nothing, installed without SA_RESTART)
 * to each vCPU thread. A kick that arrives before a thread enters KVM_RUN is
 * not lost: immediate_exit makes that KVM_RUN return EINTR at once, and the
 * thread then sees machine->event.
 *
 * What /dev/kvm does on the development machines (kvm_pvm, a software
 * hypervisor without VT-x; Linux 6.18), found by experiment:
 * - API 12; every capability above is present (and READONLY_MEM); KVM
 *   recommends 2 vCPUs and allows 1024.
 * - KVM_CREATE_VM, KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR,
 *   KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2 and KVM_SET_GSI_ROUTING succeed.
 *   create() takes 5-12 ms, most of it in KVM_SET_USER_MEMORY_REGION
 *   (4-9 ms whatever the size) and sometimes KVM_CREATE_PIT2 (up to 4 ms).
 * - Real mode runs, from KVM's reset state or any CS:IP we set, and so does
 *   32-bit protected mode; both at CPL 0, emulated at ~1.7e6 instructions/s.
 *   A port exit round trip costs 10-20 us.
 * - Entering 64-bit long mode directly through KVM_SET_SREGS works. CPL 0
 *   there is emulated at the same speed; CPL 3 runs natively (~8e9
 *   instructions/s for a DEC/JNZ loop). See kvm_calibrate.c.
 * - Real-mode interrupts work (8259 -> IVT, woken from HLT). In protected and
 *   long mode, interrupt and exception delivery through the IDT does not:
 *   INT n in 32-bit mode is an emulation failure (KVM_EXIT_INTERNAL_ERROR),
 *   and an IOAPIC interrupt, an exception or SYSCALL in 64-bit mode (at CPL
 *   0 or 3) becomes a triple fault (KVM_EXIT_SHUTDOWN). kvm_pvm delivers
 *   events to PVM-aware guest kernels only. So on these machines a
 *   protected-mode guest cannot take interrupts, and CPL 3 cannot get back
 *   to CPL 0 (except by triple-faulting).
 * - At CPL 3, RFLAGS.IOPL reads 0 whatever IRETQ loaded, so IN/OUT under
 *   IOPL 3 fault (here: triple fault); the TSS I/O permission bitmap does
 *   let CPL 3 use ports (tests/guests/long64_user.asm). MMIO (an access to
 *   guest-physical memory with no slot) exits to us at any CPL.
 * - A real-mode triple fault (INT with IDTR.limit 0) is not detected: the
 *   emulator vectors through the IVT anyway.
 * - INIT/SIPI through the in-kernel LAPIC start an AP (in real mode at the
 *   SIPI vector) once the sender's LAPIC is software-enabled (SVR bit 8, as
 *   every OS does); from a software-disabled LAPIC they are not delivered.
 */
#include "cpu/kvm.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu/kvm_internal.h"
#include "hw/machine.h"

/* The signal that knocks a vCPU thread out of KVM_RUN. */
#define KVM_KICK_SIGNAL SIGUSR1

/* Exit reasons below this are counted one by one, the rest together. */
#define KVM_STAT_REASONS 40
/* Ports counted one by one per vCPU; the rest are "other". */
#define KVM_STAT_PORTS 16
/* Ports shown by --stats. */
#define KVM_STAT_TOP_PORTS 8

struct kvm_stat {
	uint64_t count, ns;
};

struct kvm_port_stat {
	uint16_t port;
	struct kvm_stat stat;
};

/* Statistics of one vCPU, written only by its own thread. */
struct kvm_vcpu_stats {
	struct kvm_stat exits[KVM_STAT_REASONS + 1];   /* handling time by exit reason */
	struct kvm_port_stat ports[KVM_STAT_PORTS];    /* IO exits by port */
	int nr_ports;
	struct kvm_stat other_ports;
	struct kvm_stat in_guest;                      /* KVM_RUN calls, time inside them */
};

struct kvm_engine;

struct kvm_vcpu {
	struct kvm_engine *kvm;
	struct machine *m;
	int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_live;              /* under kvm->kick_lock */
	struct kvm_vcpu_stats stats;
};

struct kvm_engine {
	int dev_fd, vm_fd;
	size_t run_size;
	int nr_vcpus;
	struct kvm_vcpu *vcpus;
	pthread_mutex_t kick_lock;     /* guards vcpus[].thread_live */
};

/* ---- shared with kvm_calibrate.c ---- */

static const struct {
	int cap;
	const char *name;
} kvm_required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS" },
};

int kvm_open_device(struct error *err)
{
	int fd = open(KVM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, -errno, "%s: %s", KVM_DEVICE_PATH, strerror(errno));
	int version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		close(fd);
		return error_set(err, -ENOTSUP, "%s: KVM API version %d, morpheus needs %d",
				 KVM_DEVICE_PATH, version, KVM_API_VERSION);
	}
	for (size_t i = 0; i < sizeof(kvm_required_caps) / sizeof(kvm_required_caps[0]); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <= 0) {
			close(fd);
			return error_set(err, -ENOTSUP, "%s: missing capability %s",
					 KVM_DEVICE_PATH, kvm_required_caps[i].name);
		}
	}
	return fd;
}

int kvm_create_vm(int dev_fd, struct error *err)
{
	int vm = ioctl(dev_fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		return error_set(err, -errno, "KVM_CREATE_VM: %s", strerror(errno));
	uint64_t identity_map = KVM_IDENTITY_MAP_ADDR;
	if (ioctl(vm, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0 ||
	    ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity_map) < 0) {
		int e = errno;
		close(vm);
		return error_set(err, -e, "KVM_SET_TSS_ADDR: %s", strerror(e));
	}
	return vm;
}

struct kvm_cpuid2 *kvm_get_supported_cpuid(int dev_fd, struct error *err)
{
	for (uint32_t nent = 128; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c) {
			error_set(err, -ENOMEM, "KVM_GET_SUPPORTED_CPUID: out of memory");
			return NULL;
		}
		c->nent = nent;
		if (ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		int e = errno;
		free(c);
		if (e != E2BIG) {
			error_set(err, -e, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
			return NULL;
		}
	}
	error_set(err, -E2BIG, "KVM_GET_SUPPORTED_CPUID: table too large");
	return NULL;
}

int kvm_vcpu_set_cpuid(int vcpu_fd, const struct kvm_cpuid2 *supported, uint32_t apic_id,
		       struct error *err)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (supported->nent + 1) * sizeof(c->entries[0]));
	if (!c)
		return error_set(err, -ENOMEM, "KVM_SET_CPUID2: out of memory");
	for (uint32_t i = 0; i < supported->nent; i++) {
		struct kvm_cpuid_entry2 e = supported->entries[i];
		if (e.function >= 0x40000000 && e.function <= 0x4fffffff)
			continue;       /* other hypervisor leaves: ours replaces them */
		if (e.function == 1) {
			e.ebx = (e.ebx & 0x00ffffff) | (apic_id << 24);
			e.ecx |= 1u << 31;              /* running under a hypervisor */
		} else if (e.function == 0xb || e.function == 0x1f) {
			e.edx = apic_id;                /* x2APIC ID */
		} else if (e.function >= 0x80000002 && e.function <= 0x80000004 &&
			   !(e.eax | e.ebx | e.ecx | e.edx)) {
			/* KVM may leave the brand string empty: the host's. */
			__cpuid(e.function, e.eax, e.ebx, e.ecx, e.edx);
		}
		c->entries[c->nent++] = e;
	}
	struct kvm_cpuid_entry2 hv = { .function = 0x40000000, .eax = 0x40000000 };
	memcpy(&hv.ebx, KVM_HYPERVISOR_SIGNATURE, 4);
	memcpy(&hv.ecx, KVM_HYPERVISOR_SIGNATURE + 4, 4);
	memcpy(&hv.edx, KVM_HYPERVISOR_SIGNATURE + 8, 4);
	c->entries[c->nent++] = hv;
	int rc = ioctl(vcpu_fd, KVM_SET_CPUID2, c);
	int e = errno;
	free(c);
	if (rc < 0)
		return error_set(err, -e, "KVM_SET_CPUID2: %s", strerror(e));
	return 0;
}

int kvm_vcpu_open(int vm_fd, int index, size_t run_size, int *vcpu_fd, struct kvm_run **run,
		  struct error *err)
{
	int fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (fd < 0)
		return error_set(err, -errno, "KVM_CREATE_VCPU %d: %s", index, strerror(errno));
	void *p = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		close(fd);
		return error_set(err, -e, "mmap of vCPU %d: %s", index, strerror(e));
	}
	*vcpu_fd = fd;
	*run = p;
	return 0;
}

static void segment_to_kvm(const struct cpu_segment *s, struct kvm_segment *k)
{
	*k = (struct kvm_segment){
		.base = s->base, .limit = s->limit, .selector = s->selector, .type = s->type,
		.present = s->present, .dpl = s->dpl, .db = s->db, .s = s->s, .l = s->l,
		.g = s->g, .avl = s->avl, .unusable = s->unusable,
	};
}

static void segment_from_kvm(const struct kvm_segment *k, struct cpu_segment *s)
{
	*s = (struct cpu_segment){
		.base = k->base, .limit = k->limit, .selector = k->selector, .type = k->type,
		.s = k->s, .dpl = k->dpl, .present = k->present, .db = k->db, .l = k->l,
		.g = k->g, .avl = k->avl, .unusable = k->unusable,
	};
}

/* cpu_state's segment order (enum cpu_seg) to kvm_sregs fields. */
static struct kvm_segment *sregs_segment(struct kvm_sregs *sr, int seg)
{
	switch (seg) {
	case SEG_ES: return &sr->es;
	case SEG_CS: return &sr->cs;
	case SEG_SS: return &sr->ss;
	case SEG_DS: return &sr->ds;
	case SEG_FS: return &sr->fs;
	case SEG_GS: return &sr->gs;
	case SEG_LDTR: return &sr->ldt;
	default: return &sr->tr;
	}
}

int kvm_vcpu_get_state(int vcpu_fd, struct cpu_state *s, struct error *err)
{
	struct kvm_regs r;
	struct kvm_sregs sr;
	struct kvm_debugregs d;
	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0)
		return error_set(err, -errno, "KVM_GET_REGS: %s", strerror(errno));
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return error_set(err, -errno, "KVM_GET_SREGS: %s", strerror(errno));
	if (ioctl(vcpu_fd, KVM_GET_DEBUGREGS, &d) < 0)
		return error_set(err, -errno, "KVM_GET_DEBUGREGS: %s", strerror(errno));

	memset(s, 0, sizeof(*s));
	const uint64_t gpr[CPU_NR_GPRS] = {
		r.rax, r.rcx, r.rdx, r.rbx, r.rsp, r.rbp, r.rsi, r.rdi,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
	};
	memcpy(s->gpr, gpr, sizeof(gpr));
	s->rip = r.rip;
	s->rflags = r.rflags;
	for (int i = 0; i < CPU_NR_SEGS; i++)
		segment_from_kvm(sregs_segment(&sr, i), &s->seg[i]);
	s->gdt = (struct cpu_dtable){ sr.gdt.base, sr.gdt.limit };
	s->idt = (struct cpu_dtable){ sr.idt.base, sr.idt.limit };
	s->cr0 = sr.cr0;
	s->cr2 = sr.cr2;
	s->cr3 = sr.cr3;
	s->cr4 = sr.cr4;
	s->cr8 = sr.cr8;
	s->efer = sr.efer;
	s->apic_base = sr.apic_base;
	for (int i = 0; i < 4; i++)
		s->dr[i] = d.db[i];
	s->dr[6] = d.dr6;
	s->dr[7] = d.dr7;
	return 0;
}

int kvm_vcpu_set_state(int vcpu_fd, const struct cpu_state *s, struct error *err)
{
	struct kvm_sregs sr;
	/* Start from KVM's sregs to keep what cpu_state does not hold (the
	 * pending-interrupt bitmap). */
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return error_set(err, -errno, "KVM_GET_SREGS: %s", strerror(errno));
	for (int i = 0; i < CPU_NR_SEGS; i++)
		segment_to_kvm(&s->seg[i], sregs_segment(&sr, i));
	sr.gdt = (struct kvm_dtable){ .base = s->gdt.base, .limit = s->gdt.limit };
	sr.idt = (struct kvm_dtable){ .base = s->idt.base, .limit = s->idt.limit };
	sr.cr0 = s->cr0;
	sr.cr2 = s->cr2;
	sr.cr3 = s->cr3;
	sr.cr4 = s->cr4;
	sr.cr8 = s->cr8;
	sr.efer = s->efer;
	if (s->apic_base)
		sr.apic_base = s->apic_base;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0)
		return error_set(err, -errno, "KVM_SET_SREGS: %s", strerror(errno));

	const uint64_t *g = s->gpr;
	struct kvm_regs r = {
		.rax = g[CPU_RAX], .rcx = g[CPU_RCX], .rdx = g[CPU_RDX], .rbx = g[CPU_RBX],
		.rsp = g[CPU_RSP], .rbp = g[CPU_RBP], .rsi = g[CPU_RSI], .rdi = g[CPU_RDI],
		.r8 = g[CPU_R8], .r9 = g[CPU_R9], .r10 = g[CPU_R10], .r11 = g[CPU_R11],
		.r12 = g[CPU_R12], .r13 = g[CPU_R13], .r14 = g[CPU_R14], .r15 = g[CPU_R15],
		.rip = s->rip, .rflags = s->rflags | RFLAGS_FIXED,
	};
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0)
		return error_set(err, -errno, "KVM_SET_REGS: %s", strerror(errno));

	struct kvm_debugregs d = { .dr6 = s->dr[6], .dr7 = s->dr[7] };
	for (int i = 0; i < 4; i++)
		d.db[i] = s->dr[i];
	if (ioctl(vcpu_fd, KVM_SET_DEBUGREGS, &d) < 0)
		return error_set(err, -errno, "KVM_SET_DEBUGREGS: %s", strerror(errno));
	return 0;
}

const char *kvm_exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
		[KVM_EXIT_HYPERV] = "HYPERV",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
		[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
		[KVM_EXIT_AP_RESET_HOLD] = "AP_RESET_HOLD",
		[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
		[KVM_EXIT_XEN] = "XEN",
		[KVM_EXIT_NOTIFY] = "NOTIFY",
	};
	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}

/* ---- the engine ---- */

static struct kvm_engine *kvm_of(struct machine *m)
{
	return m->engine_priv;
}

static void kvm_kick_handler(int sig)
{
	(void)sig;      /* only there so that the signal interrupts KVM_RUN */
}

static void kvm_irq_set_level(void *opaque, int line, int level)
{
	struct kvm_engine *kvm = opaque;
	struct kvm_irq_level irq = { .irq = (uint32_t)line, .level = (uint32_t)(level != 0) };
	if (line >= 0)
		ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq);
}

/* The PC interrupt routing (see the top of this file). */
static int kvm_set_irq_routing(struct kvm_engine *kvm, struct error *err)
{
	enum { NR_ISA_IRQS = 16, NR_IOAPIC_PINS = 24, MAX_ROUTES = NR_ISA_IRQS + NR_IOAPIC_PINS };
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + MAX_ROUTES * sizeof(r->entries[0]));
	if (!r)
		return error_set(err, -ENOMEM, "KVM_SET_GSI_ROUTING: out of memory");
	for (uint32_t gsi = 0; gsi < NR_ISA_IRQS; gsi++) {
		if (gsi == 2)
			continue;       /* the cascade from the slave 8259 */
		r->entries[r->nr++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				       .pin = gsi % 8 } };
	}
	for (uint32_t gsi = 0; gsi < NR_IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;       /* IOAPIC pin 2 belongs to GSI 0 */
		r->entries[r->nr++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi } };
	}
	int rc = ioctl(kvm->vm_fd, KVM_SET_GSI_ROUTING, r);
	int e = errno;
	free(r);
	if (rc < 0)
		return error_set(err, -e, "KVM_SET_GSI_ROUTING: %s", strerror(e));
	return 0;
}

/* One memory slot per RAM or ROM region of the memory map. */
static int kvm_set_memory(struct kvm_engine *kvm, struct machine *m, struct error *err)
{
	bool readonly_rom = ioctl(kvm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
	uint32_t slot = 0;
	for (int i = 0; i < m->mem.count; i++) {
		const struct mem_region *r = &m->mem.regions[i];
		if (r->kind == MEM_MMIO)
			continue;       /* not a slot: guest accesses exit as KVM_EXIT_MMIO */
		if ((r->base | r->size | (uintptr_t)r->host) & 0xfff)
			return error_set(err, -EINVAL, "kvm: memory region %s at 0x%" PRIx64
					 " is not page-aligned", r->name, r->base);
		struct kvm_userspace_memory_region s = {
			.slot = slot++, .guest_phys_addr = r->base, .memory_size = r->size,
			.userspace_addr = (uintptr_t)r->host,
			.flags = r->kind == MEM_ROM && readonly_rom ? KVM_MEM_READONLY : 0,
		};
		if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &s) < 0)
			return error_set(err, -errno, "KVM_SET_USER_MEMORY_REGION %s: %s",
					 r->name, strerror(errno));
	}
	return 0;
}

static int kvm_create_vcpus(struct kvm_engine *kvm, struct machine *m, struct error *err)
{
	int max = ioctl(kvm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(kvm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && m->cfg.smp > max)
		return error_set(err, -EINVAL, "--smp: kvm allows at most %d vCPUs here", max);

	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(kvm->dev_fd, err);
	if (!cpuid)
		return err ? err->code : -EIO;
	int rc = 0;
	for (int i = 0; i < m->cfg.smp && rc == 0; i++) {
		struct kvm_vcpu *v = &kvm->vcpus[i];
		rc = kvm_vcpu_open(kvm->vm_fd, i, kvm->run_size, &v->fd, &v->run, err);
		if (rc == 0)
			kvm->nr_vcpus++;
		if (rc == 0)
			rc = kvm_vcpu_set_cpuid(v->fd, cpuid, (uint32_t)i, err);
	}
	free(cpuid);
	return rc;
}

static void kvm_destroy(struct machine *m)
{
	struct kvm_engine *kvm = kvm_of(m);
	if (!kvm)
		return;
	for (int i = 0; i < kvm->nr_vcpus; i++) {
		munmap(kvm->vcpus[i].run, kvm->run_size);
		close(kvm->vcpus[i].fd);
	}
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->dev_fd >= 0)
		close(kvm->dev_fd);
	pthread_mutex_destroy(&kvm->kick_lock);
	free(kvm->vcpus);
	free(kvm);
	m->engine_priv = NULL;
	m->irq = (struct irq_sink){ 0 };
}

static int kvm_create(struct machine *m, struct error *err)
{
	struct kvm_engine *kvm = calloc(1, sizeof(*kvm));
	struct kvm_vcpu *vcpus = calloc((size_t)m->cfg.smp, sizeof(*vcpus));
	if (!kvm || !vcpus) {
		free(kvm);
		free(vcpus);
		return error_set(err, -ENOMEM, "kvm: out of memory");
	}
	kvm->vcpus = vcpus;
	kvm->dev_fd = kvm->vm_fd = -1;
	pthread_mutex_init(&kvm->kick_lock, NULL);
	for (int i = 0; i < m->cfg.smp; i++)
		vcpus[i] = (struct kvm_vcpu){ .kvm = kvm, .m = m, .index = i, .fd = -1 };
	m->engine_priv = kvm;

	int rc;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	if ((rc = kvm->dev_fd = kvm_open_device(err)) < 0 ||
	    (rc = kvm->vm_fd = kvm_create_vm(kvm->dev_fd, err)) < 0)
		goto fail;
	if (ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		rc = error_set(err, -errno, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		goto fail;
	}
	if (ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		rc = error_set(err, -errno, "KVM_CREATE_PIT2: %s", strerror(errno));
		goto fail;
	}
	int run_size = ioctl(kvm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run)) {
		rc = error_set(err, -EIO, "KVM_GET_VCPU_MMAP_SIZE: %s",
			       run_size < 0 ? strerror(errno) : "too small");
		goto fail;
	}
	kvm->run_size = (size_t)run_size;
	if ((rc = kvm_set_irq_routing(kvm, err)) < 0 ||
	    (rc = kvm_set_memory(kvm, m, err)) < 0 ||
	    (rc = kvm_create_vcpus(kvm, m, err)) < 0)
		goto fail;

	struct cpu_state reset;
	const struct cpu_state *boot = &m->boot_state;
	if (!m->boot_state_set) {
		cpu_state_reset(&reset);
		boot = &reset;
	}
	if ((rc = kvm_vcpu_set_state(kvm->vcpus[0].fd, boot, err)) < 0) {
		error_prefix(err, "kvm: boot state");
		goto fail;
	}

	struct sigaction sa = { .sa_handler = kvm_kick_handler };   /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(KVM_KICK_SIGNAL, &sa, NULL);
	m->irq = (struct irq_sink){ .set_level = kvm_irq_set_level, .opaque = kvm };
	return 0;

fail:
	kvm_destroy(m);
	return rc;
}

/* Ends the run with MACHINE_ERROR and a one-line reason (the first one
 * reported is kept). */
static void kvm_vcpu_fail(struct kvm_vcpu *v, const char *what)
{
	struct machine *m = v->m;
	struct kvm_regs r = { 0 };
	ioctl(v->fd, KVM_GET_REGS, &r);
	pthread_mutex_lock(&m->lock);
	if (m->run_error.code == 0)
		error_set(&m->run_error, -EIO, "kvm: vCPU %d: %s at RIP 0x%llx", v->index, what,
			  (unsigned long long)r.rip);
	pthread_mutex_unlock(&m->lock);
	machine_stop(m, MACHINE_ERROR);
}

static struct kvm_stat *kvm_port_stat(struct kvm_vcpu_stats *st, uint16_t port)
{
	for (int i = 0; i < st->nr_ports; i++)
		if (st->ports[i].port == port)
			return &st->ports[i].stat;
	if (st->nr_ports == KVM_STAT_PORTS)
		return &st->other_ports;
	st->ports[st->nr_ports].port = port;
	return &st->ports[st->nr_ports++].stat;
}

static void kvm_handle_io(struct kvm_vcpu *v)
{
	struct machine *m = v->m;
	struct kvm_run *run = v->run;
	uint32_t size = run->io.size, count = run->io.count;
	uint64_t offset = run->io.data_offset;
	if ((size != 1 && size != 2 && size != 4) || count == 0 || offset > v->kvm->run_size ||
	    (uint64_t)size * count > v->kvm->run_size - offset) {
		kvm_vcpu_fail(v, "malformed KVM_EXIT_IO");
		return;
	}
	uint8_t *data = (uint8_t *)run + offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	if (m->cfg.trace & TRACE_EXIT)
		machine_trace(m, "exit", "cpu%d IO %s port 0x%04x size %u count %u", v->index,
			      out ? "out" : "in", run->io.port, size, count);
	for (uint32_t i = 0; i < count; i++, data += size) {
		uint32_t value = 0;
		if (out) {
			memcpy(&value, data, size);
			machine_io_write(m, run->io.port, (int)size, value);
		} else {
			value = machine_io_read(m, run->io.port, (int)size);
			memcpy(data, &value, size);
		}
	}
}

static void kvm_handle_mmio(struct kvm_vcpu *v)
{
	struct machine *m = v->m;
	struct kvm_run *run = v->run;
	uint32_t len = run->mmio.len;
	if (len == 0 || len > sizeof(run->mmio.data)) {
		kvm_vcpu_fail(v, "malformed KVM_EXIT_MMIO");
		return;
	}
	if (m->cfg.trace & TRACE_EXIT)
		machine_trace(m, "exit", "cpu%d MMIO %s 0x%llx size %u", v->index,
			      run->mmio.is_write ? "write" : "read",
			      (unsigned long long)run->mmio.phys_addr, len);
	uint64_t value = 0;
	if (run->mmio.is_write) {
		memcpy(&value, run->mmio.data, len);
		machine_mmio_write(m, run->mmio.phys_addr, (int)len, value);
	} else {
		value = machine_mmio_read(m, run->mmio.phys_addr, (int)len);
		memcpy(run->mmio.data, &value, len);
	}
}

static const char *kvm_internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "cannot deliver an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
	default: return "unknown";
	}
}

static void kvm_handle_exit(struct kvm_vcpu *v)
{
	struct machine *m = v->m;
	struct kvm_run *run = v->run;
	char what[160];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		kvm_handle_io(v);
		return;
	case KVM_EXIT_MMIO:
		kvm_handle_mmio(v);
		return;
	case KVM_EXIT_INTR:
		return;
	default:
		break;
	}

	if (m->cfg.trace & TRACE_EXIT)
		machine_trace(m, "exit", "cpu%d %s", v->index, kvm_exit_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:          /* triple fault */
		machine_stop(m, MACHINE_RESET);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
			machine_stop(m, MACHINE_POWEROFF);
		} else if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
			machine_stop(m, MACHINE_RESET);
		} else {
			snprintf(what, sizeof(what), "system event %u", run->system_event.type);
			kvm_vcpu_fail(v, what);
		}
		break;
	case KVM_EXIT_HLT:
		/* Only without the in-kernel irqchip, which we always create:
		 * nothing could wake this vCPU. */
		kvm_vcpu_fail(v, "halted without an in-kernel irqchip");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		kvm_vcpu_fail(v, what);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM_EXIT_INTERNAL_ERROR, suberror %u (%s)",
			 run->internal.suberror, kvm_internal_error_name(run->internal.suberror));
		kvm_vcpu_fail(v, what);
		break;
	default:
		snprintf(what, sizeof(what), "unexpected exit %u (%s)", run->exit_reason,
			 kvm_exit_name(run->exit_reason));
		kvm_vcpu_fail(v, what);
		break;
	}
}

static void *kvm_vcpu_thread(void *arg)
{
	struct kvm_vcpu *v = arg;
	struct machine *m = v->m;
	struct kvm_vcpu_stats *st = &v->stats;

	/* Asynchronous signals are for the frontend's thread; this one only
	 * takes kicks (and faults). */
	sigset_t mask;
	sigfillset(&mask);
	const int keep[] = { KVM_KICK_SIGNAL, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS };
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		sigdelset(&mask, keep[i]);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);

	while (atomic_load(&m->event) == MACHINE_RUNNING) {
		uint64_t entered = host_time_ns();
		int rc = ioctl(v->fd, KVM_RUN, 0);
		int e = errno;
		uint64_t exited = host_time_ns();
		st->in_guest.count++;
		st->in_guest.ns += exited - entered;
		if (rc < 0) {
			if (e == EINTR || e == EAGAIN) {
				__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				st->exits[KVM_EXIT_INTR].count++;
				continue;
			}
			char what[96];
			snprintf(what, sizeof(what), "KVM_RUN: %s", strerror(e));
			kvm_vcpu_fail(v, what);
			break;
		}
		uint32_t reason = v->run->exit_reason;
		uint16_t port = v->run->io.port;
		kvm_handle_exit(v);
		uint64_t handled = host_time_ns() - exited;
		struct kvm_stat *s = &st->exits[reason < KVM_STAT_REASONS ? reason : KVM_STAT_REASONS];
		s->count++;
		s->ns += handled;
		if (reason == KVM_EXIT_IO) {
			s = kvm_port_stat(st, port);
			s->count++;
			s->ns += handled;
		}
	}

	pthread_mutex_lock(&v->kvm->kick_lock);
	v->thread_live = false;
	pthread_mutex_unlock(&v->kvm->kick_lock);
	return NULL;
}

static void kvm_kick(struct machine *m)
{
	struct kvm_engine *kvm = kvm_of(m);
	if (!kvm)
		return;
	pthread_mutex_lock(&kvm->kick_lock);
	for (int i = 0; i < kvm->nr_vcpus; i++) {
		struct kvm_vcpu *v = &kvm->vcpus[i];
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (v->thread_live)
			pthread_kill(v->thread, KVM_KICK_SIGNAL);
	}
	pthread_mutex_unlock(&kvm->kick_lock);
}

static int kvm_run_vcpus(struct machine *m, struct error *err)
{
	struct kvm_engine *kvm = kvm_of(m);
	int rc = 0, started = 0;
	for (int i = 0; i < kvm->nr_vcpus; i++)
		__atomic_store_n(&kvm->vcpus[i].run->immediate_exit, 0, __ATOMIC_SEQ_CST);

	pthread_mutex_lock(&kvm->kick_lock);
	for (; started < kvm->nr_vcpus; started++) {
		struct kvm_vcpu *v = &kvm->vcpus[started];
		int e = pthread_create(&v->thread, NULL, kvm_vcpu_thread, v);
		if (e != 0) {
			rc = error_set(err, -e, "kvm: cannot start the thread of vCPU %d: %s",
				       started, strerror(e));
			break;
		}
		v->thread_live = true;
	}
	pthread_mutex_unlock(&kvm->kick_lock);
	if (rc < 0)
		machine_stop(m, MACHINE_ERROR);

	for (int i = 0; i < started; i++)
		pthread_join(kvm->vcpus[i].thread, NULL);
	return rc;
}

static int kvm_get_state(struct machine *m, int vcpu, struct cpu_state *s, struct error *err)
{
	struct kvm_engine *kvm = kvm_of(m);
	if (!kvm || vcpu < 0 || vcpu >= kvm->nr_vcpus)
		return error_set(err, -EINVAL, "kvm: no vCPU %d", vcpu);
	return kvm_vcpu_get_state(kvm->vcpus[vcpu].fd, s, err);
}

static int kvm_set_state(struct machine *m, int vcpu, const struct cpu_state *s, struct error *err)
{
	struct kvm_engine *kvm = kvm_of(m);
	if (!kvm || vcpu < 0 || vcpu >= kvm->nr_vcpus)
		return error_set(err, -EINVAL, "kvm: no vCPU %d", vcpu);
	return kvm_vcpu_set_state(kvm->vcpus[vcpu].fd, s, err);
}

static void kvm_print_stat_row(FILE *out, const char *name, const struct kvm_stat *s)
{
	fprintf(out, "  %-16s %10" PRIu64 " %10.3f %10.2f\n", name, s->count, s->ns / 1e6,
		s->count ? s->ns / 1e3 / (double)s->count : 0.0);
}

static void kvm_print_stats(struct machine *m, FILE *out)
{
	struct kvm_engine *kvm = kvm_of(m);
	if (!kvm)
		return;
	struct kvm_vcpu_stats sum = { 0 };
	struct kvm_port_stat ports[MACHINE_MAX_CPUS * KVM_STAT_PORTS];
	int nr_ports = 0;
	for (int i = 0; i < kvm->nr_vcpus; i++) {
		const struct kvm_vcpu_stats *st = &kvm->vcpus[i].stats;
		for (int r = 0; r <= KVM_STAT_REASONS; r++) {
			sum.exits[r].count += st->exits[r].count;
			sum.exits[r].ns += st->exits[r].ns;
		}
		sum.in_guest.count += st->in_guest.count;
		sum.in_guest.ns += st->in_guest.ns;
		sum.other_ports.count += st->other_ports.count;
		sum.other_ports.ns += st->other_ports.ns;
		for (int p = 0; p < st->nr_ports; p++) {
			int j = 0;
			while (j < nr_ports && ports[j].port != st->ports[p].port)
				j++;
			if (j == nr_ports && nr_ports < (int)(sizeof(ports) / sizeof(ports[0])))
				ports[nr_ports++] = (struct kvm_port_stat){ .port = st->ports[p].port };
			if (j < nr_ports) {
				ports[j].stat.count += st->ports[p].stat.count;
				ports[j].stat.ns += st->ports[p].stat.ns;
			}
		}
	}

	struct kvm_stat total = { 0 };
	fprintf(out, "kvm exits          %10s %10s %10s\n", "count", "time-ms", "avg-us");
	for (int r = 0; r <= KVM_STAT_REASONS; r++) {
		if (!sum.exits[r].count)
			continue;
		kvm_print_stat_row(out, r < KVM_STAT_REASONS ? kvm_exit_name((uint32_t)r) : "other",
				   &sum.exits[r]);
		total.count += sum.exits[r].count;
		total.ns += sum.exits[r].ns;
	}
	kvm_print_stat_row(out, "total", &total);
	kvm_print_stat_row(out, "in KVM_RUN", &sum.in_guest);

	if (nr_ports == 0)
		return;
	/* The busiest ports first. */
	for (int i = 1; i < nr_ports; i++)
		for (int j = i; j > 0 && ports[j].stat.count > ports[j - 1].stat.count; j--) {
			struct kvm_port_stat t = ports[j];
			ports[j] = ports[j - 1];
			ports[j - 1] = t;
		}
	fprintf(out, "kvm IO exits by port\n");
	for (int i = 0; i < nr_ports && i < KVM_STAT_TOP_PORTS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "0x%04x", ports[i].port);
		kvm_print_stat_row(out, name, &ports[i].stat);
	}
	for (int i = KVM_STAT_TOP_PORTS; i < nr_ports; i++) {
		sum.other_ports.count += ports[i].stat.count;
		sum.other_ports.ns += ports[i].stat.ns;
	}
	if (sum.other_ports.count)
		kvm_print_stat_row(out, "other ports", &sum.other_ports);
}

/* VM exits (KVM_RUN returns) of all vCPUs, read relaxed while they run. */
static uint64_t kvm_progress(struct machine *m)
{
	struct kvm_engine *kvm = kvm_of(m);
	uint64_t n = 0;
	for (int i = 0; kvm && i < kvm->nr_vcpus; i++)
		n += __atomic_load_n(&kvm->vcpus[i].stats.in_guest.count, __ATOMIC_RELAXED);
	return n;
}

const struct engine_ops kvm_engine_ops = {
	.name = "kvm",
	.create = kvm_create,
	.run = kvm_run_vcpus,
	.kick = kvm_kick,
	.get_state = kvm_get_state,
	.set_state = kvm_set_state,
	.print_stats = kvm_print_stats,
	.progress = kvm_progress,
	.destroy = kvm_destroy,
};
