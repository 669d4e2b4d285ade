/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/stack.c - the LIFO stack (threadfactory/stack.h).  The
 * layout, the elimination protocol and why there is no ABA are described
 * in containers/stack.h.
 *
 * Memory order: a push publishes its node with a compare-and-swap (a full
 * barrier), on top or in a slot, after writing the node; a pop reaches
 * the node through the load or the compare-and-swap that found it there,
 * with a dependency (or acquire) fence before reading it.  The epoch
 * section that every access to a node sits in keeps the node alive.
 */
#include "internal/common.h"

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/stack.h"

/* How long a party waits in a slot for a partner: pauses. */
#define ELIM_SPINS 64

/* The calling thread's free nodes, and its elimination heuristics. */
struct node_cache {
	struct tf__snode *head;     /* graced or private nodes, by next */
	unsigned n;
	unsigned npending;
	struct tf__snode *pending;  /* popped, not yet retired, by free */
	unsigned spot;              /* the depot slot tried first */
	bool hooked;
	struct tf__thread_hook hook;
	unsigned range;     /* slots picked from: 1 .. TF__STACK_SLOTS */
	uint64_t rng;       /* xorshift state, 0 until first use */
};

static TF_TLS struct node_cache cache;

/*
 * The depot: graced batches of free nodes that any thread's pushes take,
 * one per slot (NULL: empty), each chained by next with its length in
 * its head's depth.
 */
static struct tf__snode *depot[TF__STACK_DEPOT] TF_CACHE_ALIGNED;

TF_TLS bool tf__stack_elim_first;

/* ------------------------------------------------------------------ */
/* Nodes.                                                             */
/* ------------------------------------------------------------------ */

/* The slab that node n was carved from. */
static inline struct tf__sslab *
slab_of(struct tf__snode *n)
{
	return (struct tf__sslab *)((uintptr_t)n & ~(uintptr_t)(TF__STACK_SLAB
	    - 1));
}

/*
 * A new slab of TF__STACK_SLAB_NODES nodes: one for the caller, the rest
 * into the (empty) cache.  NULL when out of memory.
 */
static struct tf__snode *
node_alloc(void)
{
	struct tf__sslab *slab = tf__alloc_aligned(TF__STACK_SLAB,
	    TF__STACK_SLAB);

	if (slab == NULL)
		return NULL;
	slab->live = TF__STACK_SLAB_NODES;
	for (unsigned i = 1; i < TF__STACK_SLAB_NODES; i++) {
		slab->nodes[i].next = cache.head;
		cache.head = &slab->nodes[i];
	}
	cache.n += TF__STACK_SLAB_NODES - 1;
	return &slab->nodes[0];
}

/* Give n back to its slab; the last node back frees the slab. */
static void
node_free(struct tf__snode *n)
{
	struct tf__sslab *slab = slab_of(n);

	/* A full barrier: every use of the slab's nodes comes before. */
	if (ck_pr_faa_uint(&slab->live, UINT_MAX) == 1)
		tf__free_aligned(slab, TF__STACK_SLAB, TF__STACK_SLAB);
}

/* Free the chain from n, linked by next. */
static void
chain_free(struct tf__snode *n)
{
	struct tf__snode *next;

	for (; n != NULL; n = next) {
		next = n->next;
		node_free(n);
	}
}

static void cache_exit(struct tf__thread_hook *hook);

/* Make sure the thread's nodes are given back when it exits. */
static inline void
cache_hook(void)
{
	if (TF_UNLIKELY(!cache.hooked)) {
		/* Re-registered if a reclamation runs after the exit hook. */
		cache.hook.fn = cache_exit;
		tf__thread_on_exit(&cache.hook);
		cache.hooked = true;
	}
}

/* The depot slot to try i-th, from the thread's own start. */
static inline struct tf__snode **
depot_slot(unsigned i)
{
	if (TF_UNLIKELY(cache.spot == 0))
		cache.spot = (unsigned)(((uintptr_t)&cache >> 6) *
		    TF_GOLDEN64 >> 32) | 1;
	return &depot[(cache.spot + i) % TF__STACK_DEPOT];
}

/* Put batch h of k graced nodes in an empty slot: false when none. */
static bool
depot_give(struct tf__snode *h, unsigned k)
{
	struct tf__snode **slot;

	h->depth = k;
	for (unsigned i = 0; i < TF__STACK_DEPOT; i++) {
		slot = depot_slot(i);
		/* A full barrier: the batch is written before it is seen. */
		if (ck_pr_load_ptr(slot) == NULL &&
		    ck_pr_cas_ptr(slot, NULL, h))
			return true;
	}
	return false;
}

