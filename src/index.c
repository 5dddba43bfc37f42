/*
 * The generated index, reading side. The capsule's data file is a TSV
 * table: directive lines ("#facet", "#show"...), a header row, one row per
 * record. Each declared facet gets an index page listing its values with
 * counts, and one page per value listing the records that have it
 * (sitemap.c writes them). Which columns are facets and every word of the
 * pages come from the file: no capsule fact lives in C. Pure: a buffer
 * in, malloc'd pages out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

/* Fields of the longest directive: "#facet" COLUMN DIR TITLE and the two
 * options "group=COLUMN" and "multi". */
#define INDEX_FIELDS_MAX	6
/* The facet option naming the column that groups its index page. */
#define INDEX_GROUP_OPT		"group="
/* What a row's first column must be called. */
#define INDEX_ID_COLUMN		"id"
/* Separator of the values of a "multi" facet cell. */
#define INDEX_MULTI_SEP		";"
/* The UTF-8 byte order mark some spreadsheets write first (RFC 3629 6):
 * skipped, as it is no part of the first line. */
#define INDEX_BOM		"\xef\xbb\xbf"
/* Values and records an array first makes room for. */
#define INDEX_GROW_MIN		16
/* Gemini 0.24 "text/gemini": a line starting so toggles preformatted
 * text, which a cell printed as a paragraph would do to a whole page. */
#define INDEX_PRE		"```"

/* One directive: its name, how many fields follow it, its handler. */
struct index_directive {
	const char	*name;		/* "#facet" */
	size_t		 min, max;	/* fields after the name */
	int		(*fn)(struct index_table *, char **, size_t, int);
	int		 slot;		/* enum index_text for index_dir_text */
};

