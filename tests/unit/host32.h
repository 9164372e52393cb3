/* SPDX-License-Identifier: GPL-3.0-or-later */
/* host32.h — runs a few bytes of 32-bit x86 code natively on the host, in
 * compatibility mode, for the tests that compare an emulated instruction
 * with the real CPU (test_alu.c, test_soft_host.c). 64-bit mode lacks the
 * BCD instructions and other 32-bit encodings (INC r as 40+r, AAM...), and
 * there is no 32-bit libc here for a -m32 helper program.
 *
 * How: four pages below 2 GiB (MAP_32BIT). A 64-bit entry saves the
 * callee-saved registers and %rsp, switches to a low stack and far-returns
 * to the 32-bit user code segment Linux x86-64 provides (selector 0x23).
 * The 32-bit stub loads DS and ES (null in a 64-bit process) from SS,
 * EFLAGS and all eight GPRs (ESP last) from an input
 * block, runs the instruction slot (up to HOST32_INSN_MAX bytes, padded
 * with NOPs), stores the eight GPRs and EFLAGS to an output block and
 * far-jumps back to the 64-bit code segment (0x33).
 *
 * Page layout: 0 code and the register blocks, 1 the stack (ESP at
 * `stack_top` while the instruction runs, valid memory so that a signal
 * can always be delivered), 2-3 `data`, free for memory operands (the two
 * pages are adjacent, for page-crossing accesses).
 *
 * It does not catch faults: the code must not raise exceptions (the
 * caller avoids #DE and friends). */
#ifndef MORPHEUS_TESTS_HOST32_H
#define MORPHEUS_TESTS_HOST32_H

#include <cpuid.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define HOST32_INSN_MAX 32u
#define HOST32_PAGES 4u

/* EAX ECX EDX EBX ESP EBP ESI EDI (encoding order), then EFLAGS. */
struct host32_regs {
	uint32_t gpr[8];
	uint32_t eflags;
};

struct host32 {
	uint8_t *base;              /* HOST32_PAGES pages below 2 GiB */
	uint8_t *data;              /* pages 2-3 */
	uint8_t *insn;              /* the instruction slot in page 0 */
	uint32_t stack_top;         /* a valid ESP for the instruction */
	struct host32_regs *in, *out;
	void (*enter)(void);
};

/* Offsets in page 0. */
#define HOST32_ENTRY 0x000u
#define HOST32_BACK 0x080u
#define HOST32_STUB 0x100u
#define HOST32_IN 0x400u
#define HOST32_OUT 0x440u
#define HOST32_RSP_SLOT 0x480u

static inline void host32_put(uint8_t **p, const uint8_t *bytes, size_t n)
{
	memcpy(*p, bytes, n);
	*p += n;
}

static inline void host32_put32(uint8_t **p, uint32_t v)
{
	host32_put(p, (const uint8_t *)&v, 4);
}

/* An instruction with a 32-bit absolute address operand: bytes, then addr. */
static inline void host32_put_abs(uint8_t **p, const uint8_t *bytes, size_t n, uint32_t addr)
{
	host32_put(p, bytes, n);
	host32_put32(p, addr);
}