/*
 * The callback of a retired batch, headed by the node that embeds e and
 * linked by free: no section can see its nodes any more.  Into the
 * thread's cache when it fits, else into the depot, else freed.
 */
static void
batch_reclaim(ck_epoch_entry_t *e)
{
	struct tf__snode *h = TF_CONTAINER_OF(e, struct tf__snode, entry);
	struct tf__snode *n;
	unsigned k = 1;

	TF_EPOCH_ACQUIRE();
	for (n = h; (n->next = n->free) != NULL; n = n->next)
		k++;
	if (cache.n + k <= TF__STACK_CACHE) {
		cache_hook();
		n->next = cache.head;
		cache.head = h;
		cache.n += k;
	} else if (!depot_give(h, k)) {
		chain_free(h);
	}
}

/* Retire the thread's popped nodes as one batch.  Outside a section. */
static void
pending_flush(void)
{
	struct tf__snode *h = cache.pending;

	if (h == NULL)
		return;
	cache.pending = NULL;
	cache.npending = 0;
	tf__epoch_call(&h->entry, batch_reclaim);
	/* Give the batches retired before a chance to come back. */
	tf__epoch_poll();
}

/*
 * Retire node n, which this thread popped: with the next ones, as a
 * batch.  Sections may still read its next, item and depth, not free.
 */
static inline void
node_retire(struct tf__snode *n)
{
	cache_hook();
	n->free = cache.pending;
	cache.pending = n;
	if (++cache.npending == TF__STACK_BATCH)
		pending_flush();
}

/*
 * Move a batch from the depot into the (empty) cache: false when the
 * depot is empty.  Nothing of a batch is read before the swap that takes
 * it, so a batch that left a slot and came back (ABA) is simply taken,
 * and a node can be freed while in a cache without waiting for anyone.
 */
static bool
depot_take(void)
{
	struct tf__snode **slot, *h;

	for (unsigned i = 0; i < TF__STACK_DEPOT; i++) {
		slot = depot_slot(i);
		if ((h = ck_pr_load_ptr(slot)) == NULL ||
		    !ck_pr_cas_ptr(slot, h, NULL))
			continue;
		/* Pairs with the swap that gave it. */
		ck_pr_fence_load_depends();
		cache_hook();
		cache.head = h;
		cache.n = (unsigned)h->depth;
		return true;
	}
	return false;
}

/* Free the thread's cache. */
static void
cache_free(void)
{
	chain_free(cache.head);
	cache.head = NULL;
	cache.n = 0;
}

void
tf__stack_cache_flush(void)
{
	pending_flush();
	tf__epoch_barrier();
	cache_free();
	while (depot_take())
		cache_free();
}

static void
cache_exit(struct tf__thread_hook *hook)
{
	(void)hook;
	pending_flush();
	cache_free();
	cache.hooked = false;
}

/* A free node: from the cache, the depot, else the allocator. */
static struct tf__snode *
node_get(void)
{
	struct tf__snode *n = cache.head;

	if (TF_LIKELY(n != NULL) || depot_take()) {
		n = cache.head;
		cache.head = n->next;
		cache.n--;
		return n;
	}
	cache_hook();
	return node_alloc();
}

/* Keep n, which no other thread can reach, in the cache, or free it. */
static void
node_put(struct tf__snode *n)
{
	if (cache.n >= TF__STACK_CACHE) {
		node_free(n);
		return;
	}
	cache_hook();
	n->next = cache.head;
	cache.head = n;
	cache.n++;
}

/* ------------------------------------------------------------------ */
/* Elimination.                                                       */
/* ------------------------------------------------------------------ */

