/*
 * Privilege separation. The master keeps root: on SIGHUP it reads the
 * config, keys and certificates again and forks new workers, and it
 * never reads a byte from a client. A worker, once everything it needs
 * is in memory (TLS contexts with their keys, libmagic, the sites, the
 * root fds), sandboxes itself before it accepts anything:
 *   chroot (if set) -> the configured user -> no_new_privs -> Landlock,
 * which leaves it reading files and listing directories beneath the
 * hosts' roots and nothing else. The root fds stay valid after chroot:
 * openat2(RESOLVE_BENEATH) resolves relative to them.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <openssl/rand.h>

#include "capsuled.h"
#include "priv.h"

/* Rights newer than some system headers (linux/landlock.h, ABI 3-6). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE		(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV		(1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP		(1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP		(1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)
#endif
/* Every filesystem right of Landlock ABI 1: bits 0 to 12. */
#define PRIV_FS_ABI1	((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
/* What a worker may do beneath a root: read files, list directories. */
#define PRIV_FS_ALLOWED	(LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_READ_DIR)

/* The ASan runtime reads /proc/self/maps for its reports and the leak
 * check at exit: it is told before the sandbox closes /proc. */
#if defined(__SANITIZE_ADDRESS__)
#define PRIV_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRIV_ASAN	1
#endif
#endif
#ifdef PRIV_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/*
 * struct landlock_ruleset_attr as of ABI 6, declared here because older
 * headers lack the last two fields; older kernels accept the larger
 * struct as long as the fields they do not know are zero.
 */
struct priv_ruleset {
	uint64_t	 fs;		/* handled_access_fs */
	uint64_t	 net;		/* handled_access_net (ABI 4) */
	uint64_t	 scoped;	/* scoped (ABI 6) */
};

/* The rights each Landlock ABI version added (Documentation/userspace-
 * api/landlock.rst); a ruleset governs those of every version up to the
 * kernel's. */
static const struct priv_abi {
	int		 abi;		/* version that brought them */
	uint64_t	 fs;		/* filesystem rights */
	uint64_t	 net;		/* network rights */
	uint64_t	 scoped;	/* IPC scopes */
} priv_abis[] = {
	{ 1, PRIV_FS_ABI1, 0, 0 },
	{ 2, LANDLOCK_ACCESS_FS_REFER, 0, 0 },
	{ 3, LANDLOCK_ACCESS_FS_TRUNCATE, 0, 0 },
	{ 4, 0, LANDLOCK_ACCESS_NET_BIND_TCP |
	    LANDLOCK_ACCESS_NET_CONNECT_TCP, 0 },
	{ 5, LANDLOCK_ACCESS_FS_IOCTL_DEV, 0, 0 },
	{ 6, 0, 0, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
	    LANDLOCK_SCOPE_SIGNAL },
};

/* The kernel's Landlock ABI version, or -1 with errno (ENOSYS,
 * EOPNOTSUPP when it is built in but not enabled). */
static int
priv_landlock_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	return (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
#else
	errno = ENOSYS;
	return -1;
#endif
}

int
priv_landlock(const int *fds, size_t n)
{
#ifdef SYS_landlock_create_ruleset
	struct landlock_path_beneath_attr rule;
	struct priv_ruleset	 attr;
	size_t			 i;
	int			 abi, fd, rc = -1, saved;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	if ((abi = priv_landlock_abi()) == -1)
		return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -1;
	memset(&attr, 0, sizeof(attr));
	for (i = 0; i < sizeof(priv_abis) / sizeof(priv_abis[0]); i++)
		if (priv_abis[i].abi <= abi) {
			attr.fs |= priv_abis[i].fs;
			attr.net |= priv_abis[i].net;
			attr.scoped |= priv_abis[i].scoped;
		}
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd == -1)
		return -1;
	memset(&rule, 0, sizeof(rule));
	rule.allowed_access = PRIV_FS_ALLOWED;
	for (i = 0; i < n; i++) {
		rule.parent_fd = fds[i];
		if (syscall(SYS_landlock_add_rule, fd,
		    LANDLOCK_RULE_PATH_BENEATH, &rule, 0) == -1)
			goto done;
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		goto done;
	rc = abi;
done:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
#else
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ? -1 : 0;
#endif
}

int
priv_check(const struct config *conf, char *err, size_t errsz)
{
	struct stat	 st;

	if (geteuid() != 0) {
		if (conf->chroot_dir[0] == '\0')
			return 0;
		snprintf(err, errsz, "chroot %s: needs root, and capsuled "
		    "runs as uid %u", conf->chroot_dir, (unsigned)geteuid());
		return -1;
	}
	/* getpwnam(3): not found may leave errno 0 or set one of several
	 * values, depending on the name service: one message for all. */
	if (getpwnam(conf->user) == NULL) {
		snprintf(err, errsz, "user %s: no such user", conf->user);
		return -1;
	}
	if (conf->chroot_dir[0] == '\0')
		return 0;
	if (stat(conf->chroot_dir, &st) == -1) {
		snprintf(err, errsz, "chroot %s: %s", conf->chroot_dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "chroot %s: not a directory",
		    conf->chroot_dir);
		return -1;
	}
	return 0;
}

/* Warns about each root the workers' user cannot list: its files would
 * all be answered "not found". */
