/*
 * Unit tests of gopher.c: request framing and parsing, item types, error
 * menus, the menu writer and gophermaps, with exact bytes expected.
 */
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* An information line and the last line of every menu (RFC 1436). */
#define INFO(s)	"i" s "\t\tnull.host\t0\r\n"
#define END	".\r\n"

/* The server as a gophermap's items should point to it. */
static const struct gopher_ctx test_ctx = { "example.org", 7070, "/a/" };

static void
test_frame(struct check *ck)
{
	char	 buf[GOPHER_LINE_MAX + 8];

	check_case(ck, "frame: CR LF");
	CHECK_INT(ck, gopher_frame("abc\r\n", 5), 3);
	check_case(ck, "frame: bare LF");
	CHECK_INT(ck, gopher_frame("abc\nxyz", 7), 3);
	check_case(ck, "frame: empty line");
	CHECK_INT(ck, gopher_frame("\r\n", 2), 0);
	CHECK_INT(ck, gopher_frame("\n", 1), 0);
	check_case(ck, "frame: no LF yet");
	CHECK_INT(ck, gopher_frame("abc", 3), GEMINI_FRAME_MORE);
	CHECK_INT(ck, gopher_frame("abc\r", 4), GEMINI_FRAME_MORE);
	CHECK_INT(ck, gopher_frame("", 0), GEMINI_FRAME_MORE);

	memset(buf, 'a', sizeof(buf));
	check_case(ck, "frame: %d bytes and CR LF", GOPHER_LINE_MAX);
	memcpy(buf + GOPHER_LINE_MAX, "\r\n", 2);
	CHECK_INT(ck, gopher_frame(buf, GOPHER_LINE_MAX + 2), GOPHER_LINE_MAX);
	check_case(ck, "frame: %d bytes and CR, LF to come", GOPHER_LINE_MAX);
	CHECK_INT(ck, gopher_frame(buf, GOPHER_LINE_MAX + 1),
	    GEMINI_FRAME_MORE);
	check_case(ck, "frame: %d bytes and LF", GOPHER_LINE_MAX + 1);
	memset(buf, 'a', sizeof(buf));
	buf[GOPHER_LINE_MAX + 1] = '\n';
	CHECK_INT(ck, gopher_frame(buf, GOPHER_LINE_MAX + 2),
	    GEMINI_FRAME_TOOLONG);
	check_case(ck, "frame: %d bytes without LF", GOPHER_LINE_MAX + 2);
	memset(buf, 'a', sizeof(buf));
	CHECK_INT(ck, gopher_frame(buf, GOPHER_LINE_MAX + 2),
	    GEMINI_FRAME_TOOLONG);
	CHECK_INT(ck, gopher_frame(buf, sizeof(buf)), GEMINI_FRAME_TOOLONG);
}

/* Parses s; checks success and the normalised path. */
static void
parse_ok(struct check *ck, const char *s, const char *path)
{
	struct gopher_req	 req;
	char			 err[64] = "";

	check_case(ck, "parse \"%s\" is %s", s, path);
	if (CHECK_INT(ck, gopher_parse(s, strlen(s), &req, err,
	    sizeof(err)), 0)) {
		CHECK_INT(ck, req.kind, GOPHER_SELECTOR);
		CHECK_STR(ck, req.path, path);
		CHECK_INT(ck, req.has_search, 0);
		CHECK_INT(ck, req.is_plus, 0);
	}
}

static void
parse_bad(struct check *ck, const char *s, size_t len, const char *why)
{
	struct gopher_req	 req;
	char			 err[64] = "";

	check_case(ck, "parse refuses %s", why);
	CHECK_INT(ck, gopher_parse(s, len, &req, err, sizeof(err)), -1);
	CHECK(ck, err[0] != '\0');
}

