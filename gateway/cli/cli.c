// SPDX-License-Identifier: GPL-2.0-or-later
/* cli.c - what every subcommand shares */
#include <stdarg.h>
#include <stdio.h>

#include "cli/commands.h"

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sentry %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sentry %s --help'.\n", cmd);
	return 2;
}
