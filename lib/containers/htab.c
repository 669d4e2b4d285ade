/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/htab.c - the sharded hash table under tf_map, tf_set and
 * tf_bag (containers/htab.h says how it works).
 *
 * Memory order: a writer fills a slot by storing key and value, then
 * (store fence) meta; it kills one by storing meta alone, and orders that
 * store before any later fill of the slot (store fence).  A reader loads
 * meta, then (load fence) key and value, then (load fence) meta again:
 * if it saw a later fill's key or value, its second load sees at least
 * the kill before it, a newer version.  A value replaced in place is
 * stored after a store fence, and read after the reader's load of meta:
 * the reader gets the old value or the new one, both the key's.  A new
 * slot array is written, then (store fence) published in the shard; a
 * reader reaches it through that load (a dependency).
 *
 * ThreadSanitizer does not see libck's atomics: a writer releases on the
 * slot (or the array it publishes) before its stores, and a reader
 * acquires on the slot (and the array) after its loads.
 */
#include "internal/common.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal/alloc.h"

#include "containers/htab.h"

/* Shards: 4 per online CPU, a power of two in [MIN_SHARDS, MAX_SHARDS]. */
#define MIN_SHARDS 8
#define MAX_SHARDS 64
#define SHARDS_PER_CPU 4
/* Slots a shard's array starts with: a power of two. */
#define INITIAL_SLOTS 8
/*
 * A shard whose peak reached SHRINK_MIN entries is rebuilt when its
 * entries fall under peak / SHRINK_RATIO: the removals since the peak
 * pay for the copy.
 */
#define SHRINK_MIN 64
#define SHRINK_RATIO 8
/*
 * Slot arrays of this size or more are aligned to it and advised for
 * transparent huge pages: a lookup in a big table costs a cache miss and,
 * on 4 KiB pages, a TLB miss whose page walk misses too (tf-perf map,
 * 2^20 keys: about 1.5x the lookups per second with huge pages).
 */
#define HUGE_PAGE ((size_t)2 << 20)

/*
 * Tags: the meta of an EMPTY slot is 0; a tombstone's and a dead slot's
 * tags say what they hold; a live slot's tag is 32 bits of the mixed
 * hash (below the shard bits), moved past those values.
 */
#define TAG_EMPTY 0u
#define TAG_TOMB 1u     /* removed; its key and value are not the table's */
#define TAG_DEAD_KV 2u  /* removed; key and value to free with the array */
#define TAG_DEAD_K 3u   /* removed; the key to free with the array */
#define TAG_LIVE 4u     /* the first tag of a live slot */
#define TAG_SHIFT 24

/* The walks and decides of tables on this thread, innermost first. */
struct walk {
	const struct tf__htab *t;
	struct walk *up;
};
static TF_TLS struct walk *walks;

static inline uint32_t
tag_of(uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> TAG_SHIFT);

	return tag < TAG_LIVE ? tag + TAG_LIVE : tag;
}

static inline uint32_t
meta_tag(uint64_t meta)
{
	return (uint32_t)(meta >> 32);
}

/* The meta of a slot that held meta and now holds tag. */
static inline uint64_t
meta_next(uint64_t meta, uint32_t tag)
{
	return (uint64_t)tag << 32 | (uint32_t)(meta + 1);
}

/* The mixed hash of key: its top bits pick the shard, its low a slot. */
static inline uint64_t
hash_of(const struct tf__htab *t, const void *key)
{
	return tf__hash_mix(t->ops.hash(key));
}

static inline struct tf__hshard *
shard_of(const struct tf__htab *t, uint64_t h)
{
	return &t->shards[h >> t->shift];
}

/* tf_hash_u64's keys compare inline, without an indirect call. */
static inline bool
keys_equal(const struct tf__htab *t, const void *stored, const void *key)
{
	if (t->ops.equal == tf__hash_u64_equal)
		return stored == key;
	return t->ops.equal(stored, key);
}

/* ------------------------------------------------------------------ */
/* Slot arrays.                                                       */
/* ------------------------------------------------------------------ */

/* The bytes of an array's slots. */
static inline size_t
table_size(uint64_t mask)
{
	return (mask + 1) * sizeof(struct tf__hslot);
}

