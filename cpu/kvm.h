/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvm.h — the kvm engine (engine.h: kvm_engine_ops) and the probe that tells
 * whether /dev/kvm works here and how fast it runs supervisor code. */
#ifndef MORPHEUS_KVM_H
#define MORPHEUS_KVM_H

#include <stdbool.h>
#include "cpu/engine.h"

struct kvm_probe {
	bool usable;             /* a VM could be created */
	char reason[256];        /* !usable: why (one line); usable but !calibrated: why calibration failed */
	bool calibrated;         /* the calibration guest ran */
	double cpl0_ips;         /* guest instructions per second at CPL 0 */
	double cpl3_ips;         /* ... at CPL 3 with paging (64-bit) */
	bool supervisor_fast;    /* CPL 0 runs at hardware speed */
};

/* Opens /dev/kvm, checks the API and capabilities, creates (and destroys) a
 * VM; with `calibrate`, also runs the calibration guest (a few ms). */
void kvm_probe(struct kvm_probe *p, bool calibrate);

#endif
