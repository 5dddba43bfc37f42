/*
 * hsbench: the most full TLS 1.3 handshakes per CPU-second a Gemini server
 * built on OpenSSL can reach, with no network and no event loop around.
 *
 *	hsbench [-Br] [-d seconds | -n handshakes] [-k tickets]
 *
 * One process, one thread: a client SSL and a server SSL joined by a BIO
 * pair run complete handshakes, never resumed, for -d seconds (default 5).
 * The server is set up like capsuled's: TLS 1.2 to 1.3, SSL_VERIFY_PEER
 * accepting any client certificate, -k session tickets (default 0), and a
 * self-signed ECDSA P-256 certificate made in memory at start. The client
 * sends SNI, offers no certificate and verifies nothing, as Gemini
 * clients do. The trims a server may make, one option each, so that each
 * can be measured alone: -B leaves SSL_MODE_RELEASE_BUFFERS off (buffers
 * kept for the connection's life instead of freed when empty), -r reuses
 * one server SSL object through SSL_clear() instead of SSL_new() and
 * SSL_free() per handshake.
 *
 * The thread CPU time of each server-side SSL_do_handshake() call is
 * summed apart, and so is that of the server object's whole life
 * (SSL_new() or SSL_clear(), the handshake, SSL_free()); the client's
 * calls count only in the whole loop's. Handshakes per server CPU-second
 * is the ceiling to hold a server's requests per server CPU-second
 * against. Prints one line: handshakes= seconds= hs_per_cpu_s= (whole
 * loop's CPU) server_hs_per_server_cpu_s= server_life_per_cpu_s=.
 * Exit status: 0 done, 1 failure, 2 usage.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* The server name the client sends and the certificate names. */
#define HS_NAME		"localhost"
/* One handshake takes 2 server flights; more rounds means it is stuck. */
#define HS_MAX_ROUNDS	16
/* Most tickets -k accepts (OpenSSL sends 2 by default; capsuled 1). */
#define HS_MAX_TICKETS	16

/* Both contexts, and what the loop counted. */
struct hs_bench {
	SSL_CTX		*server;	/* configured like capsuled's */
	SSL_CTX		*client;	/* TLS 1.3 only, no session cache */
	SSL		*reuse;		/* -r: the one server object */
	int64_t		 server_ns;	/* CPU in server handshake calls */
	int64_t		 life_ns;	/* ... plus making and freeing it */
	unsigned long long handshakes;	/* completed */
};

static _Noreturn void
hs_usage(void)
{
	fprintf(stderr, "usage: hsbench [-Br] [-d seconds | -n handshakes] "
	    "[-k tickets]\n");
	exit(2);
}

static _Noreturn void
hs_fail(const char *what)
{
	fprintf(stderr, "hsbench: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static int64_t
hs_clock_ns(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Gemini uses client certificates as identities: any one will do. */
static int
hs_verify_any(int ok, X509_STORE_CTX *store)
{
	return 1;
}

/* A self-signed ECDSA P-256 certificate for HS_NAME, valid for a day. */
static void
hs_cert(EVP_PKEY **key, X509 **cert)
{
	X509_NAME	*name;

	if ((*key = EVP_EC_gen("P-256")) == NULL ||
	    (*cert = X509_new()) == NULL ||
	    X509_set_version(*cert, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(*cert), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(*cert), 86400) == NULL ||
	    X509_set_pubkey(*cert, *key) != 1 ||
	    (name = X509_get_subject_name(*cert)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)HS_NAME, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(*cert, name) != 1 ||
	    X509_sign(*cert, *key, EVP_sha256()) == 0)
		hs_fail("cannot make the certificate");
}

/* The server context, as capsuled's tls_ctx_new() sets it up. */
static SSL_CTX *
hs_server_ctx(int tickets, int release)
{
	SSL_CTX		*ctx;
	EVP_PKEY	*key;
	X509		*cert;

	hs_cert(&key, &cert);
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, (size_t)tickets) != 1 ||
	    SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)"hsbench", 7) != 1 ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		hs_fail("cannot set up the server context");
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (release)
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, hs_verify_any);
	EVP_PKEY_free(key);
	X509_free(cert);
	return ctx;
}

