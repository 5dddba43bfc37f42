/*
 * Full-text search over a capsule's gemtext pages, for Gemini and Gopher.
 * Query and pages are folded the same way (lower case, Latin accents
 * removed, punctuation made spaces) so "koln" finds "Köln"; a word matches
 * where a folded word starts with it. Pages that have every word are
 * scored, ranked and rendered as one gemtext page. Pure: buffers in, a
 * malloc'd page out.
 */
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

/* Points for each query word found in a page's title. */
#define SEARCH_TITLE_SCORE	100
/* Occurrences of one word counted in a page's text: a long page that
 * repeats a word does not outrank a page with the word in its title. */
#define SEARCH_OCCUR_MAX	50
/* U+0080-U+009F are C1 controls; the folding table starts after them. */
#define SEARCH_FOLD_FIRST	0xa0
/* Latin Extended-A ends at U+017F: the table's end. */
#define SEARCH_FOLD_END		0x180
/* Unicode 15 "Combining Diacritical Marks" U+0300-U+036F: the accents of
 * decomposed (NFD) text, dropped like those of precomposed letters. */
#define SEARCH_MARK_FIRST	0x300
#define SEARCH_MARK_LAST	0x36f
/* Appended to an excerpt that was cut. */
#define SEARCH_ELLIPSIS		"..."
/* First size of the page buffer; it doubles as needed. */
#define SEARCH_OUT_INIT		1024
/* The count line when nothing matched. */
#define SEARCH_NONE	"No page matches. Try fewer or shorter words.\n\n"
/* Room for the count line. */
#define SEARCH_COUNT_MAX	96

/*
 * Folded forms of U+00A0-U+017F (Latin-1 Supplement, Latin Extended-A):
 * letters to their base letters, symbols to a space, NULL to keep the
 * code point (the micro sign). The soft hyphen folds to nothing: it must
 * not split a word.
 */
static const char *const search_fold_table[SEARCH_FOLD_END -
    SEARCH_FOLD_FIRST] = {
	" ", " ", " ", " ", " ", " ", " ", " ",	/* U+00A0 NBSP-§ */
	" ", " ", "a", " ", " ", "", " ", " ",	/* ¨ © ª « ¬ SHY ® ¯ */
	" ", " ", "2", "3", " ", NULL, " ", " ", /* U+00B0 °-· */
	" ", "1", "o", " ", " ", " ", " ", " ",	/* ¸ ¹ º » ¼ ½ ¾ ¿ */
	"a", "a", "a", "a", "a", "a", "ae", "c", /* U+00C0 À-Ç */
	"e", "e", "e", "e", "i", "i", "i", "i",	/* È-Ï */
	"d", "n", "o", "o", "o", "o", "o", " ",	/* U+00D0 Ð-× */
	"o", "u", "u", "u", "u", "y", "th", "ss", /* Ø-ß */
	"a", "a", "a", "a", "a", "a", "ae", "c", /* U+00E0 à-ç */
	"e", "e", "e", "e", "i", "i", "i", "i",	/* è-ï */
	"d", "n", "o", "o", "o", "o", "o", " ",	/* U+00F0 ð-÷ */
	"o", "u", "u", "u", "u", "y", "th", "y", /* ø-ÿ */
	"a", "a", "a", "a", "a", "a", "c", "c",	/* U+0100 Ā-ć */
	"c", "c", "c", "c", "c", "c", "d", "d",	/* Ĉ-ď */
	"d", "d", "e", "e", "e", "e", "e", "e",	/* U+0110 Đ-ė */
	"e", "e", "e", "e", "g", "g", "g", "g",	/* Ę-ğ */
	"g", "g", "g", "g", "h", "h", "h", "h",	/* U+0120 Ġ-ħ */
	"i", "i", "i", "i", "i", "i", "i", "i",	/* Ĩ-į */
	"i", "i", "ij", "ij", "j", "j", "k", "k", /* U+0130 İ-ķ */
	"k", "l", "l", "l", "l", "l", "l", "l",	/* ĸ-Ŀ */
	"l", "l", "l", "n", "n", "n", "n", "n",	/* U+0140 ŀ-Ň */
	"n", "n", "n", "n", "o", "o", "o", "o",	/* ň-ŏ */
	"o", "o", "oe", "oe", "r", "r", "r", "r", /* U+0150 Ő-ŗ */
	"r", "r", "s", "s", "s", "s", "s", "s",	/* Ř-ş */
	"s", "s", "t", "t", "t", "t", "t", "t",	/* U+0160 Š-ŧ */
	"u", "u", "u", "u", "u", "u", "u", "u",	/* Ũ-ů */
	"u", "u", "u", "u", "w", "w", "y", "y",	/* U+0170 Ű-ŷ */
	"y", "z", "z", "z", "z", "z", "z", "s",	/* Ÿ-ſ */
};

