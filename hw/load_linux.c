/* SPDX-License-Identifier: GPL-3.0-or-later */
/* load_linux.c — the Linux/x86 boot protocol (2.06 and later) for bzImage
 * kernels, entered through the 32-bit or 64-bit boot protocol: the kernel's
 * real-mode setup code is not run (there is no BIOS for it), so morpheus
 * fills boot_params itself. Older protocols, zImage and the EFI handover
 * are not supported.
 *
 * Guest-physical layout (all below the EBDA at 0x9fc00, or above 1 MiB):
 *   0x00500  GDT: 0x10 code (64-bit code for the 64-bit entry), 0x18 data
 *   0x09000  page tables for the 64-bit entry: PML4, PDPT at 0xa000, four
 *            page directories at 0xb000-0xefff identity-mapping the first
 *            4 GiB with 2 MiB pages
 *   0x10000  boot_params (the zero page)
 *   0x20000  the command line (--append)
 *   kernel   the protected-mode kernel at pref_address when the kernel is
 *            relocatable, pref_address is aligned to kernel_alignment and
 *            its init_size fits in RAM there; else at 0x100000. Claimed with
 *            the room the kernel needs before it reads the memory map:
 *            init_size bytes from where it will run (the load address
 *            aligned up to kernel_alignment if relocatable, and never below
 *            pref_address, where the decompressor moves itself).
 *   initrd   page aligned, as high as it fits below both initrd_addr_max and
 *            the PCI hole (always below 4 GiB), outside the kernel's area.
 *
 * boot_params: the setup header copied from the image (0x1f1 up to 0x202 +
 * the byte at 0x201), then type_of_loader 0xff, CAN_USE_HEAP with
 * heap_end_ptr 0xde00, vid_mode 0xffff, code32_start, cmd_line_ptr,
 * ramdisk_image/size, setup_data 0 and the e820 table of the machine; the
 * ext_* high halves are 0, and screen_info from the machine's display
 * (hw/display.h): VGA text mode 3 (80x25), a VESA linear framebuffer
 * (VIDEO_TYPE_VLFB), or nothing. Everything else is zero.
 *
 * Entry: with xloadflags XLF_KERNEL_64 (protocol 2.12+) 64-bit long mode at
 * the load address + 0x200; else 32-bit flat protected mode, paging off, at
 * the load address. CS = 0x10, data segments 0x18, RSI = boot_params, every
 * other general register 0, interrupts off. */
#include "hw/loader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_state.h"
#include "hw/linux_boot.h"
#include "hw/machine.h"

#define LX_GDT_ADDR 0x500ull
#define LX_PML4_ADDR 0x9000ull
#define LX_PDPT_ADDR 0xa000ull
#define LX_PD_ADDR 0xb000ull
#define LX_PD_COUNT 4                       /* 4 x 1 GiB */
#define LX_PAGE_TABLES_SIZE ((2 + LX_PD_COUNT) * 0x1000ull)
#define LX_ZERO_PAGE_ADDR 0x10000ull
#define LX_CMDLINE_ADDR 0x20000ull
#define LX_KERNEL_ADDR 0x100000ull
#define LX_HEAP_END_PTR 0xde00              /* heap end 0xe000 - 0x200 */
#define LX_INITRD_ADDR_MAX_DEFAULT 0x37ffffffu
#define LX_4G (1ull << 32)
#define LX_PAGE 4096

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

bool linux_detect(const uint8_t *image, size_t size)
{
	return size >= LINUX_HEADER + 4 && load_le32(image + LINUX_HEADER) == LINUX_HEADER_MAGIC;
}

/* Identity map of the first 4 GiB with 2 MiB pages at `pt` (guest
 * LX_PML4_ADDR). */
static void linux_write_page_tables(uint8_t *pt)
{
	memset(pt, 0, LX_PAGE_TABLES_SIZE);
	uint8_t *pml4 = pt, *pdpt = pt + (LX_PDPT_ADDR - LX_PML4_ADDR);
	store_le64(pml4, LX_PDPT_ADDR | PTE_P | PTE_RW);
	for (int i = 0; i < LX_PD_COUNT; i++) {
		uint64_t pd_addr = LX_PD_ADDR + (uint64_t)i * 0x1000;
		uint8_t *pd = pt + (pd_addr - LX_PML4_ADDR);
		store_le64(pdpt + i * 8, pd_addr | PTE_P | PTE_RW);
		for (int j = 0; j < 512; j++) {
			uint64_t phys = ((uint64_t)i << 30) | ((uint64_t)j << 21);
			store_le64(pd + j * 8, phys | PTE_P | PTE_RW | PTE_PS);
		}
	}
}

