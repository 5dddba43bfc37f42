/*
 * capsuled: flags, the start-up order, then the master loop. main() only
 * wires modules together:
 *   configure -> open roots -> certificates -> libmagic -> bind -> fork.
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "export.h"
#include "priv.h"

/* What the command line says; it overrides the config file. */
struct main_opts {
	const char	*config;	/* --config FILE */
	const char	*host;		/* --host NAME */
	const char	*root;		/* ROOT operand */
	const char	*export_dir;	/* "export DIR": where, or NULL */
	const char	*certs;		/* --certs DIR */
	const char	*lang;		/* --lang TAG */
	const char	*user;		/* --user NAME */
	const char	*chroot_dir;	/* --chroot DIR */
	int		 workers;	/* --workers N, 0 = config/default */
	int		 timeout;	/* --timeout SECONDS, 0 = default */
	struct listen_spec listen[CONFIG_LISTEN_MAX];	/* --gemini... */
	size_t		 nlisten;	/* entries in listen */
	struct proxy_cidr proxy_from[PROXY_FROM_MAX];	/* --proxy-from */
	size_t		 nproxy_from;	/* entries in proxy_from */
	int		 verbose;	/* -v */
	int		 check;		/* --check */
	int		 syslog;	/* --syslog */
};

enum {
	OPT_HOST = 256, OPT_GEMINI, OPT_GOPHER, OPT_CERTS, OPT_WORKERS,
	OPT_LANG, OPT_TIMEOUT, OPT_USER, OPT_CHROOT, OPT_SYSLOG,
	OPT_GEMINI_PROXY, OPT_GOPHER_PROXY, OPT_PROXY_FROM,
};

static const struct option main_longopts[] = {
	{ "config",	required_argument,	NULL,	'c' },
	{ "check",	no_argument,		NULL,	'n' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "host",	required_argument,	NULL,	OPT_HOST },
	{ "gemini",	required_argument,	NULL,	OPT_GEMINI },
	{ "gopher",	required_argument,	NULL,	OPT_GOPHER },
	{ "certs",	required_argument,	NULL,	OPT_CERTS },
	{ "workers",	required_argument,	NULL,	OPT_WORKERS },
	{ "lang",	required_argument,	NULL,	OPT_LANG },
	{ "timeout",	required_argument,	NULL,	OPT_TIMEOUT },
	{ "user",	required_argument,	NULL,	OPT_USER },
	{ "chroot",	required_argument,	NULL,	OPT_CHROOT },
	{ "syslog",	no_argument,		NULL,	OPT_SYSLOG },
	{ "gemini-proxy", required_argument,	NULL,	OPT_GEMINI_PROXY },
	{ "gopher-proxy", required_argument,	NULL,	OPT_GOPHER_PROXY },
	{ "proxy-from",	required_argument,	NULL,	OPT_PROXY_FROM },
	{ NULL,		0,			NULL,	0 },
};

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: capsuled [-hnVv] [-c file] [--host name] "
	    "[--gemini [addr:]port]\n"
	    "                [--gopher [addr:]port] [--certs dir] "
	    "[--workers n]\n"
	    "                [--lang tag] [--timeout seconds] [--user name]\n"
	    "                [--chroot dir] [--syslog] "
	    "[--gemini-proxy [addr:]port]\n"
	    "                [--gopher-proxy [addr:]port] [--proxy-from "
	    "addr[/prefix]]\n"
	    "                [export dir] [root]\n");
}

/* A whole number in [min, max], or -1. */
static int
main_number(const char *s, int min, int max)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return -1;
	return (int)v;
}

static void
main_bad(const char *flag, const char *arg)
{
	fprintf(stderr, "capsuled: bad value for %s: %s\n", flag, arg);
	exit(2);
}

/* --gemini, --gopher and their -proxy forms: one listener more. */
static void
main_listen(struct main_opts *o, int ch, const char *arg)
{
	struct listen_spec	*ls = &o->listen[o->nlisten];
	const char		*flag;

	flag = ch == OPT_GEMINI ? "--gemini" : ch == OPT_GOPHER ? "--gopher" :
	    ch == OPT_GEMINI_PROXY ? "--gemini-proxy" : "--gopher-proxy";
	if (o->nlisten == CONFIG_LISTEN_MAX ||
	    config_parse_listen(arg, ls) == -1)
		main_bad(flag, arg);
	ls->proto = ch == OPT_GEMINI || ch == OPT_GEMINI_PROXY ?
	    PROTO_GEMINI : PROTO_GOPHER;
	ls->is_proxy = ch == OPT_GEMINI_PROXY || ch == OPT_GOPHER_PROXY;
	o->nlisten++;
}

