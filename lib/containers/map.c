/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/map.c - the concurrent hash map (threadfactory/map.h).
 *
 * A map is 2^k shards, chosen by the top k bits of the mixed hash.  A
 * shard is a ck_hs in SPMC mode (one writer, any number of lock-free
 * readers) written under the shard's tf__lock.  The table holds pointers
 * to entries {key, value, hash}; an entry never changes once published: a
 * replace publishes a new entry with the map's key and the new value
 * (ck_hs_set swaps the slot's pointer), so a reader sees the old pair or
 * the new one, never a mix.  Unlinked entries go to the epoch, and the
 * keys and values the map owns are freed from the entry's callback.
 * ck_hs grows its tables itself, through table_alloc/table_free, and
 * frees an old table through the epoch as SPMC mode requires.
 *
 * ck_hs's callbacks take no context, so what they need travels with the
 * objects: an entry carries its table hash (rehashing on growth) and the
 * ops' equal (the key of a compare, always the second argument, is an
 * entry or a probe of the same layout).  An entry of a map that owns keys
 * or values also carries the free functions, so that a callback that
 * runs after tf_map_destroy needs nothing of the map.
 *
 * Freeze: state goes OPEN -> FREEZING (writes, which read state under the
 * shard lock, fail from then on), then every shard lock is taken and
 * released (a write that read OPEN completes first), then FROZEN: readers
 * that see FROZEN skip the epoch, since nothing can be unlinked any more.
 *
 * ThreadSanitizer does not see libck's publication of an entry (ck_hs is
 * not instrumented): the writer releases on the entry before publishing
 * it and readers acquire on it before reading it.
 */
#include "internal/common.h"

#include <ck_hs.h>
#include <unistd.h>

#include "internal/alloc.h"
#include "internal/epoch.h"
#include "internal/lock.h"

#include "containers/hash.h"

enum { OPEN, FREEZING, FROZEN };

/* Shards: 4 per online CPU, a power of two in [MIN_SHARDS, MAX_SHARDS]. */
#define MIN_SHARDS 8
#define MAX_SHARDS 64
#define SHARDS_PER_CPU 4
/* Slots a shard's table starts with (ck_hs rounds up to a power of 2). */
#define INITIAL_SLOTS 8
#define HS_MODE (CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT)

typedef bool equal_fn(const void *, const void *);

/* The prefix shared by entries and probes: what ck_hs's compare reads. */
struct probe {
	uint64_t thash;
	const void *key;
	equal_fn *equal;
};

struct entry {
	struct probe p;         /* p.key: the map's key */
	void *value;
	ck_epoch_entry_t ep;    /* for the deferred free */
};

/* The entry of a map that owns keys or values. */
struct owned_entry {
	struct entry e;
	void (*free_key)(void *);   /* set when unlinked: what to free */
	void (*free_value)(void *);
};

struct shard {
	tf__lock_t lock;
	uint64_t count;
	ck_hs_t hs;
} TF_CACHE_ALIGNED;

struct tf_map {
	tf_hash_ops ops;
	unsigned state;
	unsigned shift;         /* 64 - log2(nshards) */
	unsigned nshards;
	bool owns;
	struct shard *shards;
};

/* The tf_map_foreach walks in progress on this thread, innermost first. */
struct walk {
	const tf_map_t *m;
	struct walk *up;
};
static TF_TLS struct walk *walks;

static void *
table_alloc(size_t size)
{
	return tf__alloc(size);
}

static void
table_free(void *p, size_t size, bool defer)
{
	if (defer)
		tf__epoch_retire(p, size, 0);
	else
		tf__free(p, size);
}

static struct ck_malloc table_allocator = {
	.malloc = table_alloc,
	.free = table_free,
};

static unsigned long
hs_hash(const void *object, unsigned long seed)
{
	(void)seed;
	return (unsigned long)((const struct probe *)object)->thash;
}

/* stored: an entry of the table; key: a probe or an entry. */
static bool
hs_compare(const void *stored, const void *key)
{
	const struct probe *s = (const struct probe *)stored;
	const struct probe *k = (const struct probe *)key;

	TF_TSAN_ACQUIRE(s); /* pairs with the release in entry_new */
	return s->thash == k->thash && k->equal(s->key, k->key);
}

