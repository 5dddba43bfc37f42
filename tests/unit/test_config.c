/*
 * Unit tests of config.c: defaults, a good file, every parse error with
 * its line, the dump and its round trip, loading files and
 * opening roots. Table-driven where it can be.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "check.h"
#include "config_util.h"

/* config_load's limit (capsuled.conf(5)). */
#define FILE_MAX	(1024 * 1024)

static void
test_defaults(struct check *ck, struct config *conf)
{
	size_t	 i;
	int	 bad_fd = 0;

	check_case(ck, "defaults");
	config_defaults(conf);
	CHECK_STR(ck, conf->certs_dir, "certs");
	CHECK_STR(ck, conf->path, "");
	CHECK(ck, conf->workers >= 1 && conf->workers <= SERVER_WORKERS_MAX);
	CHECK_INT(ck, conf->request_timeout, 10);
	CHECK_INT(ck, conf->write_timeout, 30);
	CHECK_INT(ck, conf->max_conns, 16384);
	CHECK_INT(ck, conf->max_per_ip, 64);
	CHECK_INT(ck, conf->rate_per_ip, 100);
	CHECK_INT(ck, conf->ticket_lifetime, 3600);
	CHECK_STR(ck, conf->user, "nobody");
	CHECK_STR(ck, conf->chroot_dir, "");
	CHECK_INT(ck, conf->nlisten, 0);
	CHECK_INT(ck, conf->nhosts, 0);
	for (i = 0; i < CONFIG_HOSTS_MAX; i++)
		bad_fd |= conf->hosts[i].root_fd != -1;
	CHECK_INT(ck, bad_fd, 0);
}

static const char good_conf[] =
    "# capsuled.conf for the tests\n"
    "workers 3\n"
    "certs \"/var/lib/capsuled/certs\"   # generated ones\n"
    "\n"
    "gemini *:1965\n"
    "gemini [::1]:1966\n"
    "gopher 127.0.0.1:7070\r\n"
    "\ttimeout 20\n"
    "write-timeout 45\n"
    "max-connections 1000000\n"
    "max-per-ip 0\n"
    "rate-per-ip 20\n"
    "ticket-lifetime 600\n"
    "user _capsuled\n"
    "chroot /var/empty\n"
    "host Example.ORG {\n"
    "\troot \"/srv/gemini/example # not a comment\"\n"
    "\tcert /etc/ssl/example.pem\n"
    "\tkey /etc/ssl/example.key\n"
    "\tlang en-GB\n"
    "}\n"
    "host \"other.example\" {  \n"
    "  root \"/srv/with \\\"quotes\\\" and \\\\ and\ttab\"\n"
    "}";


/* good_conf as config_dump writes it back. */
static const char good_dump[] =
    "# capsuled " CAPSULED_VERSION ": effective configuration\n"
    "# read from \"/etc/capsuled.conf\"\n"
    "workers 3\n"
    "certs \"/var/lib/capsuled/certs\"\n"
    "timeout 20\n"
    "write-timeout 45\n"
    "max-connections 1000000\n"
    "gopher-tls 1\n"
    "ticket-lifetime 600\n"
    "max-per-ip 0\n"
    "rate-per-ip 20\n"
    "user \"_capsuled\"\n"
    "chroot \"/var/empty\"\n"
    "gemini *:1965\n"
    "gemini [::1]:1966\n"
    "gopher 127.0.0.1:7070\n"
    "\n"
    "host \"example.org\" {\n"
    "\troot \"/srv/gemini/example # not a comment\"\n"
    "\tcert \"/etc/ssl/example.pem\"\n"
    "\tkey \"/etc/ssl/example.key\"\n"
    "\tlang \"en-GB\"\n"
    "}\n"
    "\n"
    "host \"other.example\" {\n"
    "\troot \"/srv/with \\\"quotes\\\" and \\\\ and\ttab\"\n"
    "}\n";

