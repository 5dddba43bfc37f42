/*
 * The configuration: built-in defaults and the capsuled.conf(5) text read
 * through a table of directives. Parsing is pure (config_parse takes a
 * buffer) so the unit tests and the fuzzer call it without files; reading
 * the file, the dump and the roots are in config_io.c.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"

/* Built-in defaults; capsuled.conf(5) documents each. */
#define CONFIG_CERTS_DIR	"certs"
#define CONFIG_REQUEST_TIMEOUT	10
#define CONFIG_WRITE_TIMEOUT	30
#define CONFIG_MAX_CONNS	16384
#define CONFIG_USER		"nobody"
#define CONFIG_MAX_PER_IP	64
#define CONFIG_RATE_PER_IP	100
/* Seconds each session-ticket key issues tickets (then accepts them for
 * as long again). */
#define CONFIG_TICKET_LIFETIME	3600
/* Words kept per line: a directive and its arguments ("host NAME {"). */
#define CONFIG_WORDS_MAX	4
/* Longest word: a path. */
#define CONFIG_WORD_MAX		PATH_MAX
/* TCP ports are 16-bit; port 0 means "any" to bind(2) and is refused. */
#define CONFIG_PORT_MAX		65535
#define CONFIG_PORT_DIGITS	5

/* Where a directive may appear. */
enum config_scope {
	CONFIG_GLOBAL = 0,	/* outside any block */
	CONFIG_HOST,		/* inside host NAME { ... } */
};

/* One word of a line, unquoted and unescaped. */
struct config_word {
	char	 s[CONFIG_WORD_MAX];	/* the word, NUL-terminated */
	size_t	 len;			/* bytes in s */
	int	 is_quoted;		/* it was a "string" */
};

/* One line cut into words. */
struct config_line {
	/* The first words; later ones are read into the last, unused one. */
	struct config_word w[CONFIG_WORDS_MAX];
	size_t	 n;			/* words on the line, all counted */
};

/* The parser's position and where its result goes. */
struct config_parser {
	struct config	*conf;		/* being filled */
	const char	*name;		/* file name for messages */
	size_t		 lineno;	/* current line, from 1 */
	struct vhost	*host;		/* open host block, or NULL */
	size_t		 host_line;	/* line of the open block's "host" */
	uint32_t	 seen_global;	/* directives given, by table index */
	uint32_t	 seen_host;	/* same, in the open host block */
	char		*err;		/* message buffer */
	size_t		 errsz;		/* bytes of err */
	struct config_line line;	/* the current line */
};

void
config_defaults(struct config *conf)
{
	long	 ncpu;
	size_t	 i;

	memset(conf, 0, sizeof(*conf));
	snprintf(conf->certs_dir, sizeof(conf->certs_dir), "%s",
	    CONFIG_CERTS_DIR);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	conf->workers = ncpu < 1 ? 1 : ncpu > SERVER_WORKERS_MAX ?
	    SERVER_WORKERS_MAX : (int)ncpu;
	conf->request_timeout = CONFIG_REQUEST_TIMEOUT;
	conf->write_timeout = CONFIG_WRITE_TIMEOUT;
	conf->max_conns = CONFIG_MAX_CONNS;
	conf->max_per_ip = CONFIG_MAX_PER_IP;
	conf->rate_per_ip = CONFIG_RATE_PER_IP;
	conf->gopher_tls = 1;
	conf->ticket_lifetime = CONFIG_TICKET_LIFETIME;
	snprintf(conf->user, sizeof(conf->user), "%s", CONFIG_USER);
	for (i = 0; i < CONFIG_HOSTS_MAX; i++)
		conf->hosts[i].root_fd = -1;
}