/* n bytes of EMPTY slots; NULL: no memory. */
static struct tf__hslot *
slots_new(size_t n)
{
	struct tf__hslot *slot;

	if (n < HUGE_PAGE)
		return tf__alloc_zero(n);
	if ((slot = tf__alloc_aligned(n, HUGE_PAGE)) != NULL) {
		/* Advice only: without it the array works on small pages. */
		(void)madvise(slot, n, MADV_HUGEPAGE);
		memset(slot, 0, n);
	}
	return slot;
}

static void
slots_free(struct tf__hslot *slot, size_t n)
{
	if (n < HUGE_PAGE)
		tf__free(slot, n);
	else
		tf__free_aligned(slot, n, HUGE_PAGE);
}

/* An array of slots (a power of two), every slot EMPTY; NULL: no memory. */
static struct tf__htable *
table_new(const struct tf__htab *t, uint64_t slots)
{
	struct tf__htable *tb = tf__alloc_zero(sizeof(*tb));

	if (tb == NULL)
		return NULL;
	if ((tb->slot = slots_new(table_size(slots - 1))) == NULL) {
		tf__free(tb, sizeof(*tb));
		return NULL;
	}
	tb->mask = slots - 1;
	tb->free_key = t->ops.free_key;
	tb->free_value = t->ops.free_value;
	return tb;
}

/* Free tb now, with its dead slots' keys and values (and live, if asked). */
static void
table_free(struct tf__htable *tb)
{
	if (tb->dead != 0 || (tb->contents && (tb->free_key != NULL ||
	    tb->free_value != NULL))) {
		for (uint64_t i = 0; i <= tb->mask; i++) {
			struct tf__hslot *sl = &tb->slot[i];
			uint32_t tag = meta_tag(sl->meta);
			bool live = tag >= TAG_LIVE && tb->contents;

			if ((live || tag == TAG_DEAD_KV || tag == TAG_DEAD_K) &&
			    tb->free_key != NULL)
				tb->free_key((void *)(uintptr_t)sl->key);
			if ((live || tag == TAG_DEAD_KV) && tb->free_value != NULL)
				tb->free_value(sl->value);
		}
	}
	slots_free(tb->slot, table_size(tb->mask));
	tf__free(tb, sizeof(*tb));
}

static void
table_free_cb(ck_epoch_entry_t *ep)
{
	TF_EPOCH_ACQUIRE();
	table_free(TF_CONTAINER_OF(ep, struct tf__htable, ep));
}

/* Free tb once no reader can see it; with its contents if asked. */
static void
table_retire(struct tf__htable *tb, bool contents)
{
	tb->contents = contents;
	tf__epoch_call(&tb->ep, table_free_cb);
}

/* Slots a shard may use (not EMPTY) before its array is rebuilt. */
static inline uint64_t
max_used(uint64_t mask)
{
	return (mask + 1) - (mask + 1) / 4;
}

/* The slots of an array rebuilt for n entries: at most 5/8 full. */
static uint64_t
slots_for(uint64_t n)
{
	uint64_t slots = INITIAL_SLOTS;

	while (n > slots / 2 + slots / 8)
		slots <<= 1;
	return slots;
}

/* The EMPTY slot where a key of hash h goes in tb (a new array). */
static inline struct tf__hslot *
empty_slot(struct tf__htable *tb, uint64_t h)
{
	uint64_t i = h & tb->mask;

	while (meta_tag(tb->slot[i].meta) != TAG_EMPTY)
		i = (i + 1) & tb->mask;
	return &tb->slot[i];
}

/*
 * A new array of s's (locked) entries, sized for n of them; NULL when
 * out of memory.  Not yet published.
 */
static struct tf__htable *
table_rebuilt(const struct tf__htab *t, const struct tf__hshard *s,
    uint64_t n)
{
	const struct tf__htable *old = s->t;
	struct tf__htable *tb = table_new(t, slots_for(n));

	if (tb == NULL)
		return NULL;
	for (uint64_t i = 0; i <= old->mask; i++) {
		const struct tf__hslot *o = &old->slot[i];
		uint32_t tag = meta_tag(o->meta);
		struct tf__hslot *sl;

		if (tag < TAG_LIVE)
			continue;
		sl = empty_slot(tb, hash_of(t, o->key));
		sl->meta = (uint64_t)tag << 32;
		sl->key = o->key;
		sl->value = o->value;
	}
	return tb;
}

