// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inifile.c - the one INI line reader (rules in inifile.h)
 *
 * Theory of operation
 *
 * libinih parses; we feed it. Debian's build reports no line numbers to
 * the handler (INI_HANDLER_LINENO 0) and silently splits lines longer than
 * its buffer, so every line goes through next_line() first. It counts
 * lines (the handler reads the number from struct inifile), and refuses
 * what inih would mishandle before inih sees it:
 *   - a line longer than the buffer (inih would parse the tail as a line);
 *   - a NUL byte (inih would stop reading the line there);
 *   - an unknown section, or text after "[section]" (inih ignores both);
 * and it strips leading blanks, so an indented line is never taken as a
 * continuation of the previous value (inih's multi-line mode).
 *
 * inih keeps going after an error; we keep only the first one. Its own
 * syntax errors (a line without '=', a '[' without ']') are not seen by the
 * handler, only in the line number inih returns, so the message is made
 * afterwards from the earliest of the two.
 *
 * policy_ini.c and config/config.c each had a copy of this reader; they
 * agreed on what they accepted, and differed only in how a message quoted
 * the file: now every message has its control bytes shown as '?', and the
 * names this reader quotes go through inifile_show().
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "inifile.h"

static_assert(INI_MAX_LINE - 2 == INIFILE_LINE_MAX,
	      "policies are written back in lines libinih can read");

static bool blank(char ch)
{
	return isspace((unsigned char)ch);
}

/* vfail() - the first error: "FILE:LINE: message", nothing unprintable */
static void __attribute__((format(printf, 3, 0)))
vfail(struct inifile *f, unsigned int line, const char *fmt,
		  va_list ap)
{
	size_t i;
	int n;

	if (f->err_line)
		return;
	f->err_line = line ? line : 1;
	if (!f->err_ret)
		f->err_ret = -EINVAL;
	if (!f->err || !f->errlen)
		return;
	/* a long file name may crowd out the message; it never overflows */
	n = snprintf(f->err, f->errlen, "%s:%u: ", f->file ? f->file : "-",
		     f->err_line);
	if (n >= 0 && (size_t)n < f->errlen)
		vsnprintf(f->err + n, f->errlen - (size_t)n, fmt, ap);
	/* messages quote the file; they reach terminals and logs */
	for (i = 0; f->err[i]; i++)
		if ((unsigned char)f->err[i] < 0x20 || f->err[i] == 0x7f)
			f->err[i] = '?';
}

int inifile_fail(struct inifile *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(f, f->lineno, fmt, ap);
	va_end(ap);
	return 0;
}

int inifile_fail_at(struct inifile *f, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(f, line, fmt, ap);
	va_end(ap);
	return 0;
}

int inifile_once(struct inifile *f, unsigned int *seen, const char *section,
		 const char *key)
{
	char ks[INIFILE_SHOW_MAX];

	if (*seen)
		return inifile_fail(f, "duplicate key '%s' in [%s] (first set "
				    "on line %u)", inifile_show(key, SIZE_MAX, ks),
				    section, *seen);
	*seen = f->lineno;
	return 1;
}

const char *inifile_show(const char *v, size_t n, char buf[INIFILE_SHOW_MAX])
{
	size_t i;

	for (i = 0; i < n && v[i] && i < INIFILE_SHOW_MAX - 4; i++)
		buf[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	if (i < n && v[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static int section_find(const struct inifile *f, const char *s, size_t n)
{
	for (int i = 0; f->sections[i]; i++)
		if (strlen(f->sections[i]) == n && !memcmp(s, f->sections[i], n))
			return i;
	return -1;
}

/* section_list() - "[policy], [allow] or [deny]" */
static const char *section_list(const struct inifile *f, char *buf,
				size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; f->sections[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s[%s]",
					 !i ? "" : f->sections[i + 1] ? ", " :
					 " or ", f->sections[i]);
	return buf;
}

/* check_section() - a "[name]" line: a section we know, nothing after it */
static void check_section(struct inifile *f, const char *s, size_t n)
{
	const char *end = memchr(s, ']', n);
	char sv[INIFILE_SHOW_MAX], list[160];
	size_t name_len, i;

	if (!end)
		return;		/* inih reports the missing ']' */
	name_len = (size_t)(end - s) - 1;
	for (i = (size_t)(end - s) + 1; i < n && blank(s[i]); i++)
		;
	if (i < n && s[i] != ';' && s[i] != '#') {
		inifile_fail(f, "unexpected text after [%s]",
			     inifile_show(s + 1, name_len, sv));
		return;
	}
	if (section_find(f, s + 1, name_len) < 0)
		inifile_fail(f, "unknown section [%s] (expected %s)",
			     inifile_show(s + 1, name_len, sv),
			     section_list(f, list, sizeof(list)));
}

/* next_line() - inih's fgets: one line of the text, checked */
static char *next_line(char *str, int num, void *stream)
{
	struct inifile *f = stream;
	size_t n, max = num > 2 ? (size_t)num - 2 : 0;
	const char *s, *nl;

	if (f->err_line || f->pos >= f->len || num < 3)
		return NULL;
	s = f->text + f->pos;
	nl = memchr(s, '\n', f->len - f->pos);
	n = nl ? (size_t)(nl - s) : f->len - f->pos;
	f->pos += n + (nl ? 1 : 0);
	f->lineno++;
	f->line = s;
	f->line_len = n;
	/* an empty line has n == 0 */
	// cppcheck-suppress knownConditionTrueFalse
	if (n && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n)) {
		inifile_fail(f, "NUL byte in the line (a text file was expected)");
		return NULL;
	}
	if (n > max) {
		inifile_fail(f, "line too long (at most %zu characters)", max);
		return NULL;
	}
	/* inih would take a BOM only on line 1 and an indented line as more
	 * of the previous value: strip both here, where they cannot matter */
	if (f->lineno == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	while (n && blank(*s)) {
		s++;
		n--;
	}
	if (n && *s == '[') {
		check_section(f, s, n);
		if (f->err_line)
			return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct inifile *f = user;
	char ks[INIFILE_SHOW_MAX], list[160];
	size_t sep = 0;
	int s;

	if (f->err_line)
		return 0;
	/* inih also splits "key: value"; one spelling is enough */
	while (sep < f->line_len && f->line[sep] != '=' && f->line[sep] != ':')
		sep++;
	if (sep >= f->line_len || f->line[sep] != '=')
		return inifile_fail(f, "expected 'key = value'");
	s = section_find(f, section, strlen(section));
	if (s < 0)	/* next_line() let no other section through */
		return inifile_fail(f, "'%s' before any section (expected %s "
				    "first)", inifile_show(key, SIZE_MAX, ks),
				    section_list(f, list, sizeof(list)));
	return f->key(f, s, key, value);
}

/* syntax_error() - the message for an error only inih saw, on line @n */
static void syntax_error(struct inifile *f, unsigned int n)
{
	const char *s = f->text, *end = f->text + f->len;

	for (unsigned int i = 1; i < n && s < end; i++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		s = nl ? nl + 1 : end;
	}
	while (s < end && blank(*s))
		s++;
	f->lineno = n;
	f->err_line = 0;
	f->err_ret = 0;
	if (s < end && *s == '[')
		inifile_fail(f, "expected ']' to close the section name");
	else
		inifile_fail(f, "expected 'key = value'");
}

int inifile_parse(struct inifile *f)
{
	int rc;

	if (f->err && f->errlen)
		f->err[0] = '\0';
	f->pos = 0;
	f->lineno = 0;
	f->err_line = 0;
	f->err_ret = 0;
	f->line = "";
	f->line_len = 0;
	rc = ini_parse_stream(next_line, f, handler, f);
	if (rc == -2)
		return -ENOMEM;
	if (rc > 0 && (!f->err_line || (unsigned int)rc < f->err_line))
		syntax_error(f, (unsigned int)rc);
	return f->err_line ? f->err_ret : 0;
}
