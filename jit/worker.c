/* SPDX-License-Identifier: GPL-3.0-or-later */
/* worker.c — tier 1's compiles in a child process (jit/worker.h).
 *
 * Workers are forked by a *zygote* process (zygote_main), itself forked
 * when the worker object is made, before morpheus starts other threads.
 *
 * The protocol, over a pair of connected sockets (sends with
 * MSG_NOSIGNAL: a worker that died is an error here, not a SIGPIPE): a
 * request is a header (block count,
 * options, the region's block table address here, the path of the shared
 * object to write) and, per block, its original's address, the size of
 * its copy and the copy itself (header, IR ops, instruction table: what
 * jit_batch_add copies). The worker rebuilds the batch, runs
 * jit_gccjit_compile with opt.so_path and answers with a header (success,
 * the compile report, how many blocks the region has, its resident size)
 * and the region's originals in order. The originals' addresses are only
 * embedded in code, never followed, in the worker. */
#include "jit/worker.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jit/ir.h"

/* A worker that has grown this much since its first compile is replaced. */
#define WORKER_GROWTH_KIB (64u << 10)

struct jit_worker {
	pid_t zygote;             /* forks the workers (see worker_start) */
	int zygote_sock;
	bool running;             /* a worker is connected on sock */
	int sock;                 /* our end of the socket pair with it */
	uint64_t first_kib;       /* its resident size after its first compile, or 0 */
	unsigned serial;          /* names the shared objects */
	uint64_t starts;
	char dir[64];             /* a private directory for them */
};

struct request {
	uint32_t nr;
	int32_t opt_level;
	uint8_t link_blocks, tail_calls;
	uint64_t table;
	char path[96];
};

struct reply {
	int32_t ok;
	uint32_t unsupported;
	uint64_t first_unsupported;   /* a string of the program: same address in both */
	char error[160];
	uint32_t nr_blocks;
	uint64_t rss_kib;
};

static bool write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static bool read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static size_t copy_bytes(const struct jit_block *b)
{
	return sizeof(*b) + b->nr_ops * sizeof(struct ir_op) + b->nr_insns * sizeof(struct jit_insn_info);
}

/* ---- the child ---- */

static uint64_t self_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	uint64_t kib = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = strtoull(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

/* Reads one request's blocks into batch; false at end of input. */
static bool child_read_batch(int in, const struct request *h, struct jit_batch *batch)
{
	batch->orig = calloc(h->nr ? h->nr : 1, sizeof(*batch->orig));
	batch->copy = calloc(h->nr ? h->nr : 1, sizeof(*batch->copy));
	if (!batch->orig || !batch->copy)
		return false;
	batch->cap = h->nr;
	for (uint32_t i = 0; i < h->nr; i++) {
		uint64_t orig;
		uint32_t size;
		if (!read_all(in, &orig, sizeof(orig)) || !read_all(in, &size, sizeof(size)) ||
		    size < sizeof(struct jit_block))
			return false;
		struct jit_block *c = malloc(size);
		if (!c || !read_all(in, c, size)) {
			free(c);
			return false;
		}
		c->insns = (struct jit_insn_info *)((char *)c->ops + c->nr_ops * sizeof(struct ir_op));
		batch->orig[i] = (struct jit_block *)(uintptr_t)orig;
		batch->copy[batch->nr++] = c;
	}
	return true;
}

static _Noreturn void child_main(int sock)
{
	/* the parent handles the terminal's signals and ends this process */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		struct request h;
		if (!read_all(sock, &h, sizeof(h)))
			_exit(0);
		h.path[sizeof(h.path) - 1] = 0;
		struct jit_batch batch = { 0 };
		bool ok = child_read_batch(sock, &h, &batch);
		struct jit_compile_options opt = {
			.opt_level = h.opt_level, .link_blocks = h.link_blocks, .tail_calls = h.tail_calls,
			.table = (struct jit_block **)(uintptr_t)h.table, .so_path = h.path,
		};
		struct jit_compile_report rep = { 0 };
		struct jit_region *r = ok ? jit_gccjit_compile(&batch, &opt, &rep) : NULL;
		if (!ok)
			_exit(1);
		struct reply o = {
			.ok = r != NULL, .unsupported = rep.unsupported,
			.first_unsupported = (uint64_t)(uintptr_t)rep.first_unsupported,
			.nr_blocks = r ? r->nr_blocks : 0,
		};
		memcpy(o.error, rep.error, sizeof(o.error));
		o.rss_kib = self_rss_kib();
		bool sent = write_all(sock, &o, sizeof(o));
		for (unsigned k = 0; sent && r && k < r->nr_blocks; k++) {
			uint64_t b = (uint64_t)(uintptr_t)r->blocks[k];
			sent = write_all(sock, &b, sizeof(b));
		}
		jit_region_release(r);
		jit_batch_clear(&batch);
		free(batch.orig);
		free(batch.copy);
		if (!sent)
			_exit(1);
	}
}