static void
main_option(struct main_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c': o->config = arg; break;
	case 'n': o->check = 1; break;
	case 'v': o->verbose = 1; break;
	case 'h': main_usage(stdout); exit(0);
	case 'V': printf("capsuled %s\n", CAPSULED_VERSION); exit(0);
	case OPT_HOST: o->host = arg; break;
	case OPT_CERTS: o->certs = arg; break;
	case OPT_LANG: o->lang = arg; break;
	case OPT_USER: o->user = arg; break;
	case OPT_CHROOT: o->chroot_dir = arg; break;
	case OPT_SYSLOG: o->syslog = 1; break;
	case OPT_WORKERS:
		if ((o->workers = main_number(arg, 1, SERVER_WORKERS_MAX)) < 0)
			main_bad("--workers", arg);
		break;
	case OPT_TIMEOUT:
		if ((o->timeout = main_number(arg, 1, CONFIG_TIMEOUT_MAX)) < 0)
			main_bad("--timeout", arg);
		break;
	case OPT_GEMINI:
	case OPT_GOPHER:
	case OPT_GEMINI_PROXY:
	case OPT_GOPHER_PROXY:
		main_listen(o, ch, arg);
		break;
	case OPT_PROXY_FROM:
		if (o->nproxy_from == PROXY_FROM_MAX || proxy_cidr_parse(arg,
		    &o->proxy_from[o->nproxy_from++]) == -1)
			main_bad("--proxy-from", arg);
		break;
	case ':':
		fprintf(stderr, "capsuled: %s needs a value (see --help)\n",
		    arg);
		exit(2);
	default:
		fprintf(stderr, "capsuled: unknown option %s (see --help)\n",
		    arg);
		exit(2);
	}
}

/*
 * Copies a host name lower-cased, as the config file stores them; it also
 * names certificate files, so only letters, digits and ". - _ :" pass.
 */
static int
main_host_name(char *dst, size_t dstsz, const char *s)
{
	size_t	 i, len = strlen(s);

	if (len == 0 || len >= dstsz || s[0] == '.')
		return -1;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr(".-_:", s[i]) ==
		    NULL)
			return -1;
		dst[i] = (char)tolower((unsigned char)s[i]);
	}
	dst[len] = '\0';
	return 0;
}

/* Applies --host, ROOT and --lang to the default (first) host. */
static int
main_default_host(struct config *conf, const struct main_opts *o,
    char *err, size_t errsz)
{
	struct vhost	*h = &conf->hosts[0];

	if (conf->nhosts == 0) {
		if (o->root == NULL) {
			snprintf(err, errsz, "no capsule root: give ROOT or a "
			    "config file that declares a host");
			return -1;
		}
		memset(h, 0, sizeof(*h));
		h->root_fd = -1;
		snprintf(h->name, sizeof(h->name), "localhost");
		conf->nhosts = 1;
	}
	if (o->host != NULL && main_host_name(h->name, sizeof(h->name),
	    o->host) == -1) {
		snprintf(err, errsz, "--host: not a host name: %s", o->host);
		return -1;
	}
	if (o->root != NULL)
		snprintf(h->root, sizeof(h->root), "%s", o->root);
	if (o->lang != NULL)
		snprintf(h->lang, sizeof(h->lang), "%s", o->lang);
	return 0;
}

/* Defaults, then the config file, then the command line. */
static int
main_configure(struct config *conf, const void *arg, char *err,
    size_t errsz)
{
	const struct main_opts	*o = arg;

	config_defaults(conf);
	if (o->config != NULL && config_load(conf, o->config, err,
	    errsz) == -1)
		return -1;
	if (o->certs != NULL)
		snprintf(conf->certs_dir, sizeof(conf->certs_dir), "%s",
		    o->certs);
	if (o->user != NULL && snprintf(conf->user, sizeof(conf->user), "%s",
	    o->user) >= (int)sizeof(conf->user))
		return snprintf(err, errsz, "--user: name too long"), -1;
	if (o->chroot_dir != NULL && snprintf(conf->chroot_dir,
	    sizeof(conf->chroot_dir), "%s", o->chroot_dir) >=
	    (int)sizeof(conf->chroot_dir))
		return snprintf(err, errsz, "--chroot: path too long"), -1;
	if (o->workers > 0)
		conf->workers = o->workers;
	if (o->timeout > 0)
		conf->request_timeout = o->timeout;
	if (o->nlisten > 0) {
		memcpy(conf->listen, o->listen, sizeof(o->listen));
		conf->nlisten = o->nlisten;
	}
	if (o->nproxy_from > 0) {
		memcpy(conf->proxy_from, o->proxy_from, sizeof(o->proxy_from));
		conf->nproxy_from = o->nproxy_from;
	}
	if (proxy_config_check(conf, err, errsz) == -1)
		return -1;
	return main_default_host(conf, o, err, errsz);
}

