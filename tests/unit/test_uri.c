/*
 * Unit tests of uri.c: parsing, decoding, normalisation, UTF-8 and
 * encoding, table-driven.
 */
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* A string literal and its length, embedded NUL bytes included. */
#define S(s)	(s), sizeof(s) - 1
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One uri_parse() case; the fields after err matter when it is URI_OK. */
struct parse_case {
	const char	*in;		/* input bytes */
	size_t		 len;		/* input length */
	enum uri_err	 err;		/* expected result */
	const char	*scheme;	/* expected scheme */
	const char	*host;		/* expected host */
	int		 port;		/* expected port */
	const char	*path;		/* expected path */
	const char	*query;		/* expected query, NULL for none */
	int		 is_ip;		/* expected is_ip */
};

#define OK(in, sch, host, port, path, query, ip)			\
	{ S(in), URI_OK, sch, host, port, path, query, ip }
#define ERR(in, e)							\
	{ S(in), e, NULL, NULL, 0, NULL, NULL, 0 }

static const struct parse_case parse_cases[] = {
	/* Well-formed requests. */
	OK("gemini://example.org/", "gemini", "example.org", 0, "/", NULL, 0),
	OK("gemini://example.org", "gemini", "example.org", 0, "/", NULL, 0),
	OK("GEMINI://Example.ORG/Path", "gemini", "example.org", 0, "/Path",
	    NULL, 0),
	OK("gemini://example.org:1965/a/b", "gemini", "example.org", 1965,
	    "/a/b", NULL, 0),
	OK("gemini://example.org:1965", "gemini", "example.org", 1965, "/",
	    NULL, 0),
	OK("gemini://example.org:/x", "gemini", "example.org", 0, "/x", NULL,
	    0),
	OK("gemini://h:00001965/", "gemini", "h", 1965, "/", NULL, 0),
	OK("gemini://h:1/", "gemini", "h", 1, "/", NULL, 0),
	OK("gemini://h:65535/", "gemini", "h", 65535, "/", NULL, 0),
	OK("gopher://example.org:70/1/x", "gopher", "example.org", 70, "/1/x",
	    NULL, 0),
	OK("https://example.org/", "https", "example.org", 0, "/", NULL, 0),
	OK("a+b-c.d9://h/", "a+b-c.d9", "h", 0, "/", NULL, 0),
	OK("abcdefghijklmno://h/", "abcdefghijklmno", "h", 0, "/", NULL, 0),
	/* Queries stay encoded. */
	OK("gemini://example.org?q", "gemini", "example.org", 0, "/", "q", 0),
	OK("gemini://example.org/?", "gemini", "example.org", 0, "/", "", 0),
	OK("gemini://h/search?a%20b&c=d/e?f", "gemini", "h", 0, "/search",
	    "a%20b&c=d/e?f", 0),
	OK("gemini://h/s?caf\xc3\xa9", "gemini", "h", 0, "/s", "caf\xc3\xa9",
	    0),
	OK("gemini://h/a%2e%2e?..%2f", "gemini", "h", 0, "/a..", "..%2f", 0),
	/* Dot segments and empty segments. */
	OK("gemini://h/a/./b/../c", "gemini", "h", 0, "/a/c", NULL, 0),
	OK("gemini://h/a/b/..", "gemini", "h", 0, "/a/", NULL, 0),
	OK("gemini://h/a/b/.", "gemini", "h", 0, "/a/b/", NULL, 0),
	OK("gemini://h/a/b/", "gemini", "h", 0, "/a/b/", NULL, 0),
	OK("gemini://h/a//b///c/", "gemini", "h", 0, "/a/b/c/", NULL, 0),
	OK("gemini://h//", "gemini", "h", 0, "/", NULL, 0),
	OK("gemini://h/a/..", "gemini", "h", 0, "/", NULL, 0),
	OK("gemini://h/.", "gemini", "h", 0, "/", NULL, 0),
	OK("gemini://h/./", "gemini", "h", 0, "/", NULL, 0),
	OK("gemini://h/...", "gemini", "h", 0, "/...", NULL, 0),
	OK("gemini://h/..a/b..", "gemini", "h", 0, "/..a/b..", NULL, 0),
	OK("gemini://h/.hidden", "gemini", "h", 0, "/.hidden", NULL, 0),
	OK("gemini://h/a/b/c/../../d", "gemini", "h", 0, "/a/d", NULL, 0),
	/* Percent-decoding happens before normalisation. */
	OK("gemini://h/%7Euser/%41%62", "gemini", "h", 0, "/~user/Ab", NULL, 0),
	OK("gemini://h/a%2fb", "gemini", "h", 0, "/a/b", NULL, 0),
	OK("gemini://h/a%2F..%2Fb", "gemini", "h", 0, "/b", NULL, 0),
	OK("gemini://h/a/%2e", "gemini", "h", 0, "/a/", NULL, 0),
	OK("gemini://h/a%20b", "gemini", "h", 0, "/a b", NULL, 0),
	OK("gemini://h/a%0ab", "gemini", "h", 0, "/a\nb", NULL, 0),
	OK("gemini://h/100%25", "gemini", "h", 0, "/100%", NULL, 0),
	OK("gemini://h/%2541", "gemini", "h", 0, "/%41", NULL, 0),
	OK("gemini://h/a+b", "gemini", "h", 0, "/a+b", NULL, 0),
	OK("gemini://h/caf%C3%A9", "gemini", "h", 0, "/caf\xc3\xa9", NULL, 0),
	OK("gemini://h/caf\xc3\xa9", "gemini", "h", 0, "/caf\xc3\xa9", NULL, 0),
	OK("gemini://h/\xf0\x9f\x9a\x80", "gemini", "h", 0, "/\xf0\x9f\x9a\x80",
	    NULL, 0),
	OK("gemini://h/a:b@c!$&'()*+,;=-._~", "gemini", "h", 0,
	    "/a:b@c!$&'()*+,;=-._~", NULL, 0),
	/* Hosts: names, IPv4, IPv6. */
	OK("gemini://127.0.0.1/", "gemini", "127.0.0.1", 0, "/", NULL, 1),
	OK("gemini://127.0.0.1:1965/", "gemini", "127.0.0.1", 1965, "/", NULL,
	    1),
	OK("gemini://0.0.0.0/", "gemini", "0.0.0.0", 0, "/", NULL, 1),
	OK("gemini://255.255.255.255/", "gemini", "255.255.255.255", 0, "/",
	    NULL, 1),
	OK("gemini://1.2.3.256/", "gemini", "1.2.3.256", 0, "/", NULL, 0),
	OK("gemini://01.2.3.4/", "gemini", "01.2.3.4", 0, "/", NULL, 0),
	OK("gemini://1.2.3/", "gemini", "1.2.3", 0, "/", NULL, 0),
	OK("gemini://1.2.3.4.5/", "gemini", "1.2.3.4.5", 0, "/", NULL, 0),
	OK("gemini://1.2.3.0004/", "gemini", "1.2.3.0004", 0, "/", NULL, 0),
	OK("gemini://[::1]/", "gemini", "::1", 0, "/", NULL, 1),
	OK("gemini://[::1]", "gemini", "::1", 0, "/", NULL, 1),
	OK("gemini://[::1]:1965/x", "gemini", "::1", 1965, "/x", NULL, 1),
	OK("gemini://[FE80::A:1]/", "gemini", "fe80::a:1", 0, "/", NULL, 1),
	OK("gemini://[::ffff:192.0.2.1]/", "gemini", "::ffff:192.0.2.1", 0,
	    "/", NULL, 1),
	OK("gemini://[2001:DB8:0:0:0:0:0:1]?x", "gemini",
	    "2001:db8:0:0:0:0:0:1", 0, "/", "x", 1),
	OK("gemini://xn--caf-dma.example/", "gemini", "xn--caf-dma.example", 0,
	    "/", NULL, 0),
	OK("gemini://a_b~c!$&'()*+,;=/", "gemini", "a_b~c!$&'()*+,;=", 0, "/",
	    NULL, 0),

	/* Not absolute URLs. */
	ERR("", URI_ERR_SYNTAX),
	ERR("/foo", URI_ERR_SYNTAX),
	ERR("foo", URI_ERR_SYNTAX),
	ERR("//example.org/", URI_ERR_SYNTAX),
	ERR("example.org/", URI_ERR_SYNTAX),
	ERR("example.org:1965/", URI_ERR_SYNTAX),
	ERR("1gemini://h/", URI_ERR_SYNTAX),
	ERR("+gemini://h/", URI_ERR_SYNTAX),
	ERR("gem ini://h/", URI_ERR_SYNTAX),
	ERR("gem_ini://h/", URI_ERR_SYNTAX),
	ERR("://h/", URI_ERR_SYNTAX),
	ERR("gemini:", URI_ERR_SYNTAX),
	ERR("gemini:/h/", URI_ERR_SYNTAX),
	ERR("gemini:h", URI_ERR_SYNTAX),
	ERR("gemini:/", URI_ERR_SYNTAX),
	ERR("gemini//h/", URI_ERR_SYNTAX),
	ERR(" gemini://h/", URI_ERR_SYNTAX),
	ERR("\xef\xbb\xbfgemini://h/", URI_ERR_SYNTAX),
	/* Bad hosts. */
	ERR("gemini://", URI_ERR_SYNTAX),
	ERR("gemini:///", URI_ERR_SYNTAX),
	ERR("gemini:///etc/passwd", URI_ERR_SYNTAX),
	ERR("gemini://:1965/", URI_ERR_SYNTAX),
	ERR("gemini://?q", URI_ERR_SYNTAX),
	ERR("gemini://exa mple/", URI_ERR_SYNTAX),
	ERR("gemini://ex%41mple/", URI_ERR_SYNTAX),
	ERR("gemini://caf\xc3\xa9.example/", URI_ERR_SYNTAX),
	ERR("gemini://a\\b/", URI_ERR_SYNTAX),
	ERR("gemini://h\tx/", URI_ERR_SYNTAX),
	ERR("gemini://::1/", URI_ERR_SYNTAX),
	ERR("gemini://[::1/", URI_ERR_SYNTAX),
	ERR("gemini://[::1]x/", URI_ERR_SYNTAX),
	ERR("gemini://[::1]]/", URI_ERR_SYNTAX),
	ERR("gemini://x[::1]/", URI_ERR_SYNTAX),
	ERR("gemini://[]/", URI_ERR_SYNTAX),
	ERR("gemini://[::g]/", URI_ERR_SYNTAX),
	ERR("gemini://[1.2.3.4]/", URI_ERR_SYNTAX),
	ERR("gemini://[v1.x]/", URI_ERR_SYNTAX),
	ERR("gemini://[fe80::1%25eth0]/", URI_ERR_SYNTAX),
	ERR("gemini://[1:2:3:4:5:6:7:8:9]/", URI_ERR_SYNTAX),
	ERR("gemini://[0000:0000:0000:0000:0000:ffff:255.255.255.255:1]/",
	    URI_ERR_SYNTAX),
	/* Bad path and query characters. */
	ERR("gemini://h/a b", URI_ERR_SYNTAX),
	ERR("gemini://h/ ", URI_ERR_SYNTAX),
	ERR("gemini://h/a\tb", URI_ERR_SYNTAX),
	ERR("gemini://h/a\nb", URI_ERR_SYNTAX),
	ERR("gemini://h/\n", URI_ERR_SYNTAX),
	ERR("gemini://h/a\rb", URI_ERR_SYNTAX),
	ERR("gemini://h/a\x7f", URI_ERR_SYNTAX),
	ERR("gemini://h/a\x01", URI_ERR_SYNTAX),
	ERR("gemini://h/<x>", URI_ERR_SYNTAX),
	ERR("gemini://h/a\\b", URI_ERR_SYNTAX),
	ERR("gemini://h/a\"b", URI_ERR_SYNTAX),
	ERR("gemini://h/a[b]", URI_ERR_SYNTAX),
	ERR("gemini://h/a{b}|^`", URI_ERR_SYNTAX),
	ERR("gemini://h/?a b", URI_ERR_SYNTAX),
	ERR("gemini://h/?a\r\n", URI_ERR_SYNTAX),
	/* Forbidden components. */
	ERR("gemini://user@h/", URI_ERR_USERINFO),
	ERR("gemini://user:pw@h/", URI_ERR_USERINFO),
	ERR("gemini://@h/", URI_ERR_USERINFO),
	ERR("gemini://h@/", URI_ERR_USERINFO),
	ERR("gemini://h/#frag", URI_ERR_FRAGMENT),
	ERR("gemini://h/a?b#c", URI_ERR_FRAGMENT),
	ERR("gemini://h#", URI_ERR_FRAGMENT),
	ERR("gemini://u@h/#", URI_ERR_FRAGMENT),
	/* Ports. */
	ERR("gemini://h:0/", URI_ERR_PORT),
	ERR("gemini://h:00/", URI_ERR_PORT),
	ERR("gemini://h:65536/", URI_ERR_PORT),
	ERR("gemini://h:99999999999999999999999999/", URI_ERR_PORT),
	ERR("gemini://h:19x65/", URI_ERR_PORT),
	ERR("gemini://h:-1/", URI_ERR_PORT),
	ERR("gemini://h:+1965/", URI_ERR_PORT),
	ERR("gemini://h: 1965/", URI_ERR_PORT),
	ERR("gemini://h:1965:1965/", URI_ERR_PORT),
	ERR("gemini://[::1]:x/", URI_ERR_PORT),
	/* Encoding. */
	ERR("gemini://h/%", URI_ERR_ENCODING),
	ERR("gemini://h/%4", URI_ERR_ENCODING),
	ERR("gemini://h/%4?x", URI_ERR_ENCODING),
	ERR("gemini://h/%zz", URI_ERR_ENCODING),
	ERR("gemini://h/%0g", URI_ERR_ENCODING),
	ERR("gemini://h/%00", URI_ERR_ENCODING),
	ERR("gemini://h/a\0b", URI_ERR_ENCODING),
	ERR("\0gemini://h/", URI_ERR_ENCODING),
	ERR("gemini://h/\xc0\xaf", URI_ERR_ENCODING),
	ERR("gemini://h/%c0%af", URI_ERR_ENCODING),
	ERR("gemini://h/%c0%ae%c0%ae/etc/passwd", URI_ERR_ENCODING),
	ERR("gemini://h/\xe0\x80\xaf", URI_ERR_ENCODING),
	ERR("gemini://h/\xed\xa0\x80", URI_ERR_ENCODING),
	ERR("gemini://h/%ed%a0%80", URI_ERR_ENCODING),
	ERR("gemini://h/\xf4\x90\x80\x80", URI_ERR_ENCODING),
	ERR("gemini://h/\xe2\x82", URI_ERR_ENCODING),
	ERR("gemini://h/\xff\xfe", URI_ERR_ENCODING),
	ERR("gemini://h/\x80", URI_ERR_ENCODING),
	ERR("gemini://h/%ff", URI_ERR_ENCODING),
	ERR("gemini://h/?%zz", URI_ERR_ENCODING),
	ERR("gemini://h/?%", URI_ERR_ENCODING),
	ERR("gemini://h\xc0\xaf/", URI_ERR_ENCODING),
	/* Dot segments above the root are an error, never clamped. */
	ERR("gemini://h/..", URI_ERR_ESCAPE),
	ERR("gemini://h/../", URI_ERR_ESCAPE),
	ERR("gemini://h/../etc/passwd", URI_ERR_ESCAPE),
	ERR("gemini://h/a/../../b", URI_ERR_ESCAPE),
	ERR("gemini://h/a/b/../../..", URI_ERR_ESCAPE),
	ERR("gemini://h/./../x", URI_ERR_ESCAPE),
	ERR("gemini://h//../x", URI_ERR_ESCAPE),
	ERR("gemini://h/%2e%2e/", URI_ERR_ESCAPE),
	ERR("gemini://h/%2E%2E/x", URI_ERR_ESCAPE),
	ERR("gemini://h/.%2e", URI_ERR_ESCAPE),
	ERR("gemini://h/..%2fetc%2fpasswd", URI_ERR_ESCAPE),
	ERR("gemini://h/%2e%2e%2f%2e%2e%2fetc/passwd", URI_ERR_ESCAPE),
	ERR("gemini://h/a%2f..%2f..%2fb", URI_ERR_ESCAPE),
	ERR("gemini://h/..?q", URI_ERR_ESCAPE),
	/* Components too long for their buffers. */
	ERR("abcdefghijklmnop://h/", URI_ERR_TOOLONG),
};

