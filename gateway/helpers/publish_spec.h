/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * publish_spec.h - published ports as pasta's -t and -u write them
 *
 * Podman 5 turns `-p [HOSTIP:]HOST:GUEST[/udp]` into one pasta option per
 * mapping and protocol: "-t 8088-8088:80-80", "-t 127.0.0.1/8081-8081:80-80",
 * "-u ::1/5353-5353:53-53", and "-t none" / "-u none" when there is none.
 * pasta documents more, and a user may pass it through --network=pasta:...:
 *
 *	SPEC	:= "none" | [ADDR][%IFNAME]/PORTS | PORTS
 *	PORTS	:= CHUNK[,CHUNK]...
 *	CHUNK	:= RANGE[:RANGE]	host ports, then the guest's (same length)
 *		 | ~RANGE		not these (from the other chunks)
 *	RANGE	:= PORT[-PORT]
 *
 * publish_spec_parse() reads one SPEC into a publish_set: a list of
 * mappings (host range -> guest range, bind address and interface) with
 * the exclusions already taken out. No I/O. Refused, each with its reason:
 * "auto" and "all" (pasta's dynamic modes: sentry publishes only what it
 * is told), port 0, a reversed range, ranges of different lengths, "none"
 * together with ports, a port published twice, a spec of exclusions only
 * (pasta reads it as every port but those), and more than
 * PUBLISH_MAPS_MAX mappings or PUBLISH_PORTS_MAX ports in all: each host
 * port is a listening socket (two without a bind address).
 */
#ifndef SENTRY_PUBLISH_SPEC_H
#define SENTRY_PUBLISH_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ctl_proto.h"

#define PUBLISH_MAPS_MAX	32	/* mappings per bottle, after exclusions */
#define PUBLISH_PORTS_MAX	256	/* host ports per bottle, TCP and UDP */
#define PUBLISH_SPEC_MAX	1024	/* one -t/-u value, as written */
#define PUBLISH_CHUNKS_MAX	64	/* comma-separated chunks in one value */
#define PUBLISH_IFNAME_MAX	16	/* IFNAMSIZ */

/**
 * struct publish_map - one published range
 * @proto:	PROTO_TCP or PROTO_UDP (common/wire.h)
 * @has_bind:	@bind is the one address to listen on; otherwise every
 *		address of both families
 * @ifname:	the interface to listen on (SO_BINDTODEVICE), or ""
 * @host_lo:	first host port; @host_hi the last (>= @host_lo, both >= 1)
 * @guest_lo:	the bottle's port for @host_lo; the range keeps its length,
 *		so guest_lo + (host_hi - host_lo) <= 65535
 * @spec:	the option value this came from, as written (for messages)
 */
struct publish_map {
	uint8_t proto;
	bool has_bind;
	struct ipaddr bind;
	char ifname[PUBLISH_IFNAME_MAX];
	uint16_t host_lo, host_hi;
	uint16_t guest_lo;
	const char *spec;
};

/**
 * struct publish_set - every published port of one bottle
 * @n:		mappings in @map
 * @ports:	host ports in all (the sum of the ranges' lengths)
 * @tcp_none:	"-t none" was given; @udp_none: "-u none"
 * @map:	the mappings, in the order given; no two of a protocol share
 *		a host port on a common address
 */
struct publish_set {
	uint32_t n;
	uint32_t ports;
	bool tcp_none, udp_none;
	struct publish_map map[PUBLISH_MAPS_MAX];
};

/**
 * publish_spec_parse() - add one -t or -u value to @set
 * @set:	the bottle's set so far (zeroed before the first call)
 * @proto:	PROTO_TCP for -t, PROTO_UDP for -u
 * @spec:	the value, as written; kept in each mapping, so it must
 *		outlive @set (an argv string)
 * @err:	on failure, why (without the option: the caller names it)
 * @len:	size of @err
 *
 * Return: 0; -EINVAL with @err set and @set unchanged
 */
int publish_spec_parse(struct publish_set *set, uint8_t proto, const char *spec,
		       char *err, size_t len);

/**
 * publish_guest_hi() - the last guest port of @m
 * @m:	a mapping publish_spec_parse() made
 *
 * Return: guest_lo + (host_hi - host_lo)
 */
static inline uint16_t publish_guest_hi(const struct publish_map *m)
{
	return (uint16_t)(m->guest_lo + (m->host_hi - m->host_lo));
}

/**
 * publish_to_request() - @set as an attach request carries it (publish=)
 * @set:	the mappings; PUBLISH_MAPS_MAX == CTL_PUBLISH_MAX, so all fit
 * @req:	its npublish and publish[] are set
 */
void publish_to_request(const struct publish_set *set, struct ctl_request *req);

#endif /* SENTRY_PUBLISH_SPEC_H */
