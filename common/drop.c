// SPDX-License-Identifier: GPL-2.0-or-later
/* drop.c - names and descriptions of drop reasons */
#include <string.h>

#include "drop.h"

static const char *const names[DROP_MAX] = {
#define DROP_NAME(id, name, desc) [DROP_##id] = name,
	DROP_REASONS(DROP_NAME)
#undef DROP_NAME
};

static const char *const descriptions[DROP_MAX] = {
#define DROP_DESC(id, name, desc) [DROP_##id] = desc,
	DROP_REASONS(DROP_DESC)
#undef DROP_DESC
};

const char *drop_name(enum drop_reason r)
{
	return (unsigned)r < DROP_MAX ? names[r] : "?";
}

const char *drop_describe(enum drop_reason r)
{
	return (unsigned)r < DROP_MAX ? descriptions[r] : "?";
}

int drop_lookup(const char *name)
{
	for (int i = 0; i < DROP_MAX; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}
