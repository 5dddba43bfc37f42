/*
 * loadgen: load generator for Gemini (TLS) and Gopher servers; see
 * lg_usage(). One fresh connection per request, -c of them in flight; -r
 * resumes TLS sessions; -i holds idle connections and times -n (5) requests
 * among them; -b binds a local address; -p samples a server's process
 * tree. Prints key=value pairs ("mbps": megabits/s). Loopback only.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* Gemini 0.24: a request is a URL of at most 1024 bytes, then CRLF. */
#define LG_REQ_MAX	(1024 + 2)
/* Per request: connect, handshake, request and the whole response. */
#define LG_TIMEOUT_US	(10 * 1000000LL)
/* Longest poll() sleep; 10 times that when only held ones are left. */
#define LG_TICK_MS	10
/* Latency buckets: exact under 2 * LG_SUB us, then LG_SUB per octave. */
#define LG_SUB_BITS	5
#define LG_SUB		(1 << LG_SUB_BITS)
#define LG_HIST_N	(40 * LG_SUB)
/* Idle mode: handshakes under way at once; requests timed meanwhile. */
#define LG_BURST	64
#define LG_PROBES	5

enum lg_result {
	LG_OK,			/* complete, success status */
	LG_ERR_CONNECT,		/* refused, or a plain socket failed */
	LG_ERR_TLS,		/* handshake or TLS record failure */
	LG_ERR_STATUS,		/* not "2x", or empty or "3" (Gopher) */
	LG_ERR_TIMEOUT,		/* over LG_TIMEOUT_US */
	LG_NRESULT
};

enum lg_state {
	LG_FREE,		/* slot unused */
	LG_HANDSHAKE,		/* TLS handshake */
	LG_SEND,		/* writing the request */
	LG_RECV,		/* reading the response to EOF */
	LG_HELD			/* idle mode: open, nothing sent */
};

/* The command line, and the clock marks the threads read. */
struct lg_opts {
	int		 is_gopher;	/* gopher://, not gemini:// */
	char		 host[256];	/* URL host, for SNI */
	char		 req[LG_REQ_MAX];	/* request bytes */
	size_t		 reqlen;	/* bytes in req */
	struct sockaddr_storage addr, src;	/* where to connect, -b */
	socklen_t	 addrlen, srclen;	/* their lengths, 0 = no -b */
	int		 conns;		/* -c or -i */
	int		 is_idle;	/* -i */
	int		 threads, resume;	/* -t, -r */
	SSL_CTX		*ctx;		/* Gemini: verifies nothing (TOFU) */
	pid_t		 pid;		/* -p, 0 = none */
	long long	 max_req;	/* -n */
	int64_t		 dur_us;	/* -d */
	int64_t		 m0_us;		/* -w: start of the measured window */
	int64_t		 end_us;	/* no request starts after this */
};

/* What a thread counted; summed over the threads at the end. */
struct lg_stats {
	unsigned long long count[LG_NRESULT];	/* finished, by result */
	unsigned long long bytes;	/* response bytes received */
	unsigned long long resumed;	/* handshakes that resumed */
	unsigned long long max_us;	/* slowest success */
	unsigned long long held;	/* idle: connections open at the end */
	unsigned long long hist[LG_HIST_N];	/* latencies of successes */
};

/* One connection slot. */
struct lg_conn {
	int		 fd;		/* socket, -1 when free */
	SSL		*ssl;		/* Gemini only */
	enum lg_state	 state;		/* where the exchange is */
	short		 events;	/* what poll() waits for */
	int		 is_counted;	/* measured (idle: a probe, not held) */
	int64_t		 start_us;	/* when connect() began */
	size_t		 sent;		/* request bytes written */
	uint64_t	 got;		/* response bytes read */
	char		 first;		/* the first of them */
};

