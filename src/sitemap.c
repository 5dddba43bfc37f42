/*
 * The generated index, writing side: names the page of every facet value
 * (its slug), renders the value pages and each facet's index page from
 * the table index.c read, renders a site map of every page, and finds the
 * title of a gemtext page. Pure: buffers in, malloc'd gemtext out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capsuled.h"

/* Texts used when the data file gives none. */
#define SITEMAP_HOME		"Home"		/* "#home" */
#define SITEMAP_GROUP_EMPTY	"Other"		/* "#group-empty" */
#define SITEMAP_VALUE_TITLE	"%s"		/* "#value-title" */
/* Slug of a value without a letter or digit. */
#define SITEMAP_SLUG_EMPTY	"value"
/* Never a value's slug: "/DIR/index.gmi" names the facet's index page. */
#define SITEMAP_SLUG_INDEX	"index"
/* Bytes a page buffer starts with: most pages fit. */
#define SITEMAP_BUF_MIN		2048
/* Room for " (N)" and LF, N at most 20 digits. */
#define SITEMAP_COUNT_MAX	32
/* A path percent-encoded for a link: at most three bytes per byte. */
#define SITEMAP_URL_MAX		(3 * GEMINI_URL_MAX + 1)
/* Gemini 0.24 "text/gemini": a line starting so toggles preformatting. */
#define SITEMAP_PRE		"```"
/* RFC 3629 4: a UTF-8 sequence is at most four bytes. */
#define SITEMAP_UTF8_MAX	4
/* First code point of sitemap_latin (U+00C0, Latin-1 letters). */
#define SITEMAP_LATIN_FIRST	0xc0

/*
 * ASCII for the letters of Latin-1 Supplement and Latin Extended-A, one
 * per code point from U+00C0 to U+017F: the letter without its accent or
 * stroke. '-' marks the two that are not letters (multiplication and
 * division signs); sitemap_latin2 gives the ones read as two letters.
 */
static const char sitemap_latin[] =
    "aaaaaaaceeeeiiiidnooooo-ouuuuyts"	/* U+00C0 */
    "aaaaaaaceeeeiiiidnooooo-ouuuuyty"	/* U+00E0 */
    "aaaaaaccccccccddddeeeeeeeeeegggg"	/* U+0100 */
    "gggghhhhiiiiiiiiiiiijjkkklllllll"	/* U+0120 */
    "lllnnnnnnnnnoooooooorrrrrrssssss"	/* U+0140 */
    "sstttttttuuuuuuuuuuuuwwyyyzzzzzzs";	/* U+0160 */

static const struct sitemap_pair {
	uint16_t	 cp;		/* code point */
	const char	*ascii;		/* its two letters */
} sitemap_latin2[] = {
	{ 0x00c6, "ae" }, { 0x00de, "th" }, { 0x00df, "ss" },
	{ 0x00e6, "ae" }, { 0x00fe, "th" }, { 0x0132, "ij" },
	{ 0x0133, "ij" }, { 0x0152, "oe" }, { 0x0153, "oe" },
};

/* A page being written; once an allocation fails, it stays failed. */
struct sitemap_buf {
	char	*p;		/* bytes so far, malloc'd */
	size_t	 len;		/* bytes used */
	size_t	 cap;		/* bytes allocated */
	int	 is_failed;	/* an allocation failed: the page is lost */
};

