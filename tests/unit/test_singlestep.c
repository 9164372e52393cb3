/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_singlestep.c — runs the 80286 real-mode single-instruction vectors
 * (../shared/testdata/singlestep/80286_real_mode, captured from a real
 * Harris 80C286; see its SOURCE.md) on the soft engine and reports the pass
 * count per opcode file.
 *
 * Each vector gives registers and RAM bytes before one instruction (followed
 * by HLT, or with HLT at the branch or handler target) and what changed
 * after it. We load the state, run until the HLT (machine_config
 * stop_on_hlt), and compare registers, FLAGS under the opcode's flags-mask
 * from metadata.json, and RAM. A vector that differs for a documented
 * reason (286 versus P6 behaviour, or something the soft engine does not do
 * yet) is recognized by rule in explained_difference() and counted apart;
 * any other difference fails the test. SS_VERBOSE=1 lists every failure.
 *
 * #SS versus #GP: where the 286 raises #GP (13) for an SS-relative access
 * beyond the limit, a P6 raises #SS (12). So that such a vector can still
 * be compared in full, the runner points IVT entry 12 at the vector's
 * handler for 13 through another CS:IP with the same linear address
 * (CS - 1, IP + 16); the final CS:IP then tells which of the two the
 * engine delivered, and everything else must match.
 * Prints SKIP and exits 77 when the vectors are not there. */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check_helpers.h"
#include "cpu/insn.h"
#include "cpu/soft.h"
#include "hw/machine.h"

#define SS_RAM (17ull << 20)   /* 286 real mode with A20 on reaches 0x10FFEF */

static const char *const reg_names[] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const seg_names[] = { "es", "cs", "ss", "ds" };

struct runner {
	struct machine m;
	const struct engine_ops *engine;
	char dir[1024];
	json_object *metadata;
	/* the watchdog stops a vector that runs away */
	pthread_t watchdog;
	_Atomic unsigned long generation;
	_Atomic int quit;
	int total, passed, explained, unexpected;
	struct { const char *reason; int count; } reasons[12];
};

static void tally_reason(struct runner *r, const char *reason)
{
	for (int i = 0; i < 12; i++) {
		if (!r->reasons[i].reason)
			r->reasons[i].reason = reason;
		if (r->reasons[i].reason == reason) {
			r->reasons[i].count++;
			return;
		}
	}
}

static char *read_gzip(const char *path, size_t *size)
{
	char cmd[1300];
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	FILE *f = popen(cmd, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(buf, cap *= 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
			}
			buf = bigger;
		}
	}
	if (pclose(f) != 0 || !buf) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*size = len;
	return buf;
}

static int get_int(json_object *obj, const char *key, int fallback)
{
	json_object *v;
	return json_object_object_get_ex(obj, key, &v) ? json_object_get_int(v) : fallback;
}

static void *watchdog_main(void *arg)
{
	struct runner *r = arg;
	unsigned long seen = 0;
	while (!r->quit) {
		usleep(500 * 1000);
		unsigned long now = r->generation;
		if (now == seen && !r->quit)
			machine_stop(&r->m, MACHINE_TIMEOUT);
		seen = now;
	}
	return NULL;
}

/* Loads one vector's initial state into the machine. */
static void load_initial(struct runner *r, json_object *initial, struct cpu_state *s)
{
	json_object *regs, *ram;
	json_object_object_get_ex(initial, "regs", &regs);
	json_object_object_get_ex(initial, "ram", &ram);
	cpu_state_set_real(s, (uint16_t)get_int(regs, "cs", 0), (uint16_t)get_int(regs, "ip", 0),
			   (uint16_t)get_int(regs, "sp", 0));
	for (int i = 0; i < 8; i++)
		s->gpr[i] = (uint16_t)get_int(regs, reg_names[i], 0);
	for (int i = 0; i < 4; i++) {
		uint16_t sel = (uint16_t)get_int(regs, seg_names[i], 0);
		s->seg[i].selector = sel;
		s->seg[i].base = (uint64_t)sel << 4;
	}
	/* Real mode cannot hold IOPL, NT or bit 15; the vectors' raw values may. */
	s->rflags = ((uint16_t)get_int(regs, "flags", 2) & 0x0fff) | RFLAGS_FIXED;
	size_t n = json_object_array_length(ram);
	for (size_t i = 0; i < n; i++) {
		json_object *pair = json_object_array_get_idx(ram, i);
		uint64_t addr = (uint64_t)json_object_get_int(json_object_array_get_idx(pair, 0));
		uint8_t *p = machine_ram_ptr(&r->m, addr, 1);
		if (p)
			*p = (uint8_t)json_object_get_int(json_object_array_get_idx(pair, 1));
	}
}

