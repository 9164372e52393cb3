/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_options.c — command-line parsing: every option, defaults, and the
 * one-line errors for bad values. */
#include <stdarg.h>
#include "tests/unit/check_helpers.h"
#include "frontend/options.h"

/* Parses a NULL-terminated list of arguments after "morpheus". */
static int parse(struct options *o, struct error *err, const char *first, ...)
{
	char *argv[32] = { "morpheus" };
	int argc = 1;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	memset(err, 0, sizeof(*err));
	return options_parse(argc, argv, o, err);
}

START_TEST(test_defaults_and_all_options)
{
	struct options o;
	struct error err;
	ck_assert_int_eq(parse(&o, &err, "run", "--kernel", "k", NULL), 0);
	ck_assert_int_eq(o.command, CMD_RUN);
	ck_assert_uint_eq(o.memory, 256ull << 20);
	ck_assert_int_eq(o.smp, 1);
	ck_assert_int_eq(o.accel, ACCEL_AUTO);
	ck_assert_int_eq(o.serial, SERIAL_STDIO);
	ck_assert_int_eq(o.on_reset, ON_RESET_EXIT);
	ck_assert(o.timeout == 0);
	ck_assert(!o.tsc_retired);

	ck_assert_int_eq(parse(&o, &err, "run", "--kernel", "bz", "--initrd", "rd", "--append",
			       "console=ttyS0 quiet", "--memory", "1G", "--smp", "4", "--accel", "kvm",
			       "--serial", "file:/tmp/x", "--timeout", "2.5", "--on-reset", "restart",
			       "--stats", "--trace", "post,exit", "--verbose", NULL), 0);
	ck_assert_str_eq(o.kernel, "bz");
	ck_assert_str_eq(o.initrd, "rd");
	ck_assert_str_eq(o.append, "console=ttyS0 quiet");
	ck_assert_uint_eq(o.memory, 1ull << 30);
	ck_assert_int_eq(o.smp, 4);
	ck_assert_int_eq(o.accel, ACCEL_KVM);
	ck_assert_int_eq(o.serial, SERIAL_FILE);
	ck_assert_str_eq(o.serial_path, "/tmp/x");
	ck_assert(o.timeout == 2.5);
	ck_assert_int_eq(o.on_reset, ON_RESET_RESTART);
	ck_assert(o.stats && o.verbose);
	ck_assert_uint_eq(o.trace, TRACE_POST | TRACE_EXIT);

	ck_assert_int_eq(parse(&o, &err, "run", "--kernel=flat.bin", "--load=0x7c00", "--serial=none", NULL), 0);
	ck_assert(o.has_load);
	ck_assert_uint_eq(o.load_addr, 0x7c00);
	ck_assert_int_eq(o.serial, SERIAL_NONE);

	ck_assert_int_eq(parse(&o, &err, "run", "--kernel", "k", "--tsc", "retired", NULL), 0);
	ck_assert(o.tsc_retired);
	ck_assert_int_eq(parse(&o, &err, "run", "--kernel", "k", "--tsc", "host", NULL), 0);
	ck_assert(!o.tsc_retired);

	ck_assert_int_eq(parse(&o, &err, "demo", "--accel", "soft", NULL), 0);
	ck_assert_int_eq(o.command, CMD_DEMO);
	ck_assert_int_eq(o.accel, ACCEL_SOFT);
	ck_assert_int_eq(parse(&o, &err, "info", NULL), 0);
	ck_assert_int_eq(o.command, CMD_INFO);
	ck_assert_int_eq(parse(&o, &err, "--help", NULL), 0);
	ck_assert_int_eq(o.command, CMD_HELP);
	ck_assert_int_eq(parse(&o, &err, "run", "--help", NULL), 0);
	ck_assert_int_eq(o.command, CMD_HELP);
	ck_assert_int_eq(parse(&o, &err, "--version", NULL), 0);
	ck_assert_int_eq(o.command, CMD_VERSION);
}
END_TEST

