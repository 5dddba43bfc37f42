/*
 * The master process: binds the listeners, forks the workers and keeps
 * them running. It never touches a client. Signals only set flags here;
 * the loop acts on them between sigsuspend() calls.
 *   SIGCHLD  a worker died: restart it (unless it was retiring)
 *   SIGHUP   re-read config and certificates, start new workers, retire
 *            the old ones gracefully (the listeners stay open throughout)
 *   SIGTERM  retire every worker, wait for them, exit 0
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capsuled.h"
#include "limit.h"
#include "priv.h"

/* listen(2) backlog: room for a burst of handshakes. */
#define MASTER_BACKLOG		1024
/* Retiring workers tracked at once (a few reloads in a row). */
#define MASTER_RETIRING_MAX	(SERVER_WORKERS_MAX * 4)
/* How often the master looks for a changed capsule tree. */
#define MASTER_WATCH_SEC	2
/* A worker restarted sooner than this after its start waits this long:
 * a crash loop must not become a fork bomb. */
#define MASTER_RESTART_SEC	1

/* Signal flags: the only file-scope state the style allows. */
static volatile sig_atomic_t master_got_chld;
static volatile sig_atomic_t master_got_hup;
static volatile sig_atomic_t master_got_term;
static volatile sig_atomic_t master_got_alrm;

/* The master's bookkeeping of its children. */
struct master {
	struct server	*srv;			/* current configuration */
	pid_t		 pids[SERVER_WORKERS_MAX];	/* live workers */
	time_t		 started[SERVER_WORKERS_MAX];	/* their start */
	int		 nworkers;		/* slots in use */
	pid_t		 retiring[MASTER_RETIRING_MAX];	/* draining ones */
	struct limit	 limit;			/* per-address counts, one
						   row per worker process */
};

static void
master_sig(int sig)
{
	if (sig == SIGCHLD)
		master_got_chld = 1;
	else if (sig == SIGALRM)
		master_got_alrm = 1;
	else if (sig == SIGHUP)
		master_got_hup = 1;
	else
		master_got_term = 1;
}

/* Binds one resolved address; -1 with a message on failure. */
static int
master_bind_one(struct server *srv, const struct listen_spec *ls,
    const struct addrinfo *ai)
{
	struct listener	*l;
	char		 host[NI_MAXHOST];
	int		 fd, on = 1;

	if (srv->nlisteners == SERVER_LISTENERS_MAX)
		fatalx("too many listening addresses");
	l = &srv->listeners[srv->nlisteners];
	getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST);
	snprintf(l->name, sizeof(l->name), ai->ai_family == AF_INET6 ?
	    "[%.60s]:%d" : "%.60s:%d", host, ls->port);
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, MASTER_BACKLOG) == -1) {
		close(fd);
		return -1;
	}
	l->fd = fd;
	l->proto = ls->proto;
	l->port = ls->port;
	l->is_proxy = ls->is_proxy;
	srv->nlisteners++;
	log_info("listening: %s://%s:%d/ (%s)", ls->proto == PROTO_GEMINI ?
	    "gemini" : "gopher", srv->conf.hosts[0].name, ls->port, l->name);
	return 0;
}

/* Resolves and binds one listen spec; "" binds every v4 and v6 address. */
static int
master_bind_spec(struct server *srv, const struct listen_spec *ls)
{
	struct addrinfo	 hints, *res, *ai;
	char		 port[8];
	int		 err, bound = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", ls->port);
	err = getaddrinfo(ls->addr[0] == '\0' ? NULL : ls->addr, port, &hints,
	    &res);
	if (err != 0) {
		log_warnx("listen %s:%d: %s", ls->addr, ls->port,
		    gai_strerror(err));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (master_bind_one(srv, ls, ai) == 0) {
			bound++;
			continue;
		}
		/* An address family the host lacks is skipped, not fatal. */
		if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)
			continue;
		log_warnx("cannot listen on %s: %s%s",
		    srv->listeners[srv->nlisteners].name, strerror(errno),
		    errno == EADDRINUSE ? " (port in use)" : "");
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	if (bound == 0)
		log_warnx("listen %s:%d: no usable address", ls->addr,
		    ls->port);
	return bound == 0 ? -1 : 0;
}

int
master_bind(struct server *srv)
{
	struct listen_spec	 def;
	size_t			 i;

	if (srv->conf.nlisten == 0) {
		/* Every address: Gemini on 1965, Gopher on 70 as root (RFC
		 * 1436) and on 7070 otherwise. */
		memset(&def, 0, sizeof(def));
		def.proto = PROTO_GEMINI;
		def.port = GEMINI_PORT;
		if (master_bind_spec(srv, &def) == -1)
			return -1;
		def.proto = PROTO_GOPHER;
		def.port = geteuid() == 0 ? GOPHER_PORT : GOPHER_PORT_USER;
		return master_bind_spec(srv, &def);
	}
	for (i = 0; i < srv->conf.nlisten; i++)
		if (master_bind_spec(srv, &srv->conf.listen[i]) == -1)
			return -1;
	return 0;
}

