/*
 * What the configuration's unit tests share: parse text over the
 * defaults, and dump a configuration into a string.
 */
#ifndef CONFIG_UTIL_H
#define CONFIG_UTIL_H

#include <stdio.h>

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

#endif
