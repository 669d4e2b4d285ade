/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/htab.c - the sharded hash table under tf_map, tf_set and
 * tf_bag (containers/htab.h says how it works).
 *
 * ck_hs's callbacks take no context, so what they need travels with the
 * objects or the table: the hash callback, which rehashes entries when a
 * slot array grows, finds the ops' hash in the seed of the ck_hs; the key
 * of a compare, always the second argument, is a probe that carries the
 * ops' equal (marked in bit 0), or an entry being put that is known
 * absent (ck_hs_put_unique), which compares unequal to every other.  An
 * entry of a table that owns
 * keys or values also carries the free functions, so that a callback that
 * runs after the container is destroyed needs nothing of it.
 *
 * ck_hs grows its slot arrays itself, through table_alloc/table_free, and
 * frees an old array through the epoch as SPMC mode requires.  An array
 * carries a header with an epoch entry, so that its deferred free needs
 * no allocation and may be asked for inside a read section.  ck_hs never
 * shrinks: a shard whose entries fall to a small part of its peak builds
 * a small ck_hs, moves the entries' pointers into it, publishes it, and
 * retires the old one (shard_shrink).
 *
 * ThreadSanitizer does not see libck's publication of an entry or a table
 * (ck_hs is not instrumented): the writer releases on the object before
 * publishing it and readers acquire on it before reading it.
 */
#include "internal/common.h"

#include <unistd.h>

#include "internal/alloc.h"

#include "containers/htab.h"

/* Shards: 4 per online CPU, a power of two in [MIN_SHARDS, MAX_SHARDS]. */
#define MIN_SHARDS 8
#define MAX_SHARDS 64
#define SHARDS_PER_CPU 4
/* Slots a shard's table starts with (ck_hs rounds up to a power of 2). */
#define INITIAL_SLOTS 8
#define HS_MODE (CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT)
/*
 * A shard whose peak reached SHRINK_MIN entries is rebuilt when its
 * entries fall under peak / SHRINK_RATIO: the removals since the peak
 * pay for the copy.
 */
#define SHRINK_MIN 64
#define SHRINK_RATIO 8

/* The entry of a table that owns keys or values. */
struct owned_entry {
	struct tf__hentry e;
	void (*free_key)(void *);   /* set when unlinked: what to free */
	void (*free_value)(void *);
};

/* In front of each slot array of ck_hs. */
struct slots_hdr {
	ck_epoch_entry_t ep;
	size_t size;
} TF_ALIGNED(16);

/* The walks and decides of tables on this thread, innermost first. */
struct walk {
	const struct tf__htab *t;
	struct walk *up;
};
static TF_TLS struct walk *walks;

static void *
table_alloc(size_t size)
{
	struct slots_hdr *h = tf__alloc(sizeof(*h) + size);

	if (h == NULL)
		return NULL;
	h->size = size;
	return h + 1;
}

static void
slots_free(ck_epoch_entry_t *ep)
{
	struct slots_hdr *h = TF_CONTAINER_OF(ep, struct slots_hdr, ep);

	TF_EPOCH_ACQUIRE();
	tf__free(h, sizeof(*h) + h->size);
}

static void
table_free(void *p, size_t size, bool defer)
{
	struct slots_hdr *h = (struct slots_hdr *)p - 1;

	if (defer)
		tf__epoch_call(&h->ep, slots_free);
	else
		tf__free(h, sizeof(*h) + size);
}

static struct ck_malloc table_allocator = {
	.malloc = table_alloc,
	.free = table_free,
};

/*
 * ck_hs stores pointers it never looks into; without pointer packing (off
 * in Debian's libck) a probe calls hs_compare on every occupied slot it
 * passes, a cache miss into each entry.  So the table stores each entry
 * with 15 bits of its hash in the pointer's top bits, which are zero in
 * user-space addresses of x86-64 and AArch64, and bit 63 set to say so:
 * a probe rejects a slot of another hash without touching the entry (1
 * in 32768 slots of other hashes still costs a look).  An entry whose
 * address uses the top bits is stored as it is, and compared the slow way.
 */
#define TAG_SHIFT 48
#define TAG_BIT (UINT64_C(1) << 63)
#define TAG_ADDR ((UINT64_C(1) << TAG_SHIFT) - 1)

static inline uint64_t
tag_of(uint64_t thash)
{
	return TAG_BIT | ((thash >> (TAG_SHIFT + 1)) << TAG_SHIFT);
}