/* A thread: its connections, TLS context and counters. */
struct lg_thread {
	const struct lg_opts *o;	/* shared, read-only */
	pthread_t	 tid;		/* the thread */
	struct lg_conn	*conns;		/* nconn slots; idle: the last probes */
	struct pollfd	*pfd;		/* one per slot */
	int		 nconn;		/* slots */
	SSL_SESSION	*sess;		/* -r: the last session */
	long long	 quota;		/* measured requests (probes) left */
	int		 nopen;		/* idle: held slots started */
	int64_t		 hold_end_us;	/* idle: when to let go */
	struct lg_stats	 st;		/* counters */
};

static _Noreturn void
lg_usage(void)
{
	fprintf(stderr, "usage: loadgen -u url -c conns | -i conns -d seconds "
	    "[-t threads] [-r]\n\t[-b addr] [-C addr:port] [-p pid] "
	    "[-w warmup] [-n max]\n");
	exit(2);
}

static int64_t
lg_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t
lg_hist_index(uint64_t us)
{
	int	 shift = 63 - __builtin_clzll(us | 1) - LG_SUB_BITS;
	size_t	 i = shift <= 0 ? (size_t)us :
		    (size_t)shift * LG_SUB + (size_t)(us >> shift);

	return i < LG_HIST_N ? i : LG_HIST_N - 1;
}

/* The q quantile in milliseconds: the middle of its bucket. */
static double
lg_hist_pct(const struct lg_stats *s, double q)
{
	unsigned long long	 total = 0, seen = 0;
	size_t			 i, shift;

	for (i = 0; i < LG_HIST_N; i++)
		total += s->hist[i];
	for (i = 0; total > 0 && i < LG_HIST_N - 1; i++)
		if ((seen += s->hist[i]) >= q * (double)total && seen > 0)
			break;
	if (i < 2 * LG_SUB)
		return (double)i / 1000;
	shift = i / LG_SUB - 1;
	return (double)(((i - shift * LG_SUB) << shift) +
	    (1ULL << shift) / 2) / 1000;
}

/*
 * Adds the CPU ticks (utime + stime) and VmRSS of pid, and recursively of
 * the processes whose /proc/N/stat names pid as their parent.
 */
static void
lg_tree(int pid, unsigned long long *ticks, long *rss_kb)
{
	DIR			*d;
	struct dirent		*de;
	FILE			*f;
	char			 path[300], buf[1024], *rp;
	unsigned long long	 ut = 0, st = 0;
	long			 kb;
	int			 ppid;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (atoi(de->d_name) <= 0 || (f = fopen(path, "r")) == NULL)
			continue;
		/* The command name may hold spaces: fields follow its ')'. */
		if (fgets(buf, sizeof(buf), f) == NULL ||
		    (rp = strrchr(buf, ')')) == NULL || sscanf(rp + 2, "%*c %d "
		    "%*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ppid, &ut,
		    &st) != 3)
			ppid = -1;
		fclose(f);
		if (ppid == pid)
			lg_tree(atoi(de->d_name), ticks, rss_kb);
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if (ppid == -1 || atoi(de->d_name) != pid ||
		    (f = fopen(path, "r")) == NULL)
			continue;
		*ticks += ut + st;
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (sscanf(buf, "VmRSS: %ld", &kb) == 1)
				*rss_kb += kb;
		fclose(f);
	}
	closedir(d);
}

/*
 * Resolves "host[:port]" or "[v6][:port]" (up to a '/') into o->addr,
 * keeping host and port; exits 2 unless every address is loopback.
 */
