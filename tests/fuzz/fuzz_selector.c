/*
 * libFuzzer target for gopher_frame and gopher_parse: framing stays in
 * bounds, and a request that parses has a path that starts with '/' and
 * never climbs with "..".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_req(const struct gopher_req *req)
{
	size_t	 n = strlen(req->path);

	if (req->path[0] != '/' || strstr(req->path, "/../") != NULL ||
	    (n >= 3 && strcmp(req->path + n - 3, "/..") == 0) ||
	    n > GOPHER_SELECTOR_MAX + 1)
		abort();
	if (req->kind == GOPHER_URL && (req->url[0] == '\0' ||
	    strpbrk(req->url, "\t\r\n<>\"") != NULL))
		abort();
	if (req->has_search != (req->search[0] != '\0'))
		abort();
}

/* Parses len bytes and checks the result when it succeeds. */
static void
parse(const char *s, size_t len)
{
	struct gopher_req	 req;
	char			 err[64];

	if (gopher_parse(s, len, &req, err, sizeof(err)) == 0)
		check_req(&req);
	else if (err[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	ssize_t		 n;

	n = gopher_frame(s, size);
	if (n >= 0) {
		if ((size_t)n > GOPHER_LINE_MAX || (size_t)n >= size ||
		    (s[n] != '\r' && s[n] != '\n'))
			abort();
		parse(s, (size_t)n);
	} else if (n != GEMINI_FRAME_MORE && n != GEMINI_FRAME_TOOLONG)
		abort();
	else if (n == GEMINI_FRAME_MORE && size >= GOPHER_LINE_MAX + 2)
		abort();
	parse(s, size < GOPHER_LINE_MAX ? size : GOPHER_LINE_MAX);
	return 0;
}