static void
sitemap_put(struct sitemap_buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->is_failed)
		return;
	if (n > b->cap - b->len) {
		cap = b->cap == 0 ? SITEMAP_BUF_MIN : b->cap;
		while (n > cap - b->len && cap <= SIZE_MAX / 2)
			cap *= 2;
		if (n > cap - b->len || (p = realloc(b->p, cap)) == NULL) {
			b->is_failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Appends every string up to a NULL. */
static void __attribute__((sentinel))
sitemap_cat(struct sitemap_buf *b, ...)
{
	va_list		 ap;
	const char	*s;

	va_start(ap, b);
	while ((s = va_arg(ap, const char *)) != NULL)
		sitemap_put(b, s, strlen(s));
	va_end(ap);
}

/*
 * Appends text that did not come from the data file (which index.c has
 * checked): controls become spaces, bytes that are not UTF-8 '?'.
 */
static void
sitemap_put_clean(struct sitemap_buf *b, const char *s)
{
	size_t	 n, len = strlen(s);

	for (; len > 0; s += n, len -= n) {
		for (n = 1; n <= SITEMAP_UTF8_MAX && n <= len; n++)
			if (uri_utf8_valid(s, n))
				break;
		if (n > SITEMAP_UTF8_MAX || n > len)
			sitemap_put(b, "?", n = 1);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			sitemap_put(b, " ", 1);
		else
			sitemap_put(b, s, n);
	}
}

/* The text of a one-text directive, or def when the file gives none. */
static const char *
sitemap_text(const struct index_table *t, enum index_text slot,
    const char *def)
{
	return t->text[slot] != NULL ? t->text[slot] : def;
}

/* Writes fmt (index.c checked it holds one "%s") with value in it. */
static void
sitemap_format(char *dst, size_t dstsz, const char *fmt, const char *value)
{
	const char	*p = strstr(fmt, "%s");

	snprintf(dst, dstsz, "%.*s%s%s", (int)(p - fmt), fmt, value, p + 2);
}

/* Hands the buffer to pg and counts it against INDEX_OUTPUT_MAX. */
static int
sitemap_end(struct sitemap_buf *b, struct index_page *pg, size_t *total)
{
	if (b->is_failed)
		free(b->p);
	else {
		pg->body = b->p;
		pg->len = b->len;
		*total += b->len;
	}
	if (b->is_failed || *total > INDEX_OUTPUT_MAX) {
		errno = b->is_failed ? ENOMEM : EFBIG;
		return -1;
	}
	return 0;
}

/* ASCII letters for the character at s (n set to its bytes), or NULL if
 * it is neither a letter nor a digit. */
static const char *
sitemap_ascii(const unsigned char *s, size_t *n, char one[2])
{
	unsigned int	 cp;
	size_t		 i;

	*n = 1;
	one[1] = '\0';
	if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
		one[0] = (char)*s;
	else if (*s >= 'A' && *s <= 'Z')
		one[0] = (char)(*s - 'A' + 'a');
	else if (*s >= 0xc3 && *s <= 0xc5 && (s[1] & 0xc0) == 0x80) {
		*n = 2;
		cp = (*s & 0x1fu) << 6 | (s[1] & 0x3fu);
		for (i = 0; i < sizeof(sitemap_latin2) /
		    sizeof(sitemap_latin2[0]); i++)
			if (sitemap_latin2[i].cp == cp)
				return sitemap_latin2[i].ascii;
		one[0] = sitemap_latin[cp - SITEMAP_LATIN_FIRST];
		return one[0] == '-' ? NULL : one;
	} else {
		/* Any other character is a gap, whole. */
		while (*n < SITEMAP_UTF8_MAX && (s[*n] & 0xc0) == 0x80)
			(*n)++;
		return NULL;
	}
	return one;
}

size_t
sitemap_slug(const char *value, char *dst, size_t dstsz)
{
	const unsigned char	*s = (const unsigned char *)value;
	const char		*a;
	char			 one[2];
	size_t			 o = 0, n, max;
	int			 is_gap = 0;

	if (dstsz == 0)
		return 0;
	max = dstsz - 1 < INDEX_SLUG_MAX ? dstsz - 1 : INDEX_SLUG_MAX;
	for (; *s != '\0' && o < max; s += n) {
		if ((a = sitemap_ascii(s, &n, one)) == NULL) {
			is_gap = 1;
			continue;
		}
		if (is_gap && o > 0)
			dst[o++] = '-';
		is_gap = 0;
		for (; *a != '\0' && o < max; a++)
			dst[o++] = *a;
	}
	while (o > 0 && dst[o - 1] == '-')
		o--;
	dst[o] = '\0';
	return o;
}

/* 1 if slug is in the sorted taken[0..n); *pos is where it is or goes. */
static int
sitemap_taken(const char **taken, size_t n, const char *slug, size_t *pos)
{
	size_t	 lo = 0, hi = n, mid;
	int	 c = 1;

	while (lo < hi && c != 0) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(slug, taken[mid])) < 0)
			hi = mid;
		else
			lo = c > 0 ? mid + 1 : mid;
	}
	*pos = lo;
	return c == 0;
}

/* Names each value's page: its slug, then "-2", "-3"... when an earlier
 * value of the facet took it. */
