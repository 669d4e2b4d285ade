/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * examples/echo_server.c - a TCP echo server on a threadfactory pool, a
 * thread-per-connection echo server beside it, and a load client that
 * measures both.
 *
 *	echo_server [-p port] [-w workers] [--plain]   serve until interrupted
 *	echo_server --self-test N [--plain]            N clients, check, exit
 *	echo_server --load [-p port] [-c conns] [-s bytes] [-t seconds]
 *	echo_server --bench [-w workers] [-c conns] [-s bytes] [-t seconds]
 *
 * The pool server: one thread waits in epoll(7) for readable connections
 * and submits a job for each; the job reads what is there, writes it back
 * and re-arms the connection (EPOLLONESHOT, so that one job at a time
 * serves a connection).  A few workers serve any number of connections.
 * The plain server (--plain) starts one thread per connection that reads
 * and writes back in blocking calls.
 *
 * The load client opens conns connections to 127.0.0.1 and plays
 * ping-pong on each for the given time: send a message of a fixed size,
 * wait for its echo, check it, send the next.  It reports messages per
 * second and the round trip's median and 99th percentile.  --bench runs
 * it against both servers in this process, one after the other, and
 * prints the figures side by side.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

/* Write all of buf, or fail with an errno value. */
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

/* Read exactly len bytes: 0, EPIPE if the peer closed first, or errno. */
static int
read_all(int fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EPIPE;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
no_delay(int fd)
{
	int one = 1;

	/* Ping-pong: send each message at once, never wait to batch. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int
listen_on(int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	/* Best effort: a restart can bind while old connections linger. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

static int
connect_to(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	no_delay(fd);
	return fd;
}

/* ---------------------------------------------------------------------
 * The servers.
 */

struct conn {
	int fd;
	struct server *srv;
	struct conn *prev, *next; /* in srv->conns */
	pthread_mutex_t busy;     /* held by the pool job serving it */
	pthread_t tid;            /* the plain server's thread for it */
};

struct server {
	int lfd, port;
	int limit;            /* stop after this many closed; 0: never */
	atomic_int stop;      /* set by another thread to stop serving */
	atomic_long closed;   /* connections closed by the peer */
	long accepted;
	unsigned threads;     /* the threads it started, all told */
	pthread_mutex_t lock; /* guards conns, the open connections */
	struct conn *conns;
	/* The pool server; the plain server has no pool and no epoll. */
	tf_pool_t *pool;
	int epfd;
};

static bool
should_stop(struct server *srv)
{
	return stopping || atomic_load(&srv->stop) ||
	    (srv->limit > 0 && atomic_load(&srv->closed) >= srv->limit);
}

static struct conn *
conn_add(struct server *srv, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	no_delay(fd);
	c->fd = fd;
	c->srv = srv;
	pthread_mutex_init(&c->busy, NULL);
	pthread_mutex_lock(&srv->lock);
	c->next = srv->conns;
	if (c->next != NULL)
		c->next->prev = c;
	srv->conns = c;
	pthread_mutex_unlock(&srv->lock);
	srv->accepted++;
	return c;
}

static void
conn_close(struct conn *c)
{
	struct server *srv = c->srv;

	pthread_mutex_lock(&srv->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&srv->lock);
	close(c->fd);   /* also takes it out of the epoll set */
	pthread_mutex_destroy(&c->busy);
	free(c);
}

/*
 * The job submitted when a connection is readable: echo what is there,
 * then ask epoll for the next readiness.  Until the re-arm, no other job
 * runs for this connection.  The next one may start as soon as the
 * re-arm, before this one has returned: c->busy covers that overlap, and
 * makes the order visible to ThreadSanitizer, which does not see the one
 * epoll gives.
 */
static int
on_readable(void *arg)
{
	struct conn *c = arg;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	char buf[4096];
	ssize_t n;
	int err = 0;

	pthread_mutex_lock(&c->busy);
	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		n = 0;                  /* a spurious wakeup: re-arm */
	else if (n <= 0) {
		err = n < 0 ? errno : 0;
		goto close;             /* closed by the peer, or failed */
	}
	/*
	 * The socket is blocking: a write waits while the peer does not
	 * read.  tf_blocking_begin() lets the pool start a spare worker
	 * meanwhile, so that the other connections are still served.
	 */
	tf_blocking_begin();
	err = write_all(c->fd, buf, (size_t)n);
	tf_blocking_end();
	ev.data.ptr = c;
	if (err == 0 && epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd,
	    &ev) == 0) {
		pthread_mutex_unlock(&c->busy);
		return 0;
	}
	if (err == 0)
		err = errno;
close:
	/* Not re-armed: no other job can come for c. */
	pthread_mutex_unlock(&c->busy);
	atomic_fetch_add(&c->srv->closed, 1);
	conn_close(c);
	return err;     /* non-zero: the job counts as failed */
}

static int
pool_accept(struct server *srv)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	struct conn *c;
	int fd = accept(srv->lfd, NULL, NULL);

	if (fd < 0)
		return errno == EINTR || errno == ECONNABORTED ? 0 : errno;
	if ((c = conn_add(srv, fd)) == NULL) {
		close(fd);
		return ENOMEM;
	}
	ev.data.ptr = c;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		int err = errno;

		conn_close(c);
		return err;
	}
	return 0;
}