/* Writes "name:line: why" to the parser's err; returns -1. */
static int __attribute__((format(printf, 2, 3)))
config_error(struct config_parser *p, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(p->err, p->errsz, "%s:%zu: ", p->name, p->lineno);
	if (n < 0 || (size_t)n >= p->errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * One word at s[*ip]: a bare word, or a "string" whose only escapes are
 * \" and \\. Words hold no control characters (a string may hold TAB),
 * so config_dump can write back whatever was read.
 */
static int
config_word(struct config_parser *p, const char *s, size_t len,
    size_t *ip, struct config_word *w)
{
	size_t	 i = *ip;
	int	 c, is_quoted = s[i] == '"';

	for (i += (size_t)is_quoted; i < len; i++) {
		c = (unsigned char)s[i];
		if (is_quoted && c == '"')
			break;
		if (!is_quoted && strchr(" \t\r#\"{}", c) != NULL)
			break;
		if (is_quoted && c == '\\') {
			c = i + 1 < len ? (unsigned char)s[++i] : 0;
			if (c != '"' && c != '\\')
				return config_error(p, "bad escape in string "
				    "(only \\\" and \\\\)");
		} else if ((c < 0x20 && (c != '\t' || !is_quoted)) || c == 0x7f)
			return config_error(p, "control character");
		if (w->len + 1 == sizeof(w->s))
			return config_error(p, "word too long");
		w->s[w->len++] = (char)c;
	}
	if (is_quoted && i++ == len)
		return config_error(p, "unterminated string");
	w->s[w->len] = '\0';
	w->is_quoted = is_quoted;
	*ip = i;
	return 0;
}

/* Cuts one line (no '\n') into words; '#' starts a comment. */
static int
config_split(struct config_parser *p, const char *s, size_t len)
{
	struct config_line	*l = &p->line;
	struct config_word	*w;
	size_t			 i = 0;

	l->n = 0;
	if (memchr(s, '\0', len) != NULL)
		return config_error(p, "NUL byte");
	for (;;) {
		while (i < len && strchr(" \t\r", s[i]) != NULL)
			i++;
		if (i == len || s[i] == '#')
			return 0;
		w = &l->w[l->n < CONFIG_WORDS_MAX ? l->n :
		    CONFIG_WORDS_MAX - 1];
		w->len = 0;
		w->is_quoted = 0;
		l->n++;
		if (s[i] == '{' || s[i] == '}') {
			w->s[w->len++] = s[i++];
			w->s[w->len] = '\0';
		} else if (config_word(p, s, len, &i, w) == -1)
			return -1;
	}
}

/* 1 if w is an unquoted '{' or '}'. */
static int
config_is_brace(const struct config_word *w)
{
	return !w->is_quoted && w->len == 1 &&
	    (w->s[0] == '{' || w->s[0] == '}');
}

/* A directive: its name, where it goes, its arguments, its handler. */
struct config_directive {
	const char	*name;		/* first word of the line */
	enum config_scope scope;	/* where it is allowed */
	int		 nargs;		/* exact number of arguments */
	int		 is_repeatable;	/* may be given more than once */
	int		 is_block;	/* opens a block: last argument '{' */
	int		(*handler)(struct config_parser *,
			    const struct config_directive *);	/* applies it */
	size_t		 off;		/* field in struct config or vhost */
	size_t		 size;		/* bytes of that field (strings) */
	int		 max;		/* largest value (numbers, from 1) */
	int		 nopt;		/* optional arguments after nargs */
};

/* Checks a line against its directive's rules before the handler runs. */
static int
config_check(struct config_parser *p, const struct config_directive *d,
    size_t idx)
{
	const struct config_line *l = &p->line;
	uint32_t		*seen;
	size_t			 i;

	if ((d->scope == CONFIG_HOST) != (p->host != NULL))
		return config_error(p, "'%s' is %s", d->name, p->host == NULL ?
		    "only allowed in a host block" :
		    "not allowed in a host block (is a '}' missing?)");
	if (d->nopt > 0 && (l->n - 1 < (size_t)d->nargs ||
	    l->n - 1 > (size_t)(d->nargs + d->nopt)))
		return config_error(p, "'%s' takes %d to %d arguments, not %zu",
		    d->name, d->nargs, d->nargs + d->nopt, l->n - 1);
	if (d->nopt == 0 && l->n - 1 != (size_t)d->nargs)
		return config_error(p, "'%s' takes %d argument%s, not %zu",
		    d->name, d->nargs, d->nargs == 1 ? "" : "s", l->n - 1);
	for (i = 1; i < l->n; i++) {
		if (d->is_block && i == l->n - 1) {
			if (!config_is_brace(&l->w[i]) || l->w[i].s[0] != '{')
				return config_error(p, "'%s %.64s' must be "
				    "followed by '{'", d->name, l->w[1].s);
		} else if (config_is_brace(&l->w[i]))
			return config_error(p, "unexpected '%s'", l->w[i].s);
		else if (l->w[i].len == 0)
			return config_error(p, "'%s': empty argument",
			    d->name);
	}
	seen = p->host != NULL ? &p->seen_host : &p->seen_global;
	if (!d->is_repeatable && (*seen & (UINT32_C(1) << idx)))
		return config_error(p, "'%s' given twice", d->name);
	*seen |= UINT32_C(1) << idx;
	return 0;
}

/* The field a directive sets: in the open host, or in the config. */
static void *
config_field(struct config_parser *p, const struct config_directive *d)
{
	return (d->scope == CONFIG_HOST ? (char *)p->host : (char *)p->conf) +
	    d->off;
}

/* A decimal number from min to d->max. */
static int
config_number(struct config_parser *p, const struct config_directive *d,
    long min)
{
	const char	*s = p->line.w[1].s;
	long		 n = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (*s - '0')) > d->max)
			break;
	if (*s != '\0' || s == p->line.w[1].s || n < min || n > d->max)
		return config_error(p, "'%s': bad number '%.32s' (want %ld to "
		    "%d)", d->name, p->line.w[1].s, min, d->max);
	*(int *)config_field(p, d) = (int)n;
	return 0;
}

