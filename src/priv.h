/*
 * priv.c: privilege separation. The master keeps the privileges it was
 * started with; each worker drops them and sandboxes itself before it
 * accepts a connection.
 */
#ifndef PRIV_H
#define PRIV_H

#include <stddef.h>

struct config;

/*
 * Checks the user and chroot settings before any worker is forked, so a
 * bad one is a single message rather than workers that die one after
 * another: an unknown user (started as root), chroot without root, a
 * chroot directory that is missing. 0, or -1 with one line in err.
 */
int	priv_check(const struct config *, char *err, size_t errsz);
/*
 * Logs what the workers run as: user, uid, chroot, Landlock. old is the
 * configuration replaced by a reload (NULL at start-up): nothing is
 * logged when these settings did not change.
 */
void	priv_announce(const struct config *, const struct config *old);
/*
 * In a worker, once everything it needs is in memory: chroot and the
 * configured user (when started as root), no_new_privs, then Landlock
 * beneath the hosts' roots. -1 (logged) if the worker must not serve.
 */
int	priv_drop(const struct config *);
/*
 * Sets no_new_privs, then confines the calling process with Landlock: it
 * may only read files and list directories beneath the n directories of
 * fds; every filesystem right the kernel's ABI knows is governed, and
 * where the ABI allows, TCP bind and connect and signals to processes
 * outside the sandbox are refused too. Returns the Landlock ABI version
 * in force, 0 if the kernel has no Landlock, -1 with errno on error.
 */
int	priv_landlock(const int *fds, size_t n);

#endif /* PRIV_H */