/* A slot among the first cache.range ones, at random. */
static struct tf__sslot *
slot_pick(struct tf_stack *s)
{
	uint64_t x = cache.rng;

	if (TF_UNLIKELY(x == 0)) {
		x = ((uint64_t)(uintptr_t)&cache * TF_GOLDEN64) | 1;
		cache.range = 1;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	cache.rng = x;
	return &s->slots[((x * TF_GOLDEN64) >> 32) % cache.range];
}

/* The picked slot was busy: spread over more slots next time. */
static inline void
range_grow(void)
{
	if (cache.range < TF__STACK_SLOTS)
		cache.range++;
}

/* Nobody came: gather in fewer slots next time. */
static inline void
range_shrink(void)
{
	if (cache.range > 1)
		cache.range--;
}

static inline void
slot_hit(struct tf__sslot *slot)
{
	ck_pr_inc_64(&slot->hits);
}

/*
 * Hand n to a pop through the elimination array: true when a pop took it
 * (the push is done), false when nobody came.  In a section.
 */
static bool
eliminate_push(struct tf_stack *s, struct tf__snode *n)
{
	struct tf__sslot *slot = slot_pick(s);
	void *w = ck_pr_load_ptr(&slot->word);
	void *mine = n;

	if ((uintptr_t)w == TF__SLOT_WAIT) {
		/* The node is written: the swap is a full barrier. */
		if (!ck_pr_cas_ptr(&slot->word, w,
		    (void *)((uintptr_t)n | TF__SLOT_GIVE)))
			return false;
		slot_hit(slot);
		return true;
	}
	if ((uintptr_t)w != TF__SLOT_EMPTY ||
	    !ck_pr_cas_ptr(&slot->word, w, mine)) {
		range_grow();
		return false;
	}
	for (unsigned i = 0; i < ELIM_SPINS; i++) {
		ck_pr_stall();
		/* Only a pop takes the offer away; n cannot come back. */
		if (ck_pr_load_ptr(&slot->word) != mine)
			return true;
	}
	if (ck_pr_cas_ptr(&slot->word, mine, NULL)) {
		range_shrink();
		return false;
	}
	return true;
}

/* Take the node given into a slot this pop waits in, and free the slot. */
static struct tf__snode *
take_given(struct tf__sslot *slot, void *w)
{
	TF_ASSERT(((uintptr_t)w & TF__SLOT_GIVE) != 0);
	/* Pairs with the pusher's swap (a full barrier) that gave it. */
	ck_pr_fence_load_depends();
	ck_pr_store_ptr(&slot->word, NULL);
	return (struct tf__snode *)((uintptr_t)w & ~TF__SLOT_GIVE);
}

/*
 * Get a node from a push through the elimination array, or NULL when
 * nobody came.  In a section.
 */
static struct tf__snode *
eliminate_pop(struct tf_stack *s)
{
	struct tf__sslot *slot = slot_pick(s);
	void *w = ck_pr_load_ptr(&slot->word);

	if ((uintptr_t)w != TF__SLOT_EMPTY && (uintptr_t)w != TF__SLOT_WAIT &&
	    ((uintptr_t)w & TF__SLOT_GIVE) == 0) {
		/* An offer; pairs with the pusher's swap that made it. */
		if (!ck_pr_cas_ptr(&slot->word, w, NULL))
			return NULL;
		slot_hit(slot);
		return w;
	}
	if ((uintptr_t)w != TF__SLOT_EMPTY ||
	    !ck_pr_cas_ptr(&slot->word, w, (void *)TF__SLOT_WAIT)) {
		range_grow();
		return NULL;
	}
	for (unsigned i = 0; i < ELIM_SPINS; i++) {
		ck_pr_stall();
		w = ck_pr_load_ptr(&slot->word);
		if ((uintptr_t)w != TF__SLOT_WAIT)
			return take_given(slot, w);
	}
	if (ck_pr_cas_ptr_value(&slot->word, (void *)TF__SLOT_WAIT, NULL, &w)) {
		range_shrink();
		return NULL;
	}
	return take_given(slot, w);
}

uint64_t
tf__stack_eliminated(const tf_stack_t *cs)
{
	struct tf_stack *s = (struct tf_stack *)(uintptr_t)cs;
	uint64_t sum = 0;

	for (unsigned i = 0; i < TF__STACK_SLOTS; i++)
		sum += ck_pr_load_64(&s->slots[i].hits);
	return sum;
}

/* ------------------------------------------------------------------ */
/* Push and pop.                                                      */
/* ------------------------------------------------------------------ */

int
tf_stack_create(tf_stack_t **sp)
{
	struct tf_stack *s;

	if (sp == NULL)
		return EINVAL;
	s = tf__alloc_aligned(sizeof(*s), TF_CACHELINE);
	if (s == NULL)
		return ENOMEM;
	memset(s, 0, sizeof(*s));
	/* Publication of the stack is the caller's (a happens-before). */
	*sp = s;
	return 0;
}

/* The depth of a node on top of top (NULL: the bottom).  In a section. */
static inline size_t
depth_over(struct tf__snode *top)
{
	ck_pr_fence_load_depends();
	return top == NULL ? 1 : top->depth + 1;
}

/* Push node n, whose item is set.  Lock-free. */
static void
push_node(struct tf_stack *s, struct tf__snode *n)
{
	struct tf__snode *top;

	tf__epoch_begin();
	if (TF_UNLIKELY(tf__stack_elim_first) && eliminate_push(s, n))
		goto out;
	top = ck_pr_load_ptr(&s->top);
	for (;;) {
		n->next = top;
		n->depth = depth_over(top);
		/* A full barrier: n is written before it is seen. */
		if (ck_pr_cas_ptr_value(&s->top, top, n, &top))
			break;
		if (eliminate_push(s, n))
			break;
		top = ck_pr_load_ptr(&s->top);
	}
out:
	tf__epoch_end();
}

int
tf_stack_push(tf_stack_t *s, void *item)
{
	struct tf__snode *n;

	if (s == NULL)
		return EINVAL;
	if ((n = node_get()) == NULL)
		return ENOMEM;
	n->item = item;
	push_node(s, n);
	return 0;
}

/* Take the top node, or NULL when empty.  Lock-free. */
static struct tf__snode *
pop_node(struct tf_stack *s)
{
	struct tf__snode *top, *n = NULL;

	tf__epoch_begin();
	if (TF_UNLIKELY(tf__stack_elim_first) &&
	    (n = eliminate_pop(s)) != NULL)
		goto out;
	top = ck_pr_load_ptr(&s->top);
	while (top != NULL) {
		ck_pr_fence_load_depends();
		if (ck_pr_cas_ptr_value(&s->top, top, top->next, &top)) {
			n = top;
			break;
		}
		if ((n = eliminate_pop(s)) != NULL)
			break;
		top = ck_pr_load_ptr(&s->top);
	}
out:
	tf__epoch_end();
	return n;
}

int
tf_stack_pop(tf_stack_t *s, void **item)
{
	struct tf__snode *n;

	if (s == NULL || item == NULL)
		return EINVAL;
	if ((n = pop_node(s)) == NULL)
		return EAGAIN;
	/* The node is this thread's until it is retired. */
	*item = n->item;
	node_retire(n);
	return 0;
}

/* Give back the chain from n down to (not including) stop, unused. */
static void
chain_put(struct tf__snode *n, struct tf__snode *stop)
{
	struct tf__snode *next;

	for (; n != stop; n = next) {
		next = n->next;
		node_put(n);
	}
}

/* Set the depths of the chain top..bottom (k nodes) over base. */
static void
chain_depths(struct tf__snode *top, size_t k, size_t base)
{
	for (struct tf__snode *n = top; k > 0; n = n->next, k--)
		n->depth = base + k;
}

int
tf_stack_push_n(tf_stack_t *s, void *const *items, size_t n)
{
	struct tf__snode *chain = NULL, *bottom = NULL, *node, *top;
	size_t base;

	if (s == NULL || (items == NULL && n > 0))
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if ((node = node_get()) == NULL) {
			chain_put(chain, NULL);
			return ENOMEM;
		}
		node->item = items[i];
		node->next = chain;
		chain = node;
		if (bottom == NULL)
			bottom = node;
	}
	if (bottom == NULL) /* n == 0 */
		return 0;
	tf__epoch_begin();
	top = ck_pr_load_ptr(&s->top);
	for (;;) {
		bottom->next = top;
		base = depth_over(top) - 1;
		chain_depths(chain, n, base);
		/* A full barrier: the chain is written before it is seen. */
		if (ck_pr_cas_ptr_value(&s->top, top, chain, &top))
			break;
	}
	tf__epoch_end();
	return 0;
}

