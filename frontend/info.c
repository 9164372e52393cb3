/* SPDX-License-Identifier: GPL-3.0-or-later */
/* info.c — `morpheus info` and the `--accel` decision.
 *
 * kvm is usable when a VM can be created (not when /proc/cpuinfo says so);
 * it is fast when the calibration guest shows supervisor (CPL 0) code running
 * at hardware speed (cpu/kvm_calibrate.c). `auto` picks kvm only when it is
 * usable and fast, and the soft engine otherwise — on hosts without
 * /dev/kvm, and on hosts whose /dev/kvm emulates supervisor code in
 * software (nested clouds), where the soft engine is the faster one. */
#include "frontend/info.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpu/kvm.h"
#include "cpu/soft.h"

static const struct engine_ops *choose_auto(const struct kvm_probe *p, char *why, size_t why_size)
{
	if (!p->usable) {
		snprintf(why, why_size, "engine soft: kvm is not usable here (%s)", p->reason);
		return &soft_engine_ops;
	}
	if (!p->calibrated) {
		snprintf(why, why_size, "engine soft: kvm's speed could not be measured (%s)", p->reason);
		return &soft_engine_ops;
	}
	if (p->supervisor_fast) {
		snprintf(why, why_size, "engine kvm: supervisor code runs at hardware speed (%.3g instructions/s)",
			 p->cpl0_ips);
		return &kvm_engine_ops;
	}
	snprintf(why, why_size, "engine soft: kvm runs supervisor code at %.3g instructions/s here "
		 "(user code: %.3g): software-emulated, slower than the soft engine",
		 p->cpl0_ips, p->cpl3_ips);
	return &soft_engine_ops;
}

const struct engine_ops *info_choose_engine(enum accel accel, char *why, size_t why_size,
					    struct error *err)
{
	struct kvm_probe p;
	switch (accel) {
	case ACCEL_SOFT:
		snprintf(why, why_size, "engine soft (--accel soft)");
		return &soft_engine_ops;
	case ACCEL_KVM:
		kvm_probe(&p, false);
		if (!p.usable) {
			error_set(err, -ENODEV, "--accel kvm: %s", p.reason);
			return NULL;
		}
		snprintf(why, why_size, "engine kvm (--accel kvm)");
		return &kvm_engine_ops;
	case ACCEL_AUTO:
		break;
	}
	kvm_probe(&p, true);
	return choose_auto(&p, why, why_size);
}

int info_command(FILE *out)
{
	struct kvm_probe p;
	kvm_probe(&p, true);
	if (!p.usable) {
		fprintf(out, "kvm: not usable: %s\n", p.reason);
	} else {
		fprintf(out, "kvm: usable\n");
		if (p.calibrated) {
			fprintf(out, "kvm supervisor (CPL 0): %.3g instructions/s\n", p.cpl0_ips);
			fprintf(out, "kvm user (CPL 3):       %.3g instructions/s\n", p.cpl3_ips);
			fprintf(out, "kvm supervisor code at hardware speed: %s\n",
				p.supervisor_fast ? "yes" : "no");
		} else {
			fprintf(out, "kvm calibration: failed: %s\n", p.reason);
		}
	}
	fprintf(out, "soft engine: available (tier 0: IR interpreter)\n");
	char why[512];
	choose_auto(&p, why, sizeof(why));
	fprintf(out, "auto chooses: %s\n", why);
	return 0;
}
