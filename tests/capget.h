/*
 * capget, the test client: what its two files share. capget_parse.c
 * holds the pure parts (URL and escapes), capget.c the rest.
 */
#ifndef CAPGET_H
#define CAPGET_H

#include <stddef.h>

/* Gemini protocol 0.24, "Transport": the default port. */
#define CAPGET_GEMINI_PORT	"1965"
/* RFC 1436 and RFC 4266: the default Gopher port. */
#define CAPGET_GOPHER_PORT	"70"
/* Largest request we build: a Gemini URL is at most 1024 bytes, but the
 * tests send longer ones on purpose. */
#define CAPGET_REQ_MAX		16384

/* The parts of the URL that say where to connect and what to send. */
struct capget_url {
	int		 is_gopher;	/* gopher://, not gemini:// */
	char		 host[256];	/* host, IPv6 without brackets */
	char		 port[8];	/* port, or the scheme's default */
	const char	*path;		/* from the first '/', or "" */
	int		 is_ip;		/* host is an IP literal */
};

/* The request bytes (may hold NUL). */
struct capget_req {
	char		 buf[CAPGET_REQ_MAX];	/* bytes to send */
	size_t		 len;		/* bytes in buf */
};

/* Splits "host[:port]" or "[v6][:port]" (len bytes); -1 if malformed. */
int	capget_hostport(const char *s, size_t len, char *host, size_t hostsz,
	    char *port);
/* The value of a hex digit, or -1. */
int	capget_hex(int c);
/* gemini://[user@]host[:port]/path or gopher://...; -1 if unusable. */
int	capget_parse_url(const char *s, struct capget_url *u);
/* Decodes the C escapes \r \n \t \\ \0 \xHH of s into r; -1 if bad. */
int	capget_unescape(const char *s, struct capget_req *r);

#endif