static inline void *
tagged(struct tf__hentry *e, uint64_t thash)
{
	uint64_t a = (uint64_t)(uintptr_t)e;

	return (a & ~TAG_ADDR) != 0 ? (void *)e :
	    (void *)(uintptr_t)(a | tag_of(thash));
}

/* The key argument of ck_hs's get, apply, remove: a probe, marked. */
static inline const void *
probe_arg(const struct tf__hprobe *p)
{
	return (const void *)((uintptr_t)p | 1);
}

/*
 * The table hash: the ops' hash mixed, rotated by half (probe_of says
 * why).
 */
#define HASH_ROTATE 32

static inline uint64_t
thash_of(uint64_t (*hash)(const void *), const void *key, uint64_t *mixed)
{
	uint64_t h = tf__hash_mix(hash(key));

	if (mixed != NULL)
		*mixed = h;
	return (h << HASH_ROTATE) | (h >> (64 - HASH_ROTATE));
}

static inline struct tf__hentry *
untagged(const void *o)
{
	uint64_t a = (uint64_t)(uintptr_t)o;

	return (struct tf__hentry *)(uintptr_t)((a & TAG_BIT) ? a & TAG_ADDR :
	    a);
}

/* ck_hs_get and ck_hs_next, the entry untagged. */
static inline struct tf__hentry *
hs_get(ck_hs_t *hs, const struct tf__hprobe *p)
{
	return untagged(ck_hs_get(hs, p->thash, probe_arg(p)));
}

static inline bool
hs_next(ck_hs_t *hs, ck_hs_iterator_t *it, struct tf__hentry **e)
{
	void *obj;

	if (!ck_hs_next(hs, it, &obj))
		return false;
	*e = untagged(obj);
	return true;
}

/* seed: the ops' hash (table_new). */
static unsigned long
hs_hash(const void *object, unsigned long seed)
{
	TF_TSAN_ACQUIRE(untagged(object)); /* pairs with entry_new's release */
	return (unsigned long)thash_of((uint64_t (*)(const void *))seed,
	    untagged(object)->key, NULL);
}

/*
 * stored: an entry of the table (tagged); key: a probe (bit 0 set), or
 * an entry that ck_hs_put_unique puts, whose key is absent.
 */
static bool
hs_compare(const void *stored, const void *key)
{
	const struct tf__hprobe *k;
	const struct tf__hentry *s;
	uint64_t a = (uint64_t)(uintptr_t)stored;

	if (!((uintptr_t)key & 1))
		return false;
	k = (const struct tf__hprobe *)((uintptr_t)key - 1);
	if ((a & TAG_BIT) && (a & ~TAG_ADDR) != tag_of(k->thash))
		return false;
	s = untagged(stored);
	TF_TSAN_ACQUIRE(s); /* pairs with the release in entry_new */
	/* tf_hash_u64's keys compare inline, without an indirect call. */
	if (k->equal == tf__hash_u64_equal)
		return s->key == k->key;
	return k->equal(s->key, k->key);
}

static struct tf__htable *
table_new(const struct tf__htab *t, unsigned long slots)
{
	struct tf__htable *tb = tf__alloc(sizeof(*tb));

	if (tb == NULL)
		return NULL;
	if (!ck_hs_init(&tb->hs, HS_MODE, hs_hash, hs_compare,
	    &table_allocator, slots, (unsigned long)(uintptr_t)t->ops.hash)) {
		tf__free(tb, sizeof(*tb));
		return NULL;
	}
	TF_TSAN_RELEASE(tb); /* pairs with the acquire in tf__htab_find */
	return tb;
}

static void
table_destroy(struct tf__htable *tb)
{
	ck_hs_destroy(&tb->hs);
	tf__free(tb, sizeof(*tb));
}

static void
table_destroy_cb(ck_epoch_entry_t *ep)
{
	TF_EPOCH_ACQUIRE();
	table_destroy(TF_CONTAINER_OF(ep, struct tf__htable, ep));
}

/*
 * The probe for key, and its shard.  The shard's bits, the top of the
 * mixed hash, are the same for every key of a shard: the table hash is
 * the mixed hash rotated by half, which puts them in the middle, away
 * from the low bits (ck_hs's slot index) and the top ones (which it packs
 * into the slot's pointer to skip most compares).  A rotation that left
 * them at the bottom would start every probe at the same slot of a cache
 * line.
 */
