/*
 * "capsuled export DIR": the whole capsule of the default host, rendered
 * as static files for a mirror, and a manifest to fetch only what
 * changed. DIR/gemini is what Gemini clients get (the tree's files and
 * the generated pages, a directory page as its index.gmi); DIR/gopher is
 * what Gopher clients get, every menu a gophermap naming the mirror's
 * host and port (a page's menu lives in PAGE.gmi/gophermap, so that any
 * server that knows gophermaps serves the selector /PAGE.gmi as a menu).
 * The output depends only on the tree: walks go in name order, every
 * file keeps its source's modification time, the generated ones take the
 * newest time in the tree, and the manifest is sorted by path.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "capsuled.h"
#include "export.h"

/* Directory depth walked, as the site walk does. */
#define EXPORT_DEPTH_MAX	16
/* Largest page rendered as a menu, as the server's menus. */
#define EXPORT_PAGE_MAX		(1024 * 1024)
/* Bytes copied per read. */
#define EXPORT_CHUNK		65536

/* Creates rel under DIR, and the directories it needs; fd or -1. */
static int
export_open(struct export *x, const char *rel)
{
	char	 dir[EXPORT_REL_MAX], *p;
	int	 fd;

	snprintf(dir, sizeof(dir), "%s", rel);
	for (p = strchr(dir, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdirat(x->out_fd, dir, 0755) == -1 && errno != EEXIST) {
			log_warn("export: %s", dir);
			return -1;
		}
		*p = '/';
	}
	if ((fd = openat(x->out_fd, rel, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1)
		log_warn("export: %s", rel);
	return fd;
}

/* Adds (or, for a path written again, replaces) a manifest entry. */
static int
export_note(struct export *x, const char *rel, off_t size,
    const unsigned char *md, time_t mtime)
{
	struct export_file	*f, *grown;
	size_t			 i;

	for (i = 0; i < x->nfiles; i++)
		if (strcmp(x->files[i].path, rel) == 0)
			break;
	if (i == x->nfiles) {
		if (x->nfiles == x->cap) {
			x->cap = x->cap == 0 ? 64 : x->cap * 2;
			if ((grown = reallocarray(x->files, x->cap,
			    sizeof(*grown))) == NULL)
				return -1;
			x->files = grown;
		}
		x->nfiles++;
	}
	f = &x->files[i];
	snprintf(f->path, sizeof(f->path), "%s", rel);
	f->size = size;
	f->mtime = mtime;
	for (i = 0; i < EXPORT_SHA_LEN; i++)
		snprintf(f->sha + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Writes the bytes of src (a buffer, or fd when buf is NULL) to rel. */
static int
export_put(struct export *x, const char *rel, const char *buf, size_t len,
    int src, time_t mtime)
{
	struct timespec	 ts[2] = { { mtime, 0 }, { mtime, 0 } };
	unsigned char	 md[EVP_MAX_MD_SIZE], chunk[EXPORT_CHUNK];
	EVP_MD_CTX	*md_ctx;
	off_t		 size = 0;
	ssize_t		 n;
	int		 fd = -1, rc = -1;

	/* Without an output directory, only the manifest entry is made. */
	if (x->out_fd != -1 && (fd = export_open(x, rel)) == -1)
		return -1;
	if ((md_ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md_ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		if (buf != NULL)
			n = (ssize_t)len - size;
		else if ((n = read(src, chunk, sizeof(chunk))) == -1)
			goto out;
		if (n == 0)
			break;
		if ((fd != -1 && write(fd, buf != NULL ? buf + size :
		    (char *)chunk, (size_t)n) != n) ||
		    EVP_DigestUpdate(md_ctx, buf != NULL ? buf + size :
		    (char *)chunk, (size_t)n) != 1)
			goto out;
		size += n;
	}
	if (EVP_DigestFinal_ex(md_ctx, md, NULL) == 1 &&
	    (fd == -1 || futimens(fd, ts) == 0) && export_note(x, rel, size,
	    md, mtime) == 0)
		rc = 0;
 out:
	if (rc == -1)
		log_warn("export: %s", rel);
	EVP_MD_CTX_free(md_ctx);
	if (fd != -1 && close(fd) == -1)
		rc = -1;
	return rc;
}

/* Renders gemtext (or a gophermap) as the menu DIR/gopher/<at>gophermap. */
static int
export_menu(struct export *x, const char *at, const char *dir,
    const char *src, size_t len, int is_map, time_t mtime)
{
	struct gopher_ctx	 ctx = { x->host, x->port, dir };
	char			 rel[EXPORT_REL_MAX], *menu;
	size_t			 mlen = 0;
	int			 rc;

	menu = is_map ? gopher_map(src, len, &ctx, &mlen) :
	    gemtext_to_gopher(src, len, &ctx, &mlen);
	if (menu == NULL || (size_t)snprintf(rel, sizeof(rel),
	    "gopher%sgophermap", at) >= sizeof(rel)) {
		free(menu);
		return -1;
	}
	rc = export_put(x, rel, menu, mlen, -1, mtime);
	free(menu);
	return rc;
}

/* Reads a whole file (at most EXPORT_PAGE_MAX bytes); NULL if not. */
static char *
export_slurp(int fd, off_t size, size_t *lenp)
{
	char	*buf;
	ssize_t	 n;

	if (size > EXPORT_PAGE_MAX || (buf = malloc((size_t)size + 1)) ==
	    NULL)
		return NULL;
	if ((n = pread(fd, buf, (size_t)size, 0)) != size) {
		free(buf);
		return NULL;
	}
	*lenp = (size_t)n;
	return buf;
}

/* A gemtext page: its menu at gopher/<path>/gophermap. */
static int
export_page(struct export *x, const char *path, const char *dir, int fd,
    const struct fs_node *node)
{
	char	*src, at[EXPORT_REL_MAX];
	size_t	 len;
	int	 rc;

	if ((src = export_slurp(fd, node->size, &len)) == NULL) {
		log_warnx("export: %s: unreadable or over %d bytes", path,
		    EXPORT_PAGE_MAX);
		return -1;
	}
	snprintf(at, sizeof(at), "%s/", path);
	rc = export_menu(x, at, dir, src, len, 0, node->mtime);
	free(src);
	return rc;
}

/* One file of the tree, at path ("/a/b.gmi") in directory dir ("/a/"). */
static int
export_file(struct export *x, const char *path, const char *dir,
    const char *name, const struct fs_node *node)
{
	char	 rel[EXPORT_REL_MAX];
	size_t	 n = strlen(name);
	int	 rc;

	if (node->mtime > x->newest)
		x->newest = node->mtime;
	snprintf(rel, sizeof(rel), "gemini%s", path);
	rc = export_put(x, rel, NULL, 0, node->fd, node->mtime);
	if (n > 4 && strcmp(name + n - 4, ".gmi") == 0)
		return rc | export_page(x, path, dir, node->fd, node);
	/* The directory's gophermap is written rendered, below. */
	if (strcmp(name, "gophermap") == 0)
		return rc;
	if (lseek(node->fd, 0, SEEK_SET) == -1)
		return -1;
	snprintf(rel, sizeof(rel), "gopher%s", path);
	return rc | export_put(x, rel, NULL, 0, node->fd, node->mtime);
}

/* The directory's menu: its gophermap, else its index.gmi, else none. */
static int
export_dir_menu(struct export *x, int dirfd, const char *dir)
{
	static const char *const names[] = { "gophermap", "index.gmi" };
	struct fs_node	 node;
	char		*src;
	size_t		 i, len;
	int		 rc = 0;

	for (i = 0; i < 2; i++) {
		if (fs_open_at(dirfd, names[i], &node) == -1)
			return -1;
		if (node.kind != FS_FILE) {
			if (node.fd != -1)
				close(node.fd);
			continue;
		}
		if ((src = export_slurp(node.fd, node.size, &len)) == NULL)
			rc = -1;
		else
			rc = export_menu(x, dir, dir, src, len, i == 0,
			    node.mtime);
		free(src);
		close(node.fd);
		return rc;
	}
	return 0;
}

/* Walks dirfd, the directory at dir ("/" or "/a/"), in name order. */
static int
export_walk(struct export *x, int dirfd, const char *dir, int depth)
{
	struct fs_entry	*ents;
	struct fs_node	 node;
	char		 path[PATH_MAX];
	ssize_t		 n, i;
	int		 rc = 0;

	if ((n = fs_list(dirfd, &ents)) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir,
		    ents[i].name, ents[i].is_dir ? "/" : "") >= sizeof(path) ||
		    fs_open_at(dirfd, ents[i].name, &node) == -1)
			continue;
		if (node.kind == FS_DIR && depth < EXPORT_DEPTH_MAX)
			rc = export_walk(x, node.fd, path, depth + 1);
		else if (node.kind == FS_FILE)
			rc = export_file(x, path, dir, ents[i].name, &node);
		if (node.fd != -1)
			close(node.fd);
	}
	free(ents);
	return rc != 0 ? rc : export_dir_menu(x, dirfd, dir);
}

/* The pages the site generates, and the site map, as the server has them. */
static int
export_generated(struct export *x, const struct site *s)
{
	const struct site_page	*pg;
	char			 rel[EXPORT_REL_MAX], at[PATH_MAX + 2];
	char			 dir[PATH_MAX + 2];
	char			*slash;
	size_t			 i, len;
	int			 rc = 0;

	for (i = 0; i <= s->npages && rc == 0; i++) {
		if ((i < s->npages && s->pages[i].is_owned) ||
		    (i == s->npages && s->sitemap == NULL))
			continue;
		pg = i < s->npages ? &s->pages[i] : NULL;
		snprintf(at, sizeof(at), "%s", pg != NULL ? pg->path :
		    "/sitemap.gmi");
		len = strlen(at);
		snprintf(dir, sizeof(dir), "%s", at);
		if ((slash = strrchr(dir, '/')) != NULL)
			slash[1] = '\0';
		snprintf(rel, sizeof(rel), "gemini%s%s", at,
		    at[len - 1] == '/' ? "index.gmi" : "");
		if (at[len - 1] != '/')
			snprintf(at + len, sizeof(at) - len, "/");
		rc = export_put(x, rel, pg != NULL ? pg->text : s->sitemap,
		    pg != NULL ? pg->len : s->sitemaplen, -1, x->newest);
		if (rc == 0)
			rc = export_menu(x, at, dir, pg != NULL ? pg->text :
			    s->sitemap, pg != NULL ? pg->len : s->sitemaplen,
			    0, x->newest);
	}
	return rc;
}

static int
export_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct export_file *)a)->path,
	    ((const struct export_file *)b)->path);
}

