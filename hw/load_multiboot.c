/* SPDX-License-Identifier: GPL-3.0-or-later */
/* load_multiboot.c — Multiboot v1 kernels: ELF32 executables, or any image
 * whose header carries the address fields (flags bit 16, which then win over
 * the ELF headers, as the specification says).
 *
 * Decisions where the specification leaves a choice:
 *  - Required flags: bit 0 (page-aligned modules: modules are always page
 *    aligned), bit 1 (memory information: always given), bit 2 (video mode:
 *    accepted, but no video information is given); any other bit of 0-15 is
 *    an error.
 *  - The command line is --append as given (GRUB puts the kernel's path in
 *    front of it; morpheus does not). Always present, possibly empty.
 *  - --initrd becomes the one module, page aligned, placed as high as it fits
 *    below the PCI hole; its string is the initrd's file name. mod_end is
 *    one past the module's last byte. The mods fields are always given
 *    (mods_count 0 without --initrd).
 *  - The memory map is the machine's e820 table; mem_lower/mem_upper come
 *    from it. The boot loader name is "morpheus". No boot device.
 *  - The GDT, then the information structure with its module list, memory
 *    map and strings, go in the lowest free RAM from 0x1000 that no kernel
 *    segment uses (above 1 MiB if low memory is full).
 *  - An ELF entry point inside a segment's virtual range is translated to
 *    the physical address of that segment (higher-half kernels); the entry
 *    must be in RAM. Segments may start anywhere in RAM, even page 0, but not
 *    in the BIOS area (EBDA to 1 MiB), and may not overlap each other.
 *  - Entry state: 32-bit flat protected mode, paging and interrupts off,
 *    CS = 0x10, data segments 0x18, EAX = 0x2BADB002, EBX = the information
 *    structure, other registers 0 (ESP too: the kernel sets up its stack).
 */
#include "hw/loader.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_state.h"
#include "hw/machine.h"
#include "hw/multiboot.h"

#define MB_PAGE 4096
#define MB_LOW_START 0x1000ull
#define MB_LOW_END 0x100000ull
#define MB_4G (1ull << 32)
#define MB_LOADER_NAME "morpheus"

