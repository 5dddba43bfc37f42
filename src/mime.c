/*
 * Content types: a sorted extension table first (fast, predictable, and
 * right for gemtext, which libmagic calls text/plain), then libmagic on
 * the first bytes of the file for everything the table does not know.
 */
#include <sys/types.h>

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "capsuled.h"

/* Bytes of a file libmagic looks at: enough for every common format. */
#define MIME_SNIFF_BYTES	4096

struct mime_ext {
	const char	*ext;	/* extension without the dot, lower-case */
	const char	*type;	/* media type */
};

/* Sorted by ext (bsearch); text types carry no charset: it is sniffed. */
static const struct mime_ext mime_table[] = {
	{ "7z",		"application/x-7z-compressed" },
	{ "atom",	"application/atom+xml" },
	{ "bz2",	"application/x-bzip2" },
	{ "c",		"text/x-c" },
	{ "css",	"text/css" },
	{ "csv",	"text/csv" },
	{ "epub",	"application/epub+zip" },
	{ "flac",	"audio/flac" },
	{ "gemini",	"text/gemini" },
	{ "gif",	"image/gif" },
	{ "gmi",	"text/gemini" },
	{ "gz",		"application/gzip" },
	{ "h",		"text/x-c" },
	{ "htm",	"text/html" },
	{ "html",	"text/html" },
	{ "jpeg",	"image/jpeg" },
	{ "jpg",	"image/jpeg" },
	{ "js",		"text/javascript" },
	{ "json",	"application/json" },
	{ "m4a",	"audio/mp4" },
	{ "md",		"text/markdown" },
	{ "mkv",	"video/x-matroska" },
	{ "mp3",	"audio/mpeg" },
	{ "mp4",	"video/mp4" },
	{ "ogg",	"audio/ogg" },
	{ "opus",	"audio/opus" },
	{ "pdf",	"application/pdf" },
	{ "png",	"image/png" },
	{ "rss",	"application/rss+xml" },
	{ "svg",	"image/svg+xml" },
	{ "tar",	"application/x-tar" },
	{ "tsv",	"text/tab-separated-values" },
	{ "txt",	"text/plain" },
	{ "wav",	"audio/wav" },
	{ "webm",	"video/webm" },
	{ "webp",	"image/webp" },
	{ "xml",	"application/xml" },
	{ "xz",		"application/x-xz" },
	{ "zip",	"application/zip" },
};

struct magic_set *
mime_open(void)
{
	magic_t	 m;

	m = magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING |
	    MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR);
	if (m == NULL) {
		log_warn("libmagic");
		return NULL;
	}
	if (magic_load(m, NULL) == -1) {
		log_warnx("libmagic: %s", magic_error(m));
		magic_close(m);
		return NULL;
	}
	return m;
}

void
mime_close(struct magic_set *m)
{
	if (m != NULL)
		magic_close(m);
}

static int
mime_cmp(const void *key, const void *elem)
{
	const struct mime_ext *e = elem;

	return strcasecmp(key, e->ext);
}

const char *
mime_by_ext(const char *name)
{
	const struct mime_ext	*e;
	const char		*dot, *slash;

	slash = strrchr(name, '/');
	if (slash != NULL)
		name = slash + 1;
	dot = strrchr(name, '.');
	if (dot == NULL || dot == name || dot[1] == '\0')
		return NULL;
	e = bsearch(dot + 1, mime_table, sizeof(mime_table) /
	    sizeof(mime_table[0]), sizeof(mime_table[0]), mime_cmp);
	return e == NULL ? NULL : e->type;
}

/* Asks libmagic about the first bytes of fd: "type; charset=x". */
static const char *
mime_sniff(struct magic_set *m, int fd)
{
	char	 buf[MIME_SNIFF_BYTES];
	ssize_t	 n;

	if (m == NULL || fd == -1)
		return NULL;
	n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return NULL;
	if (n == 0)
		return "text/plain; charset=us-ascii";
	return magic_buffer(m, buf, (size_t)n);
}

/* mime_sniff() through the memo: a slot holds one path's answer for one
 * version of the file (its stamp: inode, size, time). */
static const char *
mime_sniff_memo(struct magic_set *m, struct mime_memo *memo,
    const struct fs_node *node, const char *name)
{
	uint64_t	 h;
	const char	*sniffed;
	size_t		 i, len;

	if (node == NULL)
		return NULL;
	if (memo == NULL)
		return mime_sniff(m, node->fd);
	h = fs_hash(FS_HASH_SEED, name, strlen(name));
	i = (size_t)((h ^ node->stamp) % MIME_MEMO_SLOTS);
	if (memo->slot[i].type[0] != '\0' && memo->slot[i].stamp ==
	    node->stamp && memo->slot[i].name == h)
		return memo->slot[i].type;
	sniffed = mime_sniff(m, node->fd);
	memo->slot[i].type[0] = '\0';
	if (sniffed != NULL && (len = strlen(sniffed)) < MIME_TYPE_MAX) {
		memcpy(memo->slot[i].type, sniffed, len + 1);
		memo->slot[i].stamp = node->stamp;
		memo->slot[i].name = h;
	}
	return sniffed;
}

/* Copies libmagic's charset=... from sniffed onto a text type. */
static void
mime_add_charset(char *dst, size_t dstsz, const char *sniffed)
{
	const char	*cs;
	size_t		 len;

	if (sniffed == NULL || (cs = strstr(sniffed, "charset=")) == NULL)
		return;
	cs += strlen("charset=");
	if (strcmp(cs, "binary") == 0 || strncmp(cs, "unknown", 7) == 0)
		return;
	len = strlen(dst);
	snprintf(dst + len, dstsz - len, "; charset=%s", cs);
}

int
mime_type(struct magic_set *m, struct mime_memo *memo,
    const struct fs_node *node, const char *name, const char *lang,
    char *dst, size_t dstsz)
{
	const char	*type, *sniffed = NULL;
	size_t		 len;

	type = mime_by_ext(name);
	if (type != NULL && strcmp(type, "text/gemini") == 0) {
		/* Gemini 0.24: UTF-8 is the default charset of text/gemini. */
		if (lang != NULL && lang[0] != '\0')
			snprintf(dst, dstsz, "%s; lang=%s", type, lang);
		else
			snprintf(dst, dstsz, "%s", type);
		return 0;
	}
	if (type == NULL || strncmp(type, "text/", 5) == 0)
		sniffed = mime_sniff_memo(m, memo, node, name);
	if (type == NULL) {
		if (sniffed == NULL)
			sniffed = "application/octet-stream";
		snprintf(dst, dstsz, "%s", sniffed);
		/* libmagic says "charset=binary" for binary types: drop it. */
		len = strcspn(dst, ";");
		if (strncmp(dst, "text/", 5) != 0)
			dst[len] = '\0';
		return 0;
	}
	snprintf(dst, dstsz, "%s", type);
	if (strncmp(type, "text/", 5) == 0)
		mime_add_charset(dst, dstsz, sniffed);
	return 0;
}
