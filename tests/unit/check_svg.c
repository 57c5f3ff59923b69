// SPDX-License-Identifier: MIT
/*
 * check_svg.c - the SVG writing helpers (tools/svg.c): text escaped for
 * XML (the five specials, control characters, UTF-8 passed through, the
 * byte limit of svg_escape_n), pixel numbers (two decimals at most, no
 * trailing zero, no exponent, no "-0"), colours (the same name, the same
 * colour, inside its palette's range), the document's opening and
 * closing; and, through the flame graph and the heap timeline of traces
 * built by hand with hostile names, that what they write is well-formed
 * XML, checked by a small scanner below (no XML library needed).
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "svg.h"
#include "trace_builder.h"

#define US 1000ull

/* ------------------------------------------------------------- capture */

/* Run the statements with `out` open on a string; `text` gets it (to free). */
#define CAPTURE(text, ...)                                          \
	do {                                                        \
		size_t capture_len_ = 0;                            \
		FILE *out = open_memstream(&(text), &capture_len_); \
                                                                    \
		ck_assert_ptr_nonnull(out);                         \
		__VA_ARGS__;                                        \
		ck_assert_int_eq(fclose(out), 0);                   \
	} while (0)

static char *escaped(const char *s)
{
	char *text = NULL;

	CAPTURE(text, svg_escape(out, s));
	return text;
}

static char *escaped_n(const char *s, size_t n)
{
	char *text = NULL;

	CAPTURE(text, svg_escape_n(out, s, n));
	return text;
}

static char *px(double v)
{
	char *text = NULL;

	CAPTURE(text, svg_px(out, v));
	return text;
}

static char *colour(const char *name, enum svg_palette palette)
{
	char *text = NULL;

	CAPTURE(text, svg_colour(out, name, palette));
	return text;
}

/* -------------------------------------------------------------- escape */

START_TEST(test_escape_specials)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain_name", "plain_name" },
		{ "<", "&lt;" },
		{ ">", "&gt;" },
		{ "&", "&amp;" },
		{ "\"", "&quot;" },
		{ "'", "&apos;" },
		{ "a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;" },
		/* Already escaped text is escaped again, not taken as markup. */
		{ "&amp;&lt;", "&amp;amp;&amp;lt;" },
		{ "std::vector<int>::push_back(int const&)",
		  "std::vector&lt;int&gt;::push_back(int const&amp;)" },
		{ "</text><script>", "&lt;/text&gt;&lt;script&gt;" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = escaped(cases[i].in);

		ck_assert_msg(!strcmp(text, cases[i].out), "escape of '%s': '%s', not '%s'",
			      cases[i].in, text, cases[i].out);
		free(text);
	}
}
END_TEST

/* XML 1.0 has no place for C0 controls but tab, newline and carriage return. */
START_TEST(test_escape_controls)
{
	char in[64], *text;
	size_t n = 0;
	int c;

	in[n++] = 'a';
	for (c = 1; c < 0x20; c++)
		in[n++] = (char)c;
	in[n++] = 'b';
	in[n] = '\0';
	text = escaped(in);
	ck_assert_str_eq(text, "a\t\nb");
	free(text);
	text = escaped("x\x1b[1mbold\x1b[0m\x7f");
	ck_assert_str_eq(text, "x[1mbold[0m\x7f");
	free(text);
}
END_TEST

/* UTF-8 passes through unchanged, byte for byte. */
START_TEST(test_escape_utf8)
{
	const char *s = "na\xc3\xafve \xe2\x86\x92 \xce\xbb \xf0\x9f\x94\xa5";
	char *text = escaped(s);

	ck_assert_str_eq(text, s);
	free(text);
}
END_TEST

/* Bytes that are not well-formed UTF-8 become U+FFFD: the document says
 * UTF-8, and one bad byte in a path or label would make it unreadable. */
START_TEST(test_escape_bad_utf8)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "a\xff"
		  "b",
		  "a\xef\xbf\xbd"
		  "b" },				    /* never valid */
		{ "\x80", "\xef\xbf\xbd" },		    /* stray continuation */
		{ "\xc3", "\xef\xbf\xbd" },		    /* cut short at the end */
		{ "\xc3(", "\xef\xbf\xbd(" },		    /* cut short by ASCII */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" }, /* U+10FFFF is valid */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = escaped(cases[i].in);

		ck_assert_msg(!strcmp(text, cases[i].out), "case %zu: got '%s'", i, text);
		free(text);
	}
	/* A sequence cut by n is not valid either. */
	{
		char *text = escaped_n("x\xc3\xaf", 2);

		ck_assert_str_eq(text, "x\xef\xbf\xbd");
		free(text);
	}
}
END_TEST

