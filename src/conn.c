/*
 * One client connection: an explicit state machine with one driver,
 * conn_step(). Every state has a deadline; memory is bounded by the
 * fixed request and output buffers (a file is read a buffer at a time,
 * and only when the previous buffer has been written).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "capsuled.h"
#include "limit.h"

/* Output buffers written per conn_step before yielding to the loop, so
 * one fast client of a large file cannot starve the others. */
#define CONN_WRITES_PER_STEP	16
/* The first byte of a TLS handshake record (RFC 8446 5.1). */
#define CONN_TLS_RECORD		0x16
/* CONN_PROXY reads the header into the request buffer. */
_Static_assert(PROXY_HEADER_MAX <= GEMINI_REQ_MAX,
    "a PROXY header must fit in conn.req");
/* Length of an access-log line's escaped request: 4 bytes per input. */
#define CONN_LOG_REQ_MAX	(GEMINI_REQ_MAX * 4 + 1)
/* Over this many times rate-per-ip, a client is not worth a handshake. */
#define CONN_RATE_CLOSE_FACTOR	2
/* Gemini protocol 0.24, 44 SLOW DOWN: the meta is the seconds to wait. */
#define CONN_SLOW_META		"1"
/* What a Gopher client over rate-per-ip reads, as a type-3 item. */
#define CONN_SLOW_GOPHER	"Too many connections; slow down"

static void	conn_event_cb(evutil_socket_t, short, void *);
static void	conn_fill(struct conn *);
static void	conn_peer_name(struct conn *, const struct sockaddr_storage *,
		    socklen_t);

/* Arms the connection's single event for what, until its deadline. */
static void
conn_wait(struct conn *c, short what)
{
	struct timeval	 now, tv;

	event_del(c->ev);
	event_assign(c->ev, c->w->base, c->io.fd, what, conn_event_cb, c);
	c->want = what;
	gettimeofday(&now, NULL);
	if (timercmp(&c->deadline, &now, <))
		timerclear(&tv);
	else
		timersub(&c->deadline, &now, &tv);
	event_add(c->ev, &tv);
}

static void
conn_set_deadline(struct conn *c, int seconds)
{
	gettimeofday(&c->deadline, NULL);
	c->deadline.tv_sec += seconds;
}

static void
conn_access_log(struct conn *c)
{
	struct server	*srv = c->w->srv;
	char		 req[CONN_LOG_REQ_MAX], when[32];
	const char	*host = "-";
	size_t		 len;
	struct tm	 tm;
	time_t		 now;

	len = c->linelen;
	log_escape(req, sizeof(req), c->req, len);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (c->host < srv->conf.nhosts && c->status != 0)
		host = srv->conf.hosts[c->host].name;
	log_access("%s %s %s \"%s\" %d %llu", when, c->peer, host, req,
	    c->status, (unsigned long long)c->sent);
}

void
conn_close(struct conn *c, const char *reason)
{
	struct worker	*w = c->w;

	if (reason != NULL)
		log_debug("%s: %s", c->peer, reason);
	if (c->status != 0)
		conn_access_log(c);
	if (c->bucket >= 0)
		limit_down(w->srv->limit, c->bucket);
	if (c->ev != NULL) {
		event_del(c->ev);
		event_free(c->ev);
	}
	io_close(&c->io);
	free(c->out);
	if (c->body.fd != -1)
		close(c->body.fd);
	if (c->body.ce != NULL)
		cache_release(c->body.ce);
	else if (!c->body.is_borrowed)
		free(c->body.mem);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	w->nconns--;
	free(c);
	worker_conn_done(w);
}

void
conn_close_all(struct worker *w)
{
	while (w->conns != NULL)
		conn_close(w->conns, "worker exiting");
}

/*
 * Queues a Gemini header (status > 0) and the body already set in
 * c->body; status 0 sends the body alone (Gopher has no header).
 */
void
conn_reply(struct conn *c, int status, const char *meta)
{
	int	 n;

	c->status = status;
	/* The output buffer exists only while a response is sent: an idle
	 * connection costs its request buffer and nothing more. */
	if (c->out == NULL && (c->out = malloc(CONN_BUF_SIZE)) == NULL) {
		c->state = CONN_CLOSE;	/* conn_step closes it */
		return;
	}
	n = 0;
	if (meta != NULL) {
		n = gemini_header(c->out, CONN_BUF_SIZE, status, meta);
		if (n < 0)
			n = gemini_header(c->out, CONN_BUF_SIZE, 40,
			    "Server error");
	}
	c->outlen = (size_t)n;
	c->outoff = 0;
	if (c->body.fd != -1 && c->body.left > CONN_BUF_SIZE)
		io_bulk(&c->io);
	conn_fill(c);
	c->state = CONN_WRITE_HEADER;
	conn_set_deadline(c, c->w->srv->conf.write_timeout);
}

