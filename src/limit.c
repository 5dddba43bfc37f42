/*
 * Per-address accounting: open connections and new connections a second,
 * per address bucket, for max-per-ip and rate-per-ip across all workers.
 *
 * The master maps the table (MAP_SHARED) before it forks, so every worker
 * sees the same memory, and keeps it across reloads. Each worker writes
 * only its own row; a reader adds the rows up with relaxed atomics (a
 * limit may be off by the connections being accepted at that very
 * moment, never more). When a worker exits, however it dies, the master
 * zeroes its row before handing it to another: a SIGKILLed worker's
 * connections are gone with it, and so are its counts.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capsuled.h"
#include "limit.h"

#define LIMIT_ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound on v[0..3]. */
static void
limit_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = LIMIT_ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = LIMIT_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = LIMIT_ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = LIMIT_ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = LIMIT_ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = LIMIT_ROTL(v[2], 32);
}

/* Absorbs one 64-bit message word: two compression rounds (the "2"). */
static void
limit_sipword(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	limit_sipround(v);
	limit_sipround(v);
	v[0] ^= m;
}

uint64_t
limit_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t	*p = data;
	uint64_t	 v[4], m;
	size_t		 i, j;

	/* The initial state: the key XOR "somepseudorandomlygeneratedbytes". */
	v[0] = key[0] ^ 0x736f6d6570736575ULL;
	v[1] = key[1] ^ 0x646f72616e646f6dULL;
	v[2] = key[0] ^ 0x6c7967656e657261ULL;
	v[3] = key[1] ^ 0x7465646279746573ULL;
	/* Each 8 bytes, little-endian, is one word. */
	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)p[i + j] << (8 * j);
		limit_sipword(v, m);
	}
	/* The last word: the remaining bytes, and len mod 256 on top. */
	for (m = (uint64_t)len << 56, j = 0; i + j < len; j++)
		m |= (uint64_t)p[i + j] << (8 * j);
	limit_sipword(v, m);
	/* Finalisation: four rounds (the "4"). */
	v[2] ^= 0xff;
	for (j = 0; j < 4; j++)
		limit_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

size_t
limit_addr(const struct sockaddr *sa, uint8_t out[LIMIT_ADDR_MAX])
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)sa;
		out[0] = 4;
		memcpy(out + 1, &sin->sin_addr, 4);
		return 5;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	sin6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		out[0] = 4;
		memcpy(out + 1, sin6->sin6_addr.s6_addr + 12, 4);
		return 5;
	}
	/* One /64 is one subscriber: a host picks any address inside it. */
	out[0] = 6;
	memcpy(out + 1, sin6->sin6_addr.s6_addr, 8);
	return 9;
}

int
limit_bucket(const struct limit *l, const struct sockaddr *sa)
{
	uint8_t	 a[LIMIT_ADDR_MAX];
	size_t	 n;

	if ((n = limit_addr(sa, a)) == 0)
		return -1;
	return (int)(limit_siphash(l->key, a, n) % LIMIT_BUCKETS);
}

int
limit_init(struct limit *l, size_t nrows)
{
	size_t	 sz = nrows * LIMIT_BUCKETS * sizeof(struct limit_cell);
	void	*p;

	memset(l, 0, sizeof(*l));
	l->row = -1;
	if (getrandom(l->key, sizeof(l->key), 0) != sizeof(l->key))
		return -1;
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if ((l->owners = calloc(nrows, sizeof(*l->owners))) == NULL) {
		munmap(p, sz);
		return -1;
	}
	l->cells = p;
	l->nrows = nrows;
	return 0;
}

void
limit_free(struct limit *l)
{
	if (l->cells != NULL)
		munmap(l->cells, l->nrows * LIMIT_BUCKETS *
		    sizeof(struct limit_cell));
	free(l->owners);
	l->cells = NULL;
	l->owners = NULL;
	l->nrows = 0;
}

uint32_t
limit_now(void)
{
	struct timespec	 ts;

	/* Monotonic: one clock for every process, and no steps. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec;
}

static struct limit_cell *
limit_cell(const struct limit *l, size_t row, int b)
{
	return &l->cells[row * LIMIT_BUCKETS + (size_t)b];
}

uint32_t
limit_hit(struct limit *l, int b, uint32_t now)
{
	struct limit_cell	*c;
	uint64_t		 w, sum = 0;
	size_t			 i;

	if (l->row >= 0) {
		c = limit_cell(l, (size_t)l->row, b);
		w = atomic_load_explicit(&c->window, memory_order_relaxed);
		/* A window of an older second starts over at one. */
		w = (w >> 32) == now ? w + 1 : ((uint64_t)now << 32) | 1;
		atomic_store_explicit(&c->window, w, memory_order_relaxed);
	}
	for (i = 0; i < l->nrows; i++) {
		w = atomic_load_explicit(&limit_cell(l, i, b)->window,
		    memory_order_relaxed);
		if ((w >> 32) == now)
			sum += w & 0xffffffffU;
	}
	return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

uint32_t
limit_open(const struct limit *l, int b)
{
	uint64_t	 sum = 0;
	size_t		 i;

	for (i = 0; i < l->nrows; i++)
		sum += atomic_load_explicit(&limit_cell(l, i, b)->open,
		    memory_order_relaxed);
	return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

void
limit_up(struct limit *l, int b)
{
	if (l->row >= 0)
		atomic_fetch_add_explicit(&limit_cell(l, (size_t)l->row,
		    b)->open, 1, memory_order_relaxed);
}

void
limit_down(struct limit *l, int b)
{
	struct limit_cell	*c;

	if (l->row < 0)
		return;
	c = limit_cell(l, (size_t)l->row, b);
	/* Only this process writes the cell: no race between the two. */
	if (atomic_load_explicit(&c->open, memory_order_relaxed) > 0)
		atomic_fetch_sub_explicit(&c->open, 1, memory_order_relaxed);
}

int
limit_claim(const struct limit *l)
{
	size_t	 i;

	for (i = 0; i < l->nrows; i++)
		if (l->owners[i] == 0)
			return (int)i;
	return -1;
}

void
limit_own(struct limit *l, int row, pid_t pid)
{
	if (row >= 0 && (size_t)row < l->nrows)
		l->owners[row] = pid;
}

void
limit_zero_row(struct limit *l, int row)
{
	size_t	 b;

	for (b = 0; b < LIMIT_BUCKETS; b++) {
		atomic_store_explicit(&limit_cell(l, (size_t)row,
		    (int)b)->open, 0, memory_order_relaxed);
		atomic_store_explicit(&limit_cell(l, (size_t)row,
		    (int)b)->window, 0, memory_order_relaxed);
	}
}

void
limit_release(struct limit *l, pid_t pid)
{
	size_t	 i;

	for (i = 0; l->owners != NULL && i < l->nrows; i++)
		if (l->owners[i] == pid) {
			limit_zero_row(l, (int)i);
			l->owners[i] = 0;
		}
}

int
limit_may_log(struct limit *l, uint32_t now, unsigned long *quiet)
{
	if (l->log_sec == now) {
		l->log_quiet++;
		return 0;
	}
	*quiet = l->log_quiet;
	l->log_quiet = 0;
	l->log_sec = now;
	return 1;
}

size_t
limit_share(const struct config *conf)
{
	return ((size_t)conf->max_conns + (size_t)conf->workers - 1) /
	    (size_t)conf->workers;
}
