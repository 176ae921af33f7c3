/* SPDX-License-Identifier: GPL-2.0-or-later */
/* version.h - sentry's version: `sentry version` and sentry_build_info */
#ifndef SENTRY_VERSION_H
#define SENTRY_VERSION_H

#define SENTRY_VERSION "0.1.0"

#endif /* SENTRY_VERSION_H */
