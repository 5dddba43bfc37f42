/*
 * The PROXY protocol, versions 1 and 2 ("The PROXY protocol", haproxy's
 * doc/proxy-protocol.txt), parsed from the bytes a connection has read so
 * far, and the "proxy-from" networks that may send it. Pure: no I/O.
 * (capsuled.h includes proxy.h and defines struct config.)
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "capsuled.h"

/* Spec 2.1: a v1 header starts with these six bytes. */
#define PROXY_V1_PREFIX		"PROXY "
/* Spec 2.1: "PROXY", the protocol, two addresses, two ports. */
#define PROXY_V1_FIELDS		6
/* Spec 2.1: ports are decimal, 0 to 65535, without leading zeros. */
#define PROXY_PORT_DIGITS	5
#define PROXY_PORT_MAX		65535
/* Spec 2.2: the 12-byte signature, then the version and command byte. */
#define PROXY_V2_SIG_LEN	12
/* Spec 2.2: version 2 in the high nibble; commands in the low one. */
#define PROXY_V2_VERSION	0x20
#define PROXY_V2_LOCAL		0x0
#define PROXY_V2_PROXY		0x1
/* Spec 2.2.7: a TLV is a type byte, a 16-bit length, the value. */
#define PROXY_TLV_HEAD		3

static const uint8_t proxy_v2_sig[PROXY_V2_SIG_LEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

/* Spec 2.2, the 14th byte: each valid family and transport pair. */
static const struct proxy_v2_family {
	uint8_t		 byte;		/* family << 4 | transport */
	uint16_t	 addrlen;	/* bytes of its address block */
	int		 family;	/* AF_INET(6) used, 0 = kept as unknown
					   (the spec's fallback to UNSPEC) */
} proxy_v2_families[] = {
	{ 0x00, 0, 0 },			/* UNSPEC */
	{ 0x11, 12, AF_INET },		/* TCP over IPv4 */
	{ 0x12, 12, 0 },		/* UDP over IPv4 */
	{ 0x21, 36, AF_INET6 },		/* TCP over IPv6 */
	{ 0x22, 36, 0 },		/* UDP over IPv6 */
	{ 0x31, 216, 0 },		/* UNIX stream */
	{ 0x32, 216, 0 },		/* UNIX datagram */
};

static enum proxy_status
proxy_error(struct proxy_result *r, const char *reason)
{
	r->reason = reason;
	return PROXY_ERROR;
}

/* Fills ss from network-order address bytes and a port. */
static void
proxy_sockaddr(struct sockaddr_storage *ss, int family, const void *addr,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
		sin->sin_port = htons(port);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
		sin6->sin6_port = htons(port);
	}
}