static int
print_stats(void *arg)
{
	tf_pool_t *pool = arg;
	tf_stats_t st;

	if (tf_pool_stats(pool, &st) == 0)
		fprintf(stderr, "%llu reads served, %llu running, "
		    "%llu spare threads, queue delay p99 %lld us\n",
		    (unsigned long long)(st.completed + st.failed),
		    (unsigned long long)st.running,
		    (unsigned long long)st.spares,
		    (long long)(st.queue_delay.p99_ns / 1000));
	return 0;
}

/* The pool server's event loop: runs until should_stop(). */
static int
pool_serve(struct server *srv, bool verbose)
{
	struct epoll_event evs[64], lev = { .events = EPOLLIN };
	tf_job_t *ticker = NULL;
	tf_stats_t st;
	int rc = 0, err;

	/* The listening socket is in the set with a NULL pointer. */
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &lev) != 0) {
		perror("epoll_ctl");
		return 1;
	}
	/* A periodic job prints the pool's statistics every 5 s. */
	if (verbose && (err = tf_submit_every(srv->pool, 5 * TF_SEC,
	    print_stats, srv->pool, &ticker)) != 0)
		fprintf(stderr, "tf_submit_every: %s\n", strerror(err));
	while (!should_stop(srv)) {
		int n = epoll_wait(srv->epfd, evs, 64, 100);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("epoll_wait");
			rc = 1;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				if ((err = pool_accept(srv)) != 0)
					fprintf(stderr, "accept: %s\n",
					    strerror(err));
			} else if ((err = tf_submit(srv->pool, on_readable,
			    c)) != 0) {
				/* Only ENOMEM here: drop the connection. */
				fprintf(stderr, "tf_submit: %s\n",
				    strerror(err));
				atomic_fetch_add(&srv->closed, 1);
				conn_close(c);
			}
		}
	}
	if (ticker != NULL) {
		/* EBUSY: it is running; it will not run again. */
		if (tf_job_cancel(ticker) == EBUSY)
			(void)tf_job_wait(ticker, TF_FOREVER);
		tf_job_release(ticker);
	}
	/* Let the jobs in flight finish: they re-arm or close. */
	if ((err = tf_pool_shutdown(srv->pool, TF_SHUTDOWN_DRAIN,
	    10 * TF_SEC)) != 0)
		fprintf(stderr, "tf_pool_shutdown: %s\n", strerror(err));
	if (tf_pool_stats(srv->pool, &st) == 0)
		srv->threads = st.workers + (unsigned)st.spares + 1;
	while (srv->conns != NULL)
		conn_close(srv->conns);
	return rc;
}

/* The plain server: a thread per connection, blocking reads and writes. */
static void *
plain_conn(void *arg)
{
	struct conn *c = arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(c->fd, buf, sizeof(buf))) > 0 || (n < 0 &&
	    errno == EINTR))
		if (n > 0 && write_all(c->fd, buf, (size_t)n) != 0)
			break;
	atomic_fetch_add(&c->srv->closed, 1);
	return NULL;    /* the server joins, then closes c->fd */
}

static int
plain_serve(struct server *srv)
{
	struct pollfd p = { .fd = srv->lfd, .events = POLLIN };
	struct conn *c;
	int rc = 0, err, fd;

	while (!should_stop(srv)) {
		int n = poll(&p, 1, 100);

		if (n < 0 && errno != EINTR) {
			perror("poll");
			rc = 1;
			break;
		}
		if (n <= 0)
			continue;
		if ((fd = accept(srv->lfd, NULL, NULL)) < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				perror("accept");
			continue;
		}
		if ((c = conn_add(srv, fd)) == NULL) {
			close(fd);
			fprintf(stderr, "accept: %s\n", strerror(ENOMEM));
		} else if ((err = pthread_create(&c->tid, NULL, plain_conn,
		    c)) != 0) {
			fprintf(stderr, "pthread_create: %s\n",
			    strerror(err));
			conn_close(c);
		}
	}
	srv->threads = (unsigned)srv->accepted + 1;
	/* Wake the threads still reading (their read returns 0), join. */
	for (c = srv->conns; c != NULL; c = c->next)
		(void)shutdown(c->fd, SHUT_RDWR);
	while ((c = srv->conns) != NULL) {
		pthread_join(c->tid, NULL);
		conn_close(c);
	}
	return rc;
}

