/*
 * libFuzzer target for search.c. The input is split at its first NUL:
 * before it the query, after it one page's gemtext. Folding never
 * lengthens text and folding twice changes nothing; a parsed query has
 * 1 to SEARCH_TERMS_MAX distinct words without spaces; the results page
 * over two pages starts with "# ", ends with the two closing links and
 * holds no TAB, CR or NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The links that end every results page. */
#define FUZZ_TAIL	"=> /search New search\n=> / Home\n"

/* Folds len bytes twice and checks the two invariants. */
static void
check_fold(const char *s, size_t len)
{
	char	*a, *b;
	size_t	 alen, blen;

	if ((a = malloc(len + 1)) == NULL || (b = malloc(len + 1)) == NULL)
		abort();
	alen = search_fold(a, len + 1, s, len);
	if (alen > len || strlen(a) != alen)
		abort();
	blen = search_fold(b, len + 1, a, alen);
	if (blen != alen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
}

static void
check_query(const struct search_query *q)
{
	size_t	 i, k;

	if (q->nterms == 0 || q->nterms > SEARCH_TERMS_MAX ||
	    strpbrk(q->shown, "\t\r\n") != NULL)
		abort();
	for (i = 0; i < q->nterms; i++) {
		if (q->terms[i][0] == '\0' || strchr(q->terms[i], ' ') != NULL)
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(q->terms[i], q->terms[k]) == 0)
				abort();
	}
}

static void
check_page(const char *p, size_t len)
{
	size_t	 tail = strlen(FUZZ_TAIL);

	if (p == NULL || len < 2 + tail || memcmp(p, "# ", 2) != 0 ||
	    memcmp(p + len - tail, FUZZ_TAIL, tail) != 0)
		abort();
	if (memchr(p, '\t', len) != NULL || memchr(p, '\r', len) != NULL ||
	    memchr(p, '\0', len) != NULL || strlen(p) != len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct search_query	 q;
	struct search_doc	 docs[2];
	const char		*in = (const char *)data, *nul, *text;
	char			 err[64], *title, *page;
	size_t			 qlen, tlen, len = 0;

	nul = memchr(in, '\0', size);
	qlen = nul != NULL ? (size_t)(nul - in) : size;
	tlen = nul != NULL ? size - qlen - 1 : 0;
	text = nul != NULL ? nul + 1 : "";
	check_fold(in, size);
	if (search_parse(in, qlen, &q, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	check_query(&q);
	/* The second page has the query for its title: titles hold
	 * anything too. */
	if ((title = strndup(in, qlen)) == NULL)
		abort();
	docs[0] = (struct search_doc){ "/a.gmi", "", text, tlen };
	docs[1] = (struct search_doc){ "/b \t\r\n.gmi", title, text, tlen };
	page = search_run(docs, 2, &q, "/search", &len);
	check_page(page, len);
	free(page);
	free(title);
	return 0;
}