static void
test_parse_paths(struct check *ck)
{
	char	 sel[GOPHER_SELECTOR_MAX + 2];

	parse_ok(ck, "", "/");
	parse_ok(ck, "/", "/");
	parse_ok(ck, "about.gmi", "/about.gmi");
	parse_ok(ck, "/a/b/", "/a/b/");
	parse_ok(ck, "/a/./b/../c", "/a/c");
	parse_ok(ck, "/a/..", "/");
	parse_ok(ck, "/a%20b", "/a%20b");	/* opaque: not decoded */
	parse_ok(ck, "/K\xc3\xb6ln", "/K\xc3\xb6ln");
	parse_ok(ck, "GET /", "/GET /");

	memset(sel, 'x', sizeof(sel));
	sel[0] = '/';
	sel[GOPHER_SELECTOR_MAX] = '\0';
	parse_ok(ck, sel, sel);
	sel[GOPHER_SELECTOR_MAX] = 'x';
	parse_bad(ck, sel, GOPHER_SELECTOR_MAX + 1, "256 bytes");
	check_case(ck, "parse: 256 bytes says too long");
	{
		struct gopher_req	 req;
		char			 err[64] = "";

		gopher_parse(sel, GOPHER_SELECTOR_MAX + 1, &req, err,
		    sizeof(err));
		CHECK_STR(ck, err, "selector too long");
	}
	sel[1] = '\t';
	check_case(ck, "parse: 256 bytes with a TAB after the first");
	{
		struct gopher_req	 req;

		CHECK_INT(ck, gopher_parse(sel, GOPHER_SELECTOR_MAX + 1, &req,
		    NULL, 0), 0);
		CHECK_STR(ck, req.path, "/");
		CHECK_INT(ck, strlen(req.search), GOPHER_SELECTOR_MAX - 1);
	}
	parse_bad(ck, "/../etc", 7, "/../etc");
	parse_bad(ck, "..", 2, "..");
	parse_bad(ck, "/a/../../etc/passwd", 19, "climbing twice");
	parse_bad(ck, "/a\0b", 4, "a NUL byte");
	parse_bad(ck, "/a\rb", 4, "a CR");
	parse_bad(ck, "/a\x1b[2J", 6, "an escape");
	parse_bad(ck, "/\xff", 2, "invalid UTF-8");
	parse_bad(ck, "/\xc0\xaf", 3, "an overlong '/'");
}

