/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fb.c — the linear framebuffer (fb.h): its own host mapping, added to the
 * memory map as a RAM region at FB_BASE, which is above the RAM below 4 GiB
 * (that ends at the PCI hole, 0xC0000000) and below the I/O APIC
 * (0xFEC00000), and is not in the e820 table. The guest finds it through
 * m->display (the Linux loader passes it in boot_params.screen_info as a
 * VESA linear framebuffer) or at the documented fixed address. It does
 * not track dirty pages: the renderer compares with a shadow copy. */
#include "hw/fb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hw/machine.h"

struct fb {
	struct device dev;
	struct machine *m;
	uint8_t *mem;               /* FB_SIZE bytes, page-aligned */
};

const uint8_t *fb_pixels(const struct fb *fb)
{
	return fb->mem;
}

static void fb_destroy(struct device *dev)
{
	struct fb *fb = (struct fb *)dev;
	if (fb->m->fb == fb)
		fb->m->fb = NULL;
	munmap(fb->mem, FB_SIZE);
	free(fb);
}

int fb_create(struct machine *m, struct error *err)
{
	struct fb *fb = calloc(1, sizeof(*fb));
	if (!fb)
		return error_set(err, -ENOMEM, "framebuffer: out of memory");
	fb->mem = mmap(NULL, FB_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fb->mem == MAP_FAILED) {
		free(fb);
		return error_set(err, -ENOMEM, "framebuffer: cannot map %llu KiB",
				 (unsigned long long)(FB_SIZE >> 10));
	}
	madvise(fb->mem, FB_SIZE, MADV_DONTFORK);   /* as guest RAM (hw/machine.c) */
	int rc = memmap_add(&m->mem, &(struct mem_region){ .base = FB_BASE, .size = FB_SIZE,
		.kind = MEM_RAM, .host = fb->mem, .name = "framebuffer" }, err);
	if (rc < 0) {
		munmap(fb->mem, FB_SIZE);
		free(fb);
		return rc;
	}
	fb->dev.name = "framebuffer";
	fb->dev.destroy = fb_destroy;
	fb->m = m;
	machine_add_device(m, &fb->dev);
	m->fb = fb;
	m->display = (struct display_info){ .kind = DISPLAY_LFB, .lfb_base = FB_BASE,
		.lfb_size = FB_SIZE, .width = FB_WIDTH, .height = FB_HEIGHT, .stride = FB_STRIDE,
		.bpp = FB_BPP, .red = { 8, 16 }, .green = { 8, 8 }, .blue = { 8, 0 },
		.reserved = { 8, 24 } };
	return 0;
}