/* The manifest: one "PATH SIZE SHA-256 TIME" line a file, by path. */
static void
export_manifest(struct export *x, FILE *fp)
{
	struct tm	 tm;
	char		 when[32];
	size_t		 i;

	qsort(x->files, x->nfiles, sizeof(*x->files), export_file_cmp);
	fprintf(fp, "# capsuled export manifest: path, bytes, SHA-256, "
	    "last change (UTC)\n");
	for (i = 0; i < x->nfiles; i++) {
		gmtime_r(&x->files[i].mtime, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(fp, "%s\t%lld\t%s\t%s\n", x->files[i].path,
		    (long long)x->files[i].size, x->files[i].sha, when);
	}
}

/* Writes DIR/manifest.txt. */
static int
export_manifest_file(struct export *x)
{
	FILE	*fp;
	int	 fd;

	if ((fd = openat(x->out_fd, EXPORT_MANIFEST, O_WRONLY | O_CREAT |
	    O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) == -1 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		log_warn("export: %s", EXPORT_MANIFEST);
		if (fd != -1)
			close(fd);
		return -1;
	}
	export_manifest(x, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

/* Makes DIR, or takes it if it is an empty directory. */
static int
export_outdir(const char *outdir)
{
	struct fs_entry	*ents;
	ssize_t		 n;
	int		 fd;

	if (mkdir(outdir, 0755) == -1 && errno != EEXIST) {
		log_warn("export: %s", outdir);
		return -1;
	}
	if ((fd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("export: %s", outdir);
		return -1;
	}
	n = fs_list(fd, &ents);
	free(ents);
	if (n != 0) {
		log_warnx("export: %s: %s", outdir, n == -1 ?
		    "cannot be read" : "not empty");
		close(fd);
		return -1;
	}
	return fd;
}

/* The Gopher port clients of the mirror use. */
static int
export_port(const struct config *conf)
{
	size_t	 i;

	if (conf->gopher_port != 0)
		return conf->gopher_port;
	for (i = 0; i < conf->nlisten; i++)
		if (conf->listen[i].proto == PROTO_GOPHER)
			return conf->listen[i].port;
	return GOPHER_PORT;
}

/* Walks the tree and the generated pages: files (or only hashes). */
static int
export_all(struct export *x, const struct config *conf, int root_fd,
    const struct site *s)
{
	int	 rc;

	x->host = conf->hosts[0].name;
	x->port = export_port(conf);
	rc = export_walk(x, root_fd, "/", 0);
	if (rc == 0 && s != NULL)
		rc = export_generated(x, s);
	return rc;
}

int
export_run(const struct server *srv, const char *outdir)
{
	struct export	 x;
	int		 rc;

	memset(&x, 0, sizeof(x));
	if ((x.out_fd = export_outdir(outdir)) == -1)
		return 1;
	rc = export_all(&x, &srv->conf, srv->conf.hosts[0].root_fd,
	    srv->sites[0]);
	if (rc == 0)
		rc = export_manifest_file(&x);
	if (rc == 0)
		log_info("export: %zu files in %s for gopher://%s:%d/",
		    x.nfiles, outdir, x.host, x.port);
	free(x.files);
	close(x.out_fd);
	return rc == 0 ? 0 : 1;
}

char *
export_text(const struct config *conf, int root_fd, const struct site *s,
    size_t *lenp)
{
	struct export	 x;
	char		*text = NULL;
	FILE		*fp;

	memset(&x, 0, sizeof(x));
	x.out_fd = -1;
	*lenp = 0;
	if (export_all(&x, conf, root_fd, s) == 0 &&
	    (fp = open_memstream(&text, lenp)) != NULL) {
		export_manifest(&x, fp);
		if (fclose(fp) != 0) {
			free(text);
			text = NULL;
		}
	}
	free(x.files);
	return text;
}
