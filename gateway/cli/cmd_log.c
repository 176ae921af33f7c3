// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_log.c - `sentry log`: the decision log, readable, filtered, followed
 *
 * Reads the file the daemon's sentry.ini names (-c), a path, or stdin,
 * and prints one readable line per decision (or, with -o json, the lines
 * themselves, unchanged). --follow keeps reading as the daemon appends, as
 * `tail -F` does: it waits with inotify, and reopens the path when the file
 * was replaced (log rotation, then SIGHUP to the daemon).
 *
 * Lines are cut by this file's own buffer rather than stdio's, so that a
 * line the daemon is still writing is held until its newline comes. A line
 * that is not a decision (declog_parse() says why) is counted and reported
 * on stderr at the end; it never stops the reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/config.h"
#include "declog.h"

#define LOG_BUF		(64 * 1024)	/* the longest line read; the daemon's are 4 KiB */
#define REOPEN_CHECK_MS	1000		/* how often --follow looks for a replaced file */

struct logrd {
	const char *path;		/* NULL: stdin */
	int fd;
	int ino_fd;			/* inotify, --follow on a path */
	bool follow, json, utc;
	struct declog_filter filter;
	char buf[LOG_BUF];
	size_t len;			/* bytes held in buf */
	bool skipping;			/* inside an over-long line */
	unsigned long lineno, bad;
	char first_bad[200];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void log_usage(FILE *f)
{
	fprintf(f,
		"usage: sentry log [-c sentry.ini | FILE | -] [-f] [-o text|json] [--utc]\n"
		"                  [--bottle NAME] [--policy NAME] [--verdict V[,V]]\n"
		"                  [--event flow|dns|inbound] [--since WHEN]\n\n"
		"Prints the decision log, one readable line per decision:\n"
		"  TIME BOTTLE VERDICT EVENT PROTO SRC -> DST [NAME]  (RULE or REASON)\n"
		"Input: FILE, '-' for stdin, or the decision_log of sentry.ini (-c, default\n"
		"%s; stdin when it is not a terminal and nothing is named).\n"
		"  -f, --follow     keep reading as decisions are appended (Ctrl-C ends)\n"
		"  -o json          print the matching lines unchanged\n"
		"  --verdict V      allow, deny, would_deny (comma-separated: deny,would_deny)\n"
		"  --since WHEN     epoch seconds, 90s/15m/2h/1d ago, or YYYY-MM-DD[ HH:MM[:SS]]\n"
		"  --utc            times in UTC (also for --since)\n"
		"Lines that are not decisions are counted and reported on stderr.\n"
		"Exit status: 0, or 1 when the log cannot be read, 2 on a usage error.\n",
		CONFIG_DEFAULT_PATH);
}

static int open_input(struct logrd *r)
{
	if (!r->path) {
		r->fd = STDIN_FILENO;
		return 0;
	}
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		fprintf(stderr, "sentry log: %s: %s\n", r->path, strerror(errno));
		return -errno;
	}
	return 0;
}

static void handle_line(struct logrd *r, const char *line, size_t n)
{
	struct declog_entry e;
	char err[128], out[DECLOG_LINE_MAX];
	size_t k;

	r->lineno++;
	if (n && line[n - 1] == '\r')
		n--;
	if (!n)
		return;
	if (declog_parse(line, n, &e, err, sizeof(err))) {
		if (!r->bad++)
			snprintf(r->first_bad, sizeof(r->first_bad), "line %lu: %s",
				 r->lineno, err);
		return;
	}
	if (!declog_match(&e, &r->filter))
		return;
	if (r->json) {
		fwrite(line, 1, n, stdout);
		fputc('\n', stdout);
		return;
	}
	k = declog_format_text(&e, r->utc, out, sizeof(out));
	fwrite(out, 1, k, stdout);
}

/* drain() - every whole line in the buffer; keeps the unfinished tail */
static void drain(struct logrd *r, bool at_end)
{
	size_t start = 0;

	for (;;) {
		char *nl = memchr(r->buf + start, '\n', r->len - start);

		if (!nl)
			break;
		if (r->skipping)
			r->skipping = false;	/* the end of an over-long line */
		else
			handle_line(r, r->buf + start, (size_t)(nl - r->buf) - start);
		start = (size_t)(nl - r->buf) + 1;
	}
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	if (r->len == sizeof(r->buf)) {
		/* no newline in 64 KiB: not a decision line; skip to the next */
		if (!r->skipping) {
			r->lineno++;
			if (!r->bad++)
				snprintf(r->first_bad, sizeof(r->first_bad),
					 "line %lu: longer than %d bytes",
					 r->lineno, LOG_BUF);
		}
		r->skipping = true;
		r->len = 0;
	}
	if (at_end && r->len) {
		if (!r->skipping)
			handle_line(r, r->buf, r->len);
		r->len = 0;
	}
}

