/*
 * Unit tests of config_parse_listen(), the "[ADDR:]PORT" of --gemini,
 * --gopher and the listen directives: what it accepts, what it refuses.
 */
#include <string.h>

#include "capsuled.h"
#include "check.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A config_parse_listen() case it must accept. */
struct listen_case {
	const char	*in;	/* the spec */
	const char	*addr;	/* expected address */
	int		 port;	/* expected port */
};

static const struct listen_case listen_cases[] = {
	{ "1965", "", 1965 },
	{ "*:1965", "", 1965 },
	{ "01965", "", 1965 },
	{ "127.0.0.1:70", "127.0.0.1", 70 },
	{ "localhost:1965", "localhost", 1965 },
	{ "gemini.example-1.org:1", "gemini.example-1.org", 1 },
	{ "[::1]:1965", "::1", 1965 },
	{ "[::]:65535", "::", 65535 },
	{ "[2001:db8::7]:7070", "2001:db8::7", 7070 },
	{ "[fe80::1%eth0]:1965", "fe80::1%eth0", 1965 },
	{ "[::ffff:127.0.0.1]:1965", "::ffff:127.0.0.1", 1965 },
};

/* Specs it must refuse: bad ports, IPv6 without brackets, odd names. */
static const char *const listen_bad[] = {
	"", "0", "65536", "123456", "-1", "+1965", "1965x", " 1965",
	"localhost", "localhost:", ":1965", "*", "*:0", "**:1965", "::1",
	"::1:1965", "fe80::1:1965", "[::1]", "[::1]1965", "[::1]:",
	"[::1:1965", "[]:1965", "[*]:1965", "[127.0.0.1]:1965",
	"[::1]:1965:1", "a b:1965", "a/b:1965", "a:b:1965",
};

static void
test_listen(struct check *ck)
{
	const struct listen_case	*c;
	struct listen_spec		 ls;
	char				 s[NAME_MAX_DNS + 8];
	size_t				 i;

	for (i = 0; i < NELEM(listen_cases); i++) {
		c = &listen_cases[i];
		check_case(ck, "listen \"%s\"", c->in);
		memset(&ls, 0x5a, sizeof(ls));
		if (!CHECK_INT(ck, config_parse_listen(c->in, &ls), 0))
			continue;
		CHECK_STR(ck, ls.addr, c->addr);
		CHECK_INT(ck, ls.port, c->port);
		CHECK_INT(ck, ls.proto, PROTO_GEMINI);
	}
	for (i = 0; i < NELEM(listen_bad); i++) {
		check_case(ck, "listen refuses \"%s\"", listen_bad[i]);
		CHECK_INT(ck, config_parse_listen(listen_bad[i], &ls), -1);
	}
	check_case(ck, "listen: names up to %d bytes", NAME_MAX_DNS);
	memset(s, 'a', NAME_MAX_DNS + 1);
	memcpy(s + NAME_MAX_DNS + 1, ":1965", 6);
	CHECK_INT(ck, config_parse_listen(s, &ls), -1);
	memcpy(s + NAME_MAX_DNS, ":1965", 6);
	CHECK_INT(ck, config_parse_listen(s, &ls), 0);
	CHECK_INT(ck, strlen(ls.addr), NAME_MAX_DNS);
}

/* Parses text, dumps it, parses the dump: same config, same dump. */

int
main(void)
{
	struct check	 ck;

	check_init(&ck, "test_listen");
	test_listen(&ck);
	return check_done(&ck);
}
