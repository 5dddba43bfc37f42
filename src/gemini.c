/*
 * Gemini requests and responses as pure functions: framing the request
 * line, validating it and picking the virtual host, formatting the
 * response header, and rendering automatic directory listings. No I/O:
 * conn.c and serve.c do that with what these return.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capsuled.h"

/* Gemini protocol 0.24, "Status codes": two digits, 10 to 69. */
#define GEMINI_STATUS_MIN	10
#define GEMINI_STATUS_MAX	69
/* Gemini protocol 0.24, "Status codes": bad request, proxy refused. */
#define GEMINI_BAD_REQUEST	59
#define GEMINI_PROXY_REFUSED	53
/* RFC 3629 4: a UTF-8 sequence is at most four bytes. */
#define GEMINI_UTF8_MAX		4
/* A listing line beyond its two copies of the name: "=> ", "/ ", a size
 * of at most "1023.9 KiB"-like width or 19 digits and " B", "()", "\n". */
#define GEMINI_LINE_EXTRA	48
/* The listing's fixed text: title words, "Up" link, empty notice, NUL. */
#define GEMINI_PAGE_EXTRA	64
/* IEC 80000-13 binary prefixes, 1024 apart; off_t stops at exbibytes. */
#define GEMINI_SIZE_UNITS	7

ssize_t
gemini_frame(const char *buf, size_t len)
{
	const char	*cr;
	size_t		 off = 0;

	/* Gemini 0.24 "Requests": only CR LF ends the line. */
	while (off < len && (cr = memchr(buf + off, '\r', len - off)) !=
	    NULL) {
		off = (size_t)(cr - buf) + 1;
		if (off == len)
			break;
		if (buf[off] == '\n')
			return off - 1 <= GEMINI_URL_MAX ? (ssize_t)(off - 1) :
			    GEMINI_FRAME_TOOLONG;
	}
	return len >= GEMINI_REQ_MAX ? GEMINI_FRAME_TOOLONG : GEMINI_FRAME_MORE;
}

/* Sets the reply's meta and returns its status. */
static int
gemini_fail(int status, char *meta, size_t metasz, const char *why)
{
	if (metasz > 0)
		snprintf(meta, metasz, "%s", why);
	return status;
}