/* One folded unit: what a code point (or a stray byte) becomes. */
struct search_unit {
	const char	*out;		/* bytes to write */
	size_t		 outlen;	/* bytes of out */
	size_t		 inlen;		/* source bytes consumed */
	char		 ch;		/* storage for a one-byte result */
};

/* A growing buffer: scratch space or the page being rendered. */
struct search_out {
	char		*buf;		/* bytes, NUL-terminated, malloc'd */
	size_t		 len;		/* bytes used */
	size_t		 cap;		/* bytes allocated */
	int		 is_failed;	/* an allocation failed */
};

/* One page that matched. */
struct search_hit {
	const struct search_doc	*doc;	/* the page */
	long			 score;	/* its rank, higher first */
};

/* Horizontal space in gemtext; CR is the end of a CR LF line. */
static int
search_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Drops the spaces around the n bytes at *sp. */
static size_t
search_trim(const char **sp, size_t n)
{
	while (n > 0 && search_is_ws(**sp)) {
		(*sp)++;
		n--;
	}
	while (n > 0 && search_is_ws((*sp)[n - 1]))
		n--;
	return n;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
search_utf8_len(const char *s, size_t len)
{
	unsigned int	 c = (unsigned char)s[0];
	size_t		 n;

	if (c < 0x80)
		return 1;
	n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (n > len || !uri_utf8_valid(s, n))
		return 0;
	return n;
}

/* Folds the code point or stray byte at s. */
static void
search_fold_unit(const char *s, size_t len, struct search_unit *u)
{
	unsigned int	 c = (unsigned char)s[0], cp;
	const char	*f;

	u->out = &u->ch;
	u->outlen = 1;
	u->inlen = search_utf8_len(s, len);
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			u->ch = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			u->ch = (char)c;
		else
			u->ch = ' ';
		return;
	}
	u->ch = ' ';
	if (u->inlen == 0) {
		u->inlen = 1;	/* not UTF-8: a separator */
		return;
	}
	cp = (c & 0x1f) << 6 | ((unsigned char)s[1] & 0x3f);
	if (u->inlen == 2 && cp < SEARCH_FOLD_FIRST)
		return;		/* C1 control: a separator */
	f = u->inlen == 2 && cp < SEARCH_FOLD_END ?
	    search_fold_table[cp - SEARCH_FOLD_FIRST] : NULL;
	if (u->inlen == 2 && cp >= SEARCH_MARK_FIRST && cp <= SEARCH_MARK_LAST)
		f = "";
	u->out = f != NULL ? f : s;
	u->outlen = f != NULL ? strlen(f) : u->inlen;
}

size_t
search_fold(char *dst, size_t dstsz, const char *src, size_t len)
{
	struct search_unit	 u;
	size_t			 i, o = 0;

	if (dstsz == 0)
		return 0;
	for (i = 0; i < len; i += u.inlen) {
		search_fold_unit(src + i, len - i, &u);
		if (u.outlen >= dstsz - o)
			break;
		memcpy(dst + o, u.out, u.outlen);
		o += u.outlen;
	}
	dst[o] = '\0';
	return o;
}

static int
search_err(char *err, size_t errsz, const char *why)
{
	if (errsz > 0)
		snprintf(err, errsz, "%s", why);
	return -1;
}

/* Adds a word of the folded query unless it is already there. */
static int
search_add_term(struct search_query *sq, const char *t, size_t n, char *err,
    size_t errsz)
{
	size_t	 i;

	if (n > SEARCH_TERM_MAX)
		return search_err(err, errsz, "word too long");
	for (i = 0; i < sq->nterms; i++)
		if (strlen(sq->terms[i]) == n &&
		    memcmp(sq->terms[i], t, n) == 0)
			return 0;
	if (sq->nterms == SEARCH_TERMS_MAX)
		return search_err(err, errsz, "too many words");
	memcpy(sq->terms[sq->nterms], t, n);
	sq->terms[sq->nterms++][n] = '\0';
	return 0;
}

