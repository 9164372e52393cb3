/* SPDX-License-Identifier: GPL-3.0-or-later */
/* options.c — parsing the morpheus command line and printing --help. */
#include "frontend/options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jit/gccjit.h"

enum {
	OPT_KERNEL = 256, OPT_INITRD, OPT_APPEND, OPT_MEMORY, OPT_SMP, OPT_ACCEL, OPT_JIT,
	OPT_SERIAL, OPT_TIMEOUT, OPT_LOAD, OPT_ON_RESET, OPT_STATS, OPT_TRACE,
	OPT_VERBOSE, OPT_HELP, OPT_VERSION, OPT_VGA, OPT_SCREENSHOT, OPT_DISPLAY, OPT_TSC,
};

static const struct option long_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "smp", required_argument, NULL, OPT_SMP },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "jit", required_argument, NULL, OPT_JIT },
	{ "tsc", required_argument, NULL, OPT_TSC },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "on-reset", required_argument, NULL, OPT_ON_RESET },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "vga", required_argument, NULL, OPT_VGA },
	{ "screenshot", required_argument, NULL, OPT_SCREENSHOT },
	{ "display", required_argument, NULL, OPT_DISPLAY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const struct { const char *name; unsigned bit; const char *what; } trace_names[] = {
	{ "post", TRACE_POST, "port 0x80 POST codes" },
	{ "io", TRACE_IO, "every port access" },
	{ "exit", TRACE_EXIT, "every engine exit (VM exit)" },
	{ "in_asm", TRACE_IN_ASM, "soft: each translated block's guest code" },
	{ "ir", TRACE_IR, "soft: each translated block's IR" },
	{ "exec", TRACE_EXEC, "soft: each executed block's address" },
};

void options_print_help(FILE *out)
{
	fputs("Usage: morpheus run [OPTIONS]      run a guest\n"
	      "       morpheus demo [OPTIONS]     run the built-in demo guest\n"
	      "       morpheus info               what this host offers (kvm, its speed)\n"
	      "       morpheus --help | --version\n"
	      "\n"
	      "Guest:\n"
	      "  --kernel FILE        Linux bzImage, Multiboot kernel, or flat binary (--load)\n"
	      "  --initrd FILE        Linux initrd, or the Multiboot module\n"
	      "  --append STR         kernel command line\n"
	      "  --load ADDR          load --kernel as a flat binary at ADDR (below 1 MiB: real\n"
	      "                       mode at CS:IP = ADDR>>4:ADDR&15; above: 32-bit flat mode)\n"
	      "  --memory SIZE        guest RAM, e.g. 256M, 1G (default 256M)\n"
	      "  --smp N              number of vCPUs (default 1)\n"
	      "\n"
	      "Display:\n"
	      "  --vga text|fb        VGA text mode only, or also a 1024x768x32 linear\n"
	      "                       framebuffer at 0xFD000000 (default: fb for a Linux\n"
	      "                       kernel, which is told about it, else text)\n"
	      "  --screenshot FILE.png  write the screen to FILE.png at exit\n"
	      "  --display sdl|none   a window (SDL2) showing the screen and taking the\n"
	      "                       keyboard, or none (default: sdl when $DISPLAY or\n"
	      "                       $WAYLAND_DISPLAY is set and a window opens). In the\n"
	      "                       window: click grabs, Ctrl+Alt+G releases, Ctrl+Alt+S\n"
	      "                       writes a screenshot, Ctrl+Alt+Q or closing it quits\n"
	      "\n"
	      "Engine:\n"
	      "  --accel auto|kvm|soft  auto (default): kvm where supervisor code runs at\n"
	      "                       hardware speed, else the soft engine (morpheus info)\n"
	      "  --jit off|on|eager   soft: off (default) interprets translated blocks;\n"
	      "                       on also compiles hot code with libgccjit in the\n"
	      "                       background; eager compiles every block before it\n"
	      "                       first runs (slow; for tests)\n"
	      "  --tsc host|retired   soft: the TSC is the host's clock at 1 GHz (default:\n"
	      "                       guest clocks keep real time), or counts retired\n"
	      "                       instructions, plus HLT time (repeatable RDTSC; guest\n"
	      "                       clocks then run at the engine's speed)\n"
	      "\n"
	      "Harness:\n"
	      "  --serial stdio|none|file:PATH  where COM1 goes (default stdio; on a terminal,\n"
	      "                       raw mode with Ctrl-A x to quit, Ctrl-A h for help)\n"
	      "  --timeout SECONDS    stop the guest after SECONDS (exit status 124)\n"
	      "  --on-reset exit|restart  what a guest reset does (default exit)\n"
	      "  --stats              print engine statistics at exit (kvm: VM exits by\n"
	      "                       reason; soft: instructions, MIPS, blocks, cache)\n"
	      "  --trace LIST         comma-separated: post, io, exit, in_asm, ir, exec\n"
	      "                       (to stderr)\n"
	      "  --verbose            say what morpheus decided and why\n"
	      "  --help, --version\n"
	      "\n"
	      "Exit status:\n"
	      "  0    the guest powered off or reset (with --on-reset exit), or the user quit;\n"
	      "       `morpheus demo`: the demo guest reported success\n"
	      "  1    bad option or input file (a one-line message says which)\n"
	      "  2    the engine failed (e.g. a KVM internal error)\n"
	      "  124  --timeout was reached\n"
	      "  (v<<1)|1  the guest wrote v to the debug-exit port 0xf4 (QEMU isa-debug-exit);\n"
	      "       only the low 8 bits reach the shell\n"
	      "  128+n  morpheus was stopped by signal n (SIGHUP, SIGINT, SIGTERM)\n", out);
}

static int parse_u64(const char *s, uint64_t *v, char **end)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, end, 0);
	if (errno || *end == s)
		return -1;
	*v = x;
	return 0;
}

