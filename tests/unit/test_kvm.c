/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_kvm.c — the kvm engine (cpu/kvm.c) through struct engine_ops: state
 * round trips through KVM (long mode, real mode, 32-bit flat), a tiny
 * real-mode guest ending through the debug-exit port and the --stats report
 * it leaves, stopping a run before it starts and while a guest spins, SMP
 * create/destroy without leaking file descriptors, and kvm_probe with
 * calibration. Exits 77 (skipped) with "SKIP: <reason>" where kvm cannot
 * create a VM. Guests stay tiny: CPL 0 code may be emulated ~1600x slower.
 *
 * Every machine is created inside its test function: Check forks a process
 * per test, and a KVM VM belongs to the process that created it. */
#include <dirent.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check_helpers.h"
#include "cpu/kvm.h"
#include "hw/debugexit.h"

#define GUEST_CODE 0x7c00u
#define DEBUG_EXIT_PORT 0xf4

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void kvm_machine_create(struct machine *m, uint64_t ram, int smp)
{
	struct machine_config cfg = { .ram_size = ram, .smp = smp };
	struct error err = { 0 };
	ck_assert_msg(machine_create(m, &cfg, &err) == 0, "machine_create: %s", err.msg);
	m->engine = &kvm_engine_ops;
	ck_assert_msg(m->engine->create(m, &err) == 0, "kvm create: %s", err.msg);
	ck_assert_ptr_nonnull(m->engine_priv);
}

static void kvm_machine_destroy(struct machine *m)
{
	m->engine->destroy(m);
	ck_assert_ptr_null(m->engine_priv);
	machine_destroy(m);
}

/* --- state round trips ---------------------------------------------------- */

static const char *const seg_names[CPU_NR_SEGS] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

static void assert_segment_eq(const struct cpu_segment *got, const struct cpu_segment *want,
			      const char *name)
{
#define SEG_FIELD(f) \
	ck_assert_msg(got->f == want->f, "%s.%s: got 0x%llx, want 0x%llx", name, #f, \
		      (unsigned long long)got->f, (unsigned long long)want->f)
	SEG_FIELD(base);
	SEG_FIELD(limit);
	SEG_FIELD(selector);
	SEG_FIELD(type);
	SEG_FIELD(s);
	SEG_FIELD(dpl);
	SEG_FIELD(present);
	SEG_FIELD(db);
	SEG_FIELD(l);
	SEG_FIELD(g);
	SEG_FIELD(avl);
	SEG_FIELD(unusable);
#undef SEG_FIELD
}

static void assert_state_eq(const struct cpu_state *got, const struct cpu_state *want)
{
#define FIELD(f) \
	ck_assert_msg(got->f == want->f, "%s: got 0x%llx, want 0x%llx", #f, \
		      (unsigned long long)got->f, (unsigned long long)want->f)
	for (int i = 0; i < CPU_NR_GPRS; i++)
		ck_assert_msg(got->gpr[i] == want->gpr[i], "gpr[%d]: got 0x%llx, want 0x%llx", i,
			      (unsigned long long)got->gpr[i], (unsigned long long)want->gpr[i]);
	FIELD(rip);
	FIELD(rflags);
	for (int i = 0; i < CPU_NR_SEGS; i++)
		assert_segment_eq(&got->seg[i], &want->seg[i], seg_names[i]);
	FIELD(gdt.base);
	FIELD(gdt.limit);
	FIELD(idt.base);
	FIELD(idt.limit);
	FIELD(cr0);
	FIELD(cr2);
	FIELD(cr3);
	FIELD(cr4);
	FIELD(cr8);
	FIELD(efer);
	FIELD(apic_base);
	FIELD(dr[0]);
	FIELD(dr[1]);
	FIELD(dr[2]);
	FIELD(dr[3]);
	FIELD(dr[6]);
	FIELD(dr[7]);
#undef FIELD
}