/* The query for display (valid UTF-8): controls gone, cut, trimmed. */
static void
search_shown(char *dst, size_t dstsz, const char *q, size_t len)
{
	size_t		 i, n, o = 0, cols = 0;
	unsigned int	 c;

	len = search_trim(&q, len);
	for (i = 0; i < len && cols < SEARCH_SHOWN_COLS; i += n) {
		c = (unsigned char)q[i];
		n = search_utf8_len(q + i, len - i);
		if (n == 0 || n >= dstsz - o)
			break;
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && (unsigned char)q[i + 1] < SEARCH_FOLD_FIRST))
			continue;	/* C0, DEL, C1 */
		memcpy(dst + o, q + i, n);
		o += n;
		cols++;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

int
search_parse(const char *q, size_t len, struct search_query *sq, char *err,
    size_t errsz)
{
	char	 folded[SEARCH_QUERY_MAX + 1];
	size_t	 flen, i, k;

	memset(sq, 0, sizeof(*sq));
	if (len > SEARCH_QUERY_MAX)
		return search_err(err, errsz, "query too long");
	if (!uri_utf8_valid(q, len))
		return search_err(err, errsz, "not UTF-8");
	/* Folding never lengthens text: it all fits. */
	flen = search_fold(folded, sizeof(folded), q, len);
	for (i = 0; i < flen; i = k) {
		while (i < flen && folded[i] == ' ')
			i++;
		for (k = i; k < flen && folded[k] != ' '; k++)
			;
		if (k > i && search_add_term(sq, folded + i, k - i, err,
		    errsz) == -1)
			return -1;
	}
	if (sq->nterms == 0)
		return search_err(err, errsz, "empty query");
	search_shown(sq->shown, sizeof(sq->shown), q, len);
	return 0;
}

/* Makes room for n more bytes and a NUL; 0, or -1 (and is_failed). */
static int
search_reserve(struct search_out *o, size_t n)
{
	size_t	 cap;
	char	*p;

	if (o->is_failed)
		return -1;
	if (n < o->cap - o->len)
		return 0;
	cap = o->cap > 0 ? o->cap : SEARCH_OUT_INIT;
	if (n < SIZE_MAX / 4 && o->len < SIZE_MAX / 4)
		while (cap - o->len <= n)
			cap *= 2;
	if (cap - o->len <= n || (p = realloc(o->buf, cap)) == NULL) {
		o->is_failed = 1;
		return -1;
	}
	o->buf = p;
	o->cap = cap;
	return 0;
}

static void
search_puts(struct search_out *o, const char *s)
{
	size_t	 n = strlen(s);

	if (search_reserve(o, n) == -1)
		return;
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

/* Writes text for a gemtext line: controls (TAB, CR, LF among them) made
 * spaces, bytes that are not UTF-8 made '?'. */
static void
search_put_clean(struct search_out *o, const char *s, size_t len)
{
	size_t		 i, n;
	unsigned int	 c;

	if (search_reserve(o, len) == -1)
		return;
	for (i = 0; i < len; i += n) {
		c = (unsigned char)s[i];
		if ((n = search_utf8_len(s + i, len - i)) == 0) {
			o->buf[o->len++] = '?';
			n = 1;
		} else if (c < 0x20 || c == 0x7f || (c == 0xc2 &&
		    (unsigned char)s[i + 1] < SEARCH_FOLD_FIRST))
			o->buf[o->len++] = ' ';	/* C0, DEL, C1 */
		else {
			memcpy(o->buf + o->len, s + i, n);
			o->len += n;
		}
	}
	o->buf[o->len] = '\0';
}

/* Occurrences of term where a folded word starts, at most max. */
static size_t
search_count(const char *s, size_t len, const char *term, size_t max)
{
	const char	*p = s, *end = s + len, *hit;
	size_t		 tlen = strlen(term), n = 0;

	while (n < max && (hit = memmem(p, (size_t)(end - p), term,
	    tlen)) != NULL) {
		if (hit == s || hit[-1] == ' ') {
			n++;
			p = hit + tlen;
		} else
			p = hit + 1;
	}
	return n;
}

/* Scores a page (0 when a word is missing); -1 if memory ran out. */
static long
search_score(const struct search_doc *d, const struct search_query *q,
    struct search_out *b)
{
	const char	*title = d->title != NULL ? d->title : "";
	size_t		 tlen = strlen(title), len, i, in_title, in_text;
	long		 score = 0;

	len = d->text != NULL ? d->len : 0;
	b->len = 0;
	if (len >= SIZE_MAX - tlen - 2 || search_reserve(b, tlen + len + 2))
		return -1;
	/* Folding never lengthens text: title, NUL, text, NUL. */
	tlen = search_fold(b->buf, tlen + 1, title, tlen);
	len = search_fold(b->buf + tlen + 1, len + 1, d->text, len);
	for (i = 0; i < q->nterms; i++) {
		in_title = search_count(b->buf, tlen, q->terms[i], 1);
		in_text = search_count(b->buf + tlen + 1, len, q->terms[i],
		    SEARCH_OCCUR_MAX);
		if (in_title == 0 && in_text == 0)
			return 0;
		score += (long)(in_title * SEARCH_TITLE_SCORE + in_text);
	}
	return score;
}

/* Score descending, then path ascending. */
static int
search_cmp(const void *a, const void *b)
{
	const struct search_hit	*x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->doc->path, y->doc->path);
}