/* Every field of a good file, seen through the dump. */
static void
test_good(struct check *ck, struct config *conf)
{
	char	 err[ERR_MAX], *d;

	check_case(ck, "a good file");
	if (!CHECK_INT(ck, parse(conf, S(good_conf), err), 0)) {
		check_fail(ck, __FILE__, __LINE__, "%s", err);
		return;
	}
	CHECK_INT(ck, conf->listen[2].proto, PROTO_GOPHER);
	CHECK_STR(ck, conf->hosts[1].root,
	    "/srv/with \"quotes\" and \\ and\ttab");
	CHECK_INT(ck, conf->hosts[0].root_fd, -1);
	snprintf(conf->path, sizeof(conf->path), "/etc/capsuled.conf");
	if (CHECK(ck, (d = dump(conf)) != NULL))
		CHECK_STR(ck, d, good_dump);
	free(d);
}

/* A file config_parse accepts, and one thing to check about it. */
struct ok_case {
	const char	*what;		/* case name */
	const char	*text;		/* the file */
	size_t		 len;		/* its bytes */
	size_t		 nhosts;	/* hosts it declares */
	int		 workers;	/* workers it sets, 0 = not checked */
};

#define OK(what, text, nhosts, workers)	{ what, S(text), nhosts, workers }

static const struct ok_case ok_cases[] = {
	OK("empty file", "", 0, 0),
	OK("comments and blank lines only", "# a\n\n   # b\n\t\n", 0, 0),
	OK("no newline at the end", "workers 2", 0, 2),
	OK("comment right after a word", "workers 2# two\n", 0, 2),
	OK("CR LF", "workers 5\r\nhost h {\r\nroot r\r\n}\r\n", 1, 5),
	OK("leading zeros", "workers 007\n", 0, 7),
	OK("largest worker count", "workers 64\n", 0, 64),
	OK("'{' glued to the name", "host h{\nroot r\n}\n", 1, 0),
	OK("quoted host name", "host \"h\" {\nroot r\n}\n", 1, 0),
	OK("'}' with a comment", "host h {\nroot r\n} # end\n", 1, 0),
	OK("global after a host", "host h {\nroot r\n}\nworkers 4\n", 1, 4),
	OK("host name of ':_-'", "host a_b-c:1 {\nroot r\n}\n", 1, 0),
	OK("UTF-8", "host h {\nroot \"/srv/caf\xc3\xa9\"\n}\n", 1, 0),
	OK("lang of 31 characters",
	    "host h {\nroot r\nlang abcdefghij-abcdefghij-abcdefghi\n}\n", 1,
	    0),
};

static void
test_ok(struct check *ck, struct config *conf)
{
	const struct ok_case	*c;
	char			 err[ERR_MAX];
	size_t			 i;

	for (i = 0; i < NELEM(ok_cases); i++) {
		c = &ok_cases[i];
		check_case(ck, "accepts: %s", c->what);
		if (!CHECK_INT(ck, parse(conf, c->text, c->len, err), 0)) {
			check_fail(ck, __FILE__, __LINE__, "%s", err);
			continue;
		}
		CHECK_INT(ck, conf->nhosts, c->nhosts);
		if (c->workers != 0)
			CHECK_INT(ck, conf->workers, c->workers);
	}
}