static inline bool
bad_key(const tf_map_t *m, const void *key)
{
	return key == NULL && m->ops.hash == tf__hash_str;
}

/*
 * The probe for key, and its shard.  The table hash is the mixed hash
 * rotated so that the shard's bits do not stay put at the top, where
 * ck_hs packs a part of it into the slot's pointer.
 */
static inline struct shard *
probe_of(const tf_map_t *m, const void *key, struct probe *p)
{
	uint64_t h = tf__hash_mix(m->ops.hash(key));
	unsigned bits = 64 - m->shift;

	p->thash = (h << bits) | (h >> m->shift);
	p->key = key;
	p->equal = m->ops.equal;
	return &m->shards[h >> m->shift];
}

static inline size_t
entry_size(const tf_map_t *m)
{
	return m->owns ? sizeof(struct owned_entry) : sizeof(struct entry);
}

static struct entry *
entry_new(const tf_map_t *m, const struct probe *p, void *key, void *value)
{
	struct entry *e = tf__alloc(entry_size(m));

	if (e == NULL)
		return NULL;
	e->p = *p;
	e->p.key = key;
	e->value = value;
	TF_TSAN_RELEASE(e); /* pairs with the acquires in hs_compare, get */
	return e;
}

static void
entry_free_plain(ck_epoch_entry_t *ep)
{
	TF_EPOCH_ACQUIRE();
	tf__free(TF_CONTAINER_OF(ep, struct entry, ep), sizeof(struct entry));
}

static void
entry_free_owned(ck_epoch_entry_t *ep)
{
	struct owned_entry *o = TF_CONTAINER_OF(ep, struct owned_entry, e.ep);

	TF_EPOCH_ACQUIRE();
	if (o->free_key != NULL)
		o->free_key((void *)(uintptr_t)o->e.p.key);
	if (o->free_value != NULL)
		o->free_value(o->e.value);
	tf__free(o, sizeof(*o));
}

/*
 * Free e once no reader can see it, with its key and value if the map
 * owns them and free_key / free_value say so.  Called outside the lock.
 */
static void
entry_retire(const tf_map_t *m, struct entry *e, bool free_key,
    bool free_value)
{
	struct owned_entry *o;

	if (!m->owns) {
		tf__epoch_call(&e->ep, entry_free_plain);
		return;
	}
	o = TF_CONTAINER_OF(e, struct owned_entry, e);
	o->free_key = free_key ? m->ops.free_key : NULL;
	o->free_value = free_value ? m->ops.free_value : NULL;
	tf__epoch_call(&e->ep, entry_free_owned);
}

static bool
walking(const tf_map_t *m)
{
	for (const struct walk *w = walks; w != NULL; w = w->up)
		if (w->m == m)
			return true;
	return false;
}

/* Take s's lock for a write: 0, or EPERM (frozen) without the lock. */
static int
write_lock(tf_map_t *m, struct shard *s)
{
	tf__lock(&s->lock);
	if (ck_pr_load_uint(&m->state) != OPEN) {
		tf__unlock(&s->lock);
		return EPERM;
	}
	return 0;
}

/*
 * Enter a write of key: check the arguments, refuse a write from inside
 * a walk of m, and lock key's shard (*sp, probe p).  0 with the lock
 * held, or the error with no lock.
 */
static int
write_enter(tf_map_t *m, const void *key, struct probe *p, struct shard **sp)
{
	if (m == NULL || bad_key(m, key))
		return EINVAL;
	if (TF_UNLIKELY(walks != NULL) && walking(m))
		return EDEADLK;
	*sp = probe_of(m, key, p);
	return write_lock(m, *sp);
}

static void
shard_fini(const tf_map_t *m, struct shard *s)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	void *obj;

	while (ck_hs_next(&s->hs, &it, &obj)) {
		struct entry *e = obj;

		if (m->ops.free_key != NULL)
			m->ops.free_key((void *)(uintptr_t)e->p.key);
		if (m->ops.free_value != NULL)
			m->ops.free_value(e->value);
		tf__free(e, entry_size(m));
	}
	ck_hs_destroy(&s->hs);
}

static unsigned
shard_count(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = MIN_SHARDS;

	while (n < MAX_SHARDS && (long)n < cpus * SHARDS_PER_CPU)
		n <<= 1;
	return n;
}