/* Forks the worker of slot i. */
static void
master_spawn(struct master *m, int i)
{
	pid_t	 pid;
	int	 row;

	if (m->started[i] != 0 && time(NULL) - m->started[i] <
	    MASTER_RESTART_SEC)
		sleep(MASTER_RESTART_SEC);
	/* Workers inherit libmagic; the master holds it only to fork. */
	if (m->srv->magic == NULL)
		m->srv->magic = mime_open();
	if ((row = limit_claim(&m->limit)) == -1 && m->limit.nrows > 0)
		log_warnx("no free row: a worker not counted per address");
	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		m->pids[i] = -1;
		return;
	case 0:
		log_set_procname("worker");
		m->limit.row = row;
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		/* exit(), not _exit(): the leak checker runs at exit. */
		exit(worker_run(m->srv));
	default:
		m->pids[i] = pid;
		m->started[i] = time(NULL);
		limit_own(&m->limit, row, pid);
	}
}

/*
 * After forking, the master lets go of libmagic: its parsed database is
 * megabytes the master never uses, and it is loaded again, freshly, for
 * the next worker (a restart or a reload).
 */
static void
master_trim(struct master *m)
{
	mime_close(m->srv->magic);
	m->srv->magic = NULL;
}

static void
master_retire(struct master *m, pid_t pid)
{
	int	 i;

	kill(pid, SIGTERM);
	for (i = 0; i < MASTER_RETIRING_MAX; i++)
		if (m->retiring[i] == 0) {
			m->retiring[i] = pid;
			return;
		}
}

/* Reaps every exited child; restarts live slots unless shutting down. */
static void
master_reap(struct master *m, int restart)
{
	pid_t	 pid;
	int	 i, status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		limit_release(&m->limit, pid);
		for (i = 0; i < MASTER_RETIRING_MAX; i++)
			if (m->retiring[i] == pid)
				m->retiring[i] = 0;
		for (i = 0; i < m->nworkers; i++) {
			if (m->pids[i] != pid)
				continue;
			m->pids[i] = -1;
			if (!restart)
				break;
			if (WIFSIGNALED(status))
				log_warnx("worker %d killed by signal %d; "
				    "restarting", (int)pid, WTERMSIG(status));
			else
				log_warnx("worker %d exited with %d; "
				    "restarting", (int)pid, WEXITSTATUS(status));
			master_spawn(m, i);
		}
	}
	master_trim(m);
}

/* Points the routing names at this copy's host names. */
static void
master_names(struct server *srv)
{
	size_t	 i;

	for (i = 0; i < srv->conf.nhosts; i++)
		srv->names[i] = srv->conf.hosts[i].name;
}

static void
master_free(struct server *srv)
{
	config_close_roots(&srv->conf);
	tls_free(&srv->tls);
	mime_close(srv->magic);
	site_free_all(srv);
	free(srv);
}

/* SIGHUP: a new configuration for new workers; old ones drain. */
static void
master_reload(struct master *m)
{
	struct server	*old = m->srv, *srv;
	char		 err[512] = "cannot load the certificates";
	int		 i;

	if ((srv = malloc(sizeof(*srv))) == NULL) {
		log_warn("reload");
		return;
	}
	memcpy(srv, old, sizeof(*srv));
	memset(&srv->tls, 0, sizeof(srv->tls));
	memset(srv->sites, 0, sizeof(srv->sites));
	if (old->reconfigure(&srv->conf, old->reconf_arg, err,
	    sizeof(err)) == -1 || priv_check(&srv->conf, err,
	    sizeof(err)) == -1 || config_open_roots(&srv->conf, err,
	    sizeof(err)) == -1 || tls_init(&srv->tls, &srv->conf, 1) == -1) {
		log_warnx("reload failed: %s; keeping the running "
		    "configuration", err);
		config_close_roots(&srv->conf);
		free(srv);
		return;
	}
	tls_ticket_keep(&srv->tls, &old->tls);
	(void)site_load_all(srv, old);
	site_manifest(srv);
	if (srv->conf.nlisten != old->conf.nlisten || memcmp(srv->conf.listen,
	    old->conf.listen, sizeof(srv->conf.listen)) != 0)
		log_warnx("listen addresses change only on restart");
	srv->conf.nlisten = old->conf.nlisten;
	memcpy(srv->conf.listen, old->conf.listen, sizeof(srv->conf.listen));
	master_names(srv);
	priv_announce(&srv->conf, &old->conf);
	m->srv = srv;
	/* Before the fork: new workers must not inherit the old roots'
	 * descriptors, nor a copy of the old sites and TLS contexts. */
	old->magic = NULL;	/* now the new server's */
	master_free(old);
	/* The listeners stay open: old workers drain, new ones accept. */
	for (i = 0; i < m->nworkers; i++) {
		if (m->pids[i] > 0)
			master_retire(m, m->pids[i]);
		m->started[i] = 0;
		master_spawn(m, i);
	}
	master_trim(m);
	log_info("reloaded: %d workers", m->nworkers);
}

