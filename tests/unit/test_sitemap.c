/*
 * Unit tests of sitemap.c's helpers that stand alone: slugs, the site
 * map page and the titles of gemtext pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"
#include "check.h"

/* A string literal and its length, embedded NUL bytes included. */
#define S(s)	(s), sizeof(s) - 1
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
check_slugs(struct check *ck)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "Medicine", "medicine" },
		{ "Vitality & Ageing", "vitality-ageing" },
		{ "  Frontiers of Science (FOS) ", "frontiers-of-science-fos" },
		{ "S\xc3\xa3o Tom\xc3\xa9 and Pr\xc3\xadncipe",
		    "sao-tome-and-principe" },
		{ "\xc3\x86r\xc3\xb8 \xc3\x97 Z\xc3\xbcrich", "aero-zurich" },
		{ "Stra\xc3\x9f" "e \xc5\x81\xc3\xb3" "d\xc5\xba",
		    "strasse-lodz" },
		{ "\xe6\x9d\xb1\xe4\xba\xac 2024", "2024" },
		{ "???", "" },
		{ "", "" },
		{ "a\xe2\x80\x94" "b", "a-b" },
	};
	char		 dst[INDEX_SLUG_SIZE], longv[200];
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		check_case(ck, "slug of \"%s\" is \"%s\"", cases[i].in,
		    cases[i].want);
		CHECK_INT(ck, sitemap_slug(cases[i].in, dst, sizeof(dst)),
		    strlen(cases[i].want));
		CHECK_STR(ck, dst, cases[i].want);
	}
	check_case(ck, "slugs stop at %d bytes, never on a '-'",
	    INDEX_SLUG_MAX);
	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	longv[INDEX_SLUG_MAX] = ' ';
	CHECK_INT(ck, sitemap_slug(longv, dst, sizeof(dst)), INDEX_SLUG_MAX);
	CHECK_INT(ck, sitemap_slug(longv, dst, 5), 4);
	CHECK_STR(ck, dst, "xxxx");
}

static void
check_sitemap(struct check *ck)
{
	static const struct sitemap_link links[] = {
		{ "/programmes/", "Options abroad by study programme" },
		{ "/about.gmi", "About" },
		{ "/", "LUMC Global: study abroad" },
		{ "/my notes.gmi", "" },
		{ "/about.gmi", "About again" },
		{ "/caf\xc3\xa9.gmi", "Caf\xc3\xa9\twith\rcontrols\xff" },
		{ "relative.gmi", "Left out" },
		{ NULL, "Left out" },
		{ "/x.gmi", NULL },
	};
	static const char want[] =
	    "# Site map\n"
	    "\n"
	    "Every page of this capsule.\n"
	    "\n"
	    "=> / LUMC Global: study abroad\n"
	    "=> /about.gmi About\n"
	    "=> /caf%C3%A9.gmi Caf\xc3\xa9 with controls?\n"
	    "=> /my%20notes.gmi /my notes.gmi\n"
	    "=> /programmes/ Options abroad by study programme\n"
	    "=> /x.gmi /x.gmi\n"
	    "\n"
	    "=> / Up: Start\n"
	    "=> / Start\n";
	static const char bare[] =
	    "# Site map\n\n\n=> / Up: Home\n=> / Home\n";
	struct sitemap	 m = { "Site map", "Every page of this capsule.",
			    "Start", links, NELEM(links) };
	char		*out;
	size_t		 len = 0;

	check_case(ck, "site map: sorted, encoded, one link per path");
	out = sitemap_page(&m, &len);
	CHECK_MEM(ck, out, len, want, strlen(want));
	free(out);
	check_case(ck, "site map: no links, no intro, default home");
	m.intro = NULL;
	m.home = NULL;
	m.nlinks = 0;
	out = sitemap_page(&m, &len);
	CHECK_MEM(ck, out, len, bare, strlen(bare));
	free(out);
}

static void
check_titles(struct check *ck)
{
	static const struct {
		const char	*what, *in, *want;
		size_t		 dstsz;
	} cases[] = {
		{ "plain", "# Title\nText\n", "Title", 64 },
		{ "after text", "Text\n## Sub\n#  Spaced\t \r\n# Second",
		    "Spaced", 64 },
		{ "no space after #", "#Tight\n", "Tight", 64 },
		{ "none", "Text\n## Only sub\n", "", 64 },
		{ "empty heading skipped", "#\n#   \n# Real", "Real", 64 },
		{ "not in preformatted text", "```\n# Code\n```\n# Real\n",
		    "Real", 64 },
		{ "cut to fit", "# abcdef", "abc", 4 },
		{ "cut at a character", "# ab\xc3\xa9", "ab", 4 },
		{ "last line without LF", "text\n# End", "End", 64 },
		{ "empty input", "", "", 64 },
	};
	char	 dst[64];
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++) {
		check_case(ck, "title: %s", cases[i].what);
		memset(dst, 'z', sizeof(dst));
		sitemap_title(cases[i].in, strlen(cases[i].in), dst,
		    cases[i].dstsz);
		CHECK_STR(ck, dst, cases[i].want);
	}
	check_case(ck, "title: stops at len");
	sitemap_title("# Long title", 5, dst, sizeof(dst));
	CHECK_STR(ck, dst, "Lon");
}

int
main(void)
{
	struct check	 ck;

	check_init(&ck, "test_sitemap");
	check_slugs(&ck);
	check_sitemap(&ck);
	check_titles(&ck);
	return check_done(&ck);
}