struct mb_header {
	size_t offset;                /* in the file */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

static size_t mb_search_limit(size_t size)
{
	return size < MULTIBOOT_SEARCH_LIMIT ? size : MULTIBOOT_SEARCH_LIMIT;
}

bool multiboot_detect(const uint8_t *image, size_t size)
{
	size_t limit = mb_search_limit(size);
	for (size_t off = 0; off + 4 <= limit; off += 4)
		if (load_le32(image + off) == MULTIBOOT_HEADER_MAGIC)
			return true;
	return false;
}

/* The first header with a good checksum. */
static int mb_find_header(const uint8_t *image, size_t size, const char *name,
			  struct mb_header *h, struct error *err)
{
	size_t limit = mb_search_limit(size), bad_offset = 0;
	bool bad_checksum = false;
	for (size_t off = 0; off + 4 <= limit; off += 4) {
		if (load_le32(image + off) != MULTIBOOT_HEADER_MAGIC)
			continue;
		if (size - off < MULTIBOOT_HEADER_MIN_SIZE)
			return error_set(err, -EINVAL, "%s: Multiboot header at offset 0x%zx is truncated",
					 name, off);
		uint32_t flags = load_le32(image + off + MB_HDR_FLAGS);
		uint32_t sum = MULTIBOOT_HEADER_MAGIC + flags + load_le32(image + off + MB_HDR_CHECKSUM);
		if (sum != 0) {
			if (!bad_checksum)
				bad_offset = off;
			bad_checksum = true;
			continue;
		}
		h->offset = off;
		h->flags = flags;
		if (flags & MULTIBOOT_AOUT_KLUDGE) {
			if (size - off < MULTIBOOT_HEADER_ADDR_SIZE)
				return error_set(err, -EINVAL,
						 "%s: Multiboot header at offset 0x%zx is truncated (address fields)",
						 name, off);
			h->header_addr = load_le32(image + off + MB_HDR_HEADER_ADDR);
			h->load_addr = load_le32(image + off + MB_HDR_LOAD_ADDR);
			h->load_end_addr = load_le32(image + off + MB_HDR_LOAD_END_ADDR);
			h->bss_end_addr = load_le32(image + off + MB_HDR_BSS_END_ADDR);
			h->entry_addr = load_le32(image + off + MB_HDR_ENTRY_ADDR);
		}
		return 0;
	}
	if (bad_checksum)
		return error_set(err, -EINVAL, "%s: Multiboot header at offset 0x%zx has a bad checksum",
				 name, bad_offset);
	return error_set(err, -EINVAL, "%s: no Multiboot header in the first %d bytes", name,
			 MULTIBOOT_SEARCH_LIMIT);
}

/* Claims [addr, addr+memsz) and fills it with filesz bytes of src, then
 * zeros. The caller checked filesz <= memsz and the file range. */
static int mb_load_segment(struct load_plan *plan, uint64_t addr, uint64_t memsz,
			   const uint8_t *src, uint64_t filesz, struct error *err)
{
	if (addr + memsz > MB_4G)
		return error_set(err, -ERANGE,
				 "%s: kernel segment 0x%" PRIx64 " (0x%" PRIx64 " bytes) goes beyond 4 GiB",
				 plan->name, addr, memsz);
	uint8_t *dst = load_plan_claim(plan, addr, memsz, "kernel segment", err);
	if (!dst)
		return -ERANGE;
	memcpy(dst, src, filesz);
	memset(dst + filesz, 0, memsz - filesz);
	return 0;
}

/* Flags bit 16: the address fields say where the image goes. */
static int mb_load_by_address(struct load_plan *plan, const uint8_t *image, size_t size,
			      const struct mb_header *h, uint32_t *entry, struct error *err)
{
	const char *name = plan->name;
	if (h->load_addr > h->header_addr)
		return error_set(err, -EINVAL, "%s: Multiboot load_addr 0x%x is above header_addr 0x%x",
				 name, h->load_addr, h->header_addr);
	uint64_t before_header = h->header_addr - h->load_addr;
	if (before_header > h->offset)
		return error_set(err, -EINVAL,
				 "%s: Multiboot load_addr 0x%x is 0x%" PRIx64 " bytes before the header, "
				 "which is only at file offset 0x%zx",
				 name, h->load_addr, before_header, h->offset);
	uint64_t file_offset = h->offset - before_header;
	uint64_t load_size = size - file_offset;
	if (h->load_end_addr) {
		if (h->load_end_addr < h->load_addr)
			return error_set(err, -EINVAL,
					 "%s: Multiboot load_end_addr 0x%x is below load_addr 0x%x",
					 name, h->load_end_addr, h->load_addr);
		if (h->load_end_addr - h->load_addr > load_size)
			return error_set(err, -EINVAL,
					 "%s: Multiboot load_end_addr 0x%x is past the end of the file",
					 name, h->load_end_addr);
		load_size = h->load_end_addr - h->load_addr;
	}
	uint64_t mem_size = load_size;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + load_size)
			return error_set(err, -EINVAL,
					 "%s: Multiboot bss_end_addr 0x%x is below the end of the loaded data 0x%" PRIx64,
					 name, h->bss_end_addr, h->load_addr + load_size);
		mem_size = h->bss_end_addr - h->load_addr;
	}
	if (mem_size == 0)
		return error_set(err, -EINVAL, "%s: Multiboot address fields load nothing", name);
	*entry = h->entry_addr;
	return mb_load_segment(plan, h->load_addr, mem_size, image + file_offset, load_size, err);
}

