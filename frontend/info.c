/* SPDX-License-Identifier: GPL-3.0-or-later */
/* info.c — `morpheus info` and the `--accel` decision.
 *
 * kvm is usable when a VM can be created (not when /proc/cpuinfo says so);
 * it is fast when the calibration guest shows supervisor (CPL 0) code running
 * at hardware speed (cpu/kvm_calibrate.c). `auto` prefers kvm only when it is
 * fast; until the soft engine exists it falls back to a slow kvm and says so
 * with --verbose. */
#include "frontend/info.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpu/kvm.h"

static const struct engine_ops *choose_auto(const struct kvm_probe *p, char *why, size_t why_size,
					    struct error *err)
{
	if (!p->usable) {
		error_set(err, -ENODEV, "--accel auto: no engine can run here: kvm: %s; the soft engine is not built yet",
			  p->reason);
		return NULL;
	}
	if (p->supervisor_fast)
		snprintf(why, why_size, "engine kvm: supervisor code runs at hardware speed (%.3g instructions/s)",
			 p->cpl0_ips);
	else
		snprintf(why, why_size, "engine kvm: supervisor code is slow here (%.3g instructions/s at CPL 0 vs "
			 "%.3g at CPL 3: software-emulated); auto would choose the soft engine, which is not built yet",
			 p->cpl0_ips, p->cpl3_ips);
	return &kvm_engine_ops;
}

const struct engine_ops *info_choose_engine(enum accel accel, char *why, size_t why_size,
					    struct error *err)
{
	struct kvm_probe p;
	switch (accel) {
	case ACCEL_SOFT:
		error_set(err, -ENOSYS, "--accel soft: the soft engine is not built yet");
		return NULL;
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
	return choose_auto(&p, why, why_size, err);
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
	fprintf(out, "soft engine: not built yet\n");
	char why[512];
	struct error err = { 0 };
	const struct engine_ops *e = choose_auto(&p, why, sizeof(why), &err);
	fprintf(out, "auto chooses: %s\n", e ? why : err.msg);
	return 0;
}
