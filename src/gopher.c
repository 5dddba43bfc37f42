/*
 * Gopher (RFC 1436): request framing and parsing, item types, the menu
 * writer shared by gophermaps, gemtext pages and error replies, and the
 * Bucktooth/Gophernicus gophermap dialect.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capsuled.h"

/* First allocation of a menu; it doubles from there. */
#define GOPHER_MENU_CHUNK	1024
/* Room for a port in decimal (65535) and its NUL. */
#define GOPHER_PORT_DIGITS	8
/* Highest TCP port (RFC 793). */
#define GOPHER_PORT_MAX		65535
/* "URL:" selectors (Gopher "h" convention, also in Gophernicus). */
#define GOPHER_URL_PREFIX	"URL:"
/* Gopher+ (gopher+ notes 2.1): TAB then one of these after a selector. */
#define GOPHER_PLUS_MARKS	"+!$"
/* Item type of directories, gemtext pages and unknown files (RFC 1436). */
#define GOPHER_TYPE_MENU	'1'
#define GOPHER_TYPE_BINARY	'9'
#define GOPHER_TYPE_INFO	'i'

/* Item types by media type, first matching prefix wins. */
static const struct gopher_type {
	const char	*prefix;	/* media type or its start */
	char		 type;		/* RFC 1436 3.8, plus h I s ; d */
} gopher_types[] = {
	{ "text/gemini",	GOPHER_TYPE_MENU },	/* rendered as menus */
	{ "text/html",		'h' },
	{ "text/",		'0' },
	{ "image/gif",		'g' },
	{ "image/",		'I' },
	{ "audio/",		's' },
	{ "video/",		';' },
	{ "application/pdf",	'd' },
};

/* An HTTP/1.x request line that reached the Gopher port (RFC 9112 3). */
static const char *const gopher_http_methods[] = { "GET ", "HEAD " };
static const char *const gopher_http_versions[] = {
	" HTTP/1.0", " HTTP/1.1"
};

/* URL: targets never linked from the HTML page: they run code or read. */
static const char *const gopher_url_denied[] = {
	"data", "file", "javascript", "vbscript"
};

static int
gopher_fail(char *err, size_t errsz, const char *why)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s", why);
	return -1;
}

ssize_t
gopher_frame(const char *buf, size_t len)
{
	const char	*lf;
	size_t		 n;

	/* The line, then CR LF or a bare LF (clients differ). */
	n = len < GOPHER_LINE_MAX + 2 ? len : GOPHER_LINE_MAX + 2;
	if ((lf = memchr(buf, '\n', n)) == NULL)
		return len < GOPHER_LINE_MAX + 2 ? GEMINI_FRAME_MORE :
		    GEMINI_FRAME_TOOLONG;
	n = lf - buf;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	return n > GOPHER_LINE_MAX ? GEMINI_FRAME_TOOLONG : (ssize_t)n;
}

int
gopher_has_ctl(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

/* An opaque selector as a normalised "/..." path (no percent-decoding). */
static int
gopher_selector(const char *sel, size_t len, char *path, char *err,
    size_t errsz)
{
	size_t	 n = 0;

	if (len > GOPHER_SELECTOR_MAX)
		return gopher_fail(err, errsz, "selector too long");
	if (gopher_has_ctl(sel, len))
		return gopher_fail(err, errsz, "control character in selector");
	if (!uri_utf8_valid(sel, len))
		return gopher_fail(err, errsz, "selector is not UTF-8");
	if (len == 0 || sel[0] != '/')
		path[n++] = '/';
	memcpy(path + n, sel, len);
	path[n + len] = '\0';
	if (uri_normalise(path) == -1)
		return gopher_fail(err, errsz, "selector leaves the root");
	return 0;
}

/* "GET /x HTTP/1.1": an HTTP client; path is its target if it is sane. */
static int
gopher_http(const char *line, size_t len, struct gopher_req *req)
{
	size_t	 i, j, m, v;

	for (i = 0; i < sizeof(gopher_http_methods) /
	    sizeof(gopher_http_methods[0]); i++) {
		m = strlen(gopher_http_methods[i]);
		if (len < m || memcmp(line, gopher_http_methods[i], m) != 0)
			continue;
		for (j = 0; j < sizeof(gopher_http_versions) /
		    sizeof(gopher_http_versions[0]); j++) {
			v = strlen(gopher_http_versions[j]);
			if (len < m + v || memcmp(line + len - v,
			    gopher_http_versions[j], v) != 0)
				continue;
			req->kind = GOPHER_HTTP;
			if (gopher_selector(line + m, len - m - v, req->path,
			    NULL, 0) == -1)
				memcpy(req->path, "/", 2);
			return 1;
		}
	}
	return 0;
}

/* "URL:scheme:..." (the "h" convention): a target for an HTML page. */
static int
gopher_url(const char *s, size_t len, struct gopher_req *req, char *err,
    size_t errsz)
{
	const char	*colon;
	size_t		 i, n;

	if (len == 0 || gopher_has_ctl(s, len) || !uri_utf8_valid(s, len))
		return gopher_fail(err, errsz, "bad URL: selector");
	if (memchr(s, '<', len) || memchr(s, '>', len) ||
	    memchr(s, '"', len) || memchr(s, ' ', len))
		return gopher_fail(err, errsz, "unsafe URL: selector");
	colon = memchr(s, ':', len);
	n = colon != NULL ? (size_t)(colon - s) : 0;
	if (n == 0 || (size_t)(colon - s) + 1 == len)
		return gopher_fail(err, errsz, "URL: needs scheme:target");
	for (i = 0; i < n; i++)
		if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    !(i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		    s[i] == '-' || s[i] == '.')))
			return gopher_fail(err, errsz, "bad URL: scheme");
	for (i = 0; i < sizeof(gopher_url_denied) /
	    sizeof(gopher_url_denied[0]); i++)
		if (strlen(gopher_url_denied[i]) == n &&
		    strncasecmp(s, gopher_url_denied[i], n) == 0)
			return gopher_fail(err, errsz, "URL: scheme refused");
	req->kind = GOPHER_URL;
	memcpy(req->url, s, len);
	req->url[len] = '\0';
	memcpy(req->path, "/", 2);	/* unused, but always a path */
	return 0;
}