/* No bit 16: an ELF32 i386 executable, PT_LOAD segments at p_paddr. */
static int mb_load_elf(struct load_plan *plan, const uint8_t *image, size_t size,
		       uint32_t *entry, struct error *err)
{
	const char *name = plan->name;
	if (size < sizeof(Elf32_Ehdr) || memcmp(image, ELFMAG, SELFMAG) != 0)
		return error_set(err, -EINVAL,
				 "%s: Multiboot kernel is not ELF and its header has no address fields (flags bit 16)",
				 name);
	if (image[EI_CLASS] != ELFCLASS32 || image[EI_DATA] != ELFDATA2LSB)
		return error_set(err, -EINVAL, "%s: not a 32-bit little-endian ELF file", name);
	uint16_t type = load_le16(image + offsetof(Elf32_Ehdr, e_type));
	uint16_t machine = load_le16(image + offsetof(Elf32_Ehdr, e_machine));
	if (machine != EM_386)
		return error_set(err, -EINVAL, "%s: ELF machine %u is not i386", name, machine);
	if (type != ET_EXEC)
		return error_set(err, -EINVAL, "%s: ELF type %u is not an executable", name, type);

	uint32_t e_entry = load_le32(image + offsetof(Elf32_Ehdr, e_entry));
	uint64_t phoff = load_le32(image + offsetof(Elf32_Ehdr, e_phoff));
	uint64_t phentsize = load_le16(image + offsetof(Elf32_Ehdr, e_phentsize));
	uint64_t phnum = load_le16(image + offsetof(Elf32_Ehdr, e_phnum));
	if (phnum == 0)
		return error_set(err, -EINVAL, "%s: ELF file has no program headers", name);
	if (phentsize < sizeof(Elf32_Phdr))
		return error_set(err, -EINVAL, "%s: ELF program header size %" PRIu64 " is too small",
				 name, phentsize);
	if (phoff > size || phnum * phentsize > size - phoff)
		return error_set(err, -EINVAL,
				 "%s: ELF program header table (0x%" PRIx64 " + %" PRIu64 " x %" PRIu64
				 ") is past the end of the file",
				 name, phoff, phnum, phentsize);

	int loaded = 0;
	bool entry_translated = false;
	*entry = e_entry;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = image + phoff + i * phentsize;
		if (load_le32(ph + offsetof(Elf32_Phdr, p_type)) != PT_LOAD)
			continue;
		uint64_t offset = load_le32(ph + offsetof(Elf32_Phdr, p_offset));
		uint64_t vaddr = load_le32(ph + offsetof(Elf32_Phdr, p_vaddr));
		uint64_t paddr = load_le32(ph + offsetof(Elf32_Phdr, p_paddr));
		uint64_t filesz = load_le32(ph + offsetof(Elf32_Phdr, p_filesz));
		uint64_t memsz = load_le32(ph + offsetof(Elf32_Phdr, p_memsz));
		if (filesz > memsz)
			return error_set(err, -EINVAL,
					 "%s: ELF segment %" PRIu64 ": p_filesz 0x%" PRIx64 " > p_memsz 0x%" PRIx64,
					 name, i, filesz, memsz);
		if (offset > size || filesz > size - offset)
			return error_set(err, -EINVAL,
					 "%s: ELF segment %" PRIu64 ": file bytes 0x%" PRIx64 "+0x%" PRIx64
					 " are past the end of the file",
					 name, i, offset, filesz);
		if (memsz == 0)
			continue;
		int rc = mb_load_segment(plan, paddr, memsz, image + offset, filesz, err);
		if (rc < 0)
			return rc;
		loaded++;
		if (!entry_translated && e_entry >= vaddr && e_entry - vaddr < memsz) {
			*entry = (uint32_t)(e_entry - vaddr + paddr);
			entry_translated = true;
		}
	}
	if (!loaded)
		return error_set(err, -EINVAL, "%s: ELF file has no loadable segments", name);
	return 0;
}

/* KiB of RAM from 0 (at most 640) and from 1 MiB up to the first hole. */
static void mb_memory_sizes(const struct machine *m, uint32_t *lower, uint32_t *upper)
{
	uint64_t low = 0, high_end = MB_LOW_END;
	for (int i = 0; i < m->e820_count; i++)
		if (m->e820[i].addr == 0 && m->e820[i].type == E820_RAM)
			low = m->e820[i].size;
	for (bool grew = true; grew;) {
		grew = false;
		for (int i = 0; i < m->e820_count; i++) {
			const struct e820_entry *e = &m->e820[i];
			if (e->type == E820_RAM && e->addr <= high_end && e->addr + e->size > high_end) {
				high_end = e->addr + e->size;
				grew = true;
			}
		}
	}
	low /= 1024;
	*lower = (uint32_t)(low > 640 ? 640 : low);
	uint64_t up = (high_end - MB_LOW_END) / 1024;
	*upper = (uint32_t)(up > UINT32_MAX ? UINT32_MAX : up);
}

/* Low memory first, then above 1 MiB. */
static uint8_t *mb_alloc_low(struct load_plan *plan, uint64_t size, uint64_t align,
			     const char *what, uint64_t *addr, struct error *err)
{
	uint8_t *p = load_plan_alloc(plan, size, align, MB_LOW_START, MB_LOW_END, false, what, addr,
				     NULL);
	if (!p)
		p = load_plan_alloc(plan, size, align, MB_LOW_END, MB_4G, false, what, addr, err);
	return p;
}

static uint32_t mb_align8(uint32_t v) { return (v + 7) & ~7u; }

