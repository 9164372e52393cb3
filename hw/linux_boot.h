/* SPDX-License-Identifier: GPL-3.0-or-later */
/* linux_boot.h — offsets of the Linux/x86 boot protocol: the setup header in
 * a bzImage (the same offsets in struct boot_params, the "zero page") and the
 * other boot_params fields morpheus fills (facts from the kernel's
 * Documentation/arch/x86/boot.rst). Offsets, not C structs: both sides are
 * byte buffers read and written with the little-endian helpers of loader.h. */
#ifndef MORPHEUS_LINUX_BOOT_H
#define MORPHEUS_LINUX_BOOT_H

/* --- the setup header (offsets in the file and in boot_params) */
#define LINUX_SETUP_SECTS 0x1f1         /* u8: 512-byte setup sectors; 0 means 4 */
#define LINUX_VID_MODE 0x1fa            /* u16 */
#define LINUX_BOOT_FLAG 0x1fe           /* u16: 0xAA55 */
#define LINUX_JUMP 0x200                /* u16: jump; its 2nd byte sizes the header */
#define LINUX_HEADER 0x202              /* u32: "HdrS" */
#define LINUX_VERSION 0x206             /* u16: protocol version */
#define LINUX_TYPE_OF_LOADER 0x210      /* u8 */
#define LINUX_LOADFLAGS 0x211           /* u8 */
#define LINUX_CODE32_START 0x214        /* u32 */
#define LINUX_RAMDISK_IMAGE 0x218       /* u32 */
#define LINUX_RAMDISK_SIZE 0x21c        /* u32 */
#define LINUX_HEAP_END_PTR 0x224        /* u16 */
#define LINUX_CMD_LINE_PTR 0x228        /* u32, 2.02+ */
#define LINUX_INITRD_ADDR_MAX 0x22c     /* u32, 2.03+: highest byte address of the initrd */
#define LINUX_KERNEL_ALIGNMENT 0x230    /* u32, 2.05+ */
#define LINUX_RELOCATABLE_KERNEL 0x234  /* u8, 2.05+ */
#define LINUX_XLOADFLAGS 0x236          /* u16, 2.12+ */
#define LINUX_CMDLINE_SIZE 0x238        /* u32, 2.06+: max length without the NUL */
#define LINUX_SETUP_DATA 0x250          /* u64, 2.09+ */
#define LINUX_PREF_ADDRESS 0x258        /* u64, 2.10+ */
#define LINUX_INIT_SIZE 0x260           /* u32, 2.10+ */

#define LINUX_BOOT_FLAG_MAGIC 0xAA55
#define LINUX_HEADER_MAGIC 0x53726448u  /* "HdrS" little-endian */
#define LINUX_MIN_VERSION 0x0206        /* what morpheus supports */
#define LINUX_VERSION_PREF_ADDRESS 0x020a
#define LINUX_VERSION_XLOADFLAGS 0x020c

/* loadflags */
#define LINUX_LOADED_HIGH (1u << 0)     /* protected-mode code at 0x100000 */
#define LINUX_KEEP_SEGMENTS (1u << 6)
#define LINUX_CAN_USE_HEAP (1u << 7)
/* xloadflags */
#define LINUX_XLF_KERNEL_64 (1u << 0)   /* 64-bit entry at load address + 0x200 */
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

#define LINUX_TYPE_OF_LOADER_UNDEFINED 0xff
#define LINUX_VID_MODE_NORMAL 0xffff
#define LINUX_ENTRY64_OFFSET 0x200

/* --- struct boot_params (the zero page), 4 KiB */
#define LINUX_BOOT_PARAMS_SIZE 0x1000
/* struct screen_info, at offset 0 of boot_params */
#define LINUX_SI_ORIG_VIDEO_MODE 0x06     /* u8: 3 = 80x25 colour text */
#define LINUX_SI_ORIG_VIDEO_COLS 0x07     /* u8 */
#define LINUX_SI_ORIG_VIDEO_EGA_BX 0x0a   /* u16: BX of INT 10h AH=12h BL=10h */
#define LINUX_SI_ORIG_VIDEO_LINES 0x0e    /* u8 */
#define LINUX_SI_ORIG_VIDEO_ISVGA 0x0f    /* u8: 1 = VGA text; LINUX_VIDEO_TYPE_VLFB */
#define LINUX_SI_ORIG_VIDEO_POINTS 0x10   /* u16: font height */
#define LINUX_SI_LFB_WIDTH 0x12           /* u16 */
#define LINUX_SI_LFB_HEIGHT 0x14          /* u16 */
#define LINUX_SI_LFB_DEPTH 0x16           /* u16: bits per pixel */
#define LINUX_SI_LFB_BASE 0x18            /* u32 */
#define LINUX_SI_LFB_SIZE 0x1c            /* u32: in 64 KiB units for VESA */
#define LINUX_SI_LFB_LINELENGTH 0x24      /* u16: bytes per line */
#define LINUX_SI_RED_SIZE 0x26            /* u8 x 8: red, green, blue, rsvd size/pos */
#define LINUX_SI_PAGES 0x32               /* u16 */
#define LINUX_SI_CAPABILITIES 0x36        /* u32 */
#define LINUX_SI_EXT_LFB_BASE 0x3a        /* u32: high half, with the 64-bit capability */
#define LINUX_VIDEO_TYPE_VLFB 0x23
#define LINUX_VIDEO_CAPABILITY_64BIT_BASE (1u << 1)
#define LINUX_BP_EXT_RAMDISK_IMAGE 0x0c0  /* u32: high 32 bits */
#define LINUX_BP_EXT_RAMDISK_SIZE 0x0c4
#define LINUX_BP_EXT_CMD_LINE_PTR 0x0c8
#define LINUX_BP_E820_ENTRIES 0x1e8       /* u8 */
#define LINUX_BP_E820_TABLE 0x2d0         /* 20-byte entries: u64 addr, u64 size, u32 type */
#define LINUX_BP_E820_ENTRY_SIZE 20
#define LINUX_BP_E820_MAX 128

#endif