/* Compares the final state; returns NULL or what differs first. The
 * general registers in `ignore` (bit i: reg_names[i]) are not compared. */
static const char *compare_final(struct runner *r, json_object *test, const struct cpu_state *before,
				 const struct cpu_state *after, uint16_t flags_mask, unsigned ignore,
				 char *why, size_t why_size)
{
	json_object *final, *regs, *ram, *exc;
	json_object_object_get_ex(test, "final", &final);
	json_object_object_get_ex(final, "regs", &regs);
	json_object_object_get_ex(final, "ram", &ram);
	for (int i = 0; i < 8; i++) {
		int want = get_int(regs, reg_names[i], (int)(uint16_t)before->gpr[i]);
		if (!(ignore & (1u << i)) && (uint16_t)after->gpr[i] != want) {
			snprintf(why, why_size, "%s = %04x, expected %04x", reg_names[i],
				 (unsigned)(uint16_t)after->gpr[i], (unsigned)want);
			return why;
		}
	}
	for (int i = 0; i < 4; i++) {
		int want = get_int(regs, seg_names[i], before->seg[i].selector);
		if (after->seg[i].selector != want) {
			snprintf(why, why_size, "%s = %04x, expected %04x", seg_names[i],
				 after->seg[i].selector, (unsigned)want);
			return why;
		}
	}
	int want_ip = get_int(regs, "ip", (int)(uint16_t)before->rip);
	if ((uint16_t)after->rip != want_ip) {
		snprintf(why, why_size, "ip = %04x, expected %04x", (unsigned)(uint16_t)after->rip,
			 (unsigned)want_ip);
		return why;
	}
	uint16_t want_flags = (uint16_t)get_int(regs, "flags", (int)(uint16_t)before->rflags);
	if (((uint16_t)after->rflags & flags_mask & 0x0fff) != (want_flags & flags_mask & 0x0fff)) {
		snprintf(why, why_size, "flags = %04x, expected %04x (mask %04x)",
			 (unsigned)(uint16_t)after->rflags, want_flags, flags_mask);
		return why;
	}
	/* After an exception the handler's stack holds IP, CS, FLAGS: the pushed
	 * FLAGS word is at SS:SP+4 of the final state, and its undefined flags
	 * are masked too. (The vectors' own "flag_address" is one byte low
	 * when SP is odd, so it is not used.) */
	uint64_t flags_lo = ~0ull, flags_hi = ~0ull;
	if (json_object_object_get_ex(test, "exception", &exc)) {
		uint64_t ss_base = (uint64_t)(uint16_t)get_int(regs, "ss", before->seg[SEG_SS].selector) << 4;
		uint16_t sp = (uint16_t)get_int(regs, "sp", (int)(uint16_t)before->gpr[CPU_RSP]);
		flags_lo = ss_base + (uint16_t)(sp + 4);
		flags_hi = ss_base + (uint16_t)(sp + 5);
	}
	size_t n = json_object_array_length(ram);
	for (size_t i = 0; i < n; i++) {
		json_object *pair = json_object_array_get_idx(ram, i);
		uint64_t addr = (uint64_t)json_object_get_int(json_object_array_get_idx(pair, 0));
		uint8_t want = (uint8_t)json_object_get_int(json_object_array_get_idx(pair, 1));
		uint8_t *p = machine_ram_ptr(&r->m, addr, 1);
		uint8_t mask = 0xff;
		if (addr == flags_lo)
			mask = (uint8_t)(flags_mask & 0xff);
		else if (addr == flags_hi)
			mask = (uint8_t)((flags_mask & 0x0fff) >> 8);
		if (!p || (*p & mask) != (want & mask)) {
			snprintf(why, why_size, "ram[%06llx] = %02x, expected %02x",
				 (unsigned long long)addr, p ? *p : 0xff, want);
			return why;
		}
	}
	return NULL;
}

static int expected_exception(json_object *test)
{
	json_object *exc;
	return json_object_object_get_ex(test, "exception", &exc) ? get_int(exc, "number", -1) : -1;
}

/* For a vector that expects #GP: IVT entry 12 (#SS) made an alias of
 * entry 13, with the same linear address through CS - 1 and IP + 16 (see
 * the top of the file). False when the vector's own RAM holds entry 12 or
 * entry 13 leaves no room for the alias. */