/* Every connection is a descriptor: take all the kernel allows us. */
static void
main_raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --check: the configuration and the roots; prints what is in effect. */
static int
main_check(struct server *srv)
{
	char	 err[512];
	size_t	 i;
	int	 rc = 0;

	config_dump(&srv->conf, stdout);
	if (config_open_roots(&srv->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "capsuled: %s\n", err);
		rc = 1;
	} else if (site_load_all(srv, NULL) == -1)
		rc = 1;
	for (i = 0; srv->conf.hosts[0].root_fd != -1 &&
	    i < srv->conf.nhosts; i++)
		if (lint_site(srv->sites[i], srv->conf.hosts[i].root_fd,
		    srv->conf.hosts[i].root) > 0)
			rc = 1;
	site_free_all(srv);
	for (i = 0; i < srv->conf.nhosts; i++) {
		const struct vhost *h = &srv->conf.hosts[i];

		if (h->cert[0] != '\0' && (access(h->cert, R_OK) == -1 ||
		    access(h->key, R_OK) == -1)) {
			fprintf(stderr, "capsuled: %s: cannot read %s or %s\n",
			    h->name, h->cert, h->key);
			rc = 1;
		}
	}
	config_close_roots(&srv->conf);
	if (rc == 0)
		fprintf(stderr, "capsuled: configuration OK\n");
	return rc;
}

/* "capsuled [options] export DIR [ROOT]": the exit status. */
static int
main_export(struct server *srv, const char *dir)
{
	char	 err[512];
	int	 rc;

	if (config_open_roots(&srv->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "capsuled: %s\n", err);
		return 1;
	}
	rc = site_load_all(srv, NULL) == -1 ? 1 : export_run(srv, dir);
	site_free_all(srv);
	config_close_roots(&srv->conf);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct server		*srv;
	struct main_opts	 o;
	char			 err[512];
	int			 ch;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:hnVv", main_longopts,
	    NULL)) != -1)
		main_option(&o, ch, ch == '?' || ch == ':' ?
		    argv[optind - 1] : optarg);
	if (argc - optind >= 2 && strcmp(argv[optind], "export") == 0) {
		o.export_dir = argv[optind + 1];
		optind += 2;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "capsuled: one ROOT at most (see --help)\n");
		return 2;
	}
	if (argc - optind == 1)
		o.root = argv[optind];
	log_init(o.verbose, NULL);
	/* The server is large (every host's paths): keep it off the stack. */
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		fatal("calloc");
	srv->reconfigure = main_configure;
	srv->reconf_arg = &o;
	if (main_configure(&srv->conf, &o, err, sizeof(err)) == -1 ||
	    priv_check(&srv->conf, err, sizeof(err)) == -1)
		fatalx("capsuled: %s", err);
	if (o.check || o.export_dir != NULL) {
		ch = o.check ? main_check(srv) : main_export(srv, o.export_dir);
		free(srv);
		return ch;
	}
	if (o.syslog)
		log_syslog();
	if (config_open_roots(&srv->conf, err, sizeof(err)) == -1)
		fatalx("capsuled: %s", err);
	/* A malformed data file is logged; the files are still served. */
	(void)site_load_all(srv, NULL);
	site_manifest(srv);
	/* tls_init and master_bind have said what failed, once. */
	if (tls_init(&srv->tls, &srv->conf, 1) == -1 ||
	    master_bind(srv) == -1) {
		tls_free(&srv->tls);
		site_free_all(srv);
		config_close_roots(&srv->conf);
		free(srv);
		return 1;
	}
	main_raise_nofile();
	srv->magic = mime_open();
	priv_announce(&srv->conf, NULL);
	return master_run(srv);
}
