/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wire.h - every wire-format number sentry reads or writes, defined once
 *
 * Theory of operation: as WireGuard keeps its message layouts in one
 * messages.h, sentry keeps here every protocol number, header length, field
 * offset, flag bit, type and code of the formats it parses and builds:
 * link framing (for captures), IPv4, IPv6 and its extension headers, TCP,
 * UDP, ICMP, ICMPv6 and the DNS message. Nothing else in common/ or
 * gateway/ writes one of these numbers as a literal, so a reader checks a
 * field against its RFC here, in one place, and a constant cannot be
 * defined twice with two values.
 *
 * Offsets are in bytes from the start of their own header; multi-byte
 * fields are big-endian on the wire (read them with cursor.h). Flag masks
 * apply to the field named in their comment, loaded in host order.
 *
 * What is *not* here: sentry's own bounds and choices (the longest query
 * it forwards, how many extension headers it walks, the TTL of its
 * replies); those stay with the module that chose them (dns.h, packet.h,
 * reply.h).
 *
 * The header only defines macros, so it can be included anywhere, common/
 * and gateway/ alike. Names that glibc's <netinet/ip_icmp.h> also defines
 * (ICMP_UNREACH...) carry the same values, which C allows.
 */
#ifndef SENTRY_WIRE_H
#define SENTRY_WIRE_H

/* ---- link framing of captured packets (sentry replay) ---- */

#define ETH_TYPE_OFF		12	/* EtherType after two MAC addresses (IEEE 802.3) */
#define ETH_TYPE_LEN		2	/* the EtherType field itself */
#define ETH_VLAN_TAG_LEN	4	/* one 802.1Q / 802.1ad tag: TPID and TCI */
#define ETH_TYPE_IPV4		0x0800	/* RFC 894 */
#define ETH_TYPE_IPV6		0x86dd	/* RFC 2464 */
#define ETH_TYPE_VLAN		0x8100	/* IEEE 802.1Q customer tag */
#define ETH_TYPE_QINQ		0x88a8	/* IEEE 802.1ad service tag */
#define SLL_HDR_LEN		16	/* Linux cooked capture v1 (tcpdump LINKTYPE_LINUX_SLL) */
#define SLL_PROTO_OFF		14	/* its protocol (EtherType) field */
#define SLL2_HDR_LEN		20	/* Linux cooked capture v2 (LINKTYPE_LINUX_SLL2) */
#define SLL2_PROTO_OFF		0	/* its protocol (EtherType) field */

/* ---- IP, both versions ---- */

#define IP_VERSION_SHIFT	4	/* version in the top nibble of byte 0 (RFC 791, RFC 8200) */
#define IP_LEN_MAX		65535	/* a 16-bit IPv4 total / IPv6 payload / UDP length (RFC 791, 8200) */

/* Protocol / next-header numbers (IANA "Assigned Internet Protocol Numbers") */
#define PROTO_ICMP		1	/* RFC 792 */
#define PROTO_TCP		6	/* RFC 9293 */
#define PROTO_UDP		17	/* RFC 768 */
#define PROTO_ICMPV6		58	/* RFC 4443 */

/* ---- IPv4 (RFC 791) ---- */

#define IPV4_VERSION		4	/* version nibble */
#define IPV4_ADDR_LEN		4	/* bytes in an address */
#define IPV4_HDR_MIN		20	/* header without options; what sentry writes */
#define IPV4_IHL_MASK		0x0f	/* header length in 32-bit words, low nibble of byte 0 */
#define IPV4_IHL_UNIT		4	/* bytes per IHL word */
#define IPV4_VIHL_OFF		0	/* version and IHL */
#define IPV4_TOS_OFF		1	/* DSCP and ECN (RFC 2474, RFC 3168) */
#define IPV4_LEN_OFF		2	/* total length, header included */
#define IPV4_ID_OFF		4	/* identification (RFC 6864) */
#define IPV4_FRAG_OFF		6	/* flags and fragment offset */
#define IPV4_TTL_OFF		8	/* time to live */
#define IPV4_PROTO_OFF		9	/* protocol */
#define IPV4_CSUM_OFF		10	/* header checksum */
#define IPV4_SRC_OFF		12	/* source address */
#define IPV4_DST_OFF		16	/* destination address */
#define IPV4_DF			0x4000	/* don't fragment, in the flags/offset field */
#define IPV4_MF			0x2000	/* more fragments, in the flags/offset field */
#define IPV4_OFF_MASK		0x1fff	/* fragment offset, in 8-byte units */
#define IP_FRAG_UNIT		8	/* bytes per fragment-offset unit (RFC 791, RFC 8200 4.5) */
#define IPOPT_EOL		0	/* end of option list (RFC 791 3.1) */
#define IPOPT_NOP		1	/* no operation: a one-byte option (RFC 791 3.1) */
#define IPOPT_TLV_MIN		2	/* any other option: type and length at least */