/* replaced() - whether r->path now names another file than the one open */
static bool replaced(const struct logrd *r)
{
	struct stat a, b;

	if (stat(r->path, &a) || fstat(r->fd, &b))
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev || a.st_size < b.st_size;
}

/* wait_more() - sleep until the file may have grown; false: stop */
static bool wait_more(struct logrd *r)
{
	struct pollfd pfd = { .fd = r->ino_fd, .events = POLLIN };
	char evbuf[4096];

	fflush(stdout);
	if (stop)
		return false;
	if (poll(&pfd, 1, REOPEN_CHECK_MS) > 0) {
		while (read(r->ino_fd, evbuf, sizeof(evbuf)) > 0)
			;
	}
	if (stop)
		return false;
	if (replaced(r)) {
		int fd = open(r->path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			/* finish what the old file held, then start the new one */
			drain(r, true);
			close(r->fd);
			r->fd = fd;
			if (r->ino_fd >= 0)
				inotify_add_watch(r->ino_fd, r->path, IN_MODIFY);
		}
	}
	return true;
}

static int read_all(struct logrd *r)
{
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);

		if (n < 0) {
			if (errno == EINTR && !stop)
				continue;
			if (errno == EINTR)
				break;
			fprintf(stderr, "sentry log: %s: %s\n",
				r->path ? r->path : "stdin", strerror(errno));
			return 1;
		}
		if (n > 0) {
			r->len += (size_t)n;
			drain(r, false);
			continue;
		}
		/* end of file: done, unless following a file that grows */
		if (!r->follow || !r->path || !wait_more(r))
			break;
	}
	drain(r, true);
	return 0;
}

static int log_source(struct logrd *r, const char *config, const char *arg)
{
	struct sentry_config *cfg;
	char err[CONFIG_ERR_MAX];
	static char path[CONFIG_PATH_MAX + 1];

	if (arg) {
		r->path = strcmp(arg, "-") ? arg : NULL;
		return 0;
	}
	if (!config && !isatty(STDIN_FILENO)) {
		r->path = NULL;
		return 0;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return 1;
	if (config_load(config ? config : CONFIG_DEFAULT_PATH, cfg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(cfg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s", cfg->decision_log);
	free(cfg);
	if (!strcmp(path, "stderr")) {
		fprintf(stderr, "sentry log: the daemon writes its decisions to stderr "
			"(decision_log = stderr); read them where that goes, e.g.\n"
			"  journalctl -o cat -u sentry | sentry log -\n");
		return 1;
	}
	r->path = path;
	return 0;
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "follow", no_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "bottle", required_argument, NULL, 'b' },
		{ "policy", required_argument, NULL, 'p' },
		{ "verdict", required_argument, NULL, 'V' },
		{ "event", required_argument, NULL, 'e' },
		{ "since", required_argument, NULL, 's' },
		{ "utc", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct logrd r;
	const char *config = NULL, *since = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec now;
	int c, rc;

	memset(&r, 0, sizeof(r));
	r.ino_fd = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:fo:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': r.follow = true; break;
		case 'o':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return usage_error("log", "-o takes text or json, not '%s'",
						   optarg);
			r.json = !strcmp(optarg, "json");
			break;
		case 'b': r.filter.bottle = optarg; break;
		case 'p': r.filter.policy = optarg; break;
		case 'V': r.filter.verdicts = optarg; break;
		case 'e': r.filter.events = optarg; break;
		case 's': since = optarg; break;
		case 'u': r.utc = true; break;
		case 'h':
			log_usage(stdout);
			return 0;
		default:
			return usage_error("log", "bad option");
		}
	}
	if (argc - optind > 1)
		return usage_error("log", "unexpected argument '%s'", argv[optind + 1]);
	if (config && optind < argc)
		return usage_error("log", "give -c or a file, not both");
	if (since) {
		clock_gettime(CLOCK_REALTIME, &now);
		if (declog_parse_since(since, (uint64_t)now.tv_sec * 1000000 +
				       (uint64_t)now.tv_nsec / 1000, r.utc,
				       &r.filter.since_us))
			return usage_error("log", "--since: '%s' is not a time "
					   "(epoch seconds, 15m, 2h, 1d, YYYY-MM-DD HH:MM:SS)",
					   since);
	}
	if (log_source(&r, config, optind < argc ? argv[optind] : NULL))
		return 1;
	if (open_input(&r))
		return 1;
	if (r.follow && r.path) {
		r.ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (r.ino_fd >= 0)
			inotify_add_watch(r.ino_fd, r.path, IN_MODIFY);
		/* without inotify, wait_more() still wakes each REOPEN_CHECK_MS */
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_DFL);
	rc = read_all(&r);
	if (fflush(stdout))
		rc = 1;
	if (r.bad)
		fprintf(stderr, "sentry log: %lu line%s not a decision (first: %s)\n",
			r.bad, r.bad == 1 ? " was" : "s were", r.first_bad);
	if (r.path && r.fd >= 0)
		close(r.fd);
	if (r.ino_fd >= 0)
		close(r.ino_fd);
	return rc;
}