static void
check_parse_case(struct check *ck, const struct parse_case *c)
{
	struct uri	 u;
	char		 name[CHECK_NAME_MAX];
	enum uri_err	 e;

	check_escape(name, sizeof(name), c->in, c->len);
	check_case(ck, "parse %s", name);
	e = uri_parse(c->in, c->len, &u);
	if (!CHECK_INT(ck, e, c->err) || c->err != URI_OK)
		return;
	CHECK_STR(ck, u.scheme, c->scheme);
	CHECK_STR(ck, u.host, c->host);
	CHECK_INT(ck, u.port, c->port);
	CHECK_STR(ck, u.path, c->path);
	CHECK_INT(ck, u.has_query, c->query != NULL);
	CHECK_STR(ck, u.query, c->query != NULL ? c->query : "");
	CHECK_INT(ck, u.is_ip, c->is_ip);
}

/* "gemini://h" then n bytes of fill, as one URL of known length. */
static size_t
make_url(char *buf, const char *head, size_t n, int fill, const char *tail)
{
	size_t	 h = strlen(head), t = strlen(tail);

	memcpy(buf, head, h);
	memset(buf + h, fill, n);
	memcpy(buf + h + n, tail, t);
	buf[h + n + t] = '\0';
	return h + n + t;
}

static void
check_parse_limits(struct check *ck)
{
	static char	 buf[4 * GEMINI_URL_MAX];
	struct uri	 u;
	size_t		 n;

	check_case(ck, "parse host of 255 bytes");
	n = make_url(buf, "gemini://", NAME_MAX_DNS, 'a', "/");
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_OK);
	CHECK_INT(ck, strlen(u.host), NAME_MAX_DNS);
	check_case(ck, "parse host of 256 bytes is too long");
	n = make_url(buf, "gemini://", NAME_MAX_DNS + 1, 'a', "/");
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_ERR_TOOLONG);

	check_case(ck, "parse path of 1024 bytes");
	n = make_url(buf, "gemini://h/", GEMINI_URL_MAX - 1, 'p', "");
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_OK);
	CHECK_INT(ck, strlen(u.path), GEMINI_URL_MAX);
	check_case(ck, "parse path of 1025 bytes is too long");
	n = make_url(buf, "gemini://h/", GEMINI_URL_MAX, 'p', "");
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_ERR_TOOLONG);
	check_case(ck, "parse encoded path of 1024 bytes decoding to 342");
	n = make_url(buf, "gemini://h/", 0, 0, "");
	for (; n < 11 + 341 * 3; n += 3)
		memcpy(buf + n, "%41", 3);
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_OK);
	CHECK_INT(ck, strlen(u.path), 342);

	check_case(ck, "parse query of 1024 bytes");
	n = make_url(buf, "gemini://h/?", GEMINI_URL_MAX, 'q', "");
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_OK);
	CHECK_INT(ck, strlen(u.query), GEMINI_URL_MAX);
	check_case(ck, "parse query of 1025 bytes is too long");
	n = make_url(buf, "gemini://h/?", GEMINI_URL_MAX + 1, 'q', "");
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_ERR_TOOLONG);

	check_case(ck, "parse 300 dot segments above the root");
	n = make_url(buf, "gemini://h", 0, 0, "");
	for (; n < 10 + 300 * 3; n += 3)
		memcpy(buf + n, "/..", 3);
	CHECK_INT(ck, uri_parse(buf, n, &u), URI_ERR_ESCAPE);
}

