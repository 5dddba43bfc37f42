/*
 * Unit tests of priv.c: the Landlock sandbox a worker enters, applied in
 * a forked child to a temporary directory (Landlock cannot be undone, so
 * the parent stays free), and the start-up checks of the settings.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "priv.h"
#include "check.h"

/* What the sandboxed child could do: 0 for success, else the errno. */
struct probe {
	int	 abi;		/* priv_landlock's return value */
	int	 read_in;	/* read a file beneath the root */
	int	 read_sub;	/* read a file in a directory beneath it */
	int	 list_in;	/* list the root */
	int	 read_out;	/* open a file outside the root */
	int	 write_in;	/* open the file inside for writing */
	int	 create_in;	/* create a file inside */
	int	 mkdir_in;	/* create a directory inside */
	int	 unlink_in;	/* remove the file inside */
	int	 connect;	/* connect to a TCP listener on 127.0.0.1 */
	int	 nnp;		/* PR_GET_NO_NEW_PRIVS */
};

/* Temporary directories and the listener the probes use. */
struct fixture {
	char	 root[64];	/* the sandbox's root */
	char	 out[64];	/* a directory outside it */
	char	 sub_dir[96];	/* root/sub */
	char	 in_file[160];	/* root/in.txt */
	char	 sub_file[160];	/* root/sub/deep.txt */
	char	 out_file[160];	/* out/out.txt */
	char	 new_file[160];	/* root/new.txt, must not appear */
	char	 new_dir[160];	/* root/newdir, must not appear */
	int	 lfd;		/* TCP listener on 127.0.0.1 */
	struct sockaddr_in sin;	/* its address */
};

static int
write_file(const char *path, const char *text)
{
	int	 fd;
	ssize_t	 n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* 0 if the whole file reads as want, else errno (EIO on a mismatch). */
static int
read_errno(const char *path, const char *want)
{
	char	 buf[64];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = '\0';
	return strcmp(buf, want) == 0 ? 0 : EIO;
}

static int
setup(struct fixture *fx)
{
	socklen_t	 len = sizeof(fx->sin);

	snprintf(fx->root, sizeof(fx->root), "/tmp/test_priv.root.XXXXXX");
	snprintf(fx->out, sizeof(fx->out), "/tmp/test_priv.out.XXXXXX");
	if (mkdtemp(fx->root) == NULL || mkdtemp(fx->out) == NULL)
		return -1;
	snprintf(fx->in_file, sizeof(fx->in_file), "%s/in.txt", fx->root);
	snprintf(fx->sub_dir, sizeof(fx->sub_dir), "%s/sub", fx->root);
	snprintf(fx->sub_file, sizeof(fx->sub_file), "%s/deep.txt",
	    fx->sub_dir);
	snprintf(fx->out_file, sizeof(fx->out_file), "%s/out.txt", fx->out);
	snprintf(fx->new_file, sizeof(fx->new_file), "%s/new.txt", fx->root);
	snprintf(fx->new_dir, sizeof(fx->new_dir), "%s/newdir", fx->root);
	if (write_file(fx->in_file, "inside\n") == -1 ||
	    write_file(fx->out_file, "outside\n") == -1)
		return -1;
	if (mkdir(fx->sub_dir, 0755) == -1 ||
	    write_file(fx->sub_file, "deep\n") == -1)
		return -1;
	memset(&fx->sin, 0, sizeof(fx->sin));
	fx->sin.sin_family = AF_INET;
	fx->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fx->lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fx->lfd, (struct sockaddr *)&fx->sin, sizeof(fx->sin)) == -1 ||
	    listen(fx->lfd, 4) == -1 || getsockname(fx->lfd,
	    (struct sockaddr *)&fx->sin, &len) == -1)
		return -1;
	return 0;
}

static void
teardown(const struct fixture *fx)
{
	unlink(fx->in_file);
	unlink(fx->sub_file);
	unlink(fx->out_file);
	unlink(fx->new_file);
	rmdir(fx->new_dir);
	rmdir(fx->sub_dir);
	rmdir(fx->root);
	rmdir(fx->out);
	if (fx->lfd != -1)
		close(fx->lfd);
}

static int
errno_of(int rc)
{
	return rc == -1 ? errno : 0;
}

static int
list_errno(const char *path)
{
	DIR	*d;
	int	 n = 0;

	if ((d = opendir(path)) == NULL)
		return errno;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n >= 3 ? 0 : EIO;	/* ".", "..", in.txt, sub */
}

