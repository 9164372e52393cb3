/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_loaders.c — the boot loaders on images built here in memory (and in
 * temporary files for the file-reading paths): flat binaries, Multiboot ELF32
 * and address-field kernels with their information structure, Linux bzImages
 * with boot_params and the 32/64-bit entry states, every malformed input we
 * could think of, and seeded random mutations that must never crash. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_helpers.h"
#include "hw/linux_boot.h"
#include "hw/loader.h"
#include "hw/multiboot.h"

#define MiB (1ull << 20)

static struct machine m;
static char tmpdir[64];

static void setup(void)
{
	test_machine_create(&m, 32 * MiB);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_loaders.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	machine_destroy(&m);
	DIR *d = opendir(tmpdir);            /* the files are all at its top */
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));) {
		char path[sizeof(tmpdir) + 256];
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	ck_assert_int_eq(rmdir(tmpdir), 0);
}

static void machine_resize(uint64_t ram)
{
	machine_destroy(&m);
	test_machine_create(&m, ram);
}

/* Writes a file in the temporary directory; returns its path (static). */
static const char *write_temp(const char *name, const void *data, size_t size)
{
	static char path[2][128];
	static int which;
	char *p = path[which++ & 1];
	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, size, f), size);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

static uint8_t *ram(uint64_t gpa, uint64_t len)
{
	uint8_t *p = machine_ram_ptr(&m, gpa, len);
	ck_assert_msg(p != NULL, "0x%" PRIx64 "+0x%" PRIx64 " not in RAM", gpa, len);
	return p;
}

static uint32_t rd32(uint64_t gpa) { return load_le32(ram(gpa, 4)); }
static uint64_t rd64(uint64_t gpa) { return load_le64(ram(gpa, 8)); }

/* Loads image bytes named `name`; returns rc and leaves the message in err. */
static int load_image(const uint8_t *image, size_t size, const char *name, const char *cmdline,
		      const char *initrd, struct error *err)
{
	struct boot_config bc = { .kernel_path = name, .image = image, .image_size = size,
				  .cmdline = cmdline, .initrd_path = initrd };
	memset(err, 0, sizeof(*err));
	return loader_load(&m, &bc, err);
}

/* The load fails with a message that starts with `who` and contains `what`. */
static void expect_error(int rc, const struct error *err, const char *who, const char *what)
{
	ck_assert_msg(rc < 0, "expected an error containing \"%s\", got rc %d", what, rc);
	ck_assert_msg(strncmp(err->msg, who, strlen(who)) == 0 && err->msg[strlen(who)] == ':',
		      "message does not start with \"%s:\": %s", who, err->msg);
	ck_assert_msg(strstr(err->msg, what), "message lacks \"%s\": %s", what, err->msg);
	ck_assert_msg(!strchr(err->msg, '\n'), "message is not one line: %s", err->msg);
}

/* ---- flat binaries -------------------------------------------------------- */

START_TEST(test_flat_real_mode)
{
	uint8_t image[512];
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + 1);
	struct boot_config bc = { .kernel_path = "boot.bin", .image = image,
				  .image_size = sizeof(image), .flat = true, .load_addr = 0x7c00 };
	struct error err = { 0 };
	ck_assert_int_eq(loader_load(&m, &bc, &err), 0);
	ck_assert(memcmp(ram(0x7c00, sizeof(image)), image, sizeof(image)) == 0);
	const struct cpu_state *s = &m.boot_state;
	ck_assert_uint_ne(m.boot_state_set, 0);
	ck_assert_uint_eq(s->seg[SEG_CS].selector, 0x07c0);
	ck_assert_uint_eq(s->seg[SEG_CS].base, 0x7c00);
	ck_assert_uint_eq(s->rip, 0);
	ck_assert_uint_eq(s->seg[SEG_SS].selector, 0x07c0);
	ck_assert_uint_eq(s->seg[SEG_DS].base, 0x7c00);
	ck_assert_uint_eq(s->gpr[CPU_RSP], 0xfffe);
	ck_assert_uint_eq(s->cr0 & CR0_PE, 0);
	ck_assert_uint_eq(s->rflags & RFLAGS_IF, 0);

	/* An unaligned address: IP carries the low nibble. */
	bc.load_addr = 0x12345;
	ck_assert_int_eq(loader_load(&m, &bc, &err), 0);
	ck_assert_uint_eq(m.boot_state.seg[SEG_CS].selector, 0x1234);
	ck_assert_uint_eq(m.boot_state.rip, 5);
	ck_assert_uint_eq(ram(0x12345, 1)[0], image[0]);
}
END_TEST

START_TEST(test_flat_protected_mode_from_file)
{
	uint8_t image[100];
	memset(image, 0x90, sizeof(image));
	const char *path = write_temp("pm.bin", image, sizeof(image));
	struct boot_config bc = { .kernel_path = path, .flat = true, .load_addr = 0x200000 };
	struct error err = { 0 };
	ck_assert_msg(loader_load(&m, &bc, &err) == 0, "%s", err.msg);
	ck_assert(memcmp(ram(0x200000, sizeof(image)), image, sizeof(image)) == 0);
	const struct cpu_state *s = &m.boot_state;
	ck_assert_uint_eq(s->rip, 0x200000);
	ck_assert_uint_ne(s->cr0 & CR0_PE, 0);
	ck_assert_uint_eq(s->cr0 & CR0_PG, 0);
	ck_assert_uint_eq(s->seg[SEG_CS].selector, 0x10);
	ck_assert_uint_eq(s->seg[SEG_DS].selector, 0x18);
	ck_assert_uint_eq(s->gdt.limit, 31);
	uint64_t code = rd64(s->gdt.base + 0x10), data = rd64(s->gdt.base + 0x18);
	ck_assert_uint_eq((code >> 40) & 0xff, 0x9b);       /* present code, execute/read */
	ck_assert_uint_eq((code >> 52) & 0xf, 0xc);         /* G, D */
	ck_assert_uint_eq((data >> 40) & 0xff, 0x93);
}
END_TEST

