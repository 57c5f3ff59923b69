#!/usr/bin/env bash
# .ci/sanitize.sh - build the tools and the unit tests with AddressSanitizer
# and UndefinedBehaviorSanitizer (gcc) in ./build-asan and run the unit
# tests there. Any sanitizer report fails the run. Needs ./build.sh to have
# bootstrapped the tree (configure exists).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$PWD
b=$top/build-asan
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

mkdir -p "$b"
cd "$b"
if [[ ! -f config.status || config.status -ot "$top/configure" ]]; then
	"$top/configure" -q CFLAGS="-g -O1 $san" LDFLAGS="$san"
fi
units=()
for u in "$top"/tests/unit/check_*.c; do
	units+=("tests/unit/$(basename "${u%.c}")")
done
make -j"$(nproc)" tools/mprof-report "${units[@]}" tests/unit/libsymvaddr.la >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
status=0
for u in "${units[@]}"; do
	if top_builddir=$b top_srcdir=$top "$b/$u" >"$b/${u//\//_}.log" 2>&1; then
		echo "asan+ubsan: PASS $u"
	else
		echo "asan+ubsan: FAIL $u"
		tail -n 30 "$b/${u//\//_}.log"
		status=1
	fi
done
# The sanitized reporter on real traces from the regular build.
for t in "$top"/build/fuzz/corpus/seed-*; do
	[[ -f $t ]] || continue
	"$b/tools/mprof-report" "$t" >/dev/null 2>"$b/report.err" ||
		[[ $? == 2 ]] || { echo "asan+ubsan: FAIL mprof-report $t"; cat "$b/report.err"; status=1; }
done
exit "$status"