/* ---- the parent ---- */

static void worker_stop(struct jit_worker *w)
{
	if (!w->running)
		return;
	close(w->sock);   /* the worker reads end of input and exits */
	w->running = false;
	w->first_kib = 0;
}

/* Closes every descriptor from `from` on but `keep` (the zygote does not
 * keep the program's files, pipes and devices open). */
static void close_fds_but(int from, int keep)
{
	if (keep > from)
		close_range((unsigned)from, (unsigned)keep - 1, 0);
	close_range((unsigned)keep + 1, ~0u, 0);
}

/* The zygote: forked while morpheus has no other thread (jit_worker_create
 * runs before the engine thread starts), it stays single-threaded and
 * forks each worker, so that no lock another thread held at a fork (the
 * allocator's, under ASan) can be inherited held. For each byte it reads
 * it forks a worker and passes this process its end of a new socket pair
 * (SCM_RIGHTS). Workers are reaped by the kernel (SIGCHLD ignored). */
static _Noreturn void zygote_main(int sock)
{
	close_fds_but(3, sock);
	/* stdin and stdout may be pipes whose readers wait for their end;
	 * stderr stays (MORPHEUS_JIT_DUMP_ASM writes there) */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (null > 2)
			close(null);
	}
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		char c;
		if (!read_all(sock, &c, 1))
			_exit(0);
		int sv[2] = { -1, -1 };
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				close(sock);
				close(sv[0]);
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				child_main(sv[1]);
			}
			close(sv[1]);
			if (pid < 0) {
				close(sv[0]);
				sv[0] = -1;
			}
		}
		/* one byte, with the descriptor when there is one */
		char ok = sv[0] >= 0;
		struct iovec iov = { &ok, 1 };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (ok) {
			memset(&ctl, 0, sizeof(ctl));
			msg.msg_control = ctl.buf;
			msg.msg_controllen = sizeof(ctl.buf);
			struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
		}
		if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1)
			_exit(1);
		if (sv[0] >= 0)
			close(sv[0]);
	}
}