/* Reads and places the initrd; fills ramdisk_image/size in bp. */
static int linux_load_initrd(struct load_plan *plan, const char *path, uint8_t *bp,
			     struct error *err)
{
	struct machine *m = plan->m;
	uint8_t *data;
	size_t size;
	int rc = loader_read_file(path, m->ram_size, &data, &size, err);
	if (rc < 0)
		return rc;
	uint32_t addr_max = load_le32(bp + LINUX_INITRD_ADDR_MAX);
	if (addr_max == 0)
		addr_max = LX_INITRD_ADDR_MAX_DEFAULT;
	uint64_t hi = (uint64_t)addr_max + 1;    /* addr_max is the last usable byte */
	if (hi > m->ram_low)
		hi = m->ram_low;
	uint64_t addr;
	uint8_t *dst = load_plan_alloc(plan, size, LX_PAGE, LX_KERNEL_ADDR, hi, true, "the initrd",
				       &addr, NULL);
	if (!dst) {
		free(data);
		return error_set(err, -ENOSPC,
				 "%s: initrd of %zu KiB does not fit in free RAM below 0x%" PRIx64
				 " (initrd_addr_max 0x%x, RAM %" PRIu64 " MiB) next to the kernel",
				 path, (size + 1023) / 1024, hi, addr_max, m->ram_size >> 20);
	}
	memcpy(dst, data, size);
	free(data);
	store_le32(bp + LINUX_RAMDISK_IMAGE, (uint32_t)addr);
	store_le32(bp + LINUX_RAMDISK_SIZE, (uint32_t)size);
	return 0;
}

/* boot_params.screen_info for the machine's display. */
static void linux_write_screen_info(uint8_t *bp, const struct display_info *d)
{
	if (d->kind == DISPLAY_VGA_TEXT) {
		bp[LINUX_SI_ORIG_VIDEO_MODE] = 3;
		bp[LINUX_SI_ORIG_VIDEO_COLS] = d->text_cols;
		bp[LINUX_SI_ORIG_VIDEO_LINES] = d->text_lines;
		bp[LINUX_SI_ORIG_VIDEO_ISVGA] = 1;
		store_le16(bp + LINUX_SI_ORIG_VIDEO_EGA_BX, 3);   /* colour, 256 KiB */
		store_le16(bp + LINUX_SI_ORIG_VIDEO_POINTS, d->font_height);
	} else if (d->kind == DISPLAY_LFB) {
		bp[LINUX_SI_ORIG_VIDEO_ISVGA] = LINUX_VIDEO_TYPE_VLFB;
		store_le16(bp + LINUX_SI_LFB_WIDTH, (uint16_t)d->width);
		store_le16(bp + LINUX_SI_LFB_HEIGHT, (uint16_t)d->height);
		store_le16(bp + LINUX_SI_LFB_DEPTH, (uint16_t)d->bpp);
		store_le32(bp + LINUX_SI_LFB_BASE, (uint32_t)d->lfb_base);
		store_le32(bp + LINUX_SI_LFB_SIZE, (uint32_t)((d->lfb_size + 0xffff) >> 16));
		store_le16(bp + LINUX_SI_LFB_LINELENGTH, (uint16_t)d->stride);
		const struct display_channel *ch[4] = { &d->red, &d->green, &d->blue, &d->reserved };
		for (int i = 0; i < 4; i++) {
			bp[LINUX_SI_RED_SIZE + 2 * i] = ch[i]->size;
			bp[LINUX_SI_RED_SIZE + 2 * i + 1] = ch[i]->pos;
		}
		store_le16(bp + LINUX_SI_PAGES, 1);
		if (d->lfb_base >> 32) {
			store_le32(bp + LINUX_SI_CAPABILITIES, LINUX_VIDEO_CAPABILITY_64BIT_BASE);
			store_le32(bp + LINUX_SI_EXT_LFB_BASE, (uint32_t)(d->lfb_base >> 32));
		}
	}
}