int load_multiboot(struct machine *m, const uint8_t *image, size_t size,
		   const struct boot_config *bc, struct error *err)
{
	const char *name = bc->kernel_path ? bc->kernel_path : "kernel";
	struct mb_header h = { 0 };
	struct load_plan plan;
	uint8_t *module = NULL;
	size_t module_size = 0;
	uint32_t entry = 0;
	int rc;

	load_plan_init(&plan, m, name);
	if ((rc = mb_find_header(image, size, name, &h, err)) < 0)
		return rc;
	uint32_t unknown = h.flags & 0xffffu & ~MULTIBOOT_KNOWN_REQUIRED;
	if (unknown)
		return error_set(err, -EINVAL,
				 "%s: Multiboot header requires unsupported features (flags 0x%x)",
				 name, unknown);
	if ((rc = load_plan_reserve_firmware(&plan, err)) < 0)
		return rc;
	if (h.flags & MULTIBOOT_AOUT_KLUDGE)
		rc = mb_load_by_address(&plan, image, size, &h, &entry, err);
	else
		rc = mb_load_elf(&plan, image, size, &entry, err);
	if (rc < 0)
		return rc;
	if (!machine_ram_ptr(m, entry, 1))
		return error_set(err, -ERANGE, "%s: entry point 0x%x is outside RAM", name, entry);

	/* The module (--initrd), page aligned, as high as it fits. */
	uint64_t module_addr = 0;
	if (bc->initrd_path) {
		rc = loader_read_file(bc->initrd_path, m->ram_size, &module, &module_size, err);
		if (rc < 0)
			return rc;
		uint8_t *dst = load_plan_alloc(&plan, module_size, MB_PAGE, MB_LOW_START, MB_4G, true,
					       "the module", &module_addr, NULL);
		if (!dst) {
			free(module);
			return error_set(err, -ENOSPC,
					 "%s: module of %zu KiB does not fit in free RAM below 0x%" PRIx64,
					 bc->initrd_path, (module_size + 1023) / 1024, m->ram_low);
		}
		memcpy(dst, module, module_size);
		free(module);
	}

	/* The GDT, then the information block: info, module list, memory
	 * map, command line, module string, boot loader name. */
	uint64_t gdt_addr;
	uint8_t *gdt = mb_alloc_low(&plan, LOADER_GDT_SIZE, 16, "the GDT", &gdt_addr, err);
	if (!gdt)
		return -ENOSPC;

	const char *cmdline = bc->cmdline ? bc->cmdline : "";
	uint32_t mods_count = bc->initrd_path ? 1 : 0;
	size_t cmdline_len = strlen(cmdline) + 1;
	size_t modstr_len = bc->initrd_path ? strlen(bc->initrd_path) + 1 : 0;
	if (cmdline_len > MB_LOW_END || modstr_len > MB_LOW_END)
		return error_set(err, -E2BIG, "%s: command line or module name is too long", name);
	uint32_t off_mods = mb_align8(sizeof(struct multiboot_info));
	uint32_t off_mmap = off_mods + mods_count * sizeof(struct multiboot_module);
	uint32_t mmap_len = (uint32_t)m->e820_count * sizeof(struct multiboot_mmap_entry);
	uint32_t off_cmdline = off_mmap + mmap_len;
	uint32_t off_modstr = off_cmdline + (uint32_t)cmdline_len;
	uint32_t off_name = off_modstr + (uint32_t)modstr_len;
	uint32_t total = off_name + sizeof(MB_LOADER_NAME);

	uint64_t info_addr;
	uint8_t *blk = mb_alloc_low(&plan, total, 16, "the Multiboot information", &info_addr, err);
	if (!blk)
		return -ENOSPC;
	uint32_t base = (uint32_t)info_addr;

	struct multiboot_info info = { 0 };
	info.flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
		     MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME;
	uint32_t mem_lower, mem_upper;
	mb_memory_sizes(m, &mem_lower, &mem_upper);
	info.mem_lower = mem_lower;
	info.mem_upper = mem_upper;
	info.cmdline = base + off_cmdline;
	info.mods_count = mods_count;
	info.mods_addr = mods_count ? base + off_mods : 0;
	info.mmap_length = mmap_len;
	info.mmap_addr = base + off_mmap;
	info.boot_loader_name = base + off_name;
	memset(blk, 0, total);
	memcpy(blk, &info, sizeof(info));
	if (mods_count) {
		struct multiboot_module mod = {
			.mod_start = (uint32_t)module_addr,
			.mod_end = (uint32_t)(module_addr + module_size),
			.string = base + off_modstr,
		};
		memcpy(blk + off_mods, &mod, sizeof(mod));
		memcpy(blk + off_modstr, bc->initrd_path, modstr_len);
	}
	for (int i = 0; i < m->e820_count; i++) {
		struct multiboot_mmap_entry e = {
			.size = sizeof(e) - sizeof(e.size),
			.addr = m->e820[i].addr,
			.len = m->e820[i].size,
			.type = m->e820[i].type,
		};
		memcpy(blk + off_mmap + (uint32_t)i * sizeof(e), &e, sizeof(e));
	}
	memcpy(blk + off_cmdline, cmdline, cmdline_len);
	memcpy(blk + off_name, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));

	struct cpu_state s;
	cpu_state_set_flat32(&s, entry);
	loader_write_gdt(gdt, gdt_addr, false, &s);
	s.gpr[CPU_RAX] = MULTIBOOT_BOOTLOADER_MAGIC;
	s.gpr[CPU_RBX] = info_addr;
	m->boot_state = s;
	m->boot_state_set = 1;
	return 0;
}
