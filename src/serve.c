/*
 * Serving: a complete request line becomes a response. Routing and
 * validation are the pure parsers' (gemini.c, gopher.c); this file opens
 * what they name under the host's root and hands the body to conn.c.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "capsuled.h"

/* Serves a directory whose URL ends in '/': index.gmi or a listing. */
static void
serve_gemini_dir(struct conn *c, struct fs_node *dir, const char *path)
{
	const struct vhost	*h = &c->w->srv->conf.hosts[c->host];
	struct fs_entry		*v;
	struct fs_node		 idx;
	char			 meta[GEMINI_META_MAX + 1];
	ssize_t			 n;

	mime_type(NULL, -1, "index.gmi", h->lang, meta, sizeof(meta));
	if (fs_open_at(dir->fd, "index.gmi", &idx) == 0 &&
	    idx.kind == FS_FILE) {
		c->body.fd = idx.fd;
		c->body.left = idx.size;
		conn_reply(c, 20, meta);
		return;
	}
	if (idx.fd != -1)
		close(idx.fd);
	if ((n = fs_list(dir->fd, &v)) < 0) {
		conn_reply(c, 51, "Not found");
		return;
	}
	c->body.mem = gemini_listing(path, v, (size_t)n, &c->body.memlen);
	free(v);
	if (c->body.mem == NULL)
		conn_reply(c, 40, "Server error");
	else
		conn_reply(c, 20, meta);
}

/* Serves what a valid request's path names under its host's root. */
static void
serve_gemini_path(struct conn *c, const struct uri *url)
{
	struct server	*srv = c->w->srv;
	const struct vhost *h = &srv->conf.hosts[c->host];
	struct fs_node	 node;
	char		 meta[GEMINI_META_MAX + 1];
	size_t		 len = strlen(url->path);

	if (fs_is_hidden(url->path) || fs_open(h->root_fd, url->path,
	    &node) == -1 || (node.kind != FS_FILE && node.kind != FS_DIR)) {
		conn_reply(c, 51, "Not found");
		return;
	}
	if (node.kind == FS_FILE) {
		mime_type(srv->magic, node.fd, url->path, h->lang, meta,
		    sizeof(meta));
		c->body.fd = node.fd;
		c->body.left = node.size;
		conn_reply(c, 20, meta);
		return;
	}
	if (url->path[len - 1] != '/') {
		/* Gemini 0.24: a redirect may be a relative reference. */
		if (uri_encode_path(meta, sizeof(meta) - 1, url->path) == -1)
			conn_reply(c, 59, "Path too long");
		else {
			strcat(meta, "/");
			conn_reply(c, 31, meta);
		}
		close(node.fd);
		return;
	}
	serve_gemini_dir(c, &node, url->path);
	close(node.fd);
}

/* A whole Gemini request line arrived: validate, route, serve. */
static void
serve_gemini(struct conn *c, size_t linelen)
{
	struct server		*srv = c->w->srv;
	struct gemini_route	 route;
	struct gemini_req	 req;
	char			 meta[GEMINI_META_MAX + 1];
	int			 status;

	memset(&route, 0, sizeof(route));
	route.names = srv->names;
	route.nnames = srv->conf.nhosts;
	route.port = c->l->port;
	c->host = tls_host(&srv->tls, c->io.ssl, &route.sni);
	status = gemini_parse(c->req, linelen, &route, &req, meta,
	    sizeof(meta));
	if (status != 0) {
		conn_reply(c, status, meta);
		return;
	}
	c->host = req.host;
	serve_gemini_path(c, &req.url);
}

/* Largest gemtext page or gophermap rendered as a menu. */
#define SERVE_RENDER_MAX	(1024 * 1024)

/* CAPS (gopher.floodgap.com/gopher/caps.txt): clients read it from the
 * root to learn the path syntax; generated unless the capsule has one. */
#define SERVE_CAPS \
	"CAPS\r\n\r\n" \
	"CapsVersion=1\r\n" \
	"ExpireCapsAfter=3600\r\n\r\n" \
	"PathDelimeter=/\r\n" \
	"PathIdentity=.\r\n" \
	"PathParent=..\r\n" \
	"PathParentDouble=FALSE\r\n" \
	"PathKeepPreDelimeter=FALSE\r\n\r\n" \
	"ServerSoftware=capsuled\r\n" \
	"ServerSoftwareVersion=" CAPSULED_VERSION "\r\n" \
	"ServerDefaultEncoding=UTF-8\r\n"

/* Hands a malloc'd body to the connection; NULL means out of memory. */
static void
serve_mem(struct conn *c, int status, char *body, size_t len)
{
	if (body == NULL) {
		conn_close(c, "out of memory");
		return;
	}
	c->body.mem = body;
	c->body.memlen = len;
	conn_reply(c, status, NULL);
}

/* A Gopher error: a menu of one type-3 line (never inside a menu: some
 * clients drop a whole menu that holds one). */
static void
serve_gopher_error(struct conn *c, int status, const char *msg)
{
	size_t	 len;
	char	*menu = gopher_error(msg, &len);

	serve_mem(c, status, menu, len);
}