static int
server_init(struct server *srv, int port, unsigned workers, bool plain)
{
	tf_pool_attr_t attr;
	int err;

	memset(srv, 0, sizeof(*srv));
	srv->epfd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	if ((srv->lfd = listen_on(port, &srv->port)) < 0) {
		perror("listen");
		return 1;
	}
	if (plain)
		return 0;
	if ((srv->epfd = epoll_create1(0)) < 0) {
		perror("epoll_create1");
		return 1;
	}
	tf_pool_attr_init(&attr);
	attr.name = "echo";
	attr.workers = workers;   /* 0: one per core */
	if ((err = tf_pool_create(&srv->pool, &attr)) != 0) {
		fprintf(stderr, "tf_pool_create: %s\n", strerror(err));
		return 1;
	}
	return 0;
}

static void
server_fini(struct server *srv)
{
	tf_pool_destroy(srv->pool);     /* NULL is ignored */
	if (srv->epfd >= 0)
		close(srv->epfd);
	if (srv->lfd >= 0)
		close(srv->lfd);
	pthread_mutex_destroy(&srv->lock);
}

static int
serve(struct server *srv, bool verbose)
{
	return srv->pool != NULL ? pool_serve(srv, verbose) :
	    plain_serve(srv);
}

static void *
server_thread(void *arg)
{
	return (void *)(intptr_t)serve(arg, false);
}

/* ---------------------------------------------------------------------
 * The load client.
 */

struct load {
	int port, conns;
	size_t size;             /* bytes per message */
	int64_t start, deadline;
	pthread_mutex_t lock;    /* guards ready and go */
	pthread_cond_t cond;
	int ready;               /* connections open (or failed) */
	bool go;                 /* start and deadline are set */
};

struct pinger {
	pthread_t tid;
	struct load *ld;
	int id, err;
	long bad;                /* echoes that differed from the message */
	int64_t *rtt;            /* round trips, ns */
	size_t n, cap;
};

static void
fill(char *msg, size_t size, int id, uint64_t seq)
{
	for (size_t i = 0; i < size; i++)
		msg[i] = (char)('a' + (seq * 7 + (uint64_t)id + i) % 26);
}

static void *
pinger_main(void *arg)
{
	struct pinger *p = arg;
	struct load *ld = p->ld;
	char *out = malloc(ld->size), *in = malloc(ld->size);
	int fd = connect_to(ld->port);

	if (out == NULL || in == NULL)
		p->err = ENOMEM;
	else if (fd < 0)
		p->err = errno;
	/* Wait until every connection is open, so that all start at once. */
	pthread_mutex_lock(&ld->lock);
	ld->ready++;
	pthread_cond_broadcast(&ld->cond);
	while (!ld->go)
		pthread_cond_wait(&ld->cond, &ld->lock);
	pthread_mutex_unlock(&ld->lock);
	for (uint64_t seq = 0; p->err == 0 && tf_now() < ld->deadline;
	    seq++) {
		int64_t t0;

		if (p->n == p->cap) {
			size_t cap = p->cap ? 2 * p->cap : 4096;
			int64_t *r = realloc(p->rtt, cap * sizeof(*r));

			if (r == NULL) {
				p->err = ENOMEM;
				break;
			}
			p->rtt = r;
			p->cap = cap;
		}
		fill(out, ld->size, p->id, seq);
		t0 = tf_now();
		if ((p->err = write_all(fd, out, ld->size)) != 0 ||
		    (p->err = read_all(fd, in, ld->size)) != 0)
			break;
		p->rtt[p->n++] = tf_now() - t0;
		if (memcmp(in, out, ld->size) != 0)
			p->bad++;
	}
	if (fd >= 0)
		close(fd);
	free(out);
	free(in);
	return NULL;
}

struct result {
	uint64_t messages;
	double rate;             /* messages per second */
	int64_t p50_ns, p99_ns;
	long bad, failed;        /* wrong echoes, failed connections */
	unsigned threads;        /* the server's */
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
run_load(int port, int conns, size_t size, double seconds,
    struct result *res)
{
	struct load ld = { .port = port, .conns = conns, .size = size,
	    .lock = PTHREAD_MUTEX_INITIALIZER,
	    .cond = PTHREAD_COND_INITIALIZER };
	struct pinger *ps = calloc((size_t)conns, sizeof(*ps));
	int64_t *all = NULL;
	int started = 0, rc = 0;

