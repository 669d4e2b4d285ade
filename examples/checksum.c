/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * examples/checksum.c - checksum every file under a directory, in
 * parallel.
 *
 *	checksum [-j workers] DIR
 *
 * prints "checksum  path" for each regular file under DIR (symbolic links
 * are not followed), in the order the files finish: pipe it through
 * sort(1) for a stable listing.  The checksum is 64-bit FNV-1a, written
 * below: good for spotting changed files, not for security.  A last line
 * gives the totals.  -j N checksums at most N files at once (default: one
 * per core).  An unreadable file or directory is reported on
 * stderr and makes the exit status 1; the walk goes on.
 *
 * The directory walk is a stream that tf_parallel_foreach_stream() reads
 * a few paths at a time, one thread at a time, while the pool's workers
 * and the calling thread checksum the files already read: the tree is
 * never listed whole.  When stderr is a terminal, a periodic job redraws
 * a progress line a few times a second.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <threadfactory.h>

struct walk {
	/* The stream: read by one thread at a time, so no lock. */
	DIR *dir;               /* the directory being read */
	char *dir_path;         /* its path */
	char **stack;           /* directories still to read */
	size_t depth, cap;
	/* Shared by the bodies and the progress job. */
	atomic_ullong files, bytes;
	atomic_int failed;
	int64_t start;
	pthread_mutex_t out;    /* one writer at a time on stdout, stderr */
	bool progress;          /* stderr is a terminal */
	bool shown;             /* a progress line is on the screen */
};

/*
 * Take the output: one writer at a time on stdout and stderr, and the
 * progress line cleared before anything else is printed.
 */
static void
output_lock(struct walk *w)
{
	pthread_mutex_lock(&w->out);
	if (w->shown) {
		fputs("\r\033[K", stderr);
		w->shown = false;
	}
}

static void
output_unlock(struct walk *w)
{
	pthread_mutex_unlock(&w->out);
}

static void
fail(struct walk *w, const char *path, int err)
{
	output_lock(w);
	fprintf(stderr, "checksum: %s: %s\n", path, strerror(err));
	output_unlock(w);
	atomic_store(&w->failed, 1);
}

static char *
join_path(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (p != NULL) {
		memcpy(p, dir, a);
		p[a] = '/';
		memcpy(p + a + 1, name, b + 1);
	}
	return p;
}

static int
push_dir(struct walk *w, char *path)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		char **s = realloc(w->stack, cap * sizeof(*s));

		if (s == NULL)
			return ENOMEM;
		w->stack = s;
		w->cap = cap;
	}
	w->stack[w->depth++] = path;
	return 0;
}

/*
 * The stream's next(): the next regular file's path, malloc'ed, for the
 * body to free.  Directories found are pushed and read after the current
 * one (depth first); anything else (links, devices, sockets) is skipped.
 * tf_parallel_foreach_stream() calls it from one thread at a time, each
 * call ordered after the one before, so the walk needs no lock.
 */