/* Runs every probe as it stands (sandboxed or not). */
static void
probe_all(const struct fixture *fx, struct probe *p)
{
	int	 fd, s;

	p->read_in = read_errno(fx->in_file, "inside\n");
	p->read_sub = read_errno(fx->sub_file, "deep\n");
	p->list_in = list_errno(fx->root);
	p->read_out = read_errno(fx->out_file, "outside\n");
	fd = open(fx->in_file, O_WRONLY | O_APPEND);
	p->write_in = errno_of(fd);
	if (fd != -1)
		close(fd);
	fd = open(fx->new_file, O_WRONLY | O_CREAT | O_EXCL, 0644);
	p->create_in = errno_of(fd);
	if (fd != -1)
		close(fd);
	p->mkdir_in = errno_of(mkdir(fx->new_dir, 0755));
	p->unlink_in = errno_of(unlink(fx->sub_file));
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		p->connect = errno;
	else {
		p->connect = errno_of(connect(s, (const struct sockaddr *)
		    &fx->sin, sizeof(fx->sin)));
		close(s);
	}
	p->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

/* Forks; the child enters the sandbox on root and probes. */
static int
probe_sandboxed(const struct fixture *fx, struct probe *p)
{
	pid_t	 pid;
	int	 pfd[2], fd, status;
	ssize_t	 n;

	if (pipe(pfd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		memset(p, 0, sizeof(*p));
		if ((fd = open(fx->root, O_RDONLY | O_DIRECTORY)) == -1)
			_exit(2);
		p->abi = priv_landlock(&fd, 1);
		probe_all(fx, p);
		_exit(write(pfd[1], p, sizeof(*p)) == sizeof(*p) ? 0 : 3);
	}
	close(pfd[1]);
	n = read(pfd[0], p, sizeof(*p));
	close(pfd[0]);
	if (waitpid(pid, &status, 0) == -1 || n != sizeof(*p))
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
test_landlock(struct check *ck, const struct fixture *fx)
{
	struct probe	 p;

	/* Without the sandbox every probe succeeds (the files are ours):
	 * what fails below fails because of the sandbox. */
	check_case(ck, "without the sandbox every probe succeeds");
	probe_all(fx, &p);
	CHECK_INT(ck, p.read_in, 0);
	CHECK_INT(ck, p.read_out, 0);
	CHECK_INT(ck, p.write_in, 0);
	CHECK_INT(ck, p.create_in, 0);
	CHECK_INT(ck, p.mkdir_in, 0);
	CHECK_INT(ck, p.unlink_in, 0);
	CHECK_INT(ck, p.connect, 0);
	CHECK_INT(ck, rmdir(fx->new_dir), 0);
	CHECK_INT(ck, unlink(fx->new_file), 0);
	CHECK_INT(ck, write_file(fx->sub_file, "deep\n"), 0);
	check_case(ck, "landlock: sandboxed child reports back");
	if (!CHECK_INT(ck, probe_sandboxed(fx, &p), 0))
		return;
	CHECK(ck, p.abi >= 0);
	if (p.abi == 0) {
		check_case(ck, "landlock: SKIPPED, the kernel has no Landlock");
		return;
	}
	check_case(ck, "landlock: no_new_privs is set");
	CHECK_INT(ck, p.nnp, 1);
	check_case(ck, "landlock ABI %d: a file beneath the root reads", p.abi);
	CHECK_INT(ck, p.read_in, 0);
	CHECK_INT(ck, p.read_sub, 0);
	check_case(ck, "landlock: the root lists");
	CHECK_INT(ck, p.list_in, 0);
	check_case(ck, "landlock: a file outside the root is EACCES");
	CHECK_INT(ck, p.read_out, EACCES);
	check_case(ck, "landlock: writing, creating, removing is EACCES");
	CHECK_INT(ck, p.write_in, EACCES);
	CHECK_INT(ck, p.create_in, EACCES);
	CHECK_INT(ck, p.mkdir_in, EACCES);
	CHECK_INT(ck, p.unlink_in, EACCES);
	CHECK_INT(ck, access(fx->new_file, F_OK), -1);
	CHECK_INT(ck, access(fx->sub_file, F_OK), 0);
	if (p.abi >= 4) {
		check_case(ck, "landlock ABI %d: TCP connect is EACCES", p.abi);
		CHECK_INT(ck, p.connect, EACCES);
	}
}

static void
test_check(struct check *ck)
{
	struct config	 conf;
	char		 err[256];

	config_defaults(&conf);
	check_case(ck, "priv_check: the defaults pass");
	CHECK_INT(ck, priv_check(&conf, err, sizeof(err)), 0);
	check_case(ck, "priv_check: a missing chroot directory");
	snprintf(conf.chroot_dir, sizeof(conf.chroot_dir), "/nonexistent/x");
	err[0] = '\0';
	CHECK_INT(ck, priv_check(&conf, err, sizeof(err)), -1);
	CHECK(ck, strncmp(err, "chroot /nonexistent/x: ", 23) == 0);
	if (geteuid() != 0) {
		check_case(ck, "priv_check: chroot needs root");
		snprintf(conf.chroot_dir, sizeof(conf.chroot_dir), "/");
		CHECK_INT(ck, priv_check(&conf, err, sizeof(err)), -1);
		CHECK(ck, strstr(err, "needs root") != NULL);
		return;
	}
	check_case(ck, "priv_check: an unknown user (as root)");
	config_defaults(&conf);
	snprintf(conf.user, sizeof(conf.user), "no-such-user-here");
	CHECK_INT(ck, priv_check(&conf, err, sizeof(err)), -1);
	CHECK_STR(ck, err, "user no-such-user-here: no such user");
	check_case(ck, "priv_check: chroot to a file (as root)");
	config_defaults(&conf);
	snprintf(conf.chroot_dir, sizeof(conf.chroot_dir), "/etc/passwd");
	CHECK_INT(ck, priv_check(&conf, err, sizeof(err)), -1);
	CHECK_STR(ck, err, "chroot /etc/passwd: not a directory");
}

int
main(void)
{
	struct check	 ck;
	struct fixture	 fx;

	check_init(&ck, "test_priv");
	memset(&fx, 0, sizeof(fx));
	fx.lfd = -1;
	check_case(&ck, "fixture");
	if (CHECK_INT(&ck, setup(&fx), 0))
		test_landlock(&ck, &fx);
	teardown(&fx);
	test_check(&ck);
	return check_done(&ck);
}
