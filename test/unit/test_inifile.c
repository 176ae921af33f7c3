// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_inifile.c - the one INI line reader (common/inifile.c), by itself:
 * the rules both policies and sentry.ini follow
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "inifile.h"
#include "t.h"

static const char *const sections[] = { "one", "two", NULL };

/* what the key callback saw, one "LINE SECTION KEY=VALUE" per line */
static char seen[2048];
static unsigned int once_line;

static int key(struct inifile *f, int section, const char *k, const char *v)
{
	size_t n = strlen(seen);

	snprintf(seen + n, sizeof(seen) - n, "%u %s %s=%s\n", f->lineno,
		 sections[section], k, v);
	if (!strcmp(k, "once"))
		return inifile_once(f, &once_line, sections[section], k);
	if (!strcmp(k, "bad"))
		return inifile_fail(f, "bad value '%s'", v);
	return 1;
}

static char err[256];

static int parse_n(const char *text, size_t len)
{
	struct inifile f = {
		.text = text, .len = len, .file = "f.ini", .sections = sections,
		.key = key, .err = err, .errlen = sizeof(err),
	};

	seen[0] = '\0';
	once_line = 0;
	return inifile_parse(&f);
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

#define CHECK_SEEN(text, want)						\
	do {								\
		CHECK_EQ(parse(text), 0);				\
		CHECK_STR(seen, want);					\
	} while (0)

#define CHECK_ERR(text, want)						\
	do {								\
		CHECK_EQ(parse(text), -EINVAL);				\
		CHECK_STR(err, want);					\
	} while (0)

TEST(keys_sections_comments)
{
	CHECK_SEEN("[one]\na = 1\nb=2\n[two]\na = x y\n[one]\nc =\n",
		   "2 one a=1\n3 one b=2\n5 two a=x y\n7 one c=\n");
	/* whole-line comments with either prefix; blank lines */
	CHECK_SEEN("# c\n; c\n\n[one] ; c\n[two] # c\n  ; c\na = 1\n",
		   "7 two a=1\n");
	/* " ;" starts a comment; a ';' inside a word and '#' do not */
	CHECK_SEEN("[one]\na = 1 ; c\nb = x;y\nc = x # y\n",
		   "2 one a=1\n3 one b=x;y\n4 one c=x # y\n");
	/* CRLF, a BOM on line 1, indentation (never a continuation) */
	CHECK_SEEN("\xef\xbb\xbf[one]\r\n  a = 1\r\n\tb = 2\n",
		   "2 one a=1\n3 one b=2\n");
	/* no newline at the end */
	CHECK_SEEN("[one]\na = 1", "2 one a=1\n");
	CHECK_SEEN("", "");
}

TEST(line_length)
{
	char text[512];

	/* INIFILE_LINE_MAX characters are one line, read whole */
	snprintf(text, sizeof(text), "[one]\na = %0*d\n", INIFILE_LINE_MAX - 4, 7);
	CHECK_EQ(parse(text), 0);
	CHECK_EQ(strlen(seen), strlen("2 one a=\n") + INIFILE_LINE_MAX - 4);
	/* the CR of CRLF does not count */
	snprintf(text, sizeof(text), "[one]\r\n;%0*d\r\n", INIFILE_LINE_MAX - 1, 0);
	CHECK_EQ(parse(text), 0);
	/* one more is refused, never split */
	snprintf(text, sizeof(text), "[one]\na = %0*d\n", INIFILE_LINE_MAX - 3, 7);
	CHECK_ERR(text, "f.ini:2: line too long (at most 198 characters)");
	CHECK_STR(seen, "");
}

TEST(refusals)
{
	static const char nul[] = "[one]\na = 1\0\n";

	CHECK_EQ(parse_n(nul, sizeof(nul) - 1), -EINVAL);
	CHECK_STR(err, "f.ini:2: NUL byte in the line (a text file was expected)");
	CHECK_ERR("[one]\n[three]\n",
		  "f.ini:2: unknown section [three] (expected [one] or [two])");
	CHECK_ERR("[One]\n", "f.ini:1: unknown section [One] (expected [one] "
		  "or [two])");
	CHECK_ERR("[one] a = 1\n", "f.ini:1: unexpected text after [one]");
	CHECK_ERR("[one\na = 1\n", "f.ini:1: expected ']' to close the section name");
	CHECK_ERR("a = 1\n", "f.ini:1: 'a' before any section (expected [one] "
		  "or [two] first)");
	CHECK_ERR("[one]\na: 1\n", "f.ini:2: expected 'key = value'");
	CHECK_ERR("[one]\na\n", "f.ini:2: expected 'key = value'");
	CHECK_ERR("[one]\nbad = 1\n", "f.ini:2: bad value '1'");
}

/* The first error wins, whether inih or the callback found it */
TEST(first_error_wins)
{
	CHECK_ERR("[one]\nnonsense\nbad = 1\n", "f.ini:2: expected 'key = value'");
	CHECK_ERR("[one]\nbad = 1\nnonsense\n", "f.ini:2: bad value '1'");
	/* and reading stops there: the callback sees nothing after it */
	CHECK_ERR("[one]\nbad = 1\na = 2\n", "f.ini:2: bad value '1'");
	CHECK_STR(seen, "2 one bad=1\n");
}

TEST(duplicates)
{
	CHECK_ERR("[one]\nonce = 1\n[two]\nonce = 2\n",
		  "f.ini:4: duplicate key 'once' in [two] (first set on line 2)");
}

/*
 * policy_ini.c quoted the file raw in its messages, config.c through
 * show(): now every message shows control bytes as '?', and the names the
 * reader quotes are cut short too.
 */
TEST(messages_are_printable)
{
	char text[256];

	CHECK_ERR("[one]\nbad = a\x1b[31mb\x7f\n", "f.ini:2: bad value 'a?[31mb?'");
	CHECK_ERR("[o\x01ne]\n", "f.ini:1: unknown section [o?ne] (expected "
		  "[one] or [two])");
	snprintf(text, sizeof(text), "[%0100d]\n", 0);
	CHECK_ERR(text, "f.ini:1: unknown section "
		  "[00000000000000000000000000000000000000000000...] (expected "
		  "[one] or [two])");
}

TEST(err_buffer)
{
	char small[12];
	struct inifile f = {
		.text = "[one]\nbad = 1\n", .len = 14, .file = "f.ini",
		.sections = sections, .key = key, .err = small,
		.errlen = sizeof(small),
	};

	CHECK_EQ(inifile_parse(&f), -EINVAL);
	CHECK_STR(small, "f.ini:2: ba");
	CHECK_EQ(f.err_line, 2);
	f.err = NULL;
	f.errlen = 0;
	CHECK_EQ(inifile_parse(&f), -EINVAL);
	CHECK_EQ(f.err_line, 2);
	/* a check made after the reading, blamed on its own line */
	f.text = "[one]\na = 1\n";
	f.len = 12;
	CHECK_EQ(inifile_parse(&f), 0);
	CHECK_EQ(inifile_fail_at(&f, 7, "late"), 0);
	CHECK_EQ(f.err_line, 7);
}

int main(void)
{
	RUN(keys_sections_comments);
	RUN(line_length);
	RUN(refusals);
	RUN(first_error_wins);
	RUN(duplicates);
	RUN(messages_are_printable);
	RUN(err_buffer);
	return t_done();
}