/* "" or K/M/G/T (any case), optionally followed by "B" or "iB". */
static int apply_suffix(uint64_t v, const char *suffix, uint64_t *out)
{
	int shift = 0;
	if (*suffix) {
		const char *units = "KMGT";
		char unit = (char)toupper((unsigned char)suffix[0]);
		const char *p = unit ? strchr(units, unit) : NULL;
		const char *tail = suffix + 1;
		if (!p || !(!strcmp(tail, "") || !strcmp(tail, "B") || !strcmp(tail, "iB")))
			return -1;
		shift = 10 * (int)(p - units + 1);
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

int options_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v;
	char *end;
	if (parse_u64(s, &v, &end) < 0)
		return -1;
	return apply_suffix(v, end, bytes);
}

int options_parse_address(const char *s, uint64_t *addr)
{
	return options_parse_size(s, addr);
}

static int parse_trace(const char *list, unsigned *trace, struct error *err)
{
	char buf[256];
	if (strlen(list) >= sizeof(buf))
		return error_set(err, -EINVAL, "--trace: list too long");
	strcpy(buf, list);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned i;
		for (i = 0; i < sizeof(trace_names) / sizeof(trace_names[0]); i++)
			if (!strcmp(tok, trace_names[i].name))
				break;
		if (i == sizeof(trace_names) / sizeof(trace_names[0]))
			return error_set(err, -EINVAL, "--trace: unknown category '%s' (known: post, io, exit, in_asm, ir, exec)", tok);
		*trace |= trace_names[i].bit;
	}
	return 0;
}

