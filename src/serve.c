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
#include "export.h"

/* Serves a directory whose URL ends in '/': index.gmi or a listing. */
static void
serve_gemini_dir(struct conn *c, struct fs_node *dir, const char *path)
{
	const struct vhost	*h = &c->w->srv->conf.hosts[c->host];
	struct fs_entry		*v;
	struct fs_node		 idx;
	char			 meta[GEMINI_META_MAX + 1];
	ssize_t			 n;

	mime_type(NULL, NULL, NULL, "index.gmi", h->lang, meta,
	    sizeof(meta));
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

/* The search page: 10 asks for words, then the results. */
static void
serve_gemini_search(struct conn *c, const struct site *s,
    const struct uri *url, const char *meta)
{
	struct search_query	 q;
	char			 text[GEMINI_URL_MAX + 1], err[128], *page;
	char			 prompt[GEMINI_META_MAX];
	size_t			 len;

	if (!url->has_query || url->query[0] == '\0') {
		conn_reply(c, 10, "Search this capsule: type one or more words");
		return;
	}
	if (uri_decode(text, sizeof(text), url->query,
	    strlen(url->query)) == -1) {
		conn_reply(c, 59, "Bad percent-encoding in the query");
		return;
	}
	if (search_parse(text, strlen(text), &q, err, sizeof(err)) == -1) {
		snprintf(prompt, sizeof(prompt), "Search this capsule (%s): "
		    "type one or more words", err);
		conn_reply(c, 10, prompt);
		return;
	}
	page = search_run(s->docs, s->ndocs, &q, SERVE_SEARCH_PATH, &len);
	serve_mem(c, 20, meta, page, len);
}

/* Generated pages and search come before the tree; 1 if answered. */
static int
serve_gemini_site(struct conn *c, const struct uri *url)
{
	const struct site	*s = c->w->srv->sites[c->host];
	const struct vhost	*h = &c->w->srv->conf.hosts[c->host];
	char			 meta[GEMINI_META_MAX + 1];
	char			 slashed[GEMINI_URL_MAX + 2];
	const char		*body;
	size_t			 len;

	if (s == NULL)
		return 0;
	mime_type(NULL, NULL, NULL, "index.gmi", h->lang, meta,
	    sizeof(meta));
	if (strcmp(url->path, SERVE_SEARCH_PATH) == 0) {
		serve_gemini_search(c, s, url, meta);
		return 1;
	}
	if (strcmp(url->path, EXPORT_MANIFEST_PATH) == 0 && s->manifest !=
	    NULL) {
		c->body.mem = s->manifest;
		c->body.memlen = s->manifestlen;
		c->body.is_borrowed = 1;
		conn_reply(c, 20, "text/plain; charset=utf-8");
		return 1;
	}
	if ((body = site_find(s, url->path, &len)) != NULL) {
		c->body.mem = (char *)body;
		c->body.memlen = len;
		c->body.is_borrowed = 1;
		conn_reply(c, 20, meta);
		return 1;
	}
	snprintf(slashed, sizeof(slashed), "%s/", url->path);
	if (site_find(s, slashed, &len) == NULL ||
	    uri_encode_path(meta, sizeof(meta), slashed) == -1)
		return 0;
	conn_reply(c, 31, meta);
	return 1;
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

	if (serve_gemini_site(c, url))
		return;
	if (fs_is_hidden(url->path) || fs_open(h->root_fd, url->path,
	    &node) == -1 || (node.kind != FS_FILE && node.kind != FS_DIR)) {
		conn_reply(c, 51, "Not found");
		return;
	}
	if (node.kind == FS_FILE) {
		mime_type(srv->magic, &c->w->mime, &node, url->path, h->lang,
		    meta, sizeof(meta));
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

/* Hands a malloc'd body to the connection; NULL means out of memory. */
void
serve_mem(struct conn *c, int status, const char *meta, char *body,
    size_t len)
{
	if (body == NULL) {
		c->state = CONN_CLOSE;	/* out of memory: conn_step closes */
		return;
	}
	c->body.mem = body;
	c->body.memlen = len;
	conn_reply(c, status, meta);
}

void
serve_request(struct conn *c, ssize_t line)
{
	if (c->l->proto == PROTO_GOPHER)
		menu_serve(c, line);
	else if (line == GEMINI_FRAME_TOOLONG)
		conn_reply(c, 59, "Request too long");
	else
		serve_gemini(c, (size_t)line);
}
