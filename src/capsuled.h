/*
 * capsuled: a small Gemini and Gopher server.
 * Every type of the daemon lives here, each field commented; modules keep
 * one prefix each (conn_, io_, tls_, uri_, gemini_, fs_, mime_, config_,
 * worker_, master_, log_).
 */
#ifndef CAPSULED_H
#define CAPSULED_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "proxy.h"
struct event;
struct event_base;

#define CAPSULED_VERSION	"0.1.0"

/* Gemini protocol 0.24, "Requests": an absolute URL of at most 1024 bytes. */
#define GEMINI_URL_MAX		1024
/* The request buffer: the URL plus CR LF. */
#define GEMINI_REQ_MAX		(GEMINI_URL_MAX + 2)
/* Gemini protocol 0.24, "Responses": META is at most 1024 bytes. */
#define GEMINI_META_MAX		1024
/* Default port, Gemini protocol 0.24 "Transport". */
#define GEMINI_PORT		1965
/* RFC 1035 2.3.4: a domain name is at most 255 octets. */
#define NAME_MAX_DNS		255
/* Hosts one server may declare in its config file. */
#define CONFIG_HOSTS_MAX	32
/* Listen addresses one server may declare. */
#define CONFIG_LISTEN_MAX	8
/* Listening sockets after name resolution (v4 and v6 per address). */
#define SERVER_LISTENERS_MAX	16
/* Workers the master may run. */
#define SERVER_WORKERS_MAX	64
/* Entries shown in one automatic directory listing: bounds its memory. */
#define FS_LIST_MAX		4096
/* File bytes read per refill of a connection's output buffer. */
#define CONN_BUF_SIZE		16384

/* ---- log.c ---------------------------------------------------------- */

void	log_init(int verbose, const char *procname);
void	log_set_procname(const char *procname);
/* Sends every later message to syslog(3), facility daemon. */
void	log_syslog(void);
/* Writes one access-log line (no newline in fmt). */
void	log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Escapes bytes outside printable ASCII as \xNN; always NUL-terminates. */
size_t	log_escape(char *dst, size_t dstsz, const char *src, size_t len);

/* ---- uri.c (pure) --------------------------------------------------- */

/* One parsed absolute URL, RFC 3986 subset that Gemini and Gopher use. */
struct uri {
	char	 scheme[16];		/* lower-cased, e.g. "gemini" */
	char	 host[NAME_MAX_DNS + 1];/* lower-cased; IPv6 without [] */
	int	 port;			/* 0 when the URL gives none */
	char	 path[GEMINI_URL_MAX + 1];	/* decoded, normalised, "/..." */
	char	 query[GEMINI_URL_MAX + 1];	/* raw (still encoded), no '?' */
	int	 has_query;		/* a '?' was present */
	int	 is_ip;			/* host is an IPv4 or IPv6 literal */
};

enum uri_err {
	URI_OK = 0,
	URI_ERR_SYNTAX,		/* not an absolute URL, bad characters */
	URI_ERR_USERINFO,	/* "user@" present: Gemini forbids it */
	URI_ERR_FRAGMENT,	/* "#..." present: Gemini forbids it */
	URI_ERR_ENCODING,	/* bad %XX, %00, invalid UTF-8 */
	URI_ERR_TOOLONG,	/* a component does not fit its buffer */
	URI_ERR_ESCAPE,		/* dot segments climb above the root */
	URI_ERR_PORT,		/* port not a number in 1..65535 */
};

/* Parses len bytes (no CR LF); returns URI_OK or why not. */
enum uri_err	 uri_parse(const char *s, size_t len, struct uri *u);
/* Human-readable reason for an error, for the Gemini META line. */
const char	*uri_strerror(enum uri_err);
/* Percent-decodes src into dst (dstsz with NUL); -1 on bad %, %00, room. */
int		 uri_decode(char *dst, size_t dstsz, const char *src,
		    size_t len);
/* RFC 3986 5.2.4 in place on a decoded "/..." path; -1 if it climbs out. */
int		 uri_normalise(char *path);
/* 1 if the len bytes are well-formed UTF-8 (no overlongs, surrogates). */
int		 uri_utf8_valid(const char *s, size_t len);
/* Percent-encodes a path for use in a link (keeps "/" and unreserved). */
int		 uri_encode_path(char *dst, size_t dstsz, const char *src);

/* ---- config.c ------------------------------------------------------- */

