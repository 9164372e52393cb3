/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_helpers.h — shared bits of the Check unit tests: a small machine to
 * test devices and loaders on, and a main() that runs one suite. */
#ifndef MORPHEUS_CHECK_HELPERS_H
#define MORPHEUS_CHECK_HELPERS_H

#include <check.h>
#include <stdlib.h>
#include "hw/machine.h"

/* A machine with `ram` bytes of RAM and no devices; aborts the test on
 * failure. */
static inline void test_machine_create(struct machine *m, uint64_t ram)
{
	struct machine_config cfg = { .ram_size = ram, .smp = 1 };
	struct error err = { 0 };
	int rc = machine_create(m, &cfg, &err);
	ck_assert_msg(rc == 0, "machine_create: %s", err.msg);
}

/* main() for a test program made of one suite. */
#define CHECK_MAIN(suite_fn)                                         \
	int main(void)                                               \
	{                                                            \
		SRunner *sr = srunner_create(suite_fn());             \
		srunner_run_all(sr, CK_NORMAL);                      \
		int failed = srunner_ntests_failed(sr);              \
		srunner_free(sr);                                    \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;         \
	}

#endif