/* Sets `want` on vCPU 0, reads it back and compares every field.
 *
 * KVM may legitimately rewrite some fields, so the states below are written
 * the way KVM gives them back: code/data segment types already have the
 * accessed bit (VMX sets it on entry), TR is a busy TSS (SVM reports TR as
 * busy), G matches the limit (SVM synthesizes G from the limit), SS.DPL is
 * the CPL (SVM reports SS.DPL as the CPL), every segment is present and
 * usable (both report unusable from present), DR6 holds its fixed bits and
 * RFLAGS bit 1 is set. With that, nothing at all changed on kvm_pvm (the
 * development machines), so the comparison is exact. */
static void round_trip(const struct cpu_state *want)
{
	struct machine m;
	struct error err = { 0 };
	kvm_machine_create(&m, 16 << 20, 1);
	ck_assert_msg(m.engine->set_state(&m, 0, want, &err) == 0, "set_state: %s", err.msg);
	struct cpu_state got;
	memset(&got, 0x5a, sizeof(got));
	ck_assert_msg(m.engine->get_state(&m, 0, &got, &err) == 0, "get_state: %s", err.msg);
	assert_state_eq(&got, want);
	/* A second read gives the same (get_state has no side effect). */
	struct cpu_state again;
	ck_assert_int_eq(m.engine->get_state(&m, 0, &again, &err), 0);
	assert_state_eq(&again, want);
	kvm_machine_destroy(&m);
}

/* Distinctive general registers: no two alike, every byte used. */
static void fill_gprs(struct cpu_state *s, uint64_t mask)
{
	for (int i = 0; i < CPU_NR_GPRS; i++)
		s->gpr[i] = (0x0123456789abcdefull ^ ((uint64_t)(i + 1) * 0x1111111111111111ull)) & mask;
}

#define RFLAGS_TEST (RFLAGS_FIXED | 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800)

START_TEST(test_state_long64)
{
	struct cpu_state s;
	cpu_state_set_long64(&s, 0x00007f0012345678ull, 0x00abc000);
	fill_gprs(&s, ~0ull);
	s.rflags = RFLAGS_TEST;
	s.cr2 = 0xffff8000deadb000ull;
	s.cr4 |= CR4_PGE;
	s.cr8 = 5;
	s.efer |= EFER_NXE | EFER_SCE;
	s.seg[SEG_FS].base = 0x00007fabcdef1000ull;
	s.seg[SEG_GS].base = 0xffff888012345000ull;
	s.seg[SEG_TR] = (struct cpu_segment){ .base = 0xfffffe0000003000ull, .limit = 0x2067,
		.selector = 0x40, .type = 0xb, .present = 1 };
	s.seg[SEG_LDTR] = (struct cpu_segment){ .base = 0xfffffe0000005000ull, .limit = 0xfff,
		.selector = 0x50, .type = 2, .present = 1 };
	s.gdt = (struct cpu_dtable){ 0xfffffe0000001000ull, 0x5f };
	s.idt = (struct cpu_dtable){ 0xfffffe0000002000ull, 0xfff };
	s.dr[0] = 0x00007f0000001000ull;
	s.dr[1] = 0x00007f0000002000ull;
	s.dr[2] = 0xffff800000003000ull;
	s.dr[3] = 0xffff800000004000ull;
	s.dr[7] = 0x400 | 0x2;      /* G0 armed (not run, only stored) */
	round_trip(&s);
}
END_TEST

START_TEST(test_state_real)
{
	struct cpu_state s;
	cpu_state_set_real(&s, 0x1234, 0x5678, 0xfff0);
	fill_gprs(&s, 0xffffffffull);
	s.gpr[CPU_RSP] = 0xfff0;
	s.rflags = RFLAGS_TEST;
	s.seg[SEG_DS].selector = 0x2000;
	s.seg[SEG_DS].base = 0x20000;
	s.seg[SEG_ES].selector = 0xb800;
	s.seg[SEG_ES].base = 0xb8000;
	s.gdt = (struct cpu_dtable){ 0x12340, 0x27 };
	s.idt = (struct cpu_dtable){ 0, 0x3ff };
	s.cr2 = 0x1000;
	round_trip(&s);
}
END_TEST