/* Index of name in the route's host names, or -1. */
static ssize_t
gemini_find_host(const struct gemini_route *route, const char *name)
{
	size_t	 i;

	for (i = 0; i < route->nnames; i++)
		if (route->names[i] != NULL &&
		    strcasecmp(route->names[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * Picks the virtual host. A host name must be one of ours and agree with
 * SNI; an IP literal carries no name, so SNI (or the default) decides.
 */
static int
gemini_route_host(const struct gemini_route *route, struct gemini_req *req,
    char *meta, size_t metasz)
{
	ssize_t	 i;

	if (req->url.is_ip) {
		i = route->sni != NULL ? gemini_find_host(route, route->sni) :
		    -1;
		req->host = i < 0 ? 0 : (size_t)i;
		return 0;
	}
	if ((i = gemini_find_host(route, req->url.host)) < 0)
		return gemini_fail(GEMINI_PROXY_REFUSED, meta, metasz,
		    "proxy request refused: unknown host");
	if (route->sni != NULL && strcasecmp(route->sni, req->url.host) != 0)
		return gemini_fail(GEMINI_PROXY_REFUSED, meta, metasz,
		    "host does not match SNI");
	req->host = (size_t)i;
	return 0;
}

int
gemini_parse(const char *line, size_t len, const struct gemini_route *route,
    struct gemini_req *req, char *meta, size_t metasz)
{
	enum uri_err	 e;

	memset(req, 0, sizeof(*req));
	if (metasz > 0)
		meta[0] = '\0';
	if (len == 0)
		return gemini_fail(GEMINI_BAD_REQUEST, meta, metasz,
		    "empty request");
	if (len > GEMINI_URL_MAX)
		return gemini_fail(GEMINI_BAD_REQUEST, meta, metasz,
		    "request too long");
	if (memchr(line, '\0', len) != NULL)
		return gemini_fail(GEMINI_BAD_REQUEST, meta, metasz,
		    "NUL byte in request");
	if (!uri_utf8_valid(line, len))
		return gemini_fail(GEMINI_BAD_REQUEST, meta, metasz,
		    "request is not valid UTF-8");
	if ((e = uri_parse(line, len, &req->url)) != URI_OK)
		return gemini_fail(GEMINI_BAD_REQUEST, meta, metasz,
		    uri_strerror(e));
	if (strcmp(req->url.scheme, "gemini") != 0)
		return gemini_fail(GEMINI_PROXY_REFUSED, meta, metasz,
		    "proxy request refused: not a gemini URL");
	if (req->url.port != 0 && req->url.port != route->port)
		return gemini_fail(GEMINI_PROXY_REFUSED, meta, metasz,
		    "proxy request refused: wrong port");
	return gemini_route_host(route, req, meta, metasz);
}

int
gemini_header(char *dst, size_t dstsz, int status, const char *meta)
{
	size_t	 n = strlen(meta);
	int	 r;

	/* A CR or LF in meta would end the header early. */
	if (n > GEMINI_META_MAX || strpbrk(meta, "\r\n") != NULL ||
	    status < GEMINI_STATUS_MIN || status > GEMINI_STATUS_MAX)
		return -1;
	r = snprintf(dst, dstsz, "%d %s\r\n", status, meta);
	if (r < 0 || (size_t)r >= dstsz)
		return -1;
	return r;
}

/*
 * Appends s as gemtext label text: control bytes, which could end the
 * line or confuse a terminal, and bytes that are not UTF-8 become '?'.
 */
static char *
gemini_put_label(char *p, const char *s)
{
	size_t	 len = strlen(s), i, n;

	for (i = 0; i < len; i += n) {
		for (n = 1; n <= GEMINI_UTF8_MAX && i + n <= len; n++)
			if (uri_utf8_valid(s + i, n))
				break;
		if (n > GEMINI_UTF8_MAX || i + n > len ||
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			*p++ = '?';
			n = 1;
			continue;
		}
		memcpy(p, s + i, n);
		p += n;
	}
	return p;
}

/* Appends a size the way people read it: "512 B", "1.5 KiB". */
static char *
gemini_put_size(char *p, off_t size)
{
	static const char *const units[GEMINI_SIZE_UNITS] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	uint64_t	 v = size < 0 ? 0 : (uint64_t)size, unit, tenths;
	size_t		 k;

	if (v < 1024)
		return p + sprintf(p, "%llu B", (unsigned long long)v);
	for (k = 1; k < GEMINI_SIZE_UNITS; k++) {
		unit = (uint64_t)1 << (10 * k);
		/* Rounded to a tenth; (unit - 1) * 10 fits 64 bits. */
		tenths = v / unit * 10 + (v % unit * 10 + unit / 2) / unit;
		if (tenths < 10240 || k == GEMINI_SIZE_UNITS - 1)
			break;
	}
	return p + sprintf(p, "%llu.%llu %s", (unsigned long long)(tenths / 10),
	    (unsigned long long)(tenths % 10), units[k]);
}

/* Appends one link line; room is what is left of the buffer. */
static char *
gemini_put_entry(char *p, size_t room, const struct fs_entry *e)
{
	memcpy(p, "=> ", 3);
	p += 3;
	/* The link is relative to the directory, so every byte that is not
	 * unreserved is encoded: a ':' could otherwise read as a scheme. */
	if (uri_encode_path(p, room - 3, e->name) == -1)
		return NULL;
	p += strlen(p);
	if (e->is_dir)
		*p++ = '/';
	*p++ = ' ';
	p = gemini_put_label(p, e->name);
	if (e->is_dir) {
		memcpy(p, "/\n", 2);
		return p + 2;
	}
	memcpy(p, " (", 2);
	p = gemini_put_size(p + 2, e->size);
	memcpy(p, ")\n", 2);
	return p + 2;
}

char *
gemini_listing(const char *path, const struct fs_entry *v, size_t n,
    size_t *lenp)
{
	char	*buf, *p;
	size_t	 i, cap, len;

	cap = strlen(path) + GEMINI_PAGE_EXTRA;
	for (i = 0; i < n; i++) {
		len = strnlen(v[i].name, sizeof(v[i].name));
		if (len == sizeof(v[i].name))
			return NULL;
		cap += 4 * len + GEMINI_LINE_EXTRA;
	}
	if ((buf = malloc(cap)) == NULL)
		return NULL;
	p = buf + sprintf(buf, "# Index of ");
	p = gemini_put_label(p, path);
	memcpy(p, "\n\n", 2);
	p += 2;
	if (strcmp(path, "/") != 0)
		p += sprintf(p, "=> ../ Up\n");
	if (n == 0)
		p += sprintf(p, "This directory is empty.\n");
	for (i = 0; i < n; i++)
		if ((p = gemini_put_entry(p, cap - (size_t)(p - buf), &v[i])) ==
		    NULL) {
			free(buf);
			return NULL;
		}
	*p = '\0';
	*lenp = (size_t)(p - buf);
	return buf;
}
