/*
 * Unit tests of gemini.c: request framing, validation and host routing,
 * response headers and directory listings (exact bytes), table-driven.
 */
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* A string literal and its length, embedded NUL bytes included. */
#define S(s)	(s), sizeof(s) - 1
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* The port every test listener has. */
#define TEST_PORT	1965

/* One gemini_frame() case on a short buffer. */
struct frame_case {
	const char	*in;	/* bytes read so far */
	size_t		 len;	/* their count */
	ssize_t		 want;	/* line length or GEMINI_FRAME_* */
	const char	*what;	/* case name */
};

static const struct frame_case frame_cases[] = {
	{ S(""), GEMINI_FRAME_MORE, "nothing yet" },
	{ S("gemini://h/"), GEMINI_FRAME_MORE, "no CR LF yet" },
	{ S("gemini://h/\r\n"), 11, "CR LF ends the line" },
	{ S("\r\n"), 0, "empty line" },
	{ S("gemini://h/\n"), GEMINI_FRAME_MORE, "bare LF does not end it" },
	{ S("gemini://h/\nx\r\n"), 13, "bare LF is an ordinary byte" },
	{ S("gemini://h/\r"), GEMINI_FRAME_MORE, "CR alone waits for LF" },
	{ S("gemini://h/\rx\r\n"), 13, "CR without LF is ordinary" },
	{ S("\r\r\n"), 1, "CR CR LF" },
	{ S("\n\r\n"), 1, "LF CR LF" },
	{ S("a\r\nb\r\n"), 1, "first CR LF wins" },
	{ S("a\0b\r\n"), 3, "NUL is left to the parser" },
};

/* A buffer of n 'a' bytes followed by tail. */
static size_t
fill(char *buf, size_t n, const char *tail)
{
	memset(buf, 'a', n);
	memcpy(buf + n, tail, strlen(tail));
	return n + strlen(tail);
}

static void
check_frame(struct check *ck)
{
	char	 buf[GEMINI_REQ_MAX + 8];
	size_t	 i;

	for (i = 0; i < NELEM(frame_cases); i++) {
		check_case(ck, "frame %s", frame_cases[i].what);
		CHECK_INT(ck, gemini_frame(frame_cases[i].in,
		    frame_cases[i].len), frame_cases[i].want);
	}
	check_case(ck, "frame 1024 bytes then CR LF");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, 1024, "\r\n")), 1024);
	check_case(ck, "frame 1024 bytes then CR waits");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, 1024, "\r")),
	    GEMINI_FRAME_MORE);
	check_case(ck, "frame 1024 bytes then LF waits");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, 1024, "\n")),
	    GEMINI_FRAME_MORE);
	check_case(ck, "frame 1025 bytes then CR is too long");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, 1025, "\r")),
	    GEMINI_FRAME_TOOLONG);
	check_case(ck, "frame 1026 bytes without CR LF is too long");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, GEMINI_REQ_MAX, "")),
	    GEMINI_FRAME_TOOLONG);
	check_case(ck, "frame 1024 bytes and bare LF is too long");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, 1024, "\n\n")),
	    GEMINI_FRAME_TOOLONG);
	check_case(ck, "frame 1025 bytes then CR LF is too long");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, 1025, "\r\n")),
	    GEMINI_FRAME_TOOLONG);
	check_case(ck, "frame 1 byte then CR LF among 1026");
	CHECK_INT(ck, gemini_frame(buf, fill(buf, 1, "\r\n") + 1023), 1);
}

/* One gemini_parse() case against the names below. */
struct parse_case {
	const char	*in;	/* request line, no CR LF */
	size_t		 len;	/* its length */
	const char	*sni;	/* TLS server name, or NULL */
	int		 status;	/* expected status, 0 for valid */
	size_t		 host;	/* expected host index when valid */
	const char	*meta;	/* expected meta (or path when valid) */
};

static const char *const names[] = { "example.org", "other.test" };