/* A v1 port: "0", or 1 to 5 digits without a leading zero, <= 65535. */
static int
proxy_v1_port(const char *s, uint16_t *port)
{
	size_t	 len = strspn(s, "0123456789");
	long	 v = 0;
	size_t	 i;

	if (len == 0 || len > PROXY_PORT_DIGITS || s[len] != '\0' ||
	    (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	if (v > PROXY_PORT_MAX)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* One v1 address and port, of the family the protocol field named. */
static int
proxy_v1_addr(struct sockaddr_storage *ss, int family, const char *addr,
    const char *port)
{
	uint8_t		 bytes[16];
	uint16_t	 p;

	if (inet_pton(family, addr, bytes) != 1 ||
	    proxy_v1_port(port, &p) == -1)
		return -1;
	proxy_sockaddr(ss, family, bytes, p);
	return 0;
}

/* Spec 2.1: the n bytes of a line before its CR LF. */
static enum proxy_status
proxy_v1_line(const char *line, size_t n, struct proxy_result *r)
{
	char	 copy[PROXY_V1_MAX], *f[PROXY_V1_FIELDS + 1], *p;
	size_t	 nf = 0;
	int	 family;

	memcpy(copy, line, n);
	copy[n] = '\0';
	/* Fields are separated by exactly one space. */
	for (p = copy; p != NULL && nf <= PROXY_V1_FIELDS; nf++) {
		f[nf] = p;
		if ((p = strchr(p, ' ')) != NULL)
			*p++ = '\0';
	}
	/* "UNKNOWN": whatever follows up to CR LF is ignored. */
	if (nf >= 2 && strcmp(f[1], "UNKNOWN") == 0) {
		r->is_local = 1;
		return PROXY_DONE;
	}
	if (strcmp(f[1], "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(f[1], "TCP6") == 0)
		family = AF_INET6;
	else
		return proxy_error(r, "v1: protocol not TCP4, TCP6 or UNKNOWN");
	if (nf != PROXY_V1_FIELDS || p != NULL)
		return proxy_error(r, "v1: not six fields between single "
		    "spaces");
	if (proxy_v1_addr(&r->src, family, f[2], f[4]) == -1 ||
	    proxy_v1_addr(&r->dst, family, f[3], f[5]) == -1)
		return proxy_error(r, "v1: bad address or port");
	return PROXY_DONE;
}

/* Spec 2.1: "PROXY ... CR LF", printable ASCII, 107 bytes at most. */
static enum proxy_status
proxy_v1(const char *buf, size_t len, struct proxy_result *r)
{
	size_t	 pre = sizeof(PROXY_V1_PREFIX) - 1, i;
	size_t	 max = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	int	 c;

	if (memcmp(buf, PROXY_V1_PREFIX, max < pre ? max : pre) != 0)
		return proxy_error(r, "not a PROXY header");
	for (i = 0; i < max && buf[i] != '\r'; i++) {
		c = (unsigned char)buf[i];
		if (c < 0x20 || c > 0x7e)
			return proxy_error(r, "v1: byte not printable ASCII");
	}
	/* The CR and the LF after it must both fit in the limit. */
	if (i + 1 >= max)
		return max == PROXY_V1_MAX ? proxy_error(r, "v1: no CR LF "
		    "within 107 bytes") : PROXY_NEED_MORE;
	if (buf[i + 1] != '\n')
		return proxy_error(r, "v1: CR without LF");
	r->used = i + 2;
	return proxy_v1_line(buf, i, r);
}

/* The table entry of a v2 family byte, or NULL if it is not valid. */
static const struct proxy_v2_family *
proxy_v2_family(uint8_t byte)
{
	size_t	 i;

	for (i = 0; i < sizeof(proxy_v2_families) /
	    sizeof(proxy_v2_families[0]); i++)
		if (proxy_v2_families[i].byte == byte)
			return &proxy_v2_families[i];
	return NULL;
}

/* Spec 2.2.7: the TLVs after the addresses must tile the rest exactly. */
static int
proxy_v2_tlvs(const uint8_t *p, size_t len)
{
	size_t	 n;

	while (len > 0) {
		if (len < PROXY_TLV_HEAD)
			return -1;
		n = PROXY_TLV_HEAD + ((size_t)p[1] << 8 | p[2]);
		if (n > len)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* A whole PROXY-command header of total bytes: its addresses. */
static enum proxy_status
proxy_v2_addr(const uint8_t *b, size_t total, struct proxy_result *r)
{
	const struct proxy_v2_family *f = proxy_v2_family(b[13]);
	const uint8_t	*a = b + PROXY_V2_FIXED;
	size_t		 alen;

	/* UNSPEC: the whole block is to be ignored, TLVs included. */
	if (f->byte != 0 && proxy_v2_tlvs(a + f->addrlen,
	    total - PROXY_V2_FIXED - f->addrlen) == -1)
		return proxy_error(r, "v2: malformed TLV");
	if (f->family == 0) {
		r->is_local = 1;
		return PROXY_DONE;
	}
	/* Source address, destination address, source port, dest port. */
	alen = f->family == AF_INET ? 4 : 16;
	proxy_sockaddr(&r->src, f->family, a,
	    (uint16_t)(a[2 * alen] << 8 | a[2 * alen + 1]));
	proxy_sockaddr(&r->dst, f->family, a + alen,
	    (uint16_t)(a[2 * alen + 2] << 8 | a[2 * alen + 3]));
	return PROXY_DONE;
}

/* Spec 2.2: signature, version and command, family, length, block. */
static enum proxy_status
proxy_v2(const uint8_t *b, size_t len, struct proxy_result *r)
{
	const struct proxy_v2_family *f = NULL;
	size_t	 total;
	int	 cmd;

	if (memcmp(b, proxy_v2_sig, len < PROXY_V2_SIG_LEN ? len :
	    PROXY_V2_SIG_LEN) != 0)
		return proxy_error(r, "not a PROXY header");
	if (len <= PROXY_V2_SIG_LEN)
		return PROXY_NEED_MORE;
	if ((b[12] & 0xf0) != PROXY_V2_VERSION)
		return proxy_error(r, "v2: version not 2");
	if ((cmd = b[12] & 0x0f) > PROXY_V2_PROXY)
		return proxy_error(r, "v2: command not LOCAL or PROXY");
	/* LOCAL: the family is ignored, whatever it says. */
	if (len > 13 && cmd == PROXY_V2_PROXY &&
	    (f = proxy_v2_family(b[13])) == NULL)
		return proxy_error(r, "v2: bad address family or transport");
	if (len < PROXY_V2_FIXED)
		return PROXY_NEED_MORE;
	total = PROXY_V2_FIXED + ((size_t)b[14] << 8 | b[15]);
	if (total > PROXY_V2_MAX)
		return proxy_error(r, "v2: header longer than 536 bytes");
	if (f != NULL && total - PROXY_V2_FIXED < f->addrlen)
		return proxy_error(r, "v2: address block too short");
	if (len < total)
		return PROXY_NEED_MORE;
	r->used = total;
	if (cmd == PROXY_V2_LOCAL) {
		r->is_local = 1;
		return PROXY_DONE;
	}
	return proxy_v2_addr(b, total, r);
}

enum proxy_status
proxy_parse(const void *buf, size_t len, struct proxy_result *r)
{
	const uint8_t	*b = buf;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return PROXY_NEED_MORE;
	if (b[0] == (uint8_t)PROXY_V1_PREFIX[0])
		return proxy_v1(buf, len, r);
	if (b[0] == proxy_v2_sig[0])
		return proxy_v2(b, len, r);
	return proxy_error(r, "not a PROXY header");
}

int
proxy_cidr_parse(const char *s, struct proxy_cidr *c)
{
	const char	*slash = strchr(s, '/');
	char		 addr[INET6_ADDRSTRLEN];
	size_t		 len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int		 max, i;

	memset(c, 0, sizeof(*c));
	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -1;
	c->prefix = max = c->family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		s = slash + 1;
		len = strspn(s, "0123456789");
		if (len == 0 || len > 3 || s[len] != '\0' ||
		    (s[0] == '0' && len > 1))
			return -1;
		for (c->prefix = 0, i = 0; i < (int)len; i++)
			c->prefix = c->prefix * 10 + (s[i] - '0');
		if (c->prefix > max)
			return -1;
	}
	/* "10.0.0.1/8" is a typing mistake more often than a network. */
	for (i = c->prefix; i < max; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

int
proxy_cidr_format(char *dst, size_t dstsz, const struct proxy_cidr *c)
{
	char	 addr[INET6_ADDRSTRLEN];

	if (inet_ntop(c->family, c->addr, addr, sizeof(addr)) == NULL)
		return snprintf(dst, dstsz, "?");
	return snprintf(dst, dstsz, "%s/%d", addr, c->prefix);
}

/* 1 if the first c->prefix bits of a are c's. */
static int
proxy_cidr_has(const struct proxy_cidr *c, const uint8_t *a)
{
	int	 full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr, a, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((c->addr[full] ^ a[full]) & (0xff00 >> rest) &
	    0xff) == 0;
}

int
proxy_cidr_match(const struct proxy_cidr *nets, size_t n,
    const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const uint8_t	*a;
	int		 family = ss->ss_family;
	size_t		 i;

	if (family == AF_INET)
		a = (const uint8_t *)&sin->sin_addr;
	else if (family == AF_INET6) {
		a = sin6->sin6_addr.s6_addr;
		/* ::ffff:a.b.c.d is an IPv4 peer on a dual-stack socket. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a += 12;
			family = AF_INET;
		}
	} else
		return 0;
	for (i = 0; i < n; i++)
		if (nets[i].family == family && proxy_cidr_has(&nets[i], a))
			return 1;
	return 0;
}

int
proxy_config_check(const struct config *conf, char *err, size_t errsz)
{
	size_t	 i;

	for (i = 0; i < conf->nlisten; i++)
		if (conf->listen[i].is_proxy && conf->nproxy_from == 0) {
			snprintf(err, errsz, "a proxy-protocol listener needs "
			    "proxy-from: the peers trusted to send the header");
			return -1;
		}
	return 0;
}
