/*
 * Unit tests of proxy.c: good v1 and v2 headers and what they say, each
 * malformed form with its reason, every prefix of a good header, and the
 * proxy-from networks (parse, match, format).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* A string literal and its length, embedded NUL bytes included. */
#define S(s)		(s), sizeof(s) - 1
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* The v2 signature, as a string literal. */
#define SIG		"\r\n\r\n\0\r\nQUIT\n"
/* What follows a header in the tests: must never be counted in it. */
#define AFTER		"/index.gmi\r\n"

/* "addr port" of a parsed address, or "?" */
static const char *
show(const struct sockaddr_storage *ss, char *buf, size_t bufsz)
{
	char	 host[INET6_ADDRSTRLEN], port[8];

	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host,
	    sizeof(host), port, sizeof(port), NI_NUMERICHOST |
	    NI_NUMERICSERV) != 0)
		return "?";
	snprintf(buf, bufsz, "%s %s", host, port);
	return buf;
}

/* A good header, what follows it, and what it must say. */
struct good_case {
	const char	*what;		/* case name */
	const char	*text;		/* header then AFTER */
	size_t		 len;		/* bytes of text */
	size_t		 used;		/* bytes of the header */
	int		 family;	/* AF_INET(6) of src, 0 = local */
	const char	*src;		/* "addr port", NULL if local */
	const char	*dst;		/* "addr port", NULL if local */
};

#define V1(what, hdr, fam, src, dst)					\
	{ what, S(hdr AFTER), sizeof(hdr) - 1, fam, src, dst }
/* A v2 header: command, family, 16-bit length, block. */
#define V2(what, hdr, fam, src, dst)					\
	{ what, S(SIG hdr AFTER), sizeof(SIG hdr) - 1, fam, src, dst }
#define UNKNOWN_MAX	"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:" \
	"ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"
/* 12 bytes of IPv4 block: 198.51.100.9:4386 to 127.0.0.1:70. */
#define BLOCK4		"\xc6\x33\x64\x09\x7f\x00\x00\x01\x11\x22\x00\x46"
/* 36 bytes of IPv6 block: [2001:db8::1]:65535 to [::1]:1965. */
#define BLOCK6		"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"	\
	"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\xff\xff\x07\xad"

static const struct good_case good_cases[] = {
	V1("v1 TCP4", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n",
	    AF_INET, "192.0.2.1 56324", "198.51.100.2 443"),
	V1("v1 TCP6", "PROXY TCP6 2001:db8::1 ::1 65535 0\r\n", AF_INET6,
	    "2001:db8::1 65535", "::1 0"),
	V1("v1 TCP6, IPv4-mapped",
	    "PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n", AF_INET6,
	    "::ffff:192.0.2.1 1", "::1 2"),
	V1("v1 UNKNOWN", "PROXY UNKNOWN\r\n", 0, NULL, NULL),
	V1("v1 UNKNOWN, rest ignored", "PROXY UNKNOWN  x\x7e y\r\n", 0,
	    NULL, NULL),
	V1("v1 UNKNOWN of 107 bytes", UNKNOWN_MAX, 0, NULL, NULL),
	V2("v2 PROXY TCP4", "\x21\x11\x00\x0c" BLOCK4, AF_INET,
	    "198.51.100.9 4386", "127.0.0.1 70"),
	V2("v2 PROXY TCP6", "\x21\x21\x00\x24" BLOCK6, AF_INET6,
	    "2001:db8::1 65535", "::1 1965"),
	V2("v2 LOCAL", "\x20\x00\x00\x00", 0, NULL, NULL),
	V2("v2 LOCAL with an address", "\x20\x11\x00\x0c" BLOCK4, 0, NULL,
	    NULL),
	V2("v2 LOCAL ignores the family", "\x20\xff\x00\x02xy", 0, NULL,
	    NULL),
	V2("v2 PROXY UNSPEC", "\x21\x00\x00\x00", 0, NULL, NULL),
	V2("v2 PROXY UNSPEC, block ignored", "\x21\x00\x00\x02\xff\xff", 0,
	    NULL, NULL),
	V2("v2 PROXY UDP4: unknown", "\x21\x12\x00\x0c" BLOCK4, 0, NULL,
	    NULL),
	V2("v2 PROXY UDP6: unknown", "\x21\x22\x00\x24" BLOCK6, 0, NULL,
	    NULL),
	V2("v2 TCP4 and TLVs", "\x21\x11\x00\x1b" BLOCK4
	    "\x01\x00\x06gemini" "\x04\x00\x03\0\0\0", AF_INET,
	    "198.51.100.9 4386", "127.0.0.1 70"),
	V2("v2 TCP4, empty TLV", "\x21\x11\x00\x0f" BLOCK4 "\x04\x00\x00",
	    AF_INET, "198.51.100.9 4386", "127.0.0.1 70"),
};

