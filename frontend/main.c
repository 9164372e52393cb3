/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — the morpheus program: parse the command line and dispatch to a
 * subcommand (run, demo, info). */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "frontend/info.h"
#include "frontend/options.h"
#include "frontend/run.h"

int main(int argc, char **argv)
{
	struct options o;
	struct error err = { 0 };
	if (options_parse(argc, argv, &o, &err) < 0) {
		fprintf(stderr, "morpheus: %s\n", err.msg);
		return EXIT_BAD_INPUT;
	}
	switch (o.command) {
	case CMD_HELP:
		options_print_help(stdout);
		return 0;
	case CMD_VERSION:
		printf("morpheus %s\n", PACKAGE_VERSION);
		return 0;
	case CMD_INFO:
		return info_command(stdout);
	case CMD_RUN:
	case CMD_DEMO:
		return run_command(&o);
	}
	return EXIT_BAD_INPUT;
}