	memset(res, 0, sizeof(*res));
	if (ps == NULL)
		return ENOMEM;
	for (; started < conns; started++) {
		ps[started].ld = &ld;
		ps[started].id = started;
		if ((rc = pthread_create(&ps[started].tid, NULL, pinger_main,
		    &ps[started])) != 0)
			break;
	}
	pthread_mutex_lock(&ld.lock);
	while (ld.ready < started)
		pthread_cond_wait(&ld.cond, &ld.lock);
	ld.start = tf_now();
	/* If a thread could not be made, the others stop at once. */
	ld.deadline = rc != 0 ? 0 : ld.start + (int64_t)(seconds * 1e9);
	ld.go = true;
	pthread_cond_broadcast(&ld.cond);
	pthread_mutex_unlock(&ld.lock);
	for (int i = 0; i < started; i++) {
		pthread_join(ps[i].tid, NULL);
		res->messages += ps[i].n;
		res->bad += ps[i].bad;
		res->failed += ps[i].err != 0;
	}
	res->rate = (double)res->messages / ((double)(tf_now() - ld.start) /
	    1e9);
	if (res->messages > 0 &&
	    (all = malloc(res->messages * sizeof(*all))) == NULL)
		rc = ENOMEM;
	if (all != NULL) {
		size_t k = 0;

		for (int i = 0; i < started; i++) {
			memcpy(all + k, ps[i].rtt, ps[i].n * sizeof(*all));
			k += ps[i].n;
		}
		qsort(all, k, sizeof(*all), cmp_i64);
		res->p50_ns = all[(k - 1) * 50 / 100];
		res->p99_ns = all[(k - 1) * 99 / 100];
	}
	for (int i = 0; i < started; i++)
		free(ps[i].rtt);
	free(all);
	free(ps);
	return rc;
}

/* ---------------------------------------------------------------------
 * The modes.
 */

/* The old self-test: N clients say hello 20 times each, all at once. */
struct client {
	pthread_t tid;
	int port, id, ok;
};

static void *
client_main(void *arg)
{
	struct client *c = arg;
	char out[512], in[512];
	size_t len;
	int fd = connect_to(c->port);

	if (fd < 0)
		return NULL;
	len = (size_t)snprintf(out, sizeof(out),
	    "client %d says hello to the echo server, %d times over", c->id,
	    c->id * 7);
	for (int round = 0; round < 20; round++)
		if (write_all(fd, out, len) != 0 ||
		    read_all(fd, in, len) != 0 || memcmp(in, out, len) != 0)
			goto out;
	c->ok = 1;
out:
	close(fd);
	return NULL;
}

static int
self_test(struct server *srv, int n)
{
	struct client *clients = calloc((size_t)n, sizeof(*clients));
	int rc = 0, started = 0;

	if (clients == NULL)
		return 1;
	for (; started < n; started++) {
		clients[started].port = srv->port;
		clients[started].id = started;
		if (pthread_create(&clients[started].tid, NULL, client_main,
		    &clients[started]) != 0)
			break;
	}
	/* Serve until every connection was closed. */
	srv->limit = started;
	if (serve(srv, false) != 0 || started < n)
		rc = 1;
	for (int i = 0; i < started; i++) {
		pthread_join(clients[i].tid, NULL);
		if (!clients[i].ok)
			rc = 1;
	}
	printf("%s server: %d clients, %ld connections served, %s\n",
	    srv->pool != NULL ? "pool" : "plain", n,
	    atomic_load(&srv->closed), rc == 0 ? "all echoes right" :
	    "FAILED");
	free(clients);
	return rc;
}

/* Run the load against one server, started in a thread of its own. */
static int
bench_one(bool plain, unsigned workers, int conns, size_t size,
    double seconds, struct result *res)
{
	struct server srv;
	pthread_t tid;
	void *ret = NULL;
	int rc;

	if (server_init(&srv, 0, workers, plain) != 0) {
		server_fini(&srv);
		return 1;
	}
	if ((rc = pthread_create(&tid, NULL, server_thread, &srv)) != 0) {
		fprintf(stderr, "pthread_create: %s\n", strerror(rc));
		server_fini(&srv);
		return 1;
	}
	if ((rc = run_load(srv.port, conns, size, seconds, res)) != 0)
		fprintf(stderr, "load: %s\n", strerror(rc));
	atomic_store(&srv.stop, 1);
	pthread_join(tid, &ret);
	res->threads = srv.threads;
	server_fini(&srv);
	return rc != 0 || ret != NULL;
}

/* One row of the table: a label, then a column per result. */
static void
row(const char *label, const struct result *r, int n, int field)
{
	printf("%-22s", label);
	for (int i = 0; i < n; i++) {
		const double v[] = { r[i].rate, (double)r[i].messages,
		    (double)r[i].p50_ns / 1e3, (double)r[i].p99_ns / 1e3,
		    r[i].threads, (double)r[i].bad, (double)r[i].failed };

		printf(" %22.*f", field == 2 || field == 3 ? 1 : 0, v[field]);
	}
	printf("\n");
}

static void
print_results(const struct result *r, const char *const *names, int n)
{
	printf("%-22s", "");
	for (int i = 0; i < n; i++)
		printf(" %22s", names[i]);
	printf("\n");
	row("messages/s", r, n, 0);
	row("messages", r, n, 1);
	row("round trip p50 (us)", r, n, 2);
	row("round trip p99 (us)", r, n, 3);
	if (r[0].threads > 0)           /* known when the server is ours */
		row("server threads", r, n, 4);
	row("wrong echoes", r, n, 5);
	row("failed connections", r, n, 6);
}

static bool
result_ok(const struct result *r)
{
	return r->messages > 0 && r->bad == 0 && r->failed == 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-p port] [-w workers] [--plain]\n"
	    "       %s --self-test clients [--plain]\n"
	    "       %s --load [-p port] [-c conns] [-s bytes] [-t seconds]\n"
	    "       %s --bench [-w workers] [-c conns] [-s bytes] "
	    "[-t seconds]\n", prog, prog, prog, prog);
}

