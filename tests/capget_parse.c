/*
 * capget's pure parts: the URL it is given and the C escapes of -r and
 * -P.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "capget.h"

/* 1 if s is an IPv4 or IPv6 literal. */
static int
capget_is_ip(const char *s)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/*
 * Splits "host[:port]" or "[v6][:port]" of length len into host and port
 * (port left alone when absent); -1 if it does not fit or is malformed.
 */
int
capget_hostport(const char *s, size_t len, char *host, size_t hostsz,
    char *port)
{
	const char	*h = s, *colon;
	size_t		 hlen;

	if (len > 0 && *s == '[') {
		if ((colon = memchr(s, ']', len)) == NULL)
			return -1;
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
		if (colon < s + len && *colon != ':')
			return -1;
	} else {
		colon = memchr(s, ':', len);
		hlen = colon != NULL ? (size_t)(colon - s) : len;
	}
	if (hlen == 0 || hlen >= hostsz)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (colon != NULL && colon < s + len) {
		len -= (size_t)(colon + 1 - s);
		if (len == 0 || len >= 8)
			return -1;
		memcpy(port, colon + 1, len);
		port[len] = '\0';
	}
	return 0;
}

/* gemini://[user@]host[:port]/path or gopher://...; -1 if unusable. */
int
capget_parse_url(const char *s, struct capget_url *u)
{
	const char	*auth, *end, *at;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "gemini://", 9) == 0) {
		auth = s + 9;
		snprintf(u->port, sizeof(u->port), "%s", CAPGET_GEMINI_PORT);
	} else if (strncmp(s, "gopher://", 9) == 0) {
		auth = s + 9;
		u->is_gopher = 1;
		snprintf(u->port, sizeof(u->port), "%s", CAPGET_GOPHER_PORT);
	} else
		return -1;
	end = auth + strcspn(auth, "/?#");
	/* Userinfo is not where we connect (the tests send it on purpose). */
	if ((at = memchr(auth, '@', (size_t)(end - auth))) != NULL)
		auth = at + 1;
	if (capget_hostport(auth, (size_t)(end - auth), u->host,
	    sizeof(u->host), u->port) == -1)
		return -1;
	u->path = end;
	u->is_ip = capget_is_ip(u->host);
	return 0;
}

int
capget_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the C escapes \r \n \t \\ \0 \xHH of s into r; -1 if bad. */
int
capget_unescape(const char *s, struct capget_req *r)
{
	int	 hi, lo;
	char	 c;

	for (r->len = 0; *s != '\0'; r->len++) {
		if (r->len == sizeof(r->buf))
			return -1;
		if ((c = *s++) != '\\') {
			r->buf[r->len] = c;
			continue;
		}
		switch ((c = *s++)) {
		case 'r': r->buf[r->len] = '\r'; break;
		case 'n': r->buf[r->len] = '\n'; break;
		case 't': r->buf[r->len] = '\t'; break;
		case '\\': r->buf[r->len] = '\\'; break;
		case '0': r->buf[r->len] = '\0'; break;
		case 'x':
			if ((hi = capget_hex(s[0])) < 0 ||
			    (lo = capget_hex(s[1])) < 0)
				return -1;
			r->buf[r->len] = (char)(hi << 4 | lo);
			s += 2;
			break;
		default:
			return -1;
		}
	}
	return 0;
}
