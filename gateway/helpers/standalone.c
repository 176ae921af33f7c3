// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * standalone.c - start a private daemon for one bottle
 *
 * Theory of operation
 *
 *   helper (parent)                          child (the private daemon)
 *   ---------------                          --------------------------
 *   fork() --------------------------------> setsid(), stdio to NAME.log
 *                                            enter egress_netns, or unshare
 *                                            a new network namespace
 *   read "n" <------------------------------ write "n"
 *   [no egress_netns: run real pasta on the
 *    child's PID, which joins the new
 *    namespace to the host and daemonizes]
 *   write "p" -----------------------------> read "p"
 *                                            daemon_run(): egress, control
 *   read "r" <------------------------------ socket... write "r"; serve; exit
 *   attach the bottle to NAME.sock           when the last bottle is gone,
 *   exit 0                                   stopping pasta on the way out
 *
 * Any failure in the child is a line in NAME.log and a closed pipe; the
 * parent then reports the log's last line. The child's stdio never holds
 * Podman's pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "helpers/standalone.h"

/* Where the private daemon keeps its socket, log and pasta's PID file */
static int runtime_dir(char *dir, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char parent[PATH_MAX];

	if (xdg && *xdg) {
		snprintf(dir, len, "%s/sentry", xdg);
	} else if (geteuid() == 0) {
		snprintf(parent, sizeof(parent), "/run/sentry");
		if (mkdir(parent, 0755) && errno != EEXIST)
			return -errno;
		snprintf(dir, len, "/run/sentry/standalone");
	} else {
		snprintf(dir, len, "/tmp/sentry-%u", (unsigned)geteuid());
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Debian's real pasta: the first "pasta" on $PATH that is not this binary */
static int find_pasta(char *out, size_t len)
{
	const char *path = getenv("PATH");
	char self[PATH_MAX], cand[PATH_MAX], real[PATH_MAX], dirs[4096];

	if (!realpath("/proc/self/exe", self))
		self[0] = '\0';
	snprintf(dirs, sizeof(dirs), "%s:/usr/bin:/usr/local/bin",
		 path && *path ? path : "/usr/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(cand, sizeof(cand), "%s/pasta", d);
		if (access(cand, X_OK) || !realpath(cand, real) || !strcmp(real, self))
			continue;
		snprintf(out, len, "%s", cand);
		return 0;
	}
	return -ENOENT;
}

/* The last line of the child's log, to explain a failure */
static void log_tail(const char *log, char *err, size_t errlen)
{
	char buf[4096], *line, *end;
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	off_t size;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(buf) - 1)
		lseek(fd, size - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	end = strchr(line, '\n');
	if (end)
		*end = '\0';
	snprintf(err, errlen, "standalone daemon failed: %s (see its log)", line);
}

/*
 * Run pasta on the namespace file @nsfile: it joins that namespace to ours
 * and daemonizes itself. It quits by itself when the file is deleted.
 */
static int run_pasta(const char *pasta, const char *nsfile, const char *pidfile,
		     const char *log)
{
	pid_t p;
	int status;

	p = fork();
	if (p < 0)
		return -errno;
	if (p == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		/* never Podman's pipe: pasta's daemon would hold it open */
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(logfd >= 0 ? logfd : null, STDERR_FILENO);
		}
		/* no published ports: the bottle's way out is sentry's egress only;
		 * pasta drops root to nobody unless told, and then cannot join */
		if (geteuid() == 0)
			execl(pasta, "pasta", "--config-net", "--quiet", "-t", "none", "-u",
			      "none", "-T", "none", "-U", "none", "--runas", "0", "--pid",
			      pidfile, "--netns", nsfile, (char *)NULL);
		else
			execl(pasta, "pasta", "--config-net", "--quiet", "-t", "none", "-u",
			      "none", "-T", "none", "-U", "none", "--pid", pidfile,
			      "--netns", nsfile, (char *)NULL);
		_exit(127);
	}
	if (waitpid(p, &status, 0) != p)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* A file for the namespace we are in, so pasta can name it (and notice it go) */
static int pin_netns(const char *nsfile)
{
	int fd;

	umount2(nsfile, MNT_DETACH);	/* a leftover of a daemon that was killed */
	unlink(nsfile);
	fd = open(nsfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount("/proc/self/ns/net", nsfile, NULL, MS_BIND, NULL))
		return -errno;
	return 0;
}

static void child(const struct sentry_config *cfg, const char *sock,
		  const char *log, const char *pidfile, const char *nsfile,
		  int up, int go)
{
	int rc;
	struct sentry_config c = *cfg;
	char byte;
	int fd;

	setsid();
	prctl(PR_SET_NAME, "sentry-alone", 0, 0, 0);	/* not "pasta" in ps */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	if (cfg->egress_netns[0]) {
		fd = open(cfg->egress_netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			fprintf(stderr, "sentry: egress_netns %s: %s\n",
				cfg->egress_netns, strerror(errno));
			_exit(1);
		}
		close(fd);
	} else {
		rc = unshare(CLONE_NEWNET) ? -errno : pin_netns(nsfile);
		if (rc) {
			fprintf(stderr, "sentry: cannot make an egress namespace: %s\n",
				strerror(-rc));
			_exit(1);
		}
	}
	if (write(up, "n", 1) != 1)
		_exit(1);
	if (!cfg->egress_netns[0] && (read(go, &byte, 1) != 1 || byte != 'p'))
		_exit(1);	/* the parent could not run pasta and said why */
	close(go);

	snprintf(c.control_socket, sizeof(c.control_socket), "%s", sock);
	c.control_mode = 0600;
	c.control_group[0] = '\0';
	/* uids other than ours may not even exist in a rootless user namespace */
	snprintf(c.user, sizeof(c.user), "root");
	c.standalone = true;
	rc = daemon_run(&c, up, cfg->egress_netns[0] ? NULL : pidfile);
	if (!cfg->egress_netns[0]) {
		umount2(nsfile, MNT_DETACH);
		unlink(nsfile);
	}
	_exit(rc ? 1 : 0);
}

int standalone_start(const struct sentry_config *cfg, const char *name,
		     char *sock, size_t socklen, char *err, size_t errlen)
{
	char dir[PATH_MAX - 64], log[PATH_MAX], pidfile[PATH_MAX], pasta[PATH_MAX];
	char nsfile[PATH_MAX];
	int up[2], go[2], rc;
	char byte = 0;
	pid_t pid;

	if (!cfg->egress_netns[0] && find_pasta(pasta, sizeof(pasta))) {
		snprintf(err, errlen, "standalone mode needs [helper] egress_netns or "
			 "Debian's passt package (pasta) to join its namespace to the host");
		return -ENOENT;
	}
	rc = runtime_dir(dir, sizeof(dir));
	if (rc) {
		snprintf(err, errlen, "standalone: cannot make %s: %s", dir, strerror(-rc));
		return rc;
	}
	if ((size_t)snprintf(sock, socklen, "%s/%s.sock", dir, name) >= socklen ||
	    strlen(sock) >= sizeof(cfg->control_socket)) {
		snprintf(err, errlen, "standalone: socket path too long in %s", dir);
		return -ENAMETOOLONG;
	}
	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	snprintf(pidfile, sizeof(pidfile), "%s/%s.pasta.pid", dir, name);
	snprintf(nsfile, sizeof(nsfile), "%s/%s.netns", dir, name);
	if (pipe2(up, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(up[0]);
		close(go[1]);
		child(cfg, sock, log, pidfile, nsfile, up[1], go[0]);
	}
	close(up[1]);
	close(go[0]);
	rc = -EIO;
	if (read(up[0], &byte, 1) != 1 || byte != 'n')
		goto out;
	if (!cfg->egress_netns[0]) {
		rc = run_pasta(pasta, nsfile, pidfile, log);
		if (rc) {
			snprintf(err, errlen, "standalone: %s could not join the egress "
				 "namespace to the host", pasta);
			kill(pid, SIGTERM);
			goto out_reaped;
		}
		if (write(go[1], "p", 1) != 1)
			goto out;
	}
	if (read(up[0], &byte, 1) == 1 && byte == 'r')
		rc = 0;
out:
	if (rc)
		log_tail(log, err, errlen);
out_reaped:
	close(up[0]);
	close(go[1]);
	return rc;
}
