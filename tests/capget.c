/*
 * capget: the test suite's small Gemini and Gopher client.
 *
 *	capget [-N] [-v] [-b addr] [-c addr:port] [-s sni | -S] [-r raw]
 *	    [-P header] [-T tls1.2|tls1.3] [-t seconds] [-z seconds] url
 *
 * Sends one request (the URL, or the raw bytes given with -r) and copies
 * every response byte to standard output, unbuffered. It never verifies
 * certificates: Gemini servers are self-signed (trust on first use).
 * -b connects from a local address (the tests' second client is
 * 127.0.0.2); -P sends bytes first, in the clear (a PROXY protocol
 * header), in the same TCP segment as the request or the TLS ClientHello
 * where the kernel allows; -z reads one byte a second for that many seconds, with a
 * small receive buffer, then the rest at full speed (a slow reader).
 *
 * Exit status: 0 the exchange completed, 1 connection or TLS failure,
 * 2 usage error, 3 (-N) the TLS stream ended without close_notify,
 * 4 the whole exchange took longer than the timeout.
 */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L	/* getopt, getaddrinfo, sigaction */
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "capget.h"

/* Default limit for the whole exchange, in seconds. */
#define CAPGET_TIMEOUT		10
/* -z: the receive buffer asked for, so that the server's writes stall. */
#define CAPGET_SLOW_RCVBUF	4096

enum capget_exit {
	CAPGET_OK = 0,		/* exchange completed */
	CAPGET_FAIL = 1,	/* connection or TLS failure */
	CAPGET_USAGE = 2,	/* bad command line */
	CAPGET_NO_NOTIFY = 3,	/* -N and no close_notify */
	CAPGET_TIMEOUT_EXIT = 4,	/* the timeout fired */
};

/* What the command line asks for. */
struct capget_opts {
	const char	*url;		/* URL operand */
	const char	*connect;	/* -c addr:port, NULL = URL's */
	const char	*sni;		/* -s name, NULL = URL host */
	int		 no_sni;	/* -S */
	const char	*raw;		/* -r request with C escapes */
	int		 tls_version;	/* -T, 0 = any */
	int		 timeout;	/* -t seconds */
	int		 verbose;	/* -v */
	int		 need_notify;	/* -N */
	const char	*bind_addr;	/* -b local address, NULL = any */
	int		 slow;		/* -z seconds of 1-byte reads */
	const char	*proxy;		/* -P bytes sent first, C escapes */
};

static void
capget_usage(void)
{
	fprintf(stderr, "usage: capget [-N] [-v] [-b addr] [-c addr:port] "
	    "[-s sni | -S] [-r raw]\n"
	    "              [-P header] [-T tls1.2|tls1.3] [-t seconds] "
	    "[-z seconds] url\n");
	exit(CAPGET_USAGE);
}

/* SIGALRM: the whole exchange is over time; only async-safe calls. */
static void
capget_alarm(int sig)
{
	static const char msg[] = "capget: timeout\n";
	ssize_t		 n;

	(void)sig;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(CAPGET_TIMEOUT_EXIT);
}

static void
capget_fail(const char *what)
{
	fprintf(stderr, "capget: %s\n", what);
	exit(CAPGET_FAIL);
}

/* One line with the first OpenSSL error, or what errno says. */
static void
capget_tls_fail(const char *what)
{
	unsigned long	 e;
	char		 buf[256];

	if ((e = ERR_get_error()) != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s",
		    errno != 0 ? strerror(errno) : "connection closed");
	fprintf(stderr, "capget: %s: %s\n", what, buf);
	exit(CAPGET_FAIL);
}

