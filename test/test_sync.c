/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_sync.c - semaphores, latches and events (lib/sync/).
 *
 * The semantics of each function and bad input for each; timeouts that
 * expire (never faster than asked; nothing tighter is asserted); storms
 * of posts and waits from many more threads than cores, ending with exact
 * counts; hand-offs that hang (and fail by the test's time limit, or by a
 * long timed wait) if a wake-up is ever lost; a latch counted down by
 * many threads and awaited by many; an event set and reset under sleeping
 * waiters; EBUSY from destroy while a thread sleeps; the static
 * initialisers; a wait inside a pool's job, bracketed by
 * tf_blocking_begin(), on a pool of one worker.
 *
 * White-box: "sync/sync.h" tells how many threads sleep on an object, so
 * that a test can wait until its waiters really sleep.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "sync/sync.h"

/* Threads of the storms: many more than cores. */
#define NTHREADS 16

/* A timed wait that must not expire unless a wake-up was lost. */
#define LONG_NS (30 * TF_SEC)

/* The number of threads asleep (or about to be) on a primitive. */
static unsigned
sleepers(const void *obj)
{
	return TF__SYNC_SLEEPERS(tf__sync_load(TF__SYNC_OF_CONST(obj)));
}

/* Wait until at least n threads sleep on obj. */
static void
await_sleepers(const void *obj, unsigned n)
{
	int64_t give_up = tf_test_now() + 30 * TF_SEC * tf_test_slowdown();

	while (sleepers(obj) < n) {
		assert_true(tf_test_now() < give_up);
		tf_test_sleep_ns(100 * TF_USEC);
	}
}

/* Run fn(arg) on a new thread. */
static pthread_t
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

static void
join(pthread_t t)
{
	assert_int_equal(pthread_join(t, NULL), 0);
}

/* ------------------------------------------------------------------ */
/* Semaphores.                                                        */
/* ------------------------------------------------------------------ */

static void
sem_semantics(void **state)
{
	tf_sem_t s;

	(void)state;
	assert_int_equal(tf_sem_init(&s, 0), 0);
	assert_int_equal(tf_sem_value(&s), 0);
	assert_int_equal(tf_sem_trywait(&s), EAGAIN);
	assert_int_equal(tf_sem_timedwait(&s, 0), ETIMEDOUT);
	assert_int_equal(tf_sem_post(&s), 0);
	assert_int_equal(tf_sem_post(&s), 0);
	assert_int_equal(tf_sem_value(&s), 2);
	assert_int_equal(tf_sem_trywait(&s), 0);
	assert_int_equal(tf_sem_timedwait(&s, 0), 0);
	assert_int_equal(tf_sem_value(&s), 0);
	assert_int_equal(tf_sem_post(&s), 0);
	assert_int_equal(tf_sem_wait(&s), 0);
	assert_int_equal(tf_sem_post(&s), 0);
	assert_int_equal(tf_sem_timedwait(&s, TF_FOREVER), 0);
	assert_int_equal(tf_sem_destroy(&s), 0);

	assert_int_equal(tf_sem_init(&s, 3), 0);
	assert_int_equal(tf_sem_value(&s), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tf_sem_wait(&s), 0);
	assert_int_equal(tf_sem_trywait(&s), EAGAIN);
	assert_int_equal(tf_sem_destroy(&s), 0);
}

static void
sem_bad_input(void **state)
{
	tf_sem_t s, before;

	(void)state;
	assert_int_equal(tf_sem_init(NULL, 0), EINVAL);
	assert_int_equal(tf_sem_destroy(NULL), EINVAL);
	assert_int_equal(tf_sem_wait(NULL), EINVAL);
	assert_int_equal(tf_sem_trywait(NULL), EINVAL);
	assert_int_equal(tf_sem_timedwait(NULL, 0), EINVAL);
	assert_int_equal(tf_sem_timedwait(NULL, TF_FOREVER), EINVAL);
	assert_int_equal(tf_sem_post(NULL), EINVAL);
	assert_int_equal(tf_sem_value(NULL), 0);

	/* A refused init leaves the storage as it was. */
	memset(&s, 0xa5, sizeof(s));
	before = s;
	assert_int_equal(tf_sem_init(&s, TF_SEM_VALUE_MAX + 1U), EINVAL);
	assert_int_equal(tf_sem_init(&s, UINT32_MAX), EINVAL);
	assert_memory_equal(&s, &before, sizeof(s));

	/* Bad timeouts take nothing. */
	assert_int_equal(tf_sem_init(&s, 1), 0);
	assert_int_equal(tf_sem_timedwait(&s, -2), EINVAL);
	assert_int_equal(tf_sem_timedwait(&s, INT64_MIN), EINVAL);
	assert_int_equal(tf_sem_value(&s), 1);
	assert_int_equal(tf_sem_destroy(&s), 0);
}