/* What follows the first TAB: a search string and/or a Gopher+ tail. */
static int
gopher_rest(const char *s, size_t len, struct gopher_req *req, char *err,
    size_t errsz)
{
	const char	*tab;
	size_t		 n;

	if (len > 0 && memchr(GOPHER_PLUS_MARKS, s[0],
	    strlen(GOPHER_PLUS_MARKS)) != NULL) {
		req->is_plus = 1;	/* answered as plain Gopher */
		return 0;
	}
	tab = memchr(s, '\t', len);
	n = tab != NULL ? (size_t)(tab - s) : len;
	if (tab != NULL)
		req->is_plus = 1;	/* "search TAB +": Gopher+ again */
	if (n > GOPHER_SELECTOR_MAX)
		return gopher_fail(err, errsz, "search too long");
	if (gopher_has_ctl(s, n) || !uri_utf8_valid(s, n))
		return gopher_fail(err, errsz, "bad search string");
	memcpy(req->search, s, n);
	req->search[n] = '\0';
	req->has_search = n > 0;
	return 0;
}

int
gopher_parse(const char *line, size_t len, struct gopher_req *req,
    char *err, size_t errsz)
{
	const char	*tab;
	size_t		 n, u = strlen(GOPHER_URL_PREFIX);

	memset(req, 0, sizeof(*req));
	if (memchr(line, '\0', len) != NULL)
		return gopher_fail(err, errsz, "NUL in request");
	if (gopher_http(line, len, req))
		return 0;
	tab = memchr(line, '\t', len);
	n = tab != NULL ? (size_t)(tab - line) : len;
	if (n > GOPHER_SELECTOR_MAX)
		return gopher_fail(err, errsz, "selector too long");
	if (tab != NULL && gopher_rest(tab + 1, len - n - 1, req, err,
	    errsz) == -1)
		return -1;
	if (n >= u && memcmp(line, GOPHER_URL_PREFIX, u) == 0)
		return gopher_url(line + u, n - u, req, err, errsz);
	req->kind = GOPHER_SELECTOR;
	return gopher_selector(line, n, req->path, err, errsz);
}

char
gopher_item_type(const char *name)
{
	const char	*base, *dot, *type;
	size_t		 i;

	base = strrchr(name, '/');
	base = base != NULL ? base + 1 : name;
	dot = strrchr(base, '.');
	/* A trailing '/' or no extension: a directory, as in Gophernicus. */
	if (dot == NULL || dot == base || dot[1] == '\0')
		return GOPHER_TYPE_MENU;
	if ((type = mime_by_ext(name)) == NULL)
		return GOPHER_TYPE_BINARY;
	for (i = 0; i < sizeof(gopher_types) / sizeof(gopher_types[0]); i++)
		if (strncmp(type, gopher_types[i].prefix,
		    strlen(gopher_types[i].prefix)) == 0)
			return gopher_types[i].type;
	return GOPHER_TYPE_BINARY;
}