static int
capget_tls_version(const char *s)
{
	if (strcmp(s, "tls1.3") == 0)
		return TLS1_3_VERSION;
	if (strcmp(s, "tls1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(s, "tls1.1") == 0)
		return TLS1_1_VERSION;
	if (strcmp(s, "tls1") == 0)
		return TLS1_VERSION;
	return -1;
}

static void
capget_options(struct capget_opts *o, int argc, char *argv[])
{
	char	*end;
	long	 v;
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->timeout = CAPGET_TIMEOUT;
	while ((ch = getopt(argc, argv, "Nvb:c:s:Sr:P:T:t:z:")) != -1) {
		switch (ch) {
		case 'N': o->need_notify = 1; break;
		case 'v': o->verbose = 1; break;
		case 'b': o->bind_addr = optarg; break;
		case 'c': o->connect = optarg; break;
		case 's': o->sni = optarg; break;
		case 'S': o->no_sni = 1; break;
		case 'r': o->raw = optarg; break;
		case 'P': o->proxy = optarg; break;
		case 'T':
			if ((o->tls_version = capget_tls_version(optarg)) < 0)
				capget_usage();
			break;
		case 't':
		case 'z':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 3600)
				capget_usage();
			*(ch == 't' ? &o->timeout : &o->slow) = (int)v;
			break;
		default:
			capget_usage();
		}
	}
	if (argc - optind != 1 || (o->sni != NULL && o->no_sni))
		capget_usage();
	o->url = argv[optind];
}

/* RFC 4266: the selector is the path minus "/" and the type character. */
static int
capget_gopher_req(const struct capget_url *u, struct capget_req *r)
{
	const char	*p = u->path;
	int		 hi, lo;

	if (*p == '/')
		p++;
	if (*p != '\0')
		p++;
	for (r->len = 0; *p != '\0'; r->len++) {
		if (r->len + 2 >= sizeof(r->buf))
			return -1;
		if (p[0] == '%' && (hi = capget_hex(p[1])) >= 0 &&
		    (lo = capget_hex(p[2])) >= 0) {
			r->buf[r->len] = (char)(hi << 4 | lo);
			p += 3;
		} else
			r->buf[r->len] = *p++;
	}
	memcpy(r->buf + r->len, "\r\n", 2);
	r->len += 2;
	return 0;
}

static int
capget_request(const struct capget_opts *o, const struct capget_url *u,
    struct capget_req *r)
{
	size_t	 len;

	if (o->raw != NULL)
		return capget_unescape(o->raw, r);
	if (u->is_gopher)
		return capget_gopher_req(u, r);
	if ((len = strlen(o->url)) + 2 > sizeof(r->buf))
		return -1;
	memcpy(r->buf, o->url, len);
	memcpy(r->buf + len, "\r\n", 2);
	r->len = len + 2;
	return 0;
}

/* Binds fd (of family af) to the numeric address of -b, and asks for a
 * small receive buffer for -z; -1 on failure. */
static int
capget_prepare(const struct capget_opts *o, int fd, int af)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	int			 rcv = CAPGET_SLOW_RCVBUF;

	if (o->slow > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv,
	    sizeof(rcv)) == -1)
		return -1;
	if (o->bind_addr == NULL)
		return 0;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET && inet_pton(AF_INET, o->bind_addr,
	    &sin->sin_addr) == 1)
		return bind(fd, (struct sockaddr *)sin, sizeof(*sin));
	if (af == AF_INET6 && inet_pton(AF_INET6, o->bind_addr,
	    &sin6->sin6_addr) == 1)
		return bind(fd, (struct sockaddr *)sin6, sizeof(*sin6));
	errno = EAFNOSUPPORT;
	return -1;
}

/* A connected TCP socket to host:port; exits on failure. */
static int
capget_connect(const struct capget_opts *o, const char *host,
    const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	char		 msg[512];
	int		 fd = -1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", host, gai_strerror(e));
		capget_fail(msg);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1)
			continue;
		if (capget_prepare(o, fd, ai->ai_family) == 0 &&
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(msg, sizeof(msg), "connect %s port %s: %s", host,
		    port, strerror(errno));
		capget_fail(msg);
	}
	return fd;
}

static void
capget_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			capget_fail(fd == STDOUT_FILENO ? "write: stdout" :
			    "write: request not sent");
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* -P: the header, held back (MSG_MORE) to leave with what follows. */
static void
capget_send_first(int fd, const char *escaped)
{
	static struct capget_req h;
	size_t			 off = 0;
	ssize_t			 n;

	if (capget_unescape(escaped, &h) == -1) {
		fprintf(stderr, "capget: bad -P escapes\n");
		exit(CAPGET_USAGE);
	}
	while (off < h.len) {
		if ((n = send(fd, h.buf + off, h.len - off, MSG_MORE)) == -1) {
			if (errno == EINTR)
				continue;
			capget_fail("send: header not sent");
		}
		off += (size_t)n;
	}
}

/* -z: how many bytes the next read may take (sleeping a second
 * between them while the slow phase lasts). */
static size_t
capget_pace(const struct capget_opts *o, int *reads, size_t bufsz)
{
	if (*reads >= o->slow)
		return bufsz;
	if ((*reads)++ > 0)
		sleep(1);
	return 1;
}

/* Gopher: plain TCP, request out, everything back until EOF. */
static int
capget_plain(const struct capget_opts *o, int fd, const struct capget_req *r)
{
	char	 buf[16384];
	ssize_t	 n;
	int	 reads = 0;

	capget_write_all(fd, r->buf, r->len);
	for (;;) {
		if ((n = read(fd, buf, capget_pace(o, &reads,
		    sizeof(buf)))) == -1) {
			if (errno == EINTR)
				continue;
			capget_fail(strerror(errno));
		}
		if (n == 0)
			break;
		capget_write_all(STDOUT_FILENO, buf, (size_t)n);
	}
	close(fd);
	return CAPGET_OK;
}

