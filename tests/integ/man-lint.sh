#!/bin/sh
# man-lint.sh - the manual pages format without a single warning, under
# mandoc -Tlint and under groff -ww. A tool that is not installed is a
# skip (exit 77, after the other one's checks pass).
#
# Run by "make check" with top_srcdir in the environment.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
pages="man/mprof.1 man/mprof-report.1 man/libmprof.3 man/mprof-trace.5"

have()
{
	command -v "$1" >/dev/null 2>&1
}

if ! have mandoc && ! have groff; then
	echo "SKIP: neither mandoc nor groff is installed"
	exit 77
fi

failed=0
for page in $pages; do
	file=$top_srcdir/$page
	if [ ! -s "$file" ]; then
		echo "FAIL: $page is missing or empty"
		failed=1
		continue
	fi
	if have mandoc; then
		status=0
		out=$(mandoc -Tlint -W warning "$file" 2>&1) || status=$?
		if [ "$status" -ne 0 ] || [ -n "$out" ]; then
			echo "FAIL: mandoc -Tlint $page (status $status)"
			printf '%s\n' "$out"
			failed=1
		else
			echo "ok: mandoc -Tlint $page"
		fi
	fi
	if have groff; then
		status=0
		out=$(groff -ww -man -Tutf8 -z "$file" 2>&1) || status=$?
		if [ "$status" -ne 0 ] || [ -n "$out" ]; then
			echo "FAIL: groff -ww $page (status $status)"
			printf '%s\n' "$out"
			failed=1
		else
			echo "ok: groff -ww $page"
		fi
	fi
done

if [ "$failed" = 0 ]; then
	have mandoc || { echo "SKIP: mandoc is not installed: the pages were not linted by it"; exit 77; }
	have groff || { echo "SKIP: groff is not installed: the pages were not formatted by it"; exit 77; }
	echo PASS
fi
exit "$failed"
