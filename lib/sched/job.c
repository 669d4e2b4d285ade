/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/job.c - the life of job records (see sched/job.h).
 *
 * Every transition of a record's state is a CAS, so that start and cancel
 * race fairly: whoever moves PENDING first wins, and a job that a cancel
 * reported as not started never runs.  Records come from a small
 * per-thread cache in front of the allocator.
 */
#include "internal/common.h"

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"
#include "internal/futex.h"
#include "sched/cancel.h"
#include "sched/job.h"
#include "sched/timer.h"
#include "sched/worker.h"

/* ------------------------------------------------------------------ */
/* The per-thread record cache.                                       */
/* ------------------------------------------------------------------ */

/* Records kept per thread and kind, beyond which they are freed. */
#define CACHE_MAX 64
/* Job ids taken from the process-wide counter at once. */
#define ID_BLOCK 1024

/*
 * A cache per thread and kind of record (TF__REC_*: plain, with on_done,
 * timed), each kept by its common part.
 */
struct record_cache {
	struct tf__job *head[TF__REC_KINDS];
	unsigned n[TF__REC_KINDS];
	bool hooked;
	struct tf__thread_hook hook;
};

static TF_TLS struct record_cache cache;

static size_t
record_size(unsigned kind)
{
	static const size_t size[TF__REC_KINDS] = {
		[TF__REC_PLAIN] = sizeof(struct tf__job),
		[TF__REC_DONE] = sizeof(struct tf__job_ext),
		[TF__REC_TIMED] = sizeof(struct tf__job_timed),
	};

	return size[kind];
}

/* The common part is first in every kind: the record starts with it. */
static unsigned
record_kind(const struct tf__job *j)
{
	if (j->flags & TF__JF_TIMED)
		return TF__REC_TIMED;
	return (j->flags & TF__JF_DONE) ? TF__REC_DONE : TF__REC_PLAIN;
}

static void
cache_flush(struct tf__thread_hook *hook)
{
	(void)hook;
	tf__job_cache_flush();
	cache.hooked = false;
}

void
tf__job_cache_flush(void)
{
	struct tf__job *j;

	for (unsigned k = 0; k < TF__REC_KINDS; k++) {
		while ((j = cache.head[k]) != NULL) {
			cache.head[k] = j->free_next;
			tf__free(j, record_size(k));
		}
		cache.n[k] = 0;
	}
}

/* A record of a kind, from the cache of its kind; NULL when out of memory. */
static struct tf__job *
record_alloc(unsigned kind)
{
	struct tf__job *j = cache.head[kind];

	if (j != NULL) {
		cache.head[kind] = j->free_next;
		cache.n[kind]--;
		return j;
	}
	return tf__alloc(record_size(kind));
}

static void
record_free(struct tf__job *j)
{
	unsigned kind = record_kind(j);

	if (cache.n[kind] < CACHE_MAX) {
		if (!cache.hooked) {
			cache.hook.fn = cache_flush;
			tf__thread_on_exit(&cache.hook);
			cache.hooked = true;
		}
		j->free_next = cache.head[kind];
		cache.head[kind] = j;
		cache.n[kind]++;
		return;
	}
	tf__free(j, record_size(kind));
}

/* ------------------------------------------------------------------ */
/* Ids.                                                               */
/* ------------------------------------------------------------------ */

/*
 * Ids are unique within the process (tf_job_id(3)), across pools, so the
 * counter cannot live in a pool: it is the library's one mutable global
 * besides the epoch domain.  Threads take blocks of ids from it, so that
 * no job writes a shared line.
 */
static uint64_t ids_next = 1;
static TF_TLS uint64_t ids_cur, ids_end;

static uint64_t
job_id_next(void)
{
	if (TF_UNLIKELY(ids_cur == ids_end)) {
		ids_cur = ck_pr_faa_64(&ids_next, ID_BLOCK);
		ids_end = ids_cur + ID_BLOCK;
	}
	return ids_cur++;
}

/* ------------------------------------------------------------------ */
/* Life of a record.                                                  */
/* ------------------------------------------------------------------ */