static bool install_ss_alias(struct runner *r, json_object *test)
{
	json_object *initial, *ram;
	if (expected_exception(test) != 13)
		return false;
	json_object_object_get_ex(test, "initial", &initial);
	json_object_object_get_ex(initial, "ram", &ram);
	size_t n = json_object_array_length(ram);
	for (size_t i = 0; i < n; i++) {
		int addr = json_object_get_int(json_object_array_get_idx(json_object_array_get_idx(ram, i), 0));
		if (addr >= 0x30 && addr < 0x34)
			return false;
	}
	uint8_t *ivt = machine_ram_ptr(&r->m, 0, 0x38);
	uint16_t ip = (uint16_t)(ivt[0x34] | ivt[0x35] << 8), cs = (uint16_t)(ivt[0x36] | ivt[0x37] << 8);
	if (ip > 0xffef || cs == 0)
		return false;
	ip += 16;
	cs -= 1;
	const uint8_t entry[4] = { (uint8_t)ip, (uint8_t)(ip >> 8), (uint8_t)cs, (uint8_t)(cs >> 8) };
	memcpy(ivt + 0x30, entry, sizeof(entry));
	return true;
}

/* After a run with the alias: true when the engine delivered #SS (the
 * final CS:IP is the alias's); *after then gets the CS:IP that #GP would
 * have given, so that the rest compares as usual. */
static bool took_ss_alias(json_object *test, struct cpu_state *after)
{
	json_object *final, *regs;
	json_object_object_get_ex(test, "final", &final);
	json_object_object_get_ex(final, "regs", &regs);
	int cs = get_int(regs, "cs", -1), ip = get_int(regs, "ip", -1);
	if (cs < 1 || ip < 0 || after->seg[SEG_CS].selector != cs - 1 || (uint16_t)after->rip != ip + 16)
		return false;
	after->seg[SEG_CS].selector = (uint16_t)cs;
	after->seg[SEG_CS].base = (uint64_t)cs << 4;
	after->rip = (uint64_t)ip;
	return true;
}

static bool is_string_op(unsigned op)
{
	return op == X86_OP_MOVS || op == X86_OP_CMPS || op == X86_OP_STOS || op == X86_OP_LODS ||
	       op == X86_OP_SCAS || op == X86_OP_INS || op == X86_OP_OUTS;
}

#define REG_CX (1u << 1)
#define REG_SI (1u << 6)
#define REG_DI (1u << 7)

/* Vectors whose difference is explained by what a P6 does differently
 * from the 286 (or by what the soft engine does not do yet), by rule.
 * Each rule is checked against the vector and the engine's final state;
 * `ss` says that the engine delivered #SS where the vector has #GP (its
 * CS:IP already mapped back by took_ss_alias). Returns the reason, or
 * NULL. */
