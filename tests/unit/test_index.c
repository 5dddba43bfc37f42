/*
 * Unit tests of index.c (with sitemap.c rendering): the capsule's data
 * file read into generated pages (exact bytes of a value page and of
 * index pages, grouping, counts, multi values, slug collisions), every
 * error with its line, and the lookup of pages.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* A string literal and its length, embedded NUL bytes included. */
#define S(s)	(s), sizeof(s) - 1
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* Room for an error message. */
#define ERR_MAX		256
/* The name the data file is given in messages. */
#define NAME		"t.tsv"

/* The capsule's data file, cut down to three records. */
#define OPP_DIRECTIVES							\
	"#facet\tprogramme\tprogrammes\tOptions abroad by study programme"\
	"\tgroup=level\n"						\
	"#facet\tkind\tkinds\tOptions abroad by kind of opportunity\n"	\
	"#facet\tcountries\tdestinations\tOptions abroad by destination "\
	"country\tmulti\n"						\
	"#value-title\t%s: options abroad for LUMC students\n"		\
	"#value-intro\tEvery option the source page lists for %s, with "\
	"its timing and length where the source gives them.\n"		\
	"#index-intro\tEach link names a value and how many options it "\
	"has.\n"							\
	"#group-empty\tLevel not given by the source\n"			\
	"#heading\twhat\n"						\
	"#show\tprogramme\tProgramme\n"					\
	"#show\tlevel\tLevel\n"						\
	"#show\twhere\tWhere\n"						\
	"#show\twhen\tWhen\n"						\
	"#show\tlength\tLength\n"					\
	"#show\tnote\t\n"						\
	"#show\tsource\tSource\n"
#define OPP_ROWS							\
	"id\tprogramme\tlevel\tkind\twhat\twhere\tcountries\twhen\tlength"\
	"\tsource\tnote\n"						\
	"F01\tBiomedical Sciences\tbachelor\tcourses\tCourses at "	\
	"Karolinska Institutet\tKarolinska Institutet, Sweden\tSweden\t"\
	"year 2, semester 1 or 2\t\tlines 8 and 10\t\n"			\
	"F07\tMedicine\tmaster\tresearch internship\tResearch internship "\
	"(Dutch: wetenschapsstage)\t\t\tyear 1 or 3 of the master\t18 to "\
	"28 weeks\tline 24\tThe source page lost this heading; Medicine "\
	"is our reading.\n"						\
	"F11\tA programme the source does not name\t\telective area\t"	\
	"Elective area\t\t\t\t10 weeks\tline 33\tThe source page lost "	\
	"this heading; the programme is unknown.\n"
#define OPP	OPP_DIRECTIVES OPP_ROWS

static const char medicine_page[] =
	"# Medicine: options abroad for LUMC students\n"
	"\n"
	"Every option the source page lists for Medicine, with its timing "
	"and length where the source gives them.\n"
	"\n"
	"## Research internship (Dutch: wetenschapsstage)\n"
	"* Programme: Medicine\n"
	"* Level: master\n"
	"* When: year 1 or 3 of the master\n"
	"* Length: 18 to 28 weeks\n"
	"The source page lost this heading; Medicine is our reading.\n"
	"* Source: line 24\n"
	"\n"
	"=> /programmes/ Up: Options abroad by study programme\n"
	"=> / Home\n";

static const char programmes_page[] =
	"# Options abroad by study programme\n"
	"\n"
	"Each link names a value and how many options it has.\n"
	"\n"
	"## Bachelor\n"
	"=> /programmes/biomedical-sciences.gmi Biomedical Sciences (1)\n"
	"\n"
	"## Master\n"
	"=> /programmes/medicine.gmi Medicine (1)\n"
	"\n"
	"## Level not given by the source\n"
	"=> /programmes/a-programme-the-source-does-not-name.gmi A programme "
	"the source does not name (1)\n"
	"\n"
	"=> / Up: Home\n"
	"=> / Home\n";

static const char kinds_page[] =
	"# Options abroad by kind of opportunity\n"
	"\n"
	"Each link names a value and how many options it has.\n"
	"\n"
	"=> /kinds/courses.gmi courses (1)\n"
	"=> /kinds/elective-area.gmi elective area (1)\n"
	"=> /kinds/research-internship.gmi research internship (1)\n"
	"\n"
	"=> / Up: Home\n"
	"=> / Home\n";