/* One uri_normalise() case: NULL out means it must fail. */
struct norm_case {
	const char	*in;	/* decoded path */
	const char	*out;	/* normalised, or NULL for -1 */
};

static const struct norm_case norm_cases[] = {
	{ "/", "/" },
	{ "//", "/" },
	{ "///a///", "/a/" },
	{ "/a", "/a" },
	{ "/a/", "/a/" },
	{ "/a//b", "/a/b" },
	{ "/a/b/../c", "/a/c" },
	{ "/a/./b/./", "/a/b/" },
	{ "/a/.", "/a/" },
	{ "/a/..", "/" },
	{ "/a/../", "/" },
	{ "/a/b/..", "/a/" },
	{ "/a/b/c/../../..", "/" },
	{ "/./.", "/" },
	{ "/.", "/" },
	{ "/a/..b", "/a/..b" },
	{ "/a/b..", "/a/b.." },
	{ "/a/.../b", "/a/.../b" },
	{ "/.a/./b", "/.a/b" },
	{ "/a/./../b", "/b" },
	{ "/a/b/c/./../../g", "/a/g" },
	{ "/mid/content=5/../6", "/mid/6" },
	{ "/..", NULL },
	{ "/../", NULL },
	{ "/../a", NULL },
	{ "/a/../..", NULL },
	{ "/a/b/c/../../../..", NULL },
	{ "/./..", NULL },
	{ "", NULL },
	{ "a/b", NULL },
	{ "../a", NULL },
};

