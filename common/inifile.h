/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inifile.h - the one INI line reader, for policies and sentry.ini
 *
 * One set of rules for both files (libinih does the splitting, this reader
 * feeds it and owns every rule libinih would get wrong or leave loose):
 *
 *   - a line holds at most INIFILE_LINE_MAX characters, a trailing CR not
 *     counted; a longer one is an error, never split;
 *   - a NUL byte is an error (a text file was expected);
 *   - a UTF-8 BOM is skipped on line 1; leading blanks are skipped on every
 *     line, so an indented line is never more of the previous value;
 *   - a line starting with '#' or ';' is a comment; so is the rest of a
 *     line after " ;" (a ';' after a blank), libinih's inline comments;
 *   - "[name]" opens a section, which must be one of the caller's; only
 *     blanks or a comment may follow the ']';
 *   - every other line is "key = value" ("key: value" is refused), inside
 *     a section; sections may repeat;
 *   - a key set twice is refused where the caller asks (inifile_once());
 *   - the first error wins and stops the reading; its message is
 *     "FILE:LINE: what was expected", with control bytes shown as '?'.
 *
 * Usage: fill the first block of struct inifile, call inifile_parse(); the
 * key callback checks each value and calls inifile_fail() on a bad one.
 */
#ifndef SENTRY_INIFILE_H
#define SENTRY_INIFILE_H

#include <stdbool.h>
#include <stddef.h>

#define INIFILE_LINE_MAX	198	/* libinih's buffer, less '\n' and NUL */
#define INIFILE_SHOW_MAX	48	/* a value quoted by inifile_show() */

struct inifile;

/*
 * inifile_key_fn - one "key = value" of section @section (an index into
 * inifile.sections). Return: 1 to go on, 0 after inifile_fail().
 */
typedef int inifile_key_fn(struct inifile *f, int section, const char *key,
			   const char *value);

struct inifile {
	/* set by the caller */
	const char *text;		/* the file, not NUL-terminated */
	size_t len;
	const char *file;		/* for messages; NULL: "-" */
	const char *const *sections;	/* known section names, NULL-ended */
	inifile_key_fn *key;
	void *user;			/* for @key */
	char *err;			/* the message; may be NULL */
	size_t errlen;

	/* the reader's, readable by the callback */
	unsigned int lineno;		/* the line being read */
	unsigned int err_line;		/* the first error's line, 0: none */
	int err_ret;			/* what inifile_parse() returns for it */
	size_t pos;
	const char *line;		/* the line, as in the text */
	size_t line_len;
};

/**
 * inifile_parse() - read @f->text, calling @f->key for every key
 * @f:	the caller's half filled in, the rest zero
 *
 * Return: 0; -EINVAL (or @f->err_ret, if the callback set one) with
 * @f->err holding "FILE:LINE: ..." and @f->err_line its line; -ENOMEM.
 */
int inifile_parse(struct inifile *f);

/**
 * inifile_fail() - record an error on the current line, unless one was
 * recorded already (the first error wins)
 * @f:		the reader
 * @fmt:	what was expected, printf-style; control bytes become '?'
 *
 * Return: 0, so a key callback can "return inifile_fail(...)".
 */
int inifile_fail(struct inifile *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * inifile_fail_at() - inifile_fail() blamed on line @line (checks that span
 * keys, made after the reading)
 * Return: 0.
 */
int inifile_fail_at(struct inifile *f, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * inifile_once() - refuse a key given twice
 * @f:		the reader
 * @seen:	the line this key was first set on, 0: never; set here
 * @section:	for the message
 * @key:	for the message
 *
 * Return: 1 the first time; 0 after "duplicate key 'K' in [S] (first set
 * on line N)".
 */
int inifile_once(struct inifile *f, unsigned int *seen, const char *section,
		 const char *key);

/**
 * inifile_show() - the first @n bytes of @v made safe to quote: control
 * and non-ASCII bytes as '?', cut to INIFILE_SHOW_MAX with "..."
 * @v:		text; stops at a NUL too
 * @n:		bytes at most (SIZE_MAX: up to the NUL)
 * @buf:	where the text goes
 *
 * Return: @buf.
 */
const char *inifile_show(const char *v, size_t n, char buf[INIFILE_SHOW_MAX]);

#endif /* SENTRY_INIFILE_H */