/* Checks one result against a good case. */
static void
check_good(struct check *ck, const struct good_case *c,
    enum proxy_status st, const struct proxy_result *r)
{
	char	 buf[80];

	if (!CHECK_INT(ck, st, PROXY_DONE)) {
		check_fail(ck, __FILE__, __LINE__, "reason: %s", r->reason);
		return;
	}
	CHECK_INT(ck, r->used, c->used);
	CHECK_INT(ck, r->is_local, c->family == 0);
	if (c->family == 0)
		return;
	CHECK_INT(ck, r->src.ss_family, c->family);
	CHECK_INT(ck, r->dst.ss_family, c->family);
	CHECK_STR(ck, show(&r->src, buf, sizeof(buf)), c->src);
	CHECK_STR(ck, show(&r->dst, buf, sizeof(buf)), c->dst);
}

static void
test_good(struct check *ck)
{
	const struct good_case	*c;
	struct proxy_result	 r;
	enum proxy_status	 st;
	size_t			 i, k;
	int			 is_bad;

	for (i = 0; i < NELEM(good_cases); i++) {
		c = &good_cases[i];
		check_case(ck, "%s", c->what);
		check_good(ck, c, proxy_parse(c->text, c->len, &r), &r);
		check_case(ck, "%s: header alone", c->what);
		check_good(ck, c, proxy_parse(c->text, c->used, &r), &r);
		check_case(ck, "%s: every shorter prefix needs more", c->what);
		for (k = 0, is_bad = 0; k < c->used && !is_bad; k++)
			if ((st = proxy_parse(c->text, k, &r)) !=
			    PROXY_NEED_MORE)
				is_bad = check_fail(ck, __FILE__, __LINE__,
				    "prefix of %zu bytes: %d (%s)", k, st,
				    r.reason != NULL ? r.reason : "");
	}
}

/* A header proxy_parse refuses, and the reason it must give. */
struct bad_case {
	const char	*what;		/* case name */
	const char	*text;		/* the bytes */
	size_t		 len;		/* bytes of text */
	const char	*reason;	/* the whole reason */
	size_t		 at;		/* refused from this prefix on, or 0 */
};

#define BAD(what, text, reason)		{ what, S(text), reason, 0 }
#define BAD_AT(what, text, reason, at)	{ what, S(text), reason, at }
#define NOT	"not a PROXY header"
#define FIELDS	"v1: not six fields between single spaces"
#define ADDR	"v1: bad address or port"
#define PROTO	"v1: protocol not TCP4, TCP6 or UNKNOWN"

