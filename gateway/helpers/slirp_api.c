// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * slirp_api.c - read one slirp4netns API request (slirp_api.h)
 *
 * A JSON reader just big enough: it walks the whole text (so that
 * malformed JSON is refused as slirp4netns's parson refuses it), keeps
 * the members it knows at the two levels that matter (the top object and
 * "arguments") and skips everything else. Nesting is bounded by
 * DEPTH_MAX; strings are cut at SLIRP_API_STR_MAX. Then the checks run in
 * the order slirp4netns makes them, each answering with its words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "helpers/slirp_api.h"

#define DEPTH_MAX	8

struct jr {
	const char *p, *end;
	bool bad;
	/* what was found */
	char execute[SLIRP_API_STR_MAX];
	bool has_execute;
	char proto[SLIRP_API_STR_MAX], host_addr[SLIRP_API_STR_MAX];
	char guest_addr[SLIRP_API_STR_MAX];
	bool has_proto;
	double host_port, guest_port, id;
};

static void ws(struct jr *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
				 *j->p == '\r'))
		j->p++;
}

static bool eat(struct jr *j, char c)
{
	ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

/* A string into @out (cut to @cap; NULL: skipped); false if malformed */
static bool string(struct jr *j, char *out, size_t cap)
{
	size_t o = 0;

	if (!eat(j, '"'))
		return false;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;

		if ((unsigned char)c < 0x20)
			return false;
		if (c == '\\') {
			if (j->p >= j->end)
				return false;
			c = *j->p++;
			if (c == 'u') {
				if (j->end - j->p < 4)
					return false;
				for (int i = 0; i < 4; i++)
					if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
						return false;
				j->p += 4;
				c = '?';	/* nothing we keep needs more than ASCII */
			} else if (!strchr("\"\\/bfnrt", c)) {
				return false;
			}
		}
		if (out && o + 1 < cap)
			out[o++] = c;
	}
	if (out && cap)
		out[o] = '\0';
	if (j->p >= j->end)
		return false;	/* unterminated */
	j->p++;
	return true;
}

static bool number(struct jr *j, double *out)
{
	char buf[32];
	size_t n = 0;
	char *endp;

	ws(j);
	while (j->p < j->end && n + 1 < sizeof(buf) && strchr("+-0123456789.eE", *j->p) &&
	       *j->p)
		buf[n++] = *j->p++;
	buf[n] = '\0';
	if (!n)
		return false;
	*out = strtod(buf, &endp);
	return *endp == '\0';
}

static bool value(struct jr *j, int depth, int where, const char *key);

/* An object; @where 0: the top, 1: "arguments", 2: elsewhere */
static bool object(struct jr *j, int depth, int where)
{
	if (depth > DEPTH_MAX || !eat(j, '{'))
		return false;
	if (eat(j, '}'))
		return true;
	do {
		char key[SLIRP_API_STR_MAX];

		if (!string(j, key, sizeof(key)) || !eat(j, ':') ||
		    !value(j, depth + 1, where, key))
			return false;
	} while (eat(j, ','));
	return eat(j, '}');
}

static bool array(struct jr *j, int depth)
{
	if (depth > DEPTH_MAX || !eat(j, '['))
		return false;
	if (eat(j, ']'))
		return true;
	do {
		if (!value(j, depth + 1, 2, ""))
			return false;
	} while (eat(j, ','));
	return eat(j, ']');
}

