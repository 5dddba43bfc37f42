/*
 * A worker's cache of rendered Gopher menus, so a page is rendered once
 * per change, not per request. Entries are keyed by a string (port and
 * path) and a stamp (the file's identity and time, or the site's
 * generation); a different stamp makes the old entry stale. An entry in
 * use by a connection is reference-counted and freed only when the last
 * user releases it, so invalidation never pulls a body from under a send.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "capsuled.h"

static size_t
cache_bucket(const char *key)
{
	return (size_t)(fs_hash(FS_HASH_SEED, key, strlen(key)) %
	    CACHE_BUCKETS);
}

static void
cache_drop(struct cache *ca, struct cache_entry *e)
{
	ca->n--;
	ca->bytes -= e->len;
	e->is_stale = 1;
	if (e->refs == 0) {
		free(e->data);
		free(e);
	}
}

struct cache_entry *
cache_get(struct cache *ca, const char *key, uint64_t stamp)
{
	struct cache_entry	**pp, *e;

	for (pp = &ca->buckets[cache_bucket(key)]; (e = *pp) != NULL;
	    pp = &e->next) {
		if (strcmp(e->key, key) != 0)
			continue;
		if (e->stamp == stamp) {
			e->refs++;
			return e;
		}
		*pp = e->next;		/* changed on disk: forget it */
		cache_drop(ca, e);
		return NULL;
	}
	return NULL;
}

struct cache_entry *
cache_put(struct cache *ca, const char *key, uint64_t stamp, char *data,
    size_t len)
{
	struct cache_entry	*e;
	size_t			 b;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		free(data);
		return NULL;
	}
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->stamp = stamp;
	e->data = data;
	e->len = len;
	e->refs = 1;
	if (ca->n >= CACHE_ENTRIES_MAX || ca->bytes + len > CACHE_BYTES_MAX) {
		/* Full: serve it once, uncached. */
		e->is_stale = 1;
		return e;
	}
	b = cache_bucket(key);
	e->next = ca->buckets[b];
	ca->buckets[b] = e;
	ca->n++;
	ca->bytes += len;
	return e;
}

void
cache_release(struct cache_entry *e)
{
	if (e == NULL || --e->refs > 0 || !e->is_stale)
		return;
	free(e->data);
	free(e);
}

void
cache_free(struct cache *ca)
{
	struct cache_entry	*e, *next;
	size_t			 i;

	for (i = 0; i < CACHE_BUCKETS; i++) {
		for (e = ca->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e->data);
			free(e);
		}
		ca->buckets[i] = NULL;
	}
	ca->n = ca->bytes = 0;
}