/* A file config_parse refuses, and the message it must give. */
static const struct err_case err_cases[] = {
	ERR("workers 2\nthreads 4\n", "2: unknown directive 'threads'"),
	ERR("\"workers\" 2\n", "1: unknown directive 'workers'"),
	ERR("workers\n", "1: 'workers' takes 1 argument, not 0"),
	ERR("workers 1 2\n", "1: 'workers' takes 1 argument, not 2"),
	ERR("workers 1 2 3 4 5 6\n", "1: 'workers' takes 1 argument, not 6"),
	ERR("\n\nworkers 0\n", "3: 'workers': bad number '0' (want 1 to 64)"),
	ERR("workers 65\n", "1: 'workers': bad number '65' (want 1 to 64)"),
	ERR("workers -1\n", "1: 'workers': bad number '-1' (want 1 to 64)"),
	ERR("workers 2x\n", "1: 'workers': bad number '2x' (want 1 to 64)"),
	ERR("workers 99999999999999999999\n", "1: 'workers': bad number "
	    "'99999999999999999999' (want 1 to 64)"),
	ERR("timeout 3601\n",
	    "1: 'timeout': bad number '3601' (want 1 to 3600)"),
	ERR("write-timeout 0\n",
	    "1: 'write-timeout': bad number '0' (want 1 to 3600)"),
	ERR("max-connections 1000001\n", "1: 'max-connections': bad number "
	    "'1000001' (want 1 to 1000000)"),
	ERR("max-per-ip -1\n", "1: 'max-per-ip': bad number '-1' (want 0 "
	    "to 1000000)"),
	ERR("rate-per-ip \"\"\n", "1: 'rate-per-ip': empty argument"),
	ERR("rate-per-ip 1000001\n", "1: 'rate-per-ip': bad number "
	    "'1000001' (want 0 to 1000000)"),
	ERR("gopher-tls 2\n", "1: 'gopher-tls': bad number '2' (want 0 to "
	    "1)"),
	ERR("ticket-lifetime 86401\n", "1: 'ticket-lifetime': bad number "
	    "'86401' (want 0 to 86400)"),
	ERR("ticket-lifetime -1\n", "1: 'ticket-lifetime': bad number '-1' "
	    "(want 0 to 86400)"),
	ERR("user a b\n", "1: 'user' takes 1 argument, not 2"),
	ERR("host a {\nchroot /x\n}\n", "2: 'chroot' is not allowed in a "
	    "host block (is a '}' missing?)"),
	ERR("workers 2\nworkers 3\n", "2: 'workers' given twice"),
	ERR("certs \"\"\n", "1: 'certs': empty argument"),
	ERR("gemini 1965:x\n",
	    "1: 'gemini': bad address '1965:x' (want [ADDR:]PORT)"),
	ERR("gopher ::1:70\n",
	    "1: 'gopher': bad address '::1:70' (want [ADDR:]PORT)"),
	ERR("gemini 1\ngemini 2\ngemini 3\ngemini 4\ngemini 5\ngemini 6\n"
	    "gopher 7\ngopher 8\ngemini 9\n",
	    "9: more than 8 listen addresses"),
	ERR("root /srv\n", "1: 'root' is only allowed in a host block"),
	ERR("}\n", "1: '}' is only allowed in a host block"),
	ERR("host a {\nroot r\nworkers 2\n}\n", "3: 'workers' is not allowed "
	    "in a host block (is a '}' missing?)"),
	ERR("host a {\nroot r\nhost b {\n", "3: 'host' is not allowed "
	    "in a host block (is a '}' missing?)"),
	ERR("host a\nroot r\n}\n", "1: 'host' takes 2 arguments, not 1"),
	ERR("host a b\n", "1: 'host a' must be followed by '{'"),
	ERR("host a \"{\"\n", "1: 'host a' must be followed by '{'"),
	ERR("host a }\n", "1: 'host a' must be followed by '{'"),
	ERR("host { {\n", "1: unexpected '{'"),
	ERR("host a {\nroot {\n}\n", "2: unexpected '{'"),
	ERR("host a {\nroot }\n", "2: unexpected '}'"),
	ERR("host a {\nroot r\n} x\n", "3: '}' takes 0 arguments, not 1"),
	ERR("host a {\nroot r\n}\n\nhost A {\nroot s\n}\n",
	    "5: duplicate host 'a'"),
	ERR("workers 2\nhost a {\nlang en\n}\n", "2: host 'a' has no root"),
	ERR("host a {\nroot r\ncert c\n}\n",
	    "1: host 'a': give cert and key together or neither"),
	ERR("host a {\nroot r\nkey k\n}\n",
	    "1: host 'a': give cert and key together or neither"),
	ERR("host a {\nroot r\nroot s\n}\n", "3: 'root' given twice"),
	ERR("\nhost a {\nroot r\n", "2: host 'a': block not closed "
	    "(missing '}')"),
	ERR("host a {\nroot \"r\n}\n", "2: unterminated string"),
	ERR("host a {\nroot \"r\\\"\n}\n", "2: unterminated string"),
	ERR("host a {\nroot \"r\\n\"\n}\n",
	    "2: bad escape in string (only \\\" and \\\\)"),
	ERR("workers 2\n# a \0 in a comment\n", "2: NUL byte"),
	ERR("workers 2\0\n", "1: NUL byte"),
	ERR("host a {\nroot \"a\x01" "b\"\n}\n", "2: control character"),
	ERR("host a {\nroot a\x7f" "b\n}\n", "2: control character"),
	ERR("workers\t2\x0b\n", "1: control character"),
	ERR("host ../x {\n", "1: bad host name '../x'"),
	ERR("host .x {\n", "1: bad host name '.x'"),
	ERR("host a/b {\n", "1: bad host name 'a/b'"),
	ERR("host \"a b\" {\n", "1: bad host name 'a b'"),
	ERR("host a {\nroot r\nlang en_GB\n}\n", "3: 'lang': bad language "
	    "tag 'en_GB' (letters, digits and '-')"),
	ERR("host a {\nroot r\nlang abcdefghij-abcdefghij-abcdefghij\n}\n",
	    "3: 'lang': value too long (at most 31 bytes)"),
};

