/*
 * Resolving request paths under a root directory fd. The path arrives
 * decoded and normalised (uri.c); here the kernel does the containment:
 * openat2(RESOLVE_BENEATH) refuses any walk, symlinks included, that
 * would leave the root. Where openat2 is missing, every component is
 * opened with O_NOFOLLOW instead, so no symlink is followed at all.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/openat2.h>
#endif

#include "capsuled.h"

/* Open flags of every file we serve: never a controlling tty or a FIFO
 * that blocks the worker. */
#define FS_OPEN_FLAGS	(O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

int
fs_is_hidden(const char *path)
{
	const char	*p;

	for (p = path; *p != '\0'; p++)
		if (*p == '.' && (p == path || p[-1] == '/'))
			return 1;
	return 0;
}

/* openat() that cannot leave dirfd; errno EXDEV/ELOOP when it would. */
static int
fs_openat_beneath(int dirfd, const char *rel)
{
#if defined(__linux__) && defined(SYS_openat2)
	struct open_how	 how;
	int		 fd;

	memset(&how, 0, sizeof(how));
	how.flags = FS_OPEN_FLAGS;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd != -1 || errno != ENOSYS)
		return fd;
#endif
	return -2;
}

/* Fallback walk: one component at a time, no symlink followed. */
static int
fs_openat_walk(int dirfd, const char *rel)
{
	char	 buf[PATH_MAX], *comp, *save = NULL;
	int	 fd, next;

	if (strlen(rel) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, rel, strlen(rel) + 1);
	if ((fd = openat(dirfd, ".", FS_OPEN_FLAGS | O_DIRECTORY)) == -1)
		return -1;
	for (comp = strtok_r(buf, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		next = openat(fd, comp, FS_OPEN_FLAGS | O_NOFOLLOW);
		close(fd);
		if (next == -1)
			return -1;
		fd = next;
	}
	return fd;
}

/* Fills node from an open fd; keeps only regular files and dirs. */
static int
fs_fill(int fd, struct fs_node *node)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1 || !(S_ISREG(st.st_mode) ||
	    S_ISDIR(st.st_mode))) {
		close(fd);
		node->kind = FS_NOTFOUND;
		return 0;
	}
	/* Regular files ignore O_NONBLOCK; clear it anyway for sendfile. */
	(void)fcntl(fd, F_SETFL, 0);
	node->fd = fd;
	node->kind = S_ISDIR(st.st_mode) ? FS_DIR : FS_FILE;
	node->size = st.st_size;
	node->mtime = st.st_mtime;
	node->stamp = ((uint64_t)st.st_ino * 1099511628211ULL) ^
	    ((uint64_t)st.st_size << 20) ^ (uint64_t)st.st_mtim.tv_sec ^
	    ((uint64_t)st.st_mtim.tv_nsec << 32) ^ (uint64_t)st.st_dev;
	return 0;
}

int
fs_open_at(int dirfd, const char *rel, struct fs_node *node)
{
	int	 fd;

	memset(node, 0, sizeof(*node));
	node->fd = -1;
	while (*rel == '/')
		rel++;
	if (fs_is_hidden(rel)) {
		node->kind = FS_DENIED;
		return 0;
	}
	if (*rel == '\0')
		rel = ".";
	fd = fs_openat_beneath(dirfd, rel);
	if (fd == -2)
		fd = fs_openat_walk(dirfd, rel);
	if (fd == -1) {
		node->kind = (errno == EXDEV || errno == ELOOP) ?
		    FS_DENIED : FS_NOTFOUND;
		return 0;
	}
	return fs_fill(fd, node);
}

int
fs_open(int root_fd, const char *path, struct fs_node *node)
{
	return fs_open_at(root_fd, path, node);
}

static int
fs_entry_cmp(const void *a, const void *b)
{
	const struct fs_entry	*x = a, *y = b;

	if (x->is_dir != y->is_dir)
		return y->is_dir - x->is_dir;
	return strcmp(x->name, y->name);
}

/* Stats one entry; symlinks count only when they stay beneath dirfd. */
static int
fs_stat_entry(int dirfd, const char *name, struct fs_entry *e)
{
	struct fs_node	 node;
	struct stat	 st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		if (fs_open_at(dirfd, name, &node) == -1 ||
		    (node.kind != FS_FILE && node.kind != FS_DIR))
			return -1;
		close(node.fd);
		st.st_mode = node.kind == FS_DIR ? S_IFDIR : S_IFREG;
		st.st_size = node.size;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -1;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->is_dir = S_ISDIR(st.st_mode);
	e->size = st.st_size;
	return 0;
}

ssize_t
fs_list(int dirfd, struct fs_entry **out)
{
	struct fs_entry	*v;
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;
	int		 fd;

	*out = NULL;
	if ((fd = dup(dirfd)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	if ((v = calloc(FS_LIST_MAX, sizeof(*v))) == NULL) {
		closedir(d);
		return -1;
	}
	while (n < FS_LIST_MAX && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fs_stat_entry(dirfd, de->d_name, &v[n]) == 0)
			n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), fs_entry_cmp);
	*out = v;
	return (ssize_t)n;
}

uint64_t
fs_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}
