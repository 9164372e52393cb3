/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workload_main.h — what every bench/ workload shares around its own
 * code: the result line, and the three ways to run it (a flat 32-bit
 * guest booted by bench/boot32.asm, through Multiboot or Bochs's BIOS; a
 * static 32-bit Linux program; an ordinary hosted program). A workload
 * defines WORKLOAD_NAME (the line's prefix), WORKLOAD_STATE (the type of
 * its state, kept in static storage) and
 * `static uint32_t workload_run(WORKLOAD_STATE *, uint32_t rounds)`, then
 * includes this file last. */
#ifndef MORPHEUS_BENCH_WORKLOAD_MAIN_H
#define MORPHEUS_BENCH_WORKLOAD_MAIN_H

/* "NAME: rounds=N checksum=XXXXXXXX\n" into buf; returns its length. */
static size_t format_result(char *buf, uint32_t rounds, uint32_t sum)
{
	static const char head[] = WORKLOAD_NAME ": rounds=", mid[] = " checksum=";
	char digits[10];
	size_t n = 0, k = 0;

	for (size_t i = 0; head[i]; i++)
		buf[n++] = head[i];
	do {
		digits[k++] = (char)('0' + rounds % 10);
		rounds /= 10;
	} while (rounds);
	while (k)
		buf[n++] = digits[--k];
	for (size_t i = 0; mid[i]; i++)
		buf[n++] = mid[i];
	for (int shift = 28; shift >= 0; shift -= 4)
		buf[n++] = "0123456789ABCDEF"[(sum >> shift) & 15];
	buf[n++] = '\n';
	return n;
}

/* --- the three ways to run it --------------------------------------------- */

#if defined(WORKLOAD_GUEST) || defined(WORKLOAD_LINUX32)
/* GCC may emit calls to these even in freestanding code. */
void *memset(void *dst, int c, size_t n)
{
	volatile uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
#endif

#if defined(WORKLOAD_GUEST)

#define MULTIBOOT_BOOT_MAGIC 0x2BADB002u
#define COM1 0x3F8
#define COM1_LSR (COM1 + 5)
#define LSR_THR_EMPTY 0x20
#define DEBUG_EXIT_PORT 0xF4
#define DEBUG_EXIT_VALUE 0x31 /* exit status (0x31 << 1) | 1 = 99 */
#define BOCHS_E9_PORT 0xE9
#define BOCHS_SHUTDOWN_PORT 0x8900

static WORKLOAD_STATE guest_workload;

static inline void port_out8(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t port_in8(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static void guest_putc(int bochs, char c)
{
	if (bochs) {
		port_out8(BOCHS_E9_PORT, (uint8_t)c);
		return;
	}
	for (uint32_t spins = 0; spins < 1000000; spins++)
		if (port_in8(COM1_LSR) & LSR_THR_EMPTY)
			break;
	port_out8(COM1, (uint8_t)c);
}

/* Called by bench/boot32.asm on a fresh stack, in flat 32-bit protected
 * mode, with the value EAX held at boot: the Multiboot magic when a Multiboot
 * loader started us, anything else when bench/boot32.asm's boot sector did
 * (Bochs). Never returns. */
__attribute__((noreturn, section(".text.entry")))
void workload_guest_entry(uint32_t boot_magic)
{
	extern uint8_t workload_bss_start[], workload_bss_end[];
	int bochs = boot_magic != MULTIBOOT_BOOT_MAGIC;
	char line[64];

	memset(workload_bss_start, 0, (size_t)(workload_bss_end - workload_bss_start));
	uint32_t sum = workload_run(&guest_workload, ROUNDS);
	size_t n = format_result(line, ROUNDS, sum);
	for (size_t i = 0; i < n; i++)
		guest_putc(bochs, line[i]);
	if (bochs) {
		static const char shutdown[] = "Shutdown";
		for (size_t i = 0; shutdown[i]; i++)
			port_out8(BOCHS_SHUTDOWN_PORT, (uint8_t)shutdown[i]);
	} else {
		port_out8(DEBUG_EXIT_PORT, DEBUG_EXIT_VALUE);
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

#elif defined(WORKLOAD_LINUX32)

static WORKLOAD_STATE linux_workload;

static int32_t linux32_syscall3(int32_t nr, int32_t a, int32_t b, int32_t c)
{
	int32_t ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

__attribute__((noreturn)) void _start(void)
{
	enum { SYS_exit = 1, SYS_write = 4 };
	char line[64];
	size_t n = format_result(line, ROUNDS, workload_run(&linux_workload, ROUNDS));

	linux32_syscall3(SYS_write, 1, (int32_t)(uintptr_t)line, (int32_t)n);
	linux32_syscall3(SYS_exit, 0, 0, 0);
	for (;;)
		;
}

#elif defined(WORKLOAD_HOSTED)

#include <stdio.h>

static WORKLOAD_STATE hosted_workload;

int main(void)
{
	char line[64];
	size_t n = format_result(line, ROUNDS, workload_run(&hosted_workload, ROUNDS));

	fwrite(line, 1, n, stdout);
	return 0;
}

#else
#error "define WORKLOAD_GUEST, WORKLOAD_LINUX32 or WORKLOAD_HOSTED"
#endif

#endif