/* Writes "name:line: why" to the error buffer; returns -1. */
static int __attribute__((format(printf, 3, 4)))
index_fail(struct index_table *t, size_t line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (t->errsz == 0)
		return -1;
	n = snprintf(t->err, t->errsz, "%s:%zu: ", t->name, line);
	if (n < 0 || (size_t)n >= t->errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(t->err + n, t->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Strips spaces at both ends of s in place. */
static char *
index_trim(char *s)
{
	size_t	 n;

	while (*s == ' ')
		s++;
	for (n = strlen(s); n > 0 && s[n - 1] == ' '; n--)
		s[n - 1] = '\0';
	return s;
}

/* Splits s at TABs in place, fields trimmed; returns how many there are
 * (only the first max are stored). */
static size_t
index_split(char *s, char **f, size_t max)
{
	char	*tab;
	size_t	 n;

	for (n = 0;; n++, s = tab + 1) {
		if ((tab = strchr(s, '\t')) != NULL)
			*tab = '\0';
		if (n < max)
			f[n] = index_trim(s);
		if (tab == NULL)
			return n + 1;
	}
}

/* Checks the n fields of a line against the cell limit. */
static int
index_check_cells(struct index_table *t, char **f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strlen(f[i]) > INDEX_CELL_MAX)
			return index_fail(t, t->line, "field %zu is over %d "
			    "bytes", i + 1, INDEX_CELL_MAX);
		if (strncmp(f[i], INDEX_PRE, strlen(INDEX_PRE)) == 0)
			return index_fail(t, t->line, "field %zu starts with "
			    "%s", i + 1, INDEX_PRE);
	}
	return 0;
}

/* 1 if f holds exactly one "%s" and no other '%'. */
static int
index_format_ok(const char *f)
{
	int	 n = 0;

	for (; (f = strchr(f, '%')) != NULL; f += 2)
		if (f[1] != 's' || n++ > 0)
			return 0;
	return n == 1;
}

static int
index_dir_text(struct index_table *t, char **f, size_t n, int slot)
{
	(void)n;
	if (t->text[slot] != NULL)
		return index_fail(t, t->line, "%s given twice (first on line "
		    "%zu)", f[0], t->text_line[slot]);
	if (f[1][0] == '\0')
		return index_fail(t, t->line, "%s needs a text", f[0]);
	if ((slot == INDEX_VALUE_TITLE || slot == INDEX_VALUE_INTRO) &&
	    !index_format_ok(f[1]))
		return index_fail(t, t->line, "%s needs exactly one %%s and "
		    "no other %%", f[0]);
	t->text[slot] = f[1];
	t->text_line[slot] = t->line;
	return 0;
}

static int
index_dir_show(struct index_table *t, char **f, size_t n, int slot)
{
	struct index_show	*s;

	(void)slot;
	if (t->nshows == INDEX_COLS_MAX)
		return index_fail(t, t->line, "more than %d #show lines",
		    INDEX_COLS_MAX);
	s = &t->shows[t->nshows++];
	s->name = f[1];
	s->label = n > 1 ? f[2] : "";
	s->line = t->line;
	return 0;
}

/* 1 if dir is one path segment of [a-z0-9-], short enough. */
static int
index_dir_ok(const char *dir)
{
	size_t	 n = strspn(dir, "abcdefghijklmnopqrstuvwxyz0123456789-");

	return n > 0 && dir[n] == '\0' && n <= INDEX_DIR_MAX;
}

static int
index_dir_facet(struct index_table *t, char **f, size_t n, int slot)
{
	struct index_facet	*fc;
	size_t			 i;

	(void)slot;
	if (t->nfacets == INDEX_FACETS_MAX)
		return index_fail(t, t->line, "more than %d facets",
		    INDEX_FACETS_MAX);
	if (!index_dir_ok(f[2]))
		return index_fail(t, t->line, "directory \"%s\" is not 1 to "
		    "%d of [a-z0-9-]", f[2], INDEX_DIR_MAX);
	for (i = 0; i < t->nfacets; i++)
		if (strcmp(t->facets[i].dir, f[2]) == 0)
			return index_fail(t, t->line, "directory \"%s\" used "
			    "twice (first on line %zu)", f[2],
			    t->facets[i].line);
	if (f[3][0] == '\0')
		return index_fail(t, t->line, "empty index title");
	fc = &t->facets[t->nfacets];
	memset(fc, 0, sizeof(*fc));
	fc->name = f[1];
	fc->dir = f[2];
	fc->title = f[3];
	fc->line = t->line;
	for (i = 4; i < n + 1; i++) {
		if (strcmp(f[i], "multi") == 0)
			fc->is_multi = 1;
		else if (strncmp(f[i], INDEX_GROUP_OPT,
		    strlen(INDEX_GROUP_OPT)) == 0 &&
		    f[i][strlen(INDEX_GROUP_OPT)] != '\0')
			fc->group_name = f[i] + strlen(INDEX_GROUP_OPT);
		else
			return index_fail(t, t->line, "unknown facet option "
			    "\"%s\"", f[i]);
	}
	t->nfacets++;
	return 0;
}

static const struct index_directive index_directives[] = {
	{ "#facet", 3, 5, index_dir_facet, 0 },
	{ "#show", 1, 2, index_dir_show, 0 },
	{ "#value-title", 1, 1, index_dir_text, INDEX_VALUE_TITLE },
	{ "#value-intro", 1, 1, index_dir_text, INDEX_VALUE_INTRO },
	{ "#index-intro", 1, 1, index_dir_text, INDEX_INDEX_INTRO },
	{ "#group-empty", 1, 1, index_dir_text, INDEX_GROUP_EMPTY },
	{ "#heading", 1, 1, index_dir_text, INDEX_HEADING },
	{ "#home", 1, 1, index_dir_text, INDEX_HOME },
};

/* A line starting with '#' other than a comment. */
static int
index_directive(struct index_table *t, char *s)
{
	char		*f[INDEX_FIELDS_MAX];
	size_t		 n, i;
	const struct index_directive *d;

	if (t->ncols > 0)
		return index_fail(t, t->line, "directive after the header");
	n = index_split(s, f, INDEX_FIELDS_MAX);
	for (i = 0; i < sizeof(index_directives) /
	    sizeof(index_directives[0]); i++) {
		d = &index_directives[i];
		if (strcmp(f[0], d->name) != 0)
			continue;
		if (n - 1 < d->min || n - 1 > d->max)
			return index_fail(t, t->line, "%s takes %zu to %zu "
			    "fields, not %zu", d->name, d->min, d->max, n - 1);
		if (index_check_cells(t, f, n) == -1)
			return -1;
		return d->fn(t, f, n - 1, d->slot);
	}
	return index_fail(t, t->line, "unknown directive \"%s\"", f[0]);
}

/* Index of the column called name, reported against line if unknown. */
static int
index_column(struct index_table *t, const char *name, size_t line,
    size_t *col)
{
	size_t	 i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->head[i], name) == 0) {
			*col = i;
			return 0;
		}
	return index_fail(t, line, "unknown column \"%s\"", name);
}