START_TEST(test_escape_n)
{
	char *text = escaped_n("a<bcdef", 3);

	ck_assert_str_eq(text, "a&lt;b");
	free(text);
	text = escaped_n("a<bcdef", 0);
	ck_assert_str_eq(text, "");
	free(text);
	/* The string's end comes first. */
	text = escaped_n("a&b", 100);
	ck_assert_str_eq(text, "a&amp;b");
	free(text);
	/* Dropped controls count among the n bytes read. */
	text = escaped_n("\x01\x02xyz", 3);
	ck_assert_str_eq(text, "x");
	free(text);
}
END_TEST

/* ------------------------------------------------------------- numbers */

START_TEST(test_px_values)
{
	static const struct {
		double v;
		const char *out;
	} cases[] = {
		{ 0, "0" },
		{ 12, "12" },
		{ 12.5, "12.5" },
		{ 12.25, "12.25" },
		{ 0.1, "0.1" },
		{ 0.05, "0.05" },
		{ 0.1 + 0.2, "0.3" },
		{ 1.999, "2" },
		{ 3.996, "4" },
		{ 0.004, "0" },
		{ -0.004, "0" }, /* no "-0" */
		{ -0.01, "-0.01" },
		{ -3.5, "-3.5" },
		{ -1200.75, "-1200.75" },
		{ 1e6, "1000000" },
		{ 1234567.891, "1234567.89" },
		{ 1e12, "1000000000000" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = px(cases[i].v);

		ck_assert_msg(!strcmp(text, cases[i].out), "svg_px(%.6f): '%s', not '%s'",
			      cases[i].v, text, cases[i].out);
		free(text);
	}
}
END_TEST

/*
 * Over many values: a plain decimal (digits, one point, an optional minus),
 * two decimals at most, no trailing zero, and within half a hundredth of
 * the value.
 */
START_TEST(test_px_shape)
{
	unsigned seed = 12345;
	int i;

	for (i = 0; i < 20000; i++) {
		double v;
		char *text, *p, *dot, *end;
		size_t decimals;

		seed = seed * 1103515245u + 12345u;
		v = ((double)(seed >> 8) / (double)(1u << 24) - 0.5) * 20000.0;
		if (i % 4 == 0)
			v = (double)(int)v / 4.0; /* exact quarters too */
		text = px(v);
		p = text + (text[0] == '-');
		ck_assert_msg(isdigit((unsigned char)*p), "svg_px(%f): '%s'", v, text);
		dot = strchr(text, '.');
		for (; *p; p++)
			ck_assert_msg(isdigit((unsigned char)*p) || p == dot, "svg_px(%f): '%s'", v,
				      text);
		if (dot) {
			decimals = strlen(dot + 1);
			ck_assert_msg(decimals >= 1 && decimals <= 2, "svg_px(%f): '%s'", v, text);
			ck_assert_msg(dot[decimals] != '0', "trailing zero: svg_px(%f): '%s'", v,
				      text);
		}
		ck_assert_msg(strcmp(text, "-0"), "svg_px(%f): '-0'", v);
		ck_assert_double_le(fabs(strtod(text, &end) - v), 0.005 + 1e-9);
		ck_assert_int_eq(*end, '\0');
		free(text);
	}
}
END_TEST

/* ------------------------------------------------------------- colours */

struct rgb {
	unsigned r, g, b;
};

static struct rgb parse_rgb(const char *text)
{
	struct rgb c;
	int used = -1;

	ck_assert_msg(sscanf(text, "rgb(%u,%u,%u)%n", &c.r, &c.g, &c.b, &used) == 3 &&
			  used == (int)strlen(text),
		      "not rgb(r,g,b): '%s'", text);
	ck_assert_uint_le(c.r, 255);
	ck_assert_uint_le(c.g, 255);
	ck_assert_uint_le(c.b, 255);
	return c;
}

/* The same name gives the same colour, from any copy of it, in any run. */
START_TEST(test_colour_stable)
{
	char copy[] = "main";
	char *a = colour("main", SVG_PALETTE_HOT), *b = colour(copy, SVG_PALETTE_HOT);

	ck_assert_str_eq(a, b);
	/* Pinned: a change of hash would recolour every saved graph. */
	ck_assert_str_eq(a, "rgb(206,203,31)");
	free(a);
	free(b);
	a = colour("main", SVG_PALETTE_MEM);
	ck_assert_str_eq(a, "rgb(33,220,103)");
	free(a);
	a = colour("parse_record", SVG_PALETTE_HOT);
	ck_assert_str_eq(a, "rgb(222,63,6)");
	free(a);
}
END_TEST

/* Each palette stays in its range; names are told apart. */
START_TEST(test_colour_palettes)
{
	char *seen[200];
	size_t i, j, distinct = 0;

	for (i = 0; i < 200; i++) {
		char name[32];
		char *hot, *mem;
		struct rgb c;

		snprintf(name, sizeof(name), "func_%zu", i);
		hot = colour(name, SVG_PALETTE_HOT);
		mem = colour(name, SVG_PALETTE_MEM);
		c = parse_rgb(hot);
		ck_assert_msg(c.r >= 205 && c.g <= 230 && c.b <= 55, "hot '%s' for %s", hot, name);
		c = parse_rgb(mem);
		ck_assert_msg(c.r <= 60 && c.g >= 150 && c.g <= 230 && c.b >= 100 && c.b <= 200,
			      "mem '%s' for %s", mem, name);
		ck_assert_str_ne(hot, mem);
		for (j = 0; j < distinct && strcmp(seen[j], hot); j++)
			;
		if (j == distinct)
			seen[distinct++] = hot;
		else
			free(hot);
		free(mem);
	}
	/* 200 names over ~600,000 colours: a collision or two at most. */
	ck_assert_uint_ge(distinct, 195);
	for (j = 0; j < distinct; j++)
		free(seen[j]);
}
END_TEST

/* ------------------------------------------------------------ document */

START_TEST(test_open_close)
{
	char *text = NULL;

	CAPTURE(text, svg_open(out, 640, 480, true); svg_close(out));
	ck_assert_str_eq(text, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
			       "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
			       "width=\"640\" height=\"480\" viewBox=\"0 0 640 480\">\n"
			       "</svg>\n");
	free(text);
	/* Inline (in an HTML page): no XML declaration. */
	CAPTURE(text, svg_open(out, 1, 2, false); svg_close(out));
	ck_assert_str_eq(text, "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
			       "width=\"1\" height=\"2\" viewBox=\"0 0 1 2\">\n"
			       "</svg>\n");
	free(text);
}
END_TEST

/*
 * A small XML well-formedness scanner, enough for what the exports write:
 * an optional declaration, then one element; start, end and empty tags
 * nested properly, attributes quoted and unique in their tag, `&` only
 * starting the five predefined entities or a character reference, no `<`
 * outside markup, no control character but tab, newline, carriage return,
 * valid UTF-8. Returns NULL, or what is wrong (a static string) with *at
 * set to its offset.
 */
#define XML_DEPTH 64

static bool name_start(int c)
{
	return isalpha(c) || c == '_' || c == ':';
}

static bool name_char(int c)
{
	return name_start(c) || isdigit(c) || c == '-' || c == '.';
}

/* The length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* An entity or character reference at s ('&'); its length, or 0. */
static size_t reference_len(const char *s)
{
	static const char *const names[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strncmp(s, names[i], strlen(names[i])))
			return strlen(names[i]);
	}
	if (s[1] == '#') {
		i = 2;
		if (s[2] == 'x')
			for (i = 3; isxdigit((unsigned char)s[i]); i++)
				;
		else
			for (; isdigit((unsigned char)s[i]); i++)
				;
		if (i > 2 + (s[2] == 'x') && s[i] == ';')
			return i + 1;
	}
	return 0;
}