int
main(int argc, char **argv)
{
	enum { SERVE, SELF_TEST, LOAD, BENCH } mode = SERVE;
	struct server srv;
	struct result res[2];
	int port = 7007, conns = 64, clients = 0, rc;
	unsigned workers = 0;
	size_t size = 64;
	double seconds = 5;
	bool plain = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-p") == 0 && v != NULL)
			port = atoi(argv[++i]);
		else if (strcmp(a, "-w") == 0 && v != NULL)
			workers = (unsigned)atoi(argv[++i]);
		else if (strcmp(a, "-c") == 0 && v != NULL)
			conns = atoi(argv[++i]);
		else if (strcmp(a, "-s") == 0 && v != NULL)
			size = (size_t)atol(argv[++i]);
		else if (strcmp(a, "-t") == 0 && v != NULL)
			seconds = atof(argv[++i]);
		else if (strcmp(a, "--self-test") == 0 && v != NULL) {
			mode = SELF_TEST;
			clients = atoi(argv[++i]);
		} else if (strcmp(a, "--plain") == 0)
			plain = true;
		else if (strcmp(a, "--load") == 0)
			mode = LOAD;
		else if (strcmp(a, "--bench") == 0)
			mode = BENCH;
		else {
			usage(argv[0]);
			return 2;
		}
	}
	if (conns < 1 || size < 1 || seconds <= 0 ||
	    (mode == SELF_TEST && clients < 1)) {
		usage(argv[0]);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	if (mode == LOAD) {
		if ((rc = run_load(port, conns, size, seconds, &res[0])) != 0)
			fprintf(stderr, "load: %s\n", strerror(rc));
		print_results(res, (const char *[]){ "127.0.0.1" }, 1);
		return rc != 0 || !result_ok(&res[0]);
	}
	if (mode == BENCH) {
		static const char *const names[] = { "threadfactory pool",
		    "thread per connection" };

		printf("%d connections, %zu-byte messages, %.1f s each\n",
		    conns, size, seconds);
		rc = bench_one(false, workers, conns, size, seconds, &res[0]);
		rc |= bench_one(true, 0, conns, size, seconds, &res[1]);
		print_results(res, names, 2);
		return rc != 0 || !result_ok(&res[0]) || !result_ok(&res[1]);
	}
	if (server_init(&srv, mode == SELF_TEST ? 0 : port, workers,
	    plain) != 0) {
		server_fini(&srv);
		return 1;
	}
	if (mode == SELF_TEST)
		rc = self_test(&srv, clients);
	else {
		fprintf(stderr, "echo server on 127.0.0.1:%d, %s\n", srv.port,
		    plain ? "a thread per connection" : "on a pool");
		rc = serve(&srv, true);
	}
	server_fini(&srv);
	return rc;
}