/* Resolves every column a directive names, now that the header is in. */
static int
index_resolve(struct index_table *t)
{
	struct index_facet	*f;
	size_t			 i;

	for (i = 0; i < t->nfacets; i++) {
		f = &t->facets[i];
		if (index_column(t, f->name, f->line, &f->col) == -1 ||
		    (f->group_name != NULL && index_column(t, f->group_name,
		    f->line, &f->group) == -1))
			return -1;
	}
	for (i = 0; i < t->nshows; i++)
		if (index_column(t, t->shows[i].name, t->shows[i].line,
		    &t->shows[i].col) == -1)
			return -1;
	if (t->text[INDEX_HEADING] != NULL)
		return index_column(t, t->text[INDEX_HEADING],
		    t->text_line[INDEX_HEADING], &t->heading);
	return 0;
}

static int
index_header(struct index_table *t, char *s)
{
	size_t	 n, i, j;

	n = index_split(s, t->head, INDEX_COLS_MAX);
	if (n > INDEX_COLS_MAX)
		return index_fail(t, t->line, "more than %d columns",
		    INDEX_COLS_MAX);
	if (n < 2)
		return index_fail(t, t->line, "the header needs at least two "
		    "TAB-separated columns");
	if (strcmp(t->head[0], INDEX_ID_COLUMN) != 0)
		return index_fail(t, t->line, "the first column must be "
		    "\"%s\"", INDEX_ID_COLUMN);
	if (index_check_cells(t, t->head, n) == -1)
		return -1;
	for (i = 1; i < n; i++) {
		if (t->head[i][0] == '\0')
			return index_fail(t, t->line, "column %zu has no "
			    "name", i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(t->head[i], t->head[j]) == 0)
				return index_fail(t, t->line, "column \"%s\" "
				    "appears twice", t->head[i]);
	}
	t->ncols = n;
	/* Room for every row the limit allows: at most 264 KiB. */
	t->cells = reallocarray(NULL, INDEX_ROWS_MAX * n, sizeof(*t->cells));
	t->lines = reallocarray(NULL, INDEX_ROWS_MAX, sizeof(*t->lines));
	if (t->cells == NULL || t->lines == NULL)
		return index_fail(t, t->line, "out of memory");
	return index_resolve(t);
}

static int
index_row(struct index_table *t, char *s)
{
	char	**row;
	size_t	  n, r;

	if (strchr(s, '\t') == NULL)
		return index_fail(t, t->line, "no TAB: not a row of the table");
	if (t->nrows == INDEX_ROWS_MAX)
		return index_fail(t, t->line, "more than %d rows",
		    INDEX_ROWS_MAX);
	row = t->cells + t->nrows * t->ncols;
	if ((n = index_split(s, row, t->ncols)) != t->ncols)
		return index_fail(t, t->line, "%zu cells, the header has %zu",
		    n, t->ncols);
	if (index_check_cells(t, row, n) == -1)
		return -1;
	if (row[0][0] == '\0')
		return index_fail(t, t->line, "empty id");
	for (r = 0; r < t->nrows; r++)
		if (strcmp(t->cells[r * t->ncols], row[0]) == 0)
			return index_fail(t, t->line, "duplicate id \"%s\" "
			    "(first on line %zu)", row[0], t->lines[r]);
	t->lines[t->nrows++] = t->line;
	return 0;
}

