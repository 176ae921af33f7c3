// SPDX-License-Identifier: GPL-2.0-or-later
/* ctl_client.c - one request, one reply, over the control socket */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/config.h"
#include "cli/ctl_client.h"

#define REPLY_TIMEOUT_S	30

const char *ctl_socket_path(const char *opt, const char *config, char *buf,
			    size_t len, char *err, size_t errlen)
{
	const char *env = getenv("SENTRY_SOCKET");

	if (opt)
		return opt;
	if (config) {
		struct sentry_config *c = malloc(sizeof(*c));

		if (!c || config_load(config, c, err, errlen)) {
			if (!c)
				snprintf(err, errlen, "out of memory");
			free(c);
			return NULL;
		}
		snprintf(buf, len, "%s", c->control_socket);
		free(c);
		return buf;
	}
	return env && *env ? env : CTL_SOCKET_DEFAULT;
}

/* A connected socket to the daemon at @path, or -errno with @err */
static int connect_to(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);	/* fits: checked above */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		snprintf(err, errlen, "cannot reach the sentry daemon at %s: %s%s", path,
			 strerror(errno), errno == EACCES ?
			 " (the socket's mode and group decide who may connect: "
			 "control_group and control_mode in sentry.ini)" :
			 " (is `sentry run` running?)");
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return fd;
}

int ctl_peer_pid(const char *path, int *pid, char *err, size_t errlen)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char buf[256];
	int fd = connect_to(path, err, errlen), rc = 0;

	if (fd < 0)
		return fd;
	errno = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.pid <= 0) {
		rc = errno ? -errno : -ESRCH;
		snprintf(err, errlen, "the daemon at %s: no peer credentials: %s", path,
			 strerror(-rc));
	} else {
		*pid = cred.pid;
	}
	/* a whole request, so the daemon has nothing to complain about */
	if (write(fd, "ping\n", 5) == 5)
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	close(fd);
	return rc;
}

int ctl_call(const char *path, const struct ctl_request *req, const int *fds,
	     int nfds, struct sbuf *reply, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	char line[CTL_REQUEST_MAX];
	union {
		char buf[CMSG_SPACE((CTL_QUEUES_MAX + 2) * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int len = ctl_format_request(req, line, sizeof(line));
	int fd, rc, send_rc;

	if (len < 0) {
		snprintf(err, errlen, "request too long");
		return -EINVAL;
	}
	fd = connect_to(path, err, errlen);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	iov.iov_base = line;
	iov.iov_len = (size_t)len;
	if (nfds > 0) {
		struct cmsghdr *h;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(h), fds, (size_t)nfds * sizeof(int));
	}
	errno = 0;
	send_rc = 0;
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != len) {
		/* a short send leaves errno alone */
		send_rc = errno ? -errno : -EIO;
		/*
		 * A daemon that refuses a peer (control_group) writes its
		 * reason and closes without reading: the request then meets
		 * a closed socket, but the reason is there to be read.
		 */
		if (send_rc != -EPIPE && send_rc != -ECONNRESET) {
			snprintf(err, errlen, "sending to %s: %s", path, strerror(-send_rc));
			close(fd);
			return send_rc;
		}
	}
	for (;;) {
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));

		/* closed with our request unread: what came before is the reply */
		if (n < 0 && errno == ECONNRESET && reply->len)
			break;
		if (n < 0 && send_rc) {
			snprintf(err, errlen, "sending to %s: %s", path, strerror(-send_rc));
			close(fd);
			return send_rc;
		}
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "no answer from the daemon at %s: %s", path,
				 errno == EAGAIN ? "timed out" : strerror(errno));
			close(fd);
			return rc;
		}
		if (n == 0)
			break;
		sbuf_printf(reply, "%.*s", (int)n, buf);
	}
	close(fd);
	/* the request did not go: only a refusal can be the answer to it */
	if (send_rc && (reply->len < 6 || strncmp(reply->p, "error ", 6))) {
		snprintf(err, errlen, "sending to %s: %s", path, strerror(-send_rc));
		return send_rc;
	}
	if (reply->oom) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (reply->len >= 2 && !strncmp(reply->p, "ok", 2))
		return 0;
	if (reply->len > 6 && !strncmp(reply->p, "error ", 6)) {
		size_t n = strcspn(reply->p + 6, "\n");

		snprintf(err, errlen, "%.*s", (int)n, reply->p + 6);
		return 1;
	}
	snprintf(err, errlen, "the daemon at %s gave no answer", path);
	return -EPROTO;
}
