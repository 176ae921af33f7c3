/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsjob.h - work that enters other network namespaces, on a thread of its own
 */
#ifndef SENTRY_KERNEL_NSJOB_H
#define SENTRY_KERNEL_NSJOB_H

#include <stddef.h>

/*
 * nsjob_run() - run @fn(@arg) on a new thread and wait for it to end.
 * setns() moves only the thread that calls it, so whatever namespaces @fn
 * enters, the caller stays where it is. @fn reports its own result
 * through @arg.
 * Return: 0, or -errno when the thread could not start (@err says why)
 */
int nsjob_run(void *(*fn)(void *), void *arg, char *err, size_t len);

#endif /* SENTRY_KERNEL_NSJOB_H */