/* Rejects what no line may hold: NUL, controls, CR, bad UTF-8. */
static int
index_check_line(struct index_table *t, const char *s, size_t n)
{
	size_t	 i;
	int	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\0')
			return index_fail(t, t->line, "NUL byte");
		if (c == '\r')
			return index_fail(t, t->line, "CR inside a line");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return index_fail(t, t->line, "control character "
			    "0x%02x", c);
	}
	if (!uri_utf8_valid(s, n))
		return index_fail(t, t->line, "not valid UTF-8");
	return 0;
}

/* Reads every line: directives, then the header, then rows. LF or CR LF
 * end a line; empty lines and "# comments" are skipped. */
static int
index_read(struct index_table *t, size_t len)
{
	char	*p = t->copy, *end = t->copy + len, *nl;
	size_t	 n;
	int	 r;

	for (t->line = 1; p < end; t->line++, p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		p[n] = '\0';
		if (index_check_line(t, p, n) == -1)
			return -1;
		if (n == 0 || (p[0] == '#' && (p[1] == ' ' || p[1] == '\0')))
			continue;
		if (p[0] == '#')
			r = index_directive(t, p);
		else if (t->ncols == 0)
			r = index_header(t, p);
		else
			r = index_row(t, p);
		if (r == -1)
			return -1;
	}
	if (t->line > 1)
		t->line--;
	if (t->ncols == 0)
		return index_fail(t, t->line, "no header row");
	if (t->nrows == 0)
		return index_fail(t, t->line, "no rows after the header");
	return 0;
}

/* The array arr of n entries of sz bytes, with room for one more (its
 * capacity, at most max, in *cap); NULL if it cannot grow. */
static void *
index_room(void *arr, size_t n, size_t *cap, size_t sz, size_t max)
{
	void	*p;
	size_t	 want;

	if (n < *cap)
		return arr;
	want = *cap == 0 ? INDEX_GROW_MIN : *cap * 2;
	if (want > max)
		want = max;
	if (want <= n || (p = reallocarray(arr, want, sz)) == NULL)
		return NULL;
	*cap = want;
	return p;
}

/* Records that row r has the value s (n bytes) of facet f. */
static int
index_add_value(struct index_table *t, struct index_facet *f, size_t r,
    const char *s, size_t n)
{
	struct index_value	*v;
	void			*p;
	size_t			 i;

	for (i = 0; i < f->nvalues; i++)
		if (f->values[i].len == n && memcmp(f->values[i].text, s,
		    n) == 0)
			break;
	if (i == INDEX_VALUES_MAX)
		return index_fail(t, t->lines[r], "more than %d values in "
		    "column \"%s\"", INDEX_VALUES_MAX, f->name);
	if (i == f->nvalues) {
		if ((p = index_room(f->values, i, &f->cap, sizeof(*v),
		    INDEX_VALUES_MAX)) == NULL)
			return index_fail(t, t->lines[r], "out of memory");
		f->values = p;
		v = &f->values[f->nvalues++];
		memset(v, 0, sizeof(*v));
		if ((v->text = strndup(s, n)) == NULL)
			return index_fail(t, t->lines[r], "out of memory");
		v->len = n;
	}
	v = &f->values[i];
	/* "Sweden; Sweden" counts the record once. */
	if (v->nrows > 0 && v->rows[v->nrows - 1] == r)
		return 0;
	if ((p = index_room(v->rows, v->nrows, &v->cap, sizeof(*v->rows),
	    INDEX_ROWS_MAX)) == NULL)
		return index_fail(t, t->lines[r], "out of memory");
	v->rows = p;
	v->rows[v->nrows++] = r;
	return 0;
}