/* Character data or an attribute value up to `stop`; NULL or what is wrong. */
static const char *xml_chars(const char **p, int stop)
{
	while (**p && **p != stop) {
		unsigned char c = (unsigned char)**p;
		size_t n;

		if (c == '<')
			return "'<' outside markup";
		if (c == '&') {
			n = reference_len(*p);
			if (!n)
				return "'&' that starts no reference";
			*p += n;
			continue;
		}
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return "control character";
		n = utf8_len((const unsigned char *)*p);
		if (!n)
			return "invalid UTF-8";
		*p += n;
	}
	return NULL;
}

static void skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static const char *xml_name(const char **p, const char **name, size_t *len)
{
	*name = *p;
	if (!name_start((unsigned char)**p))
		return "bad name";
	while (name_char((unsigned char)**p))
		(*p)++;
	*len = (size_t)(*p - *name);
	return NULL;
}

/* A start or empty tag at '<'; *empty tells which. */
static const char *xml_start_tag(const char **p, const char **name, size_t *len, bool *empty)
{
	const char *attrs[32];
	size_t lens[32], nattrs = 0, i;
	const char *err;

	(*p)++;
	err = xml_name(p, name, len);
	if (err)
		return err;
	for (;;) {
		const char *an;
		size_t alen;
		char quote;

		if (**p == '>' || (**p == '/' && (*p)[1] == '>'))
			break;
		if (**p != ' ' && **p != '\t' && **p != '\n')
			return "no space before an attribute";
		skip_space(p);
		if (**p == '>' || (**p == '/' && (*p)[1] == '>'))
			break;
		err = xml_name(p, &an, &alen);
		if (err)
			return err;
		for (i = 0; i < nattrs; i++) {
			if (lens[i] == alen && !strncmp(attrs[i], an, alen))
				return "attribute twice in a tag";
		}
		if (nattrs == 32)
			return "too many attributes";
		attrs[nattrs] = an;
		lens[nattrs++] = alen;
		skip_space(p);
		if (**p != '=')
			return "attribute without a value";
		(*p)++;
		skip_space(p);
		quote = **p;
		if (quote != '"' && quote != '\'')
			return "attribute value not quoted";
		(*p)++;
		err = xml_chars(p, quote);
		if (err)
			return err;
		if (**p != quote)
			return "attribute value not closed";
		(*p)++;
	}
	*empty = **p == '/';
	*p += *empty ? 2 : 1;
	return NULL;
}

