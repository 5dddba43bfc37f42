/*
 * Gemtext (Gemini protocol 0.24, "text/gemini") rendered as a Gopher menu:
 * text becomes information lines wrapped at GOPHER_WIDTH display columns,
 * links become items of the right type. Also the UTF-8 width helpers that
 * every menu line is measured with.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capsuled.h"

/* Longest link URL followed: Gemini 0.24 "Requests", 1024 bytes. */
#define GEMTEXT_URL_MAX		GEMINI_URL_MAX
/* The "URL:" selector (Gopher "h" convention) for a gemini: network path. */
#define GEMTEXT_URL_PREFIX	"URL:"
#define GEMTEXT_NETPATH_PREFIX	"URL:gemini:"
/* Room for a selector built from a link: prefix, URL and NUL. */
#define GEMTEXT_SEL_MAX	\
	(GEMTEXT_URL_MAX + sizeof(GEMTEXT_NETPATH_PREFIX))
/* RFC 4266 2: "gopher://" and the default port of a gopher: URL. */
#define GEMTEXT_GOPHER_SCHEME	"gopher://"
#define GEMTEXT_GOPHER_PORT	70
/* Highest TCP port (RFC 793). */
#define GEMTEXT_PORT_MAX	65535
/* Columns a list or quote prefix ("* ", "> ") takes. */
#define GEMTEXT_LEAD_COLS	2

/* UTF-8 lead bytes and the range of the byte after them (RFC 3629 4). */
static const struct utf8_lead {
	unsigned char	 lo, hi;	/* lead byte range */
	unsigned char	 len;		/* bytes in the sequence */
	unsigned char	 lo2, hi2;	/* allowed second byte */
} utf8_leads[] = {
	{ 0xc2, 0xdf, 2, 0x80, 0xbf },
	{ 0xe0, 0xe0, 3, 0xa0, 0xbf },	/* no overlongs */
	{ 0xe1, 0xec, 3, 0x80, 0xbf },
	{ 0xed, 0xed, 3, 0x80, 0x9f },	/* no surrogates */
	{ 0xee, 0xef, 3, 0x80, 0xbf },
	{ 0xf0, 0xf0, 4, 0x90, 0xbf },	/* no overlongs */
	{ 0xf1, 0xf3, 4, 0x80, 0xbf },
	{ 0xf4, 0xf4, 4, 0x80, 0x8f },	/* nothing past U+10FFFF */
};

/*
 * Code points whose width is not 1, sorted: combining marks and zero-width
 * characters take 0 columns, East Asian Wide and Fullwidth ones 2
 * (Unicode UAX #11; the ranges wcwidth implementations agree on).
 */
static const struct utf8_width {
	uint32_t	 lo, hi;	/* code point range */
	unsigned char	 cols;		/* columns each takes */
} utf8_widths[] = {
	{ 0x0300, 0x036f, 0 },		/* combining diacritical marks */
	{ 0x1100, 0x115f, 2 },		/* Hangul Jamo initials */
	{ 0x1ab0, 0x1aff, 0 },
	{ 0x1dc0, 0x1dff, 0 },
	{ 0x200b, 0x200f, 0 },		/* zero-width space, joiners, marks */
	{ 0x20d0, 0x20ff, 0 },		/* combining marks for symbols */
	{ 0x2e80, 0x303e, 2 },		/* CJK radicals to CJK punctuation */
	{ 0x3040, 0xa4cf, 2 },		/* kana, CJK ideographs, Yi */
	{ 0xac00, 0xd7a3, 2 },		/* Hangul syllables */
	{ 0xf900, 0xfaff, 2 },		/* CJK compatibility ideographs */
	{ 0xfe20, 0xfe2f, 0 },		/* combining half marks */
	{ 0xfe30, 0xfe4f, 2 },		/* CJK compatibility forms */
	{ 0xfeff, 0xfeff, 0 },		/* byte order mark */
	{ 0xff00, 0xff60, 2 },		/* fullwidth forms */
	{ 0xffe0, 0xffe6, 2 },
	{ 0x1f300, 0x1f64f, 2 },	/* pictographs, emoticons */
	{ 0x1f900, 0x1f9ff, 2 },
	{ 0x20000, 0x3fffd, 2 },	/* CJK extension planes */
};

/* One page being rendered. */
struct gemtext_state {
	struct gopher_menu	 menu;	/* output */
	const struct gopher_ctx	*ctx;	/* host, port, directory */
	int			 is_pre;	/* inside a ``` block */
	int			 has_output;	/* a line was written */
	int			 has_blank;	/* a blank line is pending */
};