/* A number from 1 to d->max. */
static int
config_int(struct config_parser *p, const struct config_directive *d)
{
	return config_number(p, d, 1);
}

/* A limit from 0 (none) to d->max. */
static int
config_limit(struct config_parser *p, const struct config_directive *d)
{
	return config_number(p, d, 0);
}

/* A string that must fit its field. */
static int
config_str(struct config_parser *p, const struct config_directive *d)
{
	const struct config_word *w = &p->line.w[1];

	if (w->len >= d->size)
		return config_error(p, "'%s': value too long (at most %zu "
		    "bytes)", d->name, d->size - 1);
	memcpy(config_field(p, d), w->s, w->len + 1);
	return 0;
}

/* "lang TAG": a BCP 47 tag, loosely: letters, digits and '-'. */
static int
config_lang(struct config_parser *p, const struct config_directive *d)
{
	const char	*s;

	for (s = p->line.w[1].s; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return config_error(p, "'%s': bad language tag "
			    "'%.64s' (letters, digits and '-')", d->name,
			    p->line.w[1].s);
	return config_str(p, d);
}

/* "gemini" and "gopher": one more listen address, maybe behind a proxy. */
static int
config_listen(struct config_parser *p, const struct config_directive *d)
{
	struct config		*conf = p->conf;
	struct listen_spec	*ls;

	if (conf->nlisten == CONFIG_LISTEN_MAX)
		return config_error(p, "more than %d listen addresses",
		    CONFIG_LISTEN_MAX);
	ls = &conf->listen[conf->nlisten];
	if (config_parse_listen(p->line.w[1].s, ls) == -1)
		return config_error(p, "'%s': bad address '%.64s' (want "
		    "[ADDR:]PORT)", d->name, p->line.w[1].s);
	ls->proto = strcmp(d->name, "gopher") == 0 ? PROTO_GOPHER :
	    PROTO_GEMINI;
	if (p->line.n == 3 && strcmp(p->line.w[2].s, "proxy-protocol") != 0)
		return config_error(p, "'%s': unknown option '%.64s' (want "
		    "proxy-protocol)", d->name, p->line.w[2].s);
	ls->is_proxy = p->line.n == 3;
	conf->nlisten++;
	return 0;
}

/* "proxy-from ADDR[/PREFIX]": a peer trusted to send a PROXY header. */
static int
config_proxy_from(struct config_parser *p, const struct config_directive *d)
{
	struct config	*conf = p->conf;

	if (conf->nproxy_from == PROXY_FROM_MAX)
		return config_error(p, "more than %d '%s' networks",
		    PROXY_FROM_MAX, d->name);
	if (proxy_cidr_parse(p->line.w[1].s,
	    &conf->proxy_from[conf->nproxy_from]) == -1)
		return config_error(p, "'%s': bad network '%.64s' (want "
		    "ADDR[/PREFIX], host bits zero)", d->name, p->line.w[1].s);
	conf->nproxy_from++;
	return 0;
}

/*
 * "host NAME {": opens a block. The name also names certificate files:
 * letters, digits, '.', '-', '_' and ':' (IPv6), not starting with '.'.
 */
static int
config_host(struct config_parser *p, const struct config_directive *d)
{
	struct config	*conf = p->conf;
	const char	*arg = p->line.w[1].s;
	char		 name[NAME_MAX_DNS + 1];
	size_t		 i;

	for (i = 0; arg[i] != '\0' && i < NAME_MAX_DNS; i++) {
		if (!isalnum((unsigned char)arg[i]) &&
		    (strchr(".-_:", arg[i]) == NULL || arg[0] == '.'))
			break;
		name[i] = (char)tolower((unsigned char)arg[i]);
	}
	if (arg[i] != '\0')
		return config_error(p, "bad host name '%.64s'", arg);
	name[i] = '\0';
	(void)d;
	for (i = 0; i < conf->nhosts; i++)
		if (strcmp(conf->hosts[i].name, name) == 0)
			return config_error(p, "duplicate host '%s'", name);
	if (conf->nhosts == CONFIG_HOSTS_MAX)
		return config_error(p, "more than %d hosts", CONFIG_HOSTS_MAX);
	p->host = &conf->hosts[conf->nhosts];
	memset(p->host, 0, sizeof(*p->host));
	p->host->root_fd = -1;
	memcpy(p->host->name, name, strlen(name) + 1);
	p->host_line = p->lineno;
	p->seen_host = 0;
	return 0;
}

/* "}": closes the block once it is complete. */
static int
config_host_end(struct config_parser *p, const struct config_directive *d)
{
	struct vhost	*h = p->host;

	(void)d;
	if (h->root[0] == '\0' || (h->cert[0] == '\0') != (h->key[0] == '\0')) {
		/* The block's mistakes are reported at its "host" line. */
		p->lineno = p->host_line;
		return config_error(p, h->root[0] == '\0' ?
		    "host '%s' has no root" :
		    "host '%s': give cert and key together or neither",
		    h->name);
	}
	p->conf->nhosts++;
	p->host = NULL;
	return 0;
}

#define CONFIG_INT(name, field, max)					\
	{ name, CONFIG_GLOBAL, 1, 0, 0, config_int,			\
	    offsetof(struct config, field), 0, max, 0 }
#define CONFIG_LIMIT(name, field, max)					\
	{ name, CONFIG_GLOBAL, 1, 0, 0, config_limit,			\
	    offsetof(struct config, field), 0, max, 0 }
#define CONFIG_STR(name, scope, type, field, handler)			\
	{ name, scope, 1, 0, 0, handler, offsetof(type, field),		\
	    sizeof(((type *)NULL)->field), 0, 0 }
#define CONFIG_HOST_STR(name, field, handler)				\
	CONFIG_STR(name, CONFIG_HOST, struct vhost, field, handler)

/* Every directive; the index is its bit in seen_global or seen_host. */
static const struct config_directive config_directives[] = {
	CONFIG_HOST_STR("cert", cert, config_str),
	CONFIG_STR("certs", CONFIG_GLOBAL, struct config, certs_dir,
	    config_str),
	CONFIG_STR("chroot", CONFIG_GLOBAL, struct config, chroot_dir,
	    config_str),
	{ "gemini", CONFIG_GLOBAL, 1, 1, 0, config_listen, 0, 0, 0, 1 },
	{ "gopher", CONFIG_GLOBAL, 1, 1, 0, config_listen, 0, 0, 0, 1 },
	{ "host", CONFIG_GLOBAL, 2, 1, 1, config_host, 0, 0, 0, 0 },
	CONFIG_INT("gopher-port", gopher_port, CONFIG_PORT_MAX),
	CONFIG_HOST_STR("key", key, config_str),
	CONFIG_HOST_STR("lang", lang, config_lang),
	CONFIG_INT("max-connections", max_conns, CONFIG_CONNS_MAX),
	CONFIG_LIMIT("gopher-tls", gopher_tls, 1),
	CONFIG_LIMIT("max-per-ip", max_per_ip, CONFIG_CONNS_MAX),
	{ "proxy-from", CONFIG_GLOBAL, 1, 1, 0, config_proxy_from, 0, 0, 0,
	    0 },
	CONFIG_LIMIT("rate-per-ip", rate_per_ip, CONFIG_CONNS_MAX),
	CONFIG_HOST_STR("root", root, config_str),
	CONFIG_LIMIT("ticket-lifetime", ticket_lifetime, CONFIG_TICKET_MAX),
	CONFIG_INT("timeout", request_timeout, CONFIG_TIMEOUT_MAX),
	CONFIG_STR("user", CONFIG_GLOBAL, struct config, user, config_str),
	CONFIG_INT("workers", workers, SERVER_WORKERS_MAX),
	CONFIG_INT("write-timeout", write_timeout, CONFIG_TIMEOUT_MAX),
	{ "}", CONFIG_HOST, 0, 1, 0, config_host_end, 0, 0, 0, 0 },
};

#define CONFIG_NDIRECTIVES \
	(sizeof(config_directives) / sizeof(config_directives[0]))

/* Finds the line's directive in the table and runs it. */
static int
config_dispatch(struct config_parser *p)
{
	const struct config_directive	*d;
	const struct config_word	*w = &p->line.w[0];
	size_t				 i;

	for (i = 0; i < CONFIG_NDIRECTIVES; i++)
		if (strcmp(config_directives[i].name, w->s) == 0)
			break;
	if (i == CONFIG_NDIRECTIVES || w->is_quoted)
		return config_error(p, "unknown directive '%.64s'", w->s);
	d = &config_directives[i];
	if (config_check(p, d, i) == -1)
		return -1;
	return d->handler(p, d);
}

int
config_parse(struct config *conf, const char *name, const char *buf,
    size_t len, char *err, size_t errsz)
{
	struct config_parser	*p;
	const char		*eol;
	size_t			 off, n;
	int			 rc = 0;

	/* It holds a line of path-sized words: keep it off the stack. */
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errsz, "%s: %s", name, strerror(errno));
		return -1;
	}
	p->conf = conf;
	p->name = name;
	p->err = err;
	p->errsz = errsz;
	for (off = 0; off < len && rc == 0; off += n + 1) {
		eol = memchr(buf + off, '\n', len - off);
		n = eol != NULL ? (size_t)(eol - (buf + off)) : len - off;
		p->lineno++;
		rc = config_split(p, buf + off, n);
		if (rc == 0 && p->line.n > 0)
			rc = config_dispatch(p);
	}
	if (rc == 0 && p->host != NULL) {
		p->lineno = p->host_line;
		rc = config_error(p, "host '%s': block not closed (missing "
		    "'}')", p->host->name);
	}
	free(p);
	return rc;
}