static inline struct tf__hshard *
probe_of(const struct tf__htab *t, const void *key, struct tf__hprobe *p)
{
	uint64_t h;

	p->thash = thash_of(t->ops.hash, key, &h);
	p->key = key;
	p->equal = t->ops.equal;
	return &t->shards[h >> t->shift];
}

static inline size_t
entry_size(const struct tf__htab *t)
{
	return t->owns ? sizeof(struct owned_entry) : sizeof(struct tf__hentry);
}

static struct tf__hentry *
entry_new(const struct tf__htab *t, void *key, void *value)
{
	struct tf__hentry *e = tf__alloc(entry_size(t));

	if (e == NULL)
		return NULL;
	e->key = key;
	e->value = value;
	TF_TSAN_RELEASE(e); /* pairs with the acquires in hs_compare, find */
	return e;
}

static void
entry_free_plain(ck_epoch_entry_t *ep)
{
	TF_EPOCH_ACQUIRE();
	tf__free(TF_CONTAINER_OF(ep, struct tf__hentry, ep),
	    sizeof(struct tf__hentry));
}

static void
entry_free_owned(ck_epoch_entry_t *ep)
{
	struct owned_entry *o = TF_CONTAINER_OF(ep, struct owned_entry, e.ep);

	TF_EPOCH_ACQUIRE();
	if (o->free_key != NULL)
		o->free_key((void *)(uintptr_t)o->e.key);
	if (o->free_value != NULL)
		o->free_value(o->e.value);
	tf__free(o, sizeof(*o));
}

/*
 * A replaced value the table owns, freed through the epoch: a replace
 * stores the new value in the entry in place (value_set), so the old one
 * needs an epoch entry of its own.  It carries the free function, like an
 * owned entry, so that its callback needs nothing of the container.
 */
struct old_value {
	ck_epoch_entry_t ep;
	void (*free_value)(void *);
	void *value;
};

static struct old_value *
old_value_new(const struct tf__htab *t, void *value)
{
	struct old_value *v = tf__alloc(sizeof(*v));

	if (v != NULL) {
		v->free_value = t->ops.free_value;
		v->value = value;
	}
	return v;
}

static void
old_value_free(ck_epoch_entry_t *ep)
{
	struct old_value *v = TF_CONTAINER_OF(ep, struct old_value, ep);

	TF_EPOCH_ACQUIRE();
	v->free_value(v->value);
	tf__free(v, sizeof(*v));
}

/* Store e's new value, under its shard's lock: tf__hentry_value reads it. */
static inline void
value_set(struct tf__hentry *e, void *value)
{
	TF_TSAN_RELEASE(&e->value); /* pairs with tf__hentry_value's acquire */
	ck_pr_fence_store(); /* pairs with the fence_load in tf__hentry_value */
	ck_pr_store_ptr(&e->value, value);
}

/*
 * Free e once no reader can see it, with its key and value if the table
 * owns them and free_key / free_value say so.  Called outside the lock:
 * the epoch may run deferred frees, the ops' among them, right here.
 */
static void
entry_retire(const struct tf__htab *t, struct tf__hentry *e, bool free_key,
    bool free_value)
{
	struct owned_entry *o;

	if (!t->owns) {
		tf__epoch_call(&e->ep, entry_free_plain);
		return;
	}
	o = TF_CONTAINER_OF(e, struct owned_entry, e);
	o->free_key = free_key ? t->ops.free_key : NULL;
	o->free_value = free_value ? t->ops.free_value : NULL;
	tf__epoch_call(&e->ep, entry_free_owned);
}

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
	t->owns = ops->free_key != NULL || ops->free_value != NULL;
	t->shards = tf__alloc_aligned(t->nshards * sizeof(struct tf__hshard),
	    TF_CACHELINE);
	if (t->shards == NULL)
		return ENOMEM;
	for (i = 0; i < t->nshards; i++) {
		struct tf__hshard *s = &t->shards[i];

		tf__lock_init(&s->lock);
		s->count = s->weight = s->peak = 0;
		s->pop_at = 0;
		s->flat = NULL;
		if ((s->t = table_new(t, INITIAL_SLOTS)) == NULL)
			break;
	}
	if (i == t->nshards)
		return 0;
	while (i-- > 0)
		table_destroy(t->shards[i].t);
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