int
tf_stack_pop_n(tf_stack_t *s, void **items, size_t n, size_t *popped)
{
	struct tf__snode *top, *last, *next;
	size_t k = 0;

	if (s == NULL || items == NULL || popped == NULL || n == 0)
		return EINVAL;
	tf__epoch_begin();
	top = ck_pr_load_ptr(&s->top);
	while (top != NULL) {
		/* Nodes do not change while reachable: walk k of them. */
		ck_pr_fence_load_depends();
		for (last = top, k = 1; k < n && last->next != NULL; k++)
			last = last->next;
		if (ck_pr_cas_ptr_value(&s->top, top, last->next, &top))
			break;
	}
	tf__epoch_end();
	if (top == NULL)
		return EAGAIN;
	for (size_t i = 0; i < k; i++, top = next) {
		next = top->next;
		items[i] = top->item;
		node_retire(top);
	}
	*popped = k;
	return 0;
}

int
tf_stack_peek(tf_stack_t *s, void **item)
{
	struct tf__snode *top;

	if (s == NULL || item == NULL)
		return EINVAL;
	tf__epoch_begin();
	top = ck_pr_load_ptr(&s->top);
	ck_pr_fence_load_depends();
	if (top != NULL)
		*item = top->item;
	tf__epoch_end();
	return top != NULL ? 0 : EAGAIN;
}

