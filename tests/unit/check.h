/*
 * A minimal unit-test harness. Each case prints one line,
 * "PASS prog: case" or "FAIL prog: case: file:line: what" (the first
 * failed check only), and check_done() gives the exit status: 1 if any
 * case failed or none ran.
 *
 *	struct check ck;
 *	check_init(&ck, "test_uri");
 *	check_case(&ck, "empty path is %s", "/");
 *	CHECK_STR(&ck, u.path, "/");
 *	return check_done(&ck);
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Bytes of a case name or of a value shown in a failure line. */
#define CHECK_NAME_MAX	160
#define CHECK_SHOW_MAX	200

/* The state of one test program. */
struct check {
	const char	*prog;			/* program name on each line */
	char		 name[CHECK_NAME_MAX];	/* current case */
	int		 is_open;		/* a case is running */
	int		 is_failed;		/* the current case failed */
	int		 npass;			/* cases passed */
	int		 nfail;			/* cases failed */
};

/* Writes len bytes of s with bytes outside printable ASCII as \xNN,
 * cut to fit (escaping twice changes nothing). */
static inline void
check_escape(char *dst, size_t dstsz, const char *s, size_t len)
{
	size_t	 i, o = 0;
	int	 c;

	for (i = 0; i < len && o + 5 < dstsz; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, dstsz - o, "\\x%02x", c);
	}
	if (i < len && o + 3 < dstsz) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static inline void
check_init(struct check *ck, const char *prog)
{
	memset(ck, 0, sizeof(*ck));
	ck->prog = prog;
}

/* Ends the current case: a PASS line unless it already failed. */
static inline void
check_end(struct check *ck)
{
	if (!ck->is_open)
		return;
	if (ck->is_failed)
		ck->nfail++;
	else {
		ck->npass++;
		printf("PASS %s: %s\n", ck->prog, ck->name);
	}
	ck->is_open = 0;
	fflush(stdout);
}

/* Starts a case named by a format; ends the previous one. */
static inline void __attribute__((format(printf, 2, 3)))
check_case(struct check *ck, const char *fmt, ...)
{
	char	 raw[CHECK_NAME_MAX];
	va_list	 ap;
	int	 n;

	check_end(ck);
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(raw))
		n = sizeof(raw) - 1;
	check_escape(ck->name, sizeof(ck->name), raw, (size_t)n);
	ck->is_open = 1;
	ck->is_failed = 0;
}

/* Records a failed check; only the first of a case is printed. */
static inline int __attribute__((format(printf, 4, 5)))
check_fail(struct check *ck, const char *file, int line, const char *fmt,
    ...)
{
	va_list	 ap;

	if (!ck->is_open)
		check_case(ck, "(outside any case)");
	if (!ck->is_failed) {
		printf("FAIL %s: %s: %s:%d: ", ck->prog, ck->name, file, line);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	ck->is_failed = 1;
	return 0;
}

static inline int
check_int(struct check *ck, const char *file, int line, const char *what,
    long long got, long long want)
{
	if (got == want)
		return 1;
	return check_fail(ck, file, line, "%s is %lld, want %lld", what, got,
	    want);
}

static inline int
check_mem(struct check *ck, const char *file, int line, const char *what,
    const char *got, size_t glen, const char *want, size_t wlen)
{
	char	 g[CHECK_SHOW_MAX], w[CHECK_SHOW_MAX];

	if (got != NULL && glen == wlen && memcmp(got, want, wlen) == 0)
		return 1;
	if (got == NULL)
		return check_fail(ck, file, line, "%s is NULL", what);
	check_escape(g, sizeof(g), got, glen);
	check_escape(w, sizeof(w), want, wlen);
	return check_fail(ck, file, line, "%s is \"%s\", want \"%s\"", what,
	    g, w);
}

static inline int
check_str(struct check *ck, const char *file, int line, const char *what,
    const char *got, const char *want)
{
	return check_mem(ck, file, line, what, got,
	    got == NULL ? 0 : strlen(got), want, strlen(want));
}

/* Ends the last case; the program's exit status. */
static inline int
check_done(struct check *ck)
{
	check_end(ck);
	return ck->nfail > 0 || ck->npass == 0;
}

#define CHECK(ck, cond)							\
	((cond) ? 1 : check_fail((ck), __FILE__, __LINE__, "%s", #cond))
#define CHECK_INT(ck, got, want)					\
	check_int((ck), __FILE__, __LINE__, #got, (long long)(got),	\
	    (long long)(want))
#define CHECK_STR(ck, got, want)					\
	check_str((ck), __FILE__, __LINE__, #got, (got), (want))
#define CHECK_MEM(ck, got, glen, want, wlen)				\
	check_mem((ck), __FILE__, __LINE__, #got, (got), (glen),	\
	    (want), (wlen))

#endif /* CHECK_H */