/* Free every entry of tb now, with what t owns, and tb. */
static void
table_fini(const struct tf__htab *t, struct tf__htable *tb)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	struct tf__hentry *e;

	while (hs_next(&tb->hs, &it, &e)) {
		if (t->ops.free_key != NULL)
			t->ops.free_key((void *)(uintptr_t)e->key);
		if (t->ops.free_value != NULL)
			t->ops.free_value(e->value);
		tf__free(e, entry_size(t));
	}
	table_destroy(tb);
}

/*
 * A frozen shard laid out for reads.  A get in the shard's ck_hs costs
 * two cache misses (the slot, then the entry it points to); once nothing
 * changes any more, freeze copies each shard's keys and values into an
 * open-addressing array of {hash, key, value} probed linearly, so that a
 * frozen get usually costs one.  thash | 1 marks a used slot (0: empty).
 * Built by the thread that froze the table, each published whole (a
 * reader finds NULL, and the shard's ck_hs, until then); freed by fini.
 * Out of memory, freeze goes on without them: reads use ck_hs.
 */
struct tf__hflat_slot {
	uint64_t thash;
	const void *key;
	void *value;
};

struct tf__hflat {
	uint64_t mask;
	struct tf__hflat_slot slot[];
};

static size_t
flat_size(uint64_t mask)
{
	return sizeof(struct tf__hflat) + (mask + 1) *
	    sizeof(struct tf__hflat_slot);
}

static struct tf__hflat *
flat_new(const struct tf__htab *t, const struct tf__hshard *s)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	struct tf__hflat *f;
	struct tf__hentry *e;
	uint64_t n = 8;

	while (n < 2 * s->count)
		n <<= 1;
	if ((f = tf__alloc_zero(flat_size(n - 1))) == NULL)
		return NULL;
	f->mask = n - 1;
	while (hs_next(&s->t->hs, &it, &e)) {
		uint64_t h = thash_of(t->ops.hash, e->key, NULL);
		uint64_t i = h & f->mask;

		while (f->slot[i].thash != 0)
			i = (i + 1) & f->mask;
		f->slot[i] = (struct tf__hflat_slot){ h | 1, e->key,
			tf__hentry_value(e) };
	}
	return f;
}

static void
flats_free(struct tf__htab *t)
{
	for (unsigned i = 0; i < t->nshards; i++) {
		struct tf__hflat *f = t->shards[i].flat;

		if (f != NULL)
			tf__free(f, flat_size(f->mask));
		t->shards[i].flat = NULL;
	}
}

/*
 * Every shard's read table; out of memory, the shards done so far keep
 * theirs (a reader may be using one already, if a second freeze let the
 * table be seen frozen early) and the others go without.
 */
static void
flats_build(struct tf__htab *t)
{
	for (unsigned i = 0; i < t->nshards; i++) {
		struct tf__hflat *f = flat_new(t, &t->shards[i]);

		if (f == NULL)
			return;
		TF_TSAN_RELEASE(f); /* pairs with the acquire in flat_get */
		ck_pr_fence_store();
		ck_pr_store_ptr(&t->shards[i].flat, f);
	}
}

/* A frozen get: 0, ENOENT, or -1 when the shard has no read table. */
static int
flat_get(const struct tf__htab *t, const void *key, void **value)
{
	struct tf__hprobe p;
	const struct tf__hshard *s = probe_of(t, key, &p);
	const struct tf__hflat *f = ck_pr_load_ptr(&s->flat);
	uint64_t want = p.thash | 1, i;

	if (f == NULL)
		return -1;
	TF_TSAN_ACQUIRE(f);
	for (i = p.thash & f->mask; f->slot[i].thash != 0;
	    i = (i + 1) & f->mask)
		if (f->slot[i].thash == want &&
		    p.equal(f->slot[i].key, key)) {
			*value = f->slot[i].value;
			return 0;
		}
	return ENOENT;
}