START_TEST(test_flat_errors)
{
	uint8_t image[16] = { 0xf4 };
	struct boot_config bc = { .kernel_path = "flat.bin", .image = image,
				  .image_size = sizeof(image), .flat = true };
	struct error err;
	bc.load_addr = 32 * MiB - 8;                       /* runs off the end of RAM */
	expect_error(loader_load(&m, &bc, &err), &err, "flat.bin", "outside RAM");
	bc.load_addr = 0xffffffffffffff00ull;              /* would wrap around */
	expect_error(loader_load(&m, &bc, &err), &err, "flat.bin", "above 4 GiB");
	bc.load_addr = 0x1000;
	bc.initrd_path = "initrd.img";
	expect_error(loader_load(&m, &bc, &err), &err, "flat.bin", "--initrd");
	ck_assert_uint_eq(m.boot_state_set, 0);
}
END_TEST

/* ---- reading files --------------------------------------------------------- */

START_TEST(test_read_file_errors)
{
	char path[160];
	struct error err;
	struct boot_config bc = { .kernel_path = path };

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	expect_error(loader_load(&m, &bc, &err), &err, path, "No such file or directory");
	snprintf(path, sizeof(path), "%s", tmpdir);
	expect_error(loader_load(&m, &bc, &err), &err, path, "is a directory");
	snprintf(path, sizeof(path), "%s", write_temp("empty", "", 0));
	expect_error(loader_load(&m, &bc, &err), &err, path, "is empty");

	static uint8_t big[MiB + 1];
	snprintf(path, sizeof(path), "%s", write_temp("big", big, sizeof(big)));
	uint8_t *data = NULL;
	size_t size = 0;
	expect_error(loader_read_file(path, MiB, &data, &size, &err), &err, path,
		     "is larger than 1 MiB");
	ck_assert_ptr_null(data);
	ck_assert_int_eq(loader_read_file(path, 2 * MiB, &data, &size, &err), 0);
	ck_assert_uint_eq(size, sizeof(big));
	free(data);

	/* A non-regular file is read to its end, with the same cap. */
	ck_assert_int_eq(loader_read_file("/dev/zero", MiB, &data, &size, &err), -EFBIG);
	ck_assert_ptr_null(data);

	/* Garbage that is neither format. */
	snprintf(path, sizeof(path), "%s", write_temp("junk", "hello, world", 12));
	expect_error(loader_load(&m, &bc, &err), &err, path, "not a Linux bzImage or Multiboot");
}
END_TEST

/* ---- Multiboot ------------------------------------------------------------- */

/* A Multiboot ELF32: ehdr, two phdrs, the header (in the text segment) at
 * file offset 0x1000; text 0x100 bytes at 0x100000 (memsz 0x3000: bss),
 * data 0x20 bytes at 0x200000. */
#define MB_TEXT_OFF 0x1000
#define MB_TEXT_ADDR 0x100000
#define MB_TEXT_FILESZ 0x100
#define MB_TEXT_MEMSZ 0x3000
#define MB_DATA_OFF 0x1100
#define MB_DATA_ADDR 0x200000
#define MB_DATA_SIZE 0x20
#define MB_ELF_SIZE 0x1120
#define MB_ENTRY 0x10000c
#define PH0 sizeof(Elf32_Ehdr)
#define PH1 (sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr))

