/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * examples/stats_exporter.c - a pool's statistics in the Prometheus text
 * format, printed or served over HTTP.
 *
 *	stats_exporter --print [--seconds N] [--period S]
 *	stats_exporter --listen PORT [--seconds N] [--period S]
 *	stats_exporter --self-test
 *
 * A pool runs a synthetic workload: every 10 ms a periodic job submits a
 * burst of jobs that spin for a random time (20 us to 1 ms) at a random
 * priority, and one in fifty fails.  Another periodic job samples the
 * pool's statistics every period (1 s by default) with tf_pool_stats()
 * and renders them with tf_stats_write_prometheus().  --print writes each
 * sample to stdout, and the exact totals after the pool is shut down;
 * --listen serves the latest sample at http://127.0.0.1:PORT/metrics
 * (loopback only) from a minimal HTTP/1.0 responder on the main thread,
 * for N seconds (0, the default: until interrupted).  PORT 0 picks a
 * free port.  --self-test serves on a free port, fetches /metrics and
 * another path from a client thread, and checks the answers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <threadfactory.h>

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct exporter {
	tf_pool_t *pool;
	bool print;             /* write each sample to stdout */
	pthread_mutex_t lock;   /* guards page and len */
	char *page;             /* the latest sample, Prometheus text */
	size_t len;
	uint64_t rng;           /* the workload generator's (one at a time) */
};

/* ---------------------------------------------------------------------
 * The workload.
 */

/* A job: spin for |arg| microseconds; a negative arg fails. */
static int
work(void *arg)
{
	intptr_t us = (intptr_t)arg;
	int64_t end = tf_now() + (us < 0 ? -us : us) * TF_USEC;

	while (tf_now() < end)
		;
	return us < 0 ? EIO : 0;
}

/* splitmix64: a small generator that mixes any seed well. */
static uint64_t
next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * The generator, a periodic job: a burst of 1 to 8 jobs.  A periodic job
 * never overlaps its previous run, so ex->rng needs no lock.
 */
