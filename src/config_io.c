/*
 * The configuration's side effects: reading the file, the dump that
 * --check prints, and the host roots opened as directory fds.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"

/* Largest config file read: far above any real one, bounds the buffer. */
#define CONFIG_FILE_MAX		(1024 * 1024)

int
config_load(struct config *conf, const char *path, char *err, size_t errsz)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len;
	int	 rc = -1;

	/* Only shown in the dump: a cut name does no harm. */
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	if ((fp = fopen(path, "re")) == NULL ||
	    (buf = malloc(CONFIG_FILE_MAX + 1)) == NULL)
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	/* One byte more than allowed tells "too large" from "just fits". */
	else if ((len = fread(buf, 1, CONFIG_FILE_MAX + 1, fp)) == 0 &&
	    ferror(fp))
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	else if (len > CONFIG_FILE_MAX)
		snprintf(err, errsz, "%s: too large (more than %d bytes)",
		    path, CONFIG_FILE_MAX);
	else
		rc = config_parse(conf, path, buf, len, err, errsz);
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return rc;
}

/* A quoted string; control bytes, which no file may hold, become '?'. */
static void
config_dump_str(FILE *fp, const char *s)
{
	int	 c;

	putc('"', fp);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			putc('\\', fp);
		putc((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c, fp);
	}
	putc('"', fp);
}

/* "NAME "VALUE"" on a line of its own, unless value is "" (not set). */
static void
config_dump_line(FILE *fp, const char *indent, const char *name,
    const char *value)
{
	if (value[0] == '\0')
		return;
	fprintf(fp, "%s%s ", indent, name);
	config_dump_str(fp, value);
	putc('\n', fp);
}

void
config_dump(const struct config *conf, FILE *fp)
{
	const struct listen_spec *ls;
	const struct vhost	*h;
	char			 net[INET6_ADDRSTRLEN + 8];
	size_t			 i;

	fprintf(fp, "# capsuled %s: effective configuration\n",
	    CAPSULED_VERSION);
	config_dump_line(fp, "# ", "read from", conf->path);
	fprintf(fp, "workers %d\n", conf->workers);
	config_dump_line(fp, "", "certs", conf->certs_dir);
	fprintf(fp, "timeout %d\nwrite-timeout %d\nmax-connections %d\n",
	    conf->request_timeout, conf->write_timeout, conf->max_conns);
	fprintf(fp, "gopher-tls %d\nticket-lifetime %d\n", conf->gopher_tls,
	    conf->ticket_lifetime);
	fprintf(fp, "max-per-ip %d\nrate-per-ip %d\n", conf->max_per_ip,
	    conf->rate_per_ip);
	config_dump_line(fp, "", "user", conf->user);
	config_dump_line(fp, "", "chroot", conf->chroot_dir);
	if (conf->gopher_port != 0)
		fprintf(fp, "gopher-port %d\n", conf->gopher_port);
	if (conf->nlisten == 0)
		fprintf(fp, "# gemini: every address, port %d (default)\n"
		    "# gopher: every address, port %d as root, else %d "
		    "(default)\n", GEMINI_PORT, GOPHER_PORT, GOPHER_PORT_USER);
	for (i = 0; i < conf->nlisten; i++) {
		ls = &conf->listen[i];
		fprintf(fp, ls->addr[0] == '\0' ? "%s *%s:%d" :
		    strchr(ls->addr, ':') != NULL ? "%s [%s]:%d" :
		    "%s %s:%d", ls->proto == PROTO_GOPHER ? "gopher" :
		    "gemini", ls->addr, ls->port);
		fputs(ls->is_proxy ? " proxy-protocol\n" : "\n", fp);
	}
	for (i = 0; i < conf->nproxy_from; i++) {
		proxy_cidr_format(net, sizeof(net), &conf->proxy_from[i]);
		fprintf(fp, "proxy-from %s\n", net);
	}
	for (i = 0; i < conf->nhosts; i++) {
		h = &conf->hosts[i];
		fputs("\nhost ", fp);
		config_dump_str(fp, h->name);
		fputs(" {\n", fp);
		config_dump_line(fp, "\t", "root", h->root);
		config_dump_line(fp, "\t", "cert", h->cert);
		config_dump_line(fp, "\t", "key", h->key);
		config_dump_line(fp, "\t", "lang", h->lang);
		fputs("}\n", fp);
	}
}

int
config_open_roots(struct config *conf, char *err, size_t errsz)
{
	struct vhost	*h;
	size_t		 i;

	for (i = 0; i < conf->nhosts; i++) {
		h = &conf->hosts[i];
		if (h->root_fd == -1 && (h->root_fd = open(h->root,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			snprintf(err, errsz, "%s: %s", h->root,
			    strerror(errno));
			config_close_roots(conf);
			return -1;
		}
	}
	return 0;
}

void
config_close_roots(struct config *conf)
{
	size_t	 i;

	for (i = 0; i < conf->nhosts; i++) {
		if (conf->hosts[i].root_fd != -1)
			close(conf->hosts[i].root_fd);
		conf->hosts[i].root_fd = -1;
	}
}
