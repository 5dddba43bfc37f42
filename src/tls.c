/*
 * TLS: one SSL_CTX per virtual host, SNI to choose among them, a
 * self-signed ECDSA P-256 certificate made on first start for a host
 * that has none (Gemini clients pin certificates on first use, TOFU),
 * and session-ticket keys that every worker shares and that change every
 * ticket-lifetime seconds.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "capsuled.h"

/* A generated certificate's life: long, since clients pin it (TOFU). */
#define TLS_CERT_DAYS		(20L * 365)
/* Session ID context: lets OpenSSL resume sessions while peer certs are
 * requested. Any constant works; it only has to be set. */
#define TLS_SID_CTX		"capsuled"

static void
tls_log_errors(const char *what)
{
	unsigned long	 e;
	char		 buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", what, buf);
	}
}

/* Accepts any client certificate: Gemini uses them as identities. */
static int
tls_verify_any(int ok, X509_STORE_CTX *store)
{
	return 1;
}

/* Adds subjectAltName = DNS:name (or IP:name) to x. */
static int
tls_add_san(X509 *x, const char *name)
{
	X509_EXTENSION	*ext;
	X509V3_CTX	 ctx;
	char		 san[NAME_MAX_DNS + 8];
	int		 ok;

	snprintf(san, sizeof(san), "%s:%s",
	    strspn(name, "0123456789.:abcdef") == strlen(name) &&
	    strchr(name, '.') != strrchr(name, '.') ? "IP" : "DNS", name);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* Builds and signs a self-signed certificate for name with pkey. */
static X509 *
tls_make_cert(EVP_PKEY *pkey, const char *name)
{
	X509		*x;
	X509_NAME	*subj;
	BIGNUM		*bn = NULL;
	unsigned char	 serial[16];

	if ((x = X509_new()) == NULL)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    !X509_set_version(x, 2) ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_CERT_DAYS, 0,
	    NULL) == NULL || !X509_set_pubkey(x, pkey))
		goto fail;
	subj = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_UTF8,
	    (const unsigned char *)name, -1, -1, 0) ||
	    !X509_set_issuer_name(x, subj) || tls_add_san(x, name) == -1 ||
	    !X509_sign(x, pkey, EVP_sha256()))
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/* Writes a PEM object to path, created with mode; 0 or -1. */
static int
tls_write_pem(const char *path, mode_t mode, EVP_PKEY *pkey, X509 *x)
{
	FILE	*fp;
	int	 fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("%s", path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	ok = pkey != NULL ? PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0,
	    NULL, NULL) : PEM_write_X509(fp, x);
	if (fclose(fp) != 0 || !ok) {
		log_warnx("%s: cannot write", path);
		unlink(path);
		return -1;
	}
	return 0;
}

/* Creates key and certificate files for name if both are missing. */
static int
tls_generate(const char *name, const char *cert, const char *key)
{
	EVP_PKEY	*pkey;
	X509		*x = NULL;
	int		 rc = -1;

	if (access(cert, F_OK) == 0 || access(key, F_OK) == 0)
		return 0;
	if ((pkey = EVP_EC_gen("P-256")) == NULL)
		goto done;
	if ((x = tls_make_cert(pkey, name)) == NULL)
		goto done;
	if (tls_write_pem(key, 0600, pkey, NULL) == -1)
		goto done;
	if (tls_write_pem(cert, 0644, NULL, x) == -1) {
		unlink(key);
		goto done;
	}
	log_info("created a self-signed certificate for %s in %s", name,
	    cert);
	rc = 0;
done:
	if (rc == -1)
		tls_log_errors(name);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}

static void
tls_print_fingerprint(SSL_CTX *ctx, const char *name)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	char		 hex[EVP_MAX_MD_SIZE * 3 + 1];
	unsigned int	 len = 0, i;
	X509		*x;

	if ((x = SSL_CTX_get0_certificate(ctx)) == NULL ||
	    !X509_digest(x, EVP_sha256(), md, &len))
		return;
	for (i = 0; i < len; i++)
		snprintf(hex + i * 3, 4, "%02X%s", md[i], i + 1 < len ?
		    ":" : "");
	log_info("fingerprint: %s SHA256:%s", name, hex);
}