static int
generate(void *arg)
{
	static const int prios[] = { TF_PRIO_LOW, TF_PRIO_NORMAL,
	    TF_PRIO_NORMAL, TF_PRIO_HIGH };
	struct exporter *ex = arg;
	int n = 1 + (int)(next_random(&ex->rng) % 8);

	for (int i = 0; i < n; i++) {
		uint64_t r = next_random(&ex->rng);
		tf_job_opts_t opts = { .priority = prios[r % 4] };
		intptr_t us = 20 + (intptr_t)(r >> 8 & 1023) * 980 / 1023;

		if ((r >> 20) % 50 == 0)
			us = -us;
		/* Fire and forget: no handle.  Fails only when shut down. */
		if (tf_submit_ex(ex->pool, work, (void *)us, &opts, NULL) != 0)
			break;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * The exporter.
 */

/*
 * The sampling job, run every period (and once by main before serving):
 * read the statistics, render them, print or publish them.  It returns 0
 * even when a sample failed, so that the periodic job goes on (a
 * non-zero return would end it, FAILED).
 */
static int
export_sample(void *arg)
{
	struct exporter *ex = arg;
	tf_stats_t st;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if ((err = tf_pool_stats(ex->pool, &st)) != 0) {
		fprintf(stderr, "tf_pool_stats: %s\n", strerror(err));
		return 0;
	}
	if ((f = open_memstream(&text, &len)) == NULL) {
		perror("open_memstream");
		return 0;
	}
	err = tf_stats_write_prometheus(&st, "work", f);
	if (fclose(f) != 0 || err != 0) {
		fprintf(stderr, "tf_stats_write_prometheus: %s\n",
		    strerror(err != 0 ? err : errno));
		free(text);
		return 0;
	}
	if (ex->print) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
			perror("stdout");
		free(text);
		return 0;
	}
	pthread_mutex_lock(&ex->lock);
	free(ex->page);
	ex->page = text;
	ex->len = len;
	pthread_mutex_unlock(&ex->lock);
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Answer one request on fd: GET /metrics, or an error status. */
static void
answer(struct exporter *ex, int fd)
{
	struct timeval tv = { .tv_sec = 2 };
	char req[2048], head[256], *body = NULL;
	const char *status = "200 OK";
	size_t got = 0, blen = 0;
	int hlen;

	/* Read the request head; give up on a client silent for 2 s. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		perror("setsockopt");
		return;
	}
	while (got < sizeof(req) - 1) {
		ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL ||
		    strstr(req, "\n\n") != NULL)
			break;
	}
	req[got] = '\0';
	if (strncmp(req, "GET ", 4) != 0)
		status = "405 Method Not Allowed";
	else if (strncmp(req + 4, "/metrics ", 9) != 0 &&
	    strncmp(req + 4, "/metrics\r", 9) != 0)
		status = "404 Not Found";
	else {
		/* Copy the latest sample, so as not to write under the lock. */
		pthread_mutex_lock(&ex->lock);
		if (ex->page != NULL && (body = malloc(ex->len)) != NULL) {
			memcpy(body, ex->page, ex->len);
			blen = ex->len;
		}
		pthread_mutex_unlock(&ex->lock);
		if (body == NULL)
			status = "503 Service Unavailable";
	}
	hlen = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\n"
	    "Content-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, blen);
	if (write_all(fd, head, (size_t)hlen) == 0 && blen > 0)
		(void)write_all(fd, body, blen);
	free(body);
}

/* Serve until the deadline (0: none), a signal, or limit requests. */
static int
serve_http(struct exporter *ex, int lfd, int64_t deadline, int limit)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	for (int served = 0; !stopping && (limit == 0 || served < limit) &&
	    (deadline == 0 || tf_now() < deadline);) {
		int n = poll(&p, 1, 100), fd;

		if (n < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		if (n <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				perror("accept");
			continue;
		}
		answer(ex, fd);
		close(fd);
		served++;
	}
	return 0;
}

static int
listen_on(int port, int *bound)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	/* Best effort: a restart can bind while old connections linger. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

/* ---------------------------------------------------------------------
 * The self-test's client: two requests, each answer checked.
 */

struct probe {
	int port, ok;
};

/* GET path; the whole answer into buf (NUL-terminated), or -1. */
static int
http_get(int port, const char *path, char *buf, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char req[256];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), len;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n"
	    "Host: 127.0.0.1\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write_all(fd, req, (size_t)len) != 0) {
		close(fd);
		return -1;
	}
	for (ssize_t n; got < size - 1 &&
	    (n = read(fd, buf + got, size - 1 - got)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return 0;
}

static void *
probe_main(void *arg)
{
	struct probe *p = arg;
	char *buf = malloc(1 << 16);

	p->ok = buf != NULL &&
	    http_get(p->port, "/metrics", buf, 1 << 16) == 0 &&
	    strncmp(buf, "HTTP/1.0 200 OK\r\n", 17) == 0 &&
	    strstr(buf, "\r\nContent-Type: text/plain; version=0.0.4\r\n") &&
	    strstr(buf, "\n# TYPE threadfactory_jobs_submitted_total "
	    "counter\n") &&
	    strstr(buf, "\nthreadfactory_jobs_submitted_total{") &&
	    http_get(p->port, "/nothing", buf, 1 << 16) == 0 &&
	    strncmp(buf, "HTTP/1.0 404 ", 13) == 0;
	free(buf);
	return NULL;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s --print | --listen PORT | --self-test "
	    "[--seconds N] [--period S]\n", prog);
}

