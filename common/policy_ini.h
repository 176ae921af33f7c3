/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy_ini.h - policy files (INI, libinih) to struct policy and back
 *
 * The file format:
 *
 *   [policy]
 *   name = builds              ; default: the file name without .ini
 *   default = deny             ; deny | allow
 *   private_answers = deny     ; deny | allow
 *   dns_refusal = nxdomain     ; nxdomain | refused: the answer to a denied name
 *   min_ttl = 30               ; seconds, 0..86400
 *   max_ttl = 3600             ; seconds, min_ttl..604800
 *   [allow]                    ; and/or [deny]
 *   domain = PATTERN [PORTS...]
 *   cidr = PREFIX [PORTS...]
 *
 * Keys may repeat in [allow] and [deny]; in [policy] each key may appear
 * once. Any error stops compilation with "FILE:LINE: what was expected";
 * no partial policy is ever returned. libinih limits a line to 198
 * characters; a longer line is an error, not a silent split.
 */
#ifndef SENTRY_POLICY_INI_H
#define SENTRY_POLICY_INI_H

#include <stddef.h>
#include <stdio.h>

#include "policy.h"

#define POLICY_ERR_MAX	512

/*
 * policy_compile_file() - compile the policy file at @path
 * @err:	on failure, "PATH:LINE: message" (POLICY_ERR_MAX bytes)
 * Return: 0 with *@out set (index built), or -errno / -EINVAL with @err.
 */
int policy_compile_file(const char *path, struct policy **out, char *err);

/*
 * policy_compile_text() - compile policy text held in memory
 * @filename:	used in messages and, without ".ini", as the default name
 */
int policy_compile_text(const char *text, size_t len, const char *filename,
			struct policy **out, char *err);

/*
 * policy_write_ini() - write @p as a policy file that compiles back to the
 * same policy (same settings, same rules in the same order)
 * Return: 0 or -errno
 */
int policy_write_ini(const struct policy *p, FILE *f);

#endif /* SENTRY_POLICY_INI_H */