static const char *xml_check(const char *doc, size_t *at)
{
	const char *stack[XML_DEPTH], *p = doc, *err = NULL, *name;
	size_t lens[XML_DEPTH], depth = 0, roots = 0, len;
	bool empty;

	if (!strncmp(p, "<?xml ", 6)) {
		p = strstr(p, "?>");
		if (!p) {
			p = doc;
			err = "declaration not closed";
			goto out;
		}
		p += 2;
	}
	while (*p) {
		if (*p != '<') {
			if (!depth) {
				skip_space(&p);
				if (*p && *p != '<') {
					err = "text outside the root element";
					goto out;
				}
				continue;
			}
			err = xml_chars(&p, '<');
			if (err)
				goto out;
			continue;
		}
		if (p[1] == '/') {
			p += 2;
			err = xml_name(&p, &name, &len);
			if (err)
				goto out;
			if (!depth || lens[depth - 1] != len ||
			    strncmp(stack[depth - 1], name, len)) {
				err = "end tag does not match";
				goto out;
			}
			depth--;
			skip_space(&p);
			if (*p != '>') {
				err = "end tag not closed";
				goto out;
			}
			p++;
			continue;
		}
		if (!depth && roots) {
			err = "a second root element";
			goto out;
		}
		err = xml_start_tag(&p, &name, &len, &empty);
		if (err)
			goto out;
		if (!depth)
			roots++;
		if (empty)
			continue;
		if (depth == XML_DEPTH) {
			err = "nested too deep";
			goto out;
		}
		stack[depth] = name;
		lens[depth++] = len;
	}
	if (depth)
		err = "element not closed";
	else if (!roots)
		err = "no root element";
out:
	*at = (size_t)(p - doc);
	return err;
}

static void assert_well_formed(const char *doc)
{
	size_t at;
	const char *err = xml_check(doc, &at);

	ck_assert_msg(!err, "not well-formed XML at %zu: %s: '%.60s'", at, err, doc + at);
}

