/* SPDX-License-Identifier: GPL-3.0-or-later */
/* options.h — the morpheus command line: subcommands, options, and the
 * text of --help (which lists every option and exit status). Parsing only:
 * nothing here starts a machine. */
#ifndef MORPHEUS_OPTIONS_H
#define MORPHEUS_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hw/error.h"
#include "hw/machine.h"

enum command { CMD_RUN, CMD_DEMO, CMD_INFO, CMD_HELP, CMD_VERSION };
enum accel { ACCEL_AUTO, ACCEL_KVM, ACCEL_SOFT };
enum serial_kind { SERIAL_STDIO, SERIAL_NONE, SERIAL_FILE };
enum vga_choice { VGA_AUTO, VGA_TEXT, VGA_FB };   /* --vga; auto: fb for Linux */
/* --display; auto: sdl when it can open a window here, else none */
enum display_choice { DISPLAY_CHOICE_AUTO, DISPLAY_CHOICE_SDL, DISPLAY_CHOICE_NONE };

/* Exit statuses of the morpheus process (the harness contract). */
enum {
	EXIT_GUEST_OK = 0,        /* powered off, reset with --on-reset exit, user quit */
	EXIT_BAD_INPUT = 1,       /* bad option or input file */
	EXIT_ENGINE_ERROR = 2,    /* the engine failed (e.g. KVM internal error) */
	EXIT_TIMEOUT = 124,       /* --timeout reached, as timeout(1) */
};

struct options {
	enum command command;
	const char *kernel;
	const char *initrd;
	const char *append;
	uint64_t memory;          /* bytes */
	int smp;
	enum accel accel;
	enum serial_kind serial;
	const char *serial_path;  /* SERIAL_FILE */
	double timeout;           /* seconds, 0 = none */
	bool has_load;
	uint64_t load_addr;
	enum on_reset on_reset;
	bool stats;
	unsigned trace;           /* TRACE_* of hw/machine.h */
	bool verbose;
	enum vga_choice vga;
	const char *screenshot;   /* --screenshot FILE.png, NULL = none */
	enum display_choice display;
	uint8_t jit;              /* --jit: enum jit_tier (jit/gccjit.h), 0 = off */
	bool tsc_retired;         /* --tsc retired */
};

/* Parses argv (argv[1] is the subcommand; "--help"/"--version" alone are
 * accepted too). On error returns < 0 with a one-line message in err. */
int options_parse(int argc, char **argv, struct options *o, struct error *err);
void options_print_help(FILE *out);

/* "256M", "1G", "512K", "1048576" -> bytes. */
int options_parse_size(const char *s, uint64_t *bytes);
/* "0x7c00", "31744", "1M" -> address. */
int options_parse_address(const char *s, uint64_t *addr);

#endif