static const char *explained_difference(struct runner *r, json_object *test, const struct cpu_state *before,
					const struct cpu_state *after, uint16_t flags_mask, bool ss)
{
	json_object *bytes;
	json_object_object_get_ex(test, "bytes", &bytes);
	uint8_t code[16] = { 0 };
	size_t n = json_object_array_length(bytes);
	bool lock = false, prefixes = true;
	for (size_t i = 0; i < n && i < sizeof(code); i++) {
		code[i] = (uint8_t)json_object_get_int(json_object_array_get_idx(bytes, i));
		/* LOCK among the legacy prefixes before the opcode */
		static const uint8_t legacy[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3 };
		prefixes = prefixes && memchr(legacy, code[i], sizeof(legacy));
		lock |= prefixes && code[i] == 0xf0;
	}
	struct insn insn;
	int len = x86_decode(code, n < sizeof(code) ? n : sizeof(code), 16, &insn);
	int exc = expected_exception(test);
	char why[160];
	/* The 286 ignores LOCK where a P6 raises #UD (SDM vol. 2, LOCK: "#UD
	 * If the LOCK prefix is used with an instruction not listed"). */
	if (lock && len == X86_DECODE_UD)
		return "LOCK on a non-lockable instruction: #UD on a P6, ignored by the 286";
	/* FS and GS came with the 386: MOV to or from them is #UD on a 286
	 * (SDM vol. 3, 22.x "IA-32 Architecture Compatibility": FS and GS were
	 * added with the Intel386). */
	if (len > 0 && insn.op == X86_OP_MOV && insn.map == 0 && (insn.opcode == 0x8c || insn.opcode == 0x8e) &&
	    ((insn.modrm >> 3) & 7) >= 4)
		return "MOV with FS/GS: 386+ registers, #UD on the 286";
	/* The vectors were recorded on a 286 without a 287, which runs ESC as
	 * a no-op (or faults on its memory operand); the soft engine has an
	 * x87 (cpu/soft_x87.c). */
	if (len > 0 && insn.op == X86_OP_FPU)
		return "x87 instruction: the 286 had no 287, the soft engine has an x87";
	/* The 286 raises #GP(13) for an instruction longer than 10 bytes; the
	 * limit is 15 bytes from the 386 on (SDM vol. 2, 2.3.11 "... 15 bytes";
	 * vol. 3, 22.x "Instruction Length Limit"). */
	if (len > 10 && exc == 13 && !ss)
		return "instruction longer than 10 bytes: #GP on the 286, fine on a P6 (15-byte limit)";
	/* A word string instruction at offset 0xFFFF: the 286 raises #GP after
	 * advancing SI/DI (and counting CX); a P6 faults precisely, with the
	 * registers of the last complete iteration (SDM vol. 3, 6.5 "Faults":
	 * "the state ... prior to the beginning of execution of the faulting
	 * instruction"; vol. 2, REP: the registers are updated per iteration).
	 * Everything but SI, DI and CX must match. */
	if (len > 0 && is_string_op(insn.op) && insn.opsize == 2 && exc == 13 &&
	    !compare_final(r, test, before, after, flags_mask, REG_CX | REG_SI | REG_DI, why, sizeof(why)))
		return ss ? "word string op beyond the SS limit: #SS on a P6 (SDM vol. 2, \"#SS ... outside the SS "
			    "segment limit\"), #GP with SI/DI advanced on the 286"
			  : "word string op beyond the limit: #GP with SI/DI/CX advanced on the 286, precise on a P6";
	/* An SS-relative access (stack, BP-based or SS: operand) beyond the SS
	 * limit: #SS on a P6 (SDM vol. 2, each instruction's "Real-Address
	 * Mode Exceptions": "#SS If a memory operand effective address is
	 * outside the SS segment limit"), #GP (13) on the 286. Everything
	 * else must match. */
	if (ss && !compare_final(r, test, before, after, flags_mask, 0, why, sizeof(why)))
		return "SS-relative access beyond the SS limit: #SS on a P6, #GP on the 286";
	return NULL;
}

static uint16_t opcode_flags_mask(struct runner *r, const char *opcode)
{
	json_object *opcodes, *entry, *mask;
	if (json_object_object_get_ex(r->metadata, "opcodes", &opcodes)) {
		/* "80.4" files take the mask of "80" or of "80.4", whichever exists. */
		char base[16];
		snprintf(base, sizeof(base), "%s", opcode);
		if (json_object_object_get_ex(opcodes, base, &entry) ||
		    (strtok(base, ".") && json_object_object_get_ex(opcodes, base, &entry))) {
			json_object *reg;
			const char *dot = strchr(opcode, '.');
			if (dot && json_object_object_get_ex(entry, "reg", &reg))
				json_object_object_get_ex(reg, dot + 1, &entry);
			if (json_object_object_get_ex(entry, "flags-mask", &mask))
				return (uint16_t)json_object_get_int(mask);
		}
	}
	return 0xffff;
}

