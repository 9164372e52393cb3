/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blobs.S — links the guest images assembled from roms/*.asm into morpheus. */
	.section .rodata
	.balign 16
	.global rom_demo_start, rom_demo_end
rom_demo_start:
	.incbin "roms/demo.bin"
rom_demo_end:
	.balign 16
	.global rom_calibrate_start, rom_calibrate_end
rom_calibrate_start:
	.incbin "roms/calibrate.bin"
rom_calibrate_end:
	.section .note.GNU-stack,"",@progbits
