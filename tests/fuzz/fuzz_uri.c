/*
 * libFuzzer target for uri.c: any bytes into uri_parse(); a URL it
 * accepts must be canonical, and its path must survive encoding and
 * decoding unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

/* Encoding multiplies a path by at most three ("%XX" per byte). */
#define FUZZ_ENCODED_MAX	(3 * GEMINI_URL_MAX + 1)

#define FUZZ_ASSERT(cond)	do { if (!(cond)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The invariants of a normalised path. */
static void
fuzz_check_path(const char *path)
{
	char	 copy[GEMINI_URL_MAX + 1];
	size_t	 len = strlen(path);

	FUZZ_ASSERT(len > 0 && len < sizeof(copy));
	FUZZ_ASSERT(path[0] == '/');
	FUZZ_ASSERT(strstr(path, "//") == NULL);
	FUZZ_ASSERT(strstr(path, "/./") == NULL);
	FUZZ_ASSERT(strstr(path, "/../") == NULL);
	FUZZ_ASSERT(strcmp(path, "/.") != 0 && strcmp(path, "/..") != 0);
	FUZZ_ASSERT(len < 2 || strcmp(path + len - 2, "/.") != 0);
	FUZZ_ASSERT(len < 3 || strcmp(path + len - 3, "/..") != 0);
	/* Normalising twice changes nothing. */
	memcpy(copy, path, len + 1);
	FUZZ_ASSERT(uri_normalise(copy) == 0 && strcmp(copy, path) == 0);
}

static void
fuzz_check_url(const struct uri *u)
{
	char	 enc[FUZZ_ENCODED_MAX], dec[GEMINI_URL_MAX + 1];
	size_t	 i;

	fuzz_check_path(u->path);
	FUZZ_ASSERT(uri_utf8_valid(u->path, strlen(u->path)));
	FUZZ_ASSERT(u->host[0] != '\0');
	FUZZ_ASSERT(memchr(u->host, '\0', sizeof(u->host)) != NULL);
	for (i = 0; u->host[i] != '\0'; i++)
		FUZZ_ASSERT(u->host[i] < 'A' || u->host[i] > 'Z');
	for (i = 0; u->scheme[i] != '\0'; i++)
		FUZZ_ASSERT(u->scheme[i] < 'A' || u->scheme[i] > 'Z');
	FUZZ_ASSERT(u->port >= 0 && u->port <= 65535);
	FUZZ_ASSERT(u->has_query || u->query[0] == '\0');
	FUZZ_ASSERT(strpbrk(u->query, " \r\n#") == NULL);
	/* A link to the path decodes back to the same path. */
	FUZZ_ASSERT(uri_encode_path(enc, sizeof(enc), u->path) == 0);
	FUZZ_ASSERT(uri_decode(dec, sizeof(dec), enc, strlen(enc)) == 0);
	FUZZ_ASSERT(strcmp(dec, u->path) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	struct uri	 u;
	enum uri_err	 e;
	char		 dec[GEMINI_URL_MAX + 1];

	e = uri_parse(s, size, &u);
	FUZZ_ASSERT(uri_strerror(e) != NULL);
	if (e == URI_OK)
		fuzz_check_url(&u);
	/* The helpers alone, on the raw bytes. */
	if (uri_decode(dec, sizeof(dec), s, size) == 0) {
		FUZZ_ASSERT(strlen(dec) <= size);
		if (dec[0] == '/' && uri_normalise(dec) == 0)
			fuzz_check_path(dec);
	}
	(void)uri_utf8_valid(s, size);
	return 0;
}