static inline bool host32_init(struct host32 *h)
{
	uint8_t *base = mmap(NULL, HOST32_PAGES * 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (base == MAP_FAILED)
		return false;
	uint32_t b = (uint32_t)(uintptr_t)base;
	uint32_t in = b + HOST32_IN, out = b + HOST32_OUT;
	uint8_t *p = base + HOST32_ENTRY;

	h->base = base;
	h->data = base + 2 * 4096;
	h->stack_top = b + 2 * 4096 - 16;
	h->in = (struct host32_regs *)(base + HOST32_IN);
	h->out = (struct host32_regs *)(base + HOST32_OUT);
	h->enter = (void (*)(void))(uintptr_t)(base + HOST32_ENTRY);

	/* 64-bit: push rbx, rbp, r12-r15; mov [rsp_slot], rsp;
	 * mov esp, stack_top; push 0x23; push stub; retfq */
	host32_put(&p, (const uint8_t[]){ 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 }, 10);
	host32_put_abs(&p, (const uint8_t[]){ 0x48, 0x89, 0x24, 0x25 }, 4, b + HOST32_RSP_SLOT);
	host32_put(&p, (const uint8_t[]){ 0xbc }, 1);
	host32_put32(&p, h->stack_top);
	host32_put(&p, (const uint8_t[]){ 0x6a, 0x23, 0x68 }, 3);
	host32_put32(&p, b + HOST32_STUB);
	host32_put(&p, (const uint8_t[]){ 0x48, 0xcb }, 2);

	/* 64-bit, back: mov rsp, [rsp_slot]; xor eax, eax; mov ds, eax;
	 * mov es, eax; pop r15-r12, rbp, rbx; ret */
	p = base + HOST32_BACK;
	host32_put_abs(&p, (const uint8_t[]){ 0x48, 0x8b, 0x24, 0x25 }, 4, b + HOST32_RSP_SLOT);
	host32_put(&p, (const uint8_t[]){ 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xc0 }, 6);
	host32_put(&p, (const uint8_t[]){ 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 }, 11);

	/* 32-bit: push ss; pop ds; push ss; pop es (64-bit processes run
	 * with null DS and ES); push dword [in.eflags]; popfd;
	 * mov r32, [in.gpr[r]] for every register but ESP, then ESP; the
	 * instruction slot. */
	p = base + HOST32_STUB;
	host32_put(&p, (const uint8_t[]){ 0x16, 0x1f, 0x16, 0x07 }, 4);
	host32_put_abs(&p, (const uint8_t[]){ 0xff, 0x35 }, 2, in + 32);
	host32_put(&p, (const uint8_t[]){ 0x9d }, 1);
	for (unsigned r = 0; r < 8; r++)
		if (r != 4)
			host32_put_abs(&p, (const uint8_t[]){ 0x8b, (uint8_t)(0x05 | r << 3) }, 2, in + 4 * r);
	host32_put_abs(&p, (const uint8_t[]){ 0x8b, 0x25 }, 2, in + 16);
	h->insn = p;
	memset(p, 0x90, HOST32_INSN_MAX);
	p += HOST32_INSN_MAX;
	/* mov [out.gpr[r]], r32 for all eight; mov esp, stack_top; pushfd;
	 * pop dword [out.eflags]; jmp far 0x33:back */
	for (unsigned r = 0; r < 8; r++)
		host32_put_abs(&p, (const uint8_t[]){ 0x89, (uint8_t)(0x05 | r << 3) }, 2, out + 4 * r);
	host32_put(&p, (const uint8_t[]){ 0xbc }, 1);
	host32_put32(&p, h->stack_top);
	host32_put(&p, (const uint8_t[]){ 0x9c }, 1);
	host32_put_abs(&p, (const uint8_t[]){ 0x8f, 0x05 }, 2, out + 32);
	host32_put(&p, (const uint8_t[]){ 0xea }, 1);
	host32_put32(&p, b + HOST32_BACK);
	host32_put(&p, (const uint8_t[]){ 0x33, 0x00 }, 2);
	return true;
}

static inline void host32_destroy(struct host32 *h)
{
	munmap(h->base, HOST32_PAGES * 4096);
}

/* The instruction to run: len <= HOST32_INSN_MAX bytes (NOPs after it). */
static inline void host32_set_insn(struct host32 *h, const uint8_t *bytes, unsigned len)
{
	memset(h->insn, 0x90, HOST32_INSN_MAX);
	memcpy(h->insn, bytes, len < HOST32_INSN_MAX ? len : HOST32_INSN_MAX);
}

/* Runs the instruction with the registers `in` (ESP included: use
 * stack_top unless the code needs another valid stack) and EFLAGS
 * in->eflags (TF, AC and DF clear); stores the registers after it. */
static inline void host32_run(struct host32 *h, const struct host32_regs *in, struct host32_regs *out)
{
	*h->in = *in;
	__asm__ volatile("" ::: "memory");
	h->enter();
	__asm__ volatile("" ::: "memory");
	*out = *h->out;
}

/* Whether the host CPU is AMD's (vendor-specific undefined results). */
static inline bool host32_is_amd(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(0, &a, &b, &c, &d))
		return false;
	return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;   /* "AuthenticAMD" */
}

#endif