/*
 * Gopher over TLS on the Gopher listener: a first byte of 0x16 (a TLS
 * handshake record; no selector starts with a control byte) starts a
 * handshake, then the request is read over TLS. 1 to go on reading a
 * plain request, 0 to wait, -1 when closed, 2 when the state changed.
 */
static int
conn_sniff_tls(struct conn *c)
{
	unsigned char	 b;
	ssize_t		 n;

	n = io_read_raw(&c->io, (char *)&b, 1, MSG_PEEK);
	if (n == IO_WANT_READ) {
		conn_wait(c, EV_READ);
		return 0;
	}
	if (n != 1 || b != CONN_TLS_RECORD)
		return 1;
	if ((c->io.ssl = tls_accept(&c->w->srv->tls, c->io.fd)) == NULL) {
		conn_close(c, "out of memory");
		return -1;
	}
	c->state = CONN_HANDSHAKE;
	return 2;
}

/*
 * Answers a client over rate-per-ip once its request is read (closing
 * with the request unread would reset the connection and lose the
 * answer): Gemini 44 SLOW DOWN, Gopher a type-3 error menu.
 */
static void
conn_slow_down(struct conn *c)
{
	char	*menu;
	size_t	 len;

	if (c->l->proto == PROTO_GEMINI) {
		conn_reply(c, 44, CONN_SLOW_META);
		return;
	}
	menu = gopher_error(CONN_SLOW_GOPHER, &len);
	serve_mem(c, 44, NULL, menu, len);
}

/* Reads request bytes; 1 when the state changed, 0 to wait. */
static int
conn_read_request(struct conn *c)
{
	ssize_t	 n, line;
	int	 r;

	if (c->l->proto == PROTO_GOPHER && c->io.ssl == NULL &&
	    c->reqlen == 0 && c->w->srv->conf.gopher_tls &&
	    (r = conn_sniff_tls(c)) != 1)
		return r == 2 ? 1 : r;
	n = io_read(&c->io, c->req + c->reqlen, GEMINI_REQ_MAX - c->reqlen);
	if (n == IO_WANT_READ || n == IO_WANT_WRITE) {
		conn_wait(c, n == IO_WANT_READ ? EV_READ : EV_WRITE);
		return 0;
	}
	if (n <= 0) {
		conn_close(c, n == IO_EOF ? "closed before request" :
		    "read error");
		return -1;
	}
	c->reqlen += (size_t)n;
	line = c->l->proto == PROTO_GEMINI ? gemini_frame(c->req, c->reqlen) :
	    gopher_frame(c->req, c->reqlen);
	if (line == GEMINI_FRAME_MORE)
		return 1;
	c->linelen = line >= 0 ? (size_t)line : c->reqlen;
	if (c->is_slowed)
		conn_slow_down(c);
	else
		serve_request(c, line);
	return 1;
}

/*
 * CONN_PROXY: the header, read without taking one byte past it (the TLS
 * ClientHello follows). Bytes are peeked and consumed only once the
 * parser calls them header; they pass through c->req, empty again after.
 * 1 when the state changed, 0 to wait, -1 when closed.
 */