START_TEST(test_state_flat32)
{
	struct cpu_state s;
	cpu_state_set_flat32(&s, 0x00100020);
	fill_gprs(&s, 0xffffffffull);
	s.rflags = RFLAGS_TEST;
	s.gdt = (struct cpu_dtable){ 0x5000, 0x1f };
	s.idt = (struct cpu_dtable){ 0x6000, 0x7ff };
	s.cr2 = 0xc0001000;
	s.seg[SEG_FS].base = 0x00400000;
	s.seg[SEG_FS].limit = 0x000fffff;
	s.seg[SEG_FS].g = 0;
	round_trip(&s);
}
END_TEST

START_TEST(test_state_bad_vcpu)
{
	struct machine m;
	struct error err = { 0 };
	struct cpu_state s;
	cpu_state_reset(&s);
	kvm_machine_create(&m, 16 << 20, 1);
	ck_assert_int_lt(m.engine->get_state(&m, 1, &s, &err), 0);
	ck_assert(err.msg[0] != '\0');
	ck_assert_int_lt(m.engine->set_state(&m, -1, &s, &err), 0);
	kvm_machine_destroy(&m);
}
END_TEST

/* --- running guests --------------------------------------------------------- */

/* A machine whose BSP runs `code` in real mode at 0:GUEST_CODE. */
static void guest_machine_create(struct machine *m, const uint8_t *code, size_t len)
{
	struct error err = { 0 };
	kvm_machine_create(m, 16 << 20, 1);
	ck_assert_msg(debugexit_create(m, DEBUG_EXIT_PORT, &err) == 0, "debugexit: %s", err.msg);
	uint8_t *p = machine_ram_ptr(m, GUEST_CODE, len);
	ck_assert_ptr_nonnull(p);
	memcpy(p, code, len);
	struct cpu_state s;
	cpu_state_set_real(&s, 0, GUEST_CODE, 0x7000);
	ck_assert_msg(m->engine->set_state(m, 0, &s, &err) == 0, "set_state: %s", err.msg);
}

static const uint8_t guest_debug_exit[] = {
	0xb0, 0x2a,             /* mov al, 0x2a */
	0xe6, DEBUG_EXIT_PORT,  /* out 0xf4, al */
	0xf4,                   /* hlt */
	0xeb, 0xfd,             /* jmp to the hlt */
};

static const uint8_t guest_spin[] = { 0xeb, 0xfe };  /* jmp $ */

START_TEST(test_run_debug_exit_and_stats)
{
	struct machine m;
	struct error err = { 0 };
	guest_machine_create(&m, guest_debug_exit, sizeof(guest_debug_exit));
	ck_assert_msg(m.engine->run(&m, &err) == 0, "run: %s", err.msg);
	ck_assert_msg(m.event == MACHINE_DEBUG_EXIT, "event %d: %s", m.event, m.run_error.msg);
	ck_assert_uint_eq(m.debug_exit_value, 0x2a);
	ck_assert_int_eq(machine_exit_status(&m), (0x2a << 1) | 1);

	struct cpu_state s;
	ck_assert_int_eq(m.engine->get_state(&m, 0, &s, &err), 0);
	ck_assert_uint_eq(s.gpr[CPU_RAX] & 0xff, 0x2a);
	ck_assert_uint_ge(s.rip, GUEST_CODE + 4);         /* past the OUT */
	ck_assert_uint_le(s.rip, GUEST_CODE + sizeof(guest_debug_exit));

	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(f);
	m.engine->print_stats(&m, f);
	fclose(f);
	const char *io = strstr(text, "\n  IO ");
	ck_assert_msg(io != NULL, "no IO line in:\n%s", text);
	unsigned long io_exits = 0;
	ck_assert_int_eq(sscanf(io, " IO %lu", &io_exits), 1);
	ck_assert_uint_eq(io_exits, 1);                     /* the one OUT */
	ck_assert_msg(strstr(text, "0x00f4") != NULL, "port 0xf4 missing in:\n%s", text);
	ck_assert_msg(strstr(text, "total") != NULL, "no total in:\n%s", text);
	free(text);
	kvm_machine_destroy(&m);
}
END_TEST