/* Asks the zygote for a new worker. */
static bool worker_start(struct jit_worker *w)
{
	char c = 1, ok = 0;
	if (!write_all(w->zygote_sock, &c, 1))
		return false;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { &ok, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;
	while ((n = recvmsg(w->zygote_sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *cm = n == 1 && ok ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return false;
	memcpy(&w->sock, CMSG_DATA(cm), sizeof(int));
	w->running = true;
	w->starts++;
	return true;
}

struct jit_worker *jit_worker_create(void)
{
	struct jit_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	const char *tmp = getenv("TMPDIR");
	snprintf(w->dir, sizeof(w->dir), "%s/morpheus-jit-XXXXXX", tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(w->dir)) {
		free(w);
		return NULL;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		rmdir(w->dir);
		free(w);
		return NULL;
	}
	w->zygote = fork();
	if (w->zygote == 0) {
		close(sv[0]);
		zygote_main(sv[1]);
	}
	close(sv[1]);
	if (w->zygote < 0) {
		close(sv[0]);
		rmdir(w->dir);
		free(w);
		return NULL;
	}
	w->zygote_sock = sv[0];
	return w;
}

void jit_worker_destroy(struct jit_worker *w)
{
	if (!w)
		return;
	worker_stop(w);
	close(w->zygote_sock);   /* it reads end of input and exits */
	while (waitpid(w->zygote, NULL, 0) < 0 && errno == EINTR)
		;
	rmdir(w->dir);
	free(w);
}

uint64_t jit_worker_starts(const struct jit_worker *w)
{
	return w ? w->starts : 0;
}

static void report(struct jit_compile_report *rep, const char *msg)
{
	if (!rep->error[0])
		snprintf(rep->error, sizeof(rep->error), "%s", msg);
}

/* Sends the request; false when the worker is gone. */
static bool send_batch(struct jit_worker *w, const struct jit_batch *batch, const struct jit_compile_options *opt,
		       struct jit_block **table, const char *path)
{
	struct request h = {
		.nr = batch->nr, .opt_level = opt->opt_level, .link_blocks = opt->link_blocks,
		.tail_calls = opt->tail_calls, .table = (uint64_t)(uintptr_t)table,
	};
	snprintf(h.path, sizeof(h.path), "%s", path);
	if (!write_all(w->sock, &h, sizeof(h)))
		return false;
	for (unsigned i = 0; i < batch->nr; i++) {
		uint64_t orig = (uint64_t)(uintptr_t)batch->orig[i];
		uint32_t size = (uint32_t)copy_bytes(batch->copy[i]);
		if (!write_all(w->sock, &orig, sizeof(orig)) || !write_all(w->sock, &size, sizeof(size)) ||
		    !write_all(w->sock, batch->copy[i], size))
			return false;
	}
	return true;
}

struct jit_region *jit_worker_compile(struct jit_worker *w, const struct jit_batch *batch,
				      const struct jit_compile_options *opt, struct jit_compile_report *rep)
{
	if (!w->running && !worker_start(w)) {
		report(rep, "cannot start the compile worker process");
		return NULL;
	}
	char path[96];
	snprintf(path, sizeof(path), "%s/r%u.so", w->dir, w->serial++);
	struct jit_block **table = calloc(batch->nr ? batch->nr : 1, sizeof(*table));
	struct jit_region *region = calloc(1, sizeof(*region));
	struct reply o;
	if (!table || !region) {
		report(rep, "out of memory");
		goto fail;
	}
	if (!send_batch(w, batch, opt, table, path) || !read_all(w->sock, &o, sizeof(o))) {
		report(rep, "the compile worker process ended");
		worker_stop(w);
		goto fail;
	}
	rep->unsupported = o.unsupported;
	rep->first_unsupported = (const char *)(uintptr_t)o.first_unsupported;
	if (!o.ok) {
		o.error[sizeof(o.error) - 1] = 0;
		report(rep, o.error[0] ? o.error : "the compile failed");
		unlink(path);
		goto fail;
	}
	if (o.nr_blocks > batch->nr) {
		report(rep, "the compile worker process sent a bad reply");
		worker_stop(w);
		unlink(path);
		goto fail;
	}
	for (unsigned k = 0; k < o.nr_blocks; k++) {
		uint64_t b;
		if (!read_all(w->sock, &b, sizeof(b))) {
			report(rep, "the compile worker process ended");
			worker_stop(w);
			unlink(path);
			goto fail;
		}
		table[k] = (struct jit_block *)(uintptr_t)b;
	}
	region->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (region->dl)   /* removed with the region (jit_region_release) */
		snprintf(region->so_path, sizeof(region->so_path), "%s", path);
	else
		unlink(path);
	void *fn = region->dl ? dlsym(region->dl, "region") : NULL;
	if (!fn) {
		report(rep, region->dl ? "no function in the compiled object" : dlerror());
		if (region->dl)
			dlclose(region->dl);
		unlink(path);
		goto fail;
	}
	region->fn = (int (*)(struct soft_cpu *, int))fn;
	region->generation = batch->generation;
	region->blocks = table;
	region->nr_blocks = o.nr_blocks;
	/* replace a worker that has kept too much of its compiles */
	if (!w->first_kib)
		w->first_kib = o.rss_kib;
	else if (o.rss_kib > w->first_kib + WORKER_GROWTH_KIB)
		worker_stop(w);
	return region;
fail:
	free(table);
	free(region);
	return NULL;
}
