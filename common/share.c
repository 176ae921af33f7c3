// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * share.c - per-owner counts of a shared table (see share.h)
 *
 * The victim search scans the owners only when the asker is under its fair
 * share, which each such eviction brings it closer to; a flooding owner is
 * over its share and finds itself without a scan. The owner count is the
 * daemon's bottle table size, hundreds by default.
 */
#include <errno.h>
#include <stdlib.h>

#include "share.h"

size_t share_bytes(uint32_t nowners)
{
	return (size_t)nowners * sizeof(struct share_owner);
}

int share_init(struct share *s, uint32_t capacity, uint32_t nowners)
{
	s->o = NULL;
	if (!nowners || nowners > SHARE_OWNERS_MAX)
		return -EINVAL;
	s->o = calloc(nowners, sizeof(*s->o));
	if (!s->o)
		return -ENOMEM;
	for (uint32_t i = 0; i < nowners; i++)
		s->o[i].head = s->o[i].tail = SHARE_NONE;
	s->capacity = capacity;
	s->nowners = nowners;
	s->active = 0;
	return 0;
}

void share_fini(struct share *s)
{
	free(s->o);
	s->o = NULL;
}

uint32_t share_fair(const struct share *s, uint32_t owner)
{
	uint32_t active = s->active + !s->o[owner].count;
	uint32_t fair = s->capacity / (active ? active : 1);

	return fair ? fair : 1;
}

uint32_t share_victim(const struct share *s, uint32_t owner)
{
	uint32_t best = SHARE_NONE, most = 0;

	if (s->o[owner].count && s->o[owner].count >= share_fair(s, owner))
		return owner;
	for (uint32_t i = 0; i < s->nowners; i++)
		if (s->o[i].count > most) {
			most = s->o[i].count;
			best = i;
		}
	return best;
}