static void
test_errors(struct check *ck, struct config *conf)
{
	check_errors(ck, conf, err_cases, NELEM(err_cases));
}

/* Limits that need long inputs: hosts, names and words. */
static void
test_limits(struct check *ck, struct config *conf)
{
	char	 buf[CONFIG_HOSTS_MAX * 40 + PATH_MAX + 64], err[ERR_MAX];
	char	 want[ERR_MAX];
	size_t	 i, n = 0;

	for (i = 0; i <= CONFIG_HOSTS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "host h%zu {\nroot r\n}\n", i);
	check_case(ck, "refuses: more than %d hosts", CONFIG_HOSTS_MAX);
	CHECK_INT(ck, parse(conf, buf, n, err), -1);
	snprintf(want, sizeof(want), NAME ":%d: more than %d hosts",
	    CONFIG_HOSTS_MAX * 3 + 1, CONFIG_HOSTS_MAX);
	CHECK_STR(ck, err, want);
	check_case(ck, "accepts: %d hosts", CONFIG_HOSTS_MAX);
	CHECK_INT(ck, parse(conf, buf, n - strlen("host hNN {\nroot r\n}\n"),
	    err), 0);
	CHECK_INT(ck, conf->nhosts, CONFIG_HOSTS_MAX);

	check_case(ck, "host names up to %d bytes", NAME_MAX_DNS);
	n = (size_t)snprintf(buf, sizeof(buf), "host ");
	memset(buf + n, 'a', NAME_MAX_DNS);
	n += NAME_MAX_DNS;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, " {\nroot r\n}\n");
	CHECK_INT(ck, parse(conf, buf, n, err), 0);
	CHECK_INT(ck, strlen(conf->hosts[0].name), NAME_MAX_DNS);
	check_case(ck, "refuses: a host name of %d bytes", NAME_MAX_DNS + 1);
	memmove(buf + 6, buf + 5, n - 5);
	CHECK_INT(ck, parse(conf, buf, n + 1, err), -1);
	CHECK(ck, strncmp(err, NAME ":1: bad host name 'aaa",
	    strlen(NAME ":1: bad host name 'aaa")) == 0);

	check_case(ck, "refuses: a word of PATH_MAX bytes");
	n = (size_t)snprintf(buf, sizeof(buf), "certs ");
	memset(buf + n, 'c', PATH_MAX);
	CHECK_INT(ck, parse(conf, buf, n + PATH_MAX, err), -1);
	CHECK_STR(ck, err, NAME ":1: word too long");
	check_case(ck, "accepts: a word of PATH_MAX - 1 bytes");
	CHECK_INT(ck, parse(conf, buf, n + PATH_MAX - 1, err), 0);
	CHECK_INT(ck, strlen(conf->certs_dir), PATH_MAX - 1);
}

static void
round_trip(struct check *ck, struct config *a, struct config *b,
    const char *text, size_t len)
{
	char	 err[ERR_MAX], *d1, *d2 = NULL;

	if (!CHECK_INT(ck, parse(a, text, len, err), 0))
		return;
	if (!CHECK(ck, (d1 = dump(a)) != NULL))
		return;
	if (CHECK_INT(ck, parse(b, d1, strlen(d1), err), 0)) {
		/* Both started from config_defaults(), padding and all. */
		CHECK(ck, memcmp(a, b, sizeof(*a)) == 0);
		if (CHECK(ck, (d2 = dump(b)) != NULL))
			CHECK_STR(ck, d2, d1);
	} else
		check_fail(ck, __FILE__, __LINE__, "%s in:\n%s", err, d1);
	free(d1);
	free(d2);
}