/* One virtual host: a name served from a root directory. */
struct vhost {
	char	 name[NAME_MAX_DNS + 1];	/* host name, lower-case */
	char	 root[PATH_MAX];	/* capsule directory */
	char	 cert[PATH_MAX];	/* PEM certificate ("" = certs dir) */
	char	 key[PATH_MAX];		/* PEM private key ("" = certs dir) */
	char	 lang[32];		/* lang= for text/gemini, "" = none */
	int	 root_fd;		/* O_DIRECTORY fd of root, -1 closed */
};

enum listen_proto {
	PROTO_GEMINI = 0,	/* TLS, Gemini requests */
	PROTO_GOPHER,		/* plain TCP, Gopher selectors */
};

/* One listen directive: address (may be "" for any) and port. */
struct listen_spec {
	enum listen_proto proto;	/* which protocol it speaks */
	char	 addr[NAME_MAX_DNS + 1];/* host, IPv4 or IPv6 literal; "" any */
	int	 port;			/* TCP port */
	int	 is_proxy;		/* a PROXY header comes first */
};

/* Everything the config file and the command line decide. */
struct config {
	char	 path[PATH_MAX];	/* config file read, "" for none */
	char	 certs_dir[PATH_MAX];	/* where generated certs live */
	int	 workers;		/* worker processes, >= 1 */
	int	 request_timeout;	/* seconds for handshake + request */
	int	 write_timeout;		/* seconds a write may stall */
	int	 max_conns;		/* connections in all, shared out
					   evenly between the workers */
	int	 max_per_ip;		/* open connections from one address
					   (IPv6: one /64), 0 = no limit */
	int	 rate_per_ip;		/* new connections a second from one
					   address, 0 = no limit */
	char	 user[64];		/* workers run as this account when
					   started as root */
	char	 chroot_dir[PATH_MAX];	/* workers chroot here, "" = none */
	int	 gopher_port;		/* port written into menus, 0 = the
					   listener's (set behind a proxy) */
	int	 gopher_tls;		/* 1: TLS on the Gopher listeners too */
	int	 ticket_lifetime;	/* seconds a ticket key issues
					   tickets, 0 = no tickets */
	struct listen_spec listen[CONFIG_LISTEN_MAX];	/* listeners */
	size_t	 nlisten;		/* entries in listen[] */
	struct proxy_cidr proxy_from[PROXY_FROM_MAX];	/* may send PROXY */
	size_t	 nproxy_from;		/* entries in proxy_from[] */
	struct vhost hosts[CONFIG_HOSTS_MAX];	/* hosts[0] is the default */
	size_t	 nhosts;		/* entries in hosts[] */
};

/* Longest "timeout" and "write-timeout", in seconds. */
#define CONFIG_TIMEOUT_MAX	3600
/* Longest "ticket-lifetime": a day, as RFC 8446 4.6.1 allows at most 7. */
#define CONFIG_TICKET_MAX	86400
/* Most connections ("max-connections", "max-per-ip", "rate-per-ip"). */
#define CONFIG_CONNS_MAX	1000000

/* Sets the built-in defaults. */
void	config_defaults(struct config *);
/* Reads a config file into conf; on error writes "file:line: why" to err. */
int	config_load(struct config *, const char *path, char *err,
	    size_t errsz);
/*
 * Parses len bytes of config-file text on top of what conf holds; name is
 * the file name for messages. 0, or -1 with "name:line: why" in err.
 */
int	config_parse(struct config *, const char *name, const char *buf,
	    size_t len, char *err, size_t errsz);
/* Parses "[ADDR:]PORT" ("[::1]:1965", "localhost:1965", "1965"). */
int	config_parse_listen(const char *s, struct listen_spec *);
/* Writes the effective configuration in config-file syntax. */
void	config_dump(const struct config *, FILE *);
/* Opens every root; -1 with a message in err if one is unusable. */
int	config_open_roots(struct config *, char *err, size_t errsz);
/* Closes every root fd. */
void	config_close_roots(struct config *);

/* ---- mime.c --------------------------------------------------------- */

struct magic_set;
struct fs_node;
/* Content types libmagic gave, kept per worker so a file is sniffed once
 * per version (libmagic takes about a millisecond a call). */