/* ---- IPv6 (RFC 8200) ---- */

#define IPV6_VERSION		6	/* version nibble */
#define IPV6_VERSION_SHIFT	28	/* version in the top nibble of the first 32-bit word */
#define IPV6_ADDR_LEN		16	/* bytes in an address */
#define IPV6_HDR_LEN		40	/* the fixed header */
#define IPV6_PLEN_OFF		4	/* payload length, extension headers included */
#define IPV6_NH_OFF		6	/* next header */
#define IPV6_HOPLIMIT_OFF	7	/* hop limit */
#define IPV6_SRC_OFF		8	/* source address */
#define IPV6_DST_OFF		24	/* destination address */

/* Extension headers: next-header values sentry walks (RFC 8200 4, RFC 4302) */
#define IPV6_NH_HOPOPTS		0	/* hop-by-hop options (RFC 8200 4.3) */
#define IPV6_NH_ROUTING		43	/* routing (RFC 8200 4.4) */
#define IPV6_NH_FRAGMENT	44	/* fragment (RFC 8200 4.5) */
#define IPV6_NH_AH		51	/* authentication header (RFC 4302) */
#define IPV6_NH_NONE		59	/* no next header (RFC 8200 4.7) */
#define IPV6_NH_DSTOPTS		60	/* destination options (RFC 8200 4.6) */
#define IPV6_EXT_UNIT		8	/* hdr ext len counts 8-byte units beyond the first (RFC 8200 4.3) */
#define IPV6_AH_UNIT		4	/* AH payload len counts 4-byte units, minus 2 (RFC 4302 2.2) */
#define IPV6_FRAG_LEN		8	/* the fragment header (RFC 8200 4.5) */
#define IPV6_FRAG_OFF_MASK	0xfff8	/* fragment offset in its 16-bit field, already in bytes */
#define IPV6_FRAG_M		0x0001	/* more fragments, in the same field */

/* ---- TCP (RFC 9293 3.1) ---- */

#define TCP_HDR_MIN		20	/* header without options; what sentry writes */
#define TCP_SPORT_OFF		0	/* source port */
#define TCP_DPORT_OFF		2	/* destination port */
#define TCP_SEQ_OFF		4	/* sequence number */
#define TCP_ACK_OFF		8	/* acknowledgement number */
#define TCP_DOFF_OFF		12	/* data offset (high nibble), reserved bits */
#define TCP_FLAGS_OFF		13	/* control bits */
#define TCP_WIN_OFF		14	/* window */
#define TCP_CSUM_OFF		16	/* checksum */
#define TCP_URP_OFF		18	/* urgent pointer */
#define TCP_DOFF_SHIFT		4	/* data offset in the high nibble of its byte */
#define TCP_DOFF_UNIT		4	/* bytes per data-offset word */
/* Control bits, in the byte at TCP_FLAGS_OFF (RFC 9293, RFC 3168 for ECE/CWR) */
#define TCP_FIN			0x01
#define TCP_SYN			0x02
#define TCP_RST			0x04
#define TCP_PSH			0x08
#define TCP_ACK			0x10
#define TCP_URG			0x20
#define TCP_ECE			0x40
#define TCP_CWR			0x80
/* No TCP option is read or written: sentry never terminates TCP. */

/* ---- UDP (RFC 768) ---- */

#define UDP_HDR_LEN		8	/* the whole header */
#define UDP_SPORT_OFF		0	/* source port; 0: no reply expected */
#define UDP_DPORT_OFF		2	/* destination port */
#define UDP_LEN_OFF		4	/* length, header included */
#define UDP_CSUM_OFF		6	/* checksum; 0: none computed (IPv4) */
#define UDP_CSUM_NONE		0	/* the "no checksum" value of that field */
#define UDP_CSUM_ZERO_AS	0xffff	/* a computed 0 is sent as its one's-complement twin */

/* ---- ICMP (RFC 792) and ICMPv6 (RFC 4443): the same 8-byte header ---- */

#define ICMP_HDR_LEN		8	/* type, code, checksum, 4 type-specific bytes */
#define ICMP_TYPE_OFF		0	/* type */
#define ICMP_CODE_OFF		1	/* code */
#define ICMP_CSUM_OFF		2	/* checksum */
#define ICMP_ECHO_ID_OFF	4	/* echo identifier; "unused", MTU or pointer in errors */
#define ICMP_ECHO_SEQ_OFF	6	/* echo sequence number */

