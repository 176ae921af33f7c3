// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_config.c - sentry.ini: defaults, every key, every error with its
 * line, the printed file read back, resolv.conf, contrib/sentry.ini
 *
 * contrib/ is found at $SENTRY_TOP/contrib, else relative to the working
 * directory (the repository root, or two levels below it), else relative
 * to this binary (build/asan/test/ in the tree).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/config.h"
#include "engine.h"
#include "log.h"
#include "policy_ini.h"
#include "pstore.h"
#include "t.h"

static int load(const char *text, struct sentry_config *c, char *err)
{
	return config_load_text(text, strlen(text), "f.ini", c, err,
				CONFIG_ERR_MAX);
}

/* CHECK_ERR() - @text is refused with exactly message @msg */
#define CHECK_ERR(text, msg)						\
	do {								\
		struct sentry_config c_;				\
		char e_[CONFIG_ERR_MAX];				\
		CHECK_EQ(load(text, &c_, e_), -EINVAL);			\
		CHECK_STR(e_, msg);					\
	} while (0)

/* CHECK_OK() - @text loads */
#define CHECK_OK(text, c)						\
	do {								\
		char e_[CONFIG_ERR_MAX];				\
		int r_ = load(text, c, e_);				\
		if (r_)							\
			t_fail_at("load: %s", e_);			\
		CHECK_EQ(r_, 0);					\
	} while (0)

