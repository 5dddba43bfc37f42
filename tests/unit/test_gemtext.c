/*
 * Unit tests of gemtext.c: display widths and gemtext rendered as a
 * Gopher menu, each rule with the exact bytes expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* An information line and the last line of every menu (RFC 1436). */
#define INFO(s)	"i" s "\t\tnull.host\t0\r\n"
#define END	".\r\n"
/* Items that point back at the test server. */
#define ITEM(t, d, sel)	t d "\t" sel "\texample.org\t70\r\n"
/* Room for the longer expected menus built at run time. */
#define TEST_BUF	4096

/* The server as the rendered page's links should point to it. */
static const struct gopher_ctx test_ctx = { "example.org", 70, "/a/" };

/* Appends s to dst (TEST_BUF bytes), cutting what does not fit. */
static void
cat(char *dst, const char *s)
{
	size_t	 n = strlen(dst);

	snprintf(dst + n, TEST_BUF - n, "%s", s);
}

/* Appends n copies of s to dst. */
static char *
rep(char *dst, const char *s, size_t n)
{
	while (n-- > 0)
		cat(dst, s);
	return dst;
}

/* Appends an information line with text to dst. */
static void
add_info(char *dst, const char *text)
{
	cat(dst, "i");
	cat(dst, text);
	cat(dst, "\t\tnull.host\t0\r\n");
}

/* Renders len bytes of gemtext and compares the bytes. */
static void
gmi_is_len(struct check *ck, const char *name, const char *src,
    size_t srclen, const char *want)
{
	char	*out;
	size_t	 len = 0;

	check_case(ck, "gemtext: %s", name);
	out = gemtext_to_gopher(src, srclen, &test_ctx, &len);
	CHECK_MEM(ck, out, len, want, strlen(want));
	free(out);
}

static void
gmi_is(struct check *ck, const char *name, const char *src,
    const char *want)
{
	gmi_is_len(ck, name, src, strlen(src), want);
}

static void
test_width(struct check *ck)
{
	static const struct {
		const char	*s;
		size_t		 w;
	} t[] = {
		{ "", 0 }, { "abc", 3 }, { "K\xc3\xb6ln", 4 },
		{ "e\xcc\x81", 1 },			/* e + U+0301 */
		{ "\xe2\x80\x8b", 0 },			/* U+200B */
		{ "\xef\xbb\xbf", 0 },			/* U+FEFF */
		{ "\xe6\x97\xa5\xe6\x9c\xac", 4 },	/* two ideographs */
		{ "\xea\xb0\x80", 2 },			/* U+AC00 */
		{ "\xe3\x80\xbf", 1 },			/* U+303F */
		{ "\xef\xbc\xa1", 2 },			/* U+FF21 */
		{ "\xf0\x9f\x98\x80", 2 },		/* U+1F600 */
		{ "\xf0\xa0\x80\x80", 2 },		/* U+20000 */
		{ "\xff", 1 }, { "\xe0\x80\x80", 3 },	/* invalid bytes */
		{ "\xed\xa0\x80", 3 },			/* a surrogate */
		{ "\xe6\x97", 2 },			/* cut short */
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_case(ck, "width of \"%s\" is %zu", t[i].s, t[i].w);
		CHECK_INT(ck, gemtext_width(t[i].s, strlen(t[i].s)), t[i].w);
	}
	check_case(ck, "cut: a wide character does not fit one column");
	CHECK_INT(ck, gemtext_cut("a\xe6\x97\xa5", 4, 2), 1);
	CHECK_INT(ck, gemtext_cut("a\xe6\x97\xa5", 4, 3), 4);
	check_case(ck, "cut: combining marks stay with their letter");
	CHECK_INT(ck, gemtext_cut("ae\xcc\x81x", 5, 2), 4);
}

static void
test_clean(struct check *ck)
{
	char	 out[16];
	size_t	 n;

	check_case(ck, "clean: controls to spaces, invalid bytes to ?");
	n = gemtext_clean(out, "a\tb\0c\xff\xc2\x85\x7f" "d", 10);
	CHECK_MEM(ck, out, n, "a b c?  d", 9);
}