/* A client context that accepts any certificate, version pinned by -T. */
static SSL *
capget_tls_new(const struct capget_opts *o, const struct capget_url *u,
    int fd)
{
	SSL_CTX		*ctx;
	SSL		*ssl;
	const char	*sni;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		capget_tls_fail("SSL_CTX_new");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (o->tls_version != 0) {
		/* Old versions only exist at security level 0. */
		if (o->tls_version < TLS1_2_VERSION)
			SSL_CTX_set_security_level(ctx, 0);
		if (!SSL_CTX_set_min_proto_version(ctx, o->tls_version) ||
		    !SSL_CTX_set_max_proto_version(ctx, o->tls_version))
			capget_tls_fail("TLS version");
	}
	if ((ssl = SSL_new(ctx)) == NULL)
		capget_tls_fail("SSL_new");
	SSL_CTX_free(ctx);
	sni = o->sni;
	if (sni == NULL && !o->no_sni && !u->is_ip)
		sni = u->host;
	if (sni != NULL && !SSL_set_tlsext_host_name(ssl, sni))
		capget_tls_fail("SNI");
	if (!SSL_set_fd(ssl, fd))
		capget_tls_fail("SSL_set_fd");
	return ssl;
}

/* Reads until the stream ends; 1 if it ended with close_notify. */
static int
capget_tls_read(const struct capget_opts *o, SSL *ssl)
{
	char	 buf[16384];
	int	 n, e, reads = 0;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((n = SSL_read(ssl, buf, (int)capget_pace(o, &reads,
		    sizeof(buf)))) > 0) {
			capget_write_all(STDOUT_FILENO, buf, (size_t)n);
			continue;
		}
		e = SSL_get_error(ssl, n);
		if (e == SSL_ERROR_ZERO_RETURN)
			return 1;
		/* OpenSSL 3 reports a bare TCP EOF as a protocol error. */
		if (e == SSL_ERROR_SYSCALL && errno == 0)
			return 0;
		if (e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) ==
		    SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return 0;
		capget_tls_fail("read");
	}
}

static int
capget_gemini(const struct capget_opts *o, const struct capget_url *u,
    int fd, const struct capget_req *r)
{
	SSL	*ssl;
	int	 has_notify;

	ssl = capget_tls_new(o, u, fd);
	ERR_clear_error();
	if (SSL_connect(ssl) != 1)
		capget_tls_fail("handshake");
	if (o->verbose)
		fprintf(stderr, "tls: %s %s\n", SSL_get_version(ssl),
		    SSL_get_cipher_name(ssl));
	ERR_clear_error();
	if (r->len > 0 && SSL_write(ssl, r->buf, (int)r->len) <= 0)
		capget_tls_fail("write");
	has_notify = capget_tls_read(o, ssl);
	if (o->verbose)
		fprintf(stderr, "close_notify: %s\n",
		    has_notify ? "yes" : "no");
	if (has_notify)
		(void)SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	if (o->need_notify && !has_notify)
		return CAPGET_NO_NOTIFY;
	return CAPGET_OK;
}

int
main(int argc, char *argv[])
{
	struct capget_opts	 o;
	struct capget_url	 u;
	static struct capget_req r;
	struct sigaction	 sa;
	char			 host[256], port[8];
	int			 fd;

	capget_options(&o, argc, argv);
	if (capget_parse_url(o.url, &u) == -1) {
		fprintf(stderr, "capget: not a gemini:// or gopher:// URL: "
		    "%s\n", o.url);
		return CAPGET_USAGE;
	}
	if (capget_request(&o, &u, &r) == -1) {
		fprintf(stderr, "capget: bad request (-r escapes or size)\n");
		return CAPGET_USAGE;
	}
	snprintf(host, sizeof(host), "%s", u.host);
	snprintf(port, sizeof(port), "%s", u.port);
	if (o.connect != NULL && capget_hostport(o.connect, strlen(o.connect),
	    host, sizeof(host), port) == -1) {
		fprintf(stderr, "capget: -c wants ADDR:PORT\n");
		return CAPGET_USAGE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = capget_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		capget_fail("sigaction");
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned int)o.timeout);
	fd = capget_connect(&o, host, port);
	if (o.proxy != NULL)
		capget_send_first(fd, o.proxy);
	if (u.is_gopher)
		return capget_plain(&o, fd, &r);
	return capget_gemini(&o, &u, fd, &r);
}