static SSL_CTX *
hs_client_ctx(void)
{
	SSL_CTX	*ctx;

	/* Only 1.3, and no session kept: every handshake is a full one. */
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
		hs_fail("cannot set up the client context");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/*
 * One SSL_do_handshake() on ssl; 1 when the handshake is complete. With
 * ns, the call's thread CPU time is added there (the server's calls).
 */
static int
hs_step(SSL *ssl, int64_t *ns)
{
	int64_t	 t0 = ns != NULL ? hs_clock_ns(CLOCK_THREAD_CPUTIME_ID) : 0;
	int	 rv, err;

	ERR_clear_error();
	rv = SSL_do_handshake(ssl);
	if (ns != NULL)
		*ns += hs_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	if (rv == 1)
		return 1;
	err = SSL_get_error(ssl, rv);
	if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
		hs_fail("handshake failed");
	return 0;
}

/* The server's handshake calls, apart from the client's, so that
 * "valgrind --tool=callgrind --toggle-collect='hs_srv_*'" counts the
 * server's instructions alone. */
static __attribute__((noinline)) int
hs_srv_step(SSL *ssl, int64_t *ns)
{
	return hs_step(ssl, ns);
}

/* The server's object for one handshake: a new one, or with -r the
 * reused one, cleared; its CPU time counts in the server's life. */
static __attribute__((noinline)) SSL *
hs_srv_new(struct hs_bench *b)
{
	int64_t	 t0 = hs_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	SSL	*s;

	if (b->reuse != NULL)
		s = SSL_clear(b->reuse) == 1 ? b->reuse : NULL;
	else
		s = SSL_new(b->server);
	b->life_ns += hs_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	return s;
}

/* Frees the server's object, unless -r keeps it for the next one. */
static __attribute__((noinline)) void
hs_srv_done(struct hs_bench *b, SSL *s, int reuse)
{
	int64_t	 t0 = hs_clock_ns(CLOCK_THREAD_CPUTIME_ID);

	if (reuse)
		b->reuse = s;
	else
		SSL_free(s);
	b->life_ns += hs_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
}

/*
 * One full handshake: the two sides take turns until both are done. The
 * client then reads what the server sent after its Finished (tickets).
 */
static void
hs_one(struct hs_bench *b, int reuse)
{
	SSL	*c, *s;
	BIO	*cbio, *sbio;
	char	 byte;
	int	 c_done = 0, s_done = 0, round;

	if ((c = SSL_new(b->client)) == NULL ||
	    (s = hs_srv_new(b)) == NULL ||
	    BIO_new_bio_pair(&cbio, 0, &sbio, 0) != 1 ||
	    SSL_set_tlsext_host_name(c, HS_NAME) != 1)
		hs_fail("cannot make the SSL pair");
	SSL_set_bio(c, cbio, cbio);
	SSL_set_bio(s, sbio, sbio);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (round = 0; round < HS_MAX_ROUNDS && (!c_done || !s_done);
	    round++) {
		if (!c_done)
			c_done = hs_step(c, NULL);
		if (!s_done)
			s_done = hs_srv_step(s, &b->server_ns);
	}
	if (!c_done || !s_done || SSL_session_reused(c))
		hs_fail("handshake stuck, or resumed");
	ERR_clear_error();
	if (SSL_read(c, &byte, 1) > 0)
		hs_fail("unexpected application data");
	SSL_free(c);
	hs_srv_done(b, s, reuse);
	b->handshakes++;
}

/* What the options ask for. */
struct hs_opts {
	int	 seconds;	/* -d */
	long	 count;		/* -n: stop after so many, not -d */
	int	 tickets;	/* -k */
	int	 release;	/* SSL_MODE_RELEASE_BUFFERS; -B clears it */
	int	 reuse;		/* -r */
};

static void
hs_options(int argc, char *argv[], struct hs_opts *o)
{
	char	*end;
	long	 v;
	int	 ch;

	o->seconds = 5;
	o->tickets = 0;
	o->release = 1;
	o->reuse = 0;
	o->count = 0;
	while ((ch = getopt(argc, argv, "Bd:k:n:r")) != -1) {
		if (ch == 'B' || ch == 'r') {
			*(ch == 'B' ? &o->release : &o->reuse) = ch == 'r';
			continue;
		}
		if (ch != 'd' && ch != 'k' && ch != 'n')
			hs_usage();
		v = strtol(optarg, &end, 10);
		if (*optarg == '\0' || *end != '\0' || v < (ch != 'k') ||
		    v > (ch == 'd' ? 86400 : ch == 'n' ? 10000000 :
		    HS_MAX_TICKETS))
			hs_usage();
		if (ch == 'n')
			o->count = v;
		else if (ch == 'd')
			o->seconds = (int)v;
		else
			o->tickets = (int)v;
	}
	if (argc != optind)
		hs_usage();
}

int
main(int argc, char *argv[])
{
	struct hs_bench	 b;
	struct hs_opts	 o;
	int64_t		 start, end, cpu0;
	double		 secs, cpu;

	hs_options(argc, argv, &o);
	memset(&b, 0, sizeof(b));
	b.server = hs_server_ctx(o.tickets, o.release);
	b.client = hs_client_ctx();
	cpu0 = hs_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	start = hs_clock_ns(CLOCK_MONOTONIC);
	end = start + (int64_t)o.seconds * 1000000000;
	while (o.count > 0 ? b.handshakes < (unsigned long long)o.count :
	    hs_clock_ns(CLOCK_MONOTONIC) < end)
		hs_one(&b, o.reuse);
	secs = (double)(hs_clock_ns(CLOCK_MONOTONIC) - start) / 1e9;
	cpu = (double)(hs_clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / 1e9;
	printf("handshakes=%llu seconds=%.3f hs_per_cpu_s=%.1f "
	    "server_hs_per_server_cpu_s=%.1f server_life_per_cpu_s=%.1f\n",
	    b.handshakes, secs, (double)b.handshakes / cpu,
	    (double)b.handshakes / ((double)b.server_ns / 1e9),
	    (double)b.handshakes / ((double)(b.server_ns + b.life_ns) / 1e9));
	SSL_free(b.reuse);
	SSL_CTX_free(b.server);
	SSL_CTX_free(b.client);
	return 0;
}