/* Reads a whole (small) file into memory; NULL if too large or on error. */
static char *
serve_slurp(int fd, off_t size, size_t *lenp)
{
	char	*buf;
	ssize_t	 n;
	size_t	 got = 0;

	if (size < 0 || size > SERVE_RENDER_MAX ||
	    (buf = malloc((size_t)size + 1)) == NULL)
		return NULL;
	while (got < (size_t)size) {
		n = pread(fd, buf + got, (size_t)size - got, (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	*lenp = got;
	return buf;
}

/* The port menus name: the listener's, unless the config says where
 * clients really connect (a proxy in front). */
static int
serve_gopher_port(const struct conn *c)
{
	int	 port = c->w->srv->conf.gopher_port;

	return port != 0 ? port : c->l->port;
}

/* Renders a gemtext file or a gophermap as a menu for directory dir. */
static void
serve_gopher_render(struct conn *c, int fd, off_t size, const char *dir,
    int is_map)
{
	struct gopher_ctx	 ctx;
	char			*src, *menu;
	size_t			 len, mlen = 0;

	if ((src = serve_slurp(fd, size, &len)) == NULL) {
		serve_gopher_error(c, 51, "Page too large for a menu");
		return;
	}
	ctx.host = c->w->srv->conf.hosts[0].name;
	ctx.port = serve_gopher_port(c);
	ctx.dir = dir;
	menu = is_map ? gopher_map(src, len, &ctx, &mlen) :
	    gemtext_to_gopher(src, len, &ctx, &mlen);
	free(src);
	serve_mem(c, 20, menu, mlen);
}

/* Formats a file size for a menu: "512 B", "1.5 KiB", "3.2 MiB". */
static void
serve_size(char *dst, size_t dstsz, off_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	double	 v = (double)size;
	int	 u = 0;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(dst, dstsz, "%lld B", (long long)size);
	else
		snprintf(dst, dstsz, "%.1f %s", v, units[u]);
}

/* An automatic menu for a directory with neither gophermap nor index. */
static void
serve_gopher_listing(struct conn *c, int dirfd, const char *dir)
{
	struct gopher_menu	 m;
	struct gopher_item	 it;
	struct fs_entry		*v;
	char			 sel[PATH_MAX + 2], label[NAME_MAX + 32];
	char			 size[32], *menu;
	size_t			 len;
	ssize_t			 n, i;

	if ((n = fs_list(dirfd, &v)) < 0) {
		serve_gopher_error(c, 51, "Not found");
		return;
	}
	memset(&m, 0, sizeof(m));
	snprintf(label, sizeof(label), "Index of %s", dir);
	gopher_menu_info(&m, label, strlen(label));
	gopher_menu_info(&m, "", 0);
	for (i = 0; i < n; i++) {
		serve_size(size, sizeof(size), v[i].size);
		snprintf(sel, sizeof(sel), "%s%s%s", dir, v[i].name,
		    v[i].is_dir ? "/" : "");
		snprintf(label, sizeof(label), v[i].is_dir ? "%s/" :
		    "%s (%s)", v[i].name, size);
		memset(&it, 0, sizeof(it));
		it.type = v[i].is_dir ? '1' : gopher_item_type(v[i].name);
		it.display = label;
		it.dlen = strlen(label);
		it.sel = sel;
		it.slen = strlen(sel);
		it.host = c->w->srv->conf.hosts[0].name;
		it.hlen = strlen(it.host);
		it.port = serve_gopher_port(c);
		gopher_menu_add(&m, &it);
	}
	if (n == 0)
		gopher_menu_info(&m, "This directory is empty.", 24);
	free(v);
	menu = gopher_menu_end(&m, &len);
	serve_mem(c, 20, menu, len);
}

/* A directory: its gophermap, else its index.gmi, else a listing. */
static void
serve_gopher_dir(struct conn *c, int dirfd, const char *path)
{
	struct fs_node	 node;
	char		 dir[GOPHER_SELECTOR_MAX + 3];
	size_t		 len = strlen(path);

	snprintf(dir, sizeof(dir), "%s%s", path, path[len - 1] == '/' ?
	    "" : "/");
	if (fs_open_at(dirfd, "gophermap", &node) == 0 &&
	    node.kind == FS_FILE) {
		serve_gopher_render(c, node.fd, node.size, dir, 1);
		close(node.fd);
		return;
	}
	if (node.fd != -1)
		close(node.fd);
	if (fs_open_at(dirfd, "index.gmi", &node) == 0 &&
	    node.kind == FS_FILE) {
		serve_gopher_render(c, node.fd, node.size, dir, 0);
		close(node.fd);
		return;
	}
	if (node.fd != -1)
		close(node.fd);
	serve_gopher_listing(c, dirfd, dir);
}

/* The directory part of a file's selector: "/a/b.gmi" -> "/a/". */
static void
serve_dirname(char *dst, size_t dstsz, const char *path)
{
	const char	*slash = strrchr(path, '/');
	int		 n = slash == NULL ? 0 : (int)(slash - path) + 1;

	snprintf(dst, dstsz, "%.*s", n, path);
	if (dst[0] == '\0')
		snprintf(dst, dstsz, "/");
}

static void
serve_gopher_path(struct conn *c, const char *path)
{
	const struct vhost *h = &c->w->srv->conf.hosts[0];
	const char	*type;
	struct fs_node	 node;
	char		 dir[GOPHER_SELECTOR_MAX + 3];

	if (fs_is_hidden(path) || fs_open(h->root_fd, path, &node) == -1 ||
	    (node.kind != FS_FILE && node.kind != FS_DIR)) {
		if (strcmp(path, "/caps.txt") == 0)
			serve_mem(c, 20, strdup(SERVE_CAPS),
			    sizeof(SERVE_CAPS) - 1);
		else
			serve_gopher_error(c, 51, "Not found");
		return;
	}
	if (node.kind == FS_DIR) {
		serve_gopher_dir(c, node.fd, path);
		close(node.fd);
		return;
	}
	type = mime_by_ext(path);
	if (type != NULL && strcmp(type, "text/gemini") == 0) {
		serve_dirname(dir, sizeof(dir), path);
		serve_gopher_render(c, node.fd, node.size, dir, 0);
		close(node.fd);
		return;
	}
	/* Text and binary files go out as the bytes on disk. */
	c->body.fd = node.fd;
	c->body.left = node.size;
	conn_reply(c, 20, NULL);
}

/* Copies s into dst with HTML's special characters escaped. */
static void
serve_html_escape(char *dst, size_t dstsz, const char *s)
{
	size_t	 o = 0;
	int	 n;

	for (; *s != '\0' && o + 7 < dstsz; s++) {
		if (*s == '&')
			n = snprintf(dst + o, dstsz - o, "&amp;");
		else if (*s == '<')
			n = snprintf(dst + o, dstsz - o, "&lt;");
		else if (*s == '>')
			n = snprintf(dst + o, dstsz - o, "&gt;");
		else if (*s == '"')
			n = snprintf(dst + o, dstsz - o, "&quot;");
		else if (*s == '\'')
			n = snprintf(dst + o, dstsz - o, "&#39;");
		else
			n = snprintf(dst + o, dstsz - o, "%c", *s);
		o += (size_t)n;
	}
	dst[o] = '\0';
}

/* "URL:" selectors: the convention is a small HTML page with the link. */
static void
serve_gopher_url(struct conn *c, const char *url)
{
	char	 esc[GOPHER_SELECTOR_MAX * 6 + 1], *page;
	int	 n;

	serve_html_escape(esc, sizeof(esc), url);
	n = asprintf(&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Link: %s</title>\n"
	    "<meta http-equiv=\"refresh\" content=\"2;URL=%s\">"
	    "</head>\n<body><p>This Gopher link leads outside Gopher, to "
	    "<a href=\"%s\">%s</a>.</p></body></html>\n", esc, esc, esc, esc);
	serve_mem(c, 20, n < 0 ? NULL : page, n < 0 ? 0 : (size_t)n);
}

/* An HTTP client on the Gopher port: say, in HTTP, what this is. */
static void
serve_gopher_http(struct conn *c)
{
	struct server	*srv = c->w->srv;
	const char	*host = srv->conf.hosts[0].name;
	char		 text[1024], *resp;
	int		 gemini = GEMINI_PORT, n;
	size_t		 i;

	for (i = 0; i < srv->nlisteners; i++)
		if (srv->listeners[i].proto == PROTO_GEMINI) {
			gemini = srv->listeners[i].port;
			break;
		}
	snprintf(text, sizeof(text), "This is a Gopher and Gemini server, "
	    "not a web server.\r\nGopher: gopher://%s:%d/\r\n"
	    "Gemini: gemini://%s:%d/\r\n", host, serve_gopher_port(c), host,
	    gemini);
	n = asprintf(&resp, "HTTP/1.0 400 Bad Request\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(text), text);
	serve_mem(c, 59, n < 0 ? NULL : resp, n < 0 ? 0 : (size_t)n);
}

static void
serve_gopher(struct conn *c, ssize_t line)
{
	struct gopher_req	 req;
	char			 err[128];

	if (line == GEMINI_FRAME_TOOLONG) {
		serve_gopher_error(c, 59, "Request too long");
		return;
	}
	if (gopher_parse(c->req, (size_t)line, &req, err, sizeof(err)) == -1) {
		serve_gopher_error(c, 59, err);
		return;
	}
	if (req.kind == GOPHER_HTTP)
		serve_gopher_http(c);
	else if (req.kind == GOPHER_URL)
		serve_gopher_url(c, req.url);
	else
		serve_gopher_path(c, req.path);
}

void
serve_request(struct conn *c, ssize_t line)
{
	if (c->l->proto == PROTO_GOPHER)
		serve_gopher(c, line);
	else if (line == GEMINI_FRAME_TOOLONG)
		conn_reply(c, 59, "Request too long");
	else
		serve_gemini(c, (size_t)line);
}
