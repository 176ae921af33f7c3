/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * drop.h - every reason sentry refuses a packet or a DNS message
 *
 * Each layer yields either a fully checked view or exactly one of these
 * reasons. Every reason has a counter (struct drop_counters), a stable
 * lower-case name used in logs, JSON and `sentry ctl stats`, and a one-line
 * description. Tests assert the reason, not merely that a packet was dropped.
 *
 * Add reasons at the end of a group; the names are an interface (logs,
 * expected replay output), the numbers are not.
 */
#ifndef SENTRY_DROP_H
#define SENTRY_DROP_H

#include <stdint.h>

#define DROP_REASONS(X)							\
	X(NONE,			"none",			"not dropped")	\
	/* packet layer: common/packet.c, ipv4.c, ipv6.c, tcp.c, udp.c, icmp.c */ \
	X(PKT_EMPTY,		"pkt_empty",		"zero-length packet") \
	X(IP_VERSION,		"ip_version",		"IP version is neither 4 nor 6") \
	X(IPV4_TRUNCATED,	"ipv4_truncated",	"shorter than an IPv4 header") \
	X(IPV4_HDR_LEN,		"ipv4_hdr_len",		"IHL below 5 or past the packet") \
	X(IPV4_TOTAL_LEN,	"ipv4_total_len",	"total length below the header or past the buffer") \
	X(IPV4_CHECKSUM,	"ipv4_checksum",	"IPv4 header checksum is wrong") \
	X(IPV4_OPTIONS,		"ipv4_options",		"malformed IPv4 options") \
	X(IPV6_TRUNCATED,	"ipv6_truncated",	"shorter than an IPv6 header") \
	X(IPV6_PAYLOAD_LEN,	"ipv6_payload_len",	"payload length past the buffer, or a jumbogram") \
	X(IPV6_EXT_TRUNCATED,	"ipv6_ext_truncated",	"extension header runs past the packet") \
	X(IPV6_EXT_CHAIN,	"ipv6_ext_chain",	"more extension headers than the bound") \
	X(IPV6_EXT_ORDER,	"ipv6_ext_order",	"hop-by-hop not first, or an extension header repeated") \
	X(IP_BAD_ADDR,		"ip_bad_addr",		"source or destination is unspecified, multicast or broadcast") \
	X(FRAG_BAD,		"frag_bad",		"fragment runs past 65535 bytes, or a non-last fragment is not a multiple of 8") \
	X(FRAG_TINY,		"frag_tiny",		"first fragment too short to hold the transport header") \
	X(TCP_TRUNCATED,	"tcp_truncated",	"shorter than a TCP header") \
	X(TCP_HDR_LEN,		"tcp_hdr_len",		"TCP data offset below 5 or past the segment") \
	X(TCP_FLAGS,		"tcp_flags",		"impossible TCP flag combination") \
	X(TCP_PORT_ZERO,	"tcp_port_zero",	"TCP source or destination port is 0") \
	X(UDP_TRUNCATED,	"udp_truncated",	"shorter than a UDP header") \
	X(UDP_LENGTH,		"udp_length",		"UDP length disagrees with the IP payload") \
	X(UDP_PORT_ZERO,	"udp_port_zero",	"UDP destination port is 0") \
	X(ICMP_TRUNCATED,	"icmp_truncated",	"shorter than an ICMP header") \
	X(ICMPV6_TRUNCATED,	"icmpv6_truncated",	"shorter than an ICMPv6 header") \
	X(ICMP_TYPE,		"icmp_type",		"ICMP type sentry does not forward") \
	X(ICMP_INNER,		"icmp_inner",		"ICMP error quotes a malformed or foreign packet") \
	X(PROTO_UNSUPPORTED,	"proto_unsupported",	"transport protocol sentry does not forward") \
	X(VNET_HDR,		"vnet_hdr",		"virtio-net header disagrees with the packet (GSO type, checksum offsets)") \
	/* pipeline: common/engine.c */				\
	X(SPOOFED_SOURCE,	"spoofed_source",	"source address is not the bottle's own") \
	X(NO_FLOW,		"no_flow",		"inbound packet matches no flow") \
	X(POLICY,		"policy",		"denied by policy") \
	X(FLOW_REVOKED,		"flow_revoked",		"live flow cut after a policy change") \
	X(IPV6_DISABLED,	"ipv6_disabled",	"IPv6 packet from a bottle with no IPv6 address") \
	X(FRAG_NO_FIRST,	"frag_no_first",	"later fragment with no known first fragment") \
	X(FRAG_TABLE_FULL,	"frag_table_full",	"no room to remember a fragmented datagram") \
	X(DOT_DENIED,		"dot_denied",		"DNS over TLS (port 853) without a CIDR rule") \
	X(DNS_TCP_NO_SYN,	"dns_tcp_no_syn",	"TCP to port 53 that does not open with a bare SYN") \
	X(DNS_TCP_POOL,		"dns_tcp_pool",		"TCP to port 53 addressed to sentry's own pools") \
	/* names a flow presents: common/namecheck.c */		\
	X(NAME_MISMATCH,	"name_mismatch",	"flow presents a name (TLS SNI, HTTP Host, QUIC SNI) its policy does not allow on that port") \
	X(NAME_UNREADABLE,	"name_unreadable",	"first bytes claim TLS, HTTP or QUIC but no name can be read from them within the bound") \
	X(NAME_GAP,		"name_gap",		"segment beyond the first bytes still being read (out of order): dropped, the sender resends") \
	X(NAME_BUSY,		"name_busy",		"no free slot to read a split first message: dropped, the sender resends") \
	/* DNS: common/dns*.c and the DNS path */			\
	X(DNS_TRUNCATED,	"dns_truncated",	"DNS message ends inside a header, name or record") \
	X(DNS_NOT_QUERY,	"dns_not_query",	"query has QR set, or an opcode other than QUERY") \
	X(DNS_NOT_RESPONSE,	"dns_not_response",	"answer has QR clear") \
	X(DNS_QDCOUNT,		"dns_qdcount",		"QDCOUNT is not 1") \
	X(DNS_COUNTS,		"dns_counts",		"record counts exceed what the bytes left can hold") \
	X(DNS_LABEL_LEN,	"dns_label_len",	"label longer than 63 bytes") \
	X(DNS_NAME_LEN,		"dns_name_len",		"name longer than 255 bytes") \
	X(DNS_LABEL_TYPE,	"dns_label_type",	"extended or reserved label type (0x40, 0x80)") \
	X(DNS_POINTER,		"dns_pointer",		"compression pointer not strictly backwards, or into the header") \
	X(DNS_POINTER_IN_QUERY,	"dns_pointer_in_query",	"compression pointer in a query's question") \
	X(DNS_RDATA,		"dns_rdata",		"record data length wrong for its type, or past the message") \
	X(DNS_TRAILING,		"dns_trailing",		"bytes after the last record") \
	X(DNS_OPT,		"dns_opt",		"OPT record misplaced, repeated or not at the root") \
	X(DNS_SECTIONS,		"dns_sections",		"query carries answer or authority records") \
	X(DNS_DENIED,		"dns_denied",		"DNS name denied by policy") \
	X(DNS_RATE,		"dns_rate",		"per-bottle DNS query rate exceeded") \
	X(DNS_UNSOLICITED,	"dns_unsolicited",	"DNS answer matches no pending query") \
	X(DNS_MISMATCH,		"dns_mismatch",		"answer's question differs from the query's") \
	X(DNS_PRIVATE_ANSWER,	"dns_private_answer",	"answer holds a loopback, private, link-local, CGNAT or IPv4-embedding address") \
	X(DNS_PENDING_FULL,	"dns_pending_full",	"no room to remember another query in flight") \
	X(DNS_TOO_LONG,		"dns_too_long",		"query longer than DNS_QUERY_MAX (1232) bytes: refused") \
	X(DNS_UPSTREAM,		"dns_upstream",		"upstream resolver failed or timed out")

enum drop_reason {
#define DROP_ENUM(id, name, desc) DROP_##id,
	DROP_REASONS(DROP_ENUM)
#undef DROP_ENUM
	DROP_MAX
};

/* drop_name() - stable lower-case name of @r ("?" if out of range) */
const char *drop_name(enum drop_reason r);

/* drop_describe() - one-line human description of @r */
const char *drop_describe(enum drop_reason r);

/* drop_lookup() - reason whose name is @name, or -1 */
int drop_lookup(const char *name);

/* One counter per reason; index with the enum. */
struct drop_counters {
	uint64_t n[DROP_MAX];
};

#endif /* SENTRY_DROP_H */