static void mb_set_header(uint8_t *hdr, uint32_t flags)
{
	store_le32(hdr, MULTIBOOT_HEADER_MAGIC);
	store_le32(hdr + 4, flags);
	store_le32(hdr + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

static void mb_set_phdr(uint8_t *ph, uint32_t offset, uint32_t vaddr, uint32_t paddr,
			uint32_t filesz, uint32_t memsz)
{
	store_le32(ph + offsetof(Elf32_Phdr, p_type), PT_LOAD);
	store_le32(ph + offsetof(Elf32_Phdr, p_offset), offset);
	store_le32(ph + offsetof(Elf32_Phdr, p_vaddr), vaddr);
	store_le32(ph + offsetof(Elf32_Phdr, p_paddr), paddr);
	store_le32(ph + offsetof(Elf32_Phdr, p_filesz), filesz);
	store_le32(ph + offsetof(Elf32_Phdr, p_memsz), memsz);
	store_le32(ph + offsetof(Elf32_Phdr, p_flags), PF_R | PF_X);
	store_le32(ph + offsetof(Elf32_Phdr, p_align), 0x1000);
}

static void mb_build_elf(uint8_t *img)
{
	memset(img, 0, MB_ELF_SIZE);
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = ELFCLASS32;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
	store_le16(img + offsetof(Elf32_Ehdr, e_type), ET_EXEC);
	store_le16(img + offsetof(Elf32_Ehdr, e_machine), EM_386);
	store_le32(img + offsetof(Elf32_Ehdr, e_version), EV_CURRENT);
	store_le32(img + offsetof(Elf32_Ehdr, e_entry), MB_ENTRY);
	store_le32(img + offsetof(Elf32_Ehdr, e_phoff), PH0);
	store_le16(img + offsetof(Elf32_Ehdr, e_ehsize), sizeof(Elf32_Ehdr));
	store_le16(img + offsetof(Elf32_Ehdr, e_phentsize), sizeof(Elf32_Phdr));
	store_le16(img + offsetof(Elf32_Ehdr, e_phnum), 2);
	mb_set_phdr(img + PH0, MB_TEXT_OFF, MB_TEXT_ADDR, MB_TEXT_ADDR, MB_TEXT_FILESZ, MB_TEXT_MEMSZ);
	mb_set_phdr(img + PH1, MB_DATA_OFF, MB_DATA_ADDR, MB_DATA_ADDR, MB_DATA_SIZE, MB_DATA_SIZE);
	mb_set_header(img + MB_TEXT_OFF, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
	for (int i = 12; i < MB_TEXT_FILESZ; i++)
		img[MB_TEXT_OFF + i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < MB_DATA_SIZE; i++)
		img[MB_DATA_OFF + i] = (uint8_t)(0xd0 + i);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

START_TEST(test_multiboot_elf)
{
	static uint8_t img[MB_ELF_SIZE];
	mb_build_elf(img);
	static uint8_t module[5000];
	for (size_t i = 0; i < sizeof(module); i++)
		module[i] = (uint8_t)(i ^ (i >> 8));
	const char *initrd = write_temp("module.bin", module, sizeof(module));
	const char *kernel = write_temp("kernel.elf", img, sizeof(img));
	memset(ram(MB_TEXT_ADDR, MB_TEXT_MEMSZ), 0xaa, MB_TEXT_MEMSZ);   /* bss must be zeroed */

	struct boot_config bc = { .kernel_path = kernel, .initrd_path = initrd,
				  .cmdline = "console=ttyS0 answer=42" };
	struct error err = { 0 };
	ck_assert_msg(loader_load(&m, &bc, &err) == 0, "%s", err.msg);

	/* Kernel bytes and zeroed bss. */
	ck_assert(memcmp(ram(MB_TEXT_ADDR, MB_TEXT_FILESZ), img + MB_TEXT_OFF, MB_TEXT_FILESZ) == 0);
	ck_assert(memcmp(ram(MB_DATA_ADDR, MB_DATA_SIZE), img + MB_DATA_OFF, MB_DATA_SIZE) == 0);
	const uint8_t *bss = ram(MB_TEXT_ADDR + MB_TEXT_FILESZ, MB_TEXT_MEMSZ - MB_TEXT_FILESZ);
	for (int i = 0; i < MB_TEXT_MEMSZ - MB_TEXT_FILESZ; i++)
		ck_assert_uint_eq(bss[i], 0);

	/* Entry state. */
	const struct cpu_state *s = &m.boot_state;
	ck_assert_uint_ne(m.boot_state_set, 0);
	ck_assert_uint_eq(s->gpr[CPU_RAX], 0x2BADB002);
	ck_assert_uint_eq(s->rip, MB_ENTRY);
	ck_assert_uint_ne(s->cr0 & CR0_PE, 0);
	ck_assert_uint_eq(s->cr0 & CR0_PG, 0);
	ck_assert_uint_eq(s->rflags & RFLAGS_IF, 0);
	ck_assert_uint_eq(s->seg[SEG_CS].selector, 0x10);
	ck_assert_uint_eq(s->seg[SEG_SS].selector, 0x18);
	ck_assert_uint_eq((rd64(s->gdt.base + 0x10) >> 40) & 0xff, 0x9b);

	/* The information structure. */
	uint64_t mbi = s->gpr[CPU_RBX];
	ck_assert_uint_lt(mbi, 0x9fc00);
	uint32_t flags = rd32(mbi);
	ck_assert_uint_eq(flags & (MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
				   MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP |
				   MULTIBOOT_INFO_BOOT_LOADER_NAME),
			  MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
			  MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME);
	ck_assert_uint_eq(flags & MULTIBOOT_INFO_BOOTDEV, 0);
	ck_assert_uint_eq(rd32(mbi + offsetof(struct multiboot_info, mem_lower)), 639);
	ck_assert_uint_eq(rd32(mbi + offsetof(struct multiboot_info, mem_upper)), (32 * MiB - MiB) / 1024);
	ck_assert_str_eq((const char *)ram(rd32(mbi + offsetof(struct multiboot_info, cmdline)), 1),
			 "console=ttyS0 answer=42");
	ck_assert_str_eq((const char *)ram(rd32(mbi + offsetof(struct multiboot_info, boot_loader_name)), 1),
			 "morpheus");

	uint32_t mmap = rd32(mbi + offsetof(struct multiboot_info, mmap_addr));
	uint32_t mmap_len = rd32(mbi + offsetof(struct multiboot_info, mmap_length));
	int n = 0;
	for (uint32_t p = mmap; p < mmap + mmap_len; p += rd32(p) + 4, n++) {
		ck_assert_int_lt(n, m.e820_count);
		ck_assert_uint_eq(rd32(p), 20);
		ck_assert_uint_eq(rd64(p + 4), m.e820[n].addr);
		ck_assert_uint_eq(rd64(p + 12), m.e820[n].size);
		ck_assert_uint_eq(rd32(p + 20), m.e820[n].type);
	}
	ck_assert_int_eq(n, m.e820_count);

	ck_assert_uint_eq(rd32(mbi + offsetof(struct multiboot_info, mods_count)), 1);
	uint32_t mods = rd32(mbi + offsetof(struct multiboot_info, mods_addr));
	uint32_t mod_start = rd32(mods), mod_end = rd32(mods + 4);
	ck_assert_uint_eq(mod_start % 4096, 0);
	ck_assert_uint_eq(mod_end - mod_start, sizeof(module));
	ck_assert(memcmp(ram(mod_start, sizeof(module)), module, sizeof(module)) == 0);
	ck_assert_str_eq((const char *)ram(rd32(mods + 8), 1), initrd);

	/* Nothing overlaps the kernel. */
	ck_assert(!ranges_overlap(mod_start, sizeof(module), MB_TEXT_ADDR, MB_TEXT_MEMSZ));
	ck_assert(!ranges_overlap(mod_start, sizeof(module), MB_DATA_ADDR, MB_DATA_SIZE));
	ck_assert(!ranges_overlap(mbi, sizeof(struct multiboot_info), s->gdt.base, 32));
}
END_TEST

START_TEST(test_multiboot_higher_half_entry)
{
	static uint8_t img[MB_ELF_SIZE];
	mb_build_elf(img);
	/* Linked at 0xc0100000, loaded at 0x100000. */
	store_le32(img + PH0 + offsetof(Elf32_Phdr, p_vaddr), 0xc0000000u + MB_TEXT_ADDR);
	store_le32(img + offsetof(Elf32_Ehdr, e_entry), 0xc0000000u + MB_ENTRY);
	struct error err;
	ck_assert_msg(load_image(img, sizeof(img), "hh.elf", NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(m.boot_state.rip, MB_ENTRY);
	/* No initrd: the mods fields say so; the command line is empty. */
	uint64_t mbi = m.boot_state.gpr[CPU_RBX];
	ck_assert_uint_eq(rd32(mbi + offsetof(struct multiboot_info, mods_count)), 0);
	ck_assert_str_eq((const char *)ram(rd32(mbi + offsetof(struct multiboot_info, cmdline)), 1), "");
}
END_TEST

/* An image with the address fields (flags bit 16): 0x40 bytes of junk, the
 * header, code; loaded from file offset 0 at 0x100000. */
#define AOUT_HDR_OFF 0x40
#define AOUT_SIZE 0x200
static void mb_build_aout(uint8_t *img)
{
	memset(img, 0, AOUT_SIZE);
	for (int i = 0; i < AOUT_SIZE; i++)
		img[i] = (uint8_t)(i * 3);
	uint8_t *h = img + AOUT_HDR_OFF;
	mb_set_header(h, MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE);
	store_le32(h + MB_HDR_HEADER_ADDR, 0x100000 + AOUT_HDR_OFF);
	store_le32(h + MB_HDR_LOAD_ADDR, 0x100000);
	store_le32(h + MB_HDR_LOAD_END_ADDR, 0);                /* the whole file */
	store_le32(h + MB_HDR_BSS_END_ADDR, 0x102000);
	store_le32(h + MB_HDR_ENTRY_ADDR, 0x100080);
}

START_TEST(test_multiboot_address_fields)
{
	static uint8_t img[AOUT_SIZE];
	mb_build_aout(img);
	memset(ram(0x100000, 0x2000), 0xaa, 0x2000);
	struct error err;
	ck_assert_msg(load_image(img, sizeof(img), "aout.bin", "x", NULL, &err) == 0, "%s", err.msg);
	ck_assert(memcmp(ram(0x100000, AOUT_SIZE), img, AOUT_SIZE) == 0);
	const uint8_t *bss = ram(0x100000 + AOUT_SIZE, 0x2000 - AOUT_SIZE);
	for (int i = 0; i < 0x2000 - AOUT_SIZE; i++)
		ck_assert_uint_eq(bss[i], 0);
	ck_assert_uint_eq(m.boot_state.rip, 0x100080);
	ck_assert_uint_eq(m.boot_state.gpr[CPU_RAX], 0x2BADB002);

	/* load_end_addr: only part of the file, starting after the junk. */
	store_le32(img + AOUT_HDR_OFF + MB_HDR_LOAD_ADDR, 0x300000 + 0x20);
	store_le32(img + AOUT_HDR_OFF + MB_HDR_HEADER_ADDR, 0x300000 + AOUT_HDR_OFF);
	store_le32(img + AOUT_HDR_OFF + MB_HDR_LOAD_END_ADDR, 0x300000 + 0x100);
	store_le32(img + AOUT_HDR_OFF + MB_HDR_BSS_END_ADDR, 0);
	store_le32(img + AOUT_HDR_OFF + MB_HDR_ENTRY_ADDR, 0x300040);
	memset(ram(0x300000, 0x200), 0x55, 0x200);
	ck_assert_msg(load_image(img, sizeof(img), "aout.bin", NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert(memcmp(ram(0x300020, 0xe0), img + 0x20, 0xe0) == 0);
	ck_assert_uint_eq(ram(0x300100, 1)[0], 0x55);            /* nothing past load_end_addr */
	ck_assert_uint_eq(ram(0x30001f, 1)[0], 0x55);
}
END_TEST

/* Applies `mutate` to a fresh ELF or a.out image and expects an error. */
struct mb_bad {
	const char *what;
	bool aout;
	size_t size;          /* 0: the full image */
	uint32_t off, value;  /* a 32-bit store, unless off == 0 */
	const char *expect;
};

START_TEST(test_multiboot_malformed)
{
	static const struct mb_bad cases[] = {
		{ "bad checksum", false, 0, MB_TEXT_OFF + 8, 0x12345678, "bad checksum" },
		{ "unknown required flag", false, 0, 0, 0, "unsupported features" },
		{ "phdr table past EOF", false, 0, offsetof(Elf32_Ehdr, e_phoff), 0x1110, "program header table" },
		{ "phdr table offset huge", false, 0, offsetof(Elf32_Ehdr, e_phoff), 0xfffffff0, "program header table" },
		{ "segment past RAM", false, 0, PH0 + offsetof(Elf32_Phdr, p_paddr), 32 * MiB - 0x100, "outside RAM" },
		{ "segment beyond 4 GiB", false, 0, PH0 + offsetof(Elf32_Phdr, p_paddr), 0xfffff000, "beyond 4 GiB" },
		{ "filesz > memsz", false, 0, PH1 + offsetof(Elf32_Phdr, p_filesz), 0x40, "p_filesz" },
		{ "segment bytes past EOF", false, 0, PH1 + offsetof(Elf32_Phdr, p_offset), 0x1110, "past the end of the file" },
		{ "segments overlap", false, 0, PH1 + offsetof(Elf32_Phdr, p_paddr), MB_TEXT_ADDR + 0x2000, "overlaps kernel segment" },
		{ "segment in the BIOS area", false, 0, PH1 + offsetof(Elf32_Phdr, p_paddr), 0xf0000, "overlaps the BIOS area" },
		{ "entry outside RAM", false, 0, offsetof(Elf32_Ehdr, e_entry), 0xf0000000, "entry point" },
		{ "not i386", false, 0, offsetof(Elf32_Ehdr, e_machine), EM_X86_64, "not i386" },
		{ "not ELF", false, 0, 0, 0, "not ELF" },
		{ "truncated header", false, MB_TEXT_OFF + 8, 0, 0, "truncated" },
		{ "truncated address fields", true, AOUT_HDR_OFF + 20, 0, 0, "truncated" },
		{ "load_addr above header_addr", true, 0, AOUT_HDR_OFF + MB_HDR_LOAD_ADDR, 0x100044, "above header_addr" },
		{ "load_addr before the file", true, 0, AOUT_HDR_OFF + MB_HDR_LOAD_ADDR, 0xff000, "before the header" },
		{ "load_end_addr past EOF", true, 0, AOUT_HDR_OFF + MB_HDR_LOAD_END_ADDR, 0x100400, "past the end of the file" },
		{ "load_end_addr below load_addr", true, 0, AOUT_HDR_OFF + MB_HDR_LOAD_END_ADDR, 0xfff00, "below load_addr" },
		{ "bss_end below load_end", true, 0, AOUT_HDR_OFF + MB_HDR_BSS_END_ADDR, 0x100100, "bss_end_addr" },
		{ "bss past RAM", true, 0, AOUT_HDR_OFF + MB_HDR_BSS_END_ADDR, 0x7f000000, "outside RAM" },
	};
	static uint8_t img[MB_ELF_SIZE];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mb_bad *c = &cases[i];
		size_t size = c->aout ? AOUT_SIZE : MB_ELF_SIZE;
		if (c->aout)
			mb_build_aout(img);
		else
			mb_build_elf(img);
		if (c->off)
			store_le32(img + c->off, c->value);
		if (!strcmp(c->what, "unknown required flag"))
			mb_set_header(img + MB_TEXT_OFF, MULTIBOOT_MEMORY_INFO | (1u << 5));
		if (!strcmp(c->what, "not ELF"))
			img[1] = 'X';
		if (c->size)
			size = c->size;
		struct error err;
		int rc = load_image(img, size, "bad.elf", NULL, NULL, &err);
		ck_assert_msg(rc < 0, "%s: loaded", c->what);
		expect_error(rc, &err, "bad.elf", c->expect);
	}
}
END_TEST

START_TEST(test_multiboot_module_does_not_fit)
{
	static uint8_t img[MB_ELF_SIZE];
	mb_build_elf(img);
	machine_resize(8 * MiB);
	static uint8_t module[7 * MiB];      /* free: 1 MiB below 2 MiB, 6 MiB above */
	const char *initrd = write_temp("huge.mod", module, sizeof(module));
	struct error err;
	expect_error(load_image(img, sizeof(img), "k.elf", NULL, initrd, &err), &err, initrd,
		     "does not fit");
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
	expect_error(load_image(img, sizeof(img), "k.elf", NULL, missing, &err), &err, missing,
		     "No such file");
}
END_TEST

/* ---- Linux ----------------------------------------------------------------- */

#define BZ_SETUP_SECTS 1
#define BZ_KERNEL_OFF ((BZ_SETUP_SECTS + 1) * 512)
#define BZ_PAYLOAD 4096
#define BZ_SIZE (BZ_KERNEL_OFF + BZ_PAYLOAD)
#define BZ_HDR_END 0x268

static void bz_build(uint8_t *img, uint16_t version, uint16_t xloadflags)
{
	memset(img, 0, BZ_SIZE);
	img[LINUX_SETUP_SECTS] = BZ_SETUP_SECTS;
	store_le16(img + LINUX_BOOT_FLAG, LINUX_BOOT_FLAG_MAGIC);
	img[LINUX_JUMP] = 0xeb;
	img[LINUX_JUMP + 1] = BZ_HDR_END - 0x202;
	store_le32(img + LINUX_HEADER, LINUX_HEADER_MAGIC);
	store_le16(img + LINUX_VERSION, version);
	img[LINUX_LOADFLAGS] = LINUX_LOADED_HIGH;
	store_le32(img + LINUX_INITRD_ADDR_MAX, 0x7fffffff);
	store_le32(img + LINUX_KERNEL_ALIGNMENT, 0x200000);
	img[LINUX_RELOCATABLE_KERNEL] = 1;
	store_le16(img + LINUX_XLOADFLAGS, xloadflags);
	store_le32(img + LINUX_CMDLINE_SIZE, 2047);
	store_le64(img + LINUX_PREF_ADDRESS, 0x1000000);
	store_le32(img + LINUX_INIT_SIZE, 0x800000);
	for (int i = 0; i < BZ_PAYLOAD; i++)
		img[BZ_KERNEL_OFF + i] = (uint8_t)(i * 13 + 5);
}

/* Walks 4-level page tables: the physical address of va, or ~0 if absent. */
static uint64_t walk(uint64_t cr3, uint64_t va)
{
	uint64_t table = cr3 & ~0xfffull;
	for (int level = 3; level >= 0; level--) {
		uint64_t e = rd64(table + ((va >> (12 + 9 * level)) & 511) * 8);
		if (!(e & 1))
			return ~0ull;
		uint64_t addr = e & 0x000ffffffffff000ull;
		if (level == 1 && (e & 0x80))
			return (addr & ~0x1fffffull) | (va & 0x1fffff);
		if (level == 0)
			return addr | (va & 0xfff);
		table = addr;
	}
	return ~0ull;
}

START_TEST(test_linux_64)
{
	machine_resize(64 * MiB);
	static uint8_t img[BZ_SIZE];
	bz_build(img, 0x020c, LINUX_XLF_KERNEL_64);
	store_le32(img + LINUX_INITRD_ADDR_MAX, 0x1ffffff);         /* below 32 MiB */
	static uint8_t initrd_data[10000];
	for (size_t i = 0; i < sizeof(initrd_data); i++)
		initrd_data[i] = (uint8_t)(i * 31);
	const char *initrd = write_temp("initrd.img", initrd_data, sizeof(initrd_data));
	const char *kernel = write_temp("bzImage", img, sizeof(img));
	const char *cmdline = "console=ttyS0 root=/dev/ram0 quiet";
	struct boot_config bc = { .kernel_path = kernel, .initrd_path = initrd, .cmdline = cmdline };
	struct error err = { 0 };
	ck_assert_msg(loader_load(&m, &bc, &err) == 0, "%s", err.msg);

	const struct cpu_state *s = &m.boot_state;
	uint64_t load = 0x1000000;                                   /* pref_address */
	ck_assert(memcmp(ram(load, BZ_PAYLOAD), img + BZ_KERNEL_OFF, BZ_PAYLOAD) == 0);

	/* The zero page. */
	uint64_t zp = s->gpr[CPU_RSI];
	const uint8_t *bp = ram(zp, LINUX_BOOT_PARAMS_SIZE);
	ck_assert_uint_eq(load_le16(bp + LINUX_BOOT_FLAG), 0xAA55);
	ck_assert_uint_eq(load_le32(bp + LINUX_HEADER), LINUX_HEADER_MAGIC);
	ck_assert_uint_eq(load_le16(bp + LINUX_VERSION), 0x020c);
	ck_assert_uint_eq(load_le32(bp + LINUX_KERNEL_ALIGNMENT), 0x200000);
	ck_assert_uint_eq(load_le32(bp + LINUX_INIT_SIZE), 0x800000);
	ck_assert_uint_eq(bp[LINUX_SETUP_SECTS], BZ_SETUP_SECTS);
	ck_assert_uint_eq(bp[LINUX_TYPE_OF_LOADER], 0xff);
	ck_assert_uint_eq(bp[LINUX_LOADFLAGS], LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
	ck_assert_uint_ne(load_le16(bp + LINUX_HEAP_END_PTR), 0);
	ck_assert_uint_eq(bp[BZ_HDR_END], 0);                       /* nothing past the header */
	ck_assert_str_eq((const char *)ram(load_le32(bp + LINUX_CMD_LINE_PTR), 1), cmdline);
	ck_assert_uint_eq(load_le32(bp + LINUX_BP_EXT_CMD_LINE_PTR), 0);

	uint32_t rd_addr = load_le32(bp + LINUX_RAMDISK_IMAGE);
	uint32_t rd_size = load_le32(bp + LINUX_RAMDISK_SIZE);
	ck_assert_uint_eq(rd_size, sizeof(initrd_data));
	ck_assert_uint_eq(rd_addr % 4096, 0);
	ck_assert_uint_le((uint64_t)rd_addr + rd_size - 1, 0x1ffffff);
	ck_assert(!ranges_overlap(rd_addr, rd_size, load, 0x800000));
	ck_assert(memcmp(ram(rd_addr, rd_size), initrd_data, rd_size) == 0);
	/* As high as possible: the last page below 32 MiB that holds it. */
	ck_assert_uint_eq(rd_addr, (0x2000000 - sizeof(initrd_data)) & ~0xfffull);

	ck_assert_uint_eq(bp[LINUX_BP_E820_ENTRIES], m.e820_count);
	for (int i = 0; i < m.e820_count; i++) {
		const uint8_t *e = bp + LINUX_BP_E820_TABLE + i * 20;
		ck_assert_uint_eq(load_le64(e), m.e820[i].addr);
		ck_assert_uint_eq(load_le64(e + 8), m.e820[i].size);
		ck_assert_uint_eq(load_le32(e + 16), m.e820[i].type);
	}

	/* Long mode entry. */
	ck_assert_uint_eq(s->rip, load + 0x200);
	ck_assert_uint_eq(s->efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
	ck_assert_uint_eq(s->cr0 & (CR0_PE | CR0_PG), CR0_PE | CR0_PG);
	ck_assert_uint_ne(s->cr4 & CR4_PAE, 0);
	ck_assert_uint_eq(s->seg[SEG_CS].selector, 0x10);
	ck_assert_uint_eq(s->seg[SEG_CS].l, 1);
	ck_assert_uint_eq(s->seg[SEG_DS].selector, 0x18);
	ck_assert_uint_eq(s->rflags & RFLAGS_IF, 0);
	ck_assert_uint_eq(s->gpr[CPU_RBX] | s->gpr[CPU_RBP] | s->gpr[CPU_RDI], 0);
	uint64_t code = rd64(s->gdt.base + 0x10);
	ck_assert_uint_eq((code >> 53) & 1, 1);                     /* L */
	ck_assert_uint_eq((code >> 54) & 1, 0);                     /* D clear */
	ck_assert_uint_eq(walk(s->cr3, 0x12345678), 0x12345678);
	ck_assert_uint_eq(walk(s->cr3, 0), 0);
	ck_assert_uint_eq(walk(s->cr3, zp + 0x10), zp + 0x10);
	ck_assert_uint_eq(walk(s->cr3, 0xfffff123), 0xfffff123);
	ck_assert_uint_eq(walk(s->cr3, 0x100000000ull), ~0ull);
}
END_TEST

START_TEST(test_linux_32)
{
	static uint8_t img[BZ_SIZE];
	/* 2.06: no pref_address/init_size, so the kernel goes to 1 MiB. */
	bz_build(img, 0x0206, 0);
	struct error err;
	ck_assert_msg(load_image(img, sizeof(img), "bz206", NULL, NULL, &err) == 0, "%s", err.msg);
	const struct cpu_state *s = &m.boot_state;
	ck_assert(memcmp(ram(0x100000, BZ_PAYLOAD), img + BZ_KERNEL_OFF, BZ_PAYLOAD) == 0);
	ck_assert_uint_eq(s->rip, 0x100000);
	ck_assert_uint_ne(s->cr0 & CR0_PE, 0);
	ck_assert_uint_eq(s->cr0 & CR0_PG, 0);
	ck_assert_uint_eq(s->efer & EFER_LME, 0);
	ck_assert_uint_eq(s->seg[SEG_CS].selector, 0x10);
	ck_assert_uint_eq(s->seg[SEG_CS].db, 1);
	ck_assert_uint_eq((rd64(s->gdt.base + 0x10) >> 52) & 0xf, 0xc);   /* G, D: 32-bit */
	const uint8_t *bp206 = ram(s->gpr[CPU_RSI], LINUX_BOOT_PARAMS_SIZE);
	ck_assert_uint_eq(load_le16(bp206 + LINUX_VERSION), 0x0206);
	ck_assert_uint_eq(load_le32(bp206 + LINUX_RAMDISK_IMAGE), 0);
	ck_assert_str_eq((const char *)ram(load_le32(bp206 + LINUX_CMD_LINE_PTR), 1), "");
	ck_assert_uint_eq(s->gpr[CPU_RBX] | s->gpr[CPU_RBP] | s->gpr[CPU_RDI], 0);

	/* 2.12 without XLF_KERNEL_64: the 32-bit entry, at pref_address. */
	bz_build(img, 0x020c, 0);
	ck_assert_msg(load_image(img, sizeof(img), "bz212", NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(m.boot_state.rip, 0x1000000);
	ck_assert_uint_eq(m.boot_state.cr0 & CR0_PG, 0);

	/* pref_address not aligned to kernel_alignment: loaded at 1 MiB (the
	 * decompressor still moves itself up to pref_address). */
	bz_build(img, 0x020c, LINUX_XLF_KERNEL_64);
	store_le64(img + LINUX_PREF_ADDRESS, 0x1100000);
	ck_assert_msg(load_image(img, sizeof(img), "bzlow", NULL, NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(m.boot_state.rip, 0x100000 + 0x200);
	ck_assert(memcmp(ram(0x100000, BZ_PAYLOAD), img + BZ_KERNEL_OFF, BZ_PAYLOAD) == 0);
	/* ... and everything from there to the end of its init_size room at
	 * pref_address (0x1100000 + 8 MiB = 0x1900000) is the kernel's. */
	const char *initrd = write_temp("i.img", "0123456789", 10);
	store_le32(img + LINUX_INITRD_ADDR_MAX, 0x19fffff);
	ck_assert_msg(load_image(img, sizeof(img), "bzlow", NULL, initrd, &err) == 0, "%s", err.msg);
	const uint8_t *bp = ram(m.boot_state.gpr[CPU_RSI], LINUX_BOOT_PARAMS_SIZE);
	ck_assert_uint_eq(load_le32(bp + LINUX_RAMDISK_IMAGE), 0x19ff000);
	store_le32(img + LINUX_INITRD_ADDR_MAX, 0x18fffff);
	expect_error(load_image(img, sizeof(img), "bzlow", NULL, initrd, &err), &err, initrd,
		     "does not fit");
}
END_TEST

START_TEST(test_linux_malformed)
{
	static uint8_t img[BZ_SIZE];
	struct error err;

	bz_build(img, 0x0204, 0);
	expect_error(load_image(img, BZ_SIZE, "old", NULL, NULL, &err), &err, "old", "too old");

	bz_build(img, 0x020c, 1);
	memcpy(img + LINUX_HEADER, "HdrX", 4);
	expect_error(load_image(img, BZ_SIZE, "nohdrs", NULL, NULL, &err), &err, "nohdrs",
		     "not a Linux bzImage or Multiboot");

	bz_build(img, 0x020c, 1);
	img[LINUX_SETUP_SECTS] = 200;
	expect_error(load_image(img, BZ_SIZE, "sects", NULL, NULL, &err), &err, "sects",
		     "past the end of the file");
	img[LINUX_SETUP_SECTS] = 0;                                  /* means 4: 2560 < size */
	ck_assert_int_eq(load_image(img, BZ_SIZE, "sects0", NULL, NULL, &err), 0);
	ck_assert(memcmp(ram(0x1000000, BZ_SIZE - 2560), img + 2560, BZ_SIZE - 2560) == 0);

	bz_build(img, 0x020c, 1);
	img[LINUX_LOADFLAGS] = 0;
	expect_error(load_image(img, BZ_SIZE, "zimage", NULL, NULL, &err), &err, "zimage",
		     "LOADED_HIGH");

	bz_build(img, 0x020c, 1);
	store_le16(img + LINUX_BOOT_FLAG, 0);
	expect_error(load_image(img, BZ_SIZE, "noflag", NULL, NULL, &err), &err, "noflag", "0xAA55");

	bz_build(img, 0x020c, 1);
	expect_error(load_image(img, 0x230, "short", NULL, NULL, &err), &err, "short",
		     "setup header");

	bz_build(img, 0x020c, 1);
	store_le32(img + LINUX_CMDLINE_SIZE, 10);
	expect_error(load_image(img, BZ_SIZE, "cmd", "0123456789A", NULL, &err), &err, "cmd",
		     "--append: command line longer than the kernel's cmdline_size 10");
	ck_assert_int_eq(load_image(img, BZ_SIZE, "cmd", "0123456789", NULL, &err), 0);

	bz_build(img, 0x020c, 1);
	store_le32(img + LINUX_INIT_SIZE, 0xfff00000);
	expect_error(load_image(img, BZ_SIZE, "init", NULL, NULL, &err), &err, "init", "outside RAM");

	bz_build(img, 0x020c, 1);
	store_le32(img + LINUX_KERNEL_ALIGNMENT, 0x300000);
	expect_error(load_image(img, BZ_SIZE, "align", NULL, NULL, &err), &err, "align",
		     "power of two");

	bz_build(img, 0x020c, 1);
	store_le64(img + LINUX_PREF_ADDRESS, 0xffffffffffe00000ull);
	expect_error(load_image(img, BZ_SIZE, "pref", NULL, NULL, &err), &err, "pref", "4 GiB");

	/* An initrd that does not fit: 32 MiB RAM, the kernel's 8 MiB at 16 MiB. */
	bz_build(img, 0x020c, 1);
	static uint8_t initrd_data[20 * MiB];
	const char *initrd = write_temp("big.initrd", initrd_data, sizeof(initrd_data));
	expect_error(load_image(img, BZ_SIZE, "bz", NULL, initrd, &err), &err, initrd,
		     "does not fit");
	/* ... and one that does not fit below initrd_addr_max. */
	store_le32(img + LINUX_INITRD_ADDR_MAX, 0x1ffff);
	initrd = write_temp("small.initrd", initrd_data, 4096);
	expect_error(load_image(img, BZ_SIZE, "bz", NULL, initrd, &err), &err, initrd,
		     "initrd_addr_max");
}
END_TEST

/* ---- fuzzing ----------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* Mutates a copy of `orig` (mostly in its first `hot` bytes, where the
 * headers are) and loads it; it must load or fail cleanly, never crash. */
static void fuzz(const uint8_t *orig, size_t size, size_t hot, uint64_t seed, const char *initrd)
{
	static uint8_t img[MB_ELF_SIZE > BZ_SIZE ? MB_ELF_SIZE : BZ_SIZE];
	static const uint32_t interesting[] = { 0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff,
						 0x80000000, 0xffffffff, 0xfffffff0, 0x100000, 0x1000 };
	uint64_t st = seed;
	int loaded = 0, failed = 0;
	for (int iter = 0; iter < 2000; iter++) {
		memcpy(img, orig, size);
		size_t n = size;
		int mutations = 1 + (int)(rng_next(&st) % 4);
		for (int k = 0; k < mutations; k++) {
			uint64_t r = rng_next(&st);
			size_t span = (r & 3) ? hot : size;
			size_t off = (size_t)((r >> 8) % span);
			switch ((r >> 2) % 8) {
			case 0: case 1: case 2:
				img[off] ^= (uint8_t)(1u << ((r >> 40) % 8));
				break;
			case 3: case 4:
				img[off] = (uint8_t)(r >> 32);
				break;
			case 5: case 6:
				if (off + 4 <= size)
					store_le32(img + (off & ~(size_t)3),
						   interesting[(r >> 32) % (sizeof(interesting) / 4)]);
				break;
			default:
				n = 1 + off;                    /* truncate */
				break;
			}
		}
		struct error err;
		int rc = load_image(img, n, "fuzz.img", (iter & 1) ? "a=b" : NULL,
				    (iter % 3 == 0) ? initrd : NULL, &err);
		if (rc == 0) {
			loaded++;
			ck_assert_uint_ne(m.boot_state_set, 0);
		} else {
			failed++;
			ck_assert_msg(err.msg[0] != '\0', "empty message, rc %d", rc);
			ck_assert_msg(!strncmp(err.msg, "fuzz.img: ", 10) ||
				      !strncmp(err.msg, initrd, strlen(initrd)),
				      "message does not name the file: %s", err.msg);
		}
		m.boot_state_set = 0;
	}
	/* Both outcomes happen: the mutations are neither all fatal nor all harmless. */
	ck_assert_int_gt(loaded, 0);
	ck_assert_int_gt(failed, 0);
}

START_TEST(test_fuzz_multiboot)
{
	static uint8_t img[MB_ELF_SIZE];
	const char *initrd = write_temp("fuzz.mod", "module", 6);
	mb_build_elf(img);
	fuzz(img, sizeof(img), MB_TEXT_OFF + 32, 0x9e3779b97f4a7c15ull, initrd);
	mb_build_aout(img);
	fuzz(img, AOUT_SIZE, AOUT_HDR_OFF + 32, 0x243f6a8885a308d3ull, initrd);
}
END_TEST

START_TEST(test_fuzz_linux)
{
	static uint8_t img[BZ_SIZE];
	const char *initrd = write_temp("fuzz.initrd", "initrd", 6);
	bz_build(img, 0x020c, LINUX_XLF_KERNEL_64);
	fuzz(img, sizeof(img), 0x270, 0x13198a2e03707344ull, initrd);
}
END_TEST

static Suite *loaders_suite(void)
{
	Suite *s = suite_create("loaders");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_flat_real_mode);
	tcase_add_test(tc, test_flat_protected_mode_from_file);
	tcase_add_test(tc, test_flat_errors);
	tcase_add_test(tc, test_read_file_errors);
	tcase_add_test(tc, test_multiboot_elf);
	tcase_add_test(tc, test_multiboot_higher_half_entry);
	tcase_add_test(tc, test_multiboot_address_fields);
	tcase_add_test(tc, test_multiboot_malformed);
	tcase_add_test(tc, test_multiboot_module_does_not_fit);
	tcase_add_test(tc, test_linux_64);
	tcase_add_test(tc, test_linux_32);
	tcase_add_test(tc, test_linux_malformed);
	tcase_add_test(tc, test_fuzz_multiboot);
	tcase_add_test(tc, test_fuzz_linux);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(loaders_suite)