static int
sitemap_slugs(struct index_facet *f)
{
	const char		**taken;
	char			  base[INDEX_SLUG_MAX + 1];
	struct index_value	 *v;
	size_t			  i, k, pos, n = 0;

	if ((taken = calloc(f->nvalues + 1, sizeof(*taken))) == NULL)
		return -1;
	taken[n++] = SITEMAP_SLUG_INDEX;
	for (i = 0; i < f->nvalues; i++) {
		v = &f->values[i];
		if (sitemap_slug(v->text, base, sizeof(base)) == 0)
			snprintf(base, sizeof(base), "%s", SITEMAP_SLUG_EMPTY);
		snprintf(v->slug, sizeof(v->slug), "%s", base);
		for (k = 2; sitemap_taken(taken, n, v->slug, &pos); k++)
			snprintf(v->slug, sizeof(v->slug), "%s-%zu", base, k);
		memmove(taken + pos + 1, taken + pos,
		    (n - pos) * sizeof(*taken));
		taken[pos] = v->slug;
		n++;
	}
	free(taken);
	return 0;
}

/* A value's page: each record having it, in file order. */
static int
sitemap_value_page(const struct index_table *t, const struct index_facet *f,
    const struct index_value *v, struct index_page *pg, size_t *total)
{
	struct sitemap_buf	 b = { 0 };
	char			 intro[INDEX_TITLE_MAX];
	char *const		*row;
	const struct index_show	*sh;
	size_t			 i, k;

	snprintf(pg->path, sizeof(pg->path), "/%s/%s.gmi", f->dir, v->slug);
	sitemap_format(pg->title, sizeof(pg->title), sitemap_text(t,
	    INDEX_VALUE_TITLE, SITEMAP_VALUE_TITLE), v->text);
	pg->facet = (size_t)(f - t->facets);
	pg->count = v->nrows;
	sitemap_cat(&b, "# ", pg->title, "\n\n", NULL);
	if (t->text[INDEX_VALUE_INTRO] != NULL) {
		sitemap_format(intro, sizeof(intro), t->text[INDEX_VALUE_INTRO],
		    v->text);
		sitemap_cat(&b, intro, "\n\n", NULL);
	}
	for (i = 0; i < v->nrows; i++) {
		row = t->cells + v->rows[i] * t->ncols;
		sitemap_cat(&b, "## ", row[t->heading][0] != '\0' ?
		    row[t->heading] : row[0], "\n", NULL);
		for (k = 0; k < t->nshows; k++) {
			sh = &t->shows[k];
			if (row[sh->col][0] == '\0')
				continue;
			if (sh->label[0] != '\0')
				sitemap_cat(&b, "* ", sh->label, ": ", NULL);
			sitemap_cat(&b, row[sh->col], "\n", NULL);
		}
		sitemap_put(&b, "\n", 1);
	}
	sitemap_cat(&b, "=> /", f->dir, "/ Up: ", f->title, "\n=> / ",
	    sitemap_text(t, INDEX_HOME, SITEMAP_HOME), "\n", NULL);
	return sitemap_end(&b, pg, total);
}

/* One link of an index page: a value and its records in the group. */
struct sitemap_entry {
	const struct index_value *v;	/* the value */
	size_t			 n;	/* its records in the group */
};

static int
sitemap_entry_cmp(const void *a, const void *b)
{
	const struct sitemap_entry	*x = a, *y = b;
	int				 c;

	if ((c = strcasecmp(x->v->text, y->v->text)) != 0)
		return c;
	return strcmp(x->v->text, y->v->text);
}

/*
 * Links to the values of f with a record in group g (gid: each row's
 * group), or with any record if gid is NULL, sorted, each with its count.
 * Returns how many.
 */
static size_t
sitemap_links(const struct index_facet *f, const size_t *gid, size_t g,
    struct sitemap_buf *b)
{
	struct sitemap_entry	*e;
	char			 count[SITEMAP_COUNT_MAX];
	size_t			 i, k, n = 0;