static const struct parse_case parse_cases[] = {
	/* Valid requests and host selection. */
	{ S("gemini://example.org/"), "example.org", 0, 0, "/" },
	{ S("gemini://example.org"), NULL, 0, 0, "/" },
	{ S("gemini://example.org:1965/a/../b"), NULL, 0, 0, "/b" },
	{ S("gemini://example.org:/x"), NULL, 0, 0, "/x" },
	{ S("gemini://other.test/x"), "other.test", 0, 1, "/x" },
	{ S("gemini://OTHER.test/x"), "other.TEST", 0, 1, "/x" },
	{ S("gemini://other.test/x?q"), NULL, 0, 1, "/x" },
	{ S("GEMINI://EXAMPLE.ORG/"), "Example.Org", 0, 0, "/" },
	/* An IP literal names no host: SNI decides, else the default. */
	{ S("gemini://127.0.0.1/"), NULL, 0, 0, "/" },
	{ S("gemini://127.0.0.1:1965/"), "other.test", 0, 1, "/" },
	{ S("gemini://[::1]/"), "unknown.test", 0, 0, "/" },
	{ S("gemini://[::1]:1965/"), "example.org", 0, 0, "/" },
	/* Not for us: 53. */
	{ S("gemini://unknown.test/"), NULL, 53, 0,
	    "proxy request refused: unknown host" },
	{ S("gemini://example.org.evil/"), "example.org", 53, 0,
	    "proxy request refused: unknown host" },
	{ S("gemini://other.test/"), "example.org", 53, 0,
	    "host does not match SNI" },
	{ S("gemini://example.org/"), "other.test", 53, 0,
	    "host does not match SNI" },
	{ S("gemini://example.org/"), "unknown.test", 53, 0,
	    "host does not match SNI" },
	{ S("gemini://example.org:1966/"), NULL, 53, 0,
	    "proxy request refused: wrong port" },
	{ S("gemini://127.0.0.1:70/"), NULL, 53, 0,
	    "proxy request refused: wrong port" },
	{ S("https://example.org/"), NULL, 53, 0,
	    "proxy request refused: not a gemini URL" },
	{ S("gopher://example.org:70/"), NULL, 53, 0,
	    "proxy request refused: not a gemini URL" },
	{ S("gemini+x://example.org/"), NULL, 53, 0,
	    "proxy request refused: not a gemini URL" },
	/* Malformed: 59. */
	{ S(""), NULL, 59, 0, "empty request" },
	{ S("gemini://example.org/\0"), NULL, 59, 0, "NUL byte in request" },
	{ S("\0"), NULL, 59, 0, "NUL byte in request" },
	{ S("gemini://example.org/\xff\xfe"), NULL, 59, 0,
	    "request is not valid UTF-8" },
	{ S("gemini://example.org/\xc0\xaf"), NULL, 59, 0,
	    "request is not valid UTF-8" },
	{ S("gemini://example.org/%c0%af"), NULL, 59, 0, "bad encoding" },
	{ S("gemini://example.org/%00"), NULL, 59, 0, "bad encoding" },
	{ S("gemini://example.org/%zz"), NULL, 59, 0, "bad encoding" },
	{ S("gemini://example.org/../x"), NULL, 59, 0,
	    "path escapes the root" },
	{ S("gemini://example.org/a/../../b"), NULL, 59, 0,
	    "path escapes the root" },
	{ S("gemini://example.org/%2e%2e/"), NULL, 59, 0,
	    "path escapes the root" },
	{ S("gemini://example.org/..%2fetc%2fpasswd"), NULL, 59, 0,
	    "path escapes the root" },
	{ S("gemini://user@example.org/"), NULL, 59, 0,
	    "userinfo not allowed" },
	{ S("gemini://example.org/#f"), NULL, 59, 0, "fragment not allowed" },
	{ S("gemini://example.org:0/"), NULL, 59, 0, "bad port" },
	{ S("gemini://example.org:65536/"), NULL, 59, 0, "bad port" },
	{ S("/foo"), NULL, 59, 0, "malformed URL" },
	{ S("//example.org/"), NULL, 59, 0, "malformed URL" },
	{ S("example.org/"), NULL, 59, 0, "malformed URL" },
	{ S("gemini://example.org/a\nb"), NULL, 59, 0, "malformed URL" },
	{ S("gemini://example.org/\n"), NULL, 59, 0, "malformed URL" },
	{ S("gemini://example.org/ "), NULL, 59, 0, "malformed URL" },
	{ S("gemini://example.org/\r"), NULL, 59, 0, "malformed URL" },
	{ S("gemini:///"), NULL, 59, 0, "malformed URL" },
	/* A 59 wins over a 53: the request is judged before its host. */
	{ S("https://user@example.org/"), NULL, 59, 0,
	    "userinfo not allowed" },
	{ S("gemini://unknown.test/../x"), NULL, 59, 0,
	    "path escapes the root" },
};