/* The pages that have every word, sorted; -1 if memory ran out. */
static int
search_collect(const struct search_doc *docs, size_t n,
    const struct search_query *q, struct search_out *b,
    struct search_hit **hitsp, size_t *nhitsp)
{
	struct search_hit	*hits;
	size_t			 i, nhits = 0;
	long			 score;

	*nhitsp = 0;
	if ((*hitsp = hits = calloc(n > 0 ? n : 1, sizeof(*hits))) == NULL)
		return -1;
	for (i = 0; i < n && q->nterms > 0; i++) {
		if ((score = search_score(&docs[i], q, b)) == -1)
			return -1;
		if (score > 0) {
			hits[nhits].doc = &docs[i];
			hits[nhits++].score = score;
		}
	}
	if (nhits > 0)
		qsort(hits, nhits, sizeof(*hits), search_cmp);
	*nhitsp = nhits;
	return 0;
}

/* The words a gemtext line shows: without its markers, a link's label
 * only. Markers are stripped until none is left, so that an excerpt
 * never reads as a link, heading or preformatting toggle. */
static const char *
search_line_words(const char *s, size_t n, size_t *np)
{
	size_t	 i = 0;

	do {
		s += i;
		n = search_trim(&s, n - i);
		i = 0;
		if (n >= 2 && s[0] == '=' && s[1] == '>') {
			for (i = 2; i < n && search_is_ws(s[i]); i++)
				;
			while (i < n && !search_is_ws(s[i]))
				i++;	/* the URL */
		} else if (n >= 2 && s[0] == '*' && s[1] == ' ')
			i = 2;
		else
			while (i < n && (s[i] == '#' || s[i] == '>' ||
			    s[i] == '`'))
				i++;
	} while (i > 0);
	*np = n;
	return s;
}

/* 1 if a word of q starts a folded word of the line; -1 on no memory. */
static int
search_line_matches(const char *s, size_t n, const struct search_query *q,
    struct search_out *b)
{
	size_t	 i, flen;

	b->len = 0;
	if (search_reserve(b, n) == -1)
		return -1;
	flen = search_fold(b->buf, n + 1, s, n);
	for (i = 0; i < q->nterms; i++)
		if (search_count(b->buf, flen, q->terms[i], 1) > 0)
			return 1;
	return 0;
}

/*
 * The excerpt of a page: the first line after the "# " title whose words
 * match, else its first line with words; s is NULL if it has none.
 * Preformatting toggles are skipped. 0, or -1 if memory ran out.
 */
static int
search_excerpt(const struct search_doc *d, const struct search_query *q,
    struct search_out *b, const char **sp, size_t *np)
{
	const char	*t = d->text, *nl, *w;
	size_t		 len = t != NULL ? d->len : 0, i, k, wn;
	int		 is_pre = 0, has_title = 0, m;