/* The scanner itself: it must refuse what is broken, or it proves nothing. */
START_TEST(test_scanner)
{
	static const char *const bad[] = {
		"<svg><g></svg></g>",
		"<svg><g></svg>",
		"<svg>a < b</svg>",
		"<svg>a & b</svg>",
		"<svg x=\"a<b\"/>",
		"<svg x=\"1\" x=\"2\"/>",
		"<svg x=1/>",
		"<svg/><svg/>",
		"<svg>\x01</svg>",
		"<svg>\xff</svg>",
		"<svg>\xc3</svg>",
		"text<svg/>",
		"",
	};
	size_t i, at;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(xml_check(bad[i], &at), "accepted '%s'", bad[i]);
	assert_well_formed("<?xml version=\"1.0\"?>\n<svg a='1' b=\"&amp;&#60;&#x3c;\">"
			   "<g/>t&lt;\xc3\xa9</svg>\n");
}
END_TEST

/* A document of every helper, with hostile text, is well-formed. */
START_TEST(test_document)
{
	static const char *const names[] = {
		"main",	     "a<b>&\"c'",   "</text></svg><svg>",	"&amp;",
		"tab\there", "\x1b[31mred", "op<<(std::ostream&, int)",
	};
	char *text = NULL;
	size_t i;

	CAPTURE(text, {
		svg_open(out, 800, 600, true);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			fputs("<g><title>", out);
			svg_escape(out, names[i]);
			fputs("</title><rect x=\"", out);
			svg_px(out, (double)i * 13.337);
			fputs("\" y=\"", out);
			svg_px(out, -(double)i / 3.0);
			fputs("\" fill=\"", out);
			svg_colour(out, names[i], i % 2 ? SVG_PALETTE_MEM : SVG_PALETTE_HOT);
			fputs("\" data-name=\"", out);
			svg_escape(out, names[i]);
			fputs("\" data-short='", out);
			svg_escape_n(out, names[i], 3);
			fputs("'/><text>", out);
			svg_escape_n(out, names[i], 4);
			fputs("..</text></g>\n", out);
		}
		svg_close(out);
	});
	assert_well_formed(text);
	ck_assert_ptr_nonnull(strstr(text, "<title>a&lt;b&gt;&amp;&quot;c&apos;</title>"));
	ck_assert_ptr_null(strstr(text, "</svg><svg>"));
	free(text);
}
END_TEST

/* ------------------------------------------------------------- exports */

static struct tb *tb;
static char hostile_path[512];

static void setup(void)
{
	tb = tb_new();
	hostile_path[0] = '\0';
}

static void teardown(void)
{
	if (hostile_path[0])
		unlink(hostile_path);
	tb_free(tb);
}

/* The trace written, then renamed to a name XML must escape. */
static const char *hostile_trace(void)
{
	const char *path = tb_write(tb);

	snprintf(hostile_path, sizeof(hostile_path), "%s/a<b>&c\"d'e.bin", tb_dir(tb));
	ck_assert_int_eq(rename(path, hostile_path), 0);
	return hostile_path;
}

/* The export `format` of the trace at `path`, as a string to free. */
static char *export_of(const char *path, const char *format)
{
	struct report_options opt = { .limit = -1, .no_symbols = true };
	char *text = NULL;

	opt.trace = path;
	opt.kind = report_kind_find(format);
	ck_assert_ptr_nonnull(opt.kind);
	CAPTURE(text, ck_assert_int_eq(report_run(&opt, out), 0));
	return text;
}

/* Calls nested six deep, each frame wide enough for its label. */
START_TEST(test_flame_document)
{
	char *text;
	uint64_t d;

	tb->hdr.end = (struct trace_clock_point){ 1000 * US, 1000 * US };
	tb_chunk(tb, 1, 0);
	for (d = 0; d < 6; d++)
		tb_enter(tb, 0x1000 + d * 0x100, d * 10 * US);
	for (d = 6; d-- > 0;)
		tb_exit(tb, 1000 * US - d * 10 * US);
	text = export_of(hostile_trace(), "svg");
	assert_well_formed(text);
	ck_assert_ptr_nonnull(strstr(text, "a&lt;b&gt;&amp;c&quot;d&apos;e.bin"));
	ck_assert_ptr_null(strstr(text, "a<b>"));
	ck_assert_ptr_nonnull(strstr(text, "<title>0x1000 ("));
	ck_assert_ptr_nonnull(strstr(text, "<title>0x1500 ("));
	free(text);
}
END_TEST

/*
 * A frame is its ticks converted once, not the sum of its callees' each
 * converted: with the TSC at 0.5 ns a tick, c runs 2001 ticks (1000.5 ns)
 * under a and as long under b. The root holds c's 4002 ticks, 2001 ns as
 * the function table gives c's self time, not 1000 + 1000.
 */