/* Finds the values of facet f, row by row; empty ones are left out. */
static int
index_collect(struct index_table *t, struct index_facet *f)
{
	const char	*cell, *p, *e;
	size_t		 r, n;

	for (r = 0; r < t->nrows; r++) {
		cell = t->cells[r * t->ncols + f->col];
		for (p = cell; *p != '\0'; p = *e == '\0' ? e : e + 1) {
			e = p + (f->is_multi ? strcspn(p, INDEX_MULTI_SEP) :
			    strlen(p));
			while (p < e && *p == ' ')
				p++;
			for (n = (size_t)(e - p); n > 0 && p[n - 1] == ' '; n--)
				continue;
			if (n > 0 && index_add_value(t, f, r, p, n) == -1)
				return -1;
		}
	}
	return 0;
}

static void
index_table_free(struct index_table *t)
{
	struct index_facet	*f;
	size_t			 i, k;

	for (i = 0; i < t->nfacets; i++) {
		f = &t->facets[i];
		for (k = 0; k < f->nvalues; k++) {
			free(f->values[k].text);
			free(f->values[k].rows);
		}
		free(f->values);
	}
	free(t->cells);
	free(t->lines);
	free(t->copy);
}

int
index_build(const char *name, const char *tsv, size_t len,
    struct index_site *site, char *err, size_t errsz)
{
	struct index_table	 t;
	size_t			 i;
	int			 rc = -1;

	memset(site, 0, sizeof(*site));
	memset(&t, 0, sizeof(t));
	t.name = name;
	t.err = err;
	t.errsz = errsz;
	if (errsz > 0)
		err[0] = '\0';
	if (len >= strlen(INDEX_BOM) && memcmp(tsv, INDEX_BOM,
	    strlen(INDEX_BOM)) == 0) {
		tsv += strlen(INDEX_BOM);
		len -= strlen(INDEX_BOM);
	}
	if ((t.copy = malloc(len + 1)) == NULL) {
		index_fail(&t, 1, "out of memory");
		goto done;
	}
	if (len > 0)
		memcpy(t.copy, tsv, len);
	t.copy[len] = '\0';
	if (index_read(&t, len) == -1)
		goto done;
	for (i = 0; i < t.nfacets; i++)
		if (index_collect(&t, &t.facets[i]) == -1)
			goto done;
	if (sitemap_build(&t, site) == -1) {
		if (errno == EFBIG)
			index_fail(&t, t.line, "the pages would pass %d bytes",
			    INDEX_OUTPUT_MAX);
		else
			index_fail(&t, t.line, "out of memory");
		goto done;
	}
	rc = 0;
 done:
	if (rc == -1)
		index_free(site);
	index_table_free(&t);
	return rc;
}

void
index_free(struct index_site *site)
{
	size_t	 i;

	for (i = 0; i < site->npages; i++)
		free(site->pages[i].body);
	free(site->pages);
	memset(site, 0, sizeof(*site));
}

static int
index_page_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct index_page *)elem)->path);
}

const struct index_page *
index_find(const struct index_site *site, const char *path)
{
	static const char	 alias[] = "/index.gmi";
	const struct index_page	*pg;
	char			 dir[INDEX_PATH_MAX];
	size_t			 n = strlen(path), k = sizeof(alias) - 1;

	if (site->npages == 0)
		return NULL;
	if ((pg = bsearch(path, site->pages, site->npages, sizeof(*pg),
	    index_page_cmp)) != NULL)
		return pg;
	/* "/DIR/index.gmi" is how a file server spells "/DIR/". */
	if (n < k || n - k + 1 >= sizeof(dir) ||
	    strcmp(path + n - k, alias) != 0)
		return NULL;
	memcpy(dir, path, n - k + 1);
	dir[n - k + 1] = '\0';
	return bsearch(dir, site->pages, site->npages, sizeof(*pg),
	    index_page_cmp);
}
