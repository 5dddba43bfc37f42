/*
 * A host's site: what the capsule tree holds beyond its files. At start
 * and at every reload the master walks the tree once, reads every gemtext
 * page (for the site map and the search index) and the data file, and
 * builds the generated pages in memory; workers inherit it at fork and
 * serve it read-only, so nothing is rendered per request.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "export.h"

/* Pages read into one site: bounds memory and start-up time. */
#define SITE_PAGES_MAX		4096
/* Directory depth walked. */
#define SITE_DEPTH_MAX		16
/* Largest page read for the site map and search. */
#define SITE_PAGE_MAX		(1024 * 1024)
/* Largest data file. */
#define SITE_DATA_MAX		(4 * 1024 * 1024)
/* Generic wording of the generated site map (no capsule fact). */
#define SITE_MAP_TITLE		"Site map: every page with its title"
#define SITE_MAP_INTRO		"Every page of this capsule, written or " \
				"generated, in path order."

/* Reads a whole file opened by fs_open_at; NULL if too large. */
static char *
site_read(struct fs_node *node, size_t max, size_t *lenp)
{
	char	*buf;
	ssize_t	 n;
	size_t	 got = 0;

	if (node->size < 0 || (size_t)node->size > max ||
	    (buf = malloc((size_t)node->size + 1)) == NULL)
		return NULL;
	while (got < (size_t)node->size) {
		n = pread(node->fd, buf + got, (size_t)node->size - got,
		    (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*lenp = got;
	return buf;
}

/* Adds one page; text is owned by the site when is_owned. */
static int
site_add(struct site *s, const char *path, char *text, size_t len,
    int is_owned)
{
	struct site_page	*p;

	if (s->npages == SITE_PAGES_MAX)
		return -1;
	p = &s->pages[s->npages++];
	snprintf(p->path, sizeof(p->path), "%s", path);
	sitemap_title(text, len, p->title, sizeof(p->title));
	p->text = text;
	p->len = len;
	p->is_owned = is_owned;
	return 0;
}

/* A data file holds facet directives: the generator's input. */
static int
site_is_data(const char *buf, size_t len)
{
	return len >= 7 && (memcmp(buf, "#facet\t", 7) == 0 ||
	    memmem(buf, len, "\n#facet\t", 8) != NULL);
}

static void	site_walk(struct site *, int, const char *, int);

/* One directory entry met by the walk. */
static void
site_entry(struct site *s, int dirfd, const char *dir, const char *name,
    int depth)
{
	struct fs_node	 node;
	char		 path[PATH_MAX], *buf;
	size_t		 len, n = strlen(name);

	if (fs_open_at(dirfd, name, &node) == -1 || node.fd == -1)
		return;
	snprintf(path, sizeof(path), "%s%s", dir, name);
	if (node.kind == FS_DIR) {
		if (depth < SITE_DEPTH_MAX) {
			snprintf(path, sizeof(path), "%s%s/", dir, name);
			site_walk(s, node.fd, path, depth + 1);
		}
	} else if (n > 4 && strcmp(name + n - 4, ".gmi") == 0) {
		if ((buf = site_read(&node, SITE_PAGE_MAX, &len)) != NULL &&
		    site_add(s, path, buf, len, 1) == -1)
			free(buf);
	} else if (depth == 0 && n > 4 && strcmp(name + n - 4, ".tsv") == 0 &&
	    s->data == NULL) {
		buf = site_read(&node, SITE_DATA_MAX, &len);
		if (buf != NULL && site_is_data(buf, len)) {
			s->data = buf;
			s->datalen = len;
			snprintf(s->dataname, sizeof(s->dataname), "%s", name);
		} else
			free(buf);
	}
	close(node.fd);
}

static int
site_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks dirfd (path dir, "/..." with a trailing slash) in name order. */
static void
site_walk(struct site *s, int dirfd, const char *dir, int depth)
{
	struct dirent	*de;
	DIR		*d;
	char		**names = NULL, **grown;
	size_t		 n = 0, cap = 0, i;
	int		 fd;

	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL && n < SITE_PAGES_MAX) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			if ((grown = realloc(names, cap * sizeof(*names))) ==
			    NULL)
				break;
			names = grown;
		}
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), site_name_cmp);
	for (i = 0; i < n; i++) {
		site_entry(s, dirfd, dir, names[i], depth);
		free(names[i]);
	}
	free(names);
}

/*
 * The site map lists every page: hand-written, then generated. A tree
 * that has its own /sitemap.gmi (a mirror's export, say) keeps it.
 */
static int
site_map(struct site *s, int root_fd)
{
	struct sitemap_link	*links;
	struct fs_node		 node;
	struct sitemap		 m;
	size_t			 i, n = 0;

	if (fs_open_at(root_fd, "sitemap.gmi", &node) == 0 &&
	    node.fd != -1) {
		close(node.fd);
		return 0;
	}

	if ((links = calloc(s->npages + 1, sizeof(*links))) == NULL)
		return -1;
	for (i = 0; i < s->npages; i++) {
		links[n].path = s->pages[i].path;
		links[n++].title = s->pages[i].title;
	}
	m.title = SITE_MAP_TITLE;
	m.intro = SITE_MAP_INTRO;
	m.home = s->data != NULL ? s->idx.home : NULL;
	m.links = links;
	m.nlinks = n;
	s->sitemap = sitemap_page(&m, &s->sitemaplen);
	free(links);
	return s->sitemap == NULL ? -1 : 0;
}