static const struct bad_case bad_cases[] = {
	BAD_AT("a Gopher selector", "/index.gmi\r\n", NOT, 1),
	BAD_AT("an HTTP request", "GET / HTTP/1.0\r\n", NOT, 1),
	BAD_AT("a TLS ClientHello", "\x16\x03\x01\x02\x00", NOT, 1),
	BAD_AT("lower-case proxy", "proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n", NOT,
	    1),
	BAD_AT("PROXY without its space", "PROXYTCP4\r\n", NOT, 6),
	BAD_AT("PROXY alone", "PROXY\r\n", NOT, 6),
	BAD("LF without CR", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n",
	    "v1: byte not printable ASCII"),
	BAD("CR without LF", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX",
	    "v1: CR without LF"),
	BAD_AT("a NUL byte", "PROXY TCP4 1.2.3.4\0 1.2.3.4 1 2\r\n",
	    "v1: byte not printable ASCII", 19),
	BAD_AT("a non-ASCII byte", "PROXY TCP4 1.2.3.4\xc3\xa9\r\n",
	    "v1: byte not printable ASCII", 19),
	BAD("a TAB", "PROXY TCP4\t1.2.3.4 1.2.3.4 1 2\r\n",
	    "v1: byte not printable ASCII"),
	BAD("UNKNOWN of 108 bytes", "PROXY UNKNOWN 0ffff:ffff:ffff:ffff:"
	    "ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "65535 65535\r\n", "v1: no CR LF within 107 bytes"),
	BAD("TCP5", "PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", PROTO),
	BAD("tcp4", "PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n", PROTO),
	BAD("UNKNOWNX", "PROXY UNKNOWNX\r\n", PROTO),
	BAD("two spaces after PROXY", "PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n",
	    PROTO),
	BAD("empty after PROXY", "PROXY \r\n", PROTO),
	BAD("two spaces", "PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n", FIELDS),
	BAD("a trailing space", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n",
	    FIELDS),
	BAD("no destination port", "PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n",
	    FIELDS),
	BAD("a seventh field", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n",
	    FIELDS),
	BAD("TCP4 alone", "PROXY TCP4\r\n", FIELDS),
	BAD("a port with a leading zero", "PROXY TCP4 1.2.3.4 1.2.3.4 01 2"
	    "\r\n", ADDR),
	BAD("port 00", "PROXY TCP4 1.2.3.4 1.2.3.4 1 00\r\n", ADDR),
	BAD("port 65536", "PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", ADDR),
	BAD("port of six digits", "PROXY TCP4 1.2.3.4 1.2.3.4 100000 2\r\n",
	    ADDR),
	BAD("a signed port", "PROXY TCP4 1.2.3.4 1.2.3.4 +1 2\r\n", ADDR),
	BAD("a negative port", "PROXY TCP4 1.2.3.4 1.2.3.4 1 -2\r\n", ADDR),
	BAD("a port with letters", "PROXY TCP4 1.2.3.4 1.2.3.4 1 2x\r\n",
	    ADDR),
	BAD("IPv6 under TCP4", "PROXY TCP4 ::1 ::1 1 2\r\n", ADDR),
	BAD("IPv4 under TCP6", "PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n", ADDR),
	BAD("three-part IPv4", "PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", ADDR),
	BAD("an IPv4 byte over 255", "PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n",
	    ADDR),
	BAD("an IPv4 address in octal", "PROXY TCP4 1.2.3.4 01.2.3.4 1 2\r\n",
	    ADDR),
	BAD("a host name", "PROXY TCP4 localhost 1.2.3.4 1 2\r\n", ADDR),
	BAD("IPv6 in brackets", "PROXY TCP6 [::1] ::1 1 2\r\n", ADDR),
	BAD("IPv6 with a zone", "PROXY TCP6 fe80::1%lo ::1 1 2\r\n", ADDR),
	BAD_AT("v2: bad signature", "\r\n\r\n\x01\r\nQUIT\n\x21\x11\x00\x0c"
	    BLOCK4, NOT, 5),
	BAD_AT("v2: signature off by one byte", "\r\n\r\n\0\r\nQUIT\r"
	    "\x21\x11\x00\x0c" BLOCK4, NOT, 12),
	BAD_AT("v2: version 1", SIG "\x11\x11\x00\x0c" BLOCK4,
	    "v2: version not 2", 13),
	BAD_AT("v2: version 3", SIG "\x31\x11\x00\x0c" BLOCK4,
	    "v2: version not 2", 13),
	BAD_AT("v2: command 2", SIG "\x22\x11\x00\x0c" BLOCK4,
	    "v2: command not LOCAL or PROXY", 13),
	BAD_AT("v2: command 15", SIG "\x2f\x11\x00\x0c" BLOCK4,
	    "v2: command not LOCAL or PROXY", 13),
	BAD_AT("v2: family 4", SIG "\x21\x41\x00\x0c" BLOCK4,
	    "v2: bad address family or transport", 14),
	BAD_AT("v2: transport 3", SIG "\x21\x13\x00\x0c" BLOCK4,
	    "v2: bad address family or transport", 14),
	BAD_AT("v2: INET, transport UNSPEC", SIG "\x21\x10\x00\x0c" BLOCK4,
	    "v2: bad address family or transport", 14),
	BAD_AT("v2: TCP4 block of 11", SIG "\x21\x11\x00\x0b" BLOCK4,
	    "v2: address block too short", 16),
	BAD_AT("v2: TCP6 block of 12", SIG "\x21\x21\x00\x0c" BLOCK4,
	    "v2: address block too short", 16),
	BAD_AT("v2: UNIX block of 12", SIG "\x21\x31\x00\x0c" BLOCK4,
	    "v2: address block too short", 16),
	BAD_AT("v2: header of 537 bytes", SIG "\x21\x11\x02\x09" BLOCK4,
	    "v2: header longer than 536 bytes", 16),
	BAD_AT("v2: length 65535", SIG "\x20\x00\xff\xff",
	    "v2: header longer than 536 bytes", 16),
	BAD("v2: TLV cut in its head", SIG "\x21\x11\x00\x0e" BLOCK4 "\x04\0",
	    "v2: malformed TLV"),
	BAD("v2: TLV longer than the block", SIG "\x21\x11\x00\x10" BLOCK4
	    "\x04\x00\x02x", "v2: malformed TLV"),
};

static void
test_bad(struct check *ck)
{
	const struct bad_case	*c;
	struct proxy_result	 r;
	enum proxy_status	 st;
	size_t			 k;
	size_t			 i;

	for (i = 0; i < NELEM(bad_cases); i++) {
		c = &bad_cases[i];
		check_case(ck, "refuses: %s", c->what);
		CHECK_INT(ck, proxy_parse(c->text, c->len, &r), PROXY_ERROR);
		CHECK_STR(ck, r.reason != NULL ? r.reason : "(none)",
		    c->reason);
		if (c->at == 0)
			continue;
		/* Refused as soon as the bad byte is in: no waiting. */
		for (k = 0; k <= c->len; k++) {
			st = proxy_parse(c->text, k, &r);
			if (st != (k < c->at ? PROXY_NEED_MORE : PROXY_ERROR)) {
				check_fail(ck, __FILE__, __LINE__, "prefix of "
				    "%zu bytes gave %d", k, st);
				break;
			}
		}
	}
}

/* Spec 2.1: 107 bytes at most, CR LF included. */
static void
test_v1_max(struct check *ck)
{
	char			 b[PROXY_V1_MAX + 2];
	struct proxy_result	 r;
	static const char	 pre[] = "PROXY UNKNOWN ";

	memcpy(b, pre, sizeof(pre) - 1);
	memset(b + sizeof(pre) - 1, 'x', sizeof(b) - (sizeof(pre) - 1));
	check_case(ck, "v1: 106 bytes without CR LF need more");
	CHECK_INT(ck, proxy_parse(b, PROXY_V1_MAX - 1, &r), PROXY_NEED_MORE);
	check_case(ck, "v1: refused at 107 bytes without CR LF");
	CHECK_INT(ck, proxy_parse(b, PROXY_V1_MAX, &r), PROXY_ERROR);
	CHECK_STR(ck, r.reason, "v1: no CR LF within 107 bytes");
	check_case(ck, "v1: CR as the 107th byte is refused");
	memcpy(b + PROXY_V1_MAX - 1, "\r\n", 2);
	CHECK_INT(ck, proxy_parse(b, sizeof(b), &r), PROXY_ERROR);
	check_case(ck, "v1: CR LF as bytes 106 and 107 is accepted");
	memcpy(b + PROXY_V1_MAX - 2, "\r\n", 2);
	CHECK_INT(ck, proxy_parse(b, sizeof(b), &r), PROXY_DONE);
	CHECK_INT(ck, r.used, PROXY_V1_MAX);
}

/* The largest v2 header accepted: 536 bytes, TLVs filling the block. */
static void
test_v2_max(struct check *ck)
{
	unsigned char		 b[PROXY_V2_MAX + sizeof(AFTER)];
	struct proxy_result	 r;
	size_t			 n = 0;

	check_case(ck, "v2: header of 536 bytes, TLVs included");
	memcpy(b, SIG "\x21\x11\x02\x08" BLOCK4, 28);
	n = 28;
	/* One NOOP TLV (spec 2.2.7, type 0x04) fills the rest. */
	b[n++] = 0x04;
	b[n++] = (PROXY_V2_MAX - 28 - 3) >> 8;
	b[n++] = (PROXY_V2_MAX - 28 - 3) & 0xff;
	memset(b + n, 0, PROXY_V2_MAX - n);
	memcpy(b + PROXY_V2_MAX, AFTER, sizeof(AFTER));
	CHECK_INT(ck, proxy_parse(b, sizeof(b), &r), PROXY_DONE);
	CHECK_INT(ck, r.used, PROXY_V2_MAX);
	CHECK_INT(ck, proxy_parse(b, PROXY_V2_MAX - 1, &r), PROXY_NEED_MORE);
	CHECK_INT(ck, proxy_parse(b, 0, &r), PROXY_NEED_MORE);
}

/* A proxy-from network: text, and how it is written back or NULL. */
struct cidr_case {
	const char	*text;		/* what the user wrote */
	const char	*back;		/* proxy_cidr_format, NULL: refused */
};

static const struct cidr_case cidr_cases[] = {
	{ "10.0.0.0/8", "10.0.0.0/8" },
	{ "192.0.2.1", "192.0.2.1/32" },
	{ "192.0.2.128/25", "192.0.2.128/25" },
	{ "0.0.0.0/0", "0.0.0.0/0" },
	{ "2001:db8::/32", "2001:db8::/32" },
	{ "::1", "::1/128" },
	{ "::/0", "::/0" },
	{ "2001:DB8::/33", "2001:db8::/33" },
	{ "", NULL },
	{ "/8", NULL },
	{ "10.0.0.0/", NULL },
	{ "10.0.0.1/8", NULL },
	{ "10.0.0.0/33", NULL },
	{ "10.0.0.0/08", NULL },
	{ "10.0.0.0/8x", NULL },
	{ "10.0.0.0/-8", NULL },
	{ "10.0.0.0/8/8", NULL },
	{ "10.0.0/8", NULL },
	{ "::1/129", NULL },
	{ "::1/1000", NULL },
	{ "2001:db8::1/64", NULL },
	{ "localhost", NULL },
	{ "[::1]", NULL },
	{ "1.2.3.4:5", NULL },
};

static void
test_cidr_parse(struct check *ck)
{
	const struct cidr_case	*c;
	struct proxy_cidr	 net;
	char			 buf[INET6_ADDRSTRLEN + 8];
	size_t			 i;

	for (i = 0; i < NELEM(cidr_cases); i++) {
		c = &cidr_cases[i];
		check_case(ck, "proxy-from '%s' %s", c->text, c->back != NULL ?
		    "accepted" : "refused");
		if (!CHECK_INT(ck, proxy_cidr_parse(c->text, &net),
		    c->back != NULL ? 0 : -1) || c->back == NULL)
			continue;
		proxy_cidr_format(buf, sizeof(buf), &net);
		CHECK_STR(ck, buf, c->back);
	}
}

/* An address and whether the nets below hold it. */
struct match_case {
	const char	*addr;		/* IPv4 or IPv6 text */
	int		 is_in;		/* expected proxy_cidr_match */
};

static const char *const match_nets[] = {
	"10.0.0.0/8", "192.0.2.128/25", "2001:db8::/32", "::1",
};

static const struct match_case match_cases[] = {
	{ "10.1.2.3", 1 }, { "10.255.255.255", 1 }, { "11.0.0.0", 0 },
	{ "9.255.255.255", 0 }, { "192.0.2.128", 1 }, { "192.0.2.255", 1 },
	{ "192.0.2.127", 0 }, { "2001:db8::5", 1 },
	{ "2001:db8:ffff::1", 1 }, { "2001:db9::", 0 }, { "::1", 1 },
	{ "::2", 0 }, { "::ffff:10.9.9.9", 1 }, { "::ffff:11.0.0.1", 0 },
	{ "127.0.0.1", 0 }, { "::ffff:127.0.0.1", 0 },
};

/* A sockaddr for text: AF_INET if it parses as IPv4, else AF_INET6. */
static void
sockaddr_of(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
}

static void
test_cidr_match(struct check *ck)
{
	struct proxy_cidr	 nets[NELEM(match_nets)], all;
	struct sockaddr_storage	 ss;
	size_t			 i;

	for (i = 0; i < NELEM(match_nets); i++)
		if (proxy_cidr_parse(match_nets[i], &nets[i]) == -1)
			abort();
	for (i = 0; i < NELEM(match_cases); i++) {
		check_case(ck, "%s is %sa trusted proxy", match_cases[i].addr,
		    match_cases[i].is_in ? "" : "not ");
		sockaddr_of(match_cases[i].addr, &ss);
		CHECK_INT(ck, proxy_cidr_match(nets, NELEM(nets), &ss),
		    match_cases[i].is_in);
	}
	check_case(ck, "no networks: nobody is trusted");
	sockaddr_of("10.1.2.3", &ss);
	CHECK_INT(ck, proxy_cidr_match(nets, 0, &ss), 0);
	check_case(ck, "0.0.0.0/0 holds every IPv4 address, no IPv6 one");
	CHECK_INT(ck, proxy_cidr_parse("0.0.0.0/0", &all), 0);
	CHECK_INT(ck, proxy_cidr_match(&all, 1, &ss), 1);
	sockaddr_of("2001:db8::1", &ss);
	CHECK_INT(ck, proxy_cidr_match(&all, 1, &ss), 0);
	check_case(ck, "an AF_UNIX peer is never trusted");
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	CHECK_INT(ck, proxy_cidr_match(&all, 1, &ss), 0);
}

int
main(void)
{
	struct check	 ck;

	check_init(&ck, "test_proxy");
	test_good(&ck);
	test_bad(&ck);
	test_v1_max(&ck);
	test_v2_max(&ck);
	test_cidr_parse(&ck);
	test_cidr_match(&ck);
	return check_done(&ck);
}