/* Where a link leads, as a menu item's last three fields. */
struct gemtext_target {
	char		 type;			/* item type */
	char		 sel[GEMTEXT_SEL_MAX];	/* selector */
	const char	*host;			/* host, not NUL-terminated */
	size_t		 hlen;			/* bytes of host */
	int		 port;			/* port */
};

/* Decodes one character: its length, or 0 if s does not start one. */
static size_t
utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s;
	const struct utf8_lead	*l = NULL;
	size_t			 i;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	for (i = 0; i < sizeof(utf8_leads) / sizeof(utf8_leads[0]); i++)
		if (u[0] >= utf8_leads[i].lo && u[0] <= utf8_leads[i].hi)
			l = &utf8_leads[i];
	if (l == NULL || len < l->len || u[1] < l->lo2 || u[1] > l->hi2)
		return 0;
	*cp = u[0] & (0xff >> (l->len + 1));
	for (i = 1; i < l->len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (u[i] & 0x3f);
	}
	return l->len;
}

/* Columns of one code point; controls count 1, as their replacement. */
static size_t
utf8_cols(uint32_t cp)
{
	size_t	 i;

	for (i = 0; i < sizeof(utf8_widths) / sizeof(utf8_widths[0]); i++) {
		if (cp < utf8_widths[i].lo)
			break;
		if (cp <= utf8_widths[i].hi)
			return utf8_widths[i].cols;
	}
	return 1;
}

/* Length and width of the character at s; an invalid byte is 1 and 1. */
static size_t
utf8_char(const char *s, size_t len, size_t *cols)
{
	uint32_t	 cp;
	size_t		 n;

	if ((n = utf8_next(s, len, &cp)) == 0) {
		*cols = 1;
		return 1;
	}
	*cols = utf8_cols(cp);
	return n;
}

size_t
gemtext_width(const char *s, size_t len)
{
	size_t	 i = 0, w = 0, cols;

	while (i < len) {
		i += utf8_char(s + i, len - i, &cols);
		w += cols;
	}
	return w;
}

size_t
gemtext_cut(const char *s, size_t len, size_t cols)
{
	size_t	 i = 0, w = 0, n, c;

	while (i < len) {
		n = utf8_char(s + i, len - i, &c);
		if (w + c > cols)
			break;
		w += c;
		i += n;
	}
	return i;
}

size_t
gemtext_clean(char *dst, const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 i = 0, o = 0, n;

	while (i < len) {
		if ((n = utf8_next(s + i, len - i, &cp)) == 0) {
			dst[o++] = '?';
			i++;
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			dst[o++] = ' ';	/* C0, DEL and C1 controls */
			i += n;
		} else {
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
		}
	}
	return o;
}

static int
gemtext_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Bytes of s up to the first blank, or all of it. */
static size_t
gemtext_word(const char *s, size_t len)
{
	size_t	 i = 0;

	while (i < len && !gemtext_is_space(s[i]))
		i++;
	return i;
}

static size_t
gemtext_skip_space(const char *s, size_t len)
{
	size_t	 i = 0;

	while (i < len && gemtext_is_space(s[i]))
		i++;
	return i;
}

static size_t
gemtext_trim(const char *s, size_t len)
{
	while (len > 0 && gemtext_is_space(s[len - 1]))
		len--;
	return len;
}

/*
 * Bytes of s (which starts with a word) that go on one line of cols
 * columns: up to the last blank that still fits, or the whole text, or a
 * hard cut when the first word alone is wider than the line.
 */
static size_t
gemtext_fill(const char *s, size_t len, size_t cols)
{
	size_t	 cut, i, w;

	cut = gemtext_cut(s, len, cols);
	if (cut == len || gemtext_is_space(s[cut]))
		return gemtext_trim(s, cut);
	for (i = cut; i > 0; i--)
		if (gemtext_is_space(s[i - 1]))
			return gemtext_trim(s, i);
	if (cut == 0)	/* a character wider than the line: take it */
		cut = utf8_char(s, len, &w);
	return cut;
}

/* Writes one line, first the blank line that separates it if one waits. */
static void
gemtext_emit(struct gemtext_state *st, const struct gopher_item *it)
{
	if (st->has_blank && st->has_output)
		gopher_menu_info(&st->menu, "", 0);
	st->has_blank = 0;
	st->has_output = 1;
	gopher_menu_add(&st->menu, it);
}

static void
gemtext_info(struct gemtext_state *st, const char *lead, const char *s,
    size_t len)
{
	struct gopher_item	 it = { 'i', lead, s, len, "", 0,
	    GOPHER_NULL_HOST, sizeof(GOPHER_NULL_HOST) - 1, GOPHER_NULL_PORT };

	gemtext_emit(st, &it);
}