/* Generated pages join the page list (borrowed: idx owns them). */
static void
site_add_generated(struct site *s)
{
	size_t	 i;

	for (i = 0; i < s->idx.npages; i++)
		(void)site_add(s, s->idx.pages[i].path, s->idx.pages[i].body,
		    s->idx.pages[i].len, 0);
}

/* The search documents: every page, the site map included. */
static int
site_docs(struct site *s)
{
	size_t	 i;

	if ((s->docs = calloc(s->npages, sizeof(*s->docs))) == NULL)
		return -1;
	for (i = 0; i < s->npages; i++) {
		s->docs[i].path = s->pages[i].path;
		s->docs[i].title = s->pages[i].title;
		s->docs[i].text = s->pages[i].text;
		s->docs[i].len = s->pages[i].len;
	}
	s->ndocs = s->npages;
	return 0;
}

struct site *
site_build(int root_fd, char *err, size_t errsz)
{
	struct site	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->pages = calloc(SITE_PAGES_MAX, sizeof(*s->pages))) == NULL) {
		free(s);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	site_walk(s, root_fd, "/", 0);
	if (s->data != NULL) {
		if (index_build(s->dataname, s->data, s->datalen, &s->idx, err,
		    errsz) == -1) {
			site_free(s);
			return NULL;
		}
		site_add_generated(s);
	}
	if (site_map(s, root_fd) == -1 || site_docs(s) == -1) {
		snprintf(err, errsz, "out of memory");
		site_free(s);
		return NULL;
	}
	return s;
}

void
site_free(struct site *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->npages; i++)
		if (s->pages[i].is_owned)
			free(s->pages[i].text);
	free(s->pages);
	free(s->docs);
	free(s->sitemap);
	free(s->manifest);
	free(s->data);
	index_free(&s->idx);
	free(s);
}

const char *
site_find(const struct site *s, const char *path, size_t *lenp)
{
	const struct index_page	*p;

	if (s == NULL)
		return NULL;
	if (strcmp(path, "/sitemap.gmi") == 0 && s->sitemap != NULL) {
		*lenp = s->sitemaplen;
		return s->sitemap;
	}
	if (s->data == NULL || (p = index_find(&s->idx, path)) == NULL)
		return NULL;
	*lenp = p->len;
	return p->body;
}

static uint64_t
site_stamp_dir(int dirfd, int depth, uint64_t h)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 fd, sub;

	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return h;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || fstatat(dirfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		h = fs_hash(h, de->d_name, strlen(de->d_name));
		h = fs_hash(h, &st.st_mtim, sizeof(st.st_mtim));
		h = fs_hash(h, &st.st_size, sizeof(st.st_size));
		if (S_ISDIR(st.st_mode) && depth < SITE_DEPTH_MAX &&
		    (sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) != -1) {
			h = site_stamp_dir(sub, depth + 1, h);
			close(sub);
		}
	}
	closedir(d);
	return h;
}

uint64_t
site_stamp(int root_fd)
{
	/* Order of readdir is stable for an unchanged directory. */
	return site_stamp_dir(root_fd, 0, FS_HASH_SEED);
}

/*
 * Builds every host's site for srv. A host whose data file is malformed
 * keeps old's site for the same root (the last good index) and the error
 * is logged with file, line and reason. Returns -1 if any host failed.
 */
int
site_load_all(struct server *srv, struct server *old)
{
	struct vhost	*h;
	char		 err[512];
	size_t		 i, j;
	int		 rc = 0;

	for (i = 0; i < srv->conf.nhosts; i++) {
		h = &srv->conf.hosts[i];
		srv->stamps[i] = site_stamp(h->root_fd);
		if ((srv->sites[i] = site_build(h->root_fd, err,
		    sizeof(err))) != NULL)
			continue;
		log_warnx("%s: %s", h->root, err);
		rc = -1;
		for (j = 0; old != NULL && j < old->conf.nhosts; j++)
			if (old->sites[j] != NULL && strcmp(old->conf.hosts[j].root,
			    h->root) == 0) {
				log_warnx("%s: serving the last good index",
				    h->root);
				srv->sites[i] = old->sites[j];
				old->sites[j] = NULL;
				break;
			}
	}
	return rc;
}

/*
 * The manifest "capsuled export" would write, which the server answers
 * at /manifest.txt for mirrors to compare: only a serving server needs
 * it, so --check and export do not hash the tree for it.
 */
void
site_manifest(struct server *srv)
{
	if (srv->conf.nhosts == 0 || srv->sites[0] == NULL)
		return;
	free(srv->sites[0]->manifest);
	srv->sites[0]->manifest = export_text(&srv->conf,
	    srv->conf.hosts[0].root_fd, srv->sites[0],
	    &srv->sites[0]->manifestlen);
}

void
site_free_all(struct server *srv)
{
	size_t	 i;

	for (i = 0; i < CONFIG_HOSTS_MAX; i++) {
		site_free(srv->sites[i]);
		srv->sites[i] = NULL;
	}
}