static void
check_normalise(struct check *ck)
{
	char	 buf[64];
	size_t	 i;
	int	 r;

	for (i = 0; i < NELEM(norm_cases); i++) {
		check_case(ck, "normalise \"%s\"", norm_cases[i].in);
		strcpy(buf, norm_cases[i].in);
		r = uri_normalise(buf);
		if (norm_cases[i].out == NULL)
			CHECK_INT(ck, r, -1);
		else if (CHECK_INT(ck, r, 0))
			CHECK_STR(ck, buf, norm_cases[i].out);
	}
}

/* One uri_decode() case: NULL out means it must fail. */
struct decode_case {
	const char	*in;	/* encoded bytes */
	size_t		 len;	/* input length */
	size_t		 dstsz;	/* room given */
	const char	*out;	/* decoded, or NULL for -1 */
};

static const struct decode_case decode_cases[] = {
	{ S(""), 1, "" },
	{ S("abc"), 4, "abc" },
	{ S("abc"), 3, NULL },
	{ S(""), 0, NULL },
	{ S("%41%42c"), 4, "ABc" },
	{ S("%2f%2F"), 8, "//" },
	{ S("%e2%82%ac"), 8, "\xe2\x82\xac" },
	{ S("a+b"), 8, "a+b" },
	{ S("%2541"), 8, "%41" },
	{ S("%"), 8, NULL },
	{ S("%a"), 8, NULL },
	{ S("a%"), 8, NULL },
	{ S("%g0"), 8, NULL },
	{ S("%0g"), 8, NULL },
	{ S("% 1"), 8, NULL },
	{ S("%00"), 8, NULL },
	{ S("a\0b"), 8, NULL },
	{ S("%41%41"), 2, NULL },
	{ S("%41%41"), 3, "AA" },
};

