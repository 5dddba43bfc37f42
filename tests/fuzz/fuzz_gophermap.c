/*
 * libFuzzer target for gopher_map: whatever the gophermap, the menu
 * is well formed. Every line ends in CR LF and has exactly three TABs,
 * its display fits GOPHER_WIDTH columns, and ".\r\n" ends the menu.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Checks one menu line (without CR LF); aborts on a broken one. */
static void
check_line(const char *s, size_t len)
{
	const char	*tab;
	size_t		 i, tabs = 0;

	if (len == 0 || (unsigned char)s[0] <= ' ' ||
	    (unsigned char)s[0] >= 0x7f)
		abort();
	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			abort();
		tabs += s[i] == '\t';
	}
	if (tabs != 3 || (tab = memchr(s, '\t', len)) == NULL)
		abort();
	if (gemtext_width(s + 1, tab - s - 1) > GOPHER_WIDTH)
		abort();
	if (s[len - 1] < '0' || s[len - 1] > '9')
		abort();	/* the port */
}

/* Checks a whole menu. */
static void
check_menu(const char *m, size_t len)
{
	const char	*end, *crlf;

	if (m == NULL || len < 3 || memcmp(m + len - 3, ".\r\n", 3) != 0)
		abort();
	end = m + len - 3;
	while (m < end) {
		crlf = memmem(m, end - m, "\r\n", 2);
		if (crlf == NULL)
			abort();
		check_line(m, crlf - m);
		m = crlf + 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gopher_ctx	 ctx = { "example.org", 70, "/a/b/" };
	char				*out;
	size_t				 len = 0;

	out = gopher_map((const char *)data, size, &ctx, &len);
	check_menu(out, len);
	free(out);
	return 0;
}
