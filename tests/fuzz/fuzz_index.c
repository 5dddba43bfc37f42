/*
 * libFuzzer target for index.c and sitemap.c: any bytes as the capsule's
 * data file. A file that builds must give sorted, findable pages of clean
 * gemtext ("# " title first, no TAB, CR or "```" toggle, valid UTF-8)
 * whose title the title finder reads back; one that does not must say
 * "name:line: why".
 * The site map of the pages and slugs of the raw bytes are checked too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

/* The name given to the data file in messages. */
#define FUZZ_NAME	"fuzz.tsv"
/* Room for an error message. */
#define FUZZ_ERR_MAX	256

#define FUZZ_ASSERT(cond)	do { if (!(cond)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_check_page(const struct index_site *s, const struct index_page *p)
{
	char	 title[INDEX_TITLE_MAX];
	size_t	 n = strlen(p->path);

	FUZZ_ASSERT(p->path[0] == '/' && n > 2 && p->path[n - 1] != '.');
	FUZZ_ASSERT(strspn(p->path, "abcdefghijklmnopqrstuvwxyz0123456789-/.")
	    == n);
	FUZZ_ASSERT(p->is_index ? p->path[n - 1] == '/' :
	    strcmp(p->path + n - 4, ".gmi") == 0);
	FUZZ_ASSERT(p->facet < s->nfacets);
	FUZZ_ASSERT(p->body != NULL && p->len > 2);
	FUZZ_ASSERT(memcmp(p->body, "# ", 2) == 0);
	FUZZ_ASSERT(p->body[p->len - 1] == '\n');
	FUZZ_ASSERT(memchr(p->body, '\t', p->len) == NULL);
	FUZZ_ASSERT(memchr(p->body, '\r', p->len) == NULL);
	FUZZ_ASSERT(memchr(p->body, '\0', p->len) == NULL);
	FUZZ_ASSERT(uri_utf8_valid(p->body, p->len));
	/* No preformatted text: the links at the end stay links. */
	FUZZ_ASSERT(memmem(p->body, p->len, "\n```", 4) == NULL);
	FUZZ_ASSERT(p->is_index || p->count > 0);
	FUZZ_ASSERT(index_find(s, p->path) == p);
	sitemap_title(p->body, p->len, title, sizeof(title));
	FUZZ_ASSERT(strcmp(title, p->title) == 0);
}

/* The site map of every generated page lists each one once. */
static void
fuzz_check_map(const struct index_site *s)
{
	struct sitemap_link	*links;
	struct sitemap		 m = { "Site map", NULL, s->home, NULL, 0 };
	char			*out;
	size_t			 i, len, nl = 0;

	if ((links = calloc(s->npages + 1, sizeof(*links))) == NULL)
		return;
	for (i = 0; i < s->npages; i++) {
		links[i].path = s->pages[i].path;
		links[i].title = s->pages[i].title;
	}
	m.links = links;
	m.nlinks = s->npages;
	if ((out = sitemap_page(&m, &len)) != NULL) {
		for (i = 0; i < len; i++)
			nl += out[i] == '\n';
		/* Title, blank, links, blank, Up, Home. */
		FUZZ_ASSERT(nl == s->npages + 5);
		FUZZ_ASSERT(memchr(out, '\t', len) == NULL);
		FUZZ_ASSERT(memchr(out, '\r', len) == NULL);
	}
	free(out);
	free(links);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct index_site	 s;
	char			 err[FUZZ_ERR_MAX], slug[INDEX_SLUG_SIZE];
	char			*str;
	size_t			 i, n = 0;

	if (index_build(FUZZ_NAME, (const char *)data, size, &s, err,
	    sizeof(err)) == -1) {
		FUZZ_ASSERT(strncmp(err, FUZZ_NAME ":", strlen(FUZZ_NAME) + 1)
		    == 0);
		FUZZ_ASSERT(strtoul(err + strlen(FUZZ_NAME) + 1, NULL, 10) > 0);
		FUZZ_ASSERT(s.npages == 0 && s.pages == NULL);
	} else {
		FUZZ_ASSERT(s.nrows > 0 && s.nrows <= INDEX_ROWS_MAX);
		for (i = 0; i < s.nfacets; i++)
			n += 1 + s.nvalues[i];
		FUZZ_ASSERT(n == s.npages);
		for (i = 0; i < s.npages; i++) {
			FUZZ_ASSERT(i == 0 || strcmp(s.pages[i - 1].path,
			    s.pages[i].path) < 0);
			fuzz_check_page(&s, &s.pages[i]);
		}
		fuzz_check_map(&s);
		index_free(&s);
	}
	/* Slugs of the raw bytes, up to the first NUL. */
	if ((str = strndup((const char *)data, size)) == NULL)
		return 0;
	n = sitemap_slug(str, slug, sizeof(slug));
	FUZZ_ASSERT(n == strlen(slug) && n <= INDEX_SLUG_MAX);
	FUZZ_ASSERT(strspn(slug, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
	FUZZ_ASSERT(n == 0 || (slug[0] != '-' && slug[n - 1] != '-'));
	FUZZ_ASSERT(strstr(slug, "--") == NULL);
	sitemap_title(str, strlen(str), slug, sizeof(slug));
	free(str);
	return 0;
}
