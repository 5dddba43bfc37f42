/*
 * Lint of a capsule, for --check: the rules a low-bandwidth capsule keeps
 * (CONTENT.md, "Writing for low bandwidth"). Every page, written or
 * generated, is checked: a "# " title, local links that resolve, no TAB
 * in prose, at most LINT_PAGE_MAX bytes, and a Gopher rendering whose
 * lines fit GOPHER_WIDTH columns.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"

/* Largest page: one small fetch on a slow link (CONTENT.md: "every page
 * under 2 KB"). */
#define LINT_PAGE_MAX		2048

/* What one page's check needs. */
struct lint_ctx {
	const struct site *site;	/* generated pages */
	int		 root_fd;	/* the tree */
	const char	*root;		/* for messages */
	int		 problems;	/* found so far */
};

static void
lint_report(struct lint_ctx *l, const char *path, const char *what,
    size_t lineno)
{
	if (lineno > 0)
		fprintf(stderr, "capsuled: %s%s:%zu: %s\n", l->root, path,
		    lineno, what);
	else
		fprintf(stderr, "capsuled: %s%s: %s\n", l->root, path, what);
	l->problems++;
}

/* 1 if a local target exists: a generated page, search, or the tree. */
static int
lint_target_exists(struct lint_ctx *l, const char *path)
{
	struct fs_node	 node;
	char		 slashed[PATH_MAX + 2];
	size_t		 len;
	int		 ok;

	if (strcmp(path, SERVE_SEARCH_PATH) == 0 ||
	    site_find(l->site, path, &len) != NULL)
		return 1;
	snprintf(slashed, sizeof(slashed), "%s/", path);
	if (site_find(l->site, slashed, &len) != NULL)
		return 1;
	if (fs_is_hidden(path) || fs_open(l->root_fd, path, &node) == -1)
		return 0;
	ok = node.kind == FS_FILE || node.kind == FS_DIR;
	if (node.fd != -1)
		close(node.fd);
	return ok;
}

/* Checks one "=>" line's target when it is local (no scheme). */
static void
lint_link(struct lint_ctx *l, const struct site_page *p, const char *line,
    size_t len, size_t lineno)
{
	char		 dir[PATH_MAX], target[PATH_MAX];
	const char	*u = line + 2, *slash;
	size_t		 n;

	while (u < line + len && (*u == ' ' || *u == '\t'))
		u++;
	n = strcspn(u, " \t?#");
	if (n > (size_t)(line + len - u))
		n = (size_t)(line + len - u);
	if (n == 0 || memchr(u, ':', n) != NULL || (n > 1 && u[0] == '/' &&
	    u[1] == '/'))
		return;
	slash = strrchr(p->path, '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - p->path) + 1,
	    p->path);
	if (gopher_resolve(dir, u, n, target, sizeof(target)) == -1 ||
	    !lint_target_exists(l, target))
		lint_report(l, p->path, "link does not resolve", lineno);
}

/* Title, TABs in prose, links. */
static void
lint_lines(struct lint_ctx *l, const struct site_page *p)
{
	const char	*s = p->text, *end = p->text + p->len, *nl;
	size_t		 lineno = 0, len;
	int		 is_pre = 0;

	if (p->title[0] == '\0')
		lint_report(l, p->path, "no \"# \" title", 0);
	for (; s < end; s = nl + 1) {
		lineno++;
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		len = (size_t)(nl - s);
		if (len >= 3 && memcmp(s, "```", 3) == 0) {
			is_pre = !is_pre;
			continue;
		}
		if (is_pre)
			continue;
		if (memchr(s, '\t', len) != NULL && !(len >= 2 &&
		    memcmp(s, "=>", 2) == 0))
			lint_report(l, p->path, "TAB in prose", lineno);
		if (len >= 2 && memcmp(s, "=>", 2) == 0)
			lint_link(l, p, s, len, lineno);
	}
}

/* The page as a Gopher menu: every display string fits the width. */
static void
lint_gopher(struct lint_ctx *l, const struct site_page *p)
{
	struct gopher_ctx	 ctx = { "localhost", GOPHER_PORT, "/" };
	char			*menu, *s, *tab, *nl;
	size_t			 len, lineno = 0;

	if ((menu = gemtext_to_gopher(p->text, p->len, &ctx, &len)) == NULL)
		return;
	for (s = menu; (nl = memchr(s, '\n', len - (size_t)(s - menu))) !=
	    NULL; s = nl + 1) {
		lineno++;
		tab = memchr(s, '\t', (size_t)(nl - s));
		if (tab != NULL && tab > s && gemtext_width(s + 1,
		    (size_t)(tab - s - 1)) > GOPHER_WIDTH)
			lint_report(l, p->path, "Gopher menu line wider than "
			    "67 columns", lineno);
	}
	free(menu);
}

int
lint_site(const struct site *site, int root_fd, const char *root)
{
	struct lint_ctx	 l;
	size_t		 i;

	memset(&l, 0, sizeof(l));
	l.site = site;
	l.root_fd = root_fd;
	l.root = root;
	for (i = 0; site != NULL && i < site->npages; i++) {
		if (site->pages[i].len > LINT_PAGE_MAX)
			lint_report(&l, site->pages[i].path, "page over 2 KB",
			    0);
		lint_lines(&l, &site->pages[i]);
		lint_gopher(&l, &site->pages[i]);
	}
	return l.problems;
}