static void
lg_resolve(struct sockaddr_storage *dst, socklen_t *len, const char *spec,
    char *host, char *port)
{
	struct addrinfo	 hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char		 num[NI_MAXHOST];
	int		 ok;

	ok = (*spec == '[' ? sscanf(spec, "[%255[^]]]:%7[0-9]", host, port) :
	    sscanf(spec, "%255[^]:/?#]:%7[0-9]", host, port)) >= 1 &&
	    getaddrinfo(host, port, &hints, &res) == 0;
	for (ai = ok ? res : NULL; ai != NULL; ai = ai->ai_next)
		ok &= getnameinfo(ai->ai_addr, ai->ai_addrlen, num,
		    sizeof(num), NULL, 0, NI_NUMERICHOST) == 0 &&
		    (!strncmp(num, "127.", 4) || !strcmp(num, "::1") ||
		    !strncmp(num, "::ffff:127.", 11));
	if (!ok) {
		fprintf(stderr, "loadgen: %s: bad, or not loopback\n", spec);
		exit(2);
	}
	memcpy(dst, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
}

/*
 * Where to connect (the URL's host, or -C) and what to send: the URL, or
 * (RFC 4266) the path without "/" and the item type, sent as written.
 */
static void
lg_target(struct lg_opts *o, const char *url, const char *connect_to)
{
	char		 port[8], chost[256];
	const char	*p = url + 9, *sel;

	o->is_gopher = strncmp(url, "gopher://", 9) == 0;
	snprintf(port, sizeof(port), "%s", o->is_gopher ? "70" : "1965");
	if (!o->is_gopher && strncmp(url, "gemini://", 9) != 0)
		lg_usage();
	lg_resolve(&o->addr, &o->addrlen, p, o->host, port);
	if (connect_to != NULL)
		lg_resolve(&o->addr, &o->addrlen, connect_to, chost, port);
	sel = p + strcspn(p, "/?#");
	if (*sel == '/' && *++sel != '\0')
		sel++;
	o->reqlen = (size_t)snprintf(o->req, sizeof(o->req), "%s\r\n",
	    o->is_gopher ? sel : url);
	if (o->reqlen >= sizeof(o->req))
		lg_usage();
}

static void
lg_options(struct lg_opts *o, int argc, char *argv[])
{
	const char	*url = NULL, *connect_to = NULL;
	char		*end = NULL, h[256], pt[8] = "0";
	long long	 v;
	int		 ch;

	*o = (struct lg_opts){ .threads = 2, .max_req = 1LL << 60 };
	while ((ch = getopt(argc, argv, "u:c:d:t:rb:C:p:w:n:i:")) != -1) {
		/* Every number: a whole 1 to 10^9, or 0 for -w and -n. */
		v = strtoll(optarg != NULL ? optarg : "", &end, 10);
		if (strchr("cdtpwni", ch) != NULL && (end == optarg ||
		    *end != '\0' || v < !strchr("wn", ch) || v > 1000000000))
			lg_usage();
		switch (ch) {
		case 'u': url = optarg; break;
		case 'i': o->is_idle = 1; /* FALLTHROUGH */
		case 'c': o->conns = (int)v; break;
		case 'd': o->dur_us = v * 1000000; break;
		case 'w': o->m0_us = v * 1000000; break;
		case 't': o->threads = (int)v; break;
		case 'n': o->max_req = v; break;
		case 'p': o->pid = (pid_t)v; break;
		case 'r': o->resume = 1; break;
		case 'C': connect_to = optarg; break;
		case 'b': lg_resolve(&o->src, &o->srclen, optarg, h, pt); break;
		default: lg_usage();
		}
	}
	if (argc != optind || url == NULL || o->conns == 0 || o->dur_us == 0)
		lg_usage();
	if (o->threads > o->conns || o->is_idle)
		o->threads = o->is_idle ? 1 : o->conns;
	lg_target(o, url, connect_to);
}

/* Counts a finished exchange (not warmup, not held), frees the slot. */
static int
lg_finish(struct lg_thread *t, struct lg_conn *c, enum lg_result r)
{
	uint64_t	 us = (uint64_t)(lg_now_us() - c->start_us);

	if (c->is_counted) {
		t->st.count[r]++;
		t->st.bytes += c->got;
		t->st.hist[lg_hist_index(us)] += r == LG_OK;
		t->st.max_us = r == LG_OK && us > t->st.max_us ? us :
		    t->st.max_us;
	}
	if (r == LG_OK && t->o->resume && c->ssl != NULL) {
		/* Freed without this, OpenSSL marks the session spent. */
		SSL_shutdown(c->ssl);
		SSL_SESSION_free(t->sess);
		t->sess = SSL_get1_session(c->ssl);
	}
	SSL_free(c->ssl);
	close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->state = LG_FREE;
	return 0;
}

/*
 * A call returned rv <= 0 (plain sockets' results put in OpenSSL's terms):
 * waits for what it asks (0), or ends the exchange. At EOF, a Gemini header
 * must be "2x"; Gopher needs bytes, and no error item (type 3, RFC 1436).
 */
static int
lg_stall(struct lg_thread *t, struct lg_conn *c, int rv)
{
	int	 err = SSL_ERROR_SYSCALL;

	if (c->ssl != NULL)
		err = SSL_get_error(c->ssl, rv);
	else if (rv == 0)
		err = SSL_ERROR_ZERO_RETURN;
	else if (errno == EAGAIN || errno == EINTR)
		err = c->state == LG_SEND ? SSL_ERROR_WANT_WRITE :
		    SSL_ERROR_WANT_READ;
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		c->events = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	if (err != SSL_ERROR_ZERO_RETURN || c->state != LG_RECV)
		return lg_finish(t, c, c->ssl == NULL ||
		    errno == ECONNREFUSED ? LG_ERR_CONNECT : LG_ERR_TLS);
	return lg_finish(t, c, c->got == 0 || (t->o->is_gopher ?
	    c->first == '3' : c->first != '2') ? LG_ERR_STATUS : LG_OK);
}

/*
 * One step of a connection; 1 to call again. Retries repeat the call with
 * the same buffer. Held, it reads only TLS 1.3 tickets: data ends it.
 */
static int
lg_step(struct lg_thread *t, struct lg_conn *c)
{
	const struct lg_opts	*o = t->o;
	char			 buf[16384];
	int			 rv;

	ERR_clear_error();
	errno = 0;
	if (c->state == LG_HANDSHAKE)
		rv = SSL_connect(c->ssl);
	else if (c->state == LG_SEND)
		rv = c->ssl != NULL ? SSL_write(c->ssl, o->req + c->sent,
		    (int)(o->reqlen - c->sent)) : (int)write(c->fd,
		    o->req + c->sent, o->reqlen - c->sent);
	else
		rv = c->ssl != NULL ? SSL_read(c->ssl, buf, sizeof(buf)) :
		    (int)read(c->fd, buf, sizeof(buf));
	if (rv <= 0)
		return lg_stall(t, c, rv);
	if (c->state == LG_HANDSHAKE) {
		t->st.resumed += c->is_counted && SSL_session_reused(c->ssl);
		c->state = o->is_idle && !c->is_counted ? LG_HELD : LG_SEND;
	} else if (c->state == LG_SEND) {
		if ((c->sent += (size_t)rv) == o->reqlen)
			c->state = LG_RECV;
	} else if (c->state == LG_RECV) {
		c->first = c->got == 0 ? buf[0] : c->first;
		c->got += (uint64_t)rv;
	} else
		return lg_finish(t, c, LG_ERR_CONNECT);
	return 1;
}

/* Starts a connection; until connect() is done, writes get EAGAIN. */
static void
lg_open(struct lg_thread *t, struct lg_conn *c, int is_held)
{
	const struct lg_opts	*o = t->o;
	int			 one = 1;

	memset(c, 0, sizeof(*c));
	c->start_us = lg_now_us();
	c->is_counted = !is_held && c->start_us >= o->m0_us;
	c->state = o->is_gopher ? (is_held ? LG_HELD : LG_SEND) : LG_HANDSHAKE;
	c->events = is_held && o->is_gopher ? POLLIN : POLLOUT;
	t->quota -= c->is_counted;
	/* Nagle would hold the request behind the client Finished. */
	if ((c->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 || setsockopt(c->fd, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) == -1 || (o->srclen > 0 &&
	    bind(c->fd, (struct sockaddr *)&o->src, o->srclen) == -1) ||
	    (connect(c->fd, (struct sockaddr *)&o->addr, o->addrlen) == -1 &&
	    errno != EINPROGRESS) || (!o->is_gopher &&
	    ((c->ssl = SSL_new(o->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd)
	    != 1 || SSL_set_tlsext_host_name(c->ssl, o->host) != 1 ||
	    (t->sess != NULL && SSL_set_session(c->ssl, t->sess) != 1))))
		lg_finish(t, c, LG_ERR_CONNECT);
}

/*
 * Requests in every free slot until the end or the quota; in idle mode,
 * held connections LG_BURST at a time, then the probes one by one.
 */
static void
lg_fill(struct lg_thread *t, int64_t now)
{
	const struct lg_opts	*o = t->o;
	int			 i, busy = 0;

	for (i = 0; !o->is_idle && i < t->nconn && now < o->end_us &&
	    t->quota != 0; i++)
		if (t->conns[i].state == LG_FREE)
			lg_open(t, &t->conns[i], 0);
	for (i = 0; o->is_idle && i < t->nopen; i++)
		busy += t->conns[i].state != LG_FREE &&
		    t->conns[i].state != LG_HELD;
	while (o->is_idle && t->nopen < o->conns && busy++ < LG_BURST)
		lg_open(t, &t->conns[t->nopen++], 1);
	if (!o->is_idle || t->nopen < o->conns || busy > 0)
		return;
	if (t->hold_end_us == INT64_MAX)
		t->hold_end_us = now + o->dur_us;
	if (t->conns[o->conns].state == LG_FREE && t->quota > 0)
		lg_open(t, &t->conns[o->conns], 0);
}

/* A thread's loop, until its share is done (idle: the hold is over). */
static void *
lg_run(void *arg)
{
	struct lg_thread	*t = arg;
	struct lg_conn		*c;
	int64_t			 now;
	int			 i, busy;

	for (;;) {
		lg_fill(t, now = lg_now_us());
		for (i = busy = 0; i < t->nconn; i++) {
			c = &t->conns[i];
			if (c->state != LG_FREE && c->state != LG_HELD &&
			    now - c->start_us > LG_TIMEOUT_US)
				lg_finish(t, c, LG_ERR_TIMEOUT);
			busy += c->state != LG_FREE && c->state != LG_HELD;
			t->pfd[i].fd = c->fd;
			t->pfd[i].events = c->events;
		}
		if (busy == 0 && (t->o->is_idle ? now >= t->hold_end_us :
		    now >= t->o->end_us || t->quota == 0))
			return NULL;
		if (poll(t->pfd, (nfds_t)t->nconn, busy > 0 || t->nopen <
		    t->o->conns ? LG_TICK_MS : 10 * LG_TICK_MS) <= 0)
			continue;
		for (i = 0; i < t->nconn; i++)
			while (t->pfd[i].revents != 0 &&
			    t->conns[i].state != LG_FREE &&
			    lg_step(t, &t->conns[i]))
				;
	}
}

/* Adds t's counters to s, then closes and frees all of t. */
static void
lg_thread_done(struct lg_thread *t, struct lg_stats *s)
{
	int	 i;

	for (i = 0; i < LG_NRESULT; i++)
		s->count[i] += t->st.count[i];
	for (i = 0; i < LG_HIST_N; i++)
		s->hist[i] += t->st.hist[i];
	s->bytes += t->st.bytes;
	s->resumed += t->st.resumed;
	s->max_us = t->st.max_us > s->max_us ? t->st.max_us : s->max_us;
	for (i = 0; i < t->nconn; i++) {
		s->held += t->conns[i].state == LG_HELD;
		if (t->conns[i].state != LG_FREE)
			lg_finish(t, &t->conns[i], LG_ERR_CONNECT);
	}
	SSL_SESSION_free(t->sess);
	free(t->conns);
	free(t->pfd);
}

static void
lg_print(const struct lg_opts *o, const struct lg_stats *s, double secs,
    double cpu, long rss)
{
	const unsigned long long *k = s->count;

	if (o->is_idle)
		printf("idle=%d idle_open=%llu normal_ok=%llu "
		    "normal_p50_ms=%.3f", o->conns, s->held, k[LG_OK],
		    lg_hist_pct(s, 0.50));
	else
		printf("requests=%llu ok=%llu err_connect=%llu err_tls=%llu "
		    "err_status=%llu err_timeout=%llu bytes=%llu seconds=%.3f "
		    "rps=%.1f mbps=%.3f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
		    "resumed=%llu", k[0] + k[1] + k[2] + k[3] + k[4], k[LG_OK],
		    k[LG_ERR_CONNECT], k[LG_ERR_TLS], k[LG_ERR_STATUS],
		    k[LG_ERR_TIMEOUT], s->bytes, secs, (double)k[LG_OK] / secs,
		    (double)s->bytes * 8 / 1e6 / secs, lg_hist_pct(s, 0.50),
		    lg_hist_pct(s, 0.99), (double)s->max_us / 1000, s->resumed);
	if (o->pid != 0 && !o->is_idle)
		printf(" server_cpu_s=%.2f rps_per_server_cpu=%.1f", cpu,
		    cpu > 0 ? (double)k[LG_OK] / cpu : 0);
	printf(o->pid != 0 ? " server_rss_kb=%ld\n" : "\n", rss);
}

/*
 * Runs the threads (idle: one, its last slot for the probes), sampling the
 * server's CPU at both ends of the window, RSS at the end (held still open).
 */
static void
lg_go(struct lg_opts *o, struct lg_thread *t)
{
	struct lg_stats		 s = { .bytes = 0 };
	unsigned long long	 ticks0 = 0, ticks = 0;
	long			 rss = 0;
	double			 secs;
	int			 i, j, n = o->threads;

	o->m0_us += lg_now_us();
	o->end_us = o->m0_us + o->dur_us;
	for (i = 0; i < n; i++) {
		t[i].o = o;
		t[i].hold_end_us = INT64_MAX;
		t[i].nconn = o->is_idle ? o->conns + 1 : o->conns / n +
		    (i < o->conns % n);
		t[i].quota = o->is_idle ? (o->max_req < LG_PROBES ? o->max_req :
		    LG_PROBES) : o->max_req / n + (i < o->max_req % n);
		t[i].conns = calloc((size_t)t[i].nconn, sizeof(*t[i].conns));
		t[i].pfd = calloc((size_t)t[i].nconn, sizeof(*t[i].pfd));
		for (j = 0; t[i].conns != NULL && j < t[i].nconn; j++)
			t[i].conns[j].fd = -1;
		if (t[i].conns == NULL || t[i].pfd == NULL ||
		    pthread_create(&t[i].tid, NULL, lg_run, &t[i]) != 0) {
			fprintf(stderr, "loadgen: cannot start a thread\n");
			exit(1);
		}
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &(struct timespec){
	    o->m0_us / 1000000, o->m0_us % 1000000 * 1000 }, NULL);
	if (o->pid != 0)
		lg_tree(o->pid, &ticks0, &rss);
	for (i = 0; i < n; i++)
		pthread_join(t[i].tid, NULL);
	secs = (double)(lg_now_us() - o->m0_us) / 1e6;
	rss = 0;
	if (o->pid != 0)
		lg_tree(o->pid, &ticks, &rss);
	for (i = 0; i < n; i++)
		lg_thread_done(&t[i], &s);
	lg_print(o, &s, secs, (double)(ticks - ticks0) /
	    (double)sysconf(_SC_CLK_TCK), rss);
}

int
main(int argc, char *argv[])
{
	struct lg_opts		 o;
	struct lg_thread	*t;
	struct rlimit		 rl;
	rlim_t			 need;

	lg_options(&o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	/* A descriptor per slot, plus stdio and /proc; as root, any number. */
	need = (rlim_t)o.conns + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need &&
	    (rl.rlim_cur = rl.rlim_max = rl.rlim_max > need ? rl.rlim_max :
	    need) && setrlimit(RLIMIT_NOFILE, &rl) == -1)
		perror("loadgen: cannot raise RLIMIT_NOFILE");
	if ((t = calloc((size_t)o.threads, sizeof(*t))) == NULL ||
	    (o.ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		return 1;
	}
	lg_go(&o, t);
	SSL_CTX_free(o.ctx);
	free(t);
	return 0;
}