int
tf__job_new(struct tf_pool *pool, tf_fn *fn, void *arg,
    const tf_job_opts_t *o, unsigned level, bool handle, struct tf__job **out)
{
	struct tf__job *j;
	bool timed;
	int rc;

	if (o->token != NULL && tf_token_is_cancelled(o->token))
		return ECANCELED;
	timed = tf__opts_timed(o);
	j = record_alloc(timed ? TF__REC_TIMED : o->on_done != NULL ?
	    TF__REC_DONE : TF__REC_PLAIN);
	if (j == NULL)
		return ENOMEM;
	if (timed) {
		struct tf__job_timed *tj = TF__TIMED(j);

		tj->period = 0;
		tj->shard = NULL;
		tj->link = (struct tf__wheel_link){ 0 };
	}
	/* Every field, without a memset of the whole record. */
	*j = (struct tf__job){
		.fn = fn,
		.arg = arg,
		.state = TF_JOB_PENDING,
		.refs = handle ? 2 : 1,
		.level = (uint8_t)level,
		.flags = (uint8_t)(((o->flags & TF_JOB_FRONT) ? TF__JF_FRONT :
		    0) | (handle ? TF__JF_HANDLE : 0) |
		    (timed ? TF__JF_TIMED : 0) |
		    (o->on_done != NULL ? TF__JF_DONE : 0)),
		.pool = pool,
		.id = job_id_next(),
		.tag = o->tag,
		.t_submit = tf__ticks(),
	};
	if (o->on_done != NULL)
		*tf__job_done(j) = (struct tf__done){ o->on_done, o->done_arg };
	if (o->group != NULL) {
		rc = tf__group_join(o->group, j);
		if (rc != 0) {
			record_free(j);
			return rc;
		}
		j->group = o->group;
	}
	if (o->token != NULL) {
		tf__token_ref(o->token);
		j->token = o->token;
	}
	*out = j;
	return 0;
}

/*
 * The last reference to j is gone: its token's and group's references
 * too.  Until now a worker holding j may still look at them (whether to
 * cancel j) even after j ended elsewhere.
 */
static void
record_release(struct tf__job *j)
{
	if (j->token != NULL)
		tf__token_unref(j->token);
	if (j->group != NULL)
		tf__group_unref(j->group);
	record_free(j);
}

void
tf__job_unref(struct tf__job *j)
{
	if (ck_pr_faa_32(&j->refs, (uint32_t)-1) == 1)
		record_release(j);
}

/*
 * A record that was made but never queued: undo it without a trace.
 * A concurrent tf_group_cancel() may have seen it among the group's
 * members and cancelled it already (it then left the group and was
 * counted as cancelled): take that count back.  The canceller may still
 * hold a reference, so the submitter's references are dropped, not freed.
 */
void
tf__job_discard(struct tf__job *j)
{
	uint32_t s = ck_pr_load_32(&j->state);
	bool mine = false;

	while (tf__job_state_of(s) == TF_JOB_PENDING)
		if (ck_pr_cas_32_value(&j->state, s,
		    (s & ~TF__J_STATE) | TF_JOB_CANCELLED, &s)) {
			mine = true;
			break;
		}
	if (mine) {
		if (j->group != NULL)
			tf__group_leave(j->group, j, 0);
	} else {
		tf__count_end(NULL, &j->pool->ext, j->level,
		    TF_JOB_CANCELLED, (uint64_t)-1);
	}
	if (j->flags & TF__JF_HANDLE)
		tf__job_unref(j);
	tf__job_unref(j);
}

/*
 * The job's on_done callback, if it has one, with its outcome: before the
 * end is counted, the group left and sleeping waiters woken, so that
 * whoever learns of the end that way finds the callback returned.
 */
static void
call_done(struct tf__job *j, unsigned state, int status)
{
	struct tf__done *d = tf__job_done(j);
	tf_job_done_t done;

	if (TF_LIKELY(d == NULL))
		return;
	done = (tf_job_done_t){
		.arg = j->arg,
		.state = (enum tf_job_state)state,
		.status = status,
		.tag = j->tag,
		.job = (j->flags & TF__JF_HANDLE) ? (tf_job_t *)j : NULL,
	};
	d->fn(&done, d->arg);
}

/* After the final state is set: wake waiters, leave the group. */
static void
ended(struct tf__job *j, uint32_t old, int group_status)
{
	tf_group_t *g = j->group;

	if (old & TF__J_WAITERS)
		tf__futex_wake(&j->state, INT32_MAX);
	if (g != NULL)
		tf__group_leave(g, j, group_status);
}

void
tf__job_finish(struct tf__job *j, unsigned state, int status,
    struct tf__counters *own)
{
	uint32_t s, ns;

	j->status = status;
	call_done(j, state, status);
	tf__count_end(own, &j->pool->ext, j->level, state, 1);
	/*
	 * The final state publishes the status and everything before (the
	 * CAS is a full barrier); pairs with the acquire of tf_job_state()
	 * and tf_job_status().
	 */
	s = ck_pr_load_32(&j->state);
	do {
		ns = (s & ~(TF__J_STATE | TF__J_WAITERS)) | state;
	} while (!ck_pr_cas_32_value(&j->state, s, ns, &s));
	ended(j, s, state == TF_JOB_FAILED ? status : 0);
}

