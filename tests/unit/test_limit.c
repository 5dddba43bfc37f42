/*
 * Unit tests for limit.c: SipHash-2-4 against the published vectors, the
 * address grouping (IPv4 /32, IPv6 /64, v4-mapped as IPv4), the shared
 * rows' counts, zeroing a dead worker's row, and the rate window.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "limit.h"
#include "check.h"

/* Sockaddr for a numeric address, v4 or v6. */
static struct sockaddr_storage
addr(const char *s)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		abort();
	return ss;
}

static int
bucket(const struct limit *l, const char *s)
{
	struct sockaddr_storage	 ss = addr(s);

	return limit_bucket(l, (struct sockaddr *)&ss);
}

static void
test_siphash(struct check *ck)
{
	/* The reference key 00..0f; messages 00, 01, ... of each length
	 * (the paper's appendix and its vectors.h). */
	const uint64_t	 key[2] = { 0x0706050403020100ULL,
	    0x0f0e0d0c0b0a0908ULL };
	uint8_t		 msg[64];
	size_t		 i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	check_case(ck, "siphash-2-4 of the empty message");
	CHECK(ck, limit_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	check_case(ck, "siphash-2-4 of 15 bytes (the paper's example)");
	CHECK(ck, limit_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	check_case(ck, "siphash-2-4 of 8 bytes (one full word)");
	CHECK(ck, limit_siphash(key, msg, 8) == 0x93f5f5799a932462ULL);
}

static void
test_grouping(struct check *ck, struct limit *l)
{
	uint8_t	 a[LIMIT_ADDR_MAX], b[LIMIT_ADDR_MAX];
	struct sockaddr_storage	 s1 = addr("2001:db8:1:2:aaaa::1"),
	    s2 = addr("2001:db8:1:2:ffff:1:2:3");
	int	 seen[LIMIT_BUCKETS] = { 0 }, distinct = 0, i;
	char	 name[64];

	check_case(ck, "addresses in one IPv6 /64 share a bucket");
	CHECK_INT(ck, (int)limit_addr((struct sockaddr *)&s1, a), 9);
	CHECK_INT(ck, (int)limit_addr((struct sockaddr *)&s2, b), 9);
	CHECK(ck, memcmp(a, b, 9) == 0);
	CHECK_INT(ck, bucket(l, "2001:db8:1:2:aaaa::1"),
	    bucket(l, "2001:db8:1:2:ffff:1:2:3"));
	check_case(ck, "different /64s differ before hashing");
	s2 = addr("2001:db8:1:3::1");
	limit_addr((struct sockaddr *)&s2, b);
	CHECK(ck, memcmp(a, b, 9) != 0);
	check_case(ck, "200 /64s of one /48 spread over the buckets");
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "2001:db8:7:%x::1", i);
		if (seen[bucket(l, name)]++ == 0)
			distinct++;
	}
	CHECK(ck, distinct >= 195);
	check_case(ck, "a v4-mapped IPv6 address is its IPv4 address");
	s1 = addr("::ffff:192.0.2.7");
	s2 = addr("192.0.2.7");
	CHECK_INT(ck, (int)limit_addr((struct sockaddr *)&s1, a), 5);
	CHECK_INT(ck, (int)limit_addr((struct sockaddr *)&s2, b), 5);
	CHECK(ck, memcmp(a, b, 5) == 0);
	CHECK_INT(ck, bucket(l, "::ffff:192.0.2.7"), bucket(l, "192.0.2.7"));
	check_case(ck, "IPv4 counts each address on its own");
	s1 = addr("192.0.2.8");
	limit_addr((struct sockaddr *)&s1, a);
	CHECK(ck, memcmp(a, b, 5) != 0);
	check_case(ck, "other families are not limited");
	memset(&s1, 0, sizeof(s1));
	s1.ss_family = AF_UNIX;
	CHECK_INT(ck, limit_bucket(l, (struct sockaddr *)&s1), -1);
}

