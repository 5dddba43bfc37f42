/*
 * Gopher serving: a parsed selector becomes a menu or a file. Gemtext
 * pages and index.gmi are rendered as menus, a gophermap wins in its
 * directory, other directories get an automatic menu; errors are a menu
 * of one type-3 line.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "export.h"

/* Largest gemtext page or gophermap rendered as a menu. */
#define MENU_RENDER_MAX	(1024 * 1024)

/* CAPS (gopher.floodgap.com/gopher/caps.txt): clients read it from the
 * root to learn the path syntax; generated unless the capsule has one. */
#define MENU_CAPS \
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

/* A Gopher error: a menu of one type-3 line (never inside a menu: some
 * clients drop a whole menu that holds one). */
static void
menu_error(struct conn *c, int status, const char *msg)
{
	size_t	 len;
	char	*menu = gopher_error(msg, &len);

	serve_mem(c, status, NULL, menu, len);
}

/* Reads a whole (small) file into memory; NULL if too large or on error. */
static char *
menu_slurp(int fd, off_t size, size_t *lenp)
{
	char	*buf;
	ssize_t	 n;
	size_t	 got = 0;

	if (size < 0 || size > MENU_RENDER_MAX ||
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
menu_port(const struct conn *c)
{
	int	 port = c->w->srv->conf.gopher_port;

	return port != 0 ? port : c->l->port;
}

/* What a menu is rendered from, and how it is cached. */
struct menu_page {
	const char	*path;		/* cache key, NULL: do not cache */
	uint64_t	 stamp;		/* what the source was */
	const char	*dir;		/* directory for relative links */
	int		 is_map;	/* a gophermap, not gemtext */
};

/* "port:path": items name the port, so it is part of the key. */
static void
menu_key(struct conn *c, const char *path, char *key, size_t keysz)
{
	snprintf(key, keysz, "%d:%s", menu_port(c), path);
}

/* Serves a cached rendering of pg; 1 if there was one. */
static int
menu_cached(struct conn *c, const struct menu_page *pg)
{
	struct cache_entry	*e;
	char			 key[PATH_MAX + 16];

	menu_key(c, pg->path, key, sizeof(key));
	if ((e = cache_get(&c->w->cache, key, pg->stamp)) == NULL)
		return 0;
	c->body.ce = e;
	c->body.mem = e->data;
	c->body.memlen = e->len;
	conn_reply(c, 20, NULL);
	return 1;
}

/* Renders gemtext (or a gophermap) in memory as a menu, caching it. */
static void
menu_render_buf(struct conn *c, const char *src, size_t len,
    const struct menu_page *pg)
{
	struct gopher_ctx	 ctx;
	struct cache_entry	*e;
	char			*menu, key[PATH_MAX + 16];
	size_t			 mlen = 0;

	ctx.host = c->w->srv->conf.hosts[0].name;
	ctx.port = menu_port(c);
	ctx.dir = pg->dir;
	menu = pg->is_map ? gopher_map(src, len, &ctx, &mlen) :
	    gemtext_to_gopher(src, len, &ctx, &mlen);
	if (menu == NULL || pg->path == NULL) {
		serve_mem(c, 20, NULL, menu, mlen);
		return;
	}
	menu_key(c, pg->path, key, sizeof(key));
	if ((e = cache_put(&c->w->cache, key, pg->stamp, menu, mlen)) ==
	    NULL) {
		c->state = CONN_CLOSE;	/* out of memory: conn_step closes */
		return;
	}
	c->body.ce = e;
	c->body.mem = e->data;
	c->body.memlen = e->len;
	conn_reply(c, 20, NULL);
}

/* Renders a gemtext file or a gophermap (cached by its stamp). */
static void
menu_render(struct conn *c, const struct fs_node *node,
    const char *path, const char *dir, int is_map)
{
	struct menu_page	 pg = { path, node->stamp, dir, is_map };
	char			*src;
	size_t			 len;

	if (menu_cached(c, &pg))
		return;
	if ((src = menu_slurp(node->fd, node->size, &len)) == NULL) {
		menu_error(c, 51, "Page too large for a menu");
		return;
	}
	menu_render_buf(c, src, len, &pg);
	free(src);
}

/* Formats a file size for a menu: "512 B", "1.5 KiB", "3.2 MiB". */
static void
menu_size(char *dst, size_t dstsz, off_t size)
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
menu_listing(struct conn *c, int dirfd, const char *dir)
{
	struct gopher_menu	 m;
	struct gopher_item	 it;
	struct fs_entry		*v;
	char			 sel[PATH_MAX + 2], label[NAME_MAX + 32];
	char			 size[32], *menu;
	size_t			 len;
	ssize_t			 n, i;

	if ((n = fs_list(dirfd, &v)) < 0) {
		menu_error(c, 51, "Not found");
		return;
	}
	memset(&m, 0, sizeof(m));
	snprintf(label, sizeof(label), "Index of %s", dir);
	gopher_menu_info(&m, label, strlen(label));
	gopher_menu_info(&m, "", 0);
	for (i = 0; i < n; i++) {
		menu_size(size, sizeof(size), v[i].size);
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
		it.port = menu_port(c);
		gopher_menu_add(&m, &it);
	}
	if (n == 0)
		gopher_menu_info(&m, "This directory is empty.", 24);
	free(v);
	menu = gopher_menu_end(&m, &len);
	serve_mem(c, 20, NULL, menu, len);
}

/* A directory: its gophermap, else its index.gmi, else a listing. */
static void
menu_dir(struct conn *c, int dirfd, const char *path)
{
	struct fs_node	 node;
	char		 dir[GOPHER_SELECTOR_MAX + 3];
	char		 file[GOPHER_SELECTOR_MAX + 16];
	size_t		 len = strlen(path);

	snprintf(dir, sizeof(dir), "%s%s", path, path[len - 1] == '/' ?
	    "" : "/");
	if (fs_open_at(dirfd, "gophermap", &node) == 0 &&
	    node.kind == FS_FILE) {
		snprintf(file, sizeof(file), "%sgophermap", dir);
		menu_render(c, &node, file, dir, 1);
		close(node.fd);
		return;
	}
	if (node.fd != -1)
		close(node.fd);
	if (fs_open_at(dirfd, "index.gmi", &node) == 0 &&
	    node.kind == FS_FILE) {
		snprintf(file, sizeof(file), "%sindex.gmi", dir);
		menu_render(c, &node, file, dir, 0);
		close(node.fd);
		return;
	}
	if (node.fd != -1)
		close(node.fd);
	menu_listing(c, dirfd, dir);
}

/* The directory part of a file's selector: "/a/b.gmi" -> "/a/". */
static void
menu_dirname(char *dst, size_t dstsz, const char *path)
{
	const char	*slash = strrchr(path, '/');
	int		 n = slash == NULL ? 0 : (int)(slash - path) + 1;

	snprintf(dst, dstsz, "%.*s", n, path);
	if (dst[0] == '\0')
		snprintf(dst, dstsz, "/");
}

/* The search: a type-7 item to ask, then results as a menu. */
static void
menu_search(struct conn *c, const struct site *s,
    const struct gopher_req *req)
{
	struct gopher_menu	 m;
	struct gopher_item	 it;
	struct search_query	 q;
	char			 err[128], *page;
	size_t			 len;

	if (req->has_search) {
		struct menu_page results = { NULL, 0, "/", 0 };

		if (search_parse(req->search, strlen(req->search), &q, err,
		    sizeof(err)) == -1) {
			menu_error(c, 59, err);
			return;
		}
		page = search_run(s->docs, s->ndocs, &q, SERVE_SEARCH_PATH,
		    &len);
		if (page != NULL)
			menu_render_buf(c, page, len, &results);
		else
			c->state = CONN_CLOSE;	/* out of memory: conn_step closes */
		free(page);
		return;
	}
	memset(&m, 0, sizeof(m));
	memset(&it, 0, sizeof(it));
	it.type = '7';
	it.display = "Search every page: type one or more words";
	it.dlen = strlen(it.display);
	it.sel = SERVE_SEARCH_PATH;
	it.slen = strlen(it.sel);
	it.host = c->w->srv->conf.hosts[0].name;
	it.hlen = strlen(it.host);
	it.port = menu_port(c);
	gopher_menu_add(&m, &it);
	page = gopher_menu_end(&m, &len);
	serve_mem(c, 20, NULL, page, len);
}

/* Generated pages and search come before the tree; 1 if answered. */
static int
menu_site(struct conn *c, const struct gopher_req *req)
{
	const struct site	*s = c->w->srv->sites[0];
	struct menu_page	 pg;
	const char		*body;
	char			 path[GOPHER_SELECTOR_MAX + 3];
	char			 dir[GOPHER_SELECTOR_MAX + 3];
	size_t			 len;

	if (s == NULL)
		return 0;
	if (strcmp(req->path, SERVE_SEARCH_PATH) == 0) {
		menu_search(c, s, req);
		return 1;
	}
	if (strcmp(req->path, EXPORT_MANIFEST_PATH) == 0 &&
	    s->manifest != NULL) {
		c->body.mem = s->manifest;
		c->body.memlen = s->manifestlen;
		c->body.is_borrowed = 1;
		conn_reply(c, 20, NULL);
		return 1;
	}
	snprintf(path, sizeof(path), "%s", req->path);
	if ((body = site_find(s, path, &len)) == NULL) {
		snprintf(path, sizeof(path), "%s/", req->path);
		if ((body = site_find(s, path, &len)) == NULL)
			return 0;
	}
	menu_dirname(dir, sizeof(dir), path);
	pg.path = path;
	pg.stamp = (uint64_t)(uintptr_t)s;	/* a site lives as long as
						   the worker's generation */
	pg.dir = dir;
	pg.is_map = 0;
	if (!menu_cached(c, &pg))
		menu_render_buf(c, body, len, &pg);
	return 1;
}

static void
menu_path(struct conn *c, const struct gopher_req *req)
{
	const char	*path = req->path;
	const struct vhost *h = &c->w->srv->conf.hosts[0];
	const char	*type;
	struct fs_node	 node;
	char		 dir[GOPHER_SELECTOR_MAX + 3];

	if (menu_site(c, req))
		return;
	if (fs_is_hidden(path) || fs_open(h->root_fd, path, &node) == -1 ||
	    (node.kind != FS_FILE && node.kind != FS_DIR)) {
		if (strcmp(path, "/caps.txt") == 0)
			serve_mem(c, 20, NULL, strdup(MENU_CAPS),
			    sizeof(MENU_CAPS) - 1);
		else
			menu_error(c, 51, "Not found");
		return;
	}
	if (node.kind == FS_DIR) {
		menu_dir(c, node.fd, path);
		close(node.fd);
		return;
	}
	type = mime_by_ext(path);
	if (type != NULL && strcmp(type, "text/gemini") == 0) {
		menu_dirname(dir, sizeof(dir), path);
		menu_render(c, &node, path, dir, 0);
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
menu_html_escape(char *dst, size_t dstsz, const char *s)
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
menu_url(struct conn *c, const char *url)
{
	char	 esc[GOPHER_SELECTOR_MAX * 6 + 1], *page;
	int	 n;

	menu_html_escape(esc, sizeof(esc), url);
	n = asprintf(&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Link: %s</title>\n"
	    "<meta http-equiv=\"refresh\" content=\"2;URL=%s\">"
	    "</head>\n<body><p>This Gopher link leads outside Gopher, to "
	    "<a href=\"%s\">%s</a>.</p></body></html>\n", esc, esc, esc, esc);
	serve_mem(c, 20, NULL, n < 0 ? NULL : page, n < 0 ? 0 : (size_t)n);
}

/* An HTTP client on the Gopher port: say, in HTTP, what this is. */
static void
menu_http(struct conn *c)
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
	    "Gemini: gemini://%s:%d/\r\n", host, menu_port(c), host,
	    gemini);
	n = asprintf(&resp, "HTTP/1.0 400 Bad Request\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    strlen(text), text);
	serve_mem(c, 59, NULL, n < 0 ? NULL : resp, n < 0 ? 0 : (size_t)n);
}

void
menu_serve(struct conn *c, ssize_t line)
{
	struct gopher_req	 req;
	char			 err[128];

	if (line == GEMINI_FRAME_TOOLONG) {
		menu_error(c, 59, "Request too long");
		return;
	}
	if (gopher_parse(c->req, (size_t)line, &req, err, sizeof(err)) == -1) {
		menu_error(c, 59, err);
		return;
	}
	if (req.kind == GOPHER_HTTP)
		menu_http(c);
	else if (req.kind == GOPHER_URL)
		menu_url(c, req.url);
	else
		menu_path(c, &req);
}