	*sp = NULL;
	*np = 0;
	for (i = 0; i < len; i = k + 1) {
		nl = memchr(t + i, '\n', len - i);
		k = nl != NULL ? (size_t)(nl - t) : len;
		if (k - i >= 3 && memcmp(t + i, "```", 3) == 0) {
			is_pre = !is_pre;
			continue;
		}
		if (!is_pre && !has_title && k - i >= 2 &&
		    memcmp(t + i, "# ", 2) == 0) {
			has_title = 1;
			continue;
		}
		if ((w = search_line_words(t + i, k - i, &wn)), wn == 0)
			continue;
		m = search_line_matches(w, wn, q, b);
		if (*sp == NULL || m != 0) {
			*sp = w;
			*np = wn;
		}
		if (m != 0)
			return m == -1 ? -1 : 0;
	}
	return 0;
}

/* Writes an excerpt line, cut at a word boundary to fit
 * SEARCH_EXCERPT_COLS columns with the ellipsis. */
static void
search_put_excerpt(struct search_out *o, const char *s, size_t len)
{
	size_t	 i, n, cols = 0, cut = 0, end;

	for (i = 0; i < len; i += n, cols++) {
		if (cols == SEARCH_EXCERPT_COLS - strlen(SEARCH_ELLIPSIS))
			cut = i;
		if ((n = search_utf8_len(s + i, len - i)) == 0)
			n = 1;
	}
	if (cols <= SEARCH_EXCERPT_COLS) {
		search_put_clean(o, s, len);
		search_puts(o, "\n");
		return;
	}
	for (end = cut; end > 0 && !search_is_ws(s[end]); end--)
		;
	if (end == 0)
		end = cut;	/* one long word: cut inside it */
	while (end > 0 && search_is_ws(s[end - 1]))
		end--;
	search_put_clean(o, s, end);
	search_puts(o, SEARCH_ELLIPSIS "\n");
}

/* "=> PATH TITLE", the excerpt and a blank line. */
static int
search_put_hit(struct search_out *o, const struct search_doc *d,
    const struct search_query *q, struct search_out *b)
{
	const char	*label = d->title != NULL ? d->title : "", *ex;
	size_t		 plen = strlen(d->path), llen, exlen;

	if ((llen = search_trim(&label, strlen(label))) == 0) {
		label = d->path;	/* no title */
		llen = plen;
	}

	search_puts(o, "=> ");
	if (plen > (SIZE_MAX - 1) / 3 || search_reserve(o, plen * 3) == -1)
		return -1;
	if (uri_encode_path(o->buf + o->len, o->cap - o->len, d->path) == 0)
		o->len += strlen(o->buf + o->len);
	search_puts(o, " ");
	search_put_clean(o, label, llen);
	search_puts(o, "\n");
	if (search_excerpt(d, q, b, &ex, &exlen) == -1)
		return -1;
	if (ex != NULL)
		search_put_excerpt(o, ex, exlen);
	search_puts(o, "\n");
	return o->is_failed ? -1 : 0;
}

/* The heading and the count line. */
static void
search_put_head(struct search_out *o, const struct search_query *q,
    size_t nhits)
{
	char	 line[SEARCH_COUNT_MAX];

	search_puts(o, "# Search results for: ");
	search_put_clean(o, q->shown, strlen(q->shown));
	search_puts(o, "\n\n");
	if (nhits == 0)
		snprintf(line, sizeof(line), "%s", SEARCH_NONE);
	else
		snprintf(line, sizeof(line), "%zu %s.%s\n\n", nhits,
		    nhits == 1 ? "page matches" : "pages match",
		    nhits > SEARCH_RESULTS_MAX ? " The best are listed." : "");
	search_puts(o, line);
}

char *
search_run(const struct search_doc *docs, size_t n,
    const struct search_query *q, const char *search_path, size_t *lenp)
{
	struct search_out	 o = { 0 }, b = { 0 };
	struct search_hit	*hits = NULL;
	size_t			 i, nhits = 0;

	*lenp = 0;
	if (search_collect(docs, n, q, &b, &hits, &nhits) == -1)
		o.is_failed = 1;
	search_put_head(&o, q, nhits);
	for (i = 0; i < nhits && i < SEARCH_RESULTS_MAX; i++)
		if (search_put_hit(&o, hits[i].doc, q, &b) == -1)
			o.is_failed = 1;
	search_puts(&o, "=> ");
	search_put_clean(&o, search_path, strlen(search_path));
	search_puts(&o, " New search\n=> / Home\n");
	free(hits);
	free(b.buf);
	if (o.is_failed) {
		free(o.buf);
		return NULL;
	}
	*lenp = o.len;
	return o.buf;
}