#define MIME_MEMO_SLOTS	64
#define MIME_TYPE_MAX	128
struct mime_memo {
	struct {
		uint64_t stamp;		/* the file's fs_node stamp */
		uint64_t name;		/* hash of its path */
		char	 type[MIME_TYPE_MAX];	/* "" when empty */
	} slot[MIME_MEMO_SLOTS];
};
/* Loads libmagic; NULL (with a warning) if it cannot be loaded. */
struct magic_set *mime_open(void);
void		 mime_close(struct magic_set *);
/* Type from the file name's extension, or NULL if the table has none. */
const char	*mime_by_ext(const char *name);
/*
 * Content type for a file: extension table first, then libmagic on the
 * first bytes of node's fd (pread, offset unchanged), remembered in memo
 * (may be NULL) for node's stamp. Writes "type[; charset=x]" to dst.
 * lang, if not NULL or "", is added to text/gemini. node may be NULL for
 * a name whose extension decides.
 */
int		 mime_type(struct magic_set *, struct mime_memo *,
		    const struct fs_node *node, const char *name,
		    const char *lang, char *dst, size_t dstsz);

/* ---- fs.c ----------------------------------------------------------- */

enum fs_kind {
	FS_FILE = 0,	/* a regular file, fd open for reading */
	FS_DIR,		/* a directory, fd open O_DIRECTORY */
	FS_NOTFOUND,	/* missing, not a file or directory, or unreadable */
	FS_DENIED,	/* would leave the root (symlink) or is hidden */
};

/* The result of resolving a normalised path under a root fd. */
struct fs_node {
	enum fs_kind kind;	/* what was found */
	int	 fd;		/* open fd for FILE and DIR, else -1 */
	off_t	 size;		/* file size in bytes */
	time_t	 mtime;		/* last modification */
	uint64_t stamp;		/* inode, size and time: changes with it */
};

/* One entry of a directory listing. */
struct fs_entry {
	char	 name[NAME_MAX + 1];	/* file name */
	int	 is_dir;		/* a directory */
	off_t	 size;			/* bytes (files) */
};

/* 1 if any component of path starts with '.' (dotfiles are never served). */
int	fs_is_hidden(const char *path);
/* Resolves "/a/b" under root_fd, never leaving it; fills node. */
int	fs_open(int root_fd, const char *path, struct fs_node *);
/* FNV-1a over len bytes, folded into h (start from FS_HASH_SEED): cheap,
 * and enough to tell keys apart or see a change; not for adversaries. */
#define FS_HASH_SEED	14695981039346656037ULL
uint64_t fs_hash(uint64_t h, const void *p, size_t len);
/* Opens name inside the directory dirfd, as fs_open does. */
int	fs_open_at(int dirfd, const char *name, struct fs_node *);
/* Lists dirfd, hidden entries left out, sorted dirs first then by name. */
ssize_t	fs_list(int dirfd, struct fs_entry **out);

/* ---- gemini.c (pure) ------------------------------------------------ */

/* What the framing of a request buffer found. */
enum gemini_frame {
	GEMINI_FRAME_MORE = -1,	/* no CR LF yet, still under the limit */
	GEMINI_FRAME_TOOLONG = -2,	/* over the limit without CR LF */
};

/* A validated request: which host, which path. */
struct gemini_req {
	struct uri	 url;		/* the parsed URL */
	size_t		 host;		/* index into the host names */
};

/* The names the server answers for, and the port the client reached. */
struct gemini_route {
	const char	*const *names;	/* host names, [0] the default */
	size_t		 nnames;	/* entries in names */
	const char	*sni;		/* TLS server name, NULL if none */
	int		 port;		/* listener's local port */
};

/* Length of the line before CR LF, or a gemini_frame value. */
ssize_t	gemini_frame(const char *buf, size_t len);
/*
 * Validates one request line (without CR LF) and picks the host.
 * Returns 0, or the Gemini status to answer (59, 53) with meta filled.
 */
int	gemini_parse(const char *line, size_t len,
	    const struct gemini_route *, struct gemini_req *, char *meta,
	    size_t metasz);
/* Formats "status meta\r\n"; returns its length or -1 if it cannot fit. */
int	gemini_header(char *dst, size_t dstsz, int status, const char *meta);
/*
 * Renders a directory listing as gemtext: title, then one link per entry
 * with its size. Returns a malloc'd buffer and its length, NULL on error.
 */
char	*gemini_listing(const char *path, const struct fs_entry *, size_t n,
	    size_t *lenp);

/* The pure renderers: Gopher menus, gemtext, the generated index. */
#include "render.h"

/* ---- site.c: a host's generated pages, site map and search index ----- */

/* One page the site knows: hand-written (read from the tree) or
 * generated. */