static void
test_dump(struct check *ck, struct config *a, struct config *b)
{
	check_case(ck, "dump: round trip of a good file");
	round_trip(ck, a, b, S(good_conf));
	check_case(ck, "dump: round trip of the defaults");
	round_trip(ck, a, b, S(""));
	check_case(ck, "dump: round trip of odd strings");
	round_trip(ck, a, b, S("host a {\nroot \"\\\\\\\"\t#{}\"\n}\n"
	    "host b { \nroot \"\xff\xfe\"\ncert \" \"\nkey \"#\"\n}\n"));
}

/* The dump's exact text. */
static void
test_dump_text(struct check *ck, struct config *a)
{
	char	*d;

	check_case(ck, "dump: the defaults, exactly");
	config_defaults(a);
	a->workers = 2;
	if (CHECK(ck, (d = dump(a)) != NULL))
		CHECK_STR(ck, d, "# capsuled " CAPSULED_VERSION
		    ": effective configuration\n"
		    "workers 2\n"
		    "certs \"certs\"\n"
		    "timeout 10\n"
		    "write-timeout 30\n"
		    "max-connections 16384\n"
		    "gopher-tls 1\n"
		    "ticket-lifetime 3600\n"
		    "max-per-ip 64\n"
		    "rate-per-ip 100\n"
		    "user \"nobody\"\n"
		    "# gemini: every address, port 1965 (default)\n"
		    "# gopher: every address, port 70 as root, else 7070 "
		    "(default)\n");
	free(d);

	check_case(ck, "dump: control characters become '?'");
	config_defaults(a);
	snprintf(a->certs_dir, sizeof(a->certs_dir), "a\nworkers 9\x1b");
	if (CHECK(ck, (d = dump(a)) != NULL))
		CHECK(ck, strstr(d, "certs \"a?workers 9?\"\n") != NULL);
	free(d);
}

/* Loads text from a temporary file: want_rc, and err is PATH want_err. */
static void
test_load_file(struct check *ck, struct config *conf, const char *text,
    size_t len, int want_rc, const char *want_err)
{
	char	 path[] = "/tmp/test_config.XXXXXX";
	char	 err[ERR_MAX], want[ERR_MAX];
	int	 fd;

	if (!CHECK(ck, (fd = mkstemp(path)) != -1))
		return;
	CHECK_INT(ck, write(fd, text, len), len);
	close(fd);
	config_defaults(conf);
	err[0] = '\0';
	CHECK_INT(ck, config_load(conf, path, err, sizeof(err)), want_rc);
	CHECK_STR(ck, conf->path, path);
	/* The message starts with the file's name, unknown until now. */
	snprintf(want, sizeof(want), "%s%s", want_err[0] != '\0' ? path : "",
	    want_err);
	CHECK_STR(ck, err, want);
	unlink(path);
}

static void
test_load(struct check *ck, struct config *conf)
{
	char	*big, err[ERR_MAX];

	check_case(ck, "load: a good file");
	test_load_file(ck, conf, S(good_conf), 0, "");
	CHECK_INT(ck, conf->nhosts, 2);
	check_case(ck, "load: an error names the file and line");
	test_load_file(ck, conf, S("timeout 2\n\nworkers x\n"), -1,
	    ":3: 'workers': bad number 'x' (want 1 to 64)");
	check_case(ck, "load: a missing file");
	config_defaults(conf);
	CHECK_INT(ck, config_load(conf, "/nonexistent/capsuled.conf", err,
	    sizeof(err)), -1);
	CHECK_STR(ck, err, "/nonexistent/capsuled.conf: No such file or "
	    "directory");
	check_case(ck, "load: a directory");
	CHECK_INT(ck, config_load(conf, "/tmp", err, sizeof(err)), -1);
	CHECK_STR(ck, err, "/tmp: Is a directory");
	if ((big = malloc(FILE_MAX + 1)) == NULL)
		return;
	memset(big, '\n', FILE_MAX + 1);
	memcpy(big, "workers 3", 9);
	check_case(ck, "load: a file of exactly %d bytes", FILE_MAX);
	test_load_file(ck, conf, big, FILE_MAX, 0, "");
	CHECK_INT(ck, conf->workers, 3);
	check_case(ck, "load: a file of %d bytes", FILE_MAX + 1);
	test_load_file(ck, conf, big, FILE_MAX + 1, -1,
	    ": too large (more than 1048576 bytes)");
	free(big);
}

