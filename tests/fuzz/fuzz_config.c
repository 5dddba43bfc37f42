/*
 * libFuzzer target for config.c: any bytes into config_parse(). A file it
 * accepts must dump to text that parses back to the same configuration
 * and dumps the same again; a file it refuses must say where. The first
 * line also goes to config_parse_listen().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

/* Room for the parser's messages. */
#define FUZZ_ERR_MAX	512
/* The file name in messages; every one of them starts "NAME:". */
#define FUZZ_NAME	"fuzz.conf"

#define FUZZ_ASSERT(cond)	do { if (!(cond)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* config_dump into a malloc'd string. */
static char *
fuzz_dump(const struct config *conf, size_t *lenp)
{
	char	*out = NULL;
	FILE	*fp;

	FUZZ_ASSERT((fp = open_memstream(&out, lenp)) != NULL);
	config_dump(conf, fp);
	FUZZ_ASSERT(fclose(fp) == 0);
	return out;
}

static void
fuzz_round_trip(const struct config *a, struct config *b)
{
	char	 err[FUZZ_ERR_MAX], *d1, *d2;
	size_t	 len1, len2, i;

	d1 = fuzz_dump(a, &len1);
	config_defaults(b);
	FUZZ_ASSERT(config_parse(b, "dump", d1, len1, err, sizeof(err)) == 0);
	/* Both started from config_defaults(), padding and all. */
	FUZZ_ASSERT(memcmp(a, b, sizeof(*a)) == 0);
	d2 = fuzz_dump(b, &len2);
	FUZZ_ASSERT(len1 == len2 && memcmp(d1, d2, len1) == 0);
	for (i = 0; i < a->nhosts; i++) {
		FUZZ_ASSERT(a->hosts[i].root[0] != '\0');
		FUZZ_ASSERT((a->hosts[i].cert[0] == '\0') ==
		    (a->hosts[i].key[0] == '\0'));
		FUZZ_ASSERT(a->hosts[i].root_fd == -1);
	}
	free(d1);
	free(d2);
}

static void
fuzz_listen(const uint8_t *data, size_t size)
{
	struct listen_spec	 ls;
	char			 s[NAME_MAX_DNS * 2];

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	s[strcspn(s, "\n")] = '\0';
	if (config_parse_listen(s, &ls) == 0) {
		FUZZ_ASSERT(ls.port >= 1 && ls.port <= 65535);
		FUZZ_ASSERT(memchr(ls.addr, '\0', sizeof(ls.addr)) != NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*a, *b;
	char		 err[FUZZ_ERR_MAX];

	/* Each holds every host's paths: too big for the stack. */
	FUZZ_ASSERT((a = malloc(sizeof(*a))) != NULL);
	FUZZ_ASSERT((b = malloc(sizeof(*b))) != NULL);
	config_defaults(a);
	if (config_parse(a, FUZZ_NAME, (const char *)data, size, err,
	    sizeof(err)) == 0)
		fuzz_round_trip(a, b);
	else
		FUZZ_ASSERT(strncmp(err, FUZZ_NAME ":",
		    strlen(FUZZ_NAME ":")) == 0);
	fuzz_listen(data, size);
	free(a);
	free(b);
	return 0;
}