	if ((e = calloc(f->nvalues + 1, sizeof(*e))) == NULL) {
		b->is_failed = 1;
		return 0;
	}
	for (i = 0; i < f->nvalues; i++) {
		e[n].v = &f->values[i];
		e[n].n = 0;
		for (k = 0; k < f->values[i].nrows; k++)
			if (gid == NULL || gid[f->values[i].rows[k]] == g)
				e[n].n++;
		if (e[n].n > 0)
			n++;
	}
	if (n > 0)
		qsort(e, n, sizeof(*e), sitemap_entry_cmp);
	for (i = 0; i < n; i++) {
		snprintf(count, sizeof(count), " (%zu)\n", e[i].n);
		sitemap_cat(b, "=> /", f->dir, "/", e[i].v->slug, ".gmi ",
		    e[i].v->text, count, NULL);
	}
	free(e);
	return n;
}

/* One group of an index page: "## " and its name with the first letter
 * (if ASCII) upper-cased, its links, a blank line. Returns the links. */
static size_t
sitemap_group(const struct index_facet *f, const size_t *gid, size_t g,
    const char *name, struct sitemap_buf *b)
{
	char	 c = name[0];
	size_t	 n;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	sitemap_put(b, "## ", 3);
	sitemap_put(b, &c, c != '\0');
	sitemap_cat(b, name + (c != '\0'), "\n", NULL);
	n = sitemap_links(f, gid, g, b);
	sitemap_put(b, "\n", 1);
	return n;
}

/*
 * An index page's lists when a column groups it: one per group, in order
 * of first appearance among the records with a value, then the records
 * whose group cell is empty. Returns the number of links.
 */
static size_t
sitemap_groups(const struct index_table *t, const struct index_facet *f,
    struct sitemap_buf *b)
{
	size_t		*gid, *first, ng = 0, none = t->nrows, r, g, n = 0;
	const char	*cell;
	int		 has_none = 0;

	gid = calloc(t->nrows + 1, sizeof(*gid));
	first = calloc(t->nrows + 1, sizeof(*first));
	if (gid == NULL || first == NULL) {
		b->is_failed = 1;
		goto done;
	}
	for (r = 0; r < t->nrows; r++)
		gid[r] = SIZE_MAX;
	for (g = 0; g < f->nvalues; g++)
		for (r = 0; r < f->values[g].nrows; r++)
			gid[f->values[g].rows[r]] = none;
	for (r = 0; r < t->nrows; r++) {
		if (gid[r] == SIZE_MAX)
			continue;
		if ((cell = t->cells[r * t->ncols + f->group])[0] == '\0') {
			has_none = 1;
			continue;
		}
		for (g = 0; g < ng && strcmp(t->cells[first[g] * t->ncols +
		    f->group], cell) != 0; g++)
			continue;
		if (g == ng)
			first[ng++] = r;
		gid[r] = g;
	}
	for (g = 0; g < ng; g++)
		n += sitemap_group(f, gid, g, t->cells[first[g] * t->ncols +
		    f->group], b);
	if (has_none)
		n += sitemap_group(f, gid, none, sitemap_text(t,
		    INDEX_GROUP_EMPTY, SITEMAP_GROUP_EMPTY), b);
 done:
	free(gid);
	free(first);
	return n;
}

/* A facet's index page: its values, each with how many records it has. */
static int
sitemap_index_page(const struct index_table *t, const struct index_facet *f,
    struct index_page *pg, size_t *total)
{
	struct sitemap_buf	 b = { 0 };
	const char		*intro = t->text[INDEX_INDEX_INTRO], *home;

	home = sitemap_text(t, INDEX_HOME, SITEMAP_HOME);
	snprintf(pg->path, sizeof(pg->path), "/%s/", f->dir);
	snprintf(pg->title, sizeof(pg->title), "%s", f->title);
	pg->facet = (size_t)(f - t->facets);
	pg->is_index = 1;
	sitemap_cat(&b, "# ", f->title, "\n\n", NULL);
	if (intro != NULL && intro[0] != '\0')
		sitemap_cat(&b, intro, "\n\n", NULL);
	if (f->group_name != NULL)
		pg->count = sitemap_groups(t, f, &b);
	else {
		pg->count = sitemap_links(f, NULL, 0, &b);
		sitemap_put(&b, "\n", 1);
	}
	sitemap_cat(&b, "=> / Up: ", home, "\n=> / ", home, "\n", NULL);
	return sitemap_end(&b, pg, total);
}

static int
sitemap_page_cmp(const void *a, const void *b)
{
	return strcmp(((const struct index_page *)a)->path,
	    ((const struct index_page *)b)->path);
}