static void
check_parse_case(struct check *ck, const struct parse_case *c)
{
	struct gemini_route	 route;
	struct gemini_req	 req;
	char			 meta[GEMINI_META_MAX + 1];
	char			 name[CHECK_NAME_MAX];
	int			 status;

	check_escape(name, sizeof(name), c->in, c->len);
	check_case(ck, "parse %s (SNI %s)", name, c->sni ? c->sni : "none");
	memset(&route, 0, sizeof(route));
	route.names = names;
	route.nnames = NELEM(names);
	route.sni = c->sni;
	route.port = TEST_PORT;
	memset(meta, 'X', sizeof(meta));
	status = gemini_parse(c->in, c->len, &route, &req, meta, sizeof(meta));
	CHECK_INT(ck, status, c->status);
	if (c->status != 0) {
		CHECK_STR(ck, meta, c->meta);
		return;
	}
	CHECK_STR(ck, meta, "");
	CHECK_INT(ck, req.host, c->host);
	CHECK_STR(ck, req.url.scheme, "gemini");
	CHECK_STR(ck, req.url.path, c->meta);
}

static int
parse_len(const char *line, size_t len, const char *sni, size_t *host)
{
	struct gemini_route	 route;
	struct gemini_req	 req;
	char			 meta[GEMINI_META_MAX + 1];
	int			 status;

	memset(&route, 0, sizeof(route));
	route.names = names;
	route.nnames = NELEM(names);
	route.sni = sni;
	route.port = TEST_PORT;
	status = gemini_parse(line, len, &route, &req, meta, sizeof(meta));
	*host = req.host;
	return status;
}

static void
check_parse_limits(struct check *ck)
{
	struct gemini_route	 route;
	struct gemini_req	 req;
	char			 buf[GEMINI_REQ_MAX + 8], meta[8];
	const char		*head = "gemini://other.test/";
	size_t			 n, host;

	n = strlen(head);
	memcpy(buf, head, n);
	memset(buf + n, 'a', sizeof(buf) - n);
	check_case(ck, "parse URL of exactly 1024 bytes");
	CHECK_INT(ck, parse_len(buf, GEMINI_URL_MAX, NULL, &host), 0);
	CHECK_INT(ck, host, 1);
	check_case(ck, "parse URL of 1025 bytes");
	CHECK_INT(ck, parse_len(buf, GEMINI_URL_MAX + 1, NULL, &host), 59);

	check_case(ck, "parse truncates meta to its buffer");
	memset(&route, 0, sizeof(route));
	route.names = names;
	route.nnames = NELEM(names);
	route.port = TEST_PORT;
	CHECK_INT(ck, gemini_parse(S("gemini://x/#"), &route, &req, meta,
	    sizeof(meta)), 59);
	CHECK_STR(ck, meta, "fragmen");
	check_case(ck, "parse with no room for meta");
	CHECK_INT(ck, gemini_parse(S(""), &route, &req, meta, 0), 59);

	check_case(ck, "parse with no names: IP literal gets host 0");
	route.nnames = 0;
	CHECK_INT(ck, gemini_parse(S("gemini://10.0.0.1/"), &route, &req,
	    meta, sizeof(meta)), 0);
	CHECK_INT(ck, req.host, 0);
	check_case(ck, "parse with no names: a name is refused");
	CHECK_INT(ck, gemini_parse(S("gemini://example.org/"), &route, &req,
	    meta, sizeof(meta)), 53);
}

/* One gemini_header() case. */
struct header_case {
	int		 status;	/* status given */
	const char	*meta;		/* meta given */
	size_t		 dstsz;		/* room given */
	const char	*out;		/* expected header, NULL for -1 */
};

