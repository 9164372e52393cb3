/* SPDX-License-Identifier: GPL-3.0-or-later */
/* multiboot.h — Multiboot v1 layouts: the header a kernel carries and the
 * information structure a boot loader hands it (facts from the Multiboot
 * 0.6.96 specification). Only what morpheus reads or writes; no VBE or
 * framebuffer information is produced. */
#ifndef MORPHEUS_MULTIBOOT_H
#define MORPHEUS_MULTIBOOT_H

#include <stdint.h>

/* --- the OS image header: 32-bit aligned, within the first 8192 bytes */
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002u
#define MULTIBOOT_SEARCH_LIMIT 8192
#define MULTIBOOT_HEADER_MIN_SIZE 12      /* magic, flags, checksum */
#define MULTIBOOT_HEADER_ADDR_SIZE 32     /* ... + the five address fields */

/* Header field offsets */
#define MB_HDR_MAGIC 0
#define MB_HDR_FLAGS 4
#define MB_HDR_CHECKSUM 8
#define MB_HDR_HEADER_ADDR 12
#define MB_HDR_LOAD_ADDR 16
#define MB_HDR_LOAD_END_ADDR 20
#define MB_HDR_BSS_END_ADDR 24
#define MB_HDR_ENTRY_ADDR 28

/* Header flags: bits 0-15 are requirements, bits 16-31 optional features */
#define MULTIBOOT_PAGE_ALIGN (1u << 0)    /* modules page aligned */
#define MULTIBOOT_MEMORY_INFO (1u << 1)   /* mem_* fields required */
#define MULTIBOOT_VIDEO_MODE (1u << 2)    /* video mode table (ignored here) */
#define MULTIBOOT_AOUT_KLUDGE (1u << 16)  /* the address fields are valid */
#define MULTIBOOT_KNOWN_REQUIRED \
	(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE)

/* --- machine state at entry */
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

/* --- the information structure (physical address in EBX) */
#define MULTIBOOT_INFO_MEMORY (1u << 0)
#define MULTIBOOT_INFO_BOOTDEV (1u << 1)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MODS (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP (1u << 6)
#define MULTIBOOT_INFO_BOOT_LOADER_NAME (1u << 9)

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;          /* KiB from 0 (at most 640) */
	uint32_t mem_upper;          /* KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;            /* physical address of a C string */
	uint32_t mods_count;
	uint32_t mods_addr;          /* array of struct multiboot_module */
	uint32_t syms[4];            /* a.out symbols or ELF section headers */
	uint32_t mmap_length;        /* bytes */
	uint32_t mmap_addr;          /* struct multiboot_mmap_entry, each after its size */
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;   /* physical address of a C string */
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));
_Static_assert(sizeof(struct multiboot_info) == 116, "multiboot_info layout");

struct multiboot_module {
	uint32_t mod_start;          /* physical address of the first byte */
	uint32_t mod_end;            /* physical address one past the last byte */
	uint32_t string;             /* physical address of a C string */
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct multiboot_module) == 16, "multiboot_module layout");

/* A memory map entry; `size` (20) counts the bytes after itself, and
 * mmap_addr points at the `size` field of the first entry. */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;               /* 1 = available RAM, other = reserved */
} __attribute__((packed));
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "multiboot_mmap_entry layout");

#endif