START_TEST(test_stop_before_run)
{
	struct machine m;
	struct error err = { 0 };
	guest_machine_create(&m, guest_spin, sizeof(guest_spin));
	machine_stop(&m, MACHINE_QUIT);
	double t0 = now_s();
	ck_assert_msg(m.engine->run(&m, &err) == 0, "run: %s", err.msg);
	double took = now_s() - t0;
	ck_assert_msg(took < 0.2, "run took %.3f s after an early stop", took);
	ck_assert_int_eq(m.event, MACHINE_QUIT);
	ck_assert_int_eq(machine_exit_status(&m), 0);
	kvm_machine_destroy(&m);
}
END_TEST

static void *stop_later(void *arg)
{
	struct machine *m = arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	machine_stop(m, MACHINE_TIMEOUT);
	return NULL;
}

START_TEST(test_stop_spinning_guest)
{
	struct machine m;
	struct error err = { 0 };
	guest_machine_create(&m, guest_spin, sizeof(guest_spin));
	pthread_t stopper;
	double t0 = now_s();
	ck_assert_int_eq(pthread_create(&stopper, NULL, stop_later, &m), 0);
	int rc = m.engine->run(&m, &err);
	double took = now_s() - t0;
	pthread_join(stopper, NULL);
	ck_assert_msg(rc == 0, "run: %s", err.msg);
	ck_assert_msg(m.event == MACHINE_TIMEOUT, "event %d: %s", m.event, m.run_error.msg);
	ck_assert_int_eq(machine_exit_status(&m), 124);
	ck_assert_msg(took >= 0.045 && took < 1.0, "run returned after %.3f s", took);

	/* It really was spinning on the jmp. */
	struct cpu_state s;
	ck_assert_int_eq(m.engine->get_state(&m, 0, &s, &err), 0);
	ck_assert_uint_eq(s.rip, GUEST_CODE);
	kvm_machine_destroy(&m);
}
END_TEST

/* --- resources and the probe -------------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

START_TEST(test_smp_create_destroy_no_leak)
{
	int before = count_fds();
	for (int i = 0; i < 20; i++) {
		struct machine m;
		kvm_machine_create(&m, 16 << 20, 4);
		if (i == 0)
			ck_assert_int_ge(count_fds(), before + 2 + 4);   /* /dev/kvm, VM, 4 vCPUs */
		struct cpu_state s;
		struct error err = { 0 };
		ck_assert_msg(m.engine->get_state(&m, 3, &s, &err) == 0, "vCPU 3: %s", err.msg);
		ck_assert_int_lt(m.engine->get_state(&m, 4, &s, &err), 0);
		kvm_machine_destroy(&m);
	}
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(test_probe_calibrated)
{
	struct kvm_probe p;
	kvm_probe(&p, true);
	ck_assert_msg(p.usable, "not usable: %s", p.reason);
	ck_assert_msg(p.calibrated, "not calibrated: %s", p.reason);
	ck_assert(p.cpl0_ips > 0);
	ck_assert(p.cpl3_ips > 0);
	ck_assert_int_eq(p.supervisor_fast, p.cpl0_ips >= 0.25 * p.cpl3_ips);
}
END_TEST

static Suite *kvm_suite(void)
{
	Suite *s = suite_create("kvm");
	TCase *tc = tcase_create("state");
	tcase_add_test(tc, test_state_long64);
	tcase_add_test(tc, test_state_real);
	tcase_add_test(tc, test_state_flat32);
	tcase_add_test(tc, test_state_bad_vcpu);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_run_debug_exit_and_stats);
	tcase_add_test(tc, test_stop_before_run);
	tcase_add_test(tc, test_stop_spinning_guest);
	suite_add_tcase(s, tc);
	tc = tcase_create("resources");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_smp_create_destroy_no_leak);
	tcase_add_test(tc, test_probe_calibrated);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct kvm_probe p;
	kvm_probe(&p, false);
	if (!p.usable) {
		printf("SKIP: %s\n", p.reason);
		return 77;
	}
	SRunner *sr = srunner_create(kvm_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