/* ICMP types (RFC 792) and the one code sentry sends */
#define ICMP_ECHO_REPLY		0	/* echo reply */
#define ICMP_UNREACH		3	/* destination unreachable: an error */
#define ICMP_SOURCE_QUENCH	4	/* source quench (deprecated, RFC 6633): error-like */
#define ICMP_REDIRECT		5	/* redirect: error-like */
#define ICMP_ECHO_REQUEST	8	/* echo request */
#define ICMP_TIME_EXCEEDED	11	/* time exceeded: an error */
#define ICMP_PARAM_PROBLEM	12	/* parameter problem: an error */
#define ICMP_CODE_PROHIBITED	13	/* unreachable: communication administratively prohibited (RFC 1812 5.2.7.1) */

/* ICMPv6 types (RFC 4443 2.1, RFC 4861) and the one code sentry sends */
#define ICMPV6_UNREACH		1	/* destination unreachable */
#define ICMPV6_TOO_BIG		2	/* packet too big */
#define ICMPV6_TIME_EXCEEDED	3	/* time exceeded */
#define ICMPV6_PARAM_PROBLEM	4	/* parameter problem */
#define ICMPV6_INFO_MIN		128	/* types below are errors (RFC 4443 2.1) */
#define ICMPV6_ECHO_REQUEST	128	/* echo request */
#define ICMPV6_ECHO_REPLY	129	/* echo reply */
#define ICMPV6_REDIRECT		137	/* redirect (RFC 4861 4.5): error-like */
#define ICMPV6_CODE_PROHIBITED	1	/* unreachable: administratively prohibited (RFC 4443 3.1) */

/* ---- DNS (RFC 1035 4.1) ---- */

#define DNS_PORT		53	/* RFC 1035 4.2 */
#define DOT_PORT		853	/* DNS over TLS (RFC 7858) and over QUIC (RFC 9250) */
#define DNS_MSG_MAX		65535	/* a message's length is 16 bits on every transport (RFC 1035 4.2.2) */
#define DNS_TCP_LEN_PREFIX	2	/* each message over TCP follows its 16-bit length (RFC 1035 4.2.2) */

/* Header: six 16-bit fields */
#define DNS_HDR_LEN		12	/* the whole header */
#define DNS_ID_OFF		0	/* query ID */
#define DNS_FLAGS_OFF		2	/* QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE */
#define DNS_QDCOUNT_OFF		4	/* questions */
#define DNS_ANCOUNT_OFF		6	/* answer records */
#define DNS_NSCOUNT_OFF		8	/* authority records */
#define DNS_ARCOUNT_OFF		10	/* additional records */

/* Flag bits of the 16-bit field at DNS_FLAGS_OFF (RFC 1035 4.1.1, RFC 4035 3.2) */
#define DNS_FLAG_QR		0x8000	/* a response */
#define DNS_OPCODE_MASK		0x7800	/* opcode; 0 is a standard query */
#define DNS_FLAG_AA		0x0400	/* authoritative answer */
#define DNS_FLAG_TC		0x0200	/* truncated */
#define DNS_FLAG_RD		0x0100	/* recursion desired */
#define DNS_FLAG_RA		0x0080	/* recursion available */
#define DNS_FLAG_AD		0x0020	/* authentic data (RFC 4035) */
#define DNS_FLAG_CD		0x0010	/* checking disabled (RFC 4035) */
#define DNS_RCODE_MASK		0x000f	/* response code, low 4 bits */

/* Response codes (RFC 1035 4.1.1) */
#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_NOTIMP	4
#define DNS_RCODE_REFUSED	5

/* Names (RFC 1035 3.1, 4.1.4; RFC 6891 for the reserved label types) */
#define DNS_LABEL_MAX		63	/* bytes in a label */
#define DNS_NAME_WIRE_MAX	255	/* bytes in a name on the wire, root byte included */
#define DNS_LABEL_TYPE_MASK	0xc0	/* top two bits of a length byte: the label type */
#define DNS_LABEL_POINTER	0xc0	/* ... both set: a compression pointer */
#define DNS_POINTER_MASK	0x3fff	/* a pointer's 14-bit target offset */

/* Question and resource record (RFC 1035 4.1.2, 4.1.3) */
#define DNS_QUESTION_FIXED	4	/* type and class after the question name */
#define DNS_RR_FIXED		10	/* type, class, TTL, rdlength after the owner name */
#define DNS_RR_MIN		11	/* the smallest record: root owner + DNS_RR_FIXED */
#define DNS_TTL_NEGATIVE	0x80000000u	/* a TTL with this bit set means 0 (RFC 2181 8) */

/* Types and class (IANA "DNS Parameters") */
#define DNS_TYPE_A		1	/* RFC 1035 */
#define DNS_TYPE_CNAME		5	/* RFC 1035 */
#define DNS_TYPE_AAAA		28	/* RFC 3596 */
#define DNS_TYPE_OPT		41	/* RFC 6891 */
#define DNS_TYPE_SVCB		64	/* RFC 9460 */
#define DNS_TYPE_HTTPS		65	/* RFC 9460 */
#define DNS_CLASS_IN		1	/* RFC 1035 */

