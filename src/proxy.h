/*
 * capsuled: the PROXY protocol (versions 1 and 2, "The PROXY protocol",
 * haproxy's doc/proxy-protocol.txt) and the trusted-peer lists that
 * guard it. Pure: buffers in, results out; conn.c does the reading.
 * Included by capsuled.h (struct config holds proxy_cidr lists).
 */
#ifndef CAPSULED_PROXY_H
#define CAPSULED_PROXY_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* Spec 2.1: a v1 line is at most 107 bytes, CR LF included. */
#define PROXY_V1_MAX		107
/* Spec 2.2: the v2 fixed part (signature, command, family, length). */
#define PROXY_V2_FIXED		16
/*
 * A v2 header in all, TLVs included: the fixed part and 520 bytes, room
 * for the largest address block (216, AF_UNIX) and the TLVs proxies send.
 * The spec lets a receiver bound what it accepts; longer is refused.
 */
#define PROXY_V2_MAX		536
/* The most bytes any header may take: what a reader must have room for. */
#define PROXY_HEADER_MAX	PROXY_V2_MAX
/* Addresses one "proxy-from" list holds. */
#define PROXY_FROM_MAX		16

/* What the bytes read so far amount to. */
enum proxy_status {
	PROXY_NEED_MORE = 0,	/* a valid beginning: every byte so far is
				   header, read more */
	PROXY_DONE,		/* a whole header: see the result */
	PROXY_ERROR,		/* not a valid header: close */
};

/* What a header says. */
struct proxy_result {
	size_t		 used;		/* DONE: bytes of the header */
	int		 is_local;	/* DONE: no address given (v1 UNKNOWN,
					   v2 LOCAL or an unsupported family):
					   keep the connection's own */
	struct sockaddr_storage src;	/* DONE, !is_local: the client */
	struct sockaddr_storage dst;	/* DONE, !is_local: what it reached */
	const char	*reason;	/* ERROR: why, for the log */
};

/* One "proxy-from" network: an address and a prefix length. */
struct proxy_cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network bytes, host bits zero */
	int		 prefix;	/* 0..32 or 0..128 */
};

/*
 * Parses the first len bytes of a connection. The result depends on the
 * first bytes only: once DONE or ERROR, more bytes change nothing; while
 * NEED_MORE, all len bytes are header, so they may be consumed. A first
 * byte that starts neither version is an ERROR at once.
 */
enum proxy_status proxy_parse(const void *buf, size_t len,
		    struct proxy_result *);
/* "ADDR[/PREFIX]", IPv4 or IPv6; 0, or -1 if malformed or host bits set. */
int	proxy_cidr_parse(const char *s, struct proxy_cidr *);
/* Writes "ADDR/PREFIX" back; the length, as snprintf. */
int	proxy_cidr_format(char *dst, size_t dstsz, const struct proxy_cidr *);
/* 1 if addr (IPv4, IPv6 or IPv4-mapped IPv6) is in one of the n nets. */
int	proxy_cidr_match(const struct proxy_cidr *, size_t n,
	    const struct sockaddr_storage *addr);

struct config;
/* Every proxy-protocol listener needs a proxy-from list: 0, or -1 with
 * why in err. Run once the file and the command line are both applied. */
int	proxy_config_check(const struct config *, char *err, size_t errsz);

#endif /* CAPSULED_PROXY_H */