/* Publish tb as s's (locked) array; the old one is returned to retire. */
static struct tf__htable *
table_publish(struct tf__hshard *s, struct tf__htable *tb)
{
	struct tf__htable *old = s->t;

	TF_TSAN_RELEASE(tb); /* pairs with the acquire in tf__htab_get */
	ck_pr_fence_store(); /* tb's slots are written before it is seen */
	ck_pr_store_ptr(&s->t, tb);
	s->used = ck_pr_load_64(&s->count);
	s->peak = s->used;
	return old;
}

/* ------------------------------------------------------------------ */
/* Slots.                                                             */
/* ------------------------------------------------------------------ */

/* Fill sl (not live) with key and value, under its shard's lock. */
static inline void
slot_fill(struct tf__hslot *sl, uint32_t tag, const void *key, void *value)
{
	uint64_t meta = sl->meta;

	TF_TSAN_RELEASE(sl); /* pairs with the acquire in table_get */
	ck_pr_fence_store(); /* after the kill that freed the slot */
	ck_pr_store_ptr(&sl->key, key);
	ck_pr_store_ptr(&sl->value, value);
	ck_pr_fence_store(); /* key and value before meta */
	ck_pr_store_64(&sl->meta, meta_next(meta, tag));
}

/* Store sl's new value in place, under its shard's lock. */
static inline void
slot_set(struct tf__hslot *sl, void *value)
{
	TF_TSAN_RELEASE(sl);
	ck_pr_fence_store(); /* what the caller wrote before the value */
	ck_pr_store_ptr(&sl->value, value);
}

/* Make sl a tombstone or a dead slot (tag), under its shard's lock. */
static inline void
slot_kill(struct tf__hslot *sl, uint32_t tag)
{
	ck_pr_store_64(&sl->meta, meta_next(sl->meta, tag));
}

/*
 * A reader's look for key (hash h) in tb: 0 with *value, or ENOENT.
 * A frozen table changes no more: one read of meta is enough.
 */
static inline int
table_get(const struct tf__htab *t, const struct tf__htable *tb,
    uint64_t h, const void *key, void **value, bool frozen)
{
	uint32_t want = tag_of(h);
	uint64_t mask = tb->mask, i = h & mask;

	for (;;) {
		const struct tf__hslot *sl = &tb->slot[i];
		uint64_t meta = ck_pr_load_64(&sl->meta);
		uint32_t tag = meta_tag(meta);
		void *v;

		ck_pr_fence_load(); /* meta before key and value */
		if (tag == want && keys_equal(t, ck_pr_load_ptr(&sl->key), key)) {
			v = ck_pr_load_ptr(&sl->value);
			ck_pr_fence_load(); /* key and value before meta */
			if (frozen || ck_pr_load_64(&sl->meta) == meta) {
				TF_TSAN_ACQUIRE(sl); /* pairs with slot_fill, set */
				*value = v;
				return 0;
			}
			continue; /* the slot changed: read it again */
		}
		if (tag == TAG_EMPTY)
			return ENOENT;
		i = (i + 1) & mask;
	}
}

/*
 * The writer's look for key (hash h) in tb, under the shard's lock: its
 * live slot, or NULL with *room the slot an insert would take (the first
 * tombstone of the probe, else the EMPTY slot that ended it).
 */
