// SPDX-License-Identifier: MIT
/*
 * svg.c - the SVG exports' shared writing helpers.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "svg.h"
#include "util.h"

void svg_open(FILE *out, unsigned width, unsigned height, bool standalone)
{
	if (standalone)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
	fprintf(out,
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\">\n",
		width, height, width, height);
}

void svg_close(FILE *out)
{
	fputs("</svg>\n", out);
}

void svg_escape_n(FILE *out, const char *s, size_t n)
{
	size_t i, len;

	for (i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			if (c >= 0x80) {
				/* The document says UTF-8: a byte that is not
				 * part of a valid sequence becomes U+FFFD. */
				/* (a NUL, not a continuation byte, ends a
				 * sequence: n - i bounds it enough) */
				len = util_utf8_len((const unsigned char *)s + i, n - i);
				if (len) {
					fwrite(s + i, 1, len, out);
					i += len - 1;
				} else {
					fputs("\xef\xbf\xbd", out);
				}
			} else if (c >= 0x20 || c == '\t' || c == '\n') {
				/* XML 1.0 allows no control character but these. */
				fputc(c, out);
			}
			break;
		}
	}
}

void svg_escape(FILE *out, const char *s)
{
	svg_escape_n(out, s, strlen(s));
}

void svg_px(FILE *out, double v)
{
	long long c = llround(v * 100.0);
	long long a = c < 0 ? -c : c;

	fprintf(out, "%s%lld", c < 0 ? "-" : "", a / 100);
	if (a % 100)
		fprintf(out, a % 10 ? ".%02lld" : ".%lld", a % 10 ? a % 100 : a % 100 / 10);
}

/* FNV-1a: a fixed hash, so colours do not change between runs or machines. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void svg_colour(FILE *out, const char *name, enum svg_palette palette)
{
	uint32_t h = name_hash(name);
	unsigned a = h & 0xff, b = (h >> 8) & 0xff, c = (h >> 16) & 0xff;

	if (palette == SVG_PALETTE_HOT)
		fprintf(out, "rgb(%u,%u,%u)", 205 + a * 50 / 255, b * 230 / 255, c * 55 / 255);
	else
		fprintf(out, "rgb(%u,%u,%u)", c * 60 / 255, 150 + b * 80 / 255,
			100 + a * 100 / 255);
}