void
tf__htab_fini(struct tf__htab *t)
{
	flats_free(t);
	for (unsigned i = 0; i < t->nshards; i++)
		table_fini(t, t->shards[i].t);
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

/*
 * Rebuild s (locked) small if it has shrunk enough.  Returns the table
 * replaced, to retire once unlocked, or NULL (no need, or no memory: the
 * shard keeps its big table and tries again on a later removal).
 */
static struct tf__htable *
shard_shrink(const struct tf__htab *t, struct tf__hshard *s)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	struct tf__htable *old = s->t, *n;
	struct tf__hentry *e;

	if (s->peak < SHRINK_MIN || s->count * SHRINK_RATIO > s->peak)
		return NULL;
	n = table_new(t, TF_MAX((unsigned long)INITIAL_SLOTS,
	    (unsigned long)s->count * 2));
	if (n == NULL)
		return NULL;
	while (hs_next(&old->hs, &it, &e)) {
		uint64_t h = thash_of(t->ops.hash, e->key, NULL);

		if (!ck_hs_put_unique(&n->hs, h, tagged(e, h))) {
			table_destroy(n);
			return NULL;
		}
	}
	/* n's slots are written: pairs with the load in tf__htab_find. */
	ck_pr_fence_store();
	ck_pr_store_ptr(&s->t, n);
	s->peak = s->count;
	return old;
}

/* What a write changed, to finish once the lock is released. */
struct outcome {
	struct tf__hentry *made;        /* the entry inserted, or NULL */
	struct tf__hentry *gone;        /* unlinked entry, or NULL */
	struct old_value *replaced;     /* a replaced value to free, or NULL */
	bool changed;                   /* the write changed the table */
	bool free_key, free_value;      /* of gone */
	const void *kept;               /* the key the table holds, or NULL */
	struct tf__htable *shrunk;      /* replaced table, or NULL */
};

/* A write in progress, under its shard's lock. */
struct writing {
	struct tf__htab *t;
	struct tf__hshard *s;
	const struct tf__hprobe *p;
	struct tf__hwrite *w;
	struct outcome o;
	int rc;
};

/* Ask w's decide about key (entry e or NULL): its action, *value. */
static inline int
decide(struct writing *c, struct tf__hentry *e, void **value)
{
	struct walk wk;
	int act;

	*value = e != NULL ? tf__hentry_value(e) : NULL;
	c->w->present = e != NULL;
	c->w->old = *value;
	wk.t = c->t;
	wk.up = walks;
	walks = &wk;
	act = c->w->decide(c->w->key, value, e != NULL, c->w->arg);
	walks = wk.up;
	return act;
}

/*
 * Prepare decide's action act on key (entry e or NULL): a replace is
 * done here, in place; an insert makes its entry (o.made) and a delete
 * names its entry (o.gone), for the caller to link or unlink.
 */
static inline int
prepare(struct writing *c, int act, void *value, struct tf__hentry *e)
{
	struct outcome *o = &c->o;

	if (act > 0)
		return act;
	if (act == TF__HSET && e != NULL) {
		o->kept = e->key;
		if (value != tf__hentry_value(e)) {
			/* The old value is the table's to free: say how first. */
			if (!c->w->take && c->t->ops.free_value != NULL &&
			    (o->replaced = old_value_new(c->t,
			    tf__hentry_value(e))) == NULL)
				return ENOMEM;
			value_set(e, value);
		}
	} else if (act == TF__HSET) {
		o->made = entry_new(c->t, c->w->key, value);
		if (o->made == NULL)
			return ENOMEM;
		o->kept = o->made->key;
	} else if (act == TF__HDEL && e != NULL) {
		o->gone = e;
		o->free_key = true;
		o->free_value = !c->w->take;
	} else {
		o->kept = e != NULL ? e->key : NULL;
		return 0;
	}
	o->changed = true;
	return 0;
}

/* ck_hs_apply's callback: what the key's slot (obj) holds next. */
static void *
write_apply(void *obj, void *cl)
{
	struct writing *c = cl;
	struct tf__hentry *e = obj != NULL ? untagged(obj) : NULL;
	void *value;
	int act = decide(c, e, &value);

	if ((c->rc = prepare(c, act, value, e)) != 0)
		return obj;
	if (c->o.made != NULL)
		return tagged(c->o.made, c->p->thash);
	return c->o.gone != NULL ? NULL : obj;
}

/*
 * The write the slow way, when ck_hs_apply could not make room for the
 * probe (no memory for a larger slot array) and ran nothing: find, then
 * decide, then put or remove.
 */
static void
write_slow(struct writing *c)
{
	ck_hs_t *hs = &c->s->t->hs;
	struct tf__hentry *e = hs_get(hs, c->p);
	void *value;
	int act = decide(c, e, &value);

	if ((c->rc = prepare(c, act, value, e)) != 0)
		return;
	if (c->o.made != NULL &&
	    !ck_hs_put_unique(hs, c->p->thash, tagged(c->o.made,
	    c->p->thash))) {
		tf__free(c->o.made, entry_size(c->t));
		c->o.made = NULL;
		c->rc = ENOMEM;
	} else if (c->o.gone != NULL) {
		(void)ck_hs_remove(hs, c->p->thash, probe_arg(c->p));
	}
}

