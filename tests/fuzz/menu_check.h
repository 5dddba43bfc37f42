/*
 * The menu invariants both Gopher fuzz targets assert: every line has a
 * printable type, exactly three TABs, a numeric port and CR LF; display
 * strings fit GOPHER_WIDTH columns (except in preformatted text); the
 * menu ends with ".\r\n". Included by fuzz_gemtext.c and fuzz_gophermap.c.
 */
#ifndef FUZZ_MENU_H
#define FUZZ_MENU_H

/* Checks one menu line (without CR LF); aborts on a broken one. */
static void
check_line(const char *s, size_t len, int has_pre)
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
	if (!has_pre && gemtext_width(s + 1, tab - s - 1) > GOPHER_WIDTH)
		abort();
	if (s[len - 1] < '0' || s[len - 1] > '9')
		abort();	/* the port */
}

/* Checks a whole menu. */
static void
check_menu(const char *m, size_t len, int has_pre)
{
	const char	*end, *crlf;

	if (m == NULL || len < 3 || memcmp(m + len - 3, ".\r\n", 3) != 0)
		abort();
	end = m + len - 3;
	while (m < end) {
		crlf = memmem(m, end - m, "\r\n", 2);
		if (crlf == NULL)
			abort();
		check_line(m, crlf - m, has_pre);
		m = crlf + 2;
	}
}

#endif /* FUZZ_MENU_H */