int
main(int argc, char **argv)
{
	struct exporter ex = { .lock = PTHREAD_MUTEX_INITIALIZER };
	tf_job_t *generator = NULL, *sampler = NULL;
	struct probe probe = { 0 };
	pthread_t ptid;
	double seconds = 0, period = 1;
	int port = -1, lfd = -1, rc = 0, err;
	bool self_test = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (strcmp(a, "--print") == 0)
			ex.print = true;
		else if (strcmp(a, "--self-test") == 0)
			self_test = true;
		else if (strcmp(a, "--listen") == 0 && more)
			port = atoi(argv[++i]);
		else if (strcmp(a, "--seconds") == 0 && more)
			seconds = atof(argv[++i]);
		else if (strcmp(a, "--period") == 0 && more)
			period = atof(argv[++i]);
		else {
			usage(argv[0]);
			return 2;
		}
	}
	if (self_test) {
		port = 0;
		seconds = 10;
		period = 0.1;
	}
	if ((ex.print == (port >= 0)) || port > 65535 || seconds < 0 ||
	    period < 0.001) {
		usage(argv[0]);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (port >= 0 && (lfd = listen_on(port, &port)) < 0) {
		perror("listen");
		return 1;
	}
	if ((err = tf_pool_create(&ex.pool, NULL)) != 0) {
		fprintf(stderr, "tf_pool_create: %s\n", strerror(err));
		if (lfd >= 0)
			close(lfd);
		return 1;
	}
	ex.rng = (uint64_t)tf_now();
	/*
	 * Two periodic jobs, fixed-rate, each first run one period from
	 * now.  A run never overlaps the one before, so neither needs a
	 * lock for its own state.
	 */
	if ((err = tf_submit_every(ex.pool, 10 * TF_MSEC, generate, &ex,
	    &generator)) != 0 ||
	    (err = tf_submit_every(ex.pool, (int64_t)(period * 1e9),
	    export_sample, &ex, &sampler)) != 0) {
		fprintf(stderr, "tf_submit_every: %s\n", strerror(err));
		rc = 1;
	} else if (lfd >= 0) {
		int64_t deadline = seconds > 0 ? tf_now() +
		    (int64_t)(seconds * 1e9) : 0;

		export_sample(&ex);     /* a first sample to serve at once */
		printf("serving http://127.0.0.1:%d/metrics\n", port);
		(void)fflush(stdout);
		probe.port = port;
		if (self_test && (err = pthread_create(&ptid, NULL,
		    probe_main, &probe)) != 0) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			self_test = false;
			rc = 1;
		}
		if (rc == 0)
			rc = serve_http(&ex, lfd, deadline, self_test ? 2 : 0);
		if (self_test) {
			pthread_join(ptid, NULL);
			printf("self-test: %s\n", probe.ok ? "ok" : "FAILED");
			rc |= !probe.ok;
		}
	} else {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		int64_t deadline = tf_now() + (int64_t)(seconds * 1e9);

		while (!stopping && (seconds == 0 || tf_now() < deadline))
			nanosleep(&tick, NULL);
	}
	/*
	 * Stop both periodic jobs (EBUSY: running now, will not run again,
	 * so wait for that run), then cancel the queued workload.
	 */
	for (int i = 0; i < 2; i++) {
		tf_job_t *job = i == 0 ? sampler : generator;

		if (job != NULL && tf_job_cancel(job) == EBUSY)
			(void)tf_job_wait(job, TF_FOREVER);
		tf_job_release(job);
	}
	if ((err = tf_pool_shutdown(ex.pool, TF_SHUTDOWN_CANCEL,
	    5 * TF_SEC)) != 0)
		fprintf(stderr, "tf_pool_shutdown: %s\n", strerror(err));
	/* Now submitted == completed + failed + cancelled, exactly. */
	if (ex.print && rc == 0) {
		printf("# the totals, after shutdown\n");
		export_sample(&ex);
	}
	tf_pool_destroy(ex.pool);
	if (lfd >= 0)
		close(lfd);
	free(ex.page);
	pthread_mutex_destroy(&ex.lock);
	return rc;
}
