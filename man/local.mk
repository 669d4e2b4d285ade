# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# Manual pages: one per public function (or tight family) in man3, the
# overview threadfactory(7), and tf-perf(1).

dist_man3_MANS += man/man3/tf_now.3 man/man3/tf_version.3
dist_man3_MANS += man/man3/tf_pool_create.3 man/man3/tf_pool_shutdown.3 \
	man/man3/tf_pool_wait_idle.3 man/man3/tf_pool_cancel_pending.3 \
	man/man3/tf_submit.3 man/man3/tf_pool_stats.3 \
	man/man3/tf_current_job.3 man/man3/tf_blocking_begin.3
dist_man7_MANS += man/man7/threadfactory.7
dist_man3_MANS += man/man3/tf_job_wait.3 man/man3/tf_job_cancel.3 \
	man/man3/tf_job_release.3 man/man3/tf_token_create.3 \
	man/man3/tf_token_on_cancel.3 man/man3/tf_group_create.3 \
	man/man3/tf_submit_after.3 man/man3/tf_topology_load.3 \
	man/man3/tf_topology_place.3
# Semaphores, latches and events (threadfactory/sync.h).
dist_man3_MANS += man/man3/tf_sem_init.3 man/man3/tf_sem_wait.3 \
	man/man3/tf_sem_post.3 man/man3/tf_latch_init.3 \
	man/man3/tf_event_init.3
# The parallel algorithms (threadfactory/parallel.h).
dist_man3_MANS += man/man3/tf_parallel_for.3 \
	man/man3/tf_parallel_for_range.3 man/man3/tf_parallel_foreach.3 \
	man/man3/tf_parallel_map.3 man/man3/tf_parallel_invoke.3 \
	man/man3/tf_parallel_reduce.3
# The FIFO queue (threadfactory/queue.h).
dist_man3_MANS += man/man3/tf_queue_create.3 man/man3/tf_queue_push.3 \
	man/man3/tf_queue_pop.3 man/man3/tf_queue_close.3
dist_man3_MANS += man/man3/tf_queue_foreach.3
# The sharded buffer (threadfactory/buffer.h).
dist_man3_MANS += man/man3/tf_buffer_create.3 man/man3/tf_buffer_push.3 \
	man/man3/tf_buffer_pop.3 man/man3/tf_buffer_close.3 \
	man/man3/tf_buffer_foreach.3
# The hash map (threadfactory/map.h).
dist_man3_MANS += man/man3/tf_map_create.3 man/man3/tf_map_put.3 \
	man/man3/tf_map_get.3 man/man3/tf_map_remove.3 \
	man/man3/tf_map_freeze.3 man/man3/tf_map_update.3 \
	man/man3/tf_map_pop.3 man/man3/tf_map_read_begin.3 \
	man/man3/tf_map_filter.3
# The hash set and the multiset (threadfactory/set.h, bag.h).
dist_man3_MANS += man/man3/tf_set_create.3 man/man3/tf_set_add.3 \
	man/man3/tf_set_freeze.3 man/man3/tf_set_foreach.3 \
	man/man3/tf_set_union.3 man/man3/tf_set_is_subset.3 \
	man/man3/tf_bag_create.3 man/man3/tf_bag_add.3 \
	man/man3/tf_bag_freeze.3 man/man3/tf_bag_foreach.3
# The unordered collection (threadfactory/collection.h).
dist_man3_MANS += man/man3/tf_collection_create.3 \
	man/man3/tf_collection_put.3 man/man3/tf_collection_take.3 \
	man/man3/tf_collection_foreach.3
# The concurrent vector (threadfactory/list.h).
dist_man3_MANS += man/man3/tf_list_create.3 man/man3/tf_list_append.3 \
	man/man3/tf_list_get.3 man/man3/tf_list_set.3 \
	man/man3/tf_list_slice.3 man/man3/tf_list_freeze.3 \
	man/man3/tf_list_foreach.3
# The LIFO stack (threadfactory/stack.h).
dist_man3_MANS += man/man3/tf_stack_create.3 man/man3/tf_stack_push.3 \
	man/man3/tf_stack_pop.3 man/man3/tf_stack_foreach.3

# Every name a page documents (its .Nm lines) is installed as a link to
# the page, so that "man tf_submit_ex" finds tf_submit(3).
install-data-hook: install-man-links
uninstall-hook: uninstall-man-links

tf_man_links = for p in $(dist_man3_MANS); do \
	  f=`basename $$p`; \
	  for n in `sed -n 's/^\.Nm[ 	]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' \
	      $(srcdir)/$$p`; do \
	    test "$$n.3" = "$$f" || echo "$$f $$n.3"; \
	  done; \
	done

install-man-links:
	@$(tf_man_links) | while read f l; do \
	  echo " ln -sf $$f '$(DESTDIR)$(man3dir)/$$l'"; \
	  (cd '$(DESTDIR)$(man3dir)' && rm -f $$l && $(LN_S) $$f $$l) || exit 1; \
	done

uninstall-man-links:
	@$(tf_man_links) | while read f l; do \
	  rm -f '$(DESTDIR)$(man3dir)/'$$l; \
	done

.PHONY: install-man-links uninstall-man-links
dist_man1_MANS += man/man1/tf-perf.1