static const struct header_case header_cases[] = {
	{ 20, "text/gemini", 64, "20 text/gemini\r\n" },
	{ 20, "text/gemini; lang=en", 64, "20 text/gemini; lang=en\r\n" },
	{ 51, "Not found", 64, "51 Not found\r\n" },
	{ 31, "/listing/", 64, "31 /listing/\r\n" },
	{ 59, "", 64, "59 \r\n" },
	{ 10, "Query?", 64, "10 Query?\r\n" },
	{ 69, "x", 64, "69 x\r\n" },
	{ 20, "text/gemini", 17, "20 text/gemini\r\n" },
	{ 20, "text/gemini", 16, NULL },
	{ 20, "text/gemini", 0, NULL },
	{ 9, "x", 64, NULL },
	{ 70, "x", 64, NULL },
	{ 100, "x", 64, NULL },
	{ -20, "x", 64, NULL },
	{ 51, "a\r\n20 text/html", 64, NULL },
	{ 51, "a\nb", 64, NULL },
	{ 51, "a\rb", 64, NULL },
};

static void
check_header(struct check *ck)
{
	const struct header_case *c;
	char			 buf[GEMINI_META_MAX + 16];
	char			 meta[GEMINI_META_MAX + 2];
	size_t			 i;

	for (i = 0; i < NELEM(header_cases); i++) {
		c = &header_cases[i];
		check_case(ck, "header %d \"%s\" into %zu bytes", c->status,
		    c->meta, c->dstsz);
		if (c->out == NULL) {
			CHECK_INT(ck, gemini_header(buf, c->dstsz, c->status,
			    c->meta), -1);
			continue;
		}
		if (CHECK_INT(ck, gemini_header(buf, c->dstsz, c->status,
		    c->meta), strlen(c->out)))
			CHECK_STR(ck, buf, c->out);
	}
	memset(meta, 'm', GEMINI_META_MAX);
	meta[GEMINI_META_MAX] = '\0';
	check_case(ck, "header with a meta of 1024 bytes");
	CHECK_INT(ck, gemini_header(buf, sizeof(buf), 20, meta),
	    GEMINI_META_MAX + 5);
	CHECK(ck, memcmp(buf, "20 mmm", 6) == 0);
	CHECK_MEM(ck, buf + GEMINI_META_MAX + 2, 4, "m\r\n", 4);
	check_case(ck, "header with a meta of 1025 bytes");
	meta[GEMINI_META_MAX] = 'm';
	meta[GEMINI_META_MAX + 1] = '\0';
	CHECK_INT(ck, gemini_header(buf, sizeof(buf), 20, meta), -1);
}

/* One gemini_listing() case: entries and the exact page expected. */
struct listing_case {
	const char		*what;		/* case name */
	const char		*path;		/* directory path */
	const struct fs_entry	*v;		/* entries, sorted */
	size_t			 n;		/* entries in v */
	const char		*out;		/* expected gemtext */
};

static const struct fs_entry listing_dir[] = {
	{ "adir", 1, 0 },
	{ "zdir", 1, 4096 },
	{ "a.gmi", 0, 17 },
	{ "b.txt", 0, 321 },
};

static const struct fs_entry listing_sizes[] = {
	{ "zero", 0, 0 },
	{ "half", 0, 512 },
	{ "under", 0, 1023 },
	{ "kib", 0, 1024 },
	{ "kib5", 0, 1536 },
	{ "mib", 0, 3355443 },
	{ "round", 0, 1048575 },
	{ "gib", 0, 1073741824 },
	{ "tib", 0, 1099511627776LL },
	{ "neg", 0, -1 },
};

static const struct fs_entry listing_names[] = {
	{ "sp ace", 1, 0 },
	{ "a b", 0, 1 },
	{ "x\ny", 0, 2 },
	{ "r\rs", 0, 3 },
	{ "caf\xc3\xa9", 0, 4 },
	{ "bad\xff", 0, 5 },
	{ "c:d", 0, 6 },
	{ "50%", 0, 7 },
	{ "tab\tesc\x1b", 0, 8 },
	{ "=> x", 0, 9 },
};