static void
master_signals(sigset_t *saved)
{
	struct sigaction sa;
	sigset_t	 block;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, saved);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = master_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * 1 if a host's tree changed since its site was built or last looked at.
 * The new stamp is kept at once: a reload that then fails (a bad config)
 * is retried on the next change or SIGHUP, not at every look.
 */
static int
master_changed(struct server *srv)
{
	uint64_t	 stamp;
	size_t		 i;
	int		 is_changed = 0;

	for (i = 0; i < srv->conf.nhosts; i++) {
		stamp = site_stamp(srv->conf.hosts[i].root_fd);
		if (stamp == srv->stamps[i])
			continue;
		srv->stamps[i] = stamp;
		log_info("%s changed: reloading", srv->conf.hosts[i].root);
		is_changed = 1;
	}
	return is_changed;
}

/* A child was reaped: forget its PID, which the system may reuse. */
static void
master_forget(struct master *m, pid_t pid)
{
	int	 i;

	for (i = 0; i < m->nworkers; i++)
		if (m->pids[i] == pid)
			m->pids[i] = -1;
	for (i = 0; i < MASTER_RETIRING_MAX; i++)
		if (m->retiring[i] == pid)
			m->retiring[i] = 0;
}

/*
 * SIGTERM: every worker drains. Those still busy after the longest a
 * request may take to arrive and stall (timeout plus write-timeout) are
 * killed, so that a slow download cannot hold a shutdown.
 */
static void
master_shutdown(struct master *m)
{
	struct timespec	 tick = { 0, 100 * 1000 * 1000 };
	time_t		 end;
	pid_t		 pid;
	int		 i;

	log_info("shutting down");
	for (i = 0; i < m->nworkers; i++)
		if (m->pids[i] > 0)
			kill(m->pids[i], SIGTERM);
	end = time(NULL) + m->srv->conf.request_timeout +
	    m->srv->conf.write_timeout;
	for (;;) {
		if ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
			master_forget(m, pid);
			continue;
		}
		if (pid == -1 || time(NULL) >= end)
			break;
		nanosleep(&tick, NULL);
	}
	if (pid == 0) {
		log_warnx("workers still busy after %lld s: stopping them",
		    (long long)(m->srv->conf.request_timeout +
		    m->srv->conf.write_timeout));
		for (i = 0; i < m->nworkers; i++)
			if (m->pids[i] > 0)
				kill(m->pids[i], SIGKILL);
		for (i = 0; i < MASTER_RETIRING_MAX; i++)
			if (m->retiring[i] > 0)
				kill(m->retiring[i], SIGKILL);
	}
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

int
master_run(struct server *init)
{
	struct master	 m;
	sigset_t	 saved;
	int		 i;

	memset(&m, 0, sizeof(m));
	m.srv = init;	/* ours from now on: master_free() releases it */
	master_names(m.srv);
	master_signals(&saved);
	m.nworkers = m.srv->conf.workers;
	/* Kept across reloads: the worker count never changes. */
	if (limit_init(&m.limit, (size_t)m.nworkers * LIMIT_GENERATIONS) == 0)
		m.srv->limit = &m.limit;
	else
		log_warn("per-address limits off: cannot map their table");
	for (i = 0; i < m.nworkers; i++)
		master_spawn(&m, i);
	master_trim(&m);
	log_info("ready: %d workers", m.nworkers);
	alarm(MASTER_WATCH_SEC);
	while (!master_got_term) {
		sigsuspend(&saved);
		if (master_got_chld) {
			master_got_chld = 0;
			master_reap(&m, !master_got_term);
		}
		if (master_got_alrm) {
			master_got_alrm = 0;
			/* Workers forked from now on start from today's
			 * ticket key, and the master forgets old ones. */
			tls_ticket_advance(&m.srv->tls, time(NULL));
			if (master_changed(m.srv))
				master_got_hup = 1;
			alarm(MASTER_WATCH_SEC);
		}
		if (master_got_hup && !master_got_term) {
			master_got_hup = 0;
			master_reload(&m);
		}
	}
	master_shutdown(&m);
	master_free(m.srv);
	limit_free(&m.limit);
	return 0;
}
