/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slirp_api.h - slirp4netns's --api-socket requests, as Podman 4 sends them
 *
 * Podman 4 with `--network=slirp4netns:port_handler=slirp4netns` publishes
 * ports by writing one JSON object to the helper's API socket per
 * connection and reading one JSON object back (slirp4netns api.c):
 *
 *   {"execute": "add_hostfwd", "arguments": {"proto": "tcp", "host_addr":
 *    "0.0.0.0", "host_port": 8080, "guest_addr": "10.0.2.100", "guest_port": 80}}
 *	-> {"return":{"id":1}}
 *   {"execute": "list_hostfwd"}
 *	-> {"return":{"entries":[{"id":1,"proto":"tcp","host_addr":"0.0.0.0",
 *	    "host_port":8080,"guest_addr":"10.0.2.100","guest_port":80}]}}
 *   {"execute": "remove_hostfwd", "arguments": {"id": 1}}
 *	-> {"return":{}}
 *   anything wrong -> {"error":{"desc":"bad request: ..."}} with
 *	slirp4netns's own words
 *
 * slirp_api_parse() reads one request with a small JSON reader (objects,
 * strings, numbers, true/false/null; arrays skipped; nesting bounded);
 * no I/O. The socket itself is served by helper_slirp.c.
 */
#ifndef SENTRY_SLIRP_API_H
#define SENTRY_SLIRP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLIRP_API_MSG_MAX	4096	/* slirp4netns reads at most this, once */
#define SLIRP_API_STR_MAX	64	/* a string value we keep */

enum slirp_api_op {
	SLIRP_API_ADD = 1,
	SLIRP_API_LIST,
	SLIRP_API_REMOVE,
};

/**
 * struct slirp_api_req - one request, checked
 * @op:		what to do
 * @udp:	add: "udp" (else "tcp")
 * @host_addr:	add: IPv4 text, "0.0.0.0" when absent or ""
 * @host_port:	add: 1..65535
 * @guest_addr: add: IPv4 text, or "" (the guest's address)
 * @guest_port:	add: 1..65535
 * @id:		remove: the id add returned
 */
struct slirp_api_req {
	enum slirp_api_op op;
	bool udp;
	char host_addr[SLIRP_API_STR_MAX];
	uint32_t host_port;
	char guest_addr[SLIRP_API_STR_MAX];
	uint32_t guest_port;
	int64_t id;
};

/**
 * slirp_api_parse() - read one request
 * @buf:	the bytes read (no terminator needed)
 * @len:	how many
 * @r:		result
 * @err:	on failure, the answer to send back, as slirp4netns words it
 *		("{\"error\":{\"desc\":\"bad request: unknown execute\"}}")
 * @errlen:	size of @err
 *
 * Return: 0, or -EINVAL with @err set
 */
int slirp_api_parse(const char *buf, size_t len, struct slirp_api_req *r,
		    char *err, size_t errlen);

#endif /* SENTRY_SLIRP_API_H */