static void
test_parse_tabs(struct check *ck)
{
	struct gopher_req	 req;
	char			 err[64] = "", s[GOPHER_SELECTOR_MAX + 8];

	check_case(ck, "parse: TAB and a search string");
	CHECK_INT(ck, gopher_parse("/find\tgopher hole", 17, &req, err,
	    sizeof(err)), 0);
	CHECK_STR(ck, req.path, "/find");
	CHECK_INT(ck, req.has_search, 1);
	CHECK_STR(ck, req.search, "gopher hole");
	CHECK_INT(ck, req.is_plus, 0);

	check_case(ck, "parse: empty selector and a search");
	CHECK_INT(ck, gopher_parse("\tq", 2, &req, err, sizeof(err)), 0);
	CHECK_STR(ck, req.path, "/");
	CHECK_STR(ck, req.search, "q");

	check_case(ck, "parse: TAB and nothing");
	CHECK_INT(ck, gopher_parse("/x\t", 3, &req, err, sizeof(err)), 0);
	CHECK_INT(ck, req.has_search, 0);

	check_case(ck, "parse: Gopher+ TAB +");
	CHECK_INT(ck, gopher_parse("/x\t+", 4, &req, err, sizeof(err)), 0);
	CHECK_STR(ck, req.path, "/x");
	CHECK_INT(ck, req.is_plus, 1);
	CHECK_INT(ck, req.has_search, 0);

	check_case(ck, "parse: Gopher+ TAB $ and TAB !");
	CHECK_INT(ck, gopher_parse("/\t$", 3, &req, err, sizeof(err)), 0);
	CHECK_INT(ck, req.is_plus, 1);
	CHECK_INT(ck, gopher_parse("/\t!", 3, &req, err, sizeof(err)), 0);
	CHECK_INT(ck, req.is_plus, 1);
	CHECK_INT(ck, req.has_search, 0);

	check_case(ck, "parse: search then Gopher+");
	CHECK_INT(ck, gopher_parse("/s\tword\t+", 9, &req, err,
	    sizeof(err)), 0);
	CHECK_STR(ck, req.search, "word");
	CHECK_INT(ck, req.is_plus, 1);

	memset(s, 'q', sizeof(s));
	memcpy(s, "/s\t", 3);
	check_case(ck, "parse: search of 255 bytes");
	CHECK_INT(ck, gopher_parse(s, 3 + GOPHER_SELECTOR_MAX, &req, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, strlen(req.search), GOPHER_SELECTOR_MAX);
	parse_bad(ck, s, 4 + GOPHER_SELECTOR_MAX, "a search of 256 bytes");
	parse_bad(ck, "/s\ta\rb", 6, "a CR in the search");
}

static void
test_parse_kinds(struct check *ck)
{
	struct gopher_req	 req;
	char			 err[64] = "";

	check_case(ck, "parse: URL: selector");
	CHECK_INT(ck, gopher_parse("URL:https://example.com/a?b=c", 29,
	    &req, err, sizeof(err)), 0);
	CHECK_INT(ck, req.kind, GOPHER_URL);
	CHECK_STR(ck, req.url, "https://example.com/a?b=c");
	CHECK_STR(ck, req.path, "/");

	check_case(ck, "parse: URL:gemini with a search");
	CHECK_INT(ck, gopher_parse("URL:gemini://x.org/\tq", 21, &req, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, req.kind, GOPHER_URL);
	CHECK_STR(ck, req.url, "gemini://x.org/");

	parse_bad(ck, "URL:", 4, "an empty URL:");
	parse_bad(ck, "URL:example.org", 15, "URL: without a scheme");
	parse_bad(ck, "URL:http:", 9, "URL: with only a scheme");
	parse_bad(ck, "URL:javascript:alert(1)", 23, "URL:javascript:");
	parse_bad(ck, "URL:http://x/\"><script>", 23, "URL: with <>\"");
	parse_bad(ck, "URL:http://x/\ra", 15, "URL: with a CR");
	parse_bad(ck, "URL:1http://x/", 14, "URL: with a digit first");

	check_case(ck, "parse: GET / HTTP/1.1");
	CHECK_INT(ck, gopher_parse("GET / HTTP/1.1", 14, &req, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, req.kind, GOPHER_HTTP);
	CHECK_STR(ck, req.path, "/");

	check_case(ck, "parse: HEAD /a/../b HTTP/1.0");
	CHECK_INT(ck, gopher_parse("HEAD /a/../b HTTP/1.0", 21, &req, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, req.kind, GOPHER_HTTP);
	CHECK_STR(ck, req.path, "/b");

	check_case(ck, "parse: GET /../x HTTP/1.1 stays at the root");
	CHECK_INT(ck, gopher_parse("GET /../x HTTP/1.1", 18, &req, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, req.kind, GOPHER_HTTP);
	CHECK_STR(ck, req.path, "/");
}

static void
test_item_type(struct check *ck)
{
	static const struct {
		const char	*name;
		char		 type;
	} t[] = {
		{ "/", '1' }, { "/a/", '1' }, { "/about", '1' }, { "", '1' },
		{ "x.gmi", '1' }, { "/a/x.gemini", '1' }, { "a.txt", '0' },
		{ "a.md", '0' }, { "a.html", 'h' }, { "A.HTM", 'h' },
		{ "a.gif", 'g' }, { "a.png", 'I' }, { "a.jpg", 'I' },
		{ "a.mp3", 's' }, { "a.ogg", 's' }, { "a.mp4", ';' },
		{ "a.pdf", 'd' }, { "a.zip", '9' }, { "a.unknownext", '9' },
		{ "/d.x/file", '1' }, { "/.hidden", '1' }, { "a.", '1' },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_case(ck, "item type of \"%s\" is %c", t[i].name,
		    t[i].type);
		CHECK_INT(ck, gopher_item_type(t[i].name), t[i].type);
	}
}

static void
test_error(struct check *ck)
{
	static const char	 want[] = "3Not found\t\tnull.host\t0\r\n.\r\n";
	static const char	 want2[] = "3a b c\t\tnull.host\t0\r\n.\r\n";
	char			*m;
	size_t			 len = 0;

	check_case(ck, "error menu bytes");
	m = gopher_error("Not found", &len);
	CHECK_MEM(ck, m, len, want, sizeof(want) - 1);
	free(m);
	check_case(ck, "error menu: TAB, CR, LF become spaces");
	m = gopher_error("a\tb\r\nc", &len);
	CHECK_MEM(ck, m, len, "3a b  c\t\tnull.host\t0\r\n.\r\n", 25);
	free(m);
	check_case(ck, "error menu: one space each");
	m = gopher_error("a\tb c", &len);
	CHECK_MEM(ck, m, len, want2, sizeof(want2) - 1);
	free(m);
}

static void
test_menu_writer(struct check *ck)
{
	static const char	 want[] =
	    "0Te xt\t/t.txt\thost\t70\r\n" INFO("Bad sel") END;
	struct gopher_menu	 m = { NULL, 0, 0, 0 };
	struct gopher_item	 it = { '0', NULL, "Te\txt", 5, "/t.txt", 6,
	    "host", 4, 70 };
	char			*out;
	size_t			 len = 0;

	check_case(ck, "menu writer: item, then a bad one made info");
	gopher_menu_add(&m, &it);
	it = (struct gopher_item){ '1', NULL, "Bad sel", 7, "/a\r\nb", 5,
	    "host", 4, 70 };
	gopher_menu_add(&m, &it);
	out = gopher_menu_end(&m, &len);
	CHECK_MEM(ck, out, len, want, sizeof(want) - 1);
	free(out);
}

static void
test_resolve(struct check *ck)
{
	static const struct {
		const char	*dir, *rel, *want;
	} t[] = {
		{ "/a/", "b.gmi", "/a/b.gmi" }, { "/a/", "../x/", "/x/" },
		{ "/a/", "/abs", "/abs" }, { "/a", "b", "/a/b" },
		{ "/", "", "/" }, { NULL, "x", "/x" },
		{ "/a/b/", "./../c/./d", "/a/c/d" },
	};
	char	 dst[GOPHER_SELECTOR_MAX + 1];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_case(ck, "resolve \"%s\" in %s", t[i].rel,
		    t[i].dir == NULL ? "(null)" : t[i].dir);
		if (CHECK_INT(ck, gopher_resolve(t[i].dir, t[i].rel,
		    strlen(t[i].rel), dst, sizeof(dst)), 0))
			CHECK_STR(ck, dst, t[i].want);
	}
	check_case(ck, "resolve refuses climbing out");
	CHECK_INT(ck, gopher_resolve("/a/", "../../x", 7, dst, sizeof(dst)),
	    -1);
	check_case(ck, "resolve refuses what does not fit");
	CHECK_INT(ck, gopher_resolve("/abc/", "d", 1, dst, 6), -1);
}

/* Renders a gophermap and compares the bytes. */
static void
map_is(struct check *ck, const char *name, const char *src,
    const char *want)
{
	char	*out;
	size_t	 len = 0;

	check_case(ck, "gophermap: %s", name);
	out = gopher_map(src, strlen(src), &test_ctx, &len);
	CHECK_MEM(ck, out, len, want, strlen(want));
	free(out);
}

static void
test_map(struct check *ck)
{
	char	 line[GOPHER_WIDTH + 16], want[GOPHER_WIDTH + 32];

	map_is(ck, "empty", "", END);
	map_is(ck, "comment, info, relative, absolute",
	    "# a comment\nWelcome\r\n0About\tabout.txt\n1Sub\t/sub/\n",
	    INFO("Welcome") "0About\t/a/about.txt\texample.org\t7070\r\n"
	    "1Sub\t/sub/\texample.org\t7070\r\n" END);
	map_is(ck, "remote host: port 70 unless given",
	    "1Far\t/\tother.org\n1Far2\t/x\tother.org\t7000\n"
	    "1Home\t/h\texample.org\n",
	    "1Far\t/\tother.org\t70\r\n1Far2\t/x\tother.org\t7000\r\n"
	    "1Home\t/h\texample.org\t7070\r\n" END);
	map_is(ck, "URL: selector stays", "hWeb\tURL:https://x.org/\n",
	    "hWeb\tURL:https://x.org/\texample.org\t7070\r\n" END);
	map_is(ck, "empty selector: the name is relative",
	    "0readme.txt\t\n", "0readme.txt\t/a/readme.txt\texample.org"
	    "\t7070\r\n" END);
	map_is(ck, "dot ends the map, star is ignored",
	    "one\n*\ntwo\n.\nthree\n", INFO("one") INFO("two") END);
	map_is(ck, "dot-dot selectors", "0Up\t../x.txt\n0Out\t../../x\n",
	    "0Up\t/x.txt\texample.org\t7070\r\n" INFO("Out") END);
	map_is(ck, "info item and Gopher+ tail",
	    "iJust text\t\tnull.host\t0\n1Plus\t/p\texample.org\t70\t+\n",
	    INFO("Just text") "1Plus\t/p\texample.org\t70\r\n" END);
	map_is(ck, "blank line and a TAB first",
	    "a\n\n\tb\tc\n", INFO("a") INFO("") INFO(" b c") END);
	map_is(ck, "bad port and control characters",
	    "1P\t/p\th\tx70\n0C\t/a\x01\n",
	    "1P\t/p\th\t70\r\n" INFO("C") END);

	memset(line, 'w', GOPHER_WIDTH + 5);
	line[GOPHER_WIDTH + 5] = '\0';
	snprintf(want, sizeof(want), "i%.*s\t\tnull.host\t0\r\n.\r\n",
	    GOPHER_WIDTH, line);
	map_is(ck, "long info line cut at 67", line, want);
	line[0] = '0';
	memcpy(line + GOPHER_WIDTH + 5, "\tx", 3);
	snprintf(want, sizeof(want), "0%.*s\t/a/x\texample.org\t7070\r\n.\r\n",
	    GOPHER_WIDTH, line + 1);
	map_is(ck, "long display cut at 67", line, want);
}

int
main(void)
{
	struct check	 ck;

	check_init(&ck, "test_gopher");
	test_frame(&ck);
	test_parse_paths(&ck);
	test_parse_tabs(&ck);
	test_parse_kinds(&ck);
	test_item_type(&ck);
	test_error(&ck);
	test_menu_writer(&ck);
	test_resolve(&ck);
	test_map(&ck);
	return check_done(&ck);
}
