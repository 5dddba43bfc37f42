/*
 * URLs as Gemini requests carry them: RFC 3986 absolute URIs without
 * userinfo or fragment (Gemini protocol 0.24, "Requests"). The path is
 * percent-decoded and normalised here, once, so every later stage sees
 * one canonical "/..." form. Dot segments that would climb above the
 * root are an error, never clamped; containment on disk is still fs.c's
 * job (openat2 RESOLVE_BENEATH).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "capsuled.h"

/* RFC 4291 2.2: the longest IPv6 text form, NUL included. */
#define URI_IPV6_MAX	INET6_ADDRSTRLEN
/* RFC 3986 3.2.3 port = *DIGIT; TCP ports are 16 bits (RFC 9293 3.1). */
#define URI_PORT_MAX	65535
/* RFC 3629 4: a UTF-8 sequence is at most four bytes. */
#define URI_UTF8_MAX	4

/* One row of RFC 3629 4 (Unicode 15, table 3-7): a lead byte range. */
struct uri_utf8_row {
	unsigned char	 lead_lo;	/* first lead byte of the row */
	unsigned char	 lead_hi;	/* last lead byte of the row */
	unsigned char	 next_lo;	/* second byte range: excludes */
	unsigned char	 next_hi;	/* overlongs and surrogates */
	unsigned char	 len;		/* bytes in the sequence */
};