int load_linux(struct machine *m, const uint8_t *image, size_t size,
	       const struct boot_config *bc, struct error *err)
{
	const char *name = bc->kernel_path ? bc->kernel_path : "kernel";
	struct load_plan plan;
	int rc;

	load_plan_init(&plan, m, name);
	if ((rc = load_plan_reserve_firmware(&plan, err)) < 0)
		return rc;

	/* The setup header, read from a zeroed copy of boot_params so that
	 * fields past the header's own end read as 0. */
	uint8_t *bp = calloc(1, LINUX_BOOT_PARAMS_SIZE);
	if (!bp)
		return error_set(err, -ENOMEM, "%s: out of memory", name);
	rc = -EINVAL;
	if (!linux_detect(image, size)) {
		error_set(err, rc, "%s: no Linux setup header (\"HdrS\" at 0x202)", name);
		goto out;
	}
	size_t hdr_end = LINUX_HEADER + image[LINUX_JUMP + 1];
	if (hdr_end > size) {
		error_set(err, rc, "%s: the Linux setup header (to 0x%zx) is past the end of the file",
			  name, hdr_end);
		goto out;
	}
	memcpy(bp + LINUX_SETUP_SECTS, image + LINUX_SETUP_SECTS, hdr_end - LINUX_SETUP_SECTS);

	uint16_t version = load_le16(bp + LINUX_VERSION);
	if (load_le16(bp + LINUX_BOOT_FLAG) != LINUX_BOOT_FLAG_MAGIC) {
		error_set(err, rc, "%s: no boot flag 0xAA55 at 0x1fe", name);
		goto out;
	}
	if (version < LINUX_MIN_VERSION) {
		error_set(err, rc, "%s: Linux boot protocol %u.%02u is too old (2.06 or later needed)",
			  name, version >> 8, version & 0xff);
		goto out;
	}
	if (!(bp[LINUX_LOADFLAGS] & LINUX_LOADED_HIGH)) {
		error_set(err, rc, "%s: not a bzImage (LOADED_HIGH is not set in loadflags)", name);
		goto out;
	}
	unsigned setup_sects = bp[LINUX_SETUP_SECTS] ? bp[LINUX_SETUP_SECTS] : 4;
	size_t kernel_offset = (setup_sects + 1) * 512;
	if (kernel_offset >= size) {
		error_set(err, rc, "%s: setup_sects %u puts the kernel at 0x%zx, past the end of the file (%zu bytes)",
			  name, setup_sects, kernel_offset, size);
		goto out;
	}
	uint64_t kernel_size = size - kernel_offset;

	/* Where the kernel goes, and the room it needs. */
	bool relocatable = bp[LINUX_RELOCATABLE_KERNEL] != 0;
	uint64_t align = load_le32(bp + LINUX_KERNEL_ALIGNMENT);
	uint64_t pref = version >= LINUX_VERSION_PREF_ADDRESS ? load_le64(bp + LINUX_PREF_ADDRESS) : 0;
	uint64_t init_size = version >= LINUX_VERSION_PREF_ADDRESS ? load_le32(bp + LINUX_INIT_SIZE) : 0;
	if (init_size < kernel_size)
		init_size = kernel_size;
	if (relocatable && (align == 0 || (align & (align - 1)))) {
		error_set(err, rc, "%s: kernel_alignment 0x%" PRIx64 " is not a power of two", name, align);
		goto out;
	}
	if (pref >= LX_4G) {
		error_set(err, rc, "%s: pref_address 0x%" PRIx64 " is above 4 GiB", name, pref);
		goto out;
	}
	uint64_t load = LX_KERNEL_ADDR;
	if (relocatable && pref >= LX_KERNEL_ADDR && (pref & (align - 1)) == 0 &&
	    machine_ram_ptr(m, pref, init_size))
		load = pref;
	uint64_t runtime = relocatable ? (load + align - 1) & ~(align - 1) : load;
	if (runtime < pref)
		runtime = pref;
	uint64_t area_end = runtime + init_size;
	if (area_end < load + kernel_size)
		area_end = load + kernel_size;
	uint8_t *kernel = load_plan_claim(&plan, load, area_end - load, "the kernel (with init_size)", err);
	if (!kernel) {
		rc = -ERANGE;
		goto out;
	}

	/* boot_params, command line, initrd. */
	uint8_t *zero_page = load_plan_claim(&plan, LX_ZERO_PAGE_ADDR, LINUX_BOOT_PARAMS_SIZE,
					     "boot_params", err);
	if (!zero_page) {
		rc = -ERANGE;
		goto out;
	}
	const char *cmdline = bc->cmdline ? bc->cmdline : "";
	size_t cmdline_len = strlen(cmdline);
	uint32_t cmdline_max = load_le32(bp + LINUX_CMDLINE_SIZE);
	if (cmdline_len > cmdline_max) {
		error_set(err, rc, "%s: --append: command line longer than the kernel's cmdline_size %u",
			  name, cmdline_max);
		goto out;
	}
	uint8_t *cmdline_dst = load_plan_claim(&plan, LX_CMDLINE_ADDR, cmdline_len + 1,
					       "the command line", err);
	if (!cmdline_dst) {
		rc = -ERANGE;
		goto out;
	}
	if (bc->initrd_path && (rc = linux_load_initrd(&plan, bc->initrd_path, bp, err)) < 0)
		goto out;

	/* The entry state, its GDT and page tables. */
	bool entry64 = version >= LINUX_VERSION_XLOADFLAGS &&
		       (load_le16(bp + LINUX_XLOADFLAGS) & LINUX_XLF_KERNEL_64);
	struct cpu_state s;
	uint8_t *gdt = load_plan_claim(&plan, LX_GDT_ADDR, LOADER_GDT_SIZE, "the GDT", err);
	uint8_t *pt = NULL;
	if (gdt && entry64)
		pt = load_plan_claim(&plan, LX_PML4_ADDR, LX_PAGE_TABLES_SIZE, "the page tables", err);
	if (!gdt || (entry64 && !pt)) {
		rc = -ERANGE;
		goto out;
	}
	if (entry64) {
		linux_write_page_tables(pt);
		cpu_state_set_long64(&s, load + LINUX_ENTRY64_OFFSET, LX_PML4_ADDR);
	} else {
		cpu_state_set_flat32(&s, (uint32_t)load);
	}
	loader_write_gdt(gdt, LX_GDT_ADDR, entry64, &s);
	s.gpr[CPU_RSI] = LX_ZERO_PAGE_ADDR;

	/* Fill in boot_params and write everything. */
	bp[LINUX_TYPE_OF_LOADER] = LINUX_TYPE_OF_LOADER_UNDEFINED;
	bp[LINUX_LOADFLAGS] |= LINUX_CAN_USE_HEAP;
	store_le16(bp + LINUX_HEAP_END_PTR, LX_HEAP_END_PTR);
	store_le16(bp + LINUX_VID_MODE, LINUX_VID_MODE_NORMAL);
	store_le32(bp + LINUX_CODE32_START, (uint32_t)load);
	store_le32(bp + LINUX_CMD_LINE_PTR, (uint32_t)LX_CMDLINE_ADDR);
	store_le64(bp + LINUX_SETUP_DATA, 0);
	linux_write_screen_info(bp, &m->display);
	int n = m->e820_count < LINUX_BP_E820_MAX ? m->e820_count : LINUX_BP_E820_MAX;
	bp[LINUX_BP_E820_ENTRIES] = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint8_t *e = bp + LINUX_BP_E820_TABLE + i * LINUX_BP_E820_ENTRY_SIZE;
		store_le64(e, m->e820[i].addr);
		store_le64(e + 8, m->e820[i].size);
		store_le32(e + 16, m->e820[i].type);
	}
	memcpy(zero_page, bp, LINUX_BOOT_PARAMS_SIZE);
	memcpy(cmdline_dst, cmdline, cmdline_len + 1);
	memcpy(kernel, image + kernel_offset, kernel_size);
	m->boot_state = s;
	m->boot_state_set = 1;
	rc = 0;
out:
	free(bp);
	return rc;
}