/* Checks that the page at path exists and holds exactly want. */
static void
check_page(struct check *ck, const struct index_site *s, const char *path,
    const char *want)
{
	const struct index_page	*p;

	if (!CHECK(ck, (p = index_find(s, path)) != NULL))
		return;
	CHECK_MEM(ck, p->body, p->len, want, strlen(want));
}

/* Checks that page path lists "text (n)" as a link. */
static void
check_link(struct check *ck, const struct index_site *s, const char *path,
    const char *line)
{
	const struct index_page	*p;
	char			*body;

	if (!CHECK(ck, (p = index_find(s, path)) != NULL))
		return;
	if ((body = strndup(p->body, p->len)) == NULL)
		abort();
	if (strstr(body, line) == NULL)
		check_fail(ck, __FILE__, __LINE__, "%s lacks \"%s\"", path,
		    line);
	free(body);
}

/* Builds text; a failure is a failed check with the message. */
static int
build(struct check *ck, const char *text, size_t len, struct index_site *s)
{
	char	 err[ERR_MAX];

	if (index_build(NAME, text, len, s, err, sizeof(err)) == 0)
		return 1;
	return check_fail(ck, __FILE__, __LINE__, "index_build: %s", err);
}

static void
check_capsule(struct check *ck)
{
	struct index_site	 s;
	const struct index_page	*p;
	size_t			 i;

	check_case(ck, "the capsule's file builds 10 pages");
	if (!build(ck, S(OPP), &s))
		return;
	CHECK_INT(ck, s.npages, 10);
	CHECK_INT(ck, s.nrows, 3);
	CHECK_INT(ck, s.nfacets, 3);
	CHECK_INT(ck, s.nvalues[0], 3);
	CHECK_INT(ck, s.nvalues[1], 3);
	CHECK_INT(ck, s.nvalues[2], 1);
	CHECK_STR(ck, s.home, "Home");
	check_case(ck, "value page, exact bytes");
	check_page(ck, &s, "/programmes/medicine.gmi", medicine_page);
	p = index_find(&s, "/programmes/medicine.gmi");
	if (CHECK(ck, p != NULL)) {
		CHECK_STR(ck, p->title,
		    "Medicine: options abroad for LUMC students");
		CHECK_INT(ck, p->count, 1);
		CHECK_INT(ck, p->is_index, 0);
		CHECK_INT(ck, p->facet, 0);
	}
	check_case(ck, "grouped index page, exact bytes");
	check_page(ck, &s, "/programmes/", programmes_page);
	p = index_find(&s, "/programmes/");
	if (CHECK(ck, p != NULL)) {
		CHECK_STR(ck, p->title, "Options abroad by study programme");
		CHECK_INT(ck, p->count, 3);
		CHECK_INT(ck, p->is_index, 1);
	}
	check_case(ck, "ungrouped index page, sorted, exact bytes");
	check_page(ck, &s, "/kinds/", kinds_page);
	check_case(ck, "empty cells are left out");
	check_link(ck, &s, "/programmes/a-programme-the-source-does-not-name"
	    ".gmi", "## Elective area\n* Programme: A programme the source "
	    "does not name\n* Length: 10 weeks\nThe source page lost this "
	    "heading; the programme is unknown.\n* Source: line 33\n\n=> ");
	check_link(ck, &s, "/destinations/", "\n=> /destinations/sweden.gmi "
	    "Sweden (1)\n\n=> / Up: Home\n");
	check_case(ck, "pages are sorted, start with \"# \", hold no TAB/CR");
	for (i = 0; i < s.npages; i++) {
		p = &s.pages[i];
		CHECK(ck, i == 0 || strcmp(p[-1].path, p->path) < 0);
		CHECK(ck, p->len > 2 && memcmp(p->body, "# ", 2) == 0);
		CHECK(ck, memchr(p->body, '\t', p->len) == NULL);
		CHECK(ck, memchr(p->body, '\r', p->len) == NULL);
		CHECK(ck, p->body[p->len - 1] == '\n');
	}
	index_free(&s);
	CHECK_INT(ck, s.npages, 0);
}