static bool
next_file(void **item, void *ctx)
{
	struct walk *w = ctx;
	struct dirent *de;
	struct stat st;
	char *path;

	for (;;) {
		while (w->dir == NULL) {
			if (w->depth == 0)
				return false;   /* the end of the stream */
			free(w->dir_path);
			w->dir_path = w->stack[--w->depth];
			if ((w->dir = opendir(w->dir_path)) == NULL)
				fail(w, w->dir_path, errno);
		}
		errno = 0;
		if ((de = readdir(w->dir)) == NULL) {
			if (errno != 0)
				fail(w, w->dir_path, errno);
			closedir(w->dir);
			w->dir = NULL;
			continue;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((path = join_path(w->dir_path, de->d_name)) == NULL) {
			fail(w, de->d_name, ENOMEM);
			continue;
		}
		/* lstat-like: a symbolic link is a link, not its target. */
		if (fstatat(dirfd(w->dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0)
			fail(w, path, errno);
		else if (S_ISREG(st.st_mode)) {
			*item = path;
			return true;
		} else if (S_ISDIR(st.st_mode)) {
			int err = push_dir(w, path);

			if (err == 0)
				continue;       /* the stack owns path now */
			fail(w, path, err);
		}
		free(path);
	}
}

/* 64-bit FNV-1a, continued from h over len bytes. */
static uint64_t
fnv1a(uint64_t h, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The body: checksum one file, print its line, free its path. */
static int
checksum_file(void *item, void *ctx)
{
	struct walk *w = ctx;
	char *path = item;
	unsigned char buf[64 * 1024];
	uint64_t h = 0xcbf29ce484222325ULL;     /* the FNV offset basis */
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW), err = 0;

	if (fd < 0)
		err = errno;
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		h = fnv1a(h, buf, (size_t)n);
		atomic_fetch_add(&w->bytes, (unsigned long long)n);
	}
	if (fd >= 0)
		close(fd);
	if (err != 0)
		fail(w, path, err);
	else {
		atomic_fetch_add(&w->files, 1);
		output_lock(w);
		printf("%016llx  %s\n", (unsigned long long)h, path);
		output_unlock(w);
	}
	free(path);
	return 0;       /* 0: go on; a failed file does not stop the walk */
}

/* The periodic job: redraw the progress line on stderr. */
static int
show_progress(void *arg)
{
	struct walk *w = arg;
	double secs = (double)(tf_now() - w->start) / 1e9;
	unsigned long long bytes = atomic_load(&w->bytes);

	output_lock(w);
	fprintf(stderr, "\r\033[Kfiles: %llu, bytes: %llu, %.1f MB/s",
	    atomic_load(&w->files), bytes, (double)bytes / 1e6 / secs);
	w->shown = true;
	output_unlock(w);
	return 0;
}

int
main(int argc, char **argv)
{
	struct walk w = { .out = PTHREAD_MUTEX_INITIALIZER };
	tf_pool_attr_t attr;
	tf_parallel_opts_t popts = { 0 };
	tf_job_opts_t jopts = { 0 };
	tf_pool_t *pool;
	tf_job_t *ticker = NULL;
	char *root;
	int opt, err;

	tf_pool_attr_init(&attr);
	while ((opt = getopt(argc, argv, "j:")) != -1) {
		if (opt != 'j' || atoi(optarg) < 1) {
			fprintf(stderr, "usage: %s [-j workers] DIR\n",
			    argv[0]);
			return 2;
		}
		attr.workers = (unsigned)atoi(optarg);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s [-j workers] DIR\n", argv[0]);
		return 2;
	}
	/* The walk starts with DIR on its stack. */
	if ((root = strdup(argv[optind])) == NULL ||
	    push_dir(&w, root) != 0) {
		perror("checksum");
		free(root);
		return 1;
	}
	attr.name = "checksum";
	if ((err = tf_pool_create(&pool, &attr)) != 0) {
		fprintf(stderr, "tf_pool_create: %s\n", strerror(err));
		free(root);
		free(w.stack);
		return 1;
	}
	w.start = tf_now();
	w.progress = isatty(STDERR_FILENO);
	if (w.progress) {
		/*
		 * tf_submit_every() with a priority: HIGH, so that the
		 * redraw starts before the queued checksum chunks.  The
		 * first run is one period from now.
		 */
		jopts.priority = TF_PRIO_HIGH;
		jopts.period_ns = 250 * TF_MSEC;
		if ((err = tf_submit_ex(pool, show_progress, &w, &jopts,
		    &ticker)) != 0)
			fprintf(stderr, "tf_submit_ex: %s\n", strerror(err));
	}
	/*
	 * -j N: at most N threads checksum files, the calling thread
	 * included (0: every worker and the caller).  The call returns when
	 * the stream has ended and every body has returned.
	 */
	popts.workers = attr.workers;
	err = tf_parallel_foreach_stream(pool, next_file, checksum_file, &w,
	    &popts);
	if (err != 0) {
		fprintf(stderr, "tf_parallel_foreach_stream: %s\n",
		    strerror(err));
		w.failed = 1;
	}
	if (ticker != NULL) {
		/* EBUSY: it is running now, and will not run again. */
		if (tf_job_cancel(ticker) == EBUSY)
			(void)tf_job_wait(ticker, TF_FOREVER);
		tf_job_release(ticker);
	}
	if (w.shown)
		fputs("\r\033[K", stderr);
	printf("total: %llu files, %llu bytes, %.3f s\n",
	    atomic_load(&w.files), atomic_load(&w.bytes),
	    (double)(tf_now() - w.start) / 1e9);
	if (fflush(stdout) != 0) {      /* a full disk, a closed pipe */
		perror("checksum: stdout");
		w.failed = 1;
	}
	tf_pool_destroy(pool);
	/*
	 * After an early stop (ENOMEM) the walk may hold a directory and a
	 * stack; the paths read but not yet handed to a body are lost.
	 */
	if (w.dir != NULL)
		closedir(w.dir);
	free(w.dir_path);
	while (w.depth > 0)
		free(w.stack[--w.depth]);
	free(w.stack);
	pthread_mutex_destroy(&w.out);
	return atomic_load(&w.failed) ? 1 : 0;
}