int
tf_map_create(tf_map_t **out, const tf_hash_ops *ops)
{
	tf_map_t *m;
	unsigned i;

	if (out == NULL || ops == NULL || ops->hash == NULL ||
	    ops->equal == NULL)
		return EINVAL;
	if ((m = tf__alloc_zero(sizeof(*m))) == NULL)
		return ENOMEM;
	m->ops = *ops;
	m->state = OPEN;
	m->nshards = shard_count();
	m->shift = 64 - (unsigned)__builtin_ctz(m->nshards);
	m->owns = ops->free_key != NULL || ops->free_value != NULL;
	m->shards = tf__alloc_aligned(m->nshards * sizeof(struct shard),
	    TF_CACHELINE);
	if (m->shards == NULL)
		goto fail;
	for (i = 0; i < m->nshards; i++) {
		struct shard *s = &m->shards[i];

		tf__lock_init(&s->lock);
		s->count = 0;
		if (!ck_hs_init(&s->hs, HS_MODE, hs_hash, hs_compare,
		    &table_allocator, INITIAL_SLOTS, 0))
			break;
	}
	if (i == m->nshards) {
		*out = m;
		return 0;
	}
	while (i-- > 0)
		ck_hs_destroy(&m->shards[i].hs);
	tf__free_aligned(m->shards, m->nshards * sizeof(struct shard),
	    TF_CACHELINE);
fail:
	tf__free(m, sizeof(*m));
	return ENOMEM;
}

void
tf_map_destroy(tf_map_t *m)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < m->nshards; i++)
		shard_fini(m, &m->shards[i]);
	tf__free_aligned(m->shards, m->nshards * sizeof(struct shard),
	    TF_CACHELINE);
	tf__free(m, sizeof(*m));
}

/*
 * Replace old (the entry of key in s, locked) by one with value; unlocks.
 * The map keeps old's key; the caller's key is freed if owned.
 */
static int
replace(tf_map_t *m, struct shard *s, struct entry *old, void *key,
    void *value)
{
	void *kept = (void *)(uintptr_t)old->p.key;
	struct entry *n = entry_new(m, &old->p, kept, value);
	void *prev;

	if (n == NULL || !ck_hs_set(&s->hs, n->p.thash, n, &prev)) {
		tf__unlock(&s->lock);
		if (n != NULL)
			tf__free(n, entry_size(m));
		return ENOMEM;
	}
	tf__unlock(&s->lock);
	TF_ASSERT(prev == old);
	/* old may be freed as soon as it is retired: read nothing after. */
	entry_retire(m, old, false, value != old->value);
	if (m->ops.free_key != NULL && key != kept)
		m->ops.free_key(key);
	return 0;
}

static int
put(tf_map_t *m, void *key, void *value, bool replace_ok)
{
	struct probe p;
	struct shard *s;
	struct entry *e;
	int rc;

	if ((rc = write_enter(m, key, &p, &s)) != 0)
		return rc;
	/* The lock excludes other writers: no epoch section needed. */
	e = ck_hs_get(&s->hs, p.thash, &p);
	if (e != NULL) {
		if (replace_ok)
			return replace(m, s, e, key, value);
		tf__unlock(&s->lock);
		return EEXIST;
	}
	e = entry_new(m, &p, key, value);
	if (e == NULL || !ck_hs_put_unique(&s->hs, p.thash, e)) {
		tf__unlock(&s->lock);
		if (e != NULL)
			tf__free(e, entry_size(m));
		return ENOMEM;
	}
	ck_pr_store_64(&s->count, s->count + 1);
	tf__unlock(&s->lock);
	return 0;
}

int
tf_map_put(tf_map_t *m, void *key, void *value)
{
	return put(m, key, value, true);
}

int
tf_map_put_if_absent(tf_map_t *m, void *key, void *value)
{
	return put(m, key, value, false);
}

/* Remove key; the entry, unlinked and not yet retired, in *out. */
static int
unlink_key(tf_map_t *m, const void *key, struct entry **out)
{
	struct probe p;
	struct shard *s;
	struct entry *e;
	int rc;

	if ((rc = write_enter(m, key, &p, &s)) != 0)
		return rc;
	e = ck_hs_remove(&s->hs, p.thash, &p);
	if (e != NULL)
		ck_pr_store_64(&s->count, s->count - 1);
	tf__unlock(&s->lock);
	if (e == NULL)
		return ENOENT;
	*out = e;
	return 0;
}