static void
priv_warn_roots(const struct config *conf, const struct passwd *pw)
{
	struct stat	 st;
	mode_t		 need;
	size_t		 i;

	for (i = 0; i < conf->nhosts; i++) {
		if (conf->hosts[i].root_fd == -1 ||
		    fstat(conf->hosts[i].root_fd, &st) == -1)
			continue;
		if (st.st_uid == pw->pw_uid)
			need = S_IRUSR | S_IXUSR;
		else if (st.st_gid == pw->pw_gid)
			need = S_IRGRP | S_IXGRP;
		else
			need = S_IROTH | S_IXOTH;
		if ((st.st_mode & need) != need)
			log_warnx("%s: user %s cannot read this directory: "
			    "nothing in it will be served",
			    conf->hosts[i].root, pw->pw_name);
	}
}

void
priv_announce(const struct config *conf, const struct config *old)
{
	const struct passwd	*pw;
	char			 ll[64];
	int			 abi, is_root = geteuid() == 0;

	if (old != NULL && strcmp(old->user, conf->user) == 0 &&
	    strcmp(old->chroot_dir, conf->chroot_dir) == 0)
		return;
	pw = is_root ? getpwnam(conf->user) : getpwuid(geteuid());
	if ((abi = priv_landlock_abi()) == -1)
		snprintf(ll, sizeof(ll), "off (%s)", errno == ENOSYS ||
		    errno == EOPNOTSUPP ? "this kernel lacks it" :
		    strerror(errno));
	else
		snprintf(ll, sizeof(ll), "on (ABI %d)", abi);
	log_info("workers run as %s (uid %ld, gid %ld%s), chroot %s, "
	    "landlock %s", pw != NULL ? pw->pw_name : "?",
	    pw != NULL ? (long)pw->pw_uid : (long)geteuid(),
	    pw != NULL ? (long)pw->pw_gid : (long)getegid(),
	    is_root ? "" : "; not started as root",
	    conf->chroot_dir[0] != '\0' ? conf->chroot_dir : "none", ll);
	if (is_root && pw != NULL && pw->pw_uid == 0)
		log_warnx("workers keep running as root, as configured "
		    "(user %s)", conf->user);
	else if (is_root && pw != NULL)
		priv_warn_roots(conf, pw);
}

/*
 * Loads now what a worker would otherwise open lazily, once the sandbox
 * no longer lets it: the time zone (/etc/localtime, read on first use of
 * the time functions) and fresh OpenSSL randomness after fork (getrandom,
 * or /dev/urandom on kernels without it).
 */
static void
priv_preload(void)
{
	unsigned char	 b[16];
#ifdef PRIV_ASAN
	__sanitizer_sandbox_arguments sa;

	memset(&sa, 0, sizeof(sa));
	sa.coverage_fd = -1;
	__sanitizer_sandbox_on_notify(&sa);
#endif
	tzset();
	(void)RAND_bytes(b, sizeof(b));
	(void)RAND_priv_bytes(b, sizeof(b));
}

/* chroot, then the user: the account is looked up before the chroot. */
static int
priv_become(const struct config *conf)
{
	const struct passwd	*pw;
	uid_t			 uid;
	gid_t			 gid;
	int			 deathsig = 0;

	if ((pw = getpwnam(conf->user)) == NULL) {
		log_warnx("user %s: no such user", conf->user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (conf->chroot_dir[0] != '\0' && (chroot(conf->chroot_dir) == -1 ||
	    chdir("/") == -1)) {
		log_warn("chroot %s", conf->chroot_dir);
		return -1;
	}
	if (uid == 0)
		return 0;	/* priv_announce has warned, once */
	/* Changing credentials clears the parent-death signal: restored. */
	(void)prctl(PR_GET_PDEATHSIG, &deathsig, 0, 0, 0);
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		log_warn("cannot become %s", conf->user);
		return -1;
	}
	if (setresuid(0, 0, 0) != -1 || setresgid(0, 0, 0) != -1 ||
	    getuid() != uid || geteuid() != uid || getegid() != gid) {
		log_warnx("dropped to %s but could regain root", conf->user);
		return -1;
	}
	if (deathsig != 0)
		(void)prctl(PR_SET_PDEATHSIG, deathsig, 0, 0, 0);
	return 0;
}

int
priv_drop(const struct config *conf)
{
	int	 fds[CONFIG_HOSTS_MAX + 1];
	size_t	 i, n = 0;
	int	 abi, proc_fd = -1;

	priv_preload();
#ifdef PRIV_ASAN
	/* The leak check at exit lists the process's threads in its own
	 * /proc/PID/task: sanitizer builds may read there too. */
	if ((proc_fd = open("/proc/self", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) != -1)
		fds[n++] = proc_fd;
#endif
	if (geteuid() == 0 && priv_become(conf) == -1)
		return -1;
	for (i = 0; i < conf->nhosts; i++)
		if (conf->hosts[i].root_fd != -1)
			fds[n++] = conf->hosts[i].root_fd;
	abi = priv_landlock(fds, n);
	if (proc_fd != -1)
		close(proc_fd);
	if (abi == -1) {
		log_warn("landlock");
		return -1;
	}
	log_debug("sandboxed: uid %ld, landlock ABI %d", (long)getuid(), abi);
	return 0;
}