/*
 * Word-wraps text into information lines of GOPHER_WIDTH columns, the
 * first led by first, the others by rest (both "" or two columns wide).
 */
static void
gemtext_wrap(struct gemtext_state *st, const char *s, size_t len,
    const char *first, const char *rest)
{
	const char	*lead = first;
	size_t		 cols, n;

	n = gemtext_skip_space(s, len);
	s += n;
	len = gemtext_trim(s, len - n);
	if (len == 0) {
		if (first[0] == '\0')
			st->has_blank = 1;
		else	/* an empty list item or quote line keeps its mark */
			gemtext_info(st, NULL, first, 1);
		return;
	}
	while (len > 0) {
		cols = GOPHER_WIDTH - (lead[0] == '\0' ? 0 : GEMTEXT_LEAD_COLS);
		n = gemtext_fill(s, len, cols);
		gemtext_info(st, lead, s, n);
		s += n;
		len -= n;
		n = gemtext_skip_space(s, len);
		s += n;
		len -= n;
		lead = rest;
	}
}

/* Copies prefix and len bytes of s into dst (GEMTEXT_SEL_MAX bytes). */
static void
gemtext_sel(char *dst, const char *prefix, const char *s, size_t len)
{
	size_t	 n = strlen(prefix);

	memcpy(dst, prefix, n);
	memcpy(dst + n, s, len);
	dst[n + len] = '\0';
}

/* Length of the RFC 3986 3.1 scheme before ':', or 0 if there is none. */
static size_t
gemtext_scheme(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] == ':')
			return i;
		if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	}
	return 0;
}

/* Port digits of a URL: 1..65535, or -1. */
static int
gemtext_port(const char *s, size_t len)
{
	size_t	 i;
	int	 port = 0;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		port = port * 10 + (s[i] - '0');
		if (port > GEMTEXT_PORT_MAX)
			return -1;
	}
	return port == 0 ? -1 : port;
}

/* Host and port of a gopher: URL's authority; -1 if malformed. */
static int
gemtext_authority(const char *s, size_t len, struct gemtext_target *t)
{
	const char	*colon, *close;

	if (memchr(s, '@', len) != NULL)
		return -1;
	t->host = s;
	if (len > 0 && s[0] == '[') {	/* RFC 3986 3.2.2: IP literal */
		if ((close = memchr(s, ']', len)) == NULL)
			return -1;
		t->host = s + 1;
		t->hlen = close - s - 1;
		colon = close + 1 < s + len ? close + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return -1;
	} else {
		colon = memchr(s, ':', len);
		t->hlen = colon != NULL ? (size_t)(colon - s) : len;
	}
	t->port = GEMTEXT_GOPHER_PORT;
	if (colon != NULL &&
	    (t->port = gemtext_port(colon + 1, s + len - colon - 1)) == -1)
		return -1;
	return t->hlen == 0 ? -1 : 0;
}

/* RFC 4266: gopher://host[:port]/<type><selector>, a native item. */
static int
gemtext_gopher_url(const char *url, size_t len, struct gemtext_target *t)
{
	const char	*p, *end = url + len, *path;
	size_t		 n = strlen(GEMTEXT_GOPHER_SCHEME);

	if (len < n || strncasecmp(url, GEMTEXT_GOPHER_SCHEME, n) != 0)
		return -1;
	p = url + n;
	if ((path = memchr(p, '#', end - p)) != NULL)
		end = path;
	for (path = p; path < end && *path != '/'; path++)
		if (*path == '?')
			return -1;
	if (gemtext_authority(p, path - p, t) == -1)
		return -1;
	t->type = '1';	/* RFC 4266 2.1: an empty path is the root menu */
	t->sel[0] = '\0';
	if (end - path <= 1)
		return 0;
	t->type = path[1];
	if (t->type <= ' ' || t->type >= 0x7f ||
	    uri_decode(t->sel, sizeof(t->sel), path + 2, end - path - 2) < 0)
		return -1;
	n = strcspn(t->sel, "\t");	/* %09 starts a search string */
	t->sel[n] = '\0';
	return gopher_has_ctl(t->sel, n) ? -1 : 0;
}

/* A link without a scheme: a path on this server, resolved against dir. */
static int
gemtext_local(const struct gopher_ctx *ctx, const char *url, size_t len,
    struct gemtext_target *t)
{
	char	 path[GEMTEXT_URL_MAX + 1];
	size_t	 n;