/* Count what the write changed in s (locked). */
static void
account(const struct tf__htab *t, struct tf__hshard *s,
    const struct tf__hwrite *w, struct outcome *o)
{
	if (o->made != NULL) {
		ck_pr_store_64(&s->count, s->count + 1);
		s->peak = TF_MAX(s->peak, s->count);
	} else if (o->gone != NULL) {
		ck_pr_store_64(&s->count, s->count - 1);
		o->shrunk = shard_shrink(t, s);
	}
	if (o->changed)
		ck_pr_store_64(&s->weight, s->weight + (uint64_t)w->weight);
}

/* Free what the write unlinked, and the caller's key if consumed. */
static void
finish(struct tf__htab *t, struct tf__hwrite *w, const struct outcome *o)
{
	/* o->gone may be freed as soon as it is retired: read it before. */
	if (w->consume && t->ops.free_key != NULL && w->key != o->kept &&
	    (o->gone == NULL || !o->free_key || w->key != o->gone->key))
		t->ops.free_key(w->key);
	if (o->gone != NULL)
		entry_retire(t, o->gone, o->free_key, o->free_value);
	if (o->replaced != NULL)
		tf__epoch_call(&o->replaced->ep, old_value_free);
	if (o->shrunk != NULL)
		tf__epoch_call(&o->shrunk->ep, table_destroy_cb);
}

/*
 * One probe: ck_hs_apply finds the key's slot and runs decide on what it
 * holds, and the callback's answer is stored in the same slot.
 */
int
tf__htab_write(struct tf__htab *t, struct tf__hwrite *w)
{
	struct tf__hprobe p;
	struct writing c = { .t = t, .p = &p, .w = w };

	if (tf__htab_bad_key(t, w->key))
		return EINVAL;
	if (TF_UNLIKELY(walks != NULL) && walking(t))
		return EDEADLK;
	c.s = probe_of(t, w->key, &p);
	if ((c.rc = write_lock(t, c.s)) != 0)
		return c.rc;
	/* The lock excludes other writers: no epoch section needed. */
	if (!ck_hs_apply(&c.s->t->hs, p.thash, probe_arg(&p), write_apply, &c))
		write_slow(&c);
	if (c.rc == 0)
		account(t, c.s, w, &c.o);
	tf__unlock(&c.s->lock);
	if (c.rc == 0)
		finish(t, w, &c.o);
	return c.rc;
}

int
tf__htab_pop(struct tf__htab *t, void **key, void **value)
{
	static TF_TLS unsigned next;    /* spreads pops over the shards */
	struct tf__htable *shrunk = NULL;
	struct tf__hentry *e = NULL;
	unsigned start = next++;
	int rc;

	if (TF_UNLIKELY(walks != NULL) && walking(t))
		return EDEADLK;
	for (unsigned i = 0; e == NULL && i < t->nshards; i++) {
		struct tf__hshard *s = &t->shards[(start + i) & (t->nshards - 1)];
		ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
		struct tf__hprobe p;

		if (ck_pr_load_64(&s->count) == 0 &&
		    ck_pr_load_uint(&t->state) == TF__HTAB_OPEN)
			continue;
		if ((rc = write_lock(t, s)) != 0)
			return rc;
		/*
		 * Start where the last pop found an entry: the slots before it
		 * are likely empty now, and scanning them each time would make
		 * emptying a shard by pops quadratic.
		 */
		it.offset = s->pop_at;
		if (hs_next(&s->t->hs, &it, &e) ||
		    (it.offset = 0, hs_next(&s->t->hs, &it, &e))) {
			s->pop_at = it.offset - 1;
			(void)probe_of(t, e->key, &p);
			(void)ck_hs_remove(&s->t->hs, p.thash, probe_arg(&p));
			ck_pr_store_64(&s->count, s->count - 1);
			shrunk = shard_shrink(t, s);
		}
		tf__unlock(&s->lock);
	}
	if (e == NULL)
		return EAGAIN;
	*key = (void *)(uintptr_t)e->key;
	*value = tf__hentry_value(e);
	entry_retire(t, e, false, false);
	if (shrunk != NULL)
		tf__epoch_call(&shrunk->ep, table_destroy_cb);
	return 0;
}