struct site_page {
	char	 path[PATH_MAX];	/* "/about.gmi", "/programmes/" */
	char	 title[256];		/* its "# " title, "" if none */
	char	*text;			/* gemtext */
	size_t	 len;			/* bytes of text */
	int	 is_owned;		/* text is ours to free */
};

/* Everything built from one host's tree at start and at each reload. */
struct site {
	struct site_page *pages;	/* every page, tree order then
					   generated */
	size_t		 npages;	/* entries in pages */
	struct search_doc *docs;	/* pages as search documents */
	size_t		 ndocs;		/* entries in docs */
	char		*data;		/* the data file's bytes, or NULL */
	size_t		 datalen;	/* bytes of data */
	char		 dataname[NAME_MAX + 1];	/* its file name */
	struct index_site idx;		/* pages generated from data */
	char		*sitemap;	/* the site map page */
	size_t		 sitemaplen;	/* bytes of sitemap */
	char		*manifest;	/* the export manifest (default host
					   only, else NULL) */
	size_t		 manifestlen;	/* bytes of manifest */
};

/* Walks the tree under root_fd and builds the site; NULL with err set
 * ("file:line: reason") when the data file is malformed. */
struct site	*site_build(int root_fd, char *err, size_t errsz);
void		 site_free(struct site *);
/* A generated page (or the site map) at path, or NULL. */
const char	*site_find(const struct site *, const char *path,
		    size_t *lenp);
/* A fingerprint of names, sizes and times in the tree: changes when the
 * capsule does. */
uint64_t	 site_stamp(int root_fd);
struct server;
/* Builds every host's site; a failed host keeps old's (may be NULL). */
int		 site_load_all(struct server *, struct server *old);
/* Builds the default host's /manifest.txt (after site_load_all). */
void		 site_manifest(struct server *);
void		 site_free_all(struct server *);

/* ---- lint.c: --check's capsule rules --------------------------------- */

/* Reports every problem of the site's pages on stderr; returns the count. */
int	lint_site(const struct site *, int root_fd, const char *root);

/* ---- io.c: the transport seam ---------------------------------------- */

/* What an I/O call returned besides a byte count. */
enum io_status {
	IO_EOF = 0,		/* orderly end (read), nothing written */
	IO_WANT_READ = -1,	/* retry the same call when readable */
	IO_WANT_WRITE = -2,	/* retry the same call when writable */
	IO_ERR = -3,		/* failed: close the connection */
};

struct ssl_st;
/* One transport: a socket, plain or with TLS on top. */
struct io {
	int		 fd;		/* connected socket, -1 when closed */
	struct ssl_st	*ssl;		/* TLS session, NULL for plain */
	int		 is_closed_tls;	/* TLS shut down cleanly */
};

int	io_handshake(struct io *);
ssize_t	io_read(struct io *, void *, size_t);
ssize_t	io_write(struct io *, const void *, size_t);
ssize_t	io_read_raw(struct io *, void *, size_t, int flags);	/* recv(2) */
/* Sends close_notify (TLS) and shuts the socket down for writing. */
int	io_shutdown(struct io *);
/* sendfile(2) from fd's offset, plain transports only. */
ssize_t	io_sendfile(struct io *, int fd, size_t len);
int	io_can_sendfile(const struct io *);
/* A long body follows: keep TLS buffers rather than cycling them. */
void	io_bulk(struct io *);
/* Bytes OpenSSL already holds decrypted for io_read. */
int	io_pending(const struct io *);
/* Frees the TLS session and closes the socket; safe to call twice. */
void	io_close(struct io *);

/* ---- tls.c ------------------------------------------------------------ */

struct ssl_ctx_st;
/* TLS contexts for every host; ctx[0] is the default host's. */
/* One period's session-ticket key, and what is derived from it. */
struct tls_ticket_key {
	unsigned char	 secret[32];	/* the ratchet's state */
	unsigned char	 name[16];	/* names the key in each ticket */
	unsigned char	 aes[32];	/* AES-256-CBC key */
	unsigned char	 mac[32];	/* HMAC-SHA256 key */
};

/* The TLS contexts, and the ticket keys each process (master or worker)
 * moves forward on its own copy: the one part of a worker's inherited
 * server that it writes. */
struct tls {
	struct ssl_ctx_st *ctx[CONFIG_HOSTS_MAX];	/* one per host */
	const char	*names[CONFIG_HOSTS_MAX];	/* host names */
	size_t		 n;		/* contexts in use */
	int		 lifetime;	/* ticket-lifetime, 0 = no tickets */
	long		 period;	/* time / lifetime of cur */
	int		 has_prev;	/* prev holds the last period's key */
	struct tls_ticket_key cur;	/* issues and accepts tickets */
	struct tls_ticket_key prev;	/* still accepts them */
};

