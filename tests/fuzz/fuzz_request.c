/*
 * libFuzzer target for gemini.c: bytes as they arrive from a client go
 * through gemini_frame() and gemini_parse() with two host names, with and
 * without SNI. The only answers are 0, 53 and 59, with a meta that fits
 * a header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

#define FUZZ_ASSERT(cond)	do { if (!(cond)) abort(); } while (0)
/* The port the fuzzed listener has. */
#define FUZZ_PORT		1965

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_parse(const char *line, size_t len, const char *sni)
{
	static const char *const names[] = { "example.org", "other.test" };
	struct gemini_route	 route;
	struct gemini_req	 req;
	char			 meta[GEMINI_META_MAX + 1];
	char			 hdr[GEMINI_META_MAX + 8];
	int			 status;

	memset(&route, 0, sizeof(route));
	route.names = names;
	route.nnames = 2;
	route.sni = sni;
	route.port = FUZZ_PORT;
	memset(meta, 'X', sizeof(meta));
	status = gemini_parse(line, len, &route, &req, meta, sizeof(meta));
	FUZZ_ASSERT(status == 0 || status == 53 || status == 59);
	FUZZ_ASSERT(memchr(meta, '\0', sizeof(meta)) != NULL);
	if (status != 0) {
		FUZZ_ASSERT(meta[0] != '\0');
		FUZZ_ASSERT(gemini_header(hdr, sizeof(hdr), status, meta) > 0);
		return;
	}
	FUZZ_ASSERT(len > 0 && len <= GEMINI_URL_MAX);
	FUZZ_ASSERT(req.host < 2);
	FUZZ_ASSERT(strcmp(req.url.scheme, "gemini") == 0);
	FUZZ_ASSERT(req.url.port == 0 || req.url.port == FUZZ_PORT);
	FUZZ_ASSERT(req.url.path[0] == '/');
	FUZZ_ASSERT(strstr(req.url.path, "/../") == NULL);
	FUZZ_ASSERT(req.url.is_ip || sni == NULL ||
	    strcmp(names[req.host], sni) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 buf[GEMINI_REQ_MAX];
	size_t	 n = size < sizeof(buf) ? size : sizeof(buf);
	ssize_t	 line;

	memcpy(buf, data, n);
	line = gemini_frame(buf, n);
	if (line == GEMINI_FRAME_MORE) {
		FUZZ_ASSERT(n < GEMINI_REQ_MAX);
	} else if (line == GEMINI_FRAME_TOOLONG) {
		FUZZ_ASSERT(n == GEMINI_REQ_MAX);
	} else {
		FUZZ_ASSERT(line >= 0 && line <= GEMINI_URL_MAX);
		FUZZ_ASSERT(buf[line] == '\r' && buf[line + 1] == '\n');
		FUZZ_ASSERT(memmem(buf, (size_t)line, "\r\n", 2) == NULL);
		fuzz_parse(buf, (size_t)line, "other.test");
		fuzz_parse(buf, (size_t)line, NULL);
	}
	/* Unframed, any length: the parser's own limits. */
	fuzz_parse((const char *)data, size, "example.org");
	return 0;
}
