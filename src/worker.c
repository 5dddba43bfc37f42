/*
 * A worker process: one libevent loop accepting on every listener it
 * inherited from the master. Workers share nothing at run time; SIGTERM
 * makes one stop accepting, finish its connections and exit.
 */
#include <sys/types.h>
#include <sys/prctl.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "capsuled.h"
#include "limit.h"
#include "priv.h"

/* Connections accepted per readiness event before others get a turn. */
#define WORKER_ACCEPTS_PER_EVENT	32
/* Pause after EMFILE before accepting again: never spin on it. */
#define WORKER_EMFILE_PAUSE_SEC		1

static void
worker_listen(struct worker *w, int on)
{
	struct server	*srv = w->srv;
	size_t		 i;

	for (i = 0; i < srv->nlisteners; i++) {
		if (on)
			event_add(srv->listeners[i].ev, NULL);
		else
			event_del(srv->listeners[i].ev);
	}
}

static void
worker_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	w->is_paused = 0;
	if (!w->is_draining && !w->is_full)
		worker_listen(w, 1);
}

/*
 * At its share of max-connections a worker stops listening rather than
 * accept and close: the other workers, or the kernel's backlog, take the
 * next clients. 1 if it is full now.
 */
static int
worker_full(struct worker *w)
{
	unsigned long	 quiet;

	if (w->is_full || w->nconns < limit_share(&w->srv->conf))
		return w->is_full;
	if (w->srv->limit == NULL || limit_may_log(w->srv->limit, limit_now(),
	    &quiet))
		log_warnx("max-connections: this worker holds its share "
		    "(%zu); not accepting", w->nconns);
	w->is_full = 1;
	worker_listen(w, 0);
	return 1;
}

static void
worker_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;
	struct worker	*w = l->w;
	struct timeval	 tv = { WORKER_EMFILE_PAUSE_SEC, 0 };
	int		 i, r;

	for (i = 0; i < WORKER_ACCEPTS_PER_EVENT; i++) {
		r = conn_accept(w, l);
		if (r == 1 && worker_full(w))
			break;
		if (r == 1)
			continue;
		if (r == -1 && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)) {
			log_warn("accept on %s: pausing", l->name);
			w->is_paused = 1;
			worker_listen(w, 0);
			evtimer_add(w->resume, &tv);
		} else if (r == -1)
			log_warn("accept on %s", l->name);
		break;
	}
}

void
worker_conn_done(struct worker *w)
{
	if (w->is_draining && w->nconns == 0)
		event_base_loopbreak(w->base);
	if (w->is_full && w->nconns < limit_share(&w->srv->conf)) {
		w->is_full = 0;
		if (!w->is_draining && !w->is_paused)
			worker_listen(w, 1);
	}
}

static void
worker_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct worker	*w = arg;

	if (w->is_draining)
		return;
	log_debug("draining %zu connections", w->nconns);
	w->is_draining = 1;
	/* No limit on the whole drain: a long download in flight when a
	 * reload retires us must end whole. Each connection keeps its
	 * deadlines, so a stalled client still goes after write-timeout;
	 * on SIGTERM the master bounds the wait. */
	worker_listen(w, 0);
	if (w->nconns == 0)
		event_base_loopbreak(w->base);
}

static int
worker_setup(struct worker *w, struct server *srv)
{
	struct listener	*l;
	size_t		 i;

	memset(w, 0, sizeof(*w));
	w->srv = srv;
	if ((w->base = event_base_new()) == NULL)
		return -1;
	for (i = 0; i < srv->nlisteners; i++) {
		l = &srv->listeners[i];
		l->w = w;
		l->ev = event_new(w->base, l->fd, EV_READ | EV_PERSIST,
		    worker_accept_cb, l);
		if (l->ev == NULL)
			return -1;
	}
	w->sigterm = evsignal_new(w->base, SIGTERM, worker_signal_cb, w);
	w->sigint = evsignal_new(w->base, SIGINT, worker_signal_cb, w);
	w->resume = evtimer_new(w->base, worker_resume_cb, w);
	if (w->sigterm == NULL || w->sigint == NULL || w->resume == NULL ||
	    event_add(w->sigterm, NULL) == -1 ||
	    event_add(w->sigint, NULL) == -1)
		return -1;
	worker_listen(w, 1);
	return 0;
}

static void
worker_teardown(struct worker *w)
{
	struct server	*srv = w->srv;
	size_t		 i;

	conn_close_all(w);
	cache_free(&w->cache);
	for (i = 0; i < srv->nlisteners; i++)
		if (srv->listeners[i].ev != NULL)
			event_free(srv->listeners[i].ev);
	if (w->sigterm != NULL)
		event_free(w->sigterm);
	if (w->sigint != NULL)
		event_free(w->sigint);
	if (w->resume != NULL)
		event_free(w->resume);
	if (w->base != NULL)
		event_base_free(w->base);
}

int
worker_run(struct server *srv)
{
	struct worker	 w;
	sigset_t	 none;
	int		 rc = 0;

#ifdef __linux__
	/* Never outlive the master, even when it is killed outright. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	/* Sandboxed once set up, before the first accept. */
	if (worker_setup(&w, srv) == -1 || priv_drop(&srv->conf) == -1) {
		log_warnx("worker set-up failed");
		rc = 1;
	} else {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (event_base_dispatch(w.base) == -1)
			rc = 1;
	}
	worker_teardown(&w);
	return rc;
}