static void
sem_overflow(void **state)
{
	tf_sem_t s;

	(void)state;
	assert_int_equal(tf_sem_init(&s, TF_SEM_VALUE_MAX), 0);
	assert_int_equal(tf_sem_value(&s), TF_SEM_VALUE_MAX);
	assert_int_equal(tf_sem_post(&s), EOVERFLOW);
	assert_int_equal(tf_sem_value(&s), TF_SEM_VALUE_MAX);
	assert_int_equal(tf_sem_trywait(&s), 0);
	assert_int_equal(tf_sem_post(&s), 0);
	assert_int_equal(tf_sem_post(&s), EOVERFLOW);
	assert_int_equal(tf_sem_value(&s), TF_SEM_VALUE_MAX);
	assert_int_equal(tf_sem_destroy(&s), 0);
}

struct delayed_post {
	tf_sem_t *s;
	int64_t delay_ns;
};

static void *
post_later(void *arg)
{
	struct delayed_post *d = arg;

	tf_test_sleep_ns(d->delay_ns);
	(void)tf_sem_post(d->s);
	return NULL;
}

static void
sem_timeouts(void **state)
{
	tf_sem_t s;
	struct delayed_post d = { &s, 20 * TF_MSEC };
	int64_t t0, timeouts[] = { 1, 50 * TF_USEC, 3 * TF_MSEC, 20 * TF_MSEC };
	pthread_t t;

	(void)state;
	assert_int_equal(tf_sem_init(&s, 0), 0);
	for (size_t i = 0; i < TF_ARRAY_SIZE(timeouts); i++) {
		t0 = tf_now();
		assert_int_equal(tf_sem_timedwait(&s, timeouts[i]), ETIMEDOUT);
		assert_true(tf_now() - t0 >= timeouts[i]);
		assert_int_equal(sleepers(&s), 0);
	}
	/* A timeout too long to add to the clock waits, and takes. */
	t = spawn(post_later, &d);
	assert_int_equal(tf_sem_timedwait(&s, INT64_MAX), 0);
	join(t);
	t = spawn(post_later, &d);
	assert_int_equal(tf_sem_timedwait(&s, LONG_NS), 0);
	join(t);
	assert_int_equal(tf_sem_value(&s), 0);
	assert_int_equal(tf_sem_destroy(&s), 0);
}

static void
sem_static_initializer(void **state)
{
	tf_sem_t s0 = TF_SEM_INITIALIZER(0), s2 = TF_SEM_INITIALIZER(2);
	static tf_sem_t sg = TF_SEM_INITIALIZER(1);

	(void)state;
	assert_int_equal(tf_sem_value(&s0), 0);
	assert_int_equal(tf_sem_trywait(&s0), EAGAIN);
	assert_int_equal(tf_sem_timedwait(&s0, TF_MSEC), ETIMEDOUT);
	assert_int_equal(tf_sem_value(&s2), 2);
	assert_int_equal(tf_sem_wait(&s2), 0);
	assert_int_equal(tf_sem_wait(&s2), 0);
	assert_int_equal(tf_sem_trywait(&s2), EAGAIN);
	assert_int_equal(tf_sem_trywait(&sg), 0);
	assert_int_equal(tf_sem_post(&sg), 0);
	assert_int_equal(tf_sem_destroy(&s0), 0);
	assert_int_equal(tf_sem_destroy(&s2), 0);
}

/*
 * The storm: half the threads post ops units each, the other half take
 * as many, by wait, by trywait and by short timed waits; at the end each
 * taker has its count and the value is 0.
 */
struct storm {
	tf_sem_t s;
	tf_test_barrier_t start;
	uint64_t ops;
	uint64_t taken[NTHREADS];
	unsigned errors;
};

static int
take_one(tf_sem_t *s, unsigned how, uint64_t i)
{
	int rc;

	switch ((how + i) % 3) {
	case 0:
		return tf_sem_wait(s);
	case 1:
		while ((rc = tf_sem_trywait(s)) == EAGAIN)
			sched_yield();
		return rc;
	default:
		while ((rc = tf_sem_timedwait(s, 100 * TF_USEC)) == ETIMEDOUT)
			;
		return rc;
	}
}

static void
storm_thread(unsigned index, void *arg)
{
	struct storm *st = arg;

	tf_test_barrier_wait(&st->start);
	for (uint64_t i = 0; i < st->ops; i++) {
		int rc = index % 2 == 0 ? tf_sem_post(&st->s) :
		    take_one(&st->s, index / 2, i);

		if (rc != 0)
			__atomic_add_fetch(&st->errors, 1, __ATOMIC_RELAXED);
		else if (index % 2 != 0)
			st->taken[index]++;
	}
}

