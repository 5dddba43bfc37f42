/*
 * Unit tests of search.c: folding, query parsing, matching, ranking,
 * excerpts and the exact bytes of results pages.
 */
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* A string literal and its length, embedded NUL bytes included. */
#define S(s)	(s), sizeof(s) - 1
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* The search page's path in these tests. */
#define TEST_SEARCH_PATH	"/search"
/* The two links that end every results page. */
#define TAIL	"=> /search New search\n=> / Home\n"

/* One search_fold() case. */
struct fold_case {
	const char	*in;	/* input bytes */
	size_t		 len;	/* input length */
	const char	*out;	/* expected folded text */
};

static const struct fold_case fold_cases[] = {
	{ S("Köln"), "koln" },
	{ S("KÖLN"), "koln" },
	{ S("Zürich"), "zurich" },
	{ S("Straße"), "strasse" },
	{ S("Æsir æble"), "aesir aeble" },
	{ S("Œuvre cœur"), "oeuvre coeur" },
	{ S("Øresund ø"), "oresund o" },
	{ S("Ðað"), "dad" },
	{ S("Þórr þing"), "thorr thing" },
	{ S("Łódź ł"), "lodz l" },
	{ S("Ĳssel"), "ijssel" },
	{ S("ÿŸ"), "yy" },
	{ S("Ā ā Ğ ğ İ ı Ő ő Š š Ž ž ſ"),
	    "a a g g i i o o s s z z s" },
	{ S("naïve café Ça"), "naive cafe ca" },
	{ S("2×3÷4"), "2 3 4" },
	{ S("Hello, World! (a-b_c)"), "hello  world   a b c " },
	{ S("A1\tB2\r\n"), "a1 b2  " },
	{ S("Ko\xcc\x88ln"), "koln" },		/* decomposed ö */
	{ S("Kö\xc2\xadln"), "koln" },		/* soft hyphen */
	{ S("a\xc2\xa0" "b"), "a b" },		/* no-break space */
	{ S("«Köln»"), " koln " },
	{ S("a\xc2\x85" "b"), "a b" },		/* C1 control */
	{ S("µ²³¹ªº"), "µ231ao" },
	{ S("Αθήνα Москва 東京"), "Αθήνα Москва 東京" },
	{ S("😀x"), "😀x" },
	{ S("a\xff" "b"), "a b" },		/* not UTF-8 */
	{ S("a\xc3"), "a " },			/* cut sequence */
	{ S("\xed\xa0\x80z"), "   z" },		/* a surrogate */
	{ S("a\0b"), "a b" },
	{ S(""), "" },
};

static void
check_fold(struct check *ck)
{
	char	 buf[256], in[3];
	size_t	 i, n;
	int	 cp, is_ascii;

	for (i = 0; i < NELEM(fold_cases); i++) {
		check_case(ck, "fold \"%s\"", fold_cases[i].in);
		n = search_fold(buf, sizeof(buf), fold_cases[i].in,
		    fold_cases[i].len);
		CHECK_STR(ck, buf, fold_cases[i].out);
		CHECK_INT(ck, n, strlen(fold_cases[i].out));
		CHECK(ck, n <= fold_cases[i].len);
	}
	check_case(ck, "fold: every letter of U+00C0-U+017F becomes a-z");
	for (cp = 0xc0; cp < 0x180; cp++) {
		in[0] = (char)(0xc0 | cp >> 6);
		in[1] = (char)(0x80 | (cp & 0x3f));
		n = search_fold(buf, sizeof(buf), in, 2);
		is_ascii = n >= 1 && n <= 2 && buf[0] >= 'a' && buf[0] <= 'z' &&
		    (n == 1 || (buf[1] >= 'a' && buf[1] <= 'z'));
		if (cp == 0xd7 || cp == 0xf7)	/* × and ÷ */
			CHECK_STR(ck, buf, " ");
		else if (!is_ascii)
			CHECK_INT(ck, cp, -1);
	}
	check_case(ck, "fold: cut between code points");
	CHECK_INT(ck, search_fold(buf, 5, S("Straße")), 4);
	CHECK_STR(ck, buf, "stra");
	CHECK_INT(ck, search_fold(buf, 3, S("a東京")), 1);
	CHECK_STR(ck, buf, "a");
	CHECK_INT(ck, search_fold(buf, 1, S("abc")), 0);
	CHECK_STR(ck, buf, "");
	CHECK_INT(ck, search_fold(buf, 0, S("abc")), 0);
}