size_t
tf_stack_size(const tf_stack_t *cs)
{
	struct tf_stack *s = (struct tf_stack *)(uintptr_t)cs;
	struct tf__snode *top;
	size_t n;

	if (s == NULL)
		return 0;
	tf__epoch_begin();
	top = ck_pr_load_ptr(&s->top);
	n = depth_over(top) - 1;
	tf__epoch_end();
	return n;
}

/* ------------------------------------------------------------------ */
/* Walks over a snapshot.                                             */
/* ------------------------------------------------------------------ */

/* The top of a snapshot of s; the caller is in a section. */
static struct tf__snode *
snapshot(struct tf_stack *s)
{
	struct tf__snode *top = ck_pr_load_ptr(&s->top);

	ck_pr_fence_load_depends();
	return top;
}

int
tf_stack_foreach(tf_stack_t *s, tf_visit_fn *fn, void *arg)
{
	int rc = 0;

	if (s == NULL || fn == NULL)
		return EINVAL;
	tf__epoch_begin();
	for (struct tf__snode *n = snapshot(s); n != NULL && rc == 0;
	    n = n->next)
		rc = fn(n->item, arg);
	tf__epoch_end();
	return rc;
}

int
tf_stack_reduce(tf_stack_t *s, tf_reduce_fn *fn, void *init, void *arg,
    void **result)
{
	void *acc = init;

	if (s == NULL || fn == NULL || result == NULL)
		return EINVAL;
	tf__epoch_begin();
	for (struct tf__snode *n = snapshot(s); n != NULL; n = n->next)
		acc = fn(acc, n->item, arg);
	tf__epoch_end();
	*result = acc;
	return 0;
}

/* What a new stack is built of: the kept items, or the images. */
struct build {
	tf_filter_fn *keep;
	tf_transform_fn *map;
	void *arg;
};

/*
 * A new stack of the items of a snapshot of s that b->keep keeps, or of
 * their images by b->map, in the same order: 0, ENOMEM, or map's error.
 */
static int
build(struct tf_stack *s, const struct build *b, tf_stack_t **out)
{
	struct tf__snode *chain = NULL, **link = &chain, *node;
	struct tf_stack *t;
	size_t k = 0;
	void *v;
	int rc;

	if ((rc = tf_stack_create(&t)) != 0)
		return rc;
	tf__epoch_begin();
	for (struct tf__snode *n = snapshot(s); n != NULL; n = n->next) {
		v = n->item;
		if (b->keep != NULL && !b->keep(v, b->arg))
			continue;
		if (b->map != NULL && (rc = b->map(n->item, &v, b->arg)) != 0)
			break;
		if ((node = node_get()) == NULL) {
			rc = ENOMEM;
			break;
		}
		node->item = v;
		*link = node;
		link = &node->next;
		k++;
	}
	tf__epoch_end();
	*link = NULL;
	if (rc != 0) {
		chain_put(chain, NULL);
		tf__free_aligned(t, sizeof(*t), TF_CACHELINE);
		return rc;
	}
	chain_depths(chain, k, 0);
	t->top = chain;
	*out = t;
	return 0;
}

int
tf_stack_filter(tf_stack_t *s, tf_filter_fn *keep, void *arg,
    tf_stack_t **out)
{
	struct build b = { keep, NULL, arg };

	if (s == NULL || keep == NULL || out == NULL)
		return EINVAL;
	return build(s, &b, out);
}

int
tf_stack_map(tf_stack_t *s, tf_transform_fn *fn, void *arg, tf_stack_t **out)
{
	struct build b = { NULL, fn, arg };

	if (s == NULL || fn == NULL || out == NULL)
		return EINVAL;
	return build(s, &b, out);
}

/* ------------------------------------------------------------------ */
/* Destroy.                                                           */
/* ------------------------------------------------------------------ */

void
tf_stack_destroy_with(tf_stack_t *s, void (*free_item)(void *, void *),
    void *ctx)
{
	struct tf__snode *n, *next;

	if (s == NULL)
		return;
	for (n = s->top; n != NULL; n = next) {
		next = n->next;
		if (free_item != NULL)
			free_item(n->item, ctx);
		node_put(n);
	}
	tf__free_aligned(s, sizeof(*s), TF_CACHELINE);
}

void
tf_stack_destroy(tf_stack_t *s)
{
	tf_stack_destroy_with(s, NULL, NULL);
}
