/*
 * libFuzzer target for proxy.c: any bytes into proxy_parse(). A header it
 * accepts fits in what was given and names an IPv4 or IPv6 client or
 * none; and reading the input a byte at a time, as conn.c does when the
 * bytes trickle in, must end exactly as parsing it all at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

#define FUZZ_ASSERT(cond)	do { if (!(cond)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The invariants of one result of parsing len bytes. */
static void
fuzz_check(const uint8_t *data, size_t len, enum proxy_status st,
    const struct proxy_result *r)
{
	int	 fam = r->src.ss_family;

	switch (st) {
	case PROXY_NEED_MORE:
		/* Every header ends within the bound: never wait past it. */
		FUZZ_ASSERT(len < PROXY_HEADER_MAX);
		break;
	case PROXY_DONE:
		FUZZ_ASSERT(r->used > 0 && r->used <= len);
		FUZZ_ASSERT(r->used <= PROXY_HEADER_MAX);
		FUZZ_ASSERT(data[0] != 'P' || r->used <= PROXY_V1_MAX);
		if (r->is_local)
			FUZZ_ASSERT(fam == 0 && r->dst.ss_family == 0);
		else
			FUZZ_ASSERT((fam == AF_INET || fam == AF_INET6) &&
			    r->dst.ss_family == fam);
		FUZZ_ASSERT(r->reason == NULL);
		break;
	case PROXY_ERROR:
		FUZZ_ASSERT(r->reason != NULL && r->reason[0] != '\0');
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_result	 all, part;
	enum proxy_status	 st, st_part = PROXY_NEED_MORE;
	size_t			 fed = 0;

	st = proxy_parse(data, size, &all);
	fuzz_check(data, size, st, &all);
	/* Byte by byte: NEED_MORE until the same end as all at once. */
	while (fed < size && st_part == PROXY_NEED_MORE) {
		fed++;
		st_part = proxy_parse(data, fed, &part);
		fuzz_check(data, fed, st_part, &part);
	}
	FUZZ_ASSERT(st_part == st);
	if (st == PROXY_DONE) {
		FUZZ_ASSERT(fed == all.used && part.used == all.used);
		FUZZ_ASSERT(part.is_local == all.is_local);
		FUZZ_ASSERT(memcmp(&part.src, &all.src, sizeof(all.src)) == 0);
		FUZZ_ASSERT(memcmp(&part.dst, &all.dst, sizeof(all.dst)) == 0);
	} else if (st == PROXY_ERROR)
		FUZZ_ASSERT(strcmp(part.reason, all.reason) == 0);
	return 0;
}