/* SNI: switches the session to the named host's context. */
static int
tls_sni_cb(SSL *ssl, int *alert, void *arg)
{
	struct tls	*t = arg;
	const char	*sni;
	size_t		 i;

	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (sni == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	for (i = 1; i < t->n; i++)
		if (strcasecmp(sni, t->names[i]) == 0) {
			SSL_set_SSL_CTX(ssl, t->ctx[i]);
			return SSL_TLSEXT_ERR_OK;
		}
	/* Unknown names get the default host; the request's host check
	 * then answers 53 if the URL names a host we do not serve. */
	return SSL_TLSEXT_ERR_OK;
}

/* SHA-256 of a label and a secret: one derivation of the ratchet. */
static void
tls_hash(unsigned char out[32], const char *label, const unsigned char *in)
{
	EVP_MD_CTX	*md;
	unsigned int	 len = 32;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(md, label, strlen(label)) ||
	    !EVP_DigestUpdate(md, in, 32) || !EVP_DigestFinal_ex(md, out, &len))
		fatalx("ticket keys: SHA-256 failed");
	EVP_MD_CTX_free(md);
}

/* Derives a period's name and keys from its secret. */
static void
tls_ticket_derive(struct tls_ticket_key *k)
{
	unsigned char	 name[32];

	tls_hash(name, "capsuled ticket name", k->secret);
	memcpy(k->name, name, sizeof(k->name));
	tls_hash(k->aes, "capsuled ticket aes", k->secret);
	tls_hash(k->mac, "capsuled ticket mac", k->secret);
}

/*
 * The ticket keys form a ratchet: each period's secret is the hash of
 * the one before, so every process that started from the same secret
 * (the master makes it; workers inherit it) reaches the same key for the
 * same period on its own, and a key once dropped cannot be recomputed
 * from a later one. Tickets are made with the current key and accepted
 * with it and the previous one.
 */
void
tls_ticket_advance(struct tls *t, time_t now)
{
	long	 period;

	if (t->lifetime <= 0 || t->period >= (period = (long)(now /
	    t->lifetime)))
		return;
	/* Only the key of the period just before the new one is kept. */
	OPENSSL_cleanse(&t->prev, sizeof(t->prev));
	t->has_prev = 0;
	while (t->period < period) {
		if (t->period + 1 == period) {
			t->prev = t->cur;
			t->has_prev = 1;
		}
		tls_hash(t->cur.secret, "capsuled ticket next", t->cur.secret);
		t->period++;
	}
	tls_ticket_derive(&t->cur);
}

/* A reload keeps the ticket keys, so that editing the capsule does not
 * end every client's session; a new ticket-lifetime starts afresh. */
void
tls_ticket_keep(struct tls *to, const struct tls *from)
{
	if (to->lifetime != from->lifetime || from->lifetime <= 0)
		return;
	to->period = from->period;
	to->has_prev = from->has_prev;
	to->cur = from->cur;
	to->prev = from->prev;
}

/*
 * OpenSSL's ticket key callback: 1 with the key set up, 2 for a ticket of
 * the previous period (accepted; the client gets a new one), 0 for an
 * unknown or expired key (a full handshake), -1 on failure.
 */
static int
tls_ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct tls		*t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const struct tls_ticket_key *k;
	OSSL_PARAM		 params[3];
	char			 digest[] = "SHA256";

	tls_ticket_advance(t, time(NULL));
	if (enc) {
		k = &t->cur;
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc()))
		    != 1)
			return -1;
		memcpy(name, k->name, sizeof(k->name));
	} else if (memcmp(name, t->cur.name, sizeof(t->cur.name)) == 0)
		k = &t->cur;
	else if (t->has_prev && memcmp(name, t->prev.name,
	    sizeof(t->prev.name)) == 0)
		k = &t->prev;
	else
		return 0;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)k->mac, sizeof(k->mac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[2] = OSSL_PARAM_construct_end();
	if (!EVP_CipherInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv,
	    enc) || !EVP_MAC_CTX_set_params(hctx, params))
		return -1;
	return enc || k == &t->cur ? 1 : 2;
}

/* The first period's secret, at random; or no tickets at all. */
static int
tls_ticket_init(struct tls *t, int lifetime)
{
	t->lifetime = lifetime;
	if (lifetime <= 0)
		return 0;
	if (RAND_bytes(t->cur.secret, sizeof(t->cur.secret)) != 1)
		return -1;
	tls_ticket_derive(&t->cur);
	t->period = (long)(time(NULL) / lifetime);
	return 0;
}