static void
sem_storm(void **state)
{
	struct storm st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.ops = tf_test_scaled(100000);
	assert_int_equal(tf_sem_init(&st.s, 0), 0);
	tf_test_barrier_init(&st.start, NTHREADS);
	tf_test_run_threads(NTHREADS, storm_thread, &st);
	assert_int_equal(st.errors, 0);
	for (unsigned i = 1; i < NTHREADS; i += 2)
		assert_int_equal(st.taken[i], st.ops);
	assert_int_equal(tf_sem_value(&st.s), 0);
	assert_int_equal(sleepers(&st.s), 0);
	assert_int_equal(tf_sem_destroy(&st.s), 0);
}

/*
 * A semaphore of value k as a lock of k holders: every thread takes a
 * unit, stays inside a moment, gives it back.  Never more than k inside,
 * and the value is k again at the end.
 */
#define HOLDERS 3

struct holders {
	tf_sem_t s;
	tf_test_barrier_t start;
	uint64_t ops;
	unsigned inside, most, errors;
};

static void
holders_thread(unsigned index, void *arg)
{
	struct holders *h = arg;

	(void)index;
	tf_test_barrier_wait(&h->start);
	for (uint64_t i = 0; i < h->ops; i++) {
		unsigned in;

		if (tf_sem_wait(&h->s) != 0)
			__atomic_add_fetch(&h->errors, 1, __ATOMIC_RELAXED);
		in = __atomic_add_fetch(&h->inside, 1, __ATOMIC_RELAXED);
		if (in > __atomic_load_n(&h->most, __ATOMIC_RELAXED))
			__atomic_store_n(&h->most, in, __ATOMIC_RELAXED);
		if (in > HOLDERS)
			__atomic_add_fetch(&h->errors, 1, __ATOMIC_RELAXED);
		tf_test_relax();
		__atomic_sub_fetch(&h->inside, 1, __ATOMIC_RELAXED);
		if (tf_sem_post(&h->s) != 0)
			__atomic_add_fetch(&h->errors, 1, __ATOMIC_RELAXED);
	}
}

static void
sem_as_lock(void **state)
{
	struct holders h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.ops = tf_test_scaled(50000);
	assert_int_equal(tf_sem_init(&h.s, HOLDERS), 0);
	tf_test_barrier_init(&h.start, NTHREADS);
	tf_test_run_threads(NTHREADS, holders_thread, &h);
	assert_int_equal(h.errors, 0);
	assert_true(h.most >= 1 && h.most <= HOLDERS);
	assert_int_equal(tf_sem_value(&h.s), HOLDERS);
	assert_int_equal(tf_sem_destroy(&h.s), 0);
}

/*
 * The hand-off: a token goes back and forth through two semaphores; one
 * side pauses now and then so that the other goes to sleep, and every
 * path (spinning, sleeping, waking) is taken.  A lost wake-up hangs one
 * side: the untimed side fails by the test's time limit, the timed side
 * by LONG_NS.  A plain counter that each side writes in turn checks that
 * a post happens-before the wait that takes it (ThreadSanitizer).
 */
struct handoff {
	tf_sem_t ping, pong;
	uint64_t rounds;
	uint64_t turn; /* written by both sides, in turn, not atomically */
	unsigned errors;
};

static void *
handoff_partner(void *arg)
{
	struct handoff *h = arg;

	for (uint64_t i = 0; i < h->rounds; i++) {
		if (tf_sem_wait(&h->ping) != 0 || h->turn != 2 * i + 1)
			h->errors++;
		if (i % 512 == 0)
			tf_test_sleep_ns(50 * TF_USEC);
		h->turn++;
		(void)tf_sem_post(&h->pong);
	}
	return NULL;
}

static void
sem_handoff_no_lost_wakeup(void **state)
{
	struct handoff h;
	pthread_t t;
	unsigned errors = 0;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.rounds = tf_test_scaled(200000);
	assert_int_equal(tf_sem_init(&h.ping, 0), 0);
	assert_int_equal(tf_sem_init(&h.pong, 0), 0);
	t = spawn(handoff_partner, &h);
	for (uint64_t i = 0; i < h.rounds; i++) {
		if (h.turn != 2 * i)
			errors++;
		h.turn++;
		if (i % 700 == 0)
			tf_test_sleep_ns(50 * TF_USEC);
		assert_int_equal(tf_sem_post(&h.ping), 0);
		assert_int_equal(tf_sem_timedwait(&h.pong, LONG_NS), 0);
	}
	join(t);
	assert_int_equal(errors + h.errors, 0);
	assert_int_equal(h.turn, 2 * h.rounds);
	assert_int_equal(tf_sem_value(&h.ping), 0);
	assert_int_equal(tf_sem_value(&h.pong), 0);
	assert_int_equal(tf_sem_destroy(&h.ping), 0);
	assert_int_equal(tf_sem_destroy(&h.pong), 0);
}

