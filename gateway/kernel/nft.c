// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft.c - sentry's own nftables table, through libnftables
 *
 * libnftables parses the same text `nft -f` does and sends it as one
 * netlink batch, so a ruleset is applied whole or not at all. Its errors
 * come as text written for a terminal (the command, a line of carets,
 * "Error: ..."): we keep the "Error:" lines, joined on one line, and guess
 * the errno from the strerror() text the kernel's answer was turned into.
 *
 * Caveat: without CAP_NET_ADMIN, libnftables itself prints "Operation not
 * permitted (you must be root)" to the process's stderr, buffering or not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "kernel/netcfg.h"

bool nft_name_valid(const char *name, size_t max)
{
	size_t i;

	if (!name || !*name)
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     c == '_';
		bool more = (c >= '0' && c <= '9') || c == '-';

		if (i + 1 >= max || !(alpha || (i && more)))
			return false;
	}
	return true;
}

/* errno values nft reports in words, most specific first */
static const int known_errnos[] = {
	EPERM, EACCES, ENOENT, EEXIST, EOPNOTSUPP, EAFNOSUPPORT, EPROTONOSUPPORT,
	ENOMEM, ENOBUFS, EBUSY, ENOSPC, E2BIG,
};

static int guess_errno(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof(known_errnos) / sizeof(known_errnos[0]); i++)
		if (strstr(text, strerror(known_errnos[i])))
			return -known_errnos[i];
	return -EINVAL;
}

/* Copy the "Error: ..." lines of @text into @err, joined by "; " */
static void error_lines(const char *text, char *err, size_t len)
{
	size_t used = 0;
	const char *p, *nl;

	if (!len)
		return;
	err[0] = '\0';
	for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
		size_t n;
		int w;

		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		/* "Error: ...", or "netlink: Error: ..." from the kernel side */
		if (!memmem(p, n, "Error:", 6))
			continue;
		w = snprintf(err + used, len - used, "%s%.*s",
			     used ? "; " : "", (int)n, p);
		if (w < 0 || (size_t)w >= len - used)
			return;		/* truncated, still NUL-terminated */
		used += (size_t)w;
	}
	if (!used)	/* nothing recognisable: keep nft's first line */
		snprintf(err, len, "%.*s", (int)strcspn(text, "\n"), text);
}

int nft_apply(const char *cmds, char *err, size_t len)
{
	struct nft_ctx *ctx;
	const char *text;
	int rc;

	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		snprintf(err, len, "cannot create an nftables context");
		return -ENOMEM;
	}
	/* Both buffered: a library must not write to our stdout or stderr. */
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		nft_ctx_free(ctx);
		snprintf(err, len, "cannot buffer nftables output");
		return -ENOMEM;
	}

	rc = 0;
	if (len)
		err[0] = '\0';
	if (nft_run_cmd_from_buffer(ctx, cmds)) {
		text = nft_ctx_get_error_buffer(ctx);
		if (!text || !*text)
			text = "Error: nftables failed without a message";
		rc = guess_errno(text);
		error_lines(text, err, len);
	}
	nft_ctx_free(ctx);
	return rc;
}

int nft_table_delete(const char *family, const char *name, char *err,
		     size_t len)
{
	char cmds[128];

	if (!nft_name_valid(family, 16) ||
	    !nft_name_valid(name, EGRESS_TABLE_MAX)) {
		snprintf(err, len, "invalid nftables table \"%s %s\"",
			 family ? family : "", name ? name : "");
		return -EINVAL;
	}
	/* Creating first makes the delete succeed whether or not it existed;
	 * kernels before 6.3 have no "destroy". */
	snprintf(cmds, sizeof(cmds), "table %s %s\ndelete table %s %s\n",
		 family, name, family, name);
	return nft_apply(cmds, err, len);
}
