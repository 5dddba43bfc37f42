/*
 * limit.c: per-address connection accounting shared by every worker.
 * The master maps one table before forking; each worker process owns one
 * row and is the only writer of it; readers add up all the rows.
 */
#ifndef LIMIT_H
#define LIMIT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/* Address buckets. Two addresses share a bucket (and so a limit) only
 * when their keyed hashes collide, which a client cannot aim for. */
#define LIMIT_BUCKETS		16384
/* Rows per worker slot: the live worker and one retiring after a reload.
 * Memory: 2 x workers x 16384 x 16 bytes = 512 KiB per worker, mapped
 * once by the master (pages a worker never touches stay unallocated). */
#define LIMIT_GENERATIONS	2
/* Bytes of an address's canonical form: a family tag, then the IPv4
 * address or the IPv6 /64 prefix. */
#define LIMIT_ADDR_MAX		9

/* One address bucket in one worker's row. */
struct limit_cell {
	_Atomic uint64_t window;	/* second << 32 | connections opened
					   in that second */
	_Atomic uint32_t open;		/* connections open now */
};

/* The shared table and this process's place in it. */
struct limit {
	struct limit_cell *cells;	/* nrows x LIMIT_BUCKETS, shared */
	size_t		 nrows;		/* rows mapped */
	int		 row;		/* the row this process writes, -1 none
					   (the master) */
	pid_t		*owners;	/* master only: worker of each row, 0
					   for a free row */
	uint64_t	 key[2];	/* SipHash key, random at start */
	uint32_t	 log_sec;	/* second of the last limit log line */
	unsigned long	 log_quiet;	/* refusals not logged since then */
};

/* SipHash-2-4 of len bytes under a 128-bit key (Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF", 2012). */
uint64_t limit_siphash(const uint64_t key[2], const void *data, size_t len);
/* An address's canonical bytes (IPv4 /32, IPv6 /64, v4-mapped IPv6 as
 * IPv4); 0 for a family without per-address limits. */
size_t	 limit_addr(const struct sockaddr *, uint8_t out[LIMIT_ADDR_MAX]);
/* The bucket of an address, or -1 when it is not limited. */
int	 limit_bucket(const struct limit *, const struct sockaddr *);
/* Maps the table for nrows rows, with a random key; 0 or -1. */
int	 limit_init(struct limit *, size_t nrows);
void	 limit_free(struct limit *);
/* The clock of the rate window: whole seconds, one for all processes. */
uint32_t limit_now(void);
/* Counts one new connection of bucket b in this process's row; returns
 * the connections opened in second now over all rows, this one too. */
uint32_t limit_hit(struct limit *, int b, uint32_t now);
/* Connections of bucket b open now, over all rows. */
uint32_t limit_open(const struct limit *, int b);
/* One more, one fewer open connection of bucket b in this row. */
void	 limit_up(struct limit *, int b);
void	 limit_down(struct limit *, int b);
/* Master: a free row for the next worker, or -1; limit_own records it. */
int	 limit_claim(const struct limit *);
void	 limit_own(struct limit *, int row, pid_t pid);
/* Master: pid has exited; zeroes its row (nothing it counted lingers)
 * and frees it. */
void	 limit_release(struct limit *, pid_t pid);
void	 limit_zero_row(struct limit *, int row);
/* 1 if a limit line may be logged in second now (one a second); sets
 * *quiet to the refusals left unlogged before it. */
int	 limit_may_log(struct limit *, uint32_t now, unsigned long *quiet);
/* One worker's part of max-connections, rounded up. */
size_t	 limit_share(const struct config *);

#endif /* LIMIT_H */