/* Makes room for need more bytes; -1 (and is_failed) if it cannot. */
static int
gopher_menu_grow(struct gopher_menu *m, size_t need)
{
	char	*p;
	size_t	 cap;

	if (m->is_failed)
		return -1;
	if (m->cap - m->len >= need)
		return 0;
	cap = m->cap > 0 ? m->cap : GOPHER_MENU_CHUNK;
	while (cap - m->len < need) {
		if (cap > SIZE_MAX / 2) {
			m->is_failed = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((p = realloc(m->buf, cap)) == NULL) {
		m->is_failed = 1;
		return -1;
	}
	m->buf = p;
	m->cap = cap;
	return 0;
}

static void
gopher_menu_put(struct gopher_menu *m, const char *s, size_t len)
{
	if (gopher_menu_grow(m, len) == 0) {
		memcpy(m->buf + m->len, s, len);
		m->len += len;
	}
}

/* Display text, cleaned so that it stays one field of one line. */
static void
gopher_menu_text(struct gopher_menu *m, const char *s, size_t len)
{
	if (gopher_menu_grow(m, len) == 0)
		m->len += gemtext_clean(m->buf + m->len, s, len);
}

/* 1 if the item can be written as it is. */
static int
gopher_item_ok(const struct gopher_item *it)
{
	return it->type > ' ' && it->type < 0x7f && it->type != '.' &&
	    it->hlen > 0 && !gopher_has_ctl(it->sel, it->slen) &&
	    !gopher_has_ctl(it->host, it->hlen) && it->port >= 0 &&
	    it->port <= GOPHER_PORT_MAX;
}

void
gopher_menu_add(struct gopher_menu *m, const struct gopher_item *it)
{
	struct gopher_item	 info;
	char			 port[GOPHER_PORT_DIGITS];

	if (!gopher_item_ok(it)) {
		info = (struct gopher_item){ GOPHER_TYPE_INFO, it->lead,
		    it->display, it->dlen, "", 0, GOPHER_NULL_HOST,
		    strlen(GOPHER_NULL_HOST), GOPHER_NULL_PORT };
		it = &info;
	}
	snprintf(port, sizeof(port), "%d", it->port);
	gopher_menu_put(m, &it->type, 1);
	if (it->lead != NULL)
		gopher_menu_text(m, it->lead, strlen(it->lead));
	gopher_menu_text(m, it->display, it->dlen);
	gopher_menu_put(m, "\t", 1);
	gopher_menu_put(m, it->sel, it->slen);
	gopher_menu_put(m, "\t", 1);
	gopher_menu_put(m, it->host, it->hlen);
	gopher_menu_put(m, "\t", 1);
	gopher_menu_put(m, port, strlen(port));
	gopher_menu_put(m, "\r\n", 2);
}

void
gopher_menu_info(struct gopher_menu *m, const char *text, size_t len)
{
	struct gopher_item	 it = { GOPHER_TYPE_INFO, NULL, text, len,
	    "", 0, GOPHER_NULL_HOST, strlen(GOPHER_NULL_HOST),
	    GOPHER_NULL_PORT };

	gopher_menu_add(m, &it);
}

char *
gopher_menu_end(struct gopher_menu *m, size_t *lenp)
{
	char	*buf;

	gopher_menu_put(m, ".\r\n", 3);	/* RFC 1436 2: the last line */
	if (m->is_failed) {
		free(m->buf);
		memset(m, 0, sizeof(*m));
		return NULL;
	}
	buf = m->buf;
	*lenp = m->len;
	memset(m, 0, sizeof(*m));
	return buf;
}

char *
gopher_error(const char *msg, size_t *lenp)
{
	struct gopher_menu	 m = { NULL, 0, 0, 0 };
	struct gopher_item	 it = { '3', NULL, msg, strlen(msg), "", 0,
	    GOPHER_NULL_HOST, strlen(GOPHER_NULL_HOST), GOPHER_NULL_PORT };

	gopher_menu_add(&m, &it);
	return gopher_menu_end(&m, lenp);
}

int
gopher_resolve(const char *dir, const char *rel, size_t len, char *dst,
    size_t dstsz)
{
	size_t	 n = 0;

	if (dir == NULL || dir[0] != '/')
		dir = "/";
	if (len == 0 || rel[0] != '/') {
		n = strlen(dir);
		if (n + 1 >= dstsz)
			return -1;
		memcpy(dst, dir, n);
		if (dst[n - 1] != '/')
			dst[n++] = '/';
	}
	if (n + len >= dstsz || memchr(rel, '\0', len) != NULL)
		return -1;
	memcpy(dst + n, rel, len);
	dst[n + len] = '\0';
	return uri_normalise(dst) == -1 ? -1 : 0;
}

/* Fields of a gophermap line (RFC 1436 3.8): type+display, selector,
 * host, port; anything after (a Gopher+ "+") is ignored. */
#define GOPHER_MAP_FIELDS	4

/* One TAB-separated field of a gophermap line. */
struct gopher_field {
	const char	*p;	/* first byte */
	size_t		 n;	/* bytes */
};

static size_t
gopher_map_split(const char *s, size_t len, struct gopher_field *f)
{
	const char	*tab, *end = s + len;
	size_t		 nf = 0;

	while (nf < GOPHER_MAP_FIELDS) {
		tab = memchr(s, '\t', end - s);
		f[nf].p = s;
		f[nf].n = tab != NULL ? (size_t)(tab - s) : (size_t)(end - s);
		nf++;
		if (tab == NULL)
			break;
		s = tab + 1;
	}
	while (nf < GOPHER_MAP_FIELDS) {
		f[nf].p = end;
		f[nf++].n = 0;
	}
	return nf;
}

/* A port field: 1..65535, or -1 when absent or not a number. */
static int
gopher_map_port(const struct gopher_field *f)
{
	size_t	 i;
	int	 port = 0;

	for (i = 0; i < f->n; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		port = port * 10 + (f->p[i] - '0');
		if (port > GOPHER_PORT_MAX)
			return -1;
	}
	return port == 0 ? -1 : port;
}

/* Selector, host and port of an item; -1 if a relative one leaves root. */
static int
gopher_map_target(const struct gopher_ctx *ctx, struct gopher_field *f,
    struct gopher_item *it, char *buf)
{
	size_t	 u = strlen(GOPHER_URL_PREFIX);
	int	 port = gopher_map_port(&f[3]);

	if (f[1].n == 0 && f[2].n == 0)
		f[1] = f[0];	/* Bucktooth: the name is a relative selector */
	it->sel = f[1].p;
	it->slen = f[1].n;
	if (f[2].n > 0) {
		it->host = f[2].p;
		it->hlen = f[2].n;
		it->port = f[2].n == strlen(ctx->host) &&
		    strncasecmp(f[2].p, ctx->host, f[2].n) == 0 ?
		    ctx->port : GOPHER_PORT;
		if (port != -1)
			it->port = port;
		return 0;	/* another server's selector: as written */
	}
	it->host = ctx->host;
	it->hlen = strlen(ctx->host);
	it->port = port != -1 ? port : ctx->port;
	if ((f[1].n > 0 && f[1].p[0] == '/') || (f[1].n >= u &&
	    memcmp(f[1].p, GOPHER_URL_PREFIX, u) == 0))
		return 0;
	if (gopher_resolve(ctx->dir, f[1].p, f[1].n, buf,
	    GOPHER_SELECTOR_MAX + 1) == -1)
		return -1;
	it->sel = buf;
	it->slen = strlen(buf);
	return 0;
}

/* "Tdisplay TAB selector [TAB host [TAB port]]": one item. */
static void
gopher_map_item(struct gopher_menu *m, const struct gopher_ctx *ctx,
    const char *s, size_t len)
{
	struct gopher_field	 f[GOPHER_MAP_FIELDS];
	struct gopher_item	 it;
	char			 buf[GOPHER_SELECTOR_MAX + 1];
	size_t			 dlen;

	gopher_map_split(s + 1, len - 1, f);
	dlen = gemtext_cut(f[0].p, f[0].n, GOPHER_WIDTH);
	if (s[0] == GOPHER_TYPE_INFO ||
	    gopher_map_target(ctx, f, &it, buf) == -1) {
		gopher_menu_info(m, f[0].p, dlen);
		return;
	}
	it.type = s[0];
	it.lead = NULL;
	it.display = s + 1;
	it.dlen = dlen;
	gopher_menu_add(m, &it);
}

/* One gophermap line, without its CR LF or LF. */
static void
gopher_map_line(struct gopher_menu *m, const struct gopher_ctx *ctx,
    const char *s, size_t len)
{
	if (len > 0 && s[0] == '#')
		return;		/* a comment */
	if (len == 1 && s[0] == '*')
		return;		/* Gophernicus: "add the listing": not here */
	if (memchr(s, '\t', len) == NULL || (unsigned char)s[0] <= ' ' ||
	    (unsigned char)s[0] >= 0x7f)
		gopher_menu_info(m, s, gemtext_cut(s, len, GOPHER_WIDTH));
	else
		gopher_map_item(m, ctx, s, len);
}

char *
gopher_map(const char *src, size_t len, const struct gopher_ctx *ctx,
    size_t *lenp)
{
	struct gopher_menu	 m = { NULL, 0, 0, 0 };
	const char		*line, *lf, *end = src + len;
	size_t			 n;

	while (src < end) {
		line = src;
		lf = memchr(src, '\n', end - src);
		n = lf != NULL ? (size_t)(lf - src) : (size_t)(end - src);
		src = lf != NULL ? lf + 1 : end;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 1 && line[0] == '.')
			break;	/* the end of the map, as in a menu */
		gopher_map_line(&m, ctx, line, n);
	}
	return gopher_menu_end(&m, lenp);
}