/* Loads (creating if absent) every host's key and certificate. */
int	tls_init(struct tls *, struct config *, int print_fingerprint);
void	tls_free(struct tls *);
/* Moves the ticket keys on to the period of now: the master and every
 * worker reach the same keys, and a key a period old is forgotten. */
void	tls_ticket_advance(struct tls *, time_t now);
/* After a reload: carries the running ticket keys over to the new
 * contexts, unless ticket-lifetime changed. */
void	tls_ticket_keep(struct tls *to, const struct tls *from);
/* A new server-side session for fd on the default context. */
struct ssl_st *tls_accept(struct tls *, int fd);
/* Index of the host that SNI picked, or 0; NULL sni if none was sent. */
size_t	tls_host(const struct tls *, struct ssl_st *, const char **sni);

/* ---- cache.c: a worker's rendered menus -------------------------------- */

/* Hash buckets, entries and bytes one worker's cache holds at most. */
#define CACHE_BUCKETS		256
#define CACHE_ENTRIES_MAX	1024
#define CACHE_BYTES_MAX		(16 * 1024 * 1024)

/* One rendered menu. */
struct cache_entry {
	struct cache_entry *next;	/* bucket chain */
	char		 key[PATH_MAX + 16];	/* "port:path" */
	uint64_t	 stamp;		/* what it was rendered from */
	char		*data;		/* the menu bytes */
	size_t		 len;		/* bytes of data */
	int		 refs;		/* connections sending it */
	int		 is_stale;	/* out of the table: free at refs 0 */
};

/* The cache itself, one per worker. */
struct cache {
	struct cache_entry *buckets[CACHE_BUCKETS];	/* chains */
	size_t		 n;		/* entries in the table */
	size_t		 bytes;		/* bytes of their data */
};

/* The entry for key if its stamp matches (a reference is taken). */
struct cache_entry *cache_get(struct cache *, const char *key,
		    uint64_t stamp);
/* Stores data (owned from now on) and returns it referenced; NULL on
 * allocation failure. */
struct cache_entry *cache_put(struct cache *, const char *key,
		    uint64_t stamp, char *data, size_t len);
/* Drops a reference taken by cache_get or cache_put. */
void		 cache_release(struct cache_entry *);
void		 cache_free(struct cache *);

/* ---- runtime: server, worker, connection ----------------------------- */

/* One bound listening socket. */
struct listener {
	int		 fd;		/* listening socket, -1 closed */
	enum listen_proto proto;	/* protocol spoken on it */
	int		 port;		/* local port (Gemini URL checks) */
	int		 is_proxy;	/* a PROXY header comes first */
	char		 name[80];	/* "127.0.0.1:1965" for logs */
	struct event	*ev;		/* worker's accept event */
	struct worker	*w;		/* worker that owns ev */
};

/* State the master builds and every worker inherits at fork. */
struct server {
	struct config	 conf;		/* effective configuration */
	struct tls	 tls;		/* TLS contexts */
	struct magic_set *magic;	/* libmagic handle, may be NULL */
	struct listener	 listeners[SERVER_LISTENERS_MAX];	/* bound */
	size_t		 nlisteners;	/* entries in listeners */
	const char	*names[CONFIG_HOSTS_MAX];	/* host names for routing */
	struct site	*sites[CONFIG_HOSTS_MAX];	/* per host, may be NULL */
	uint64_t	 stamps[CONFIG_HOSTS_MAX];	/* tree fingerprints */
	/* Rebuilds the configuration as at start-up (SIGHUP); 0 or -1. */
	int		(*reconfigure)(struct config *, const void *arg,
			    char *err, size_t errsz);
	const void	*reconf_arg;	/* argument of reconfigure */
	int		 is_check;	/* --check: validate, do not serve */
	struct limit	*limit;		/* per-address counts, limit.h */
};