/* EDNS0 OPT record (RFC 6891 6.1.2-6.1.3): the TTL field is ext-rcode, version, DO, Z */
#define DNS_EDNS_VERSION_SHIFT	16	/* version: second byte of the TTL field */
#define DNS_EDNS_DO		0x8000	/* DNSSEC OK, in the TTL field's low 16 bits */
#define EDNS_OPT_HDR_LEN	4	/* an option's code and length */
#define EDNS_OPT_EDE		15	/* option code: Extended DNS Error (RFC 8914) */
#define EDE_INFO_LEN		2	/* EDE INFO-CODE, without EXTRA-TEXT (RFC 8914 2) */
#define EDE_BLOCKED		15	/* EDE: blocked (RFC 8914 4.16) */
#define EDE_FILTERED		17	/* EDE: filtered (RFC 8914 4.18) */
#define EDE_PROHIBITED		18	/* EDE: prohibited (RFC 8914 4.19) */

/* SvcParamKeys (RFC 9460 14.3.2) */
#define SVC_KEY_IPV4HINT	4	/* ipv4hint: 4-byte addresses */
#define SVC_KEY_IPV6HINT	6	/* ipv6hint: 16-byte addresses */

/* ---- names a flow presents: TLS, HTTP/1.x, QUIC (namecheck.h) ---- */

/* TLS record and handshake (RFC 8446 5.1, 4; RFC 6066 3) */
#define TLS_RECORD_HDR_LEN	5	/* content type, legacy version, length */
#define TLS_CT_HANDSHAKE	22	/* content type: handshake */
#define TLS_VERSION_MAJOR	3	/* first byte of every legacy_record_version */
#define TLS_RECORD_MAX		16384	/* 2^14: the longest plaintext fragment */
#define TLS_HS_HDR_LEN		4	/* handshake type and 24-bit length */
#define TLS_HS_CLIENT_HELLO	1	/* handshake type: ClientHello */
#define TLS_RANDOM_LEN		32	/* ClientHello.random */
#define TLS_SESSION_ID_MAX	32	/* legacy_session_id <0..32> */
#define TLS_EXT_SERVER_NAME	0	/* extension: server_name (RFC 6066 3) */
#define TLS_SNI_HOST_NAME	0	/* ServerName.name_type: host_name */
#define TLS_EXT_ECH		0xfe0d	/* encrypted_client_hello (draft-ietf-tls-esni) */

/* QUIC version 1 (RFC 9000 17.2, RFC 9001 5) */
#define QUIC_LONG_HEADER	0x80	/* first byte: header form, long */
#define QUIC_FIXED_BIT		0x40	/* first byte: fixed bit */
#define QUIC_LONG_TYPE_MASK	0x30	/* first byte: long packet type */
#define QUIC_LONG_TYPE_SHIFT	4
#define QUIC_TYPE_INITIAL	0	/* long packet type: Initial (v1) */
#define QUIC_TYPE_RETRY		3	/* long packet type: Retry (no Length field) */
#define QUIC_PN_LEN_MASK	0x03	/* first byte: packet number length - 1 (protected) */
#define QUIC_LONG_HP_MASK	0x0f	/* first byte bits header protection covers (long) */
#define QUIC_VERSION_1		0x00000001u
#define QUIC_CID_MAX		20	/* connection ID length bound (v1) */
#define QUIC_HP_SAMPLE_OFF	4	/* sample starts 4 bytes after the packet number offset */
#define QUIC_HP_SAMPLE_LEN	16
#define QUIC_AEAD_TAG_LEN	16	/* AEAD_AES_128_GCM */
#define QUIC_AEAD_KEY_LEN	16
#define QUIC_AEAD_IV_LEN	12
#define QUIC_HP_KEY_LEN		16
#define QUIC_SECRET_LEN		32	/* SHA-256 */
#define QUIC_VARINT_LEN_SHIFT	6	/* top two bits of a varint's first byte: log2 length */
#define QUIC_FRAME_PADDING	0x00	/* frames allowed in an Initial (RFC 9000 12.4) */
#define QUIC_FRAME_PING		0x01
#define QUIC_FRAME_ACK		0x02
#define QUIC_FRAME_ACK_ECN	0x03
#define QUIC_FRAME_CRYPTO	0x06
#define QUIC_FRAME_CLOSE	0x1c	/* CONNECTION_CLOSE, transport */
#define QUIC_PORT		443	/* UDP port whose datagrams are read as QUIC */

#endif /* SENTRY_WIRE_H */