int
tf_map_remove(tf_map_t *m, const void *key)
{
	struct entry *e;
	int rc = unlink_key(m, key, &e);

	if (rc == 0)
		entry_retire(m, e, true, true);
	return rc;
}

int
tf_map_take(tf_map_t *m, const void *key, void **value)
{
	struct entry *e;
	int rc;

	if (value == NULL)
		return EINVAL;
	if ((rc = unlink_key(m, key, &e)) == 0) {
		*value = e->value;
		entry_retire(m, e, true, false);
	}
	return rc;
}

/* Whether reads may skip the epoch: the map is frozen for good. */
static inline bool
frozen(const tf_map_t *m)
{
	if (ck_pr_load_uint(&m->state) != FROZEN)
		return false;
	ck_pr_fence_load(); /* pairs with the fence_store in tf_map_freeze */
	return true;
}

static int
lookup(tf_map_t *m, const void *key, void **value)
{
	struct probe p;
	struct shard *s = probe_of(m, key, &p);
	bool fast = frozen(m);
	struct entry *e;

	if (!fast)
		tf__epoch_begin();
	e = ck_hs_get(&s->hs, p.thash, &p);
	if (e != NULL) {
		TF_TSAN_ACQUIRE(e); /* pairs with the release in entry_new */
		*value = e->value;
	}
	if (!fast)
		tf__epoch_end();
	return e != NULL ? 0 : ENOENT;
}

int
tf_map_get(tf_map_t *m, const void *key, void **value)
{
	void *v;
	int rc;

	if (m == NULL || value == NULL || bad_key(m, key))
		return EINVAL;
	if ((rc = lookup(m, key, &v)) == 0)
		*value = v;
	return rc;
}

bool
tf_map_contains(tf_map_t *m, const void *key)
{
	void *v;

	if (m == NULL || bad_key(m, key))
		return false;
	return lookup(m, key, &v) == 0;
}

size_t
tf_map_size(const tf_map_t *m)
{
	uint64_t n = 0;

	if (m == NULL)
		return 0;
	for (unsigned i = 0; i < m->nshards; i++)
		n += ck_pr_load_64(&m->shards[i].count);
	return (size_t)n;
}

int
tf_map_freeze(tf_map_t *m)
{
	if (m == NULL)
		return EINVAL;
	if (ck_pr_load_uint(&m->state) == FROZEN)
		return 0;
	/* A write reads state under its shard's lock (write_lock). */
	(void)ck_pr_cas_uint(&m->state, OPEN, FREEZING);
	for (unsigned i = 0; i < m->nshards; i++) {
		tf__lock(&m->shards[i].lock);
		tf__unlock(&m->shards[i].lock);
	}
	/*
	 * Every write is done and published; pairs with the fence_load in
	 * frozen(): a reader that sees FROZEN sees the tables as they stay.
	 */
	ck_pr_fence_store();
	ck_pr_store_uint(&m->state, FROZEN);
	return 0;
}

bool
tf_map_is_frozen(const tf_map_t *m)
{
	return m != NULL && ck_pr_load_uint(&m->state) != OPEN;
}

static int
walk_shard(struct shard *s, tf_map_visit_fn *fn, void *arg)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	void *obj;
	int rc = 0;

	while (rc == 0 && ck_hs_next(&s->hs, &it, &obj)) {
		struct entry *e = obj;

		TF_TSAN_ACQUIRE(e); /* pairs with the release in entry_new */
		rc = fn(e->p.key, e->value, arg);
	}
	return rc;
}

int
tf_map_foreach(tf_map_t *m, tf_map_visit_fn *fn, void *arg)
{
	struct walk w;
	bool fast;
	int rc = 0;

	if (m == NULL || fn == NULL)
		return EINVAL;
	fast = frozen(m);
	if (!fast && walking(m))
		return EDEADLK;
	w.m = m;
	w.up = walks;
	walks = &w;
	for (unsigned i = 0; rc == 0 && i < m->nshards; i++) {
		struct shard *s = &m->shards[i];

		if (!fast)
			tf__lock(&s->lock);
		rc = walk_shard(s, fn, arg);
		if (!fast)
			tf__unlock(&s->lock);
	}
	walks = w.up;
	return rc;
}