bool
tf__job_try_cancel(struct tf__job *j, struct tf__counters *own)
{
	uint32_t s = ck_pr_load_32(&j->state);

	while (tf__job_state_of(s) == TF_JOB_PENDING) {
		uint32_t ns = (s & ~(TF__J_STATE | TF__J_WAITERS)) |
		    TF_JOB_CANCELLED;

		/* PENDING -> CANCELLED in one step: nobody can start it now. */
		if (ck_pr_cas_32_value(&j->state, s, ns, &s)) {
			if (j->flags & TF__JF_TIMED)
				tf__timer_unlink(j);
			call_done(j, TF_JOB_CANCELLED, ECANCELED);
			tf__count_end(own, &j->pool->ext, j->level,
			    TF_JOB_CANCELLED, 1);
			ended(j, s, 0);
			return true;
		}
	}
	return false;
}

/*
 * A queued entry of j was taken out to be cancelled (shutdown, cancel of
 * everything pending): cancel j if it is still pending, and drop the
 * entry's reference.
 */
bool
tf__job_cancel_queued(struct tf__job *j)
{
	bool done = tf__job_try_cancel(j, NULL);

	tf__job_unref(j);
	return done;
}

/* ------------------------------------------------------------------ */
/* Running.                                                           */
/* ------------------------------------------------------------------ */

/*
 * The run of claimed j that began at t0: on worker w, counted and sampled
 * there, or (w NULL) on a thread that is no worker of j's pool, counted
 * in the pool's shared block.
 */
static int
run_body(struct tf__worker *w, struct tf__job *j, int64_t t0)
{
	struct tf_pool *pool = j->pool;
	int64_t queued = -1;
	int rc;

	if (w == NULL) {
		ck_pr_add_64(&pool->ext.started[j->level], 1);
		rc = j->fn(j->arg);
		ck_pr_add_64(&pool->ext.stopped[j->level], 1);
		return rc;
	}
	/* Into the pool's histograms: one record in TF_STATS_SAMPLE. */
	if (--w->hist_sample == 0) {
		w->hist_sample = TF_STATS_SAMPLE;
		queued = tf__ticks_to_ns(t0 - j->t_submit);
	}
	return tf__run_fn(w, j->level, j->fn, j->arg, j, j->token, queued);
}

void
tf__job_run_claimed(struct tf__worker *w, struct tf__job *j)
{
	int64_t t0 = tf__ticks();
	int rc;

	ck_pr_store_64((uint64_t *)&j->t_start, (uint64_t)t0);
	rc = run_body(w, j, t0);
	ck_pr_store_64((uint64_t *)&j->t_end, (uint64_t)tf__ticks());
	ck_pr_store_64(&j->runs, j->runs + 1);
	if (j->flags & TF__JF_PERIODIC) {
		/* Only workers run periodic jobs (tf__sched_join: spawns). */
		TF_ASSERT(w != NULL);
		TF__COUNT(w->ctr.runs, 1);
		if (tf__timer_rearm(w, j, rc))
			return;
	}
	tf__job_finish(j, rc == 0 ? TF_JOB_COMPLETED : TF_JOB_FAILED, rc,
	    w != NULL ? &w->ctr : NULL);
}

void
tf__job_run(struct tf__worker *w, struct tf__job *j)
{
	uint32_t s = ck_pr_load_32(&j->state);

	for (;;) {
		if (tf__job_state_of(s) != TF_JOB_PENDING) {
			/* A tombstone: cancelled, or run by a waiter. */
			tf__job_unref(j);
			return;
		}
		if (tf__job_should_cancel(w->pool, j)) {
			if (tf__job_try_cancel(j, &w->ctr)) {
				tf__job_unref(j);
				return;
			}
			s = ck_pr_load_32(&j->state);
			continue;
		}
		if (ck_pr_cas_32_value(&j->state, s,
		    (s & ~TF__J_STATE) | TF_JOB_RUNNING, &s))
			break;
	}
	tf__job_run_claimed(w, j);
	tf__job_unref(j);
}

bool
tf__job_claim(struct tf__job *j)
{
	uint32_t s = ck_pr_load_32(&j->state);

	while (tf__job_state_of(s) == TF_JOB_PENDING &&
	    !tf__job_should_cancel(j->pool, j))
		if (ck_pr_cas_32_value(&j->state, s,
		    (s & ~TF__J_STATE) | TF_JOB_RUNNING, &s))
			return true;
	return false;
}
