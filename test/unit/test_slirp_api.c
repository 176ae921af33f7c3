// SPDX-License-Identifier: GPL-2.0-or-later
/* test_slirp_api.c - slirp4netns API requests: Podman's, and every refusal in slirp4netns's words */
#include <errno.h>
#include <string.h>

#include "helpers/slirp_api.h"
#include "t.h"

static struct slirp_api_req r;
static char err[256];

static int parse(const char *s)
{
	return slirp_api_parse(s, strlen(s), &r, err, sizeof(err));
}

#define CHECK_DESC(s, desc)						\
	do {								\
		CHECK_EQ(parse(s), -EINVAL);				\
		CHECK_STR(err, "{\"error\":{\"desc\":\"bad request: " desc "\"}}"); \
	} while (0)

TEST(podman_requests)
{
	CHECK_EQ(parse("{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"tcp\", "
		       "\"host_addr\": \"0.0.0.0\", \"host_port\": 8080, \"guest_addr\": "
		       "\"10.0.2.100\", \"guest_port\": 80}}"), 0);
	CHECK_EQ(r.op, SLIRP_API_ADD);
	CHECK(!r.udp);
	CHECK_STR(r.host_addr, "0.0.0.0");
	CHECK_EQ(r.host_port, 8080);
	CHECK_STR(r.guest_addr, "10.0.2.100");
	CHECK_EQ(r.guest_port, 80);
	/* no host_addr, no guest_addr: slirp4netns's defaults */
	CHECK_EQ(parse("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"udp\","
		       "\"host_addr\":\"\",\"host_port\":5353,\"guest_port\":53}}\n"), 0);
	CHECK(r.udp);
	CHECK_STR(r.host_addr, "0.0.0.0");
	CHECK_STR(r.guest_addr, "");
	CHECK_EQ(parse("{\"execute\": \"list_hostfwd\"}"), 0);
	CHECK_EQ(r.op, SLIRP_API_LIST);
	CHECK_EQ(parse("{\"execute\": \"remove_hostfwd\", \"arguments\": {\"id\": 42}}"), 0);
	CHECK_EQ(r.op, SLIRP_API_REMOVE);
	CHECK_EQ(r.id, 42);
	/* members we do not know, arrays, escapes and literals are walked over */
	CHECK_EQ(parse("{\"x\":[1,{\"a\":null},true,false],\"execute\":\"list\\u0068ostfwd\"}"), -EINVAL);
	CHECK_EQ(parse("{\"x\":[1,{\"a\":null},true,false],\"execute\":\"list_hostfwd\","
		       "\"s\":\"q\\\"\\\\\"}"), 0);
}

TEST(refusals)
{
	CHECK_DESC("", "cannot parse JSON");
	CHECK_DESC("{\"execute\":", "cannot parse JSON");
	CHECK_DESC("{\"execute\":\"list_hostfwd\"} x", "cannot parse JSON");
	CHECK_DESC("{\"execute\":\"list_hostfwd\"", "cannot parse JSON");
	CHECK_DESC("{\"execute\":\"li", "cannot parse JSON");
	CHECK_DESC("[1,2]", "json_object() failed");
	CHECK_DESC("{}", "no execute found");
	CHECK_DESC("{\"execute\":1}", "no execute found");
	CHECK_DESC("{\"execute\":\"reboot\"}", "unknown execute");
	CHECK_DESC("{\"execute\":\"add_hostfwd\"}", "add_hostfwd: bad arguments.proto");
	CHECK_DESC("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"sctp\"}}",
		   "add_hostfwd: bad arguments.proto");
	CHECK_DESC("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"::1\"}}",
		   "add_hostfwd: bad arguments.host_addr");
	CHECK_DESC("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":0}}",
		   "add_hostfwd: bad arguments.host_port");
	CHECK_DESC("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":70000}}",
		   "add_hostfwd: bad arguments.host_port");
	CHECK_DESC("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":1,"
		   "\"guest_addr\":\"x\"}}", "add_hostfwd: bad arguments.guest_addr");
	CHECK_DESC("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":1}}",
		   "add_hostfwd: bad arguments.guest_port");
	/* nesting is bounded */
	CHECK_DESC("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}}",
		   "cannot parse JSON");
	/* an embedded NUL, a control character in a string */
	CHECK_EQ(slirp_api_parse("{\"execute\":\"list_hostfwd\"}\0", 27, &r, err, sizeof(err)), -EINVAL);
	CHECK_DESC("{\"execute\":\"list\n\"}", "cannot parse JSON");
}

int main(void)
{
	RUN(podman_requests);
	RUN(refusals);
	return t_done();
}