/* One search_parse() error case. */
struct parse_err_case {
	const char	*in;	/* query */
	size_t		 len;	/* its length */
	const char	*err;	/* expected reason */
};

static const struct parse_err_case parse_errs[] = {
	{ S(""), "empty query" },
	{ S("   "), "empty query" },
	{ S(" ,;!? -- ... \t"), "empty query" },
	{ S("\xc3\x28"), "not UTF-8" },
	{ S("caf\xe9"), "not UTF-8" },
	{ S("a b c d e f g h i"), "too many words" },
	{ S("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "a"), "word too long" },	/* 65 bytes */
};

static void
check_parse_errors(struct check *ck)
{
	struct search_query	 q;
	char			 err[64], big[SEARCH_QUERY_MAX + 2];
	size_t			 i;

	for (i = 0; i < NELEM(parse_errs); i++) {
		check_case(ck, "parse \"%s\": %s", parse_errs[i].in,
		    parse_errs[i].err);
		strcpy(err, "unset");
		CHECK_INT(ck, search_parse(parse_errs[i].in, parse_errs[i].len,
		    &q, err, sizeof(err)), -1);
		CHECK_STR(ck, err, parse_errs[i].err);
	}
	check_case(ck, "parse: query over %d bytes", SEARCH_QUERY_MAX);
	memset(big, 'a', sizeof(big));
	big[SEARCH_QUERY_MAX + 1] = '\0';
	CHECK_INT(ck, search_parse(big, SEARCH_QUERY_MAX + 1, &q, err,
	    sizeof(err)), -1);
	CHECK_STR(ck, err, "query too long");
	check_case(ck, "parse: a reason fits a small err buffer");
	CHECK_INT(ck, search_parse(S(""), &q, err, 6), -1);
	CHECK_STR(ck, err, "empty");
	CHECK_INT(ck, search_parse(S(""), &q, NULL, 0), -1);
}

static void
check_parse_ok(struct check *ck)
{
	struct search_query	 q;
	char			 err[64], big[SEARCH_QUERY_MAX + 1];
	size_t			 i;

	check_case(ck, "parse: words folded, split and made distinct");
	CHECK_INT(ck, search_parse(S("  Köln, KÖLN;koln Zürich! "), &q, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, q.nterms, 2);
	CHECK_STR(ck, q.terms[0], "koln");
	CHECK_STR(ck, q.terms[1], "zurich");
	CHECK_STR(ck, q.shown, "Köln, KÖLN;koln Zürich!");
	check_case(ck, "parse: eight words, duplicates dropped");
	CHECK_INT(ck, search_parse(S("a b c d e f g h a B"), &q, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, q.nterms, 8);
	CHECK_STR(ck, q.terms[7], "h");
	check_case(ck, "parse: a word of %d bytes", SEARCH_TERM_MAX);
	memset(big, 'x', SEARCH_TERM_MAX);
	CHECK_INT(ck, search_parse(big, SEARCH_TERM_MAX, &q, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, strlen(q.terms[0]), SEARCH_TERM_MAX);
	check_case(ck, "parse: a query of %d bytes", SEARCH_QUERY_MAX);
	for (i = 0; i < SEARCH_QUERY_MAX; i++)
		big[i] = i % 64 == 63 ? ' ' : 'a' + i / 64;
	CHECK_INT(ck, search_parse(big, SEARCH_QUERY_MAX, &q, err,
	    sizeof(err)), 0);
	CHECK_INT(ck, q.nterms, 4);
	check_case(ck, "parse: shown without controls, cut at %d columns",
	    SEARCH_SHOWN_COLS);
	CHECK_INT(ck, search_parse(S("\ta\tb\r\n\x01" "c\x7f\xc2\x85 "), &q,
	    err, sizeof(err)), 0);
	CHECK_STR(ck, q.shown, "abc");
	for (i = 0; i < 7; i++)
		memcpy(big + 19 * i, "ééééééééé ", 19);
	CHECK_INT(ck, search_parse(big, 7 * 19, &q, err, sizeof(err)), 0);
	CHECK_INT(ck, q.nterms, 1);
	CHECK_MEM(ck, q.shown, strlen(q.shown), big, 6 * 19 - 1);
}

/* Runs query over docs; the page, or NULL (and a failed check). */
static char *
run(struct check *ck, const struct search_doc *docs, size_t n,
    const char *query, size_t *lenp)
{
	struct search_query	 q;
	char			 err[64];
	char			*page;

	if (!CHECK_INT(ck, search_parse(query, strlen(query), &q, err,
	    sizeof(err)), 0))
		return NULL;
	page = search_run(docs, n, &q, TEST_SEARCH_PATH, lenp);
	CHECK(ck, page != NULL);
	return page;
}

/* The results' paths in order, one per line, for comparisons. */
static void
links_of(const char *page, char *dst, size_t dstsz)
{
	const char	*p = page, *sp;
	size_t		 o = 0, n;

	dst[0] = '\0';
	while ((p = strstr(p, "\n=> /")) != NULL) {
		p += 4;
		if ((sp = strpbrk(p, " \n")) == NULL || strncmp(p,
		    TEST_SEARCH_PATH " ", strlen(TEST_SEARCH_PATH) + 1) == 0)
			break;
		n = (size_t)(sp - p);
		if (o + n + 2 > dstsz)
			break;
		memcpy(dst + o, p, n);
		o += n;
		dst[o++] = ' ';
		dst[o] = '\0';
	}
}

static const struct search_doc city_docs[] = {
	{ "/c.gmi", "Trips", S("# Trips\nWe went to Köln and Zürich.\n") },
	{ "/a.gmi", "Köln", S("# Köln\nA city on the Rhine.\n") },
	{ "/b.gmi", "", S("köln köln köln\n") },
	{ "/d.gmi", "Sweden", S("Karolinska is in Sweden.\n") },
	{ "/e.gmi", "Sweden", S("Stockholm.\n") },
	{ "/f.gmi", "Art", S("A start.\n") },
};

static void
check_match(struct check *ck)
{
	char	 links[512], *page;
	size_t	 len;

	check_case(ck, "\"Koln\" finds Köln, title first, then by count");
	page = run(ck, city_docs, NELEM(city_docs), "Koln", &len);
	links_of(page != NULL ? page : "", links, sizeof(links));
	CHECK_STR(ck, links, "/a.gmi /b.gmi /c.gmi ");
	free(page);
	check_case(ck, "\"KÖLN zurich\": every word must match");
	page = run(ck, city_docs, NELEM(city_docs), "KÖLN zurich", &len);
	links_of(page != NULL ? page : "", links, sizeof(links));
	CHECK_STR(ck, links, "/c.gmi ");
	free(page);
	check_case(ck, "\"sweden karolinska\" finds the page with both");
	page = run(ck, city_docs, NELEM(city_docs), "sweden karolinska", &len);
	links_of(page != NULL ? page : "", links, sizeof(links));
	CHECK_STR(ck, links, "/d.gmi ");
	free(page);
	check_case(ck, "a word matches where a word starts");
	page = run(ck, city_docs, NELEM(city_docs), "art", &len);
	links_of(page != NULL ? page : "", links, sizeof(links));
	CHECK_STR(ck, links, "/f.gmi ");
	free(page);
	page = run(ck, city_docs, NELEM(city_docs), "tart", &len);
	CHECK(ck, page != NULL && strstr(page, "No page matches.") != NULL);
	free(page);
}

static void
check_rank(struct check *ck)
{
	struct search_doc	 docs[2];
	char			 text[2000], links[256], *page;
	size_t			 i, len;

	check_case(ck, "a title match outranks %d occurrences in text", 500);
	for (i = 0; i < 500; i++)
		memcpy(text + 4 * i, "zug ", 4);
	docs[0] = (struct search_doc){ "/many.gmi", "Many", text, 2000 };
	docs[1] = (struct search_doc){ "/zug.gmi", "Zug", "", 0 };
	page = run(ck, docs, 2, "zug", &len);
	links_of(page != NULL ? page : "", links, sizeof(links));
	CHECK_STR(ck, links, "/zug.gmi /many.gmi ");
	free(page);
	check_case(ck, "equal scores sort by path");
	docs[0] = (struct search_doc){ "/z.gmi", "Z", S("same word") };
	docs[1] = (struct search_doc){ "/y.gmi", "Y", S("same word") };
	page = run(ck, docs, 2, "word", &len);
	links_of(page != NULL ? page : "", links, sizeof(links));
	CHECK_STR(ck, links, "/y.gmi /z.gmi ");
	free(page);
}

static void
check_limit(struct check *ck)
{
	struct search_doc	 docs[25];
	char			 paths[25][16], *page, *p;
	size_t			 i, len, nlinks = 0;

	check_case(ck, "at most %d results", SEARCH_RESULTS_MAX);
	for (i = 0; i < NELEM(docs); i++) {
		snprintf(paths[i], sizeof(paths[i]), "/p%02zu.gmi", i);
		docs[i] = (struct search_doc){ paths[i], "Page", "word\n", 5 };
	}
	page = run(ck, docs, NELEM(docs), "word", &len);
	for (p = page; p != NULL && (p = strstr(p, "\n=> /p")) != NULL; p++)
		nlinks++;
	CHECK_INT(ck, nlinks, SEARCH_RESULTS_MAX);
	CHECK(ck, page != NULL && strstr(page, "\n\n25 pages match. The best "
	    "are listed.\n\n=> /p00.gmi Page\nword\n\n") != NULL);
	CHECK(ck, page != NULL && strstr(page, "/p19.gmi") != NULL &&
	    strstr(page, "/p20.gmi") == NULL);
	free(page);
}

/* One excerpt case: a page's text, a query, the excerpt line expected. */
struct excerpt_case {
	const char	*text;		/* the page */
	const char	*query;		/* what is searched */
	const char	*line;		/* the line after the link */
};

static const struct excerpt_case excerpt_cases[] = {
	{ "# Oslo\nIntro.\nOslo is a city.\n", "oslo", "Oslo is a city." },
	{ "# Oslo\nIntro.\n", "oslo", "Intro." },	/* title only */
	{ "## Oslo fjord\n", "oslo", "Oslo fjord" },
	{ "* Oslo item\n", "oslo", "Oslo item" },
	{ ">  Oslo said\r\n", "oslo", "Oslo said" },
	{ "=> /x.gmi Oslo link\n", "oslo", "Oslo link" },
	{ "=> /oslo.gmi\nOslo text\n", "oslo", "Oslo text" },
	{ "```\n# Oslo art\n```\n", "oslo", "Oslo art" },
	{ "* => /x oslo\n", "oslo", "oslo" },
	{ "> ```oslo\n", "oslo", "oslo" },
	{ "Oslo\tand\tBergen\n", "bergen", "Oslo and Bergen" },
	{ "Oslo \x01 x \xff y\n", "oslo", "Oslo   x ? y" },
	{ "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
	    "nnnn oooo pppp\n", "pppp",
	    "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
	    "nnnn oooo pppp" },
	{ "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
	    "nnnn oooo ppppp\n", "ppppp",
	    "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
	    "nnnn oooo ppppp" },
	{ "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
	    "nnnn oooo pppp qqqq\n", "qqqq",
	    "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
	    "nnnn oooo..." },
};

static void
check_excerpts(struct check *ck)
{
	const struct excerpt_case	*c;
	struct search_doc		 doc;
	char				 want[512], text[512], *page;
	size_t				 i, len;

	for (i = 0; i < NELEM(excerpt_cases); i++) {
		c = &excerpt_cases[i];
		check_case(ck, "excerpt of \"%s\"", c->text);
		doc = (struct search_doc){ "/p.gmi", "Oslo", c->text,
		    strlen(c->text) };
		page = run(ck, &doc, 1, c->query, &len);
		snprintf(want, sizeof(want), "=> /p.gmi Oslo\n%s\n\n" TAIL,
		    c->line);
		if (page != NULL && CHECK(ck, strstr(page, "=> /p.gmi") !=
		    NULL))
			CHECK_STR(ck, strstr(page, "=> /p.gmi"), want);
		free(page);
	}
	check_case(ck, "excerpt: one long word is cut inside");
	for (i = 0; i < 82; i++)
		memcpy(text + 2 * i, "é", 2);
	memcpy(text + 164, " x\n", 4);
	for (i = 0; i < SEARCH_EXCERPT_COLS - 3; i++)
		memcpy(want + 2 * i, "é", 2);
	memcpy(want + 2 * i, "...\n", 5);
	doc = (struct search_doc){ "/p.gmi", "P", text, strlen(text) };
	page = run(ck, &doc, 1, "x", &len);
	CHECK(ck, page != NULL && strstr(page, want) != NULL);
	free(page);
}

static void
check_pages(struct check *ck)
{
	static const char	 one[] =
	    "# Search results for: Köln  Rhine\n\n"
	    "1 page matches.\n\n"
	    "=> /a.gmi Köln\n"
	    "A city on the Rhine.\n\n"
	    TAIL;
	static const char	 none[] =
	    "# Search results for: Bergen\n\n"
	    "No page matches. Try fewer or shorter words.\n\n"
	    TAIL;
	static const char	 two[] =
	    "# Search results for: koln\n\n"
	    "2 pages match.\n\n"
	    "=> /c.gmi A B koln\n\n"
	    "=> /a%20b/%C3%A9.gmi /a b/é.gmi\n"
	    "text koln\n\n"
	    TAIL;
	static const struct search_doc docs[] = {
		{ "/a b/é.gmi", " \t", "text koln", 9 },
		{ "/c.gmi", "A\tB koln", NULL, 0 },
	};
	char			*page;
	size_t			 len = 0;

	check_case(ck, "the exact page for one result");
	page = run(ck, city_docs, NELEM(city_docs), "Köln \t Rhine", &len);
	CHECK_MEM(ck, page, len, one, sizeof(one) - 1);
	free(page);
	check_case(ck, "the exact page for no result");
	page = run(ck, city_docs, NELEM(city_docs), "Bergen", &len);
	CHECK_MEM(ck, page, len, none, sizeof(none) - 1);
	free(page);
	check_case(ck, "no title: the path; paths encoded; controls spaced");
	page = run(ck, docs, NELEM(docs), "koln", &len);
	CHECK_MEM(ck, page, len, two, sizeof(two) - 1);
	free(page);
	check_case(ck, "no page at all");
	page = run(ck, NULL, 0, "x", &len);
	CHECK(ck, page != NULL && strstr(page, "No page matches.") != NULL);
	free(page);
}

int
main(void)
{
	struct check	 ck;

	check_init(&ck, "test_search");
	check_fold(&ck);
	check_parse_errors(&ck);
	check_parse_ok(&ck);
	check_match(&ck);
	check_rank(&ck);
	check_limit(&ck);
	check_excerpts(&ck);
	check_pages(&ck);
	return check_done(&ck);
}
