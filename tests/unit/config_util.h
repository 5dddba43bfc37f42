/*
 * What the configuration's unit tests share: parse text over the
 * defaults, and dump a configuration into a string.
 */
#ifndef CONFIG_UTIL_H
#define CONFIG_UTIL_H

#include <stdio.h>
#include <string.h>

/* A string literal and its length, embedded NUL bytes included. */
#define S(s)		(s), sizeof(s) - 1
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* Room for any message config.c writes. */
#define ERR_MAX		512
/* The file name the parse cases report. */
#define NAME		"t.conf"

/* Parses text (len bytes) over the defaults. */
static int
parse(struct config *conf, const char *text, size_t len, char *err)
{
	config_defaults(conf);
	err[0] = '\0';
	return config_parse(conf, NAME, text, len, err, ERR_MAX);
}

/* config_dump into a malloc'd string. */
static char *
dump(const struct config *conf)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	config_dump(conf, fp);
	fclose(fp);
	return out;
}

/* A config text that must be refused, with the whole message. */
struct err_case {
	const char	*text;		/* the file */
	size_t		 len;		/* its bytes */
	const char	*want;		/* the whole message */
};

#define ERR(text, want)	{ S(text), NAME ":" want }

/* Each case is refused (-1) with exactly its message. */
static void
check_errors(struct check *ck, struct config *conf,
    const struct err_case *cases, size_t n)
{
	char	 err[ERR_MAX];
	size_t	 i;

	for (i = 0; i < n; i++) {
		check_case(ck, "refuses #%zu: %s", i,
		    cases[i].want + strlen(NAME ":"));
		CHECK_INT(ck, parse(conf, cases[i].text, cases[i].len, err),
		    -1);
		CHECK_STR(ck, err, cases[i].want);
	}
}

#endif