static void
check_decode(struct check *ck)
{
	const struct decode_case *c;
	char			 buf[16], name[CHECK_NAME_MAX];
	size_t			 i;
	int			 r;

	for (i = 0; i < NELEM(decode_cases); i++) {
		c = &decode_cases[i];
		check_escape(name, sizeof(name), c->in, c->len);
		check_case(ck, "decode \"%s\" into %zu bytes", name, c->dstsz);
		memset(buf, 'X', sizeof(buf));
		r = uri_decode(buf, c->dstsz, c->in, c->len);
		if (c->out == NULL)
			CHECK_INT(ck, r, -1);
		else if (CHECK_INT(ck, r, 0))
			CHECK_STR(ck, buf, c->out);
		/* Never a byte past the room given. */
		CHECK_INT(ck, buf[c->dstsz], 'X');
	}
}

/* One uri_utf8_valid() case. */
struct utf8_case {
	const char	*in;	/* bytes */
	size_t		 len;	/* length */
	int		 valid;	/* expected result */
	const char	*what;	/* case name */
};

static const struct utf8_case utf8_cases[] = {
	{ S(""), 1, "empty" },
	{ S("abc"), 1, "ASCII" },
	{ S("a\0b"), 1, "NUL is UTF-8 (callers refuse it)" },
	{ S("\xc3\xa9"), 1, "U+00E9" },
	{ S("\xc2\x80"), 1, "U+0080" },
	{ S("\xdf\xbf"), 1, "U+07FF" },
	{ S("\xe0\xa0\x80"), 1, "U+0800" },
	{ S("\xe2\x82\xac"), 1, "U+20AC" },
	{ S("\xed\x9f\xbf"), 1, "U+D7FF" },
	{ S("\xee\x80\x80"), 1, "U+E000" },
	{ S("\xef\xbf\xbf"), 1, "U+FFFF" },
	{ S("\xf0\x90\x80\x80"), 1, "U+10000" },
	{ S("\xf0\x9d\x84\x9e"), 1, "U+1D11E" },
	{ S("\xf4\x8f\xbf\xbf"), 1, "U+10FFFF" },
	{ S("\xc0\xaf"), 0, "overlong / in 2 bytes" },
	{ S("\xc1\xbf"), 0, "overlong U+007F" },
	{ S("\xc0\x80"), 0, "overlong NUL" },
	{ S("\xe0\x80\xaf"), 0, "overlong / in 3 bytes" },
	{ S("\xe0\x9f\xbf"), 0, "overlong U+07FF" },
	{ S("\xf0\x80\x80\xaf"), 0, "overlong / in 4 bytes" },
	{ S("\xf0\x8f\xbf\xbf"), 0, "overlong U+FFFF" },
	{ S("\xed\xa0\x80"), 0, "surrogate U+D800" },
	{ S("\xed\xbf\xbf"), 0, "surrogate U+DFFF" },
	{ S("\xf4\x90\x80\x80"), 0, "U+110000" },
	{ S("\xf5\x80\x80\x80"), 0, "lead F5" },
	{ S("\xf8\x88\x80\x80\x80"), 0, "5-byte form" },
	{ S("\xff"), 0, "FF" },
	{ S("\xfe"), 0, "FE" },
	{ S("\x80"), 0, "lone continuation" },
	{ S("a\xbf"), 0, "continuation after ASCII" },
	{ S("\xc3"), 0, "truncated 2-byte" },
	{ S("\xe2\x82"), 0, "truncated 3-byte" },
	{ S("\xf0\x9d\x84"), 0, "truncated 4-byte" },
	{ S("\xe2\x28\xa1"), 0, "bad second byte" },
	{ S("\xe2\x82\x28"), 0, "bad third byte" },
	{ S("\xf0\x9d\x84\x28"), 0, "bad fourth byte" },
	{ S("\xc3\xa9\xc3"), 0, "valid then truncated" },
};

