/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvm_internal.h — what the kvm engine (kvm.c) and the kvm probe and
 * calibration (kvm_calibrate.c) share: opening /dev/kvm, creating a VM and a
 * vCPU, CPUID, and converting struct cpu_state to and from KVM's registers.
 * Not for use outside cpu/kvm*.c; the rest of morpheus sees cpu/kvm.h. */
#ifndef MORPHEUS_KVM_INTERNAL_H
#define MORPHEUS_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu_state.h"
#include "hw/error.h"

#define KVM_DEVICE_PATH "/dev/kvm"
/* Three pages just below the BIOS that KVM may use for real-mode emulation
 * on VT-x (TSS) and for the EPT identity map; the guest sees them as
 * reserved (nothing above RAM in the PCI hole is RAM). */
#define KVM_TSS_ADDR 0xfffbd000u
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000u

/* The 12-byte hypervisor signature in CPUID leaf 0x40000000 (EBX, ECX, EDX). */
#define KVM_HYPERVISOR_SIGNATURE "morpheus kvm"

/* Opens /dev/kvm and checks the API version and every capability the engine
 * uses. Returns the fd, or a negative errno with err filled in one line
 * ("/dev/kvm: No such file or directory"). */
int kvm_open_device(struct error *err);

/* KVM_CREATE_VM plus the TSS and identity-map addresses. Returns the VM fd or
 * a negative errno ("KVM_CREATE_VM: <reason>"). */
int kvm_create_vm(int dev_fd, struct error *err);

/* KVM_GET_SUPPORTED_CPUID into a malloc'ed table (free() it). */
struct kvm_cpuid2 *kvm_get_supported_cpuid(int dev_fd, struct error *err);

/* KVM_SET_CPUID2 on a vCPU: the supported table with this vCPU's APIC ID,
 * the hypervisor bit and morpheus' hypervisor leaf. */
int kvm_vcpu_set_cpuid(int vcpu_fd, const struct kvm_cpuid2 *supported, uint32_t apic_id,
		       struct error *err);

/* KVM_CREATE_VCPU and the mapping of its struct kvm_run (run_size bytes). */
int kvm_vcpu_open(int vm_fd, int index, size_t run_size, int *vcpu_fd, struct kvm_run **run,
		  struct error *err);

/* Architectural state to and from KVM (regs, sregs, debug registers). */
int kvm_vcpu_get_state(int vcpu_fd, struct cpu_state *s, struct error *err);
int kvm_vcpu_set_state(int vcpu_fd, const struct cpu_state *s, struct error *err);

/* "IO", "MMIO", "SHUTDOWN"... for KVM_EXIT_* (or "?" when unknown). */
const char *kvm_exit_name(uint32_t reason);

#endif
