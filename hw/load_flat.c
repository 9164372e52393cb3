/* SPDX-License-Identifier: GPL-3.0-or-later */
/* load_flat.c — a flat binary copied to guest-physical ADDR (--load ADDR),
 * started there. It has no header, so the start state is a convention:
 *
 *  - ADDR below 1 MiB: 16-bit real mode, CS:IP = (ADDR >> 4):(ADDR & 0xf),
 *    DS = ES = SS = FS = GS = CS and SP = 0xfffe, like a DOS .COM program:
 *    the image and its stack share one 64 KiB segment, the stack growing down
 *    from the segment's top (an image that needs the whole segment sets up
 *    its own stack). A boot sector loaded at 0x7c00 thus starts at 07C0:0000.
 *  - ADDR at or above 1 MiB (and below 4 GiB): 32-bit flat protected mode,
 *    paging off, EIP = ADDR, CS = 0x10, DS = ES = SS = FS = GS = 0x18, with
 *    that GDT written at 0x500 (the first free byte after the BIOS data
 *    area), no IDT, ESP = 0x7c00.
 *
 * Interrupts are disabled in both. The image must lie entirely inside RAM.
 * No BIOS is loaded: an image that calls BIOS services will not work. */
#include "hw/loader.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cpu/cpu_state.h"
#include "hw/machine.h"

#define FLAT_REAL_MODE_LIMIT 0x100000ull
#define FLAT_REAL_SP 0xfffe
#define FLAT_GDT_ADDR 0x500
#define FLAT_PM_ESP 0x7c00

int load_flat(struct machine *m, const uint8_t *image, size_t size, uint64_t addr,
	      const char *name, struct error *err)
{
	struct load_plan plan;
	struct cpu_state s;
	load_plan_init(&plan, m, name);

	if (size == 0)
		return error_set(err, -EINVAL, "%s: is empty", name);
	if (addr >= (1ull << 32))
		return error_set(err, -ERANGE, "%s: --load 0x%" PRIx64 " is above 4 GiB", name, addr);
	uint8_t *dst = load_plan_claim(&plan, addr, size, "the image", err);
	if (!dst)
		return -ERANGE;

	if (addr < FLAT_REAL_MODE_LIMIT) {
		uint16_t seg = (uint16_t)(addr >> 4);
		cpu_state_set_real(&s, seg, (uint16_t)(addr & 0xf), FLAT_REAL_SP);
		static const enum cpu_seg data_segs[] = { SEG_DS, SEG_ES, SEG_SS, SEG_FS, SEG_GS };
		for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
			s.seg[data_segs[i]] = s.seg[SEG_CS];
			s.seg[data_segs[i]].type = 3;   /* read/write data, accessed */
		}
	} else {
		cpu_state_set_flat32(&s, (uint32_t)addr);
		s.gpr[CPU_RSP] = FLAT_PM_ESP;
		uint8_t *gdt = load_plan_claim(&plan, FLAT_GDT_ADDR, LOADER_GDT_SIZE, "the GDT", err);
		if (!gdt)
			return -ERANGE;
		loader_write_gdt(gdt, FLAT_GDT_ADDR, false, &s);
	}
	memcpy(dst, image, size);
	m->boot_state = s;
	m->boot_state_set = 1;
	return 0;
}