static int
conn_read_proxy(struct conn *c)
{
	struct proxy_result	 r;
	enum proxy_status	 st;
	ssize_t			 n;
	size_t			 take;

	n = io_read_raw(&c->io, c->req + c->reqlen, PROXY_HEADER_MAX -
	    c->reqlen, MSG_PEEK);
	if (n == IO_WANT_READ) {
		conn_wait(c, EV_READ);
		return 0;
	}
	if (n <= 0) {
		conn_close(c, n == IO_EOF ? "closed before PROXY header" :
		    "read error");
		return -1;
	}
	st = proxy_parse(c->req, c->reqlen + (size_t)n, &r);
	if (st == PROXY_ERROR) {
		log_warnx("%s: bad PROXY header: %s", c->peer, r.reason);
		conn_close(c, NULL);
		return -1;
	}
	take = st == PROXY_DONE ? r.used - c->reqlen : (size_t)n;
	if (io_read_raw(&c->io, c->req + c->reqlen, take, 0) !=
	    (ssize_t)take) {
		conn_close(c, "read error");
		return -1;
	}
	c->reqlen = st == PROXY_DONE ? 0 : c->reqlen + take;
	if (st == PROXY_NEED_MORE)
		return 1;
	if (!r.is_local)
		conn_peer_name(c, &r.src, r.src.ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	/* The per-address limits count the client, not the proxy; a
	 * proxy's own check (LOCAL) is not counted. */
	if (!r.is_local && conn_admit(c, (struct sockaddr *)&r.src) == -1) {
		conn_close(c, "refused");
		return -1;
	}
	c->state = c->l->proto == PROTO_GEMINI ? CONN_HANDSHAKE :
	    CONN_READ_REQUEST;
	return 1;
}

/*
 * Appends body bytes to the output buffer, up to its size. The header and
 * the start of the body share one buffer, so a small page leaves in one
 * TLS record and one write. A file with nothing before it on a plain
 * socket is left to conn_write()'s sendfile: no read, no copy.
 */
static void
conn_fill(struct conn *c)
{
	struct conn_body	*b = &c->body;
	size_t			 room, n;
	ssize_t			 r;

	room = CONN_BUF_SIZE - c->outlen;
	if (b->mem != NULL && b->memoff < b->memlen) {
		n = b->memlen - b->memoff < room ? b->memlen - b->memoff : room;
		memcpy(c->out + c->outlen, b->mem + b->memoff, n);
		b->memoff += n;
		c->outlen += n;
	} else if (b->fd != -1 && b->left > 0 && room > 0 &&
	    (c->outlen > 0 || !io_can_sendfile(&c->io))) {
		n = (off_t)room < b->left ? room : (size_t)b->left;
		r = read(b->fd, c->out + c->outlen, n);
		if (r <= 0) {
			/* Shrunk under us: end the response early. */
			log_warnx("%s: file shorter than its size", c->peer);
			b->left = 0;
			return;
		}
		b->left -= r;
		c->outlen += (size_t)r;
	}
}

/* Accounts for one write's result: 1 if bytes went out, 0 when waiting,
 * -1 when the connection was closed. */
static int
conn_written(struct conn *c, ssize_t n)
{
	if (n == IO_WANT_READ || n == IO_WANT_WRITE) {
		conn_wait(c, n == IO_WANT_READ ? EV_READ : EV_WRITE);
		return 0;
	}
	if (n <= 0) {
		conn_close(c, "write error");
		return -1;
	}
	c->sent += (uint64_t)n;
	conn_set_deadline(c, c->w->srv->conf.write_timeout);
	return 1;
}

/* Writes pending output; 1 when all is written, 0 to wait, -1 closed. */
static int
conn_write(struct conn *c)
{
	ssize_t	 n;
	int	 i, r;

	for (i = 0; i < CONN_WRITES_PER_STEP; i++) {
		if (c->outoff == c->outlen && c->body.fd != -1 &&
		    c->body.left > 0 && io_can_sendfile(&c->io)) {
			n = io_sendfile(&c->io, c->body.fd,
			    (size_t)c->body.left);
			if (n == 0) {
				/* Shrunk under us: end the response early. */
				c->body.left = 0;
				continue;
			}
			if ((r = conn_written(c, n)) != 1)
				return r;
			c->body.left -= n;
			continue;
		}
		if (c->outoff == c->outlen) {
			c->outoff = c->outlen = 0;
			conn_fill(c);
			if (c->outlen == 0)
				return 1;
			c->state = CONN_WRITE_BODY;
		}
		n = io_write(&c->io, c->out + c->outoff,
		    c->outlen - c->outoff);
		if ((r = conn_written(c, n)) != 1)
			return r;
		c->outoff += (size_t)n;
	}
	conn_wait(c, EV_WRITE);
	return 0;
}

/* One step of the handshake or shutdown; 1 when done, 0 to wait. */
static int
conn_tls_step(struct conn *c, int ret, const char *what)
{
	if (ret == IO_WANT_READ || ret == IO_WANT_WRITE) {
		conn_wait(c, ret == IO_WANT_READ ? EV_READ : EV_WRITE);
		return 0;
	}
	if (ret != 1) {
		conn_close(c, what);
		return -1;
	}
	return 1;
}

void
conn_step(struct conn *c)
{
	int	 r;

	for (;;) {
		switch (c->state) {
		case CONN_PROXY:
			r = conn_read_proxy(c);
			break;
		case CONN_HANDSHAKE:
			r = conn_tls_step(c, io_handshake(&c->io),
			    "handshake failed");
			if (r == 1)
				c->state = CONN_READ_REQUEST;
			break;
		case CONN_READ_REQUEST:
			r = conn_read_request(c);
			break;
		case CONN_WRITE_HEADER:
		case CONN_WRITE_BODY:
			r = conn_write(c);
			if (r == 1)
				c->state = CONN_SHUTDOWN;
			break;
		case CONN_SHUTDOWN:
			r = conn_tls_step(c, io_shutdown(&c->io),
			    "shutdown failed");
			if (r == 1)
				c->state = CONN_CLOSE;
			break;
		case CONN_CLOSE:
		default:
			conn_close(c, NULL);
			return;
		}
		if (r != 1)
			return;
	}
}

/*
 * A client past its deadline gets a reset, not a FIN behind the data it
 * did not read: the kernel frees that data now instead of holding it
 * for a client that may never take it.
 */
static void
conn_abort(struct conn *c)
{
	struct linger	 lg = { 1, 0 };

	if (c->io.fd != -1)
		(void)setsockopt(c->io.fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
}

static void
conn_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (what & EV_TIMEOUT) {
		conn_abort(c);
		conn_close(c, "deadline passed");
		return;
	}
	conn_step(c);
}

static void
conn_peer_name(struct conn *c, const struct sockaddr_storage *ss,
    socklen_t len)
{
	char	 host[INET6_ADDRSTRLEN], port[8];

	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
	    port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(c->peer, sizeof(c->peer), "unknown");
	else if (ss->ss_family == AF_INET6)
		snprintf(c->peer, sizeof(c->peer), "[%s]:%s", host, port);
	else
		snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
}

/* Logs a limit that bit, at most one line a second per worker. */
static void
conn_limit_log(struct conn *c, uint32_t now, const char *what, int n,
    const char *action)
{
	unsigned long	 quiet = 0;

	if (!limit_may_log(c->w->srv->limit, now, &quiet))
		return;
	if (quiet > 0)
		log_warnx("%s: over %s (%d): %s (%lu more not logged)",
		    c->peer, what, n, action, quiet);
	else
		log_warnx("%s: over %s (%d): %s", c->peer, what, n, action);
}

int
conn_admit(struct conn *c, const struct sockaddr *sa)
{
	const struct config	*conf = &c->w->srv->conf;
	struct limit		*lim = c->w->srv->limit;
	uint32_t		 now, rate;
	int			 b;

	if (c->bucket >= 0)
		limit_down(lim, c->bucket);
	c->bucket = -1;
	c->is_slowed = 0;
	if (lim == NULL || (b = limit_bucket(lim, sa)) == -1)
		return 0;
	now = limit_now();
	/* Every new connection counts towards the rate, refused or not. */
	rate = limit_hit(lim, b, now);
	if (conf->max_per_ip > 0 &&
	    limit_open(lim, b) >= (uint32_t)conf->max_per_ip) {
		conn_limit_log(c, now, "max-per-ip", conf->max_per_ip,
		    "closed");
		return -1;
	}
	if (conf->rate_per_ip > 0 && rate > (uint32_t)conf->rate_per_ip) {
		if (rate > (uint64_t)conf->rate_per_ip *
		    CONN_RATE_CLOSE_FACTOR) {
			conn_limit_log(c, now, "rate-per-ip", conf->rate_per_ip,
			    "closed");
			return -1;
		}
		conn_limit_log(c, now, "rate-per-ip", conf->rate_per_ip,
		    "slow down");
		c->is_slowed = 1;
	}
	limit_up(lim, b);
	c->bucket = b;
	return c->is_slowed;
}

int
conn_accept(struct worker *w, struct listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct conn		*c;
	int			 fd;

	fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR || errno == ECONNABORTED) ? 0 : -1;
	/* A backstop: a worker stops listening once it holds its share. */
	if (w->nconns >= limit_share(&w->srv->conf) ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return 1;
	}
	c->w = w;
	c->l = l;
	c->io.fd = fd;
	c->body.fd = -1;
	c->bucket = -1;
	conn_peer_name(c, &ss, len);
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	/* Only a trusted proxy may say who the client is (proxy-from). */
	if (l->is_proxy && !proxy_cidr_match(w->srv->conf.proxy_from,
	    w->srv->conf.nproxy_from, &ss)) {
		log_warnx("%s: not in proxy-from, closed", c->peer);
		conn_close(c, NULL);
		return 1;
	}
	/* Refused before any TLS work: a flood costs an accept and a close.
	 * Behind a proxy, the header's address is admitted instead. */
	if (!l->is_proxy && conn_admit(c, (struct sockaddr *)&ss) == -1) {
		conn_close(c, "refused");
		return 1;
	}
	if ((c->ev = event_new(w->base, fd, EV_READ, conn_event_cb, c)) ==
	    NULL || (l->proto == PROTO_GEMINI &&
	    (c->io.ssl = tls_accept(&w->srv->tls, fd)) == NULL)) {
		conn_close(c, "out of memory");
		return 1;
	}
	c->state = l->is_proxy ? CONN_PROXY : l->proto == PROTO_GEMINI ?
	    CONN_HANDSHAKE : CONN_READ_REQUEST;
	conn_set_deadline(c, w->srv->conf.request_timeout);
	conn_step(c);
	return 1;
}