/* Session tickets as ticket-lifetime says: keys from the ratchet above,
 * shared by every worker; a ticket lives as long as its key issues. */
static void
tls_ctx_tickets(struct tls *t, SSL_CTX *ctx)
{
	SSL_CTX_set_app_data(ctx, t);
	if (t->lifetime <= 0) {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
		return;
	}
	/* One TLS 1.3 ticket, not OpenSSL's two: each costs an encryption
	 * and a record per handshake, and one is all a client resumes
	 * with. */
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_timeout(ctx, t->lifetime);
	SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb);
}

static SSL_CTX *
tls_ctx_new(struct tls *t, const char *cert, const char *key)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return NULL;
	/* Gemini 0.24 "TLS": 1.2 at least; 1.3 preferred. */
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_any);
	/* Read whole socket buffers, not a 5-byte record header and then
	 * its body: the client's second flight and the request take one
	 * read(2) instead of six. conn_step() reads until OpenSSL wants
	 * more, so bytes buffered here are never left waiting for poll. */
	SSL_CTX_set_read_ahead(ctx, 1);
	tls_ctx_tickets(t, ctx);
	/* Tickets are stateless: a server-side session cache would only add
	 * an insertion (and its lock and allocation) to every handshake. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)TLS_SID_CTX,
	    sizeof(TLS_SID_CTX) - 1);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	SSL_CTX_set_tlsext_servername_callback(ctx, tls_sni_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx, t);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Fills in the default certificate and key paths of every host. */
static int
tls_paths(struct config *conf)
{
	struct vhost	*h;
	char		 cert[PATH_MAX], key[PATH_MAX];
	size_t		 i;

	for (i = 0; i < conf->nhosts; i++) {
		h = &conf->hosts[i];
		if (h->cert[0] != '\0')
			continue;
		if ((size_t)snprintf(cert, sizeof(cert), "%s/%s.pem",
		    conf->certs_dir, h->name) >= sizeof(cert) ||
		    (size_t)snprintf(key, sizeof(key), "%s/%s.key",
		    conf->certs_dir, h->name) >= sizeof(key)) {
			log_warnx("%s: certificate path too long", h->name);
			return -1;
		}
		memcpy(h->cert, cert, sizeof(cert));
		memcpy(h->key, key, sizeof(key));
		if (mkdir(conf->certs_dir, 0700) == -1 && errno != EEXIST) {
			log_warn("%s", conf->certs_dir);
			return -1;
		}
		if (tls_generate(h->name, h->cert, h->key) == -1)
			return -1;
	}
	return 0;
}

int
tls_init(struct tls *t, struct config *conf, int print_fingerprint)
{
	struct vhost	*h;
	size_t		 i;

	memset(t, 0, sizeof(*t));
	if (tls_paths(conf) == -1)
		return -1;
	if (tls_ticket_init(t, conf->ticket_lifetime) == -1) {
		tls_log_errors("ticket keys");
		return -1;
	}
	for (i = 0; i < conf->nhosts; i++) {
		h = &conf->hosts[i];
		t->names[i] = h->name;
		if ((t->ctx[i] = tls_ctx_new(t, h->cert, h->key)) == NULL) {
			log_warnx("%s: cannot load certificate %s or key %s",
			    h->name, h->cert, h->key);
			tls_log_errors(h->name);
			tls_free(t);
			return -1;
		}
		t->n = i + 1;
		if (print_fingerprint)
			tls_print_fingerprint(t->ctx[i], h->name);
	}
	return 0;
}

void
tls_free(struct tls *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++) {
		SSL_CTX_free(t->ctx[i]);
		t->ctx[i] = NULL;
	}
	t->n = 0;
	OPENSSL_cleanse(&t->cur, sizeof(t->cur));
	OPENSSL_cleanse(&t->prev, sizeof(t->prev));
	t->has_prev = 0;
}

SSL *
tls_accept(struct tls *t, int fd)
{
	SSL	*ssl;

	if (t->n == 0 || (ssl = SSL_new(t->ctx[0])) == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

size_t
tls_host(const struct tls *t, SSL *ssl, const char **sni)
{
	SSL_CTX	*ctx = SSL_get_SSL_CTX(ssl);
	size_t	 i;

	*sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	for (i = 0; i < t->n; i++)
		if (t->ctx[i] == ctx)
			return i;
	return 0;
}