static void
test_counts(struct check *ck, struct limit *l)
{
	int	 b = bucket(l, "198.51.100.1");

	check_case(ck, "open connections count up and down");
	l->row = 0;
	limit_up(l, b);
	limit_up(l, b);
	CHECK_INT(ck, (int)limit_open(l, b), 2);
	limit_down(l, b);
	CHECK_INT(ck, (int)limit_open(l, b), 1);
	check_case(ck, "readers add up every worker's row");
	l->row = 1;
	limit_up(l, b);
	limit_up(l, b);
	limit_up(l, b);
	CHECK_INT(ck, (int)limit_open(l, b), 4);
	check_case(ck, "a row never goes below zero");
	l->row = 0;
	limit_down(l, b);
	limit_down(l, b);
	CHECK_INT(ck, (int)limit_open(l, b), 3);
	check_case(ck, "another bucket is untouched");
	CHECK(ck, bucket(l, "198.51.100.2") != b);
	CHECK_INT(ck, (int)limit_open(l, bucket(l, "198.51.100.2")), 0);
}

/* A child process counts in row 1 and exits without counting down, as
 * a killed worker would: the counts are visible in the shared table
 * until the master releases the row. */
static void
test_dead_worker(struct check *ck, struct limit *l)
{
	int	 b = bucket(l, "203.0.113.9"), st;
	pid_t	 pid;

	check_case(ck, "a dead worker's counts are zeroed with its row");
	limit_own(l, 0, getpid());
	CHECK_INT(ck, limit_claim(l), 1);
	if ((pid = fork()) == 0) {
		l->row = 1;
		limit_up(l, b);
		limit_up(l, b);
		(void)limit_hit(l, b, 500);
		_exit(0);
	}
	limit_own(l, 1, pid);
	waitpid(pid, &st, 0);
	CHECK_INT(ck, limit_claim(l), -1);
	CHECK_INT(ck, (int)limit_open(l, b), 2);
	CHECK_INT(ck, (int)limit_hit(l, b, 500), 1 + 1);
	limit_release(l, pid);
	CHECK_INT(ck, (int)limit_open(l, b), 0);
	CHECK_INT(ck, limit_claim(l), 1);
	/* Row 0 (ours) keeps its own hit of second 500. */
	l->row = -1;
	CHECK_INT(ck, (int)limit_hit(l, b, 500), 1);
}

static void
test_window(struct check *ck, struct limit *l)
{
	int		 b = bucket(l, "2001:db8::5");
	unsigned long	 quiet = 99;

	l->row = 0;
	check_case(ck, "new connections in one second add up");
	CHECK_INT(ck, (int)limit_hit(l, b, 1000), 1);
	CHECK_INT(ck, (int)limit_hit(l, b, 1000), 2);
	l->row = 1;
	CHECK_INT(ck, (int)limit_hit(l, b, 1000), 3);
	check_case(ck, "the window rolls over at the next second");
	CHECK_INT(ck, (int)limit_hit(l, b, 1001), 1);
	l->row = 0;
	/* Row 0's count is of second 1000: it no longer counts. */
	CHECK_INT(ck, (int)limit_hit(l, b, 1001), 2);
	CHECK_INT(ck, (int)limit_hit(l, b, 1005), 1);
	check_case(ck, "limit lines: one a second, the rest counted");
	CHECK_INT(ck, limit_may_log(l, 2000, &quiet), 1);
	CHECK_INT(ck, (int)quiet, 0);
	CHECK_INT(ck, limit_may_log(l, 2000, &quiet), 0);
	CHECK_INT(ck, limit_may_log(l, 2000, &quiet), 0);
	CHECK_INT(ck, limit_may_log(l, 2001, &quiet), 1);
	CHECK_INT(ck, (int)quiet, 2);
}

static void
test_share(struct check *ck)
{
	struct config	 conf;

	check_case(ck, "a worker's share of max-connections rounds up");
	config_defaults(&conf);
	conf.max_conns = 5;
	conf.workers = 2;
	CHECK_INT(ck, (int)limit_share(&conf), 3);
	conf.workers = 5;
	CHECK_INT(ck, (int)limit_share(&conf), 1);
}

int
main(void)
{
	struct check	 ck;
	struct limit	 l;

	check_init(&ck, "test_limit");
	test_siphash(&ck);
	check_case(&ck, "the table maps");
	CHECK_INT(&ck, limit_init(&l, 2), 0);
	/* A fixed key, so the spread checked below is the same each run. */
	l.key[0] = 0x0123456789abcdefULL;
	l.key[1] = 0xfedcba9876543210ULL;
	test_grouping(&ck, &l);
	test_counts(&ck, &l);
	limit_zero_row(&l, 0);
	limit_zero_row(&l, 1);
	test_dead_worker(&ck, &l);
	test_window(&ck, &l);
	test_share(&ck);
	limit_free(&l);
	return check_done(&ck);
}
