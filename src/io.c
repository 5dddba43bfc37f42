/*
 * The transport seam: plain sockets and TLS look alike above this file.
 * Every call returns a byte count or an io_status. With TLS, a read can
 * want a write and a write a read; the caller retries the same call with
 * the same buffer when the socket is ready as asked (SSL_write's rule).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/sendfile.h>

#include <errno.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "capsuled.h"

/* Maps the outcome of one SSL_* call to an io_status. */
static ssize_t
io_tls_status(struct io *io, int ret)
{
	switch (SSL_get_error(io->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		/* The peer sent close_notify. */
		return IO_EOF;
	default:
		ERR_clear_error();
		return IO_ERR;
	}
}

int
io_handshake(struct io *io)
{
	int	 ret;

	if (io->ssl == NULL)
		return 1;
	ERR_clear_error();
	ret = SSL_accept(io->ssl);
	if (ret == 1)
		return 1;
	return (int)io_tls_status(io, ret);
}

ssize_t
io_read(struct io *io, void *buf, size_t len)
{
	ssize_t	 n;
	int	 ret;

	if (io->ssl == NULL) {
		n = read(io->fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return IO_WANT_READ;
		return IO_ERR;
	}
	ERR_clear_error();
	ret = SSL_read(io->ssl, buf, (int)(len > INT_MAX ? INT_MAX : len));
	if (ret > 0)
		return ret;
	return io_tls_status(io, ret);
}

ssize_t
io_write(struct io *io, const void *buf, size_t len)
{
	ssize_t	 n;
	int	 ret;

	if (io->ssl == NULL) {
		n = send(io->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return IO_WANT_WRITE;
		return IO_ERR;
	}
	ERR_clear_error();
	ret = SSL_write(io->ssl, buf, (int)(len > INT_MAX ? INT_MAX : len));
	if (ret > 0)
		return ret;
	return io_tls_status(io, ret);
}

/*
 * Reads the socket itself, below any TLS session: the PROXY header comes
 * before the ClientHello. MSG_PEEK in flags leaves the bytes queued.
 */
ssize_t
io_read_raw(struct io *io, void *buf, size_t len, int flags)
{
	ssize_t	 n;

	n = recv(io->fd, buf, len, flags);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return IO_WANT_READ;
	return IO_ERR;
}

/*
 * Sends our close_notify; we do not wait for the peer's (Gemini 0.24:
 * the server closes after the response). Returns 1 when done.
 */
int
io_shutdown(struct io *io)
{
	int	 ret;

	if (io->ssl != NULL && !io->is_closed_tls) {
		ERR_clear_error();
		ret = SSL_shutdown(io->ssl);
		if (ret < 0) {
			ret = (int)io_tls_status(io, ret);
			if (ret == IO_WANT_READ || ret == IO_WANT_WRITE)
				return ret;
		}
		io->is_closed_tls = 1;
	}
	if (io->fd != -1)
		(void)shutdown(io->fd, SHUT_WR);
	return 1;
}

/*
 * Sends up to len bytes of fd from its current offset straight from the
 * page cache (plain sockets only: TLS must encrypt in user space).
 */
ssize_t
io_sendfile(struct io *io, int fd, size_t len)
{
	ssize_t	 n;

	if (io->ssl != NULL)
		return IO_ERR;
	n = sendfile(io->fd, fd, NULL, len);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return IO_WANT_WRITE;
	return IO_ERR;
}

/*
 * A long body is about to be sent: keep OpenSSL's write buffer for the
 * connection's life instead of freeing and allocating it per record.
 */
void
io_bulk(struct io *io)
{
	if (io->ssl != NULL)
		SSL_clear_mode(io->ssl, SSL_MODE_RELEASE_BUFFERS);
}

int
io_can_sendfile(const struct io *io)
{
	return io->ssl == NULL;
}

int
io_pending(const struct io *io)
{
	return io->ssl == NULL ? 0 : SSL_pending(io->ssl);
}

void
io_close(struct io *io)
{
	if (io->ssl != NULL) {
		SSL_free(io->ssl);
		io->ssl = NULL;
	}
	if (io->fd != -1) {
		close(io->fd);
		io->fd = -1;
	}
}