int
sitemap_build(struct index_table *t, struct index_site *site)
{
	struct index_facet	*f;
	size_t			 i, k, n = 0, total = 0;

	site->nrows = t->nrows;
	site->nfacets = t->nfacets;
	snprintf(site->home, sizeof(site->home), "%s", sitemap_text(t,
	    INDEX_HOME, SITEMAP_HOME));
	for (i = 0; i < t->nfacets; i++) {
		if (sitemap_slugs(&t->facets[i]) == -1) {
			errno = ENOMEM;
			return -1;
		}
		site->nvalues[i] = t->facets[i].nvalues;
		n += 1 + t->facets[i].nvalues;
	}
	if (n > 0 && (site->pages = calloc(n, sizeof(*site->pages))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < t->nfacets; i++) {
		f = &t->facets[i];
		if (sitemap_index_page(t, f, &site->pages[site->npages++],
		    &total) == -1)
			return -1;
		for (k = 0; k < f->nvalues; k++)
			if (sitemap_value_page(t, f, &f->values[k],
			    &site->pages[site->npages++], &total) == -1)
				return -1;
	}
	if (site->npages > 0)
		qsort(site->pages, site->npages, sizeof(*site->pages),
		    sitemap_page_cmp);
	return 0;
}

static int
sitemap_link_cmp(const void *a, const void *b)
{
	const struct sitemap_link *const	*x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

char *
sitemap_page(const struct sitemap *m, size_t *lenp)
{
	const struct sitemap_link	**v;
	struct sitemap_buf		  b = { 0 };
	char				  url[SITEMAP_URL_MAX];
	const char			 *home, *text;
	size_t				  i, n = 0;

	home = m->home != NULL ? m->home : SITEMAP_HOME;
	if ((v = calloc(m->nlinks + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < m->nlinks; i++)
		if (m->links[i].path != NULL && m->links[i].path[0] == '/')
			v[n++] = &m->links[i];
	if (n > 0)
		qsort(v, n, sizeof(*v), sitemap_link_cmp);
	sitemap_put(&b, "# ", 2);
	sitemap_put_clean(&b, m->title != NULL ? m->title : "");
	sitemap_put(&b, "\n\n", 2);
	if (m->intro != NULL && m->intro[0] != '\0') {
		sitemap_put_clean(&b, m->intro);
		sitemap_put(&b, "\n\n", 2);
	}
	for (i = 0; i < n; i++) {
		if ((i > 0 && strcmp(v[i]->path, v[i - 1]->path) == 0) ||
		    uri_encode_path(url, sizeof(url), v[i]->path) == -1)
			continue;
		text = v[i]->title;
		sitemap_cat(&b, "=> ", url, " ", NULL);
		sitemap_put_clean(&b, text != NULL && text[0] != '\0' ? text :
		    v[i]->path);
		sitemap_put(&b, "\n", 1);
	}
	free(v);
	sitemap_cat(&b, "\n=> / Up: ", NULL);
	sitemap_put_clean(&b, home);
	sitemap_cat(&b, "\n=> / ", NULL);
	sitemap_put_clean(&b, home);
	sitemap_put(&b, "\n", 1);
	if (b.is_failed) {
		free(b.p);
		return NULL;
	}
	*lenp = b.len;
	return b.p;
}

void
sitemap_title(const char *gmi, size_t len, char *dst, size_t dstsz)
{
	const char	*p, *nl, *s, *e, *end = gmi + len;
	size_t		 n;
	int		 is_pre = 0;

	if (dstsz == 0)
		return;
	dst[0] = '\0';
	for (p = gmi; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) >= strlen(SITEMAP_PRE) &&
		    memcmp(p, SITEMAP_PRE, strlen(SITEMAP_PRE)) == 0) {
			is_pre = !is_pre;
			continue;
		}
		/* A level-1 heading: '#' not followed by another '#'. */
		if (is_pre || *p != '#' || (nl - p > 1 && p[1] == '#'))
			continue;
		for (s = p + 1; s < nl && (*s == ' ' || *s == '\t'); s++)
			continue;
		for (e = nl; e > s && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'); e--)
			continue;
		if (s == e)
			continue;
		n = (size_t)(e - s) < dstsz ? (size_t)(e - s) : dstsz - 1;
		/* Never cut a UTF-8 sequence in two. */
		while (n > 0 && n < (size_t)(e - s) &&
		    ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(dst, s, n);
		dst[n] = '\0';
		return;
	}
}
