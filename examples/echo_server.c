/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * examples/echo_server.c - a TCP echo server on a threadfactory pool.
 *
 *	echo_server [-p port] [-w workers]     serve until interrupted
 *	echo_server --self-test N              N clients, check, exit
 *
 * Each connection is one job that reads and writes back until the peer
 * closes.  The blocking reads are bracketed by tf_blocking_begin() and
 * tf_blocking_end(), so the pool starts spare threads while connections
 * wait and other jobs still run.  A periodic job prints the pool's
 * statistics every few seconds; shutdown drains the connections.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <threadfactory.h>

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* One connection: echo until the peer closes. */
static int
serve_connection(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[4096];
	ssize_t n;
	int rc = 0;

	for (;;) {
		tf_blocking_begin();
		n = read(fd, buf, sizeof(buf));
		tf_blocking_end();
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = errno;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = errno;
				goto out;
			}
			off += w;
		}
	}
out:
	close(fd);
	return rc;
}

static int
print_stats(void *arg)
{
	tf_pool_t *pool = arg;
	tf_stats_t st;

	if (tf_pool_stats(pool, &st) == 0)
		fprintf(stderr, "connections: %llu served, %llu open, "
		    "%llu spare threads, queue delay p99 %lld us\n",
		    (unsigned long long)(st.completed + st.failed),
		    (unsigned long long)st.running,
		    (unsigned long long)st.spares,
		    (long long)(st.queue_delay.p99_ns / 1000));
	return 0;
}

static int
listen_on(int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

/* The self-test's clients: each sends a message, reads it back, checks. */
struct client {
	pthread_t tid;
	int port;
	int id;
	int ok;
};

static void *
client_main(void *arg)
{
	struct client *c = arg;
	struct sockaddr_in sa;
	char out[512], in[512];
	size_t len, got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)c->port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	len = (size_t)snprintf(out, sizeof(out),
	    "client %d says hello to the echo server, %d times over", c->id,
	    c->id * 7);
	for (int round = 0; round < 20; round++) {
		if (write(fd, out, len) != (ssize_t)len)
			goto out;
		for (got = 0; got < len;) {
			ssize_t n = read(fd, in + got, len - got);

			if (n <= 0)
				goto out;
			got += (size_t)n;
		}
		if (memcmp(in, out, len) != 0)
			goto out;
	}
	c->ok = 1;
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

int
main(int argc, char **argv)
{
	tf_pool_attr_t attr;
	tf_pool_t *pool;
	tf_job_t *ticker = NULL;
	int port = 7007, bound, lfd, self_test = 0, rc;
	struct client *clients = NULL;
	tf_stats_t st;

	tf_pool_attr_init(&attr);
	attr.name = "echo";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
			attr.workers = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--self-test") == 0 && i + 1 < argc)
			self_test = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [-p port] [-w workers] "
			    "[--self-test clients]\n", argv[0]);
			return 2;
		}
	}
	if (self_test > 0)
		port = 0;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = listen_on(port, &bound)) < 0) {
		perror("listen");
		return 1;
	}
	if ((rc = tf_pool_create(&pool, &attr)) != 0) {
		fprintf(stderr, "tf_pool_create: %s\n", strerror(rc));
		return 1;
	}
	if (self_test == 0) {
		rc = tf_submit_every(pool, 5 * TF_SEC, print_stats, pool,
		    &ticker);
		if (rc != 0)
			fprintf(stderr, "tf_submit_every: %s\n", strerror(rc));
		fprintf(stderr, "echo server on 127.0.0.1:%d, %u workers\n",
		    bound, tf_pool_workers(pool));
	} else {
		clients = calloc((size_t)self_test, sizeof(*clients));
		if (clients == NULL)
			return 1;
		for (int i = 0; i < self_test; i++) {
			clients[i].port = bound;
			clients[i].id = i;
			pthread_create(&clients[i].tid, NULL, client_main,
			    &clients[i]);
		}
	}
	for (int accepted = 0; !stopping; accepted++) {
		int fd;

		if (self_test > 0 && accepted == self_test)
			break;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("accept");
			break;
		}
		rc = tf_submit(pool, serve_connection, (void *)(intptr_t)fd);
		if (rc != 0) {
			fprintf(stderr, "tf_submit: %s\n", strerror(rc));
			close(fd);
		}
	}
	rc = 0;
	if (self_test > 0) {
		for (int i = 0; i < self_test; i++) {
			pthread_join(clients[i].tid, NULL);
			if (!clients[i].ok)
				rc = 1;
		}
		free(clients);
	}
	close(lfd);
	if (ticker != NULL) {
		(void)tf_job_cancel(ticker);
		tf_job_release(ticker);
	}
	(void)tf_pool_shutdown(pool, TF_SHUTDOWN_DRAIN, 10 * TF_SEC);
	if (tf_pool_stats(pool, &st) == 0 && self_test > 0) {
		printf("%d clients, %llu connections served, %llu failed, "
		    "%llu spare threads\n", self_test,
		    (unsigned long long)st.completed,
		    (unsigned long long)st.failed,
		    (unsigned long long)st.spares);
		if (st.completed != (uint64_t)self_test)
			rc = 1;
	}
	tf_pool_destroy(pool);
	return rc;
}