START_TEST(test_flame_converted_once)
{
	struct report_options opt = { .limit = -1, .no_symbols = true };
	struct report rep;
	char *text;

	tb->hdr.clock_source = TRACE_CLOCK_TSC;
	tb->hdr.start = (struct trace_clock_point){ 0, 0 };
	tb->hdr.start_cal = (struct trace_clock_point){ 2000, 1000 };
	tb->hdr.end = (struct trace_clock_point){ 4002, 2001 };
	tb_chunk(tb, 1, 0);
	tb_enter(tb, 0x10, 0);
	tb_enter(tb, 0xa0, 0);
	tb_enter(tb, 0xc0, 0);
	tb_exit(tb, 2001);
	tb_exit(tb, 2001);
	tb_enter(tb, 0xb0, 2001);
	tb_enter(tb, 0xc0, 2001);
	tb_exit(tb, 4002);
	tb_exit(tb, 4002);
	tb_exit(tb, 4002);
	ck_assert_int_eq(report_open(&rep, &opt, tb_write(tb), false), 0);
	ck_assert_uint_eq(rep.merged.total_self_ns, 2001);
	report_close(&rep);
	text = export_of(tb_write(tb), "svg");
	ck_assert_msg(strstr(text, "<title>all (2.001 us, 100.00%)"), "%s", text);
	ck_assert_msg(strstr(text, "<title>0xc0 (1.000 us, 49.98%)"), "%s", text);
	free(text);
}
END_TEST

/* Snapshots are labelled on the timeline: their labels are escaped too. */
START_TEST(test_timeline_document)
{
	char *text;

	tb->hdr.features = TRACE_FEAT_ALLOC;
	tb->hdr.end = (struct trace_clock_point){ 100 * US, 100 * US };
	tb_chunk(tb, 1, 0);
	tb_alloc(tb, 0x10, 4096, 0, 10 * US);
	tb_snapshot(tb, "<before> & \"after\"", 20 * US);
	tb_alloc(tb, 0x20, 1024, 0, 30 * US);
	tb_release(tb, 0x10, 40 * US);
	tb_snapshot(tb, "it's </svg>", 50 * US);
	text = export_of(hostile_trace(), "svg-timeline");
	assert_well_formed(text);
	ck_assert_ptr_nonnull(strstr(text, "&lt;before&gt; &amp; &quot;after&quot;"));
	ck_assert_ptr_nonnull(strstr(text, "it&apos;s &lt;/svg&gt;"));
	ck_assert_ptr_nonnull(strstr(text, "a&lt;b&gt;&amp;c&quot;d&apos;e.bin: peak 5120 bytes"));
	free(text);
}
END_TEST

/* An empty trace still makes a whole document. */
START_TEST(test_empty_documents)
{
	char *text;

	tb_chunk(tb, 1, 0);
	text = export_of(hostile_trace(), "svg");
	assert_well_formed(text);
	ck_assert_ptr_nonnull(strstr(text, "no calls in the trace"));
	free(text);
	text = export_of(hostile_path, "svg-timeline");
	assert_well_formed(text);
	ck_assert_ptr_nonnull(strstr(text, "no memory events in the trace"));
	free(text);
}
END_TEST

static Suite *svg_suite(void)
{
	Suite *s = suite_create("svg");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, test_escape_specials);
	tcase_add_test(tc, test_escape_controls);
	tcase_add_test(tc, test_escape_utf8);
	tcase_add_test(tc, test_escape_bad_utf8);
	tcase_add_test(tc, test_escape_n);
	suite_add_tcase(s, tc);
	tc = tcase_create("numbers");
	tcase_add_test(tc, test_px_values);
	tcase_add_test(tc, test_px_shape);
	suite_add_tcase(s, tc);
	tc = tcase_create("colours");
	tcase_add_test(tc, test_colour_stable);
	tcase_add_test(tc, test_colour_palettes);
	suite_add_tcase(s, tc);
	tc = tcase_create("document");
	tcase_add_test(tc, test_open_close);
	tcase_add_test(tc, test_scanner);
	tcase_add_test(tc, test_document);
	suite_add_tcase(s, tc);
	tc = tcase_create("exports");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_flame_document);
	tcase_add_test(tc, test_flame_converted_once);
	tcase_add_test(tc, test_timeline_document);
	tcase_add_test(tc, test_empty_documents);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(svg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
