/*
 * capsuled: "capsuled export DIR", the rendered capsule as static files
 * for a mirror (export.c).
 */
#ifndef CAPSULED_EXPORT_H
#define CAPSULED_EXPORT_H

/* The manifest's name inside DIR, and where the server serves it. */
#define EXPORT_MANIFEST		"manifest.txt"
#define EXPORT_MANIFEST_PATH	"/" EXPORT_MANIFEST
/* Room for an output path: "gopher" + a tree path + "/gophermap". */
#define EXPORT_REL_MAX		(PATH_MAX + 32)
/* Bytes of a SHA-256 digest. */
#define EXPORT_SHA_LEN		32

/* One file written, as the manifest lists it. */
struct export_file {
	char	 path[EXPORT_REL_MAX];	/* relative to DIR: "gemini/a.gmi" */
	off_t	 size;			/* bytes */
	char	 sha[2 * EXPORT_SHA_LEN + 1];	/* SHA-256, lower-case hex */
	time_t	 mtime;			/* the source's last change */
};

/* An export under way. */
struct export {
	int		 out_fd;	/* DIR, O_DIRECTORY; -1: hash only */
	const char	*host;		/* host written into menus */
	int		 port;		/* port written into menus */
	time_t		 newest;	/* newest source time: the generated
					   pages take it */
	struct export_file *files;	/* written so far */
	size_t		 nfiles;	/* entries in files */
	size_t		 cap;		/* room in files */
};

/* Writes the default host's capsule under outdir; the exit status. */
int	export_run(const struct server *, const char *outdir);
/*
 * The manifest export_run would write for the tree at root_fd and its
 * site s, without writing anything: malloc'd text, or NULL.
 */
char	*export_text(const struct config *, int root_fd, const struct site *,
	    size_t *lenp);

#endif
