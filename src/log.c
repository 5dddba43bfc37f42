/*
 * Logging with the OpenBSD vocabulary: log_warn (with errno), log_warnx,
 * log_info, log_debug, fatal, fatalx. Everything goes to stderr, one line
 * per message, prefixed by the process role when there is one; or, after
 * log_syslog(), to syslog(3) (facility daemon) with a matching priority.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "capsuled.h"

/* Longest access-log line: an escaped request of GEMINI_REQ_MAX bytes
 * (4 bytes each) and the rest; anything longer is cut. */
#define LOG_ACCESS_MAX	(GEMINI_REQ_MAX * 4 + 512)

/* File-scope state allowed by the house style: level, role, target. */
static int		 log_verbose;
static const char	*log_procname;
static int		 log_to_syslog;

void
log_init(int verbose, const char *procname)
{
	log_verbose = verbose;
	log_procname = procname;
}

/*
 * From now on to syslog. The socket is opened at once (LOG_NDELAY), so
 * workers inherit it and keep logging after chroot and the sandbox.
 */
void
log_syslog(void)
{
	openlog("capsuled", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_to_syslog = 1;
}

void
log_set_procname(const char *procname)
{
	log_procname = procname;
}

static void
log_vemit(int pri, const char *emsg, const char *fmt, va_list ap)
{
	char	 buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_to_syslog)
		syslog(pri, "%s%s%s%s%s", log_procname != NULL ?
		    log_procname : "", log_procname != NULL ? ": " : "", buf,
		    emsg != NULL ? ": " : "", emsg != NULL ? emsg : "");
	else if (log_procname != NULL && emsg != NULL)
		fprintf(stderr, "%s: %s: %s\n", log_procname, buf, emsg);
	else if (log_procname != NULL)
		fprintf(stderr, "%s: %s\n", log_procname, buf);
	else if (emsg != NULL)
		fprintf(stderr, "%s: %s\n", buf, emsg);
	else
		fprintf(stderr, "%s\n", buf);
	fflush(stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* One access-log line, as it is: no role prefix; syslog at info. */
void
log_access(const char *fmt, ...)
{
	va_list	 ap;
	char	 line[LOG_ACCESS_MAX];
	int	 len;

	va_start(ap, fmt);
	if (log_to_syslog)
		vsyslog(LOG_INFO, fmt, ap);
	else if ((len = vsnprintf(line, sizeof(line) - 1, fmt, ap)) >= 0) {
		/* One write(2) per line: stderr is unbuffered. */
		if ((size_t)len > sizeof(line) - 2)
			len = sizeof(line) - 2;
		line[len++] = '\n';
		fwrite(line, 1, (size_t)len, stderr);
	}
	va_end(ap);
}

/*
 * Escapes a request for the access log: printable ASCII stays, '"' and
 * '\' and everything else become \xNN, so a log line is always one line.
 */
size_t
log_escape(char *dst, size_t dstsz, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 i, o = 0;
	unsigned char	 c;

	if (dstsz == 0)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= dstsz)
				break;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 >= dstsz)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	dst[o] = '\0';
	return o;
}
