// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policies.c - the daemon's policies: from the store (LMDB) into the
 * engine's policy slots, and reloaded when the store's generation moves
 * (main thread only: it is the engine root's writer, daemon/threads.h)
 */
#include <errno.h>
#include <stdio.h>

#include "daemon/daemon.h"
#include "daemon/policies.h"
#include "log.h"
#include "pstore.h"

struct engine_policy *policies_get(struct daemon *d, const char *name,
				   char *errbuf, size_t errlen)
{
	struct engine_policy *ep = engine_policy_get(d->e, name, NULL);
	struct policy *pol;
	int rc;

	if (ep)
		return ep;
	rc = pstore_get(d->store, name, &pol);
	if (rc == -ENOENT) {
		snprintf(errbuf, errlen, "unknown policy '%s' (not in the store %s)",
			 name, d->cfg.policy_store);
		return NULL;
	}
	if (rc) {
		snprintf(errbuf, errlen, "policy '%s': %s", name, pstore_strerror(rc));
		return NULL;
	}
	ep = engine_policy_get(d->e, name, pol);
	if (!ep) {
		policy_free(pol);
		snprintf(errbuf, errlen, "out of memory");
	}
	return ep;
}

void policies_reload(struct daemon *d, bool force)
{
	uint64_t g = pstore_generation(d->store);

	if (!force && g == d->store_gen)
		return;
	d->store_gen = g;
	for (uint32_t i = 0; i < engine_policy_count(d->e); i++) {
		struct engine_policy *ep = engine_policy_at(d->e, i);
		struct policy *pol;
		int rc = pstore_get(d->store, ep->name, &pol);

		if (rc == -ENOENT) {
			warn("policy %s is gone from the store: its bottles are denied everything",
			     ep->name);
			engine_policy_replace(d->e, ep, NULL);
		} else if (rc) {
			err("policy %s: %s; keeping the previous version",
			    ep->name, pstore_strerror(rc));
		} else {
			engine_policy_replace(d->e, ep, pol);
			info("policy %s reloaded (store generation %llu)", ep->name,
			     (unsigned long long)g);
		}
	}
}