static void
test_roots(struct check *ck, struct config *conf)
{
	char	 dir[] = "/tmp/test_config.XXXXXX", file[PATH_MAX];
	char	 text[PATH_MAX * 3], err[ERR_MAX], want[PATH_MAX + 32];
	int	 n;

	check_case(ck, "roots: open and close");
	if (!CHECK(ck, mkdtemp(dir) != NULL))
		return;
	snprintf(file, sizeof(file), "%s/file", dir);
	close(open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	n = snprintf(text, sizeof(text), "host a {\nroot \"%s\"\n}\n"
	    "host b {\nroot \"%s\"\n}\n", dir, dir);
	if (CHECK_INT(ck, parse(conf, text, (size_t)n, err), 0) &&
	    CHECK_INT(ck, config_open_roots(conf, err, sizeof(err)), 0)) {
		CHECK(ck, conf->hosts[0].root_fd >= 0);
		CHECK(ck, conf->hosts[1].root_fd >= 0);
		CHECK(ck, fcntl(conf->hosts[0].root_fd, F_GETFD) & FD_CLOEXEC);
		config_close_roots(conf);
		CHECK_INT(ck, conf->hosts[0].root_fd, -1);
		CHECK_INT(ck, conf->hosts[1].root_fd, -1);
	}

	check_case(ck, "roots: a bad one fails and closes the others");
	n = snprintf(text, sizeof(text), "host a {\nroot \"%s\"\n}\n"
	    "host b {\nroot \"%s\"\n}\n", dir, file);
	if (CHECK_INT(ck, parse(conf, text, (size_t)n, err), 0)) {
		CHECK_INT(ck, config_open_roots(conf, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s: Not a directory", file);
		CHECK_STR(ck, err, want);
		CHECK_INT(ck, conf->hosts[0].root_fd, -1);
		CHECK_INT(ck, conf->hosts[1].root_fd, -1);
	}
	unlink(file);
	rmdir(dir);
}

/* config_parse adds to what conf holds: main.c's order of layers. */
static void
test_layers(struct check *ck, struct config *conf)
{
	char	 err[ERR_MAX];

	check_case(ck, "a second parse adds hosts and checks duplicates");
	if (!CHECK_INT(ck, parse(conf, S("host a {\nroot r\n}\n"), err), 0))
		return;
	CHECK_INT(ck, config_parse(conf, "two", S("host b {\nroot r\n}\n"),
	    err, sizeof(err)), 0);
	CHECK_INT(ck, conf->nhosts, 2);
	CHECK_INT(ck, config_parse(conf, "three", S("host A {\nroot r\n}\n"),
	    err, sizeof(err)), -1);
	CHECK_STR(ck, err, "three:1: duplicate host 'a'");

	check_case(ck, "a short error buffer is cut, not overrun");
	config_defaults(conf);
	memset(err, 'x', sizeof(err));
	CHECK_INT(ck, config_parse(conf, "t", S("bogus\n"), err, 8), -1);
	CHECK_STR(ck, err, "t:1: un");
	CHECK_INT(ck, err[8], 'x');
	CHECK_INT(ck, config_parse(conf, "t", S("bogus\n"), NULL, 0), -1);
}

int
main(void)
{
	struct check	 ck;
	struct config	*a, *b;

	check_init(&ck, "test_config");
	/* A config holds every host's paths: too big for the stack. */
	if ((a = malloc(sizeof(*a))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL) {
		perror("malloc");
		return 1;
	}
	test_defaults(&ck, a);
	test_good(&ck, a);
	test_ok(&ck, a);
	test_errors(&ck, a);
	test_limits(&ck, a);
	test_dump(&ck, a, b);
	test_dump_text(&ck, a);
	test_load(&ck, a);
	test_roots(&ck, a);
	test_layers(&ck, a);
	free(a);
	free(b);
	return check_done(&ck);
}