/* print() - @c as config_print() writes it; free() the result */
static char *print(const struct sentry_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (config_print(c, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* tmpfile_with() - a file under /tmp holding @text; its name into @path */
static int tmpfile_with(const char *text, char path[64])
{
	int fd;
	ssize_t n;

	snprintf(path, 64, "/tmp/sentry-test-config-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	if (n != (ssize_t)strlen(text)) {
		unlink(path);
		return -1;
	}
	return 0;
}

TEST(defaults)
{
	struct sentry_config c;
	struct ipaddr a;

	config_defaults(&c);
	CHECK_STR(c.control_socket, "/run/sentry/control.sock");
	CHECK_EQ(c.control_mode, 0600);
	CHECK_STR(c.control_group, "");
	CHECK_STR(c.policy_store, "/var/lib/sentry/policies");
	CHECK_STR(c.decision_log, "stderr");
	CHECK_EQ(c.mode, CONFIG_MODE_ENFORCE);
	CHECK_STR(c.default_policy, "");
	CHECK_STR(c.user, "nobody");
	CHECK_EQ(c.log_level, LOG_LVL_INFO);
	CHECK_EQ(c.nupstreams, 0);
	CHECK(!c.upstreams_from_resolv);
	CHECK_STR(c.resolv_conf, "/etc/resolv.conf");
	CHECK_EQ(c.dns_timeout_ms, 2000);
	CHECK_EQ(c.dns_rate, 100);
	CHECK_EQ(c.dns_burst, 200);
	CHECK_EQ(c.dns_tcp_port, 5353);
	CHECK_EQ(c.upstream_sockets, 16);
	CHECK_STR(c.interface, "sentry0");
	CHECK(c.pool4.enabled);
	addr_parse("100.127.0.0", &a);
	CHECK(addr_equal(&c.pool4.net, &a));
	CHECK_EQ(c.pool4.plen, 16);
	CHECK(c.pool6.enabled);
	addr_parse("fd5e:5e:5e::", &a);
	CHECK(addr_equal(&c.pool6.net, &a));
	CHECK_EQ(c.pool6.plen, 64);
	CHECK_EQ(c.mtu, 65520);
	CHECK_EQ(c.txqueuelen, 10000);
	CHECK_STR(c.nft_table, "sentry");
	CHECK_EQ(c.queues, 1);
	CHECK_EQ(c.flows, 65536);
	CHECK_EQ(c.learnt, 65536);
	CHECK_EQ(c.names, 16384);
	CHECK_EQ(c.per_name, 32);
	CHECK_EQ(c.per_address, 64);
	CHECK_EQ(c.fragments, 1024);
	CHECK_EQ(c.pending_dns, 4096);
	CHECK_EQ(c.bottles, 256);
	CHECK_EQ(c.reject_tcp, CONFIG_REJECT_RST);
	CHECK_EQ(c.reject_udp, CONFIG_REJECT_ICMP);
	CHECK_EQ(c.reject_other, CONFIG_REJECT_ICMP);
	CHECK(!c.standalone);
	CHECK_STR(c.egress_netns, "");
}

/* An empty file, and one of comments and empty sections, mean the defaults */
TEST(empty_file_is_defaults)
{
	struct sentry_config c, d;

	config_defaults(&d);
	memset(&c, 0xa5, sizeof(c));
	CHECK_OK("", &c);
	CHECK(!memcmp(&c, &d, sizeof(c)));
	memset(&c, 0xa5, sizeof(c));
	CHECK_OK("; comment\n# another\n\n[daemon]\n[dns]\n  \n[helper] ; x\n",
		 &c);
	CHECK(!memcmp(&c, &d, sizeof(c)));
}

/* The engine gets the same defaults it would give itself */
TEST(engine_defaults_agree)
{
	struct sentry_config c;
	struct engine_config mine, theirs;

	config_defaults(&c);
	memset(&mine, 0xa5, sizeof(mine));
	config_engine(&c, &mine);
	engine_config_default(&theirs);
	CHECK_EQ(mine.flow_capacity, theirs.flow_capacity);
	CHECK(!memcmp(&mine.timeouts, &theirs.timeouts, sizeof(mine.timeouts)));
	CHECK_EQ(mine.learn.max_bindings, theirs.learn.max_bindings);
	CHECK_EQ(mine.learn.max_names, theirs.learn.max_names);
	CHECK_EQ(mine.learn.per_name_max, theirs.learn.per_name_max);
	CHECK_EQ(mine.learn.per_addr_max, theirs.learn.per_addr_max);
	CHECK_EQ(mine.frag_capacity, theirs.frag_capacity);
	CHECK_EQ(mine.frag_timeout, theirs.frag_timeout);
	CHECK_EQ(mine.dns_rate, theirs.dns_rate);
	CHECK_EQ(mine.dns_burst, theirs.dns_burst);
	CHECK_EQ(mine.audit, theirs.audit);
	CHECK_EQ(mine.log_refusals_per_s, theirs.log_refusals_per_s);
}

static const char every_key[] =
	"[daemon]\n"
	"control_socket = /tmp/s/ctl.sock\n"
	"control_mode = 0660\n"
	"control_group = sentry\n"
	"policy_store = /srv/policies\n"
	"decision_log = /var/log/sentry/decisions.jsonl\n"
	"mode = audit\n"
	"default_policy = pypi\n"
	"user = 65534\n"
	"log_level = debug\n"
	"log_refusals = 0\n"
	"[dns]\n"
	"upstream = 198.18.0.1\n"
	"upstream = 198.18.0.2:5300\n"
	"upstream = 2001:db8::53\n"
	"upstream = [2001:db8::54]\n"
	"upstream = [2001:db8::55]:853\n"
	"resolv_conf = /etc/other-resolv.conf\n"
	"timeout_ms = 10\n"
	"rate = 0\n"
	"burst = 1000000\n"
	"tcp_port = 65535\n"
	"upstream_sockets = 1024\n"
	"[egress]\n"
	"interface = eg-0123456789ab\n"
	"pool4 = 198.18.0.0/30\n"
	"pool6 = none\n"
	"mtu = 1280\n"
	"txqueuelen = 1\n"
	"nft_table = Sentry_2\n"
	"queues = 16\n"
	"[tables]\n"
	"flows = 16777216\n"
	"learnt = 1\n"
	"names = 2\n"
	"per_name = 0\n"
	"per_address = 5\n"
	"fragments = 3\n"
	"pending_dns = 4\n"
	"bottles = 65536\n"
	"[timeouts]\n"
	"tcp_new = 1\n"
	"tcp_established = 604800\n"
	"tcp_closing = 11\n"
	"tcp_closed = 12\n"
	"udp_new = 13\n"
	"udp_established = 14\n"
	"icmp = 15\n"
	"other = 16\n"
	"fragments = 120\n"
	"[reject]\n"
	"tcp = icmp\n"
	"udp = drop\n"
	"other = drop\n"
	"[helper]\n"
	"standalone = yes\n"
	"egress_netns = /run/netns/sentry egress\n";

TEST(every_key_parsed)
{
	struct sentry_config c;
	struct ipaddr a;
	char buf[64];

	CHECK_OK(every_key, &c);
	CHECK_STR(c.control_socket, "/tmp/s/ctl.sock");
	CHECK_EQ(c.control_mode, 0660);
	CHECK_STR(c.control_group, "sentry");
	CHECK_STR(c.policy_store, "/srv/policies");
	CHECK_STR(c.decision_log, "/var/log/sentry/decisions.jsonl");
	CHECK_EQ(c.mode, CONFIG_MODE_AUDIT);
	CHECK_STR(c.default_policy, "pypi");
	CHECK_STR(c.user, "65534");
	CHECK_EQ(c.log_level, LOG_LVL_DEBUG);
	CHECK_EQ(c.log_refusals, 0);
	CHECK_EQ(c.nupstreams, 5);
	CHECK_STR(config_upstream_format(&c.upstream[0], buf, sizeof(buf)),
		  "198.18.0.1:53");
	CHECK_STR(config_upstream_format(&c.upstream[1], buf, sizeof(buf)),
		  "198.18.0.2:5300");
	CHECK_STR(config_upstream_format(&c.upstream[2], buf, sizeof(buf)),
		  "[2001:db8::53]:53");
	CHECK_STR(config_upstream_format(&c.upstream[3], buf, sizeof(buf)),
		  "[2001:db8::54]:53");
	CHECK_STR(config_upstream_format(&c.upstream[4], buf, sizeof(buf)),
		  "[2001:db8::55]:853");
	CHECK(!c.upstreams_from_resolv);
	CHECK_STR(c.resolv_conf, "/etc/other-resolv.conf");
	CHECK_EQ(c.dns_timeout_ms, 10);
	CHECK_EQ(c.dns_rate, 0);
	CHECK_EQ(c.dns_burst, 1000000);
	CHECK_EQ(c.dns_tcp_port, 65535);
	CHECK_EQ(c.upstream_sockets, 1024);
	CHECK_STR(c.interface, "eg-0123456789ab");
	CHECK(c.pool4.enabled);
	addr_parse("198.18.0.0", &a);
	CHECK(addr_equal(&c.pool4.net, &a));
	CHECK_EQ(c.pool4.plen, 30);
	CHECK(!c.pool6.enabled);
	CHECK_EQ(c.mtu, 1280);
	CHECK_EQ(c.txqueuelen, 1);
	CHECK_STR(c.nft_table, "Sentry_2");
	CHECK_EQ(c.queues, 16);
	CHECK_EQ(c.flows, 16777216);
	CHECK_EQ(c.learnt, 1);
	CHECK_EQ(c.names, 2);
	CHECK_EQ(c.per_name, 0);
	CHECK_EQ(c.per_address, 5);
	CHECK_EQ(c.fragments, 3);
	CHECK_EQ(c.pending_dns, 4);
	CHECK_EQ(c.bottles, 65536);
	CHECK_EQ(c.timeouts.tcp_new, 1);
	CHECK_EQ(c.timeouts.tcp_established, 604800);
	CHECK_EQ(c.timeouts.tcp_closing, 11);
	CHECK_EQ(c.timeouts.tcp_closed, 12);
	CHECK_EQ(c.timeouts.udp_new, 13);
	CHECK_EQ(c.timeouts.udp_established, 14);
	CHECK_EQ(c.timeouts.icmp, 15);
	CHECK_EQ(c.timeouts.other, 16);
	CHECK_EQ(c.frag_timeout, 120);
	CHECK_EQ(c.reject_tcp, CONFIG_REJECT_ICMP);
	CHECK_EQ(c.reject_udp, CONFIG_REJECT_DROP);
	CHECK_EQ(c.reject_other, CONFIG_REJECT_DROP);
	CHECK(c.standalone);
	CHECK_STR(c.egress_netns, "/run/netns/sentry egress");
}

TEST(engine_from_every_key)
{
	struct sentry_config c;
	struct engine_config e;

	CHECK_OK(every_key, &c);
	config_engine(&c, &e);
	CHECK_EQ(e.flow_capacity, 16777216);
	CHECK_EQ(e.timeouts.tcp_new, 1);
	CHECK_EQ(e.timeouts.other, 16);
	CHECK_EQ(e.learn.max_bindings, 1);
	CHECK_EQ(e.learn.max_names, 2);
	CHECK_EQ(e.learn.per_name_max, 0);
	CHECK_EQ(e.learn.per_addr_max, 5);
	CHECK_EQ(e.frag_capacity, 3);
	CHECK_EQ(e.frag_timeout, 120);
	CHECK_EQ(e.dns_rate, 0);
	CHECK_EQ(e.dns_burst, 1000000);
	CHECK(e.audit);
	CHECK_EQ(e.log_refusals_per_s, 0);
}

/* The other spellings and the other words each key takes */
TEST(other_values)
{
	struct sentry_config c;

	CHECK_OK("[reject]\ntcp = drop\nudp = icmp\nother = icmp\n", &c);
	CHECK_EQ(c.reject_tcp, CONFIG_REJECT_DROP);
	CHECK_OK("[reject]\ntcp = rst\n", &c);
	CHECK_EQ(c.reject_tcp, CONFIG_REJECT_RST);
	CHECK_OK("[daemon]\nlog_level = error\nmode = enforce\n", &c);
	CHECK_EQ(c.log_level, LOG_LVL_ERR);
	CHECK_EQ(c.mode, CONFIG_MODE_ENFORCE);
	CHECK_OK("[daemon]\nlog_level = warning\n", &c);
	CHECK_EQ(c.log_level, LOG_LVL_WARN);
	CHECK_OK("[helper]\nstandalone = no\n", &c);
	CHECK(!c.standalone);
	CHECK_OK("[daemon]\ncontrol_mode = 0\nuser = _sentry$\n"
		 "control_group = 4294967294\n", &c);
	CHECK_EQ(c.control_mode, 0);
	CHECK_STR(c.user, "_sentry$");
	CHECK_STR(c.control_group, "4294967294");
	CHECK_OK("[daemon]\ncontrol_mode = 777\n", &c);	/* octal without 0 */
	CHECK_EQ(c.control_mode, 0777);
	CHECK_OK("[egress]\npool4 = none\npool6 = 2001:db8:1::/48\n", &c);
	CHECK(!c.pool4.enabled);
	CHECK_EQ(c.pool6.plen, 48);
	CHECK_OK("[egress]\npool4 = 10.0.0.0/8\npool6 = 2001:db8::100/120\n", &c);
	CHECK_EQ(c.pool4.plen, 8);
	CHECK_EQ(c.pool6.plen, 120);
	CHECK_OK("[tables]\nflows = 0001\n", &c);	/* leading zeros: decimal */
	CHECK_EQ(c.flows, 1);
	CHECK_OK("[tables]\nflows = 00000001\n", &c);	/* as wide as 16777216 */
	CHECK_EQ(c.flows, 1);
	CHECK_OK("[daemon]\ncontrol_mode = 0000\n", &c);	/* as printed */
	CHECK_EQ(c.control_mode, 0);
	CHECK_OK("[dns]\nupstream = ::1\n", &c);
	CHECK_EQ(c.upstream[0].addr.family, ADDR_FAMILY_V6);
	CHECK_EQ(c.upstream[0].port, 53);
	CHECK_OK("[dns]\nupstream = 127.0.0.53:1\n", &c);
	CHECK_EQ(c.upstream[0].port, 1);
}

/* How lines may be written: CRLF, BOM, indentation, comments, repeats */
TEST(line_forms)
{
	struct sentry_config c;

	CHECK_OK("\xef\xbb\xbf[tables]\r\nflows = 7\r\n", &c);
	CHECK_EQ(c.flows, 7);
	CHECK_OK("[tables]\n   flows = 8\n\tnames=9\n", &c);
	CHECK_EQ(c.flows, 8);
	CHECK_EQ(c.names, 9);
	CHECK_OK("[tables] ; sizes\nflows = 10 ; ten\n# names = 1\n", &c);
	CHECK_EQ(c.flows, 10);
	CHECK_EQ(c.names, 16384);
	/* a section opened twice is one section; no newline at the end */
	CHECK_OK("[tables]\nflows = 11\n[dns]\n[tables]\nnames = 12", &c);
	CHECK_EQ(c.flows, 11);
	CHECK_EQ(c.names, 12);
	/* the same name in two sections is two keys */
	CHECK_OK("[tables]\nfragments = 5\n[timeouts]\nfragments = 6\n", &c);
	CHECK_EQ(c.fragments, 5);
	CHECK_EQ(c.frag_timeout, 6);
}

TEST(error_unknown_key_and_section)
{
	CHECK_ERR("[daemon]\n\n\n\n\n\n\n\n\n\n\n[tables]\nflow = 1\n",
		  "f.ini:13: unknown key 'flow' in [tables] (expected flows, "
		  "learnt, names, per_name, per_address, fragments, pending_dns, bottles)");
	CHECK_ERR("[reject]\nicmp = drop\n",
		  "f.ini:2: unknown key 'icmp' in [reject] (expected tcp, udp, "
		  "other)");
	CHECK_ERR("[dns]\nFLOWS = 1\n",
		  "f.ini:2: unknown key 'FLOWS' in [dns] (expected upstream, "
		  "resolv_conf, timeout_ms, rate, burst, tcp_port, "
		  "upstream_sockets)");
	/* a key of another section */
	CHECK_ERR("[daemon]\nflows = 1\n",
		  "f.ini:2: unknown key 'flows' in [daemon] (expected "
		  "control_socket, control_mode, control_group, policy_store, "
		  "decision_log, mode, default_policy, user, log_level, "
		  "log_refusals, workers)");
	CHECK_ERR("[tables]\nflows = 1\n[table]\n",
		  "f.ini:3: unknown section [table] (expected [daemon], [dns], "
		  "[egress], [tables], [timeouts], [reject], [helper], [nfqueue], [metrics] "
		  "or [tenants])");
	/* an empty unknown section is refused too, not ignored */
	CHECK_ERR("[Daemon]\n",
		  "f.ini:1: unknown section [Daemon] (expected [daemon], [dns], "
		  "[egress], [tables], [timeouts], [reject], [helper], [nfqueue], [metrics] "
		  "or [tenants])");
	/* the list in full, as policies give theirs (common/inifile.c) */
	CHECK_ERR("flows = 1\n",
		  "f.ini:1: 'flows' before any section (expected [daemon], "
		  "[dns], [egress], [tables], [timeouts], [reject], [helper], [nfqueue], [metrics] "
		  "or [tenants] "
		  "first)");
	/* an unprintable key is shown safely */
	CHECK_ERR("[tables]\nfl\x1bws = 1\n",
		  "f.ini:2: unknown key 'fl?ws' in [tables] (expected flows, "
		  "learnt, names, per_name, per_address, fragments, pending_dns, bottles)");
}

TEST(error_syntax)
{
	CHECK_ERR("[tables]\nflows\n", "f.ini:2: expected 'key = value'");
	CHECK_ERR("[tables]\nflows: 1\n", "f.ini:2: expected 'key = value'");
	CHECK_ERR("[tables\nflows = 1\n",
		  "f.ini:1: expected ']' to close the section name");
	CHECK_ERR("[tables] flows = 1\n",
		  "f.ini:1: unexpected text after [tables]");
	/* the first error wins, wherever inih or we saw it */
	CHECK_ERR("[tables]\nflows = 1\nnames\nflow = 2\n",
		  "f.ini:3: expected 'key = value'");
	CHECK_ERR("[tables]\nflow = 1\nnames\n",
		  "f.ini:2: unknown key 'flow' in [tables] (expected flows, "
		  "learnt, names, per_name, per_address, fragments, pending_dns, bottles)");
}

TEST(error_duplicates)
{
	CHECK_ERR("[tables]\nflows = 1\nnames = 2\nflows = 1\n",
		  "f.ini:4: duplicate key 'flows' in [tables] (first set on "
		  "line 2)");
	CHECK_ERR("[daemon]\nmode = audit\n[dns]\n[daemon]\nmode = audit\n",
		  "f.ini:5: duplicate key 'mode' in [daemon] (first set on "
		  "line 2)");
	CHECK_ERR("[dns]\nupstream = 198.18.0.1\nupstream = 198.18.0.1:53\n",
		  "f.ini:3: upstream '198.18.0.1:53' given twice (first on "
		  "line 2)");
	CHECK_ERR("[dns]\nupstream = [2001:db8::1]\nupstream = 2001:DB8::1\n",
		  "f.ini:3: upstream '2001:DB8::1' given twice (first on line "
		  "2)");
}

TEST(error_numbers)
{
	CHECK_ERR("[tables]\nflows = 0\n",
		  "f.ini:2: flows 0 out of range (1..16777216)");
	CHECK_ERR("[tables]\nflows = 16777217\n",
		  "f.ini:2: flows 16777217 out of range (1..16777216)");
	CHECK_ERR("[tables]\nflows = 99999999999\n",
		  "f.ini:2: flows 99999999999 out of range (1..16777216)");
	CHECK_ERR("[tables]\nflows = 123456789012345678901234567890\n",
		  "f.ini:2: flows 123456789012345678901234567890 out of range "
		  "(1..16777216)");
	CHECK_ERR("[daemon]\ncontrol_mode = 00000000000000000000000000000\n",
		  "f.ini:2: control_mode 00000000000000000000000000000 out of "
		  "range (0..0777)");
	/* wider than 16777216: twelve digits were allowed before (num.h) */
	CHECK_ERR("[tables]\nflows = 000000001\n",
		  "f.ini:2: flows 000000001 out of range (1..16777216)");
	CHECK_ERR("[daemon]\ncontrol_mode = 00660\n",
		  "f.ini:2: control_mode 00660 out of range (0..0777)");
	CHECK_ERR("[tables]\nflows = 18446744073709551616\n",
		  "f.ini:2: flows 18446744073709551616 out of range (1..16777216)");
	CHECK_ERR("[tables]\nflows = +1\n",
		  "f.ini:2: expected a decimal number for flows, got '+1'");
	CHECK_ERR("[tables]\nflows = 0x10\n",
		  "f.ini:2: expected a decimal number for flows, got '0x10'");
	CHECK_ERR("[tables]\nbottles = 65537\n",
		  "f.ini:2: bottles 65537 out of range (1..65536)");
	CHECK_ERR("[tables]\nper_name = 16777217\n",
		  "f.ini:2: per_name 16777217 out of range (0..16777216)");
	CHECK_ERR("[tables]\nlearnt = -1\n",
		  "f.ini:2: expected a decimal number for learnt, got '-1'");
	CHECK_ERR("[tables]\nnames = +5\n",
		  "f.ini:2: expected a decimal number for names, got '+5'");
	CHECK_ERR("[tables]\nfragments = 0x10\n",
		  "f.ini:2: expected a decimal number for fragments, got "
		  "'0x10'");
	CHECK_ERR("[tables]\npending_dns = 4k\n",
		  "f.ini:2: expected a decimal number for pending_dns, got "
		  "'4k'");
	CHECK_ERR("[tables]\nflows = 1 2\n",
		  "f.ini:2: expected a decimal number for flows, got '1 2'");
	CHECK_ERR("[tables]\nflows =\n",
		  "f.ini:2: expected a decimal number for flows, got ''");
	CHECK_ERR("[egress]\nmtu = 1279\n",
		  "f.ini:2: mtu 1279 out of range (1280..65535)");
	CHECK_ERR("[egress]\nmtu = 65536\n",
		  "f.ini:2: mtu 65536 out of range (1280..65535)");
	CHECK_ERR("[egress]\ntxqueuelen = 0\n",
		  "f.ini:2: txqueuelen 0 out of range (1..1000000)");
	CHECK_ERR("[egress]\nqueues = 17\n",
		  "f.ini:2: queues 17 out of range (1..16)");
	CHECK_ERR("[dns]\ntcp_port = 0\n",
		  "f.ini:2: tcp_port 0 out of range (1..65535)");
	CHECK_ERR("[dns]\ntcp_port = 65536\n",
		  "f.ini:2: tcp_port 65536 out of range (1..65535)");
	CHECK_ERR("[dns]\ntimeout_ms = 9\n",
		  "f.ini:2: timeout_ms 9 out of range (10..60000)");
	CHECK_ERR("[dns]\ntimeout_ms = 60001\n",
		  "f.ini:2: timeout_ms 60001 out of range (10..60000)");
	CHECK_ERR("[dns]\nburst = 0\n",
		  "f.ini:2: burst 0 out of range (1..1000000)");
	CHECK_ERR("[dns]\nrate = 1000001\n",
		  "f.ini:2: rate 1000001 out of range (0..1000000)");
	CHECK_ERR("[dns]\nupstream_sockets = 1025\n",
		  "f.ini:2: upstream_sockets 1025 out of range (1..1024)");
	CHECK_ERR("[daemon]\nlog_refusals = 1000001\n",
		  "f.ini:2: log_refusals 1000001 out of range (0..1000000)");
	CHECK_ERR("[timeouts]\ntcp_new = 0\n",
		  "f.ini:2: tcp_new 0 out of range (1..604800)");
	CHECK_ERR("[timeouts]\ntcp_established = 604801\n",
		  "f.ini:2: tcp_established 604801 out of range (1..604800)");
	CHECK_ERR("[timeouts]\nfragments = 121\n",
		  "f.ini:2: fragments 121 out of range (1..120)");
	CHECK_ERR("[daemon]\ncontrol_mode = 01000\n",
		  "f.ini:2: control_mode 01000 out of range (0..0777)");
	CHECK_ERR("[daemon]\ncontrol_mode = 0680\n",
		  "f.ini:2: expected octal permission bits (e.g. 0660) for "
		  "control_mode, got '0680'");
}

TEST(error_words)
{
	CHECK_ERR("[daemon]\nmode = permissive\n",
		  "f.ini:2: expected enforce or audit for mode in [daemon], got "
		  "'permissive'");
	CHECK_ERR("[daemon]\nlog_level = warn\n",
		  "f.ini:2: expected error, warning, info or debug for "
		  "log_level in [daemon], got 'warn'");
	CHECK_ERR("[reject]\ntcp = reset\n",
		  "f.ini:2: expected rst, icmp or drop for tcp in [reject], got "
		  "'reset'");
	CHECK_ERR("[reject]\nudp = rst\n",
		  "f.ini:2: expected icmp or drop for udp in [reject], got "
		  "'rst'");
	CHECK_ERR("[reject]\nother = RST\n",
		  "f.ini:2: expected icmp or drop for other in [reject], got "
		  "'RST'");
	CHECK_ERR("[helper]\nstandalone = true\n",
		  "f.ini:2: expected yes or no for standalone, got 'true'");
}

TEST(error_strings)
{
	char text[400], msg[300];

	CHECK_ERR("[daemon]\npolicy_store = var/lib/sentry\n",
		  "f.ini:2: expected an absolute path for policy_store, got "
		  "'var/lib/sentry'");
	CHECK_ERR("[daemon]\npolicy_store =\n",
		  "f.ini:2: expected a value for policy_store");
	CHECK_ERR("[daemon]\ndecision_log = stdout\n",
		  "f.ini:2: expected an absolute path for decision_log (or "
		  "stderr), got 'stdout'");
	CHECK_ERR("[dns]\nresolv_conf = resolv.conf\n",
		  "f.ini:2: expected an absolute path for resolv_conf, got "
		  "'resolv.conf'");
	CHECK_ERR("[helper]\negress_netns = netns\n",
		  "f.ini:2: expected an absolute path for egress_netns, got "
		  "'netns'");
	CHECK_ERR("[daemon]\npolicy_store = /a\tb\n",
		  "f.ini:2: control character in the value of policy_store");
	/* control_socket: sun_path holds 107 bytes and a NUL */
	snprintf(text, sizeof(text), "[daemon]\ncontrol_socket = /%0106d\n", 0);
	{
		struct sentry_config c;

		CHECK_OK(text, &c);
		CHECK_EQ(strlen(c.control_socket), 107);
	}
	snprintf(text, sizeof(text), "[daemon]\ncontrol_socket = /%0107d\n", 0);
	CHECK_ERR(text, "f.ini:2: control_socket too long (at most 107 "
		  "characters)");
	snprintf(text, sizeof(text), "[daemon]\npolicy_store = /%0159d\n", 0);
	{
		struct sentry_config c;

		CHECK_OK(text, &c);
		CHECK_EQ(strlen(c.policy_store), 160);
	}
	snprintf(text, sizeof(text), "[daemon]\npolicy_store = /%0160d\n", 0);
	CHECK_ERR(text, "f.ini:2: policy_store too long (at most 160 "
		  "characters)");
	CHECK_ERR("[daemon]\nuser = 1abc\n",
		  "f.ini:2: expected a user name or number for user, got "
		  "'1abc'");
	CHECK_ERR("[daemon]\nuser = 4294967295\n",
		  "f.ini:2: expected a user name or number for user, got "
		  "'4294967295'");
	CHECK_ERR("[daemon]\nuser =\n", "f.ini:2: expected a value for user");
	CHECK_ERR("[daemon]\ncontrol_group = -wheel\n",
		  "f.ini:2: expected a group name or number for control_group, "
		  "got '-wheel'");
	CHECK_ERR("[daemon]\ncontrol_group = a$b\n",
		  "f.ini:2: expected a group name or number for control_group, "
		  "got 'a$b'");
	snprintf(text, sizeof(text), "[daemon]\nuser = u%031d\n", 0);
	{
		struct sentry_config c;

		CHECK_OK(text, &c);	/* 32 characters */
	}
	snprintf(text, sizeof(text), "[daemon]\nuser = u%032d\n", 0);
	CHECK_ERR(text, "f.ini:2: user too long (at most 32 characters)");
	CHECK_ERR("[daemon]\ndefault_policy = .hidden\n",
		  "f.ini:2: bad policy name '.hidden' for default_policy (1 to "
		  "63 letters, digits, '_', '.' or '-', starting with a letter "
		  "or digit)");
	CHECK_ERR("[egress]\ninterface = 0123456789abcdef\n",
		  "f.ini:2: interface too long (at most 15 characters)");
	CHECK_ERR("[egress]\ninterface = a/b\n",
		  "f.ini:2: bad interface name 'a/b' (no blanks, '/', ':', "
		  "'%' or ';')");
	CHECK_ERR("[egress]\ninterface = eth0:1\n",
		  "f.ini:2: bad interface name 'eth0:1' (no blanks, '/', ':', "
		  "'%' or ';')");
	CHECK_ERR("[egress]\ninterface = sentry%d\n",
		  "f.ini:2: bad interface name 'sentry%d' (no blanks, '/', ':', "
		  "'%' or ';')");
	/* found by fuzz_config: printed back as "interface = ;4", a comment */
	CHECK_ERR("[egress]\ninterface =;4\n",
		  "f.ini:2: bad interface name ';4' (no blanks, '/', ':', "
		  "'%' or ';')");
	CHECK_ERR("[egress]\ninterface = ..\n",
		  "f.ini:2: bad interface name '..' (no blanks, '/', ':', "
		  "'%' or ';')");
	CHECK_ERR("[egress]\ninterface = my if\n",
		  "f.ini:2: bad interface name 'my if' (no blanks, '/', ':', "
		  "'%' or ';')");
	CHECK_ERR("[egress]\nnft_table = 1sentry\n",
		  "f.ini:2: bad nftables table name '1sentry' (a letter, then "
		  "letters, digits or '_')");
	CHECK_ERR("[egress]\nnft_table = sen-try\n",
		  "f.ini:2: bad nftables table name 'sen-try' (a letter, then "
		  "letters, digits or '_')");
	snprintf(text, sizeof(text), "[egress]\nnft_table = t%030d\n", 0);
	{
		struct sentry_config c;

		CHECK_OK(text, &c);	/* 31 characters */
	}
	snprintf(text, sizeof(text), "[egress]\nnft_table = t%031d\n", 0);
	CHECK_ERR(text, "f.ini:2: nft_table too long (at most 31 characters)");
	/* a long bad value is cut short in the message */
	snprintf(text, sizeof(text), "[daemon]\npolicy_store = x%0100d\n", 0);
	snprintf(msg, sizeof(msg), "f.ini:2: expected an absolute path for "
		 "policy_store, got 'x%043d...'", 0);
	CHECK_ERR(text, msg);
}

TEST(error_upstreams)
{
	char text[600];
	size_t n;

	CHECK_ERR("[dns]\nupstream = resolver.example\n",
		  "f.ini:2: expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT for "
		  "upstream (no zone id), got 'resolver.example'");
	CHECK_ERR("[dns]\nupstream = fe80::1%eth0\n",
		  "f.ini:2: expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT for "
		  "upstream (no zone id), got 'fe80::1%eth0'");
	CHECK_ERR("[dns]\nupstream = [fe80::1%eth0]:53\n",
		  "f.ini:2: expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT for "
		  "upstream (no zone id), got '[fe80::1%eth0]:53'");
	CHECK_ERR("[dns]\nupstream = [198.18.0.1]:53\n",
		  "f.ini:2: expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT for "
		  "upstream (no zone id), got '[198.18.0.1]:53'");
	CHECK_ERR("[dns]\nupstream = [2001:db8::1]53\n",
		  "f.ini:2: expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT for "
		  "upstream (no zone id), got '[2001:db8::1]53'");
	CHECK_ERR("[dns]\nupstream = 198.18.0.1:\n",
		  "f.ini:2: expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT for "
		  "upstream (no zone id), got '198.18.0.1:'");
	CHECK_ERR("[dns]\nupstream = 198.18.0.1:0\n",
		  "f.ini:2: upstream port out of range (1..65535) in "
		  "'198.18.0.1:0'");
	CHECK_ERR("[dns]\nupstream = [2001:db8::1]:65536\n",
		  "f.ini:2: upstream port out of range (1..65535) in "
		  "'[2001:db8::1]:65536'");
	CHECK_ERR("[dns]\nupstream =\n",
		  "f.ini:2: expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT for "
		  "upstream (no zone id), got ''");
	CHECK_ERR("[dns]\nupstream = 0.0.0.0\n",
		  "f.ini:2: upstream '0.0.0.0' is an unspecified or multicast "
		  "address");
	CHECK_ERR("[dns]\nupstream = ff02::fb\n",
		  "f.ini:2: upstream 'ff02::fb' is an unspecified or multicast "
		  "address");
	/* eight upstreams fit, the ninth does not */
	n = (size_t)snprintf(text, sizeof(text), "[dns]\n");
	for (int i = 1; i <= 8; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "upstream = 198.18.0.%d\n", i);
	{
		struct sentry_config c;

		CHECK_OK(text, &c);
		CHECK_EQ(c.nupstreams, 8);
	}
	snprintf(text + n, sizeof(text) - n, "upstream = 198.18.0.9\n");
	CHECK_ERR(text, "f.ini:10: more than 8 upstreams");
}

TEST(error_pools)
{
	CHECK_ERR("[egress]\npool4 = 10.0.0.0/7\n",
		  "f.ini:2: pool4 prefix length /7 out of range (/8../30)");
	CHECK_ERR("[egress]\npool4 = 10.0.0.0/31\n",
		  "f.ini:2: pool4 prefix length /31 out of range (/8../30)");
	CHECK_ERR("[egress]\npool6 = fd00::/47\n",
		  "f.ini:2: pool6 prefix length /47 out of range (/48../120)");
	CHECK_ERR("[egress]\npool6 = fd00::/121\n",
		  "f.ini:2: pool6 prefix length /121 out of range (/48../120)");
	CHECK_ERR("[egress]\npool4 = 100.127.0.1/16\n",
		  "f.ini:2: pool4 '100.127.0.1/16' has host bits set (did you "
		  "mean 100.127.0.0/16?)");
	CHECK_ERR("[egress]\npool4 = fd5e::/64\n",
		  "f.ini:2: expected an IPv4 prefix (e.g. 100.127.0.0/16) or "
		  "none for pool4, got 'fd5e::/64'");
	CHECK_ERR("[egress]\npool6 = 100.127.0.0/16\n",
		  "f.ini:2: expected an IPv6 prefix (e.g. fd5e:5e:5e::/64) or "
		  "none for pool6, got '100.127.0.0/16'");
	CHECK_ERR("[egress]\npool4 = 100.127.0.0\n",
		  "f.ini:2: expected an IPv4 prefix (e.g. 100.127.0.0/16) or "
		  "none for pool4, got '100.127.0.0'");
	CHECK_ERR("[egress]\npool4 = off\n",
		  "f.ini:2: expected an IPv4 prefix (e.g. 100.127.0.0/16) or "
		  "none for pool4, got 'off'");
	CHECK_ERR("[egress]\npool4 = 127.0.0.0/8\n",
		  "f.ini:2: pool4 '127.0.0.0/8' is a loopback range, which "
		  "cannot be a source address");
	CHECK_ERR("[egress]\npool6 = fe80::/64\n",
		  "f.ini:2: pool6 'fe80::/64' is a link-local range, which "
		  "cannot be a source address");
	CHECK_ERR("[egress]\npool4 = 224.0.0.0/8\n",
		  "f.ini:2: pool4 '224.0.0.0/8' is a multicast range, which "
		  "cannot be a source address");
	/* both off: blamed on the later of the two lines */
	CHECK_ERR("[egress]\npool6 = none\nmtu = 1500\npool4 = none\n",
		  "f.ini:4: pool4 and pool6 are both none: egress needs at "
		  "least one");
	CHECK_ERR("[egress]\npool4 = none\n[dns]\n[egress]\npool6 = none\n",
		  "f.ini:5: pool4 and pool6 are both none: egress needs at "
		  "least one");
}

TEST(error_line_length_and_nul)
{
	char text[512], msg[200];
	struct sentry_config c;
	int n;

	/* 198 characters fit in libinih's line: the line is read whole */
	n = snprintf(text, sizeof(text), "[daemon]\n; x\n;%0197d\n"
		     "[tables]\nflows = 5\n", 0);
	CHECK(n > 0);
	CHECK_OK(text, &c);
	CHECK_EQ(c.flows, 5);
	/* the same with CRLF: the CR does not count */
	snprintf(text, sizeof(text), "[daemon]\r\n;%0197d\r\n", 0);
	CHECK_OK(text, &c);
	/* a 198-character key line reaches the handler whole */
	snprintf(text, sizeof(text), "[tables]\nflows = %0190d\n", 5);
	snprintf(msg, sizeof(msg), "f.ini:2: flows %044d... out of range "
		 "(1..16777216)", 0);
	CHECK_ERR(text, msg);
	/* 199 would be split by libinih: refused, not parsed in two */
	snprintf(text, sizeof(text), "[daemon]\n; x\n;%0198d\n", 0);
	CHECK_ERR(text, "f.ini:3: line too long (at most 198 characters)");
	snprintf(text, sizeof(text), "[tables]\nflows = %0191d\n", 1);
	CHECK_ERR(text, "f.ini:2: line too long (at most 198 characters)");
	{
		static const char nul[] = "[tables]\nflows = 1\0\nnames = 2\n";
		char e[CONFIG_ERR_MAX];

		CHECK_EQ(config_load_text(nul, sizeof(nul) - 1, "f.ini", &c, e,
					  sizeof(e)), -EINVAL);
		CHECK_STR(e, "f.ini:2: NUL byte in the line (a text file was "
			  "expected)");
	}
}

/* A failed load leaves the caller's config alone; messages never overflow */
TEST(failure_leaves_config_and_err_bounded)
{
	struct sentry_config c, before;
	char e[16];

	memset(&c, 0x5a, sizeof(c));
	before = c;
	CHECK_EQ(load("[tables]\nflows = 7\nnames = 0\n", &c, NULL), -EINVAL);
	CHECK(!memcmp(&c, &before, sizeof(c)));
	memset(e, 'z', sizeof(e));
	CHECK_EQ(config_load_text("[x]\n", 4, "f.ini", &c, e, 10), -EINVAL);
	CHECK_STR(e, "f.ini:1: ");
	CHECK_EQ(e[10], 'z');
	CHECK_EQ(config_load_text("[x]\n", 4, NULL, &c, e, sizeof(e)), -EINVAL);
	CHECK(!strncmp(e, "-:1: unknown", 12));
	/* only the length given is read: a truncated key is an error */
	CHECK_EQ(config_load_text("[tables]\nflows = 1\n", 14, "f.ini", &c, e,
				  sizeof(e)), -EINVAL);
}

static void round_trip(const struct sentry_config *c)
{
	struct sentry_config back;
	char *text = print(c), *again;

	CHECK(text);
	CHECK_OK(text, &back);
	again = print(&back);
	if (!again)
		free(text);
	CHECK(again);
	if (strcmp(text, again))
		t_fail_at("printed twice differently:\n%s\n---\n%s", text, again);
	free(text);
	free(again);
	CHECK(!memcmp(c, &back, sizeof(back)));
}

TEST(print_round_trip)
{
	struct sentry_config c;

	config_defaults(&c);
	round_trip(&c);
	if (t_cur_failed)
		return;
	CHECK_OK(every_key, &c);
	round_trip(&c);
	if (t_cur_failed)
		return;
	CHECK_OK("[egress]\npool4 = none\n[daemon]\ncontrol_mode = 0\n"
		 "default_policy = a\ncontrol_group = 0\n", &c);
	round_trip(&c);
}

/* Every key appears in the printed file, once */
TEST(print_lists_every_key)
{
	static const char *const expect[] = {
		"\ncontrol_socket = /run/sentry/control.sock\n",
		"\ncontrol_mode = 0600\n", "\ncontrol_group =\n",
		"\npolicy_store = /var/lib/sentry/policies\n",
		"\ndecision_log = stderr\n", "\nmode = enforce\n",
		"\ndefault_policy =\n", "\nuser = nobody\n",
		"\nlog_level = info\n", "\nlog_refusals = 20\n",
		"\n; upstream: none given", "\nresolv_conf = /etc/resolv.conf\n",
		"\ntimeout_ms = 2000\n", "\nrate = 100\n", "\nburst = 200\n",
		"\ntcp_port = 5353\n", "\nupstream_sockets = 16\n",
		"\ninterface = sentry0\n", "\npool4 = 100.127.0.0/16\n",
		"\npool6 = fd5e:5e:5e::/64\n", "\nmtu = 65520\n",
		"\ntxqueuelen = 10000\n", "\nnft_table = sentry\n",
		"\nqueues = 1\n", "\nflows = 65536\n", "\nlearnt = 65536\n",
		"\nnames = 16384\n", "\nper_name = 32\n", "\nper_address = 64\n",
		"\nfragments = 1024\n", "\npending_dns = 4096\n",
		"\nbottles = 256\n", "\ntcp_new = 60\n",
		"\ntcp_established = 7440\n", "\ntcp_closing = 120\n",
		"\ntcp_closed = 10\n", "\nudp_new = 30\n",
		"\nudp_established = 180\n", "\nicmp = 30\n", "\nother = 60\n",
		"\nfragments = 30\n", "\ntcp = rst\n", "\nudp = icmp\n",
		"\nother = icmp\n", "\nstandalone = no\n", "\negress_netns =\n",
		"\n[dns]\n", "\n[egress]\n", "\n[tables]\n", "\n[timeouts]\n",
		"\n[reject]\n", "\n[helper]\n",
	};
	struct sentry_config c;
	char *text;

	config_defaults(&c);
	text = print(&c);
	CHECK(text);
	if (strncmp(text, "[daemon]\n", 9))
		t_fail_at("starts with %.20s", text);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		const char *at = strstr(text, expect[i]);

		if (!at || (strcmp(expect[i], "\nfragments = 1024\n") &&
			    strstr(at + 1, expect[i])))
			t_fail_at("'%s' missing or repeated", expect[i] + 1);
	}
	free(text);
}

/* Upstreams read from resolv.conf print as comments: the file still means "resolv.conf" */
TEST(print_resolv_upstreams_as_comments)
{
	struct sentry_config c, back;
	char path[64], *text;
	char cfg_text[200];

	CHECK(!tmpfile_with("nameserver 198.18.0.53\n", path));
	snprintf(cfg_text, sizeof(cfg_text), "[dns]\nresolv_conf = %s\n", path);
	CHECK_OK(cfg_text, &c);
	CHECK_EQ(config_resolv_upstreams(&c, NULL, 0), 0);
	unlink(path);
	text = print(&c);
	CHECK(text);
	if (!strstr(text, "\n; from resolv_conf: upstream = 198.18.0.53:53\n"))
		t_fail_at("printed:\n%s", text);
	CHECK_OK(text, &back);
	free(text);
	CHECK_EQ(back.nupstreams, 0);
}

TEST(resolv_conf)
{
	static const char text[] =
		"# generated\n"
		"; also a comment\n"
		"search example.com\n"
		"options ndots:2\n"
		"nameserver 198.18.0.1\n"
		"  nameserver\t2001:db8::53   # trailing words are ignored\n"
		"nameserver fe80::1%eth0\n"	/* zone id: skipped */
		"nameserver resolver.example\n"	/* not an address */
		"nameserver\n"
		"nameserver 0.0.0.0\n"		/* unspecified */
		"nameserver 224.0.0.251\n"	/* multicast */
		"nameserver 198.18.0.1\n"	/* duplicate */
		"nameservers 198.18.0.9\n"
		"#nameserver 198.18.0.8\n"
		"nameserver 127.0.0.53\r\n";
	struct sentry_config c;
	char path[64], buf[64], e[CONFIG_ERR_MAX];

	CHECK(!tmpfile_with(text, path));
	config_defaults(&c);
	snprintf(c.resolv_conf, sizeof(c.resolv_conf), "%s", path);
	CHECK_EQ(config_resolv_upstreams(&c, e, sizeof(e)), 0);
	unlink(path);
	CHECK_EQ(c.nupstreams, 3);
	CHECK(c.upstreams_from_resolv);
	CHECK_STR(config_upstream_format(&c.upstream[0], buf, sizeof(buf)),
		  "198.18.0.1:53");
	CHECK_STR(config_upstream_format(&c.upstream[1], buf, sizeof(buf)),
		  "[2001:db8::53]:53");
	CHECK_STR(config_upstream_format(&c.upstream[2], buf, sizeof(buf)),
		  "127.0.0.53:53");
}

TEST(resolv_conf_at_most_eight)
{
	char text[512], path[64];
	struct sentry_config c;
	size_t n = 0;

	for (int i = 1; i <= 10; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "nameserver 198.18.1.%d\n", i);
	CHECK(!tmpfile_with(text, path));
	config_defaults(&c);
	snprintf(c.resolv_conf, sizeof(c.resolv_conf), "%s", path);
	CHECK_EQ(config_resolv_upstreams(&c, NULL, 0), 0);
	unlink(path);
	CHECK_EQ(c.nupstreams, CONFIG_UPSTREAMS_MAX);
	CHECK_EQ(c.upstream[7].addr.b[3], 8);
}

TEST(resolv_conf_errors)
{
	struct sentry_config c;
	char path[64], e[CONFIG_ERR_MAX], want[200];

	CHECK(!tmpfile_with("# none here\nnameserver fe80::1%lo\n"
			    "domain example\n", path));
	config_defaults(&c);
	snprintf(c.resolv_conf, sizeof(c.resolv_conf), "%s", path);
	CHECK_EQ(config_resolv_upstreams(&c, e, sizeof(e)), -EDESTADDRREQ);
	snprintf(want, sizeof(want), "%s: no usable nameserver line (or set "
		 "upstream = in [dns])", path);
	CHECK_STR(e, want);
	CHECK_EQ(c.nupstreams, 0);
	CHECK(!c.upstreams_from_resolv);
	unlink(path);
	/* the file is gone now */
	CHECK_EQ(config_resolv_upstreams(&c, e, sizeof(e)), -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	CHECK_STR(e, want);
	/* configured upstreams: resolv.conf is not even read */
	CHECK_OK("[dns]\nupstream = 198.18.0.7\n", &c);
	snprintf(c.resolv_conf, sizeof(c.resolv_conf), "%s", path);
	CHECK_EQ(config_resolv_upstreams(&c, e, sizeof(e)), 0);
	CHECK_EQ(c.nupstreams, 1);
	CHECK(!c.upstreams_from_resolv);
	/* a directory */
	snprintf(c.resolv_conf, sizeof(c.resolv_conf), "/tmp");
	c.nupstreams = 0;
	CHECK_EQ(config_resolv_upstreams(&c, NULL, 0), -EISDIR);
}

TEST(load_file)
{
	struct sentry_config c;
	char path[64], e[CONFIG_ERR_MAX], want[200];

	CHECK(!tmpfile_with("[tables]\nflows = 42\n", path));
	CHECK_EQ(config_load(path, &c, e, sizeof(e)), 0);
	CHECK_EQ(c.flows, 42);
	unlink(path);
	CHECK(!tmpfile_with("[tables]\n\nflows = 0\n", path));
	CHECK_EQ(config_load(path, &c, e, sizeof(e)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: flows 0 out of range "
		 "(1..16777216)", path);
	CHECK_STR(e, want);
	unlink(path);
	CHECK_EQ(config_load(path, &c, e, sizeof(e)), -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	CHECK_STR(e, want);
	CHECK_EQ(config_load("/tmp", &c, e, sizeof(e)), -EISDIR);
	CHECK_EQ(config_load("/dev/null", &c, e, sizeof(e)), -EINVAL);
	CHECK_STR(e, "/dev/null: not a regular file");
}

TEST(load_file_too_large)
{
	struct sentry_config c;
	char path[64], e[CONFIG_ERR_MAX];
	char line[65];
	FILE *f;

	memset(line, 'x', sizeof(line));
	line[0] = ';';
	line[63] = '\n';
	line[64] = '\0';
	CHECK(!tmpfile_with("", path));
	f = fopen(path, "w");
	if (!f)
		unlink(path);
	CHECK(f);
	/* one byte over 1 MiB of comment lines */
	for (int i = 0; i < 16384; i++)
		fputs(line, f);
	fputc('\n', f);
	fclose(f);
	CHECK_EQ(config_load(path, &c, e, sizeof(e)), -EFBIG);
	unlink(path);
	CHECK(strstr(e, "file too large"));
}

static bool find_example(char path[PATH_MAX])
{
	const char *top = getenv("SENTRY_TOP");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (top && *top) {
		snprintf(path, PATH_MAX, "%.*s/contrib/sentry.ini",
			 PATH_MAX - 32, top);
		return !access(path, R_OK);
	}
	snprintf(path, PATH_MAX, "contrib/sentry.ini");
	if (!access(path, R_OK))
		return true;
	snprintf(path, PATH_MAX, "../../contrib/sentry.ini");
	if (!access(path, R_OK))
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	snprintf(path, PATH_MAX, "%.*s/../../../contrib/sentry.ini",
		 PATH_MAX - 32, exe);
	return !access(path, R_OK);
}

/* contrib/sentry.ini shows every key, each at its default */
TEST(contrib_example)
{
	struct sentry_config c, d;
	char path[PATH_MAX], e[CONFIG_ERR_MAX], *printed, *text, *line;
	char *save = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(find_example(path));
	CHECK_EQ(config_load(path, &c, e, sizeof(e)), 0);
	config_defaults(&d);
	CHECK(!memcmp(&c, &d, sizeof(c)));
	f = fopen(path, "r");
	CHECK(f);
	text = calloc(1, 1 << 16);
	if (!text)
		fclose(f);
	CHECK(text);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	printed = print(&d);
	if (!printed)
		free(text);
	CHECK(printed);
	/* every "key = value" line config_print() writes is in the example */
	for (line = strtok_r(printed, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char want[256];

		if (line[0] == ';' || line[0] == '[')
			continue;
		snprintf(want, sizeof(want), "\n%s\n", line);
		if (!strstr(text, want))
			t_fail_at("%s: no line '%s'", path, line);
	}
	if (!strstr(text, "\n#upstream = "))
		t_fail_at("%s: no commented upstream example", path);
	free(printed);
	free(text);
	CHECK(len > 0);
}

static char check_err[2048];	/* what the last check() printed on stderr */

/* check() - `sentry check --quiet -c @file [@extra]`, stderr kept in check_err */
static int check(char *file, char *extra)
{
	char *argv[] = { "check", "--quiet", "-c", file, extra, NULL };
	FILE *cap = tmpfile();
	int saved = dup(2), rc;
	size_t n = 0;

	fflush(stderr);
	if (cap)
		dup2(fileno(cap), 2);
	rc = cmd_check(extra ? 5 : 4, argv);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (cap) {
		rewind(cap);
		n = fread(check_err, 1, sizeof(check_err) - 1, cap);
		fclose(cap);
	}
	check_err[n] = '\0';
	return rc;
}

/* CHECK_CMD() - check() exits @status and says @says on stderr */
#define CHECK_CMD(file, extra, status, says)				\
	do {								\
		CHECK_EQ(check(file, extra), status);			\
		if (!strstr(check_err, says))				\
			t_fail_at("stderr lacks '%s': %s", says,	\
				  check_err);				\
	} while (0)

static int write_check_config(const char *path, const char *store,
			      const char *more)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "[daemon]\npolicy_store = %s\n%s", store, more);
	return fclose(f) ? -1 : 0;
}

/* A store holding policy "p1" in a new directory under /tmp */
static int make_store(char dir[64])
{
	static const char text[] = "[policy]\nname = p1\n[allow]\n"
				   "domain = example.com\n";
	char err[POLICY_ERR_MAX];
	struct policy *pol;
	struct pstore *s;
	int ret;

	snprintf(dir, 64, "/tmp/sentry-test-store-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (policy_compile_text(text, strlen(text), "p1.ini", &pol, err))
		return -1;
	ret = pstore_open(dir, true, false, &s);
	if (!ret) {
		ret = pstore_put(s, &pol, 1);
		pstore_close(s);
	}
	policy_free(pol);
	return ret;
}

static void remove_store(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

struct check_files {
	char dir[64], cfg[64], empty[64], foreign[64], missing[128];
};

static void cmd_check_cases(struct check_files *t)
{
	char more[256];
	int fd;

	write_check_config(t->cfg, t->dir, "default_policy = p1\n[dns]\n"
			   "upstream = 198.18.0.1\n");
	CHECK_CMD(t->cfg, NULL, 0, "");
	CHECK_STR(check_err, "");
	/* no upstream, and a resolv.conf without nameservers */
	snprintf(more, sizeof(more), "[dns]\nresolv_conf = %s\n", t->empty);
	write_check_config(t->cfg, t->dir, more);
	CHECK_CMD(t->cfg, NULL, 1, "no usable nameserver line");
	/* ... with one */
	fd = open(t->empty, O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "nameserver 198.18.0.2\n", 23), 23);
	close(fd);
	CHECK_CMD(t->cfg, NULL, 0, "");
	write_check_config(t->cfg, t->dir, "default_policy = p2\n[dns]\n"
			   "upstream = 198.18.0.1\n");
	CHECK_CMD(t->cfg, NULL, 1, "default_policy 'p2' is not in the policy "
		  "store");
	write_check_config(t->cfg, t->missing, "[dns]\nupstream = 198.18.0.1\n");
	CHECK_CMD(t->cfg, NULL, 1, t->missing);
	/* a missing store is not created by checking it */
	CHECK(access(t->missing, F_OK) && errno == ENOENT);
	write_check_config(t->cfg, t->foreign, "[dns]\nupstream = 198.18.0.1\n");
	CHECK_CMD(t->cfg, NULL, 1, t->foreign);
	write_check_config(t->cfg, t->dir, "user = no-such-user-here\n[dns]\n"
			   "upstream = 198.18.0.1\n");
	CHECK_CMD(t->cfg, NULL, 1, "user 'no-such-user-here'");
	write_check_config(t->cfg, t->dir, "[dns]\nupstream = 198.18.0.1\n"
			   "flows = 1\n");
	CHECK_CMD(t->cfg, NULL, 1, ":5: unknown key 'flows' in [dns]");
	CHECK_CMD(t->missing, NULL, 1, "No such file or directory");
	CHECK_CMD(t->cfg, "extra", 2, "unexpected argument 'extra'");
	CHECK_CMD(t->cfg, "--bogus", 2, "bad option");
}

/* sentry check: 0 when all is well, 1 for each kind of problem, 2 usage */
TEST(cmd_check_exit_status)
{
	struct check_files t;
	bool ready;

	memset(&t, 0, sizeof(t));
	snprintf(t.foreign, sizeof(t.foreign), "/tmp/sentry-test-foreign-XXXXXX");
	ready = !make_store(t.dir) && !tmpfile_with("", t.cfg) &&
		!tmpfile_with("", t.empty) && mkdtemp(t.foreign);
	snprintf(t.missing, sizeof(t.missing), "%s/none", t.dir);
	if (ready)
		cmd_check_cases(&t);	/* a failed CHECK returns: still cleaned */
	unlink(t.cfg);
	unlink(t.empty);
	rmdir(t.foreign);
	if (t.dir[0])
		remove_store(t.dir);
	CHECK(ready);
}

TEST(tenants_parsed)
{
	struct sentry_config c;

	CHECK_OK("[tenants]\nuid.1500 = web, npm\n gid.1600=strict\n"
		 "uid.0 = a.b-c_d\n", &c);
	CHECK_EQ(c.ntenants, 3u);
	CHECK_EQ(c.tenants[0].kind, (uint32_t)CONFIG_TENANT_UID);
	CHECK_EQ(c.tenants[0].id, 1500u);
	CHECK_EQ(c.tenants[0].npolicies, 2u);
	CHECK_STR(c.tenants[0].policy[0], "web");
	CHECK_STR(c.tenants[0].policy[1], "npm");
	CHECK_EQ(c.tenants[1].kind, (uint32_t)CONFIG_TENANT_GID);
	CHECK_EQ(c.tenants[1].id, 1600u);
	CHECK_STR(c.tenants[1].policy[0], "strict");
	/* eight policies and sixteen rules are the most */
	CHECK_OK("[tenants]\nuid.1 = a,b,c,d,e,f,g,h\n", &c);
	CHECK_EQ(c.tenants[0].npolicies, 8u);
	CHECK_OK("[tenants]\nuid.1=a\nuid.2=a\nuid.3=a\nuid.4=a\nuid.5=a\n"
		 "uid.6=a\nuid.7=a\nuid.8=a\ngid.1=a\ngid.2=a\ngid.3=a\n"
		 "gid.4=a\ngid.5=a\ngid.6=a\ngid.7=a\ngid.4294967294=a\n", &c);
	CHECK_EQ(c.ntenants, 16u);
	round_trip(&c);
}

TEST(tenants_errors)
{
	CHECK_ERR("[tenants]\nuser.1 = a\n", "f.ini:2: expected uid.N or gid.N "
		  "(a number) as a key of [tenants], got 'user.1'");
	CHECK_ERR("[tenants]\nuid.x = a\n", "f.ini:2: expected uid.N or gid.N "
		  "(a number) as a key of [tenants], got 'uid.x'");
	CHECK_ERR("[tenants]\nuid. = a\n", "f.ini:2: expected uid.N or gid.N "
		  "(a number) as a key of [tenants], got 'uid.'");
	CHECK_ERR("[tenants]\ngid.4294967295 = a\n", "f.ini:2: expected uid.N "
		  "or gid.N (a number) as a key of [tenants], got 'gid.4294967295'");
	CHECK_ERR("[tenants]\nuid.1 =\n", "f.ini:2: expected policy names "
		  "separated by ',' (an empty one found)");
	CHECK_ERR("[tenants]\nuid.1 = a,,b\n", "f.ini:2: expected policy names "
		  "separated by ',' (an empty one found)");
	CHECK_ERR("[tenants]\nuid.1 = a,\n", "f.ini:2: expected policy names "
		  "separated by ',' (an empty one found)");
	CHECK_ERR("[tenants]\nuid.1 = a b\n", "f.ini:2: bad policy name 'a b' "
		  "in [tenants] (1 to 63 letters, digits, '_', '.' or '-', "
		  "starting with a letter or digit)");
	CHECK_ERR("[tenants]\nuid.1 = a, a\n", "f.ini:2: policy 'a' listed twice");
	CHECK_ERR("[tenants]\nuid.1 = a,b,c,d,e,f,g,h,i\n", "f.ini:2: more than "
		  "8 policies in one [tenants] rule");
	CHECK_ERR("[tenants]\nuid.1 = a\nuid.1 = b\n", "f.ini:3: duplicate rule "
		  "for uid.1 in [tenants]");
	CHECK_ERR("[tenants]\nuid.1=a\nuid.2=a\nuid.3=a\nuid.4=a\nuid.5=a\n"
		  "uid.6=a\nuid.7=a\nuid.8=a\ngid.1=a\ngid.2=a\ngid.3=a\n"
		  "gid.4=a\ngid.5=a\ngid.6=a\ngid.7=a\ngid.8=a\ngid.9=a\n",
		  "f.ini:18: more than 16 rules in [tenants]");
	/* a name one past the longest */
	CHECK_ERR("[tenants]\nuid.1 = a23456789012345678901234567890123456789"
		  "0123456789012345678901234\n", "f.ini:2: bad policy name "
		  "'a2345678901234567890123456789012345678901234...' in "
		  "[tenants] (1 to 63 letters, digits, '_', '.' or '-', starting "
		  "with a letter or digit)");
}

TEST(tenants_grant)
{
	struct sentry_config c;
	const char *got;
	char e[256];
	uint32_t g_none[] = { 7 }, g_1600[] = { 7, 1600 }, g_both[] = { 1700, 1600 };

	/* no rules: anyone asks for anything, "" left to default_policy */
	CHECK_OK("", &c);
	CHECK_EQ(config_tenant_policy(&c, 1500, g_none, 1, "x", &got, e, sizeof(e)), 0);
	CHECK_STR(got, "x");
	CHECK_EQ(config_tenant_policy(&c, 1500, g_none, 1, "", &got, e, sizeof(e)), 0);
	CHECK_STR(got, "");

	CHECK_OK("[tenants]\ngid.1600 = strict, npm\nuid.1500 = web, npm\n"
		 "gid.1700 = build\n", &c);
	/* the uid rule's first is the default, before an earlier gid rule */
	CHECK_EQ(config_tenant_policy(&c, 1500, g_1600, 2, "", &got, e, sizeof(e)), 0);
	CHECK_STR(got, "web");
	/* granted by the group rule */
	CHECK_EQ(config_tenant_policy(&c, 1500, g_1600, 2, "strict", &got, e, sizeof(e)), 0);
	CHECK_STR(got, "strict");
	/* no uid rule: the first matching gid rule in file order */
	CHECK_EQ(config_tenant_policy(&c, 1501, g_both, 2, "", &got, e, sizeof(e)), 0);
	CHECK_STR(got, "strict");
	CHECK_EQ(config_tenant_policy(&c, 1501, g_both, 2, "build", &got, e, sizeof(e)), 0);
	/* refused, naming what is granted */
	CHECK_EQ(config_tenant_policy(&c, 1500, g_none, 1, "strict", &got, e, sizeof(e)), -EPERM);
	CHECK_STR(e, "policy 'strict' is not granted to uid 1500 (granted: web, "
		  "npm; [tenants] in sentry.ini)");
	CHECK_EQ(config_tenant_policy(&c, 1500, g_1600, 2, "build", &got, e, sizeof(e)), -EPERM);
	CHECK_STR(e, "policy 'build' is not granted to uid 1500 (granted: strict, "
		  "npm, web, npm; [tenants] in sentry.ini)");
	/* no rule names the peer */
	CHECK_EQ(config_tenant_policy(&c, 1502, g_none, 1, "", &got, e, sizeof(e)), -EPERM);
	CHECK_STR(e, "uid 1502 is granted no policy: no [tenants] rule in "
		  "sentry.ini names it or its groups");
	CHECK_EQ(config_tenant_policy(&c, 1502, NULL, 0, "web", &got, e, sizeof(e)), -EPERM);
}

int main(void)
{
	RUN(defaults);
	RUN(empty_file_is_defaults);
	RUN(engine_defaults_agree);
	RUN(every_key_parsed);
	RUN(engine_from_every_key);
	RUN(other_values);
	RUN(line_forms);
	RUN(error_unknown_key_and_section);
	RUN(error_syntax);
	RUN(error_duplicates);
	RUN(error_numbers);
	RUN(error_words);
	RUN(error_strings);
	RUN(error_upstreams);
	RUN(error_pools);
	RUN(error_line_length_and_nul);
	RUN(failure_leaves_config_and_err_bounded);
	RUN(print_round_trip);
	RUN(print_lists_every_key);
	RUN(print_resolv_upstreams_as_comments);
	RUN(resolv_conf);
	RUN(resolv_conf_at_most_eight);
	RUN(resolv_conf_errors);
	RUN(load_file);
	RUN(load_file_too_large);
	RUN(contrib_example);
	RUN(cmd_check_exit_status);
	RUN(tenants_parsed);
	RUN(tenants_errors);
	RUN(tenants_grant);
	return t_done();
}