static void
check_utf8(struct check *ck)
{
	size_t	 i;

	for (i = 0; i < NELEM(utf8_cases); i++) {
		check_case(ck, "utf8 %s", utf8_cases[i].what);
		CHECK_INT(ck, uri_utf8_valid(utf8_cases[i].in,
		    utf8_cases[i].len), utf8_cases[i].valid);
	}
}

/* One uri_encode_path() case: NULL out means it must fail. */
struct encode_case {
	const char	*in;	/* path */
	size_t		 dstsz;	/* room given */
	const char	*out;	/* encoded, or NULL for -1 */
};

static const struct encode_case encode_cases[] = {
	{ "/", 2, "/" },
	{ "", 1, "" },
	{ "", 0, NULL },
	{ "/~user/x-y_z.txt", 64, "/~user/x-y_z.txt" },
	{ "/a b/c", 64, "/a%20b/c" },
	{ "caf\xc3\xa9", 64, "caf%C3%A9" },
	{ "a\nb\rc", 64, "a%0Ab%0Dc" },
	{ "a:b", 64, "a%3Ab" },
	{ "100%", 64, "100%25" },
	{ "?#[]@!$&'()*+,;=", 64,
	    "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D" },
	{ "\x7f\xff", 64, "%7F%FF" },
	{ "abc", 4, "abc" },
	{ "abc", 3, NULL },
	{ "a b", 6, "a%20b" },
	{ "a b", 5, NULL },
	{ " ", 3, NULL },
};