static void run_file(struct runner *r, const char *file)
{
	char path[1200], opcode[16];
	snprintf(path, sizeof(path), "%s/json250/%s", r->dir, file);
	snprintf(opcode, sizeof(opcode), "%.*s", (int)(strstr(file, ".json") - file), file);
	size_t size;
	char *text = read_gzip(path, &size);
	ck_assert_msg(text, "cannot read %s", path);
	json_object *tests = json_tokener_parse(text);
	free(text);
	ck_assert_msg(tests && json_object_is_type(tests, json_type_array), "%s: not a JSON array", path);

	uint16_t flags_mask = opcode_flags_mask(r, opcode);
	int n = (int)json_object_array_length(tests), pass = 0, shown = 0, explained = 0;
	for (int i = 0; i < n; i++) {
		json_object *test = json_object_array_get_idx(tests, i);
		json_object *initial;
		json_object_object_get_ex(test, "initial", &initial);
		struct cpu_state before, after;
		struct error err = { 0 };
		load_initial(r, initial, &before);
		bool alias = install_ss_alias(r, test);
		r->engine->memory_written(&r->m, 0, r->m.ram_size);
		ck_assert_int_eq(r->engine->set_state(&r->m, 0, &before, &err), 0);
		r->m.event = MACHINE_RUNNING;
		r->generation++;
		ck_assert_int_eq(r->engine->run(&r->m, &err), 0);
		ck_assert_int_eq(r->engine->get_state(&r->m, 0, &after, &err), 0);
		char why[160];
		bool ss = alias && r->m.event == MACHINE_POWEROFF && took_ss_alias(test, &after);
		const char *diff = r->m.event == MACHINE_TIMEOUT ? "ran away (no HLT within 0.5-1 s)" :
				   r->m.event == MACHINE_ERROR ? r->m.run_error.msg :
				   compare_final(r, test, &before, &after, flags_mask, 0, why, sizeof(why));
		if (!diff && ss)
			diff = "#SS delivered where the 286 raises #GP";
		const char *reason = diff ? explained_difference(r, test, &before, &after, flags_mask, ss) : NULL;
		if (!diff) {
			pass++;
		} else if (reason) {
			explained++;
			tally_reason(r, reason);
		} else if (getenv("SS_VERBOSE") || shown++ < 2) {
			json_object *name;
			json_object_object_get_ex(test, "name", &name);
			printf("  %s #%d '%s': %s\n", opcode, i, json_object_get_string(name), diff);
		}
	}
	json_object_put(tests);
	bool ok = pass + explained == n;
	printf("%-6s %3d/%3d", opcode, pass, n);
	if (explained)
		printf("  +%d explained", explained);
	printf("%s\n", ok ? "" : "  FAIL");
	r->total += n;
	r->passed += pass;
	r->explained += explained;
	if (!ok)
		r->unexpected++;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_singlestep_80286)
{
	struct runner *r = calloc(1, sizeof(*r));
	const char *data = getenv("MORPHEUS_TESTDATA");
	snprintf(r->dir, sizeof(r->dir), "%s/singlestep/80286_real_mode", data ? data : "../shared/testdata");
	char meta_path[1200];
	snprintf(meta_path, sizeof(meta_path), "%s/metadata.json", r->dir);
	r->metadata = json_object_from_file(meta_path);
	ck_assert_msg(r->metadata, "%s: cannot parse", meta_path);

	/* a CPU alone, as on the board the vectors were captured on: every
	 * port reads 0xFF and nothing interrupts */
	struct machine_config cfg = { .ram_size = SS_RAM, .smp = 1, .stop_on_hlt = true, .bare_cpu = true };
	struct error err = { 0 };
	ck_assert_msg(machine_create(&r->m, &cfg, &err) == 0, "%s", err.msg);
	r->engine = &soft_engine_ops;
	r->m.engine = r->engine;
	ck_assert_msg(r->engine->create(&r->m, &err) == 0, "%s", err.msg);
	pthread_create(&r->watchdog, NULL, watchdog_main, r);

	char json_dir[1200];
	snprintf(json_dir, sizeof(json_dir), "%s/json250", r->dir);
	DIR *d = opendir(json_dir);
	ck_assert_ptr_nonnull(d);
	char *names[512];
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) && count < 512)
		if (strstr(e->d_name, ".json.gz"))
			names[count++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)count, sizeof(names[0]), compare_names);
	for (int i = 0; i < count; i++) {
		run_file(r, names[i]);
		free(names[i]);
	}
	printf("total: %d/%d vectors pass, %d differ for a documented reason; "
	       "%d opcode files fail without a documented reason\n",
	       r->passed, r->total, r->explained, r->unexpected);
	for (int i = 0; i < 12 && r->reasons[i].reason; i++)
		printf("  %5d  %s\n", r->reasons[i].count, r->reasons[i].reason);
	r->quit = 1;
	pthread_join(r->watchdog, NULL);
	r->engine->destroy(&r->m);
	machine_destroy(&r->m);
	json_object_put(r->metadata);
	int unexpected = r->unexpected;
	free(r);
	ck_assert_msg(unexpected == 0, "%d opcode files fail without a documented reason", unexpected);
}
END_TEST

static Suite *singlestep_suite(void)
{
	Suite *s = suite_create("singlestep");
	TCase *tc = tcase_create("80286");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_singlestep_80286);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *data = getenv("MORPHEUS_TESTDATA");
	char probe[1200];
	snprintf(probe, sizeof(probe), "%s/singlestep/80286_real_mode/metadata.json",
		 data ? data : "../shared/testdata");
	if (access(probe, R_OK) != 0) {
		printf("SKIP: %s: %s (the 80286 vectors live in ../shared/testdata)\n", probe, strerror(errno));
		return 77;
	}
	SRunner *sr = srunner_create(singlestep_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