static bool word(struct jr *j, const char *w)
{
	size_t n = strlen(w);

	ws(j);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

/* One member's value, kept if (@where, @key) is one we know */
static bool value(struct jr *j, int depth, int where, const char *key)
{
	char *s = NULL;
	double *d = NULL;

	ws(j);
	if (j->p >= j->end)
		return false;
	if (where == 0 && !strcmp(key, "execute") && *j->p == '"') {
		j->has_execute = true;
		s = j->execute;
	} else if (where == 1 && *j->p == '"') {
		if (!strcmp(key, "proto")) {
			s = j->proto;
			j->has_proto = true;
		} else if (!strcmp(key, "host_addr")) {
			s = j->host_addr;
		} else if (!strcmp(key, "guest_addr")) {
			s = j->guest_addr;
		}
	} else if (where == 1) {
		if (!strcmp(key, "host_port"))
			d = &j->host_port;
		else if (!strcmp(key, "guest_port"))
			d = &j->guest_port;
		else if (!strcmp(key, "id"))
			d = &j->id;
	}
	switch (*j->p) {
	case '"':
		return string(j, s, SLIRP_API_STR_MAX);
	case '{':
		return object(j, depth, where == 0 && !strcmp(key, "arguments") ? 1 : 2);
	case '[':
		return array(j, depth);
	case 't':
		return word(j, "true");
	case 'f':
		return word(j, "false");
	case 'n':
		return word(j, "null");
	default: {
		double v;

		if (!number(j, &v))
			return false;
		if (d)
			*d = v;
		return true;
	}
	}
}

static int answer(char *err, size_t len, const char *desc)
{
	snprintf(err, len, "{\"error\":{\"desc\":\"bad request: %s\"}}", desc);
	return -EINVAL;
}

/* A port as slirp4netns reads it: (int) of the number, 0 when absent */
static uint32_t port_of(double v)
{
	return v >= 1 && v <= 65535 ? (uint32_t)v : 0;
}

static bool ipv4(const char *s)
{
	struct ipaddr a;

	return !addr_parse(s, &a) && a.family == ADDR_FAMILY_V4;
}

int slirp_api_parse(const char *buf, size_t len, struct slirp_api_req *r,
		    char *err, size_t errlen)
{
	struct jr j;

	memset(&j, 0, sizeof(j));
	memset(r, 0, sizeof(*r));
	j.p = buf;
	j.end = buf + len;
	if (!len || memchr(buf, '\0', len))
		return answer(err, errlen, "cannot parse JSON");
	ws(&j);
	if (j.p < j.end && *j.p != '{') {
		/* valid JSON that is not an object: parson's json_object() fails */
		if (!value(&j, 0, 2, "") || (ws(&j), j.p != j.end))
			return answer(err, errlen, "cannot parse JSON");
		return answer(err, errlen, "json_object() failed");
	}
	if (!object(&j, 0, 0) || (ws(&j), j.p != j.end))
		return answer(err, errlen, "cannot parse JSON");
	if (!j.has_execute)
		return answer(err, errlen, "no execute found");
	if (!strcmp(j.execute, "add_hostfwd")) {
		r->op = SLIRP_API_ADD;
		if (!j.has_proto || (strcmp(j.proto, "tcp") && strcmp(j.proto, "udp")))
			return answer(err, errlen, "add_hostfwd: bad arguments.proto");
		r->udp = !strcmp(j.proto, "udp");
		snprintf(r->host_addr, sizeof(r->host_addr), "%s",
			 j.host_addr[0] ? j.host_addr : "0.0.0.0");
		if (!ipv4(r->host_addr))
			return answer(err, errlen, "add_hostfwd: bad arguments.host_addr");
		r->host_port = port_of(j.host_port);
		if (!r->host_port)
			return answer(err, errlen, "add_hostfwd: bad arguments.host_port");
		snprintf(r->guest_addr, sizeof(r->guest_addr), "%s", j.guest_addr);
		if (r->guest_addr[0] && !ipv4(r->guest_addr))
			return answer(err, errlen, "add_hostfwd: bad arguments.guest_addr");
		r->guest_port = port_of(j.guest_port);
		if (!r->guest_port)
			return answer(err, errlen, "add_hostfwd: bad arguments.guest_port");
		return 0;
	}
	if (!strcmp(j.execute, "list_hostfwd")) {
		r->op = SLIRP_API_LIST;
		return 0;
	}
	if (!strcmp(j.execute, "remove_hostfwd")) {
		r->op = SLIRP_API_REMOVE;
		r->id = j.id >= 1 && j.id <= 2147483647 ? (int64_t)j.id : 0;
		return 0;	/* an unknown id is the caller's "bad arguments.id" */
	}
	return answer(err, errlen, "unknown execute");
}