/* Retire every entry of tb (no writer has it any more), then tb. */
static void
table_retire(const struct tf__htab *t, struct tf__htable *tb)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	struct tf__hentry *e;

	while (hs_next(&tb->hs, &it, &e))
		entry_retire(t, e, true, true);
	tf__epoch_call(&tb->ep, table_destroy_cb);
}

/*
 * Clear: new empty tables first (ENOMEM changes nothing), then every
 * shard locked at once, in order, so that the clear is one step for the
 * writers; then the old tables are retired, entries and all.
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
		struct tf__htable *old = s->t;

		if (rc == 0) {
			ck_pr_fence_store(); /* pairs with tf__htab_find's load */
			ck_pr_store_ptr(&s->t, fresh[j]);
			ck_pr_store_64(&s->count, 0);
			ck_pr_store_64(&s->weight, 0);
			s->peak = 0;
			fresh[j] = old;
		}
		tf__unlock(&s->lock);
	}
	/* fresh: the old tables, or on failure the unused new ones. */
	while (i-- > 0) {
		if (rc == 0)
			table_retire(t, fresh[i]);
		else
			table_destroy(fresh[i]);
	}
	tf__free(fresh, size);
	return rc;
}

/* Whether reads may skip the epoch: the table is frozen for good. */
static inline bool
is_frozen(const struct tf__htab *t)
{
	if (ck_pr_load_uint(&t->state) != TF__HTAB_FROZEN)
		return false;
	ck_pr_fence_load(); /* pairs with the fence_store in tf__htab_freeze */
	return true;
}

bool
tf__htab_read_begin(const struct tf__htab *t)
{
	bool frozen = is_frozen(t);

	if (!frozen)
		tf__epoch_begin();
	return frozen;
}

void
tf__htab_read_end(const struct tf__htab *t, bool frozen)
{
	(void)t;
	if (!frozen)
		tf__epoch_end();
}

struct tf__hentry *
tf__htab_find(const struct tf__htab *t, const void *key)
{
	struct tf__hprobe p;
	struct tf__hshard *s = probe_of(t, key, &p);
	/* pairs with the fence_store before a table is published */
	struct tf__htable *tb = ck_pr_load_ptr(&s->t);
	struct tf__hentry *e;

	TF_TSAN_ACQUIRE(tb); /* pairs with the release in table_new */
	e = hs_get(&tb->hs, &p);
	if (e != NULL)
		TF_TSAN_ACQUIRE(e); /* pairs with the release in entry_new */
	return e;
}

int
tf__htab_get(const struct tf__htab *t, const void *key, void **value)
{
	bool frozen = tf__htab_read_begin(t);
	struct tf__hentry *e;
	int rc;

	if (frozen && (rc = flat_get(t, key, value)) >= 0)
		return rc;
	e = tf__htab_find(t, key);

	if (e != NULL)
		*value = tf__hentry_value(e);
	tf__htab_read_end(t, frozen);
	return e != NULL ? 0 : ENOENT;
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
	bool mine;

	if (ck_pr_load_uint(&t->state) == TF__HTAB_FROZEN)
		return 0;
	/* A write reads state under its shard's lock (write_lock). */
	mine = ck_pr_cas_uint(&t->state, TF__HTAB_OPEN, TF__HTAB_FREEZING);
	for (unsigned i = 0; i < t->nshards; i++) {
		tf__lock(&t->shards[i].lock);
		tf__unlock(&t->shards[i].lock);
	}
	/* Nothing changes now: the freezer lays the shards out for reads. */
	if (mine)
		flats_build(t);
	/*
	 * Every write is done and published; pairs with the fence_load in
	 * is_frozen(): a reader that sees FROZEN sees the tables as they stay.
	 */
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
walk_table(struct tf__htable *tb, tf__hvisit_fn *fn, void *arg)
{
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	struct tf__hentry *e;
	int rc = 0;

	while (rc == 0 && hs_next(&tb->hs, &it, &e)) {
		TF_TSAN_ACQUIRE(e); /* pairs with the release in entry_new */
		rc = fn((void *)(uintptr_t)e->key, tf__hentry_value(e), arg);
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

	for (unsigned i = 0; i < t->nshards; i++) {
		const struct slots_hdr *h =
		    (const struct slots_hdr *)(void *)t->shards[i].t->hs.map - 1;

		n += h->size;
	}
	return n;
}