static void
check_find(struct check *ck)
{
	struct index_site	 s;

	check_case(ck, "index_find: exact, index.gmi, missing");
	if (!build(ck, S(OPP), &s))
		return;
	CHECK(ck, index_find(&s, "/kinds/index.gmi") ==
	    index_find(&s, "/kinds/"));
	CHECK(ck, index_find(&s, "/kinds/courses.gmi") != NULL);
	CHECK(ck, index_find(&s, "/kinds") == NULL);
	CHECK(ck, index_find(&s, "/kinds/courses") == NULL);
	CHECK(ck, index_find(&s, "/index.gmi") == NULL);
	CHECK(ck, index_find(&s, "/") == NULL);
	CHECK(ck, index_find(&s, "index.gmi") == NULL);
	CHECK(ck, index_find(&s, "") == NULL);
	index_free(&s);
	CHECK(ck, index_find(&s, "/kinds/") == NULL);
}

static void
check_crlf(struct check *ck)
{
	struct index_site	 a, b;
	char			*crlf, *o;
	const char		*p;
	size_t			 i;

	check_case(ck, "CR LF line ends give the same pages");
	if ((crlf = malloc(2 * sizeof(OPP))) == NULL)
		abort();
	for (p = OPP, o = crlf; *p != '\0'; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	if (build(ck, S(OPP), &a) && build(ck, crlf, (size_t)(o - crlf),
	    &b)) {
		CHECK_INT(ck, a.npages, b.npages);
		for (i = 0; i < a.npages && i < b.npages; i++)
			CHECK_MEM(ck, b.pages[i].body, b.pages[i].len,
			    a.pages[i].body, a.pages[i].len);
		index_free(&a);
		index_free(&b);
	}
	free(crlf);
}

static void
check_groups(struct check *ck)
{
	static const char text[] =
	    "# the master row comes first, so its group does too\n"
	    "\n"
	    "#facet\tprog\tp\tBy programme\tgroup=level\n"
	    "#facet\tcountry\tc\tBy country\tmulti\n"
	    "#\n"
	    "id\tprog\tlevel\tcountry\n"
	    "A\tMedicine\tmaster\tUK; Cuba ;UK\n"
	    "B\tmedicine\tbachelor\t;;\n"
	    "C\tMedicine\tbachelor\tcuba\n"
	    "D\tBiology\t\tUK\n"
	    "E\tMedicine\tbachelor\t Finland\n"
	    "\n";
	struct index_site	 s;

	check_case(ck, "a value under two groups, groups in file order");
	if (!build(ck, S(text), &s))
		return;
	check_link(ck, &s, "/p/", "\n\n## Master\n=> /p/medicine.gmi "
	    "Medicine (1)\n\n## Bachelor\n=> /p/medicine.gmi Medicine (2)\n"
	    "=> /p/medicine-2.gmi medicine (1)\n\n## Other\n=> /p/biology.gmi "
	    "Biology (1)\n\n=> / Up: Home\n=> / Home\n");
	CHECK_INT(ck, index_find(&s, "/p/")->count, 4);
	CHECK_INT(ck, index_find(&s, "/p/medicine.gmi")->count, 3);
	check_case(ck, "defaults: the value is the title, id heads a record");
	check_page(ck, &s, "/p/medicine-2.gmi", "# medicine\n\n## B\n\n"
	    "=> /p/ Up: By programme\n=> / Home\n");
	check_case(ck, "multi values: trimmed, empty ones dropped, once a row");
	CHECK_INT(ck, s.nvalues[1], 4);
	check_link(ck, &s, "/c/", "\n=> /c/cuba.gmi Cuba (1)\n=> /c/cuba-2.gmi "
	    "cuba (1)\n=> /c/finland.gmi Finland (1)\n=> /c/uk.gmi UK (2)\n\n");
	check_page(ck, &s, "/c/uk.gmi", "# UK\n\n## A\n\n## D\n\n"
	    "=> /c/ Up: By country\n=> / Home\n");
	index_free(&s);
}

static void
check_slugs(struct check *ck)
{
	static const char text[] =
	    "#facet\tv\tv\tValues\n"
	    "id\tv\n"
	    "1\tCura\xc3\xa7" "ao\n2\tCuracao\n3\tIndex\n4\t???\n5\t!!\n"
	    "6\tcuracao-2\n7\tCURACAO\n";
	struct index_site	 s;

	check_case(ck, "equal slugs get -2, -3; \"index\" is never one");
	if (!build(ck, S(text), &s))
		return;
	CHECK(ck, index_find(&s, "/v/curacao.gmi") != NULL &&
	    strcmp(index_find(&s, "/v/curacao.gmi")->title, "Cura\xc3\xa7"
	    "ao") == 0);
	CHECK_STR(ck, index_find(&s, "/v/curacao-2.gmi")->title, "Curacao");
	CHECK_STR(ck, index_find(&s, "/v/index-2.gmi")->title, "Index");
	CHECK_STR(ck, index_find(&s, "/v/value.gmi")->title, "???");
	CHECK_STR(ck, index_find(&s, "/v/value-2.gmi")->title, "!!");
	CHECK_STR(ck, index_find(&s, "/v/curacao-2-2.gmi")->title,
	    "curacao-2");
	CHECK_STR(ck, index_find(&s, "/v/curacao-3.gmi")->title, "CURACAO");
	CHECK(ck, index_find(&s, "/v/index.gmi") == index_find(&s, "/v/"));
	index_free(&s);
	check_case(ck, "a file without facets builds no pages; BOM skipped");
	if (!build(ck, S("\xef\xbb\xbf#home\tStart\nid\ta\nr\tx\n"), &s))
		return;
	CHECK_INT(ck, s.npages, 0);
	CHECK_INT(ck, s.nrows, 1);
	CHECK_STR(ck, s.home, "Start");
	CHECK(ck, index_find(&s, "/") == NULL);
	index_free(&s);
}

/* One malformed file and the message it must give. */
struct err_case {
	const char	*what;		/* case name */
	const char	*in;		/* the file */
	size_t		 len;		/* its bytes */
	const char	*err;		/* the message */
};

#define HDR	"id\ta\tb\n"
#define ROW	"r\tx\ty\n"
#define E(what, in, err)	{ what, S(in), NAME ":" err }

static const struct err_case err_cases[] = {
	E("empty file", "", "1: no header row"),
	E("directives only", "#home\tH\n# c\n", "2: no header row"),
	E("no rows", "#home\tH\n" HDR "\n", "3: no rows after the header"),
	E("too few cells", HDR "r\tx\n", "2: 2 cells, the header has 3"),
	E("too many cells", HDR ROW "r2\tx\ty\tz\n",
	    "3: 4 cells, the header has 3"),
	E("TAB-free data line", HDR ROW "stray text\n",
	    "3: no TAB: not a row of the table"),
	E("empty id", HDR " \tx\ty\n", "2: empty id"),
	E("duplicate id", HDR ROW "s\tx\ty\n" ROW,
	    "4: duplicate id \"r\" (first on line 2)"),
	E("bad UTF-8", HDR "r\t\xc3\x28\ty\n", "2: not valid UTF-8"),
	E("overlong UTF-8", HDR "r\t\xc0\xaf\ty\n", "2: not valid UTF-8"),
	E("NUL", HDR "r\tx\0\ty\n", "2: NUL byte"),
	E("CR inside a line", HDR "r\tx\ry\ty\n", "2: CR inside a line"),
	E("control character", HDR "r\tx\x1b\ty\n",
	    "2: control character 0x1b"),
	E("cell toggling preformatted text", HDR "r\t ```x\ty\n",
	    "2: field 2 starts with ```"),
	E("header without TAB", "id\n", "1: the header needs at least two "
	    "TAB-separated columns"),
	E("header not starting with id", "key\ta\n" ROW,
	    "1: the first column must be \"id\""),
	E("empty column name", "id\t\tb\n" ROW, "1: column 2 has no name"),
	E("duplicate column", "id\ta\ta\n" ROW,
	    "1: column \"a\" appears twice"),
	E("unknown directive", "#facets\ta\td\tT\n" HDR ROW,
	    "1: unknown directive \"#facets\""),
	E("directive after the header", HDR "#home\tH\n" ROW,
	    "2: directive after the header"),
	E("facet: unknown column", "# c\n#facet\tnope\td\tT\n" HDR ROW,
	    "2: unknown column \"nope\""),
	E("facet: unknown group column", "#facet\ta\td\tT\tgroup=g\n" HDR ROW,
	    "1: unknown column \"g\""),
	E("heading: unknown column", "#home\tH\n#heading\tc\n" HDR ROW,
	    "2: unknown column \"c\""),
	E("show: unknown column", "#show\ta\tA\n#show\tc\tC\n" HDR ROW,
	    "2: unknown column \"c\""),
	E("facet: too few fields", "#facet\ta\td\n" HDR ROW,
	    "1: #facet takes 3 to 5 fields, not 2"),
	E("facet: too many fields", "#facet\ta\td\tT\tmulti\tmulti\tx\n",
	    "1: #facet takes 3 to 5 fields, not 6"),
	E("show: too many fields", "#show\ta\tA\tx\n",
	    "1: #show takes 1 to 2 fields, not 3"),
	E("facet: unknown option", "#facet\ta\td\tT\tsorted\n",
	    "1: unknown facet option \"sorted\""),
	E("facet: empty group option", "#facet\ta\td\tT\tgroup=\n",
	    "1: unknown facet option \"group=\""),
	E("facet: empty title", "#facet\ta\td\t\n", "1: empty index title"),
	E("facet: upper-case DIR", "#facet\ta\tProgrammes\tT\n",
	    "1: directory \"Programmes\" is not 1 to 64 of [a-z0-9-]"),
	E("facet: DIR with a slash", "#facet\ta\ta/b\tT\n",
	    "1: directory \"a/b\" is not 1 to 64 of [a-z0-9-]"),
	E("facet: empty DIR", "#facet\ta\t\tT\n",
	    "1: directory \"\" is not 1 to 64 of [a-z0-9-]"),
	E("facet: DIR twice", "#facet\ta\td\tT\n#facet\tb\td\tU\n",
	    "2: directory \"d\" used twice (first on line 1)"),
	E("format without %s", "#value-title\tno value\n",
	    "1: #value-title needs exactly one %s and no other %"),
	E("format with two %s", "#value-intro\t%s and %s\n",
	    "1: #value-intro needs exactly one %s and no other %"),
	E("format with %d", "#value-title\t%s: %d\n",
	    "1: #value-title needs exactly one %s and no other %"),
	E("format with %%", "#value-title\t100%% %s\n",
	    "1: #value-title needs exactly one %s and no other %"),
	E("format ending in %", "#value-title\t%s %\n",
	    "1: #value-title needs exactly one %s and no other %"),
	E("directive without its text", "#group-empty\t\n",
	    "1: #group-empty needs a text"),
	E("directive given twice", "#home\tH\n\n#home\tI\n",
	    "3: #home given twice (first on line 1)"),
};

static void
check_errors(struct check *ck)
{
	const struct err_case	*c;
	struct index_site	 s;
	char			 err[ERR_MAX];
	size_t			 i;

	for (i = 0; i < NELEM(err_cases); i++) {
		c = &err_cases[i];
		check_case(ck, "error: %s", c->what);
		memset(&s, 0xa5, sizeof(s));
		CHECK_INT(ck, index_build(NAME, c->in, c->len, &s, err,
		    sizeof(err)), -1);
		CHECK_STR(ck, err, c->err);
		CHECK(ck, s.pages == NULL && s.npages == 0);
		index_free(&s);
	}
	check_case(ck, "error: a short buffer still gets a cut message");
	CHECK_INT(ck, index_build(NAME, S(""), &s, err, 6), -1);
	CHECK_STR(ck, err, "t.tsv");
	CHECK_INT(ck, index_build(NAME, S(""), &s, err, 0), -1);
}

/* A growing text for the limit cases. */
struct text {
	char	*p;		/* bytes, NUL-ended */
	size_t	 len;		/* bytes used */
};

static void __attribute__((format(printf, 2, 3)))
text_add(struct text *t, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (t->p = realloc(t->p, t->len + (size_t)n + 1)) == NULL)
		abort();
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Appends n bytes of c. */
static void
text_rep(struct text *t, int c, size_t n)
{
	if ((t->p = realloc(t->p, t->len + n + 1)) == NULL)
		abort();
	memset(t->p + t->len, c, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* Builds t, expecting the error want; frees t. */
static void
check_limit(struct check *ck, struct text *t, const char *want)
{
	struct index_site	 s;
	char			 err[ERR_MAX];

	if (CHECK_INT(ck, index_build(NAME, t->p, t->len, &s, err,
	    sizeof(err)), -1))
		CHECK_STR(ck, err, want);
	free(t->p);
	memset(t, 0, sizeof(*t));
}

static void
check_limits(struct check *ck)
{
	struct text		 t = { NULL, 0 };
	struct index_site	 s;
	char			 err[ERR_MAX];
	int			 i;

	check_case(ck, "limit: %d rows build, one more does not",
	    INDEX_ROWS_MAX);
	text_add(&t, "#facet\ta\td\tT\nid\ta\n");
	for (i = 0; i < INDEX_ROWS_MAX; i++)
		text_add(&t, "r%d\tv%d\n", i, i % 7);
	if (CHECK_INT(ck, index_build(NAME, t.p, t.len, &s, err, sizeof(err)),
	    0)) {
		CHECK_INT(ck, s.nrows, INDEX_ROWS_MAX);
		CHECK_INT(ck, s.npages, 8);
		index_free(&s);
	}
	text_add(&t, "last\tv\n");
	check_limit(ck, &t, NAME ":1003: more than 1000 rows");
	check_case(ck, "limit: %d columns", INDEX_COLS_MAX);
	text_add(&t, "id");
	for (i = 1; i <= INDEX_COLS_MAX; i++)
		text_add(&t, "\tc%d", i);
	check_limit(ck, &t, NAME ":1: more than 32 columns");
	check_case(ck, "limit: %d facets", INDEX_FACETS_MAX);
	for (i = 0; i <= INDEX_FACETS_MAX; i++)
		text_add(&t, "#facet\ta\td%d\tT\n", i);
	check_limit(ck, &t, NAME ":9: more than 8 facets");
	check_case(ck, "limit: a cell of %d bytes", INDEX_CELL_MAX + 1);
	text_add(&t, "id\ta\nr\t");
	text_rep(&t, 'x', INDEX_CELL_MAX + 1);
	check_limit(ck, &t, NAME ":2: field 2 is over 512 bytes");
	text_add(&t, "#home\t");
	text_rep(&t, 'x', INDEX_CELL_MAX + 1);
	check_limit(ck, &t, NAME ":1: field 2 is over 512 bytes");
}

static void
check_limits_values(struct check *ck)
{
	struct text	 t = { NULL, 0 };
	int		 i;

	check_case(ck, "limit: %d values of one facet", INDEX_VALUES_MAX);
	text_add(&t, "#facet\ta\td\tT\tmulti\nid\ta\n");
	for (i = 0; i < INDEX_VALUES_MAX / 100; i++)
		text_add(&t, "r%d\t%d0;%d1;%d2;%d3;%d4;%d5;%d6;%d7;%d8;%d9;"
		    "%d10;%d11;%d12;%d13;%d14;%d15;%d16;%d17;%d18;%d19\n", i,
		    i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i);
	for (i = 0; i < INDEX_VALUES_MAX / 20 - INDEX_VALUES_MAX / 100; i++)
		text_add(&t, "s%d\tx%d;y%d;z%d;w%d;v%d;u%d;t%d;q%d;p%d;o%d;"
		    "n%d;m%d;l%d;k%d;j%d;i%d;h%d;g%d;f%d;e%d\n", i, i, i, i,
		    i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i);
	text_add(&t, "last\tx0;one more\n");
	check_limit(ck, &t, NAME ":53: more than 1000 values in column "
	    "\"a\"");
	check_case(ck, "limit: %d bytes of pages", INDEX_OUTPUT_MAX);
	for (i = 0; i < INDEX_FACETS_MAX; i++)
		text_add(&t, "#facet\tv\td%d\tT\tmulti\n", i);
	/* 8 facets * 120 pages * 32 shows * 1 KiB is 30 MiB. */
	for (i = 0; i < INDEX_COLS_MAX; i++) {
		text_add(&t, "#show\tc\t");
		text_rep(&t, 'L', INDEX_CELL_MAX);
		text_add(&t, "\n");
	}
	text_add(&t, "id\tv\tc\nr\t");
	for (i = 0; i < 120; i++)
		text_add(&t, "%03d;", i);
	text_add(&t, "\t");
	text_rep(&t, 'x', INDEX_CELL_MAX);
	check_limit(ck, &t, NAME ":42: the pages would pass 16777216 bytes");
}

int
main(void)
{
	struct check	 ck;

	check_init(&ck, "test_index");
	check_capsule(&ck);
	check_find(&ck);
	check_crlf(&ck);
	check_groups(&ck);
	check_slugs(&ck);
	check_errors(&ck);
	check_limits(&ck);
	check_limits_values(&ck);
	return check_done(&ck);
}