static struct tf__hslot *
table_find(const struct tf__htab *t, struct tf__htable *tb, uint64_t h,
    const void *key, struct tf__hslot **room)
{
	uint32_t want = tag_of(h);
	struct tf__hslot *tomb = NULL;

	for (uint64_t i = h & tb->mask;; i = (i + 1) & tb->mask) {
		struct tf__hslot *sl = &tb->slot[i];
		uint32_t tag = meta_tag(sl->meta);

		if (tag == want && keys_equal(t, sl->key, key))
			return sl;
		if (tag == TAG_TOMB && tomb == NULL)
			tomb = sl;
		if (tag == TAG_EMPTY) {
			*room = tomb != NULL ? tomb : sl;
			return NULL;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Records of what the table frees later.                             */
/* ------------------------------------------------------------------ */

/*
 * A removed or replaced key or value the table owns, freed through the
 * epoch.  It carries the free functions, so that its callback needs
 * nothing of the container, which may be gone by then.
 */
struct gone {
	ck_epoch_entry_t ep;
	void (*free_key)(void *);
	void (*free_value)(void *);
	void *key;
	void *value;
};

static struct gone *
gone_new(void)
{
	return tf__alloc(sizeof(struct gone));
}

static void
gone_free(ck_epoch_entry_t *ep)
{
	struct gone *g = TF_CONTAINER_OF(ep, struct gone, ep);

	TF_EPOCH_ACQUIRE();
	if (g->free_key != NULL)
		g->free_key(g->key);
	if (g->free_value != NULL)
		g->free_value(g->value);
	tf__free(g, sizeof(*g));
}

/* ------------------------------------------------------------------ */
/* Life.                                                              */
/* ------------------------------------------------------------------ */

static bool
walking(const struct tf__htab *t)
{
	for (const struct walk *w = walks; w != NULL; w = w->up)
		if (w->t == t)
			return true;
	return false;
}

/* Take s's lock for a write: 0, or EPERM (frozen) without the lock. */
static int
write_lock(struct tf__htab *t, struct tf__hshard *s)
{
	tf__lock(&s->lock);
	if (ck_pr_load_uint(&t->state) != TF__HTAB_OPEN) {
		tf__unlock(&s->lock);
		return EPERM;
	}
	return 0;
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
tf__htab_init(struct tf__htab *t, const tf_hash_ops *ops)
{
	unsigned i;

	t->ops = *ops;
	t->state = TF__HTAB_OPEN;
	t->nshards = shard_count();
	t->shift = 64 - (unsigned)__builtin_ctz(t->nshards);
	t->shards = tf__alloc_aligned(t->nshards * sizeof(struct tf__hshard),
	    TF_CACHELINE);
	if (t->shards == NULL)
		return ENOMEM;
	for (i = 0; i < t->nshards; i++) {
		struct tf__hshard *s = &t->shards[i];

		tf__lock_init(&s->lock);
		s->count = s->used = s->weight = s->peak = s->pop_at = 0;
		if ((s->t = table_new(t, INITIAL_SLOTS)) == NULL)
			break;
	}
	if (i == t->nshards)
		return 0;
	while (i-- > 0)
		table_free(t->shards[i].t);
	tf__free_aligned(t->shards, t->nshards * sizeof(struct tf__hshard),
	    TF_CACHELINE);
	return ENOMEM;
}

int
tf__htab_create(struct tf__htab **out, const tf_hash_ops *ops,
    bool owns_keys, bool owns_values)
{
	struct tf__htab *t;
	tf_hash_ops o;

	if (out == NULL || ops == NULL || ops->hash == NULL ||
	    ops->equal == NULL)
		return EINVAL;
	o = *ops;
	if (!owns_keys)
		o.free_key = NULL;
	if (!owns_values)
		o.free_value = NULL;
	if ((t = tf__alloc(sizeof(*t))) == NULL)
		return ENOMEM;
	if (tf__htab_init(t, &o) != 0) {
		tf__free(t, sizeof(*t));
		return ENOMEM;
	}
	*out = t;
	return 0;
}

void
tf__htab_fini(struct tf__htab *t)
{
	for (unsigned i = 0; i < t->nshards; i++) {
		t->shards[i].t->contents = true;
		table_free(t->shards[i].t);
	}
	tf__free_aligned(t->shards, t->nshards * sizeof(struct tf__hshard),
	    TF_CACHELINE);
}

void
tf__htab_destroy(struct tf__htab *t)
{
	if (t == NULL)
		return;
	tf__htab_fini(t);
	tf__free(t, sizeof(*t));
}

int
tf__htab_derive(struct tf__htab *t, tf__hvisit_fn *visit,
    struct tf__hderive *d)
{
	int rc;

	if ((rc = tf__htab_create(&d->out, &t->ops, false, false)) != 0)
		return rc;
	if ((rc = tf__htab_walk(t, visit, d)) != 0) {
		tf__htab_destroy(d->out);
		d->out = NULL;
	}
	return rc;
}

/* --- bulk operations of tf_set and tf_bag ----------------------------- */

struct bulk {
	struct tf__hderive d;   /* filter, map: the new table */
	const struct tf__hbulk_ops *ops;
	union {
		tf_visit_fn *visit;
		tf_filter_fn *keep;
		tf_transform_fn *transform;
		tf_reduce_fn *reduce;
	} fn;
	void *arg;
	void *acc;              /* reduce */
};

/* The occurrences of an entry's key. */
static size_t
occurrences(const struct bulk *k, void *value)
{
	return k->ops->counted ? (size_t)(uintptr_t)value : 1;
}

static int
bulk_visit(void *key, void *value, void *arg)
{
	struct bulk *k = arg;
	int rc = 0;

	for (size_t i = 0, n = occurrences(k, value); rc == 0 && i < n; i++)
		rc = k->fn.visit(key, k->arg);
	return rc;
}

static int
bulk_keep(void *key, void *value, void *arg)
{
	struct bulk *k = arg;
	size_t kept = 0;

	for (size_t i = 0, n = occurrences(k, value); i < n; i++)
		kept += k->fn.keep(key, k->arg);
	return kept == 0 ? 0 : k->ops->put(k->d.out, key, kept);
}

static int
bulk_transform(void *key, void *value, void *arg)
{
	struct bulk *k = arg;
	void *image;
	int rc = 0;

	for (size_t i = 0, n = occurrences(k, value); rc == 0 && i < n; i++) {
		if ((rc = k->fn.transform(key, &image, k->arg)) != 0)
			break;
		rc = tf__htab_bad_key(k->d.out, image) ? EINVAL :
		    k->ops->put(k->d.out, image, 1);
	}
	return rc;
}

static int
bulk_reduce(void *key, void *value, void *arg)
{
	struct bulk *k = arg;

	for (size_t i = 0, n = occurrences(k, value); i < n; i++)
		k->acc = k->fn.reduce(k->acc, key, k->arg);
	return 0;
}

int
tf__hbulk_foreach(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_visit_fn *fn, void *arg)
{
	struct bulk k = { .ops = ops, .fn.visit = fn, .arg = arg };

	return tf__htab_walk(t, bulk_visit, &k);
}

int
tf__hbulk_filter(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_filter_fn *keep, void *arg, struct tf__htab **out)
{
	struct bulk k = { .ops = ops, .fn.keep = keep, .arg = arg };
	int rc;

	if ((rc = tf__htab_derive(t, bulk_keep, &k.d)) == 0)
		*out = k.d.out;
	return rc;
}

int
tf__hbulk_map(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_transform_fn *fn, void *arg, struct tf__htab **out)
{
	struct bulk k = { .ops = ops, .fn.transform = fn, .arg = arg };
	int rc;

	if ((rc = tf__htab_derive(t, bulk_transform, &k.d)) == 0)
		*out = k.d.out;
	return rc;
}

int
tf__hbulk_reduce(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_reduce_fn *fn, void *init, void *arg, void **result)
{
	struct bulk k = {
		.ops = ops, .fn.reduce = fn, .arg = arg, .acc = init,
	};
	int rc;

	if ((rc = tf__htab_walk(t, bulk_reduce, &k)) == 0)
		*result = k.acc;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Writes.                                                            */
/* ------------------------------------------------------------------ */

/* What a write changed, to finish once the lock is released. */
struct outcome {
	struct gone *gone;              /* what to free later, or NULL */
	const void *gone_key;           /* the key removed, if removed */
	bool removed;                   /* the write removed the key */
	const void *kept;               /* the key the table holds, or NULL */
	struct tf__htable *old;         /* an array replaced, or NULL */
	bool changed;                   /* the write changed the table */
};

/* A write in progress, under its shard's lock. */
struct writing {
	struct tf__htab *t;
	struct tf__hshard *s;
	uint64_t h;
	struct tf__hwrite *w;
	struct outcome o;
};

/* Ask w's decide about key (in slot sl, or absent): its action, *value. */
static inline int
decide(struct writing *c, const struct tf__hslot *sl, void **value)
{
	struct walk wk;
	int act;

	*value = sl != NULL ? sl->value : NULL;
	c->w->present = sl != NULL;
	c->w->old = *value;
	wk.t = c->t;
	wk.up = walks;
	walks = &wk;
	act = c->w->decide(c->w->key, value, sl != NULL, c->w->arg);
	walks = wk.up;
	return act;
}

/* Rebuild s for n entries and publish it (the old array in o.old). */
static bool
rebuild(struct writing *c, uint64_t n)
{
	struct tf__htable *tb = table_rebuilt(c->t, c->s, n);

	if (tb == NULL)
		return false;
	c->o.old = table_publish(c->s, tb);
	return true;
}

/* Replace sl's value: the old one, if the table owns it, freed later. */
static int
do_replace(struct writing *c, struct tf__hslot *sl, void *value)
{
	c->o.kept = sl->key;
	if (value == sl->value)
		return 0;
	if (!c->w->take && c->t->ops.free_value != NULL) {
		if ((c->o.gone = gone_new()) == NULL)
			return ENOMEM;
		*c->o.gone = (struct gone){
			.free_value = c->t->ops.free_value, .value = sl->value,
		};
	}
	slot_set(sl, value);
	c->o.changed = true;
	return 0;
}

/*
 * Insert the write's key with value in room (found in s->t).  An EMPTY
 * room that would fill the array past max_used rebuilds it first; out
 * of memory then, the insert goes on while an EMPTY slot stays, else
 * ENOMEM.
 */
static int
do_insert(struct writing *c, struct tf__hslot *room, void *value)
{
	struct tf__hshard *s = c->s;
	bool fresh = meta_tag(room->meta) == TAG_EMPTY;

	/* A rebuilt array has no tombstones: the room there is EMPTY too. */
	if (fresh && s->used + 1 > max_used(s->t->mask)) {
		if (rebuild(c, s->count + 1))
			room = empty_slot(s->t, c->h);
		else if (s->used + 1 > s->t->mask)
			return ENOMEM;
	}
	slot_fill(room, tag_of(c->h), c->w->key, value);
	s->used += fresh;
	ck_pr_store_64(&s->count, s->count + 1);
	s->peak = TF_MAX(s->peak, s->count);
	c->o.kept = c->w->key;
	c->o.changed = true;
	return 0;
}

/*
 * Make sl (of c's shard, locked) a tombstone or a dead slot (tag), and
 * rebuild the shard small if it has shrunk enough (no memory: it tries
 * again on a later removal).
 */
static void
unlink_slot(struct writing *c, struct tf__hslot *sl, uint32_t tag)
{
	struct tf__hshard *s = c->s;

	slot_kill(sl, tag);
	ck_pr_store_64(&s->count, s->count - 1);
	if (s->peak >= SHRINK_MIN && s->count * SHRINK_RATIO <= s->peak)
		(void)rebuild(c, s->count);
}

/* Remove sl: what the table owns of it is freed later. */
static void
do_remove(struct writing *c, struct tf__hslot *sl)
{
	const struct tf__htab *t = c->t;
	struct tf__hshard *s = c->s;
	void (*free_value)(void *) = c->w->take ? NULL : t->ops.free_value;
	uint32_t tag = TAG_TOMB;

	c->o.gone_key = sl->key;
	c->o.removed = true;
	if (t->ops.free_key != NULL || free_value != NULL) {
		if ((c->o.gone = gone_new()) != NULL) {
			*c->o.gone = (struct gone){
				.free_key = t->ops.free_key,
				.free_value = free_value,
				.key = (void *)(uintptr_t)sl->key,
				.value = sl->value,
			};
		} else {
			/* No record: the array keeps them till it is freed. */
			tag = free_value != NULL ? TAG_DEAD_KV : TAG_DEAD_K;
			s->t->dead++;
		}
	}
	c->o.changed = true;
	unlink_slot(c, sl, tag);
}

/* Apply decide's action act (value) to the key, in slot sl or absent. */
static int
apply(struct writing *c, int act, void *value, struct tf__hslot *sl,
    struct tf__hslot *room)
{
	if (act > 0)
		return act;
	if (act == TF__HSET)
		return sl != NULL ? do_replace(c, sl, value) :
		    do_insert(c, room, value);
	if (act == TF__HDEL && sl != NULL)
		do_remove(c, sl);
	else
		c->o.kept = sl != NULL ? sl->key : NULL;
	return 0;
}

/* Free what the write gave up, and the caller's key if consumed. */
static void
finish(struct tf__htab *t, struct tf__hwrite *w, const struct outcome *o)
{
	/* A removed key is the table's to free (gone, or a dead slot). */
	if (w->consume && t->ops.free_key != NULL && w->key != o->kept &&
	    (!o->removed || w->key != o->gone_key))
		t->ops.free_key(w->key);
	if (o->gone != NULL)
		tf__epoch_call(&o->gone->ep, gone_free);
	if (o->old != NULL)
		table_retire(o->old, false);
}

/*
 * Lock key's shard, probe once, ask decide, apply its answer; unlock,
 * then hand what the table gave up to the epoch (which may run deferred
 * frees, the ops' among them, right here).  The lock excludes other
 * writers: no epoch section needed.
 */
int
tf__htab_write(struct tf__htab *t, struct tf__hwrite *w)
{
	struct writing c = { .t = t, .w = w };
	struct tf__hslot *sl, *room = NULL;
	void *value;
	int rc;

	if (tf__htab_bad_key(t, w->key))
		return EINVAL;
	if (TF_UNLIKELY(walks != NULL) && walking(t))
		return EDEADLK;
	c.h = hash_of(t, w->key);
	c.s = shard_of(t, c.h);
	if ((rc = write_lock(t, c.s)) != 0)
		return rc;
	sl = table_find(t, c.s->t, c.h, w->key, &room);
	rc = decide(&c, sl, &value);
	rc = apply(&c, rc, value, sl, room);
	if (rc == 0 && c.o.changed)
		ck_pr_store_64(&c.s->weight, c.s->weight + (uint64_t)w->weight);
	tf__unlock(&c.s->lock);
	if (rc == 0)
		finish(t, w, &c.o);
	return rc;
}

/* A live slot of s (locked), from where the last pop found one. */
static struct tf__hslot *
pop_slot(struct tf__hshard *s)
{
	struct tf__htable *tb = s->t;

	/*
	 * The slots before pop_at are likely empty now: scanning them each
	 * time would make emptying a shard by pops quadratic.
	 */
	for (uint64_t n = 0, i = s->pop_at & tb->mask; n <= tb->mask;
	    n++, i = (i + 1) & tb->mask) {
		if (meta_tag(tb->slot[i].meta) >= TAG_LIVE) {
			s->pop_at = i;
			return &tb->slot[i];
		}
	}
	return NULL;
}

int
tf__htab_pop(struct tf__htab *t, void **key, void **value)
{
	static TF_TLS unsigned next;    /* spreads pops over the shards */
	struct writing c = { .t = t };
	unsigned start = next++;
	int rc;

	if (TF_UNLIKELY(walks != NULL) && walking(t))
		return EDEADLK;
	for (unsigned i = 0; i < t->nshards; i++) {
		struct tf__hslot *sl;

		c.s = &t->shards[(start + i) & (t->nshards - 1)];
		if (ck_pr_load_64(&c.s->count) == 0 &&
		    ck_pr_load_uint(&t->state) == TF__HTAB_OPEN)
			continue;
		if ((rc = write_lock(t, c.s)) != 0)
			return rc;
		if ((sl = pop_slot(c.s)) != NULL) {
			*key = (void *)(uintptr_t)sl->key;
			*value = sl->value;
			/* The caller takes key and value: a plain tombstone. */
			unlink_slot(&c, sl, TAG_TOMB);
		}
		tf__unlock(&c.s->lock);
		if (sl != NULL) {
			if (c.o.old != NULL)
				table_retire(c.o.old, false);
			return 0;
		}
	}
	return EAGAIN;
}

/*
 * Clear: new empty arrays first (ENOMEM changes nothing), then every
 * shard locked at once, in order, so that the clear is one step for the
 * writers; then the old arrays are retired, contents and all.
 */
int
tf__htab_clear(struct tf__htab *t)
{
	size_t size = t->nshards * sizeof(struct tf__htable *);
	struct tf__htable **fresh;
	unsigned i, n = t->nshards;
	int rc = 0;

	if (TF_UNLIKELY(walks != NULL) && walking(t))
		return EDEADLK;
	if ((fresh = tf__alloc(size)) == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++)
		if ((fresh[i] = table_new(t, INITIAL_SLOTS)) == NULL)
			break;
	if (i < n)
		rc = ENOMEM;
	for (unsigned j = 0; rc == 0 && j < n; j++)
		tf__lock(&t->shards[j].lock);
	if (rc == 0 && ck_pr_load_uint(&t->state) != TF__HTAB_OPEN)
		rc = EPERM;
	for (unsigned j = 0; i == n && j < n; j++) {
		struct tf__hshard *s = &t->shards[j];

		if (rc == 0) {
			ck_pr_store_64(&s->count, 0);
			ck_pr_store_64(&s->weight, 0);
			fresh[j] = table_publish(s, fresh[j]);
		}
		tf__unlock(&s->lock);
	}
	/* fresh: the old arrays, or on failure the unused new ones. */
	while (i-- > 0) {
		if (rc == 0)
			table_retire(fresh[i], true);
		else
			table_free(fresh[i]);
	}
	tf__free(fresh, size);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reads, freeze, walks.                                              */
/* ------------------------------------------------------------------ */

/* Whether reads may skip the epoch: the table is frozen for good. */
static inline bool
is_frozen(const struct tf__htab *t)
{
	if (ck_pr_load_uint(&t->state) != TF__HTAB_FROZEN)
		return false;
	ck_pr_fence_load(); /* pairs with the fence_store in tf__htab_freeze */
	TF_TSAN_ACQUIRE(&t->state);
	return true;
}

int
tf__htab_get(const struct tf__htab *t, const void *key, void **value)
{
	uint64_t h = hash_of(t, key);
	const struct tf__hshard *s = shard_of(t, h);
	const struct tf__htable *tb;
	int rc;

	if (is_frozen(t))
		return table_get(t, s->t, h, key, value, true);
	tf__epoch_begin();
	/* pairs with the fence_store in table_publish */
	tb = ck_pr_load_ptr(&s->t);
	TF_TSAN_ACQUIRE(tb);
	rc = table_get(t, tb, h, key, value, false);
	tf__epoch_end();
	return rc;
}

uint64_t
tf__htab_count(const struct tf__htab *t)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < t->nshards; i++)
		n += ck_pr_load_64(&t->shards[i].count);
	return n;
}

uint64_t
tf__htab_weight(const struct tf__htab *t)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < t->nshards; i++)
		n += ck_pr_load_64(&t->shards[i].weight);
	return n;
}

int
tf__htab_freeze(struct tf__htab *t)
{
	if (ck_pr_load_uint(&t->state) == TF__HTAB_FROZEN)
		return 0;
	/* A write reads state under its shard's lock (write_lock). */
	(void)ck_pr_cas_uint(&t->state, TF__HTAB_OPEN, TF__HTAB_FREEZING);
	for (unsigned i = 0; i < t->nshards; i++) {
		tf__lock(&t->shards[i].lock);
		tf__unlock(&t->shards[i].lock);
	}
	/*
	 * Every write is done and published; pairs with the fence_load in
	 * is_frozen(): a reader that sees FROZEN sees the arrays as they stay.
	 */
	TF_TSAN_RELEASE(&t->state);
	ck_pr_fence_store();
	ck_pr_store_uint(&t->state, TF__HTAB_FROZEN);
	return 0;
}

bool
tf__htab_frozen(const struct tf__htab *t)
{
	return ck_pr_load_uint(&t->state) != TF__HTAB_OPEN;
}

static int
walk_table(const struct tf__htable *tb, tf__hvisit_fn *fn, void *arg)
{
	int rc = 0;

	for (uint64_t i = 0; rc == 0 && i <= tb->mask; i++) {
		const struct tf__hslot *sl = &tb->slot[i];

		if (meta_tag(sl->meta) >= TAG_LIVE)
			rc = fn((void *)(uintptr_t)sl->key, sl->value, arg);
	}
	return rc;
}

int
tf__htab_walk(struct tf__htab *t, tf__hvisit_fn *fn, void *arg)
{
	bool fast = is_frozen(t);
	struct walk w;
	int rc = 0;

	if (!fast && walking(t))
		return EDEADLK;
	w.t = t;
	w.up = walks;
	walks = &w;
	for (unsigned i = 0; rc == 0 && i < t->nshards; i++) {
		struct tf__hshard *s = &t->shards[i];

		if (!fast)
			tf__lock(&s->lock);
		rc = walk_table(s->t, fn, arg);
		if (!fast)
			tf__unlock(&s->lock);
	}
	walks = w.up;
	return rc;
}

size_t
tf__htab_bytes(const struct tf__htab *t)
{
	size_t n = 0;

	for (unsigned i = 0; i < t->nshards; i++)
		n += sizeof(struct tf__htable) +
		    table_size(t->shards[i].t->mask);
	return n;
}