static const struct uri_utf8_row uri_utf8_rows[] = {
	{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
	{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },	/* no overlong 3-byte forms */
	{ 0xe1, 0xec, 0x80, 0xbf, 3 },
	{ 0xed, 0xed, 0x80, 0x9f, 3 },	/* no surrogates D800-DFFF */
	{ 0xee, 0xef, 0x80, 0xbf, 3 },
	{ 0xf0, 0xf0, 0x90, 0xbf, 4 },	/* no overlong 4-byte forms */
	{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
	{ 0xf4, 0xf4, 0x80, 0x8f, 4 },	/* nothing above U+10FFFF */
};

/* uri_strerror() texts, indexed by enum uri_err. */
static const char *const uri_errors[] = {
	[URI_OK] = "ok",
	[URI_ERR_SYNTAX] = "malformed URL",
	[URI_ERR_USERINFO] = "userinfo not allowed",
	[URI_ERR_FRAGMENT] = "fragment not allowed",
	[URI_ERR_ENCODING] = "bad encoding",
	[URI_ERR_TOOLONG] = "URL component too long",
	[URI_ERR_ESCAPE] = "path escapes the root",
	[URI_ERR_PORT] = "bad port",
};

/* Character classes of RFC 3986 2.2 and 2.3, ASCII only (no locale). */
static int
uri_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
uri_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
uri_hexval(int c)
{
	if (uri_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
uri_is_unreserved(int c)
{
	return uri_is_alpha(c) || uri_is_digit(c) ||
	    (c != '\0' && strchr("-._~", c) != NULL);
}

static int
uri_is_subdelim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/*
 * RFC 3986 3.3 pchar and "/" (3.4 adds "?" for queries), with '%' left to
 * the decoder. Bytes >= 0x80 are RFC 3987 ucschar: raw UTF-8, already
 * validated, as Gemini clients send IRIs.
 */
static int
uri_is_pathchar(int c)
{
	return c >= 0x80 || uri_is_unreserved(c) || uri_is_subdelim(c) ||
	    c == ':' || c == '@' || c == '/' || c == '%';
}

static int
uri_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t
uri_utf8_seq(const unsigned char *s, size_t len)
{
	const struct uri_utf8_row	*r;
	size_t				 i, k;

	if (s[0] < 0x80)
		return 1;
	for (i = 0; i < sizeof(uri_utf8_rows) / sizeof(uri_utf8_rows[0]);
	    i++) {
		r = &uri_utf8_rows[i];
		if (s[0] < r->lead_lo || s[0] > r->lead_hi)
			continue;
		if (len < r->len || s[1] < r->next_lo || s[1] > r->next_hi)
			return 0;
		for (k = 2; k < r->len; k++)
			if (s[k] < 0x80 || s[k] > 0xbf)
				return 0;
		return r->len;
	}
	return 0;
}

int
uri_utf8_valid(const char *s, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < len; i += n)
		if ((n = uri_utf8_seq((const unsigned char *)s + i,
		    len - i)) == 0)
			return 0;
	return 1;
}

const char *
uri_strerror(enum uri_err e)
{
	if ((size_t)e >= sizeof(uri_errors) / sizeof(uri_errors[0]))
		return "invalid URL";
	return uri_errors[e];
}

int
uri_decode(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t	 i, o = 0;
	int	 c, hi, lo;

	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c == '%') {
			if (len - i < 3 ||
			    (hi = uri_hexval((unsigned char)src[i + 1])) < 0 ||
			    (lo = uri_hexval((unsigned char)src[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == '\0' || o + 1 >= dstsz)
			return -1;
		dst[o++] = (char)c;
	}
	if (dstsz == 0)
		return -1;
	dst[o] = '\0';
	return 0;
}

int
uri_encode_path(char *dst, size_t dstsz, const char *src)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = 0;
	int			 c;

	for (; *src != '\0'; src++) {
		c = (unsigned char)*src;
		if (uri_is_unreserved(c) || c == '/') {
			if (o + 1 >= dstsz)
				return -1;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 3 >= dstsz)
			return -1;
		dst[o++] = '%';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	if (dstsz == 0)
		return -1;
	dst[o] = '\0';
	return 0;
}

/*
 * RFC 3986 5.2.4 remove_dot_segments, with two differences: empty
 * segments ("//") are dropped, and ".." at the root fails instead of
 * being ignored. The result never grows, so it is written in place.
 */
int
uri_normalise(char *path)
{
	char	*r = path, *w = path, *seg, *run;
	size_t	 n;
	int	 is_dir = 0;

	if (path[0] != '/')
		return -1;
	for (;;) {
		for (run = r; *r == '/'; r++)
			;
		if (*r == '\0') {
			if (r != run)
				is_dir = 1;
			break;
		}
		for (seg = r; *r != '\0' && *r != '/'; r++)
			;
		n = (size_t)(r - seg);
		if (n == 1 && seg[0] == '.') {
			is_dir = 1;
		} else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (w == path)
				return -1;
			while (w > path && *--w != '/')
				;
			is_dir = 1;
		} else {
			*w++ = '/';
			memmove(w, seg, n);
			w += n;
			is_dir = 0;
		}
	}
	if (w == path || is_dir)
		*w++ = '/';
	*w = '\0';
	return 0;
}

/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static enum uri_err
uri_parse_scheme(const char *s, size_t len, size_t *ip, struct uri *u)
{
	size_t	 i, k;

	if (!uri_is_alpha((unsigned char)s[0]))
		return URI_ERR_SYNTAX;
	for (i = 1; i < len; i++)
		if (!uri_is_alpha((unsigned char)s[i]) &&
		    !uri_is_digit((unsigned char)s[i]) &&
		    s[i] != '+' && s[i] != '-' && s[i] != '.')
			break;
	if (i == len || s[i] != ':')
		return URI_ERR_SYNTAX;
	if (i >= sizeof(u->scheme))
		return URI_ERR_TOOLONG;
	for (k = 0; k < i; k++)
		u->scheme[k] = (char)uri_lower((unsigned char)s[k]);
	u->scheme[i] = '\0';
	/* 3.2: an authority, which Gemini requires, starts with "//". */
	if (len - i < 3 || s[i + 1] != '/' || s[i + 2] != '/')
		return URI_ERR_SYNTAX;
	*ip = i + 3;
	return URI_OK;
}

/* RFC 3986 3.2.2 IPv4address: four dec-octets, no leading zeros. */
static int
uri_is_ipv4(const char *h)
{
	int	 octets, digits, v;

	for (octets = 0; octets < 4; octets++) {
		if (octets > 0 && *h++ != '.')
			return 0;
		for (digits = 0, v = 0; digits <= 3 && uri_is_digit(*h);
		    digits++, h++)
			v = v * 10 + (*h - '0');
		if (digits == 0 || digits > 3 || v > 255 ||
		    (digits > 1 && h[-digits] == '0'))
			return 0;
	}
	return *h == '\0';
}

/* RFC 3986 3.2.2 IP-literal "[...]", IPv6 only (no IPvFuture, no zone). */
static enum uri_err
uri_parse_ipv6(const char *s, size_t len, size_t *used, struct uri *u)
{
	struct in6_addr	 a;
	char		 buf[URI_IPV6_MAX];
	const char	*end;
	size_t		 n, k;

	if ((end = memchr(s, ']', len)) == NULL)
		return URI_ERR_SYNTAX;
	n = (size_t)(end - s) - 1;
	if (n == 0 || n >= sizeof(buf))
		return URI_ERR_SYNTAX;
	memcpy(buf, s + 1, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return URI_ERR_SYNTAX;
	for (k = 0; k <= n; k++)
		u->host[k] = (char)uri_lower((unsigned char)buf[k]);
	u->is_ip = 1;
	*used = n + 2;
	return URI_OK;
}

/* RFC 3986 3.2.2 reg-name without pct-encoded, or an IPv4 address. */
static enum uri_err
uri_parse_regname(const char *s, size_t len, size_t *used, struct uri *u)
{
	size_t	 n, k;
	int	 c;

	for (n = 0; n < len && s[n] != ':'; n++) {
		c = (unsigned char)s[n];
		if (!uri_is_unreserved(c) && !uri_is_subdelim(c))
			return URI_ERR_SYNTAX;
	}
	if (n == 0)
		return URI_ERR_SYNTAX;
	if (n >= sizeof(u->host))
		return URI_ERR_TOOLONG;
	for (k = 0; k < n; k++)
		u->host[k] = (char)uri_lower((unsigned char)s[k]);
	u->host[n] = '\0';
	*used = n;
	u->is_ip = uri_is_ipv4(u->host);
	return URI_OK;
}

/* RFC 3986 3.2.3 port; an empty port means the scheme's default (0). */
static enum uri_err
uri_parse_port(const char *s, size_t len, struct uri *u)
{
	size_t	 i;
	long	 v = 0;

	if (len == 0)
		return URI_OK;
	for (i = 0; i < len; i++) {
		if (!uri_is_digit((unsigned char)s[i]))
			return URI_ERR_PORT;
		v = v * 10 + (s[i] - '0');
		if (v > URI_PORT_MAX)
			return URI_ERR_PORT;
	}
	if (v == 0)
		return URI_ERR_PORT;
	u->port = (int)v;
	return URI_OK;
}

/* RFC 3986 3.2: authority = host [ ":" port ], userinfo refused. */
static enum uri_err
uri_parse_authority(const char *s, size_t len, size_t *ip, struct uri *u)
{
	enum uri_err	 e;
	size_t		 start = *ip, end, used = 0;

	for (end = start; end < len && s[end] != '/' && s[end] != '?'; end++)
		;
	if (memchr(s + start, '@', end - start) != NULL)
		return URI_ERR_USERINFO;
	if (start < end && s[start] == '[')
		e = uri_parse_ipv6(s + start, end - start, &used, u);
	else
		e = uri_parse_regname(s + start, end - start, &used, u);
	if (e != URI_OK)
		return e;
	start += used;
	if (start < end) {
		if (s[start] != ':')
			return URI_ERR_SYNTAX;
		if ((e = uri_parse_port(s + start + 1, end - start - 1, u)) !=
		    URI_OK)
			return e;
	}
	*ip = end;
	return URI_OK;
}

/* RFC 3986 3.3 path-abempty: decoded, then normalised; empty is "/". */
static enum uri_err
uri_parse_path(const char *s, size_t len, size_t *ip, struct uri *u)
{
	size_t	 start = *ip, end;

	for (end = start; end < len && s[end] != '?'; end++)
		if (!uri_is_pathchar((unsigned char)s[end]))
			return URI_ERR_SYNTAX;
	*ip = end;
	if (end == start) {
		u->path[0] = '/';
		u->path[1] = '\0';
		return URI_OK;
	}
	/* Decoding never lengthens: a raw path that fits decodes to fit. */
	if (end - start >= sizeof(u->path))
		return URI_ERR_TOOLONG;
	if (uri_decode(u->path, sizeof(u->path), s + start, end - start) ==
	    -1 || !uri_utf8_valid(u->path, strlen(u->path)))
		return URI_ERR_ENCODING;
	if (uri_normalise(u->path) == -1)
		return URI_ERR_ESCAPE;
	return URI_OK;
}

/* RFC 3986 3.4 query, kept encoded; its %XX must still be well-formed. */
static enum uri_err
uri_parse_query(const char *s, size_t len, size_t i, struct uri *u)
{
	size_t	 k;
	int	 c;

	if (i == len)
		return URI_OK;
	u->has_query = 1;
	for (k = ++i; k < len; k++) {
		c = (unsigned char)s[k];
		if (!uri_is_pathchar(c) && c != '?')
			return URI_ERR_SYNTAX;
		if (c == '%' && (len - k < 3 ||
		    uri_hexval((unsigned char)s[k + 1]) < 0 ||
		    uri_hexval((unsigned char)s[k + 2]) < 0))
			return URI_ERR_ENCODING;
	}
	if (len - i >= sizeof(u->query))
		return URI_ERR_TOOLONG;
	memcpy(u->query, s + i, len - i);
	u->query[len - i] = '\0';
	return URI_OK;
}

enum uri_err
uri_parse(const char *s, size_t len, struct uri *u)
{
	enum uri_err	 e;
	size_t		 i = 0;

	memset(u, 0, sizeof(*u));
	if (len == 0)
		return URI_ERR_SYNTAX;
	if (memchr(s, '\0', len) != NULL || !uri_utf8_valid(s, len))
		return URI_ERR_ENCODING;
	if (memchr(s, '#', len) != NULL)
		return URI_ERR_FRAGMENT;
	if ((e = uri_parse_scheme(s, len, &i, u)) != URI_OK ||
	    (e = uri_parse_authority(s, len, &i, u)) != URI_OK ||
	    (e = uri_parse_path(s, len, &i, u)) != URI_OK)
		return e;
	return uri_parse_query(s, len, i, u);
}