static void
test_text(struct check *ck)
{
	char	 src[TEST_BUF], want[TEST_BUF], line[TEST_BUF];

	gmi_is(ck, "empty", "", END);
	gmi_is(ck, "one line", "Hello, world.\n", INFO("Hello, world.") END);
	gmi_is(ck, "CR LF and no final LF", "a\r\nb",
	    INFO("a") INFO("b") END);
	gmi_is(ck, "spaces around are dropped", "  a  b \t\n",
	    INFO("a  b") END);

	src[0] = want[0] = line[0] = '\0';
	rep(src, "word ", 20);
	add_info(want, rep(line, " word", 13) + 1);
	line[0] = '\0';
	add_info(want, rep(line, " word", 7) + 1);
	cat(want, END);
	gmi_is(ck, "a paragraph wraps at 67 columns", src, want);

	src[0] = want[0] = '\0';
	memset(src, 'a', 33);
	src[33] = ' ';
	memset(src + 34, 'b', 33);
	src[67] = '\0';
	add_info(want, src);
	cat(want, END);
	gmi_is(ck, "67 columns fit", src, want);
	cat(src, "b");
	want[0] = '\0';
	add_info(want, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	add_info(want, src + 34);
	cat(want, END);
	gmi_is(ck, "68 columns wrap at the space", src, want);

	memset(src, 'x', 80);
	src[80] = '\0';
	want[0] = '\0';
	snprintf(line, sizeof(line), "%.67s", src);
	add_info(want, line);
	add_info(want, src + 67);
	cat(want, END);
	gmi_is(ck, "a word of 80 is split at 67", src, want);

	snprintf(line, sizeof(line), "ab %.80s", src);
	snprintf(src, sizeof(src), "%s", line);
	memmove(want + strlen(INFO("ab")), want, strlen(want) + 1);
	memcpy(want, INFO("ab"), strlen(INFO("ab")));
	gmi_is(ck, "a long word starts its own line", src, want);
}

static void
test_utf8(struct check *ck)
{
	static const char	 bad[] =
	    "a\0b\xff\n=> \xff.txt \xfe\n=> %ff.txt \xfe\n";
	char	 src[TEST_BUF], want[TEST_BUF], line[TEST_BUF];

	/* 14 x "Koln" is 69 columns but 83 bytes: 13 words fit. */
	src[0] = want[0] = line[0] = '\0';
	rep(src, "K\xc3\xb6ln ", 14);
	add_info(want, rep(line, " K\xc3\xb6ln", 13) + 1);
	add_info(want, "K\xc3\xb6ln");
	cat(want, END);
	gmi_is(ck, "UTF-8 K\xc3\xb6ln wraps by columns, not bytes", src,
	    want);

	/* 34 ideographs are 68 columns: 33 fit on the first line. */
	src[0] = want[0] = line[0] = '\0';
	rep(src, "\xe6\x97\xa5", 34);
	add_info(want, rep(line, "\xe6\x97\xa5", 33));
	add_info(want, "\xe6\x97\xa5");
	cat(want, END);
	gmi_is(ck, "CJK counts two columns each", src, want);

	gmi_is_len(ck, "NUL and invalid UTF-8 are made safe", bad,
	    sizeof(bad) - 1, INFO("a b?") INFO("?") INFO("?") END);
}

static void
test_blocks(struct check *ck)
{
	gmi_is(ck, "headings keep their words",
	    "# Title\n## Sub title\n### Three\n#### Four\n",
	    INFO("Title") INFO("Sub title") INFO("Three") INFO("# Four") END);
	gmi_is(ck, "list item continues indented",
	    "* one\n* Lorem ipsum dolor sit amet, consectetur adipiscing "
	    "elit, sed do eiusmod tempor.\n*not a list\n* \n",
	    INFO("* one")
	    INFO("* Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
	    "sed do") INFO("  eiusmod tempor.") INFO("*not a list") INFO("*")
	    END);
	gmi_is(ck, "quote lines keep their mark",
	    ">Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed "
	    "do eiusmod.\n>\n> b\n",
	    INFO("> Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
	    "sed do") INFO("> eiusmod.") INFO(">") INFO("> b") END);
	gmi_is(ck, "blank lines collapse, none at the ends",
	    "\n \n\nA\n\n\n\t\nB\n\n\n", INFO("A") INFO("") INFO("B") END);
	gmi_is(ck, "preformatted lines are untouched but TABs",
	    "```ascii art\n  a\tb  \n\n=> x\n# y\n" "```\nz\n",
	    INFO("  a b  ") INFO("") INFO("=> x") INFO("# y") INFO("z") END);
	gmi_is(ck, "a preformatted line is never wrapped",
	    "```\n0123456789012345678901234567890123456789012345678901234567"
	    "890123456789 x\n",
	    INFO("0123456789012345678901234567890123456789012345678901234567"
	    "890123456789 x") END);
}

static void
test_links_remote(struct check *ck)
{
	gmi_is(ck, "gemini link is an h item",
	    "=> gemini://example.com/ Example\n",
	    ITEM("h", "Example", "URL:gemini://example.com/") END);
	gmi_is(ck, "https link without a label shows the URL",
	    "=>https://x.org/a?b\n",
	    ITEM("h", "https://x.org/a?b", "URL:https://x.org/a?b") END);
	gmi_is(ck, "mailto is an h item", "=> mailto:a@b.org\tMail me\n",
	    ITEM("h", "Mail me", "URL:mailto:a@b.org") END);
	gmi_is(ck, "network-path link is gemini",
	    "=> //other.org/p Other\n",
	    ITEM("h", "Other", "URL:gemini://other.org/p") END);
	gmi_is(ck, "gopher link is a native item",
	    "=> gopher://g.org/0/file.txt File\n",
	    "0File\t/file.txt\tg.org\t70\r\n" END);
	gmi_is(ck, "gopher link with port and %-encoding",
	    "=> gopher://g.org:7070/1/dir%20x Dir\n",
	    "1Dir\t/dir x\tg.org\t7070\r\n" END);
	gmi_is(ck, "gopher link to the root menu",
	    "=> gopher://g.org\n=> GOPHER://[::1]/ v6\n",
	    "1gopher://g.org\t\tg.org\t70\r\n1v6\t\t::1\t70\r\n" END);
	gmi_is(ck, "gopher search link loses its search",
	    "=> gopher://g.org/7/find%09words Find\n",
	    "7Find\t/find\tg.org\t70\r\n" END);
	gmi_is(ck, "bad gopher link falls back to URL:",
	    "=> gopher://g.org:99999/ Bad\n",
	    ITEM("h", "Bad", "URL:gopher://g.org:99999/") END);
}

static void
test_links_local(struct check *ck)
{
	gmi_is(ck, "relative links resolve against the directory",
	    "=> b.gmi B\n=> ../x/ X\n=> /abs.txt Abs\n=> sub Sub\n",
	    ITEM("1", "B", "/a/b.gmi") ITEM("1", "X", "/x/")
	    ITEM("0", "Abs", "/abs.txt") ITEM("1", "Sub", "/a/sub") END);
	gmi_is(ck, "query and fragment are dropped, %-encoding decoded",
	    "=> pic.png?size=2 Pic\n=> my%20doc.pdf#p2 Doc\n",
	    ITEM("I", "Pic", "/a/pic.png") ITEM("d", "Doc", "/a/my doc.pdf")
	    END);
	gmi_is(ck, "item types by media type",
	    "=> s.mp3 S\n=> p.html P\n=> a.gif A\n=> f.mp4 F\n=> d.bin D\n",
	    ITEM("s", "S", "/a/s.mp3") ITEM("h", "P", "/a/p.html")
	    ITEM("g", "A", "/a/a.gif") ITEM(";", "F", "/a/f.mp4")
	    ITEM("9", "D", "/a/d.bin") END);
	gmi_is(ck, "a link above the root is shown as text",
	    "=> ../../../x Up\n=> %zz Bad\n", INFO("Up") INFO("Bad") END);
	gmi_is(ck, "a link without a URL is dropped", "=>\n=>  \nx\n",
	    INFO("x") END);
	gmi_is(ck, "a long label is cut at a word, not wrapped",
	    "=> x.txt Lorem ipsum dolor sit amet, consectetur adipiscing "
	    "elit, sed do eiusmod tempor.\n",
	    ITEM("0", "Lorem ipsum dolor sit amet, consectetur adipiscing "
	    "elit, sed do", "/a/x.txt") END);
	gmi_is(ck, "blank line between links",
	    "=> a A\n\n\n=> b B\n",
	    ITEM("1", "A", "/a/a") INFO("") ITEM("1", "B", "/a/b") END);
}

int
main(void)
{
	struct check	 ck;

	check_init(&ck, "test_gemtext");
	test_width(&ck);
	test_clean(&ck);
	test_text(&ck);
	test_utf8(&ck);
	test_blocks(&ck);
	test_links_remote(&ck);
	test_links_local(&ck);
	return check_done(&ck);
}