static void
check_encode(struct check *ck)
{
	const struct encode_case *c;
	char			 buf[80];
	size_t			 i;
	int			 r;

	for (i = 0; i < NELEM(encode_cases); i++) {
		c = &encode_cases[i];
		check_case(ck, "encode \"%s\" into %zu bytes", c->in, c->dstsz);
		memset(buf, 'X', sizeof(buf));
		r = uri_encode_path(buf, c->dstsz, c->in);
		if (c->out == NULL)
			CHECK_INT(ck, r, -1);
		else if (CHECK_INT(ck, r, 0))
			CHECK_STR(ck, buf, c->out);
		CHECK_INT(ck, buf[c->dstsz], 'X');
	}
}

static void
check_strerror(struct check *ck)
{
	int	 e;

	check_case(ck, "strerror texts");
	CHECK_STR(ck, uri_strerror(URI_ERR_USERINFO), "userinfo not allowed");
	CHECK_STR(ck, uri_strerror(URI_ERR_FRAGMENT), "fragment not allowed");
	CHECK_STR(ck, uri_strerror(URI_ERR_ESCAPE), "path escapes the root");
	for (e = URI_OK; e <= URI_ERR_PORT; e++)
		CHECK(ck, uri_strerror((enum uri_err)e) != NULL &&
		    *uri_strerror((enum uri_err)e) != '\0');
	CHECK(ck, uri_strerror((enum uri_err)99) != NULL);
}

int
main(void)
{
	struct check	 ck;
	size_t		 i;

	check_init(&ck, "test_uri");
	for (i = 0; i < NELEM(parse_cases); i++)
		check_parse_case(&ck, &parse_cases[i]);
	check_parse_limits(&ck);
	check_normalise(&ck);
	check_decode(&ck);
	check_utf8(&ck);
	check_encode(&ck);
	check_strerror(&ck);
	return check_done(&ck);
}
