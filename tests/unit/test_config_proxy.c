/*
 * Unit tests of the PROXY protocol's configuration (config.c,
 * config_io.c, proxy_config_check): the proxy-protocol listener option,
 * proxy-from, their errors, the rule that ties them, and the dump. Kept
 * apart from test_config.c, which is at its size limit.
 */
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"
#include "config_util.h"

static const char good_conf[] =
    "gemini *:1965 proxy-protocol\n"
    "gopher [::1]:70 \"proxy-protocol\"\n"
    "gemini 127.0.0.1:1966\n"
    "proxy-from 10.0.0.0/8\n"
    "proxy-from 2001:DB8::/32 # the balancers\n"
    "proxy-from 192.0.2.7\n";

/* What good_conf looks like in the dump. */
static const char good_lines[] =
    "gemini *:1965 proxy-protocol\n"
    "gopher [::1]:70 proxy-protocol\n"
    "gemini 127.0.0.1:1966\n"
    "proxy-from 10.0.0.0/8\n"
    "proxy-from 2001:db8::/32\n"
    "proxy-from 192.0.2.7/32\n";

static void
test_good(struct check *ck, struct config *a, struct config *b)
{
	char	 err[ERR_MAX], *d1 = NULL, *d2 = NULL;

	check_case(ck, "listeners with proxy-protocol and proxy-from");
	if (!CHECK_INT(ck, parse(a, S(good_conf), err), 0)) {
		check_fail(ck, __FILE__, __LINE__, "%s", err);
		return;
	}
	CHECK_INT(ck, a->nlisten, 3);
	CHECK_INT(ck, a->listen[0].is_proxy, 1);
	CHECK_INT(ck, a->listen[0].proto, PROTO_GEMINI);
	CHECK_INT(ck, a->listen[1].is_proxy, 1);
	CHECK_INT(ck, a->listen[1].proto, PROTO_GOPHER);
	CHECK_INT(ck, a->listen[1].port, 70);
	CHECK_INT(ck, a->listen[2].is_proxy, 0);
	CHECK_INT(ck, a->nproxy_from, 3);
	CHECK_INT(ck, a->proxy_from[1].family, AF_INET6);
	CHECK_INT(ck, a->proxy_from[2].prefix, 32);
	CHECK_INT(ck, proxy_config_check(a, err, sizeof(err)), 0);

	check_case(ck, "dump: proxy-protocol and proxy-from written back");
	if (!CHECK(ck, (d1 = dump(a)) != NULL))
		return;
	CHECK(ck, strstr(d1, good_lines) != NULL);
	check_case(ck, "dump: round trip");
	if (CHECK_INT(ck, parse(b, d1, strlen(d1), err), 0)) {
		CHECK(ck, memcmp(a->listen, b->listen, sizeof(a->listen)) == 0);
		CHECK_INT(ck, b->nproxy_from, 3);
		CHECK(ck, memcmp(a->proxy_from, b->proxy_from,
		    sizeof(a->proxy_from)) == 0);
		if (CHECK(ck, (d2 = dump(b)) != NULL))
			CHECK_STR(ck, d2, d1);
	} else
		check_fail(ck, __FILE__, __LINE__, "%s in:\n%s", err, d1);
	free(d1);
	free(d2);
}

static const struct err_case err_cases[] = {
	ERR("gemini 1965 proxy\n", "1: 'gemini': unknown option 'proxy' "
	    "(want proxy-protocol)"),
	ERR("gopher 70 PROXY-PROTOCOL\n", "1: 'gopher': unknown option "
	    "'PROXY-PROTOCOL' (want proxy-protocol)"),
	ERR("gemini 1965 proxy-protocol x\n",
	    "1: 'gemini' takes 1 to 2 arguments, not 3"),
	ERR("gopher\n", "1: 'gopher' takes 1 to 2 arguments, not 0"),
	ERR("gemini 1965 \"\"\n", "1: 'gemini': empty argument"),
	ERR("gemini proxy-protocol\n", "1: 'gemini': bad address "
	    "'proxy-protocol' (want [ADDR:]PORT)"),
	ERR("proxy-from\n", "1: 'proxy-from' takes 1 argument, not 0"),
	ERR("proxy-from 10.0.0.0/8 10.1.0.0/16\n",
	    "1: 'proxy-from' takes 1 argument, not 2"),
	ERR("proxy-from 10.0.0.1/8\n", "1: 'proxy-from': bad network "
	    "'10.0.0.1/8' (want ADDR[/PREFIX], host bits zero)"),
	ERR("proxy-from lb.example\n", "1: 'proxy-from': bad network "
	    "'lb.example' (want ADDR[/PREFIX], host bits zero)"),
	ERR("proxy-from ::/129\n", "1: 'proxy-from': bad network "
	    "'::/129' (want ADDR[/PREFIX], host bits zero)"),
	ERR("host a {\nroot r\nproxy-from ::1\n}\n", "3: 'proxy-from' is "
	    "not allowed in a host block (is a '}' missing?)"),
};

static void
test_errors(struct check *ck, struct config *conf)
{
	check_errors(ck, conf, err_cases, NELEM(err_cases));
}

static void
test_limits(struct check *ck, struct config *conf)
{
	char	 buf[PROXY_FROM_MAX * 32], err[ERR_MAX];
	size_t	 i, n = 0;

	for (i = 0; i <= PROXY_FROM_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "proxy-from 10.0.%zu.0/24\n", i);
	check_case(ck, "refuses: more than %d proxy-from", PROXY_FROM_MAX);
	CHECK_INT(ck, parse(conf, buf, n, err), -1);
	CHECK_STR(ck, err, NAME ":17: more than 16 'proxy-from' networks");
	check_case(ck, "accepts: %d proxy-from", PROXY_FROM_MAX);
	CHECK_INT(ck, parse(conf, buf, n - strlen("proxy-from 10.0.16.0/24\n"),
	    err), 0);
	CHECK_INT(ck, conf->nproxy_from, PROXY_FROM_MAX);
}

static void
test_check(struct check *ck, struct config *conf)
{
	char	 err[ERR_MAX];

	check_case(ck, "a proxy-protocol listener without proxy-from");
	CHECK_INT(ck, parse(conf, S("gopher 70 proxy-protocol\n"), err), 0);
	CHECK_INT(ck, proxy_config_check(conf, err, sizeof(err)), -1);
	CHECK_STR(ck, err, "a proxy-protocol listener needs proxy-from: the "
	    "peers trusted to send the header");
	check_case(ck, "proxy-from without a proxy-protocol listener is fine");
	CHECK_INT(ck, parse(conf, S("gopher 70\nproxy-from ::1\n"), err), 0);
	CHECK_INT(ck, proxy_config_check(conf, err, sizeof(err)), 0);
	check_case(ck, "defaults: no proxy listener, no proxy-from");
	config_defaults(conf);
	CHECK_INT(ck, conf->nproxy_from, 0);
	CHECK_INT(ck, proxy_config_check(conf, err, sizeof(err)), 0);
}

int
main(void)
{
	struct check	 ck;
	struct config	*a, *b;

	check_init(&ck, "test_config_proxy");
	if ((a = malloc(sizeof(*a))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL)
		return 1;
	test_good(&ck, a, b);
	test_errors(&ck, a);
	test_limits(&ck, a);
	test_check(&ck, a);
	free(a);
	free(b);
	return check_done(&ck);
}