static int parse_option(int opt, const char *arg, struct options *o, struct error *err)
{
	char *end;
	switch (opt) {
	case OPT_KERNEL: o->kernel = arg; return 0;
	case OPT_INITRD: o->initrd = arg; return 0;
	case OPT_APPEND: o->append = arg; return 0;
	case OPT_MEMORY:
		if (options_parse_size(arg, &o->memory) < 0 || o->memory == 0)
			return error_set(err, -EINVAL, "--memory: '%s' is not a size like 256M or 1G", arg);
		if (o->memory < (2ull << 20) || o->memory > MACHINE_MAX_RAM)
			return error_set(err, -EINVAL, "--memory: '%s' is outside 2M..%lluG", arg, MACHINE_MAX_RAM >> 30);
		if (o->memory & 0xfff)
			return error_set(err, -EINVAL, "--memory: '%s' is not a multiple of 4 KiB", arg);
		return 0;
	case OPT_SMP: {
		uint64_t n;
		if (parse_u64(arg, &n, &end) < 0 || *end || n < 1 || n > MACHINE_MAX_CPUS)
			return error_set(err, -EINVAL, "--smp: '%s' is not a number of vCPUs in 1..%d", arg, MACHINE_MAX_CPUS);
		o->smp = (int)n;
		return 0;
	}
	case OPT_ACCEL:
		if (!strcmp(arg, "auto")) o->accel = ACCEL_AUTO;
		else if (!strcmp(arg, "kvm")) o->accel = ACCEL_KVM;
		else if (!strcmp(arg, "soft")) o->accel = ACCEL_SOFT;
		else return error_set(err, -EINVAL, "--accel: '%s' is not auto, kvm or soft", arg);
		return 0;
	case OPT_JIT:
		if (!strcmp(arg, "off")) o->jit = JIT_TIER_OFF;
		else if (!strcmp(arg, "eager")) o->jit = JIT_TIER_EAGER;
		else if (!strcmp(arg, "on")) o->jit = JIT_TIER_ON;
		else return error_set(err, -EINVAL, "--jit: '%s' is not off, on or eager", arg);
		return 0;
	case OPT_TSC:
		if (!strcmp(arg, "host")) o->tsc_retired = false;
		else if (!strcmp(arg, "retired")) o->tsc_retired = true;
		else return error_set(err, -EINVAL, "--tsc: '%s' is not host or retired", arg);
		return 0;
	case OPT_SERIAL:
		if (!strcmp(arg, "stdio")) o->serial = SERIAL_STDIO;
		else if (!strcmp(arg, "none")) o->serial = SERIAL_NONE;
		else if (!strncmp(arg, "file:", 5) && arg[5]) { o->serial = SERIAL_FILE; o->serial_path = arg + 5; }
		else return error_set(err, -EINVAL, "--serial: '%s' is not stdio, none or file:PATH", arg);
		return 0;
	case OPT_TIMEOUT: {
		errno = 0;
		double t = strtod(arg, &end);
		if (errno || end == arg || *end || !(t > 0) || !isfinite(t) || t > 1e9)
			return error_set(err, -EINVAL, "--timeout: '%s' is not a positive number of seconds", arg);
		o->timeout = t;
		return 0;
	}
	case OPT_LOAD:
		if (options_parse_address(arg, &o->load_addr) < 0)
			return error_set(err, -EINVAL, "--load: '%s' is not an address like 0x7c00", arg);
		o->has_load = true;
		return 0;
	case OPT_ON_RESET:
		if (!strcmp(arg, "exit")) o->on_reset = ON_RESET_EXIT;
		else if (!strcmp(arg, "restart")) o->on_reset = ON_RESET_RESTART;
		else return error_set(err, -EINVAL, "--on-reset: '%s' is not exit or restart", arg);
		return 0;
	case OPT_STATS: o->stats = true; return 0;
	case OPT_TRACE: return parse_trace(arg, &o->trace, err);
	case OPT_VERBOSE: o->verbose = true; return 0;
	case OPT_VGA:
		if (!strcmp(arg, "text")) o->vga = VGA_TEXT;
		else if (!strcmp(arg, "fb")) o->vga = VGA_FB;
		else return error_set(err, -EINVAL, "--vga: '%s' is not text or fb", arg);
		return 0;
	case OPT_SCREENSHOT:
		if (!*arg)
			return error_set(err, -EINVAL, "--screenshot: needs a file name");
		o->screenshot = arg;
		return 0;
	case OPT_DISPLAY:
		if (!strcmp(arg, "sdl")) o->display = DISPLAY_CHOICE_SDL;
		else if (!strcmp(arg, "none")) o->display = DISPLAY_CHOICE_NONE;
		else return error_set(err, -EINVAL, "--display: '%s' is not sdl or none", arg);
		return 0;
	case OPT_HELP: o->command = CMD_HELP; return 0;
	case OPT_VERSION: o->command = CMD_VERSION; return 0;
	}
	return error_set(err, -EINVAL, "internal: unhandled option %d", opt);
}

int options_parse(int argc, char **argv, struct options *o, struct error *err)
{
	*o = (struct options){ .command = CMD_RUN, .memory = 256ull << 20, .smp = 1,
		.accel = ACCEL_AUTO, .serial = SERIAL_STDIO, .on_reset = ON_RESET_EXIT };
	if (argc < 2)
		return error_set(err, -EINVAL, "no command: try 'morpheus --help'");
	int first = 2;
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run")) o->command = CMD_RUN;
	else if (!strcmp(cmd, "demo")) o->command = CMD_DEMO;
	else if (!strcmp(cmd, "info")) o->command = CMD_INFO;
	else if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) { o->command = CMD_HELP; return 0; }
	else if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) { o->command = CMD_VERSION; return 0; }
	else return error_set(err, -EINVAL, "'%s' is not a command (run, demo, info): try 'morpheus --help'", cmd);
	enum command subcommand = o->command;

	optind = 0;          /* glibc: full re-initialization (tests parse many times) */
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc - first + 1, argv + first - 1, "+h", long_options, NULL)) != -1) {
		if (opt == '?') {
			const char *bad = argv[first - 1 + optind - 1];
			if (optopt)
				return error_set(err, -EINVAL, "%s: needs an argument", bad);
			return error_set(err, -EINVAL, "%s: unknown option: try 'morpheus --help'", bad);
		}
		if (opt == 'h') opt = OPT_HELP;
		int rc = parse_option(opt, optarg, o, err);
		if (rc < 0)
			return rc;
	}
	int rest = first - 1 + optind;
	if (rest < argc)
		return error_set(err, -EINVAL, "'%s': unexpected argument: try 'morpheus --help'", argv[rest]);
	if (o->command == CMD_HELP || o->command == CMD_VERSION)
		return 0;
	if (subcommand == CMD_RUN && !o->kernel)
		return error_set(err, -EINVAL, "run: --kernel FILE is required");
	if (subcommand == CMD_DEMO && o->kernel)
		return error_set(err, -EINVAL, "demo: --kernel cannot be used (the demo guest is built in)");
	if (o->has_load && o->initrd)
		return error_set(err, -EINVAL, "--initrd: a flat binary (--load) takes no initrd");
	return 0;
}