	n = 0;
	while (n < len && url[n] != '?' && url[n] != '#')
		n++;
	/* Gopher selectors are not %-encoded; gopher_parse wants UTF-8. */
	if (uri_decode(path, sizeof(path), url, n) < 0 ||
	    gopher_has_ctl(path, strlen(path)) ||
	    !uri_utf8_valid(path, strlen(path)))
		return -1;
	if (gopher_resolve(ctx->dir, path, strlen(path), t->sel,
	    GOPHER_SELECTOR_MAX + 1) == -1)
		return -1;
	t->type = gopher_item_type(t->sel);
	return 0;
}

/* Fills t for a link to url; -1 if it cannot be followed from Gopher. */
static int
gemtext_target(const struct gopher_ctx *ctx, const char *url, size_t len,
    struct gemtext_target *t)
{
	size_t	 n;

	if (len > GEMTEXT_URL_MAX || gopher_has_ctl(url, len))
		return -1;
	n = gemtext_scheme(url, len);
	if (n == strlen("gopher") && strncasecmp(url, "gopher", n) == 0 &&
	    gemtext_gopher_url(url, len, t) == 0)
		return 0;
	t->host = ctx->host;
	t->hlen = strlen(ctx->host);
	t->port = ctx->port;
	t->type = 'h';
	if (n > 0)
		gemtext_sel(t->sel, GEMTEXT_URL_PREFIX, url, len);
	else if (len >= 2 && url[0] == '/' && url[1] == '/')
		gemtext_sel(t->sel, GEMTEXT_NETPATH_PREFIX, url, len);
	else
		return gemtext_local(ctx, url, len, t);
	return 0;
}

/* "=>" URL [label]: one item, its text cut to one line at a word. */
static void
gemtext_link(struct gemtext_state *st, const char *s, size_t len)
{
	struct gemtext_target	 t;
	struct gopher_item	 it;
	const char		*url, *label;
	size_t			 ulen, llen, n;

	n = gemtext_skip_space(s, len);
	url = s + n;
	ulen = gemtext_word(url, len - n);
	if (ulen == 0)
		return;	/* no URL: not a link, and nothing to show */
	n += ulen;
	n += gemtext_skip_space(s + n, len - n);
	label = s + n;
	llen = gemtext_trim(label, len - n);
	if (llen == 0) {
		label = url;
		llen = ulen;
	}
	llen = gemtext_fill(label, llen, GOPHER_WIDTH);
	if (gemtext_target(st->ctx, url, ulen, &t) == -1) {
		gemtext_info(st, NULL, label, llen);
		return;
	}
	it = (struct gopher_item){ t.type, NULL, label, llen, t.sel,
	    strlen(t.sel), t.host, t.hlen, t.port };
	gemtext_emit(st, &it);
}

/* One line of gemtext, without its CR LF or LF. */
static void
gemtext_line(struct gemtext_state *st, const char *s, size_t len)
{
	size_t	 n;

	if (len >= 3 && memcmp(s, "```", 3) == 0) {
		st->is_pre = !st->is_pre;	/* the alt text is dropped */
		return;
	}
	if (st->is_pre)	/* verbatim; the writer turns TABs into spaces */
		gemtext_info(st, NULL, s, len);
	else if (len >= 2 && s[0] == '=' && s[1] == '>')
		gemtext_link(st, s + 2, len - 2);
	else if (len >= 1 && s[0] == '#') {
		for (n = 0; n < 3 && n < len && s[n] == '#'; n++)
			;
		gemtext_wrap(st, s + n, len - n, "", "");
	} else if (len >= 2 && s[0] == '*' && s[1] == ' ')
		gemtext_wrap(st, s + 2, len - 2, "* ", "  ");
	else if (len >= 1 && s[0] == '>')
		gemtext_wrap(st, s + 1, len - 1, "> ", "> ");
	else
		gemtext_wrap(st, s, len, "", "");
}

char *
gemtext_to_gopher(const char *src, size_t len, const struct gopher_ctx *ctx,
    size_t *lenp)
{
	struct gemtext_state	 st;
	const char		*lf, *end = src + len;
	size_t			 n;

	memset(&st, 0, sizeof(st));
	st.ctx = ctx;
	while (src < end) {
		lf = memchr(src, '\n', end - src);
		n = lf != NULL ? (size_t)(lf - src) : (size_t)(end - src);
		gemtext_line(&st, src, n > 0 && src[n - 1] == '\r' ? n - 1 : n);
		src += lf != NULL ? n + 1 : n;
	}
	return gopher_menu_end(&st.menu, lenp);
}