START_TEST(test_sizes)
{
	uint64_t v;
	ck_assert_int_eq(options_parse_size("256M", &v), 0);
	ck_assert_uint_eq(v, 256ull << 20);
	ck_assert_int_eq(options_parse_size("1g", &v), 0);
	ck_assert_uint_eq(v, 1ull << 30);
	ck_assert_int_eq(options_parse_size("512KiB", &v), 0);
	ck_assert_uint_eq(v, 512ull << 10);
	ck_assert_int_eq(options_parse_size("2MB", &v), 0);
	ck_assert_uint_eq(v, 2ull << 20);
	ck_assert_int_eq(options_parse_size("0x1000", &v), 0);
	ck_assert_uint_eq(v, 0x1000);
	ck_assert_int_lt(options_parse_size("12Q", &v), 0);
	ck_assert_int_lt(options_parse_size("M", &v), 0);
	ck_assert_int_lt(options_parse_size("", &v), 0);
	ck_assert_int_lt(options_parse_size("-1M", &v), 0);
	ck_assert_int_lt(options_parse_size("1 M", &v), 0);
	ck_assert_int_lt(options_parse_size("1Mx", &v), 0);
	ck_assert_int_lt(options_parse_size("99999999999999999999", &v), 0);
	ck_assert_int_lt(options_parse_size("17179869184T", &v), 0);    /* overflows */
}
END_TEST

/* Each bad command line gives an error whose message names the option. */
START_TEST(test_errors_name_the_option)
{
	static const struct { const char *args[4]; const char *expect; } cases[] = {
		{ { "run", "--memory", "0" }, "--memory" },
		{ { "run", "--memory", "12Q" }, "--memory" },
		{ { "run", "--memory", "1M" }, "--memory" },
		{ { "run", "--memory", "100T" }, "--memory" },
		{ { "run", "--memory", "4097K" }, "--memory" },
		{ { "run", "--smp", "0" }, "--smp" },
		{ { "run", "--smp", "65" }, "--smp" },
		{ { "run", "--smp", "two" }, "--smp" },
		{ { "run", "--accel", "bogus" }, "--accel" },
		{ { "run", "--tsc", "guest" }, "--tsc" },
		{ { "run", "--serial", "bogus:" }, "--serial" },
		{ { "run", "--serial", "file:" }, "--serial" },
		{ { "run", "--timeout", "-1" }, "--timeout" },
		{ { "run", "--timeout", "0" }, "--timeout" },
		{ { "run", "--timeout", "nan" }, "--timeout" },
		{ { "run", "--load", "garbage" }, "--load" },
		{ { "run", "--on-reset", "maybe" }, "--on-reset" },
		{ { "run", "--trace", "everything" }, "--trace" },
		{ { "run", "--frobnicate" }, "--frobnicate" },
		{ { "run", "--kernel" }, "--kernel" },
		{ { "fly" }, "fly" },
		{ { "run" }, "--kernel" },
		{ { "demo", "--kernel", "x" }, "--kernel" },
		{ { "run", "--kernel", "k", "extra" }, "extra" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o;
		struct error err;
		const char *const *a = cases[i].args;
		int rc;
		if (!a[1])
			rc = parse(&o, &err, a[0], NULL);
		else if (!a[2])
			rc = parse(&o, &err, a[0], a[1], NULL);
		else if (!a[3])
			rc = parse(&o, &err, a[0], a[1], a[2], NULL);
		else
			rc = parse(&o, &err, a[0], a[1], a[2], a[3], NULL);
		ck_assert_msg(rc < 0, "case %zu accepted", i);
		ck_assert_msg(strstr(err.msg, cases[i].expect), "case %zu: '%s' does not name '%s'", i,
			      err.msg, cases[i].expect);
		ck_assert_msg(!strchr(err.msg, '\n'), "case %zu: not one line", i);
	}
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_defaults_and_all_options);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_errors_name_the_option);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(options_suite)