struct conn;
/* One worker process: its loop and its connections. */
struct worker {
	struct server	*srv;		/* shared configuration (read-only) */
	struct event_base *base;	/* libevent loop */
	struct event	*sigterm;	/* SIGTERM/SIGINT: drain and exit */
	struct event	*sigint;	/* same as sigterm */
	struct conn	*conns;		/* open connections, a list */
	size_t		 nconns;	/* entries in conns */
	int		 is_draining;	/* stop accepting, exit when idle */
	int		 is_paused;	/* accept paused on EMFILE */
	int		 is_full;	/* holds its share of max-connections */
	struct event	*resume;	/* timer that resumes accepting */
	struct cache	 cache;		/* rendered Gopher menus */
	struct mime_memo mime;		/* sniffed content types */
};

enum conn_state {
	CONN_PROXY = 0,		/* reading the PROXY header */
	CONN_HANDSHAKE,		/* TLS handshake in progress */
	CONN_READ_REQUEST,	/* reading the request line */
	CONN_WRITE_HEADER,	/* sending the response header */
	CONN_WRITE_BODY,	/* sending the body */
	CONN_SHUTDOWN,		/* close_notify, then close */
	CONN_CLOSE,		/* done: free it */
};

/* Where a response body comes from. */
struct conn_body {
	int		 fd;		/* file to stream, -1 if none */
	off_t		 left;		/* file bytes still to read */
	char		*mem;		/* in-memory body, or NULL */
	int		 is_borrowed;	/* mem belongs to the site: not freed */
	struct cache_entry *ce;		/* mem comes from this cache entry */
	size_t		 memlen;	/* bytes in mem */
	size_t		 memoff;	/* bytes of mem already queued */
};

/* One client connection. */
struct conn {
	struct conn	*next;		/* worker's list */
	struct conn	*prev;		/* worker's list */
	struct worker	*w;		/* owner */
	struct listener	*l;		/* where it was accepted */
	struct io	 io;		/* transport */
	enum conn_state	 state;		/* the state machine's position */
	struct event	*ev;		/* read/write/timeout event */
	short		 want;		/* EV_READ or EV_WRITE currently asked */
	struct timeval	 deadline;	/* absolute time the state must end by */
	char		 peer[64];	/* "host:port" of the client */
	char		 req[GEMINI_REQ_MAX + 1];	/* request bytes */
	size_t		 reqlen;	/* bytes in req */
	size_t		 linelen;	/* bytes of the request line, for logs */
	size_t		 host;		/* virtual host index */
	int		 status;	/* response status, for the log */
	char		*out;		/* pending output, CONN_BUF_SIZE bytes,
					   allocated for the response */
	size_t		 outlen;	/* bytes in out */
	size_t		 outoff;	/* bytes of out already written */
	struct conn_body body;		/* the rest of the response */
	uint64_t	 sent;		/* bytes written, for the log */
	int		 bucket;	/* address bucket counted, -1 none */
	int		 is_slowed;	/* over rate-per-ip: "slow down" */
};

/*
 * Accepts one connection on l and starts its state machine. Returns 1 if
 * one was accepted, 0 if none was waiting, -1 with errno (EMFILE...).
 */
int	conn_accept(struct worker *, struct listener *);
/* Applies max-per-ip and rate-per-ip to the client at sa (again, if the
 * address changes): 0 serve, 1 answer "slow down", -1 close it now. */
int	conn_admit(struct conn *, const struct sockaddr *sa);
/* Closes every connection at once (worker exit). */
void	conn_close_all(struct worker *);
/* Queues a response: a Gemini header if meta is not NULL, then c->body. */
void	conn_reply(struct conn *, int status, const char *meta);
/* Advances the state machine as far as I/O allows. */
void	conn_step(struct conn *);
/* Ends the connection now; reason is logged at debug level. */
void	conn_close(struct conn *, const char *reason);

/* A request line of line bytes (or a GEMINI_FRAME_* value) is in c->req:
 * answer it. */
void	serve_request(struct conn *, ssize_t line);
/* The path of the search page, on both protocols. */
#define SERVE_SEARCH_PATH	"/search"
/* Hands a malloc'd body (NULL: out of memory, close) to the connection,
 * after a Gemini header when meta is not NULL. */
void	serve_mem(struct conn *, int status, const char *meta, char *body,
	    size_t len);
/* Answers a Gopher request line (menu.c). */
void	menu_serve(struct conn *, ssize_t line);

/* Runs one worker's event loop until drained; returns its exit code. */
int	worker_run(struct server *);
/* A connection ended: lets a draining worker exit once idle. */
void	worker_conn_done(struct worker *);

/* Forks the workers and supervises them; returns the exit code. */
int	master_run(struct server *);
/* Binds every listener of conf; -1 with a message on failure. */
int	master_bind(struct server *);

#endif /* CAPSULED_H */