static const struct listing_case listing_cases[] = {
	{ "empty root", "/", NULL, 0,
	    "# Index of /\n\nThis directory is empty.\n" },
	{ "empty subdirectory", "/sub/", NULL, 0,
	    "# Index of /sub/\n\n=> ../ Up\nThis directory is empty.\n" },
	{ "directories then files", "/listing/", listing_dir, 4,
	    "# Index of /listing/\n\n"
	    "=> ../ Up\n"
	    "=> adir/ adir/\n"
	    "=> zdir/ zdir/\n"
	    "=> a.gmi a.gmi (17 B)\n"
	    "=> b.txt b.txt (321 B)\n" },
	{ "sizes", "/", listing_sizes, NELEM(listing_sizes),
	    "# Index of /\n\n"
	    "=> zero zero (0 B)\n"
	    "=> half half (512 B)\n"
	    "=> under under (1023 B)\n"
	    "=> kib kib (1.0 KiB)\n"
	    "=> kib5 kib5 (1.5 KiB)\n"
	    "=> mib mib (3.2 MiB)\n"
	    "=> round round (1.0 MiB)\n"
	    "=> gib gib (1.0 GiB)\n"
	    "=> tib tib (1.0 TiB)\n"
	    "=> neg neg (0 B)\n" },
	{ "names that could break gemtext", "/d/", listing_names,
	    NELEM(listing_names),
	    "# Index of /d/\n\n"
	    "=> ../ Up\n"
	    "=> sp%20ace/ sp ace/\n"
	    "=> a%20b a b (1 B)\n"
	    "=> x%0Ay x?y (2 B)\n"
	    "=> r%0Ds r?s (3 B)\n"
	    "=> caf%C3%A9 caf\xc3\xa9 (4 B)\n"
	    "=> bad%FF bad? (5 B)\n"
	    "=> c%3Ad c:d (6 B)\n"
	    "=> 50%25 50% (7 B)\n"
	    "=> tab%09esc%1B tab?esc? (8 B)\n"
	    "=> %3D%3E%20x => x (9 B)\n" },
	{ "a title with a newline", "/a\nb/", NULL, 0,
	    "# Index of /a?b/\n\n=> ../ Up\nThis directory is empty.\n" },
};

static void
check_listing(struct check *ck)
{
	const struct listing_case *c;
	char			*out;
	size_t			 i, len;

	for (i = 0; i < NELEM(listing_cases); i++) {
		c = &listing_cases[i];
		check_case(ck, "listing %s", c->what);
		len = 12345;
		out = gemini_listing(c->path, c->v, c->n, &len);
		if (CHECK(ck, out != NULL)) {
			CHECK_MEM(ck, out, len, c->out, strlen(c->out));
			CHECK_INT(ck, out[len], '\0');
		}
		free(out);
	}
}

/* A listing of the most and the longest names fs_list can return. */
static void
check_listing_big(struct check *ck)
{
	struct fs_entry	*v;
	char		*out;
	size_t		 i, len;

	check_case(ck, "listing %d entries of %d bytes", FS_LIST_MAX,
	    NAME_MAX);
	if ((v = calloc(FS_LIST_MAX, sizeof(*v))) == NULL) {
		CHECK(ck, v != NULL);
		return;
	}
	for (i = 0; i < FS_LIST_MAX; i++) {
		memset(v[i].name, '\n', NAME_MAX);
		v[i].size = INT64_MAX;
	}
	out = gemini_listing("/", v, FS_LIST_MAX, &len);
	if (CHECK(ck, out != NULL)) {
		CHECK_INT(ck, strlen(out), len);
		CHECK(ck, strstr(out, " (8.0 EiB)\n") != NULL);
	}
	free(out);
	free(v);
}

int
main(void)
{
	struct check	 ck;
	size_t		 i;

	check_init(&ck, "test_gemini");
	check_frame(&ck);
	for (i = 0; i < NELEM(parse_cases); i++)
		check_parse_case(&ck, &parse_cases[i]);
	check_parse_limits(&ck);
	check_header(&ck);
	check_listing(&ck);
	check_listing_big(&ck);
	return check_done(&ck);
}
