// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsjob.c - work that enters other network namespaces, on a thread of its own
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "kernel/nsjob.h"

int nsjob_run(void *(*fn)(void *), void *arg, char *err, size_t len)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, fn, arg);

	if (rc) {
		snprintf(err, len, "cannot start a thread: %s", strerror(rc));
		return -rc;
	}
	pthread_join(t, NULL);
	return 0;
}