int
config_parse_listen(const char *s, struct listen_spec *ls)
{
	struct listen_spec	 r = { 0 };
	const char		*end, *port;
	size_t			 len, i;
	int			 is_v6 = s[0] == '[';

	if (is_v6) {
		if ((end = strchr(++s, ']')) == NULL || end[1] != ':')
			return -1;
		port = end + 2;
	} else if ((end = strchr(s, ':')) != NULL) {
		/* An IPv6 literal needs brackets to tell it from the port. */
		if (strchr(port = end + 1, ':') != NULL)
			return -1;
	} else
		end = port = s;
	len = (size_t)(end - s);
	if (end != port && !(len == 1 && *s == '*' && !is_v6)) {
		if (len == 0 || len > NAME_MAX_DNS ||
		    (is_v6 && memchr(s, ':', len) == NULL))
			return -1;
		for (i = 0; i < len; i++)
			if (!isalnum((unsigned char)s[i]) &&
			    strchr(is_v6 ? ".-_:%" : ".-_", s[i]) == NULL)
				return -1;
		memcpy(r.addr, s, len);
	}
	len = strspn(port, "0123456789");
	if (len == 0 || len > CONFIG_PORT_DIGITS || port[len] != '\0' ||
	    (r.port = atoi(port)) < 1 || r.port > CONFIG_PORT_MAX)
		return -1;
	*ls = r;
	return 0;
}