/*
 * Many sleepers, one poster: consumers sleep until units come one at a
 * time; every unit is taken by exactly one, none is left.
 */
struct sleepers_feed {
	tf_sem_t s;
	uint64_t per_consumer;
	uint64_t taken;
	unsigned errors;
};

static void *
feed_consumer(void *arg)
{
	struct sleepers_feed *f = arg;

	for (uint64_t i = 0; i < f->per_consumer; i++) {
		if (tf_sem_timedwait(&f->s, LONG_NS) != 0)
			__atomic_add_fetch(&f->errors, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&f->taken, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void
sem_many_sleepers(void **state)
{
	struct sleepers_feed f;
	pthread_t t[8];
	uint64_t total;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.per_consumer = tf_test_scaled(400);
	total = f.per_consumer * TF_ARRAY_SIZE(t);
	assert_int_equal(tf_sem_init(&f.s, 0), 0);
	for (size_t i = 0; i < TF_ARRAY_SIZE(t); i++)
		t[i] = spawn(feed_consumer, &f);
	await_sleepers(&f.s, TF_ARRAY_SIZE(t));
	for (uint64_t i = 0; i < total; i++) {
		assert_int_equal(tf_sem_post(&f.s), 0);
		if (i % 8 == 0)
			tf_test_sleep_ns(20 * TF_USEC);
	}
	for (size_t i = 0; i < TF_ARRAY_SIZE(t); i++)
		join(t[i]);
	assert_int_equal(f.errors, 0);
	assert_int_equal(f.taken, total);
	assert_int_equal(tf_sem_value(&f.s), 0);
	assert_int_equal(tf_sem_destroy(&f.s), 0);
}

/* ------------------------------------------------------------------ */
/* Latches.                                                           */
/* ------------------------------------------------------------------ */

static void
latch_semantics(void **state)
{
	tf_latch_t l;

	(void)state;
	assert_int_equal(tf_latch_init(&l, 3), 0);
	assert_int_equal(tf_latch_try_wait(&l), EAGAIN);
	assert_int_equal(tf_latch_wait(&l, 0), ETIMEDOUT);
	/* Refused count downs change nothing. */
	assert_int_equal(tf_latch_count_down(&l, 0), EINVAL);
	assert_int_equal(tf_latch_count_down(&l, 4), EINVAL);
	assert_int_equal(tf_latch_count_down(&l, UINT32_MAX), EINVAL);
	assert_int_equal(TF__SYNC_WORD(tf__sync_load(TF__SYNC_OF(&l))), 3);
	assert_int_equal(tf_latch_count_down(&l, 1), 0);
	assert_int_equal(tf_latch_try_wait(&l), EAGAIN);
	assert_int_equal(tf_latch_count_down(&l, 3), EINVAL);
	assert_int_equal(tf_latch_count_down(&l, 2), 0);
	assert_int_equal(tf_latch_try_wait(&l), 0);
	assert_int_equal(tf_latch_wait(&l, 0), 0);
	assert_int_equal(tf_latch_wait(&l, TF_FOREVER), 0);
	/* Open for good. */
	assert_int_equal(tf_latch_count_down(&l, 1), EINVAL);
	assert_int_equal(tf_latch_try_wait(&l), 0);
	assert_int_equal(tf_latch_destroy(&l), 0);

	assert_int_equal(tf_latch_init(&l, 0), 0);
	assert_int_equal(tf_latch_try_wait(&l), 0);
	assert_int_equal(tf_latch_wait(&l, TF_FOREVER), 0);
	assert_int_equal(tf_latch_destroy(&l), 0);

	assert_int_equal(tf_latch_init(&l, UINT32_MAX), 0);
	assert_int_equal(tf_latch_count_down(&l, UINT32_MAX), 0);
	assert_int_equal(tf_latch_try_wait(&l), 0);
	assert_int_equal(tf_latch_destroy(&l), 0);
}

static void
latch_bad_input(void **state)
{
	tf_latch_t l;

	(void)state;
	assert_int_equal(tf_latch_init(NULL, 1), EINVAL);
	assert_int_equal(tf_latch_count_down(NULL, 1), EINVAL);
	assert_int_equal(tf_latch_wait(NULL, 0), EINVAL);
	assert_int_equal(tf_latch_wait(NULL, TF_FOREVER), EINVAL);
	assert_int_equal(tf_latch_try_wait(NULL), EINVAL);
	assert_int_equal(tf_latch_destroy(NULL), EINVAL);
	assert_int_equal(tf_latch_init(&l, 1), 0);
	assert_int_equal(tf_latch_wait(&l, -2), EINVAL);
	assert_int_equal(tf_latch_wait(&l, INT64_MIN), EINVAL);
	assert_int_equal(tf_latch_count_down(&l, 1), 0);
	assert_int_equal(tf_latch_wait(&l, -2), EINVAL);
	assert_int_equal(tf_latch_destroy(&l), 0);
}

static void
latch_timeouts(void **state)
{
	tf_latch_t l;
	int64_t t0, timeouts[] = { 1, 50 * TF_USEC, 3 * TF_MSEC };

	(void)state;
	assert_int_equal(tf_latch_init(&l, 1), 0);
	for (size_t i = 0; i < TF_ARRAY_SIZE(timeouts); i++) {
		t0 = tf_now();
		assert_int_equal(tf_latch_wait(&l, timeouts[i]), ETIMEDOUT);
		assert_true(tf_now() - t0 >= timeouts[i]);
	}
	assert_int_equal(sleepers(&l), 0);
	assert_int_equal(tf_latch_destroy(&l), 0);
}

/*
 * Many waiters, many counters: each counter writes its own slot (plain
 * memory) before its count downs; every waiter released sees every slot.
 */
#define LATCH_WAITERS 8
#define LATCH_COUNTERS 8

struct latch_crowd {
	tf_latch_t l;
	tf_test_barrier_t start;
	uint32_t per_counter;
	uint64_t slot[LATCH_COUNTERS];
	unsigned errors;
};

static void
latch_crowd_thread(unsigned index, void *arg)
{
	struct latch_crowd *c = arg;

	tf_test_barrier_wait(&c->start);
	if (index < LATCH_COUNTERS) {
		c->slot[index] = index + 1;
		for (uint32_t i = 0; i < c->per_counter; i++)
			if (tf_latch_count_down(&c->l, 1) != 0)
				__atomic_add_fetch(&c->errors, 1,
				    __ATOMIC_RELAXED);
		return;
	}
	if (tf_latch_wait(&c->l, index % 2 ? TF_FOREVER : LONG_NS) != 0)
		__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < LATCH_COUNTERS; i++)
		if (c->slot[i] != i + 1)
			__atomic_add_fetch(&c->errors, 1, __ATOMIC_RELAXED);
}

static void
latch_many_waiters_many_counters(void **state)
{
	struct latch_crowd c;

	(void)state;
	for (int round = 0; round < 20; round++) {
		memset(&c, 0, sizeof(c));
		c.per_counter = (uint32_t)tf_test_scaled(5000);
		assert_int_equal(tf_latch_init(&c.l,
		    c.per_counter * LATCH_COUNTERS), 0);
		tf_test_barrier_init(&c.start,
		    LATCH_WAITERS + LATCH_COUNTERS);
		tf_test_run_threads(LATCH_WAITERS + LATCH_COUNTERS,
		    latch_crowd_thread, &c);
		assert_int_equal(c.errors, 0);
		assert_int_equal(tf_latch_try_wait(&c.l), 0);
		assert_int_equal(tf_latch_count_down(&c.l, 1), EINVAL);
		assert_int_equal(sleepers(&c.l), 0);
		assert_int_equal(tf_latch_destroy(&c.l), 0);
	}
}

static void *
latch_waiter(void *arg)
{
	return (void *)(intptr_t)tf_latch_wait(arg, TF_FOREVER);
}

static void
latch_releases_sleepers(void **state)
{
	tf_latch_t l;
	pthread_t t[6];

	(void)state;
	assert_int_equal(tf_latch_init(&l, 2), 0);
	for (size_t i = 0; i < TF_ARRAY_SIZE(t); i++)
		t[i] = spawn(latch_waiter, &l);
	await_sleepers(&l, TF_ARRAY_SIZE(t));
	assert_int_equal(tf_latch_count_down(&l, 1), 0);
	/* Not open yet: they sleep on. */
	tf_test_sleep_ns(2 * TF_MSEC);
	assert_int_equal(tf_latch_try_wait(&l), EAGAIN);
	assert_int_equal(tf_latch_destroy(&l), EBUSY);
	assert_int_equal(tf_latch_count_down(&l, 1), 0);
	for (size_t i = 0; i < TF_ARRAY_SIZE(t); i++) {
		void *rc;

		assert_int_equal(pthread_join(t[i], &rc), 0);
		assert_int_equal((intptr_t)rc, 0);
	}
	assert_int_equal(tf_latch_destroy(&l), 0);
}

/* ------------------------------------------------------------------ */
/* Events.                                                            */
/* ------------------------------------------------------------------ */

static void
event_semantics(void **state)
{
	tf_event_t e;

	(void)state;
	assert_int_equal(tf_event_init(&e, false), 0);
	assert_false(tf_event_is_set(&e));
	assert_int_equal(tf_event_wait(&e, 0), ETIMEDOUT);
	assert_int_equal(tf_event_reset(&e), 0);
	assert_false(tf_event_is_set(&e));
	assert_int_equal(tf_event_set(&e), 0);
	assert_true(tf_event_is_set(&e));
	assert_int_equal(tf_event_set(&e), 0);
	assert_true(tf_event_is_set(&e));
	assert_int_equal(tf_event_wait(&e, 0), 0);
	assert_int_equal(tf_event_wait(&e, TF_FOREVER), 0);
	/* Manual reset: waits do not clear it. */
	assert_true(tf_event_is_set(&e));
	assert_int_equal(tf_event_reset(&e), 0);
	assert_false(tf_event_is_set(&e));
	assert_int_equal(tf_event_wait(&e, 0), ETIMEDOUT);
	assert_int_equal(tf_event_destroy(&e), 0);

	assert_int_equal(tf_event_init(&e, true), 0);
	assert_true(tf_event_is_set(&e));
	assert_int_equal(tf_event_wait(&e, TF_FOREVER), 0);
	assert_int_equal(tf_event_destroy(&e), 0);
}

static void
event_bad_input(void **state)
{
	tf_event_t e;

	(void)state;
	assert_int_equal(tf_event_init(NULL, false), EINVAL);
	assert_int_equal(tf_event_set(NULL), EINVAL);
	assert_int_equal(tf_event_reset(NULL), EINVAL);
	assert_int_equal(tf_event_wait(NULL, 0), EINVAL);
	assert_int_equal(tf_event_wait(NULL, TF_FOREVER), EINVAL);
	assert_false(tf_event_is_set(NULL));
	assert_int_equal(tf_event_destroy(NULL), EINVAL);
	assert_int_equal(tf_event_init(&e, true), 0);
	assert_int_equal(tf_event_wait(&e, -2), EINVAL);
	assert_int_equal(tf_event_wait(&e, INT64_MIN), EINVAL);
	assert_true(tf_event_is_set(&e));
	assert_int_equal(tf_event_destroy(&e), 0);
}

static void
event_timeouts(void **state)
{
	tf_event_t e;
	int64_t t0, timeouts[] = { 1, 50 * TF_USEC, 3 * TF_MSEC };

	(void)state;
	assert_int_equal(tf_event_init(&e, false), 0);
	for (size_t i = 0; i < TF_ARRAY_SIZE(timeouts); i++) {
		t0 = tf_now();
		assert_int_equal(tf_event_wait(&e, timeouts[i]), ETIMEDOUT);
		assert_true(tf_now() - t0 >= timeouts[i]);
	}
	assert_int_equal(sleepers(&e), 0);
	assert_int_equal(tf_event_destroy(&e), 0);
}

static void *
event_waiter(void *arg)
{
	return (void *)(intptr_t)tf_event_wait(arg, LONG_NS);
}

static void
join_event_waiters(pthread_t *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *rc;

		assert_int_equal(pthread_join(t[i], &rc), 0);
		assert_int_equal((intptr_t)rc, 0);
	}
}

/*
 * A set wakes every sleeper; so does a set followed at once by a reset,
 * before any of them ran (the waiters see the generation change).
 */
static void
event_wakes_sleepers(void **state)
{
	tf_event_t e;
	pthread_t t[6];

	(void)state;
	assert_int_equal(tf_event_init(&e, false), 0);
	for (int pulse = 0; pulse < 2; pulse++) {
		for (size_t i = 0; i < TF_ARRAY_SIZE(t); i++)
			t[i] = spawn(event_waiter, &e);
		await_sleepers(&e, TF_ARRAY_SIZE(t));
		assert_int_equal(tf_event_set(&e), 0);
		if (pulse)
			assert_int_equal(tf_event_reset(&e), 0);
		join_event_waiters(t, TF_ARRAY_SIZE(t));
		assert_int_equal(tf_event_is_set(&e), !pulse);
		assert_int_equal(tf_event_reset(&e), 0);
	}
	assert_int_equal(tf_event_destroy(&e), 0);
}

/*
 * The storm: waiters wait again and again while one thread sets and
 * resets the event until they are all done; a lost wake-up hangs a
 * waiter (LONG_NS fails it) and with it the setter.
 */
struct event_storm {
	tf_event_t e;
	tf_test_barrier_t start;
	uint64_t waits;
	unsigned done, errors;
};

static void
event_storm_thread(unsigned index, void *arg)
{
	struct event_storm *st = arg;
	uint64_t pulses = 0;

	tf_test_barrier_wait(&st->start);
	if (index == 0) {
		while (__atomic_load_n(&st->done, __ATOMIC_ACQUIRE) !=
		    NTHREADS - 1) {
			if (tf_event_set(&st->e) != 0 ||
			    tf_event_reset(&st->e) != 0)
				st->errors++;
			if (++pulses % 64 == 0)
				sched_yield();
		}
		return;
	}
	for (uint64_t i = 0; i < st->waits; i++)
		if (tf_event_wait(&st->e, LONG_NS) != 0)
			__atomic_add_fetch(&st->errors, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->done, 1, __ATOMIC_RELEASE);
}

static void
event_set_reset_storm(void **state)
{
	struct event_storm st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.waits = tf_test_scaled(20000);
	assert_int_equal(tf_event_init(&st.e, false), 0);
	tf_test_barrier_init(&st.start, NTHREADS);
	tf_test_run_threads(NTHREADS, event_storm_thread, &st);
	assert_int_equal(st.errors, 0);
	assert_int_equal(sleepers(&st.e), 0);
	assert_int_equal(tf_event_destroy(&st.e), 0);
}

/* ------------------------------------------------------------------ */
/* All three.                                                         */
/* ------------------------------------------------------------------ */

static void *
sem_waiter(void *arg)
{
	return (void *)(intptr_t)tf_sem_wait(arg);
}

static void
destroy_with_a_sleeper_is_ebusy(void **state)
{
	tf_sem_t s;
	tf_latch_t l;
	tf_event_t e;
	pthread_t t;
	void *rc;

	(void)state;
	assert_int_equal(tf_sem_init(&s, 0), 0);
	t = spawn(sem_waiter, &s);
	await_sleepers(&s, 1);
	assert_int_equal(tf_sem_destroy(&s), EBUSY);
	assert_int_equal(tf_sem_post(&s), 0);
	assert_int_equal(pthread_join(t, &rc), 0);
	assert_int_equal((intptr_t)rc, 0);
	assert_int_equal(tf_sem_destroy(&s), 0);

	assert_int_equal(tf_latch_init(&l, 1), 0);
	t = spawn(latch_waiter, &l);
	await_sleepers(&l, 1);
	assert_int_equal(tf_latch_destroy(&l), EBUSY);
	assert_int_equal(tf_latch_count_down(&l, 1), 0);
	assert_int_equal(pthread_join(t, &rc), 0);
	assert_int_equal((intptr_t)rc, 0);
	assert_int_equal(tf_latch_destroy(&l), 0);

	assert_int_equal(tf_event_init(&e, false), 0);
	t = spawn(event_waiter, &e);
	await_sleepers(&e, 1);
	assert_int_equal(tf_event_destroy(&e), EBUSY);
	assert_int_equal(tf_event_set(&e), 0);
	assert_int_equal(pthread_join(t, &rc), 0);
	assert_int_equal((intptr_t)rc, 0);
	assert_int_equal(tf_event_destroy(&e), 0);
}

static void
static_initializers(void **state)
{
	tf_latch_t l0 = TF_LATCH_INITIALIZER(0), l2 = TF_LATCH_INITIALIZER(2);
	tf_event_t e = TF_EVENT_INITIALIZER;
	tf_sem_t s = TF_SEM_INITIALIZER(TF_SEM_VALUE_MAX);

	(void)state;
	assert_int_equal(tf_latch_try_wait(&l0), 0);
	assert_int_equal(tf_latch_try_wait(&l2), EAGAIN);
	assert_int_equal(tf_latch_count_down(&l2, 3), EINVAL);
	assert_int_equal(tf_latch_count_down(&l2, 2), 0);
	assert_int_equal(tf_latch_wait(&l2, TF_FOREVER), 0);
	assert_false(tf_event_is_set(&e));
	assert_int_equal(tf_event_wait(&e, TF_MSEC), ETIMEDOUT);
	assert_int_equal(tf_event_set(&e), 0);
	assert_int_equal(tf_event_wait(&e, TF_FOREVER), 0);
	assert_int_equal(tf_sem_post(&s), EOVERFLOW);
	assert_int_equal(tf_sem_value(&s), TF_SEM_VALUE_MAX);
}

/*
 * A waiter that returns may free the object at once, while the thread
 * that released it is still inside its post, count down or set (as POSIX
 * allows for sem_t): those read nothing of the object after their change.
 * A releaser thread takes each object from a slot, releases it, and
 * comes back; the main thread waits, destroys and frees.  Under
 * AddressSanitizer a read of the freed memory fails the test, but only
 * when the releaser is held up in the few instructions after its change:
 * this catches a regression by chance, and the design (sync.h) is what
 * rules it out.
 */
enum { REL_SEM, REL_LATCH, REL_EVENT };

struct releaser {
	void *slot;   /* the object to release next, or NULL */
	int kind;
	int stop;
	unsigned errors;
};

static void *
releaser_main(void *arg)
{
	struct releaser *r = arg;
	unsigned n = 0;
	void *obj;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		obj = __atomic_exchange_n(&r->slot, NULL, __ATOMIC_ACQ_REL);
		if (obj == NULL) {
			tf_test_relax();
			continue;
		}
		/* Now and then late, so that the waiter sleeps. */
		if (++n % 4 == 0)
			tf_test_sleep_ns(30 * TF_USEC);
		if ((r->kind == REL_SEM && tf_sem_post(obj) != 0) ||
		    (r->kind == REL_LATCH && tf_latch_count_down(obj, 1) != 0) ||
		    (r->kind == REL_EVENT && tf_event_set(obj) != 0))
			__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int
wait_then_destroy(int kind, void *obj)
{
	switch (kind) {
	case REL_SEM:
		return tf_sem_wait(obj) || tf_sem_destroy(obj);
	case REL_LATCH:
		return tf_latch_wait(obj, TF_FOREVER) || tf_latch_destroy(obj);
	default:
		return tf_event_wait(obj, TF_FOREVER) || tf_event_destroy(obj);
	}
}

static void
free_right_after_the_wait(void **state)
{
	uint64_t rounds = tf_test_scaled(2000);

	(void)state;
	for (int kind = REL_SEM; kind <= REL_EVENT; kind++) {
		struct releaser r = { NULL, kind, 0, 0 };
		pthread_t t = spawn(releaser_main, &r);

		for (uint64_t i = 0; i < rounds; i++) {
			/* The three are the same size: one allocation. */
			tf_sem_t *obj = malloc(sizeof(*obj));

			assert_non_null(obj);
			if (kind == REL_SEM)
				assert_int_equal(tf_sem_init(obj, 0), 0);
			else if (kind == REL_LATCH)
				assert_int_equal(tf_latch_init(
				    (tf_latch_t *)obj, 1), 0);
			else
				assert_int_equal(tf_event_init(
				    (tf_event_t *)obj, false), 0);
			__atomic_store_n(&r.slot, obj, __ATOMIC_RELEASE);
			assert_int_equal(wait_then_destroy(kind, obj), 0);
			free(obj);
		}
		__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
		join(t);
		assert_int_equal(r.errors, 0);
	}
}

/* A job's wait, bracketed so that a spare worker runs the poster. */
static int
blocking_waiter_job(void *arg)
{
	int rc;

	tf_blocking_begin();
	rc = tf_sem_timedwait(arg, LONG_NS);
	tf_blocking_end();
	return rc;
}

static int
poster_job(void *arg)
{
	return tf_sem_post(arg);
}

static void
wait_in_a_job_of_a_one_worker_pool(void **state)
{
	tf_pool_attr_t attr;
	tf_pool_t *pool;
	tf_job_t *waiter, *poster;
	tf_sem_t s;

	(void)state;
	tf_pool_attr_init(&attr);
	attr.workers = 1;
	assert_int_equal(tf_pool_create(&pool, &attr), 0);
	assert_int_equal(tf_sem_init(&s, 0), 0);
	assert_int_equal(tf_submit_ex(pool, blocking_waiter_job, &s, NULL,
	    &waiter), 0);
	await_sleepers(&s, 1);
	assert_int_equal(tf_submit_ex(pool, poster_job, &s, NULL, &poster),
	    0);
	assert_int_equal(tf_job_wait(waiter, TF_FOREVER), 0);
	assert_int_equal(tf_job_wait(poster, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(waiter), TF_JOB_COMPLETED);
	assert_int_equal(tf_job_state(poster), TF_JOB_COMPLETED);
	tf_job_release(waiter);
	tf_job_release(poster);
	tf_pool_destroy(pool);
	assert_int_equal(tf_sem_destroy(&s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sem_semantics),
		cmocka_unit_test(sem_bad_input),
		cmocka_unit_test(sem_overflow),
		cmocka_unit_test(sem_timeouts),
		cmocka_unit_test(sem_static_initializer),
		cmocka_unit_test(sem_storm),
		cmocka_unit_test(sem_as_lock),
		cmocka_unit_test(sem_handoff_no_lost_wakeup),
		cmocka_unit_test(sem_many_sleepers),
		cmocka_unit_test(latch_semantics),
		cmocka_unit_test(latch_bad_input),
		cmocka_unit_test(latch_timeouts),
		cmocka_unit_test(latch_many_waiters_many_counters),
		cmocka_unit_test(latch_releases_sleepers),
		cmocka_unit_test(event_semantics),
		cmocka_unit_test(event_bad_input),
		cmocka_unit_test(event_timeouts),
		cmocka_unit_test(event_wakes_sleepers),
		cmocka_unit_test(event_set_reset_storm),
		cmocka_unit_test(destroy_with_a_sleeper_is_ebusy),
		cmocka_unit_test(static_initializers),
		cmocka_unit_test(free_right_after_the_wait),
		cmocka_unit_test(wait_in_a_job_of_a_one_worker_pool),
	};

	return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
