#!/usr/bin/env bash
# build.sh - set up, build and run mprof on a Debian 12 machine, in one step.
#
#   ./build.sh demo    install what is missing, build, profile the demo program
#   ./build.sh check   install what is missing, build, run the whole test suite
#
# Run as root on a fresh machine (packages come from apt-get); once everything
# is installed any user can run it. Every step is skipped when already done:
# packages are installed only when missing, the tree is bootstrapped only when
# configure is missing or older than its inputs, and ./build (the out-of-tree
# build directory) is configured only when it is not configured yet.
set -euo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
builddir=$srcdir/build

# What the build and the tests need.
required_packages=(
	build-essential autoconf automake libtool pkg-config
	libdw-dev libelf-dev libunwind-dev check uthash-dev elfutils
	python3 valgrind mandoc
)
# What the benchmark compares against (uftrace, heaptrack) and the HTML
# report is checked in (chromium) when present; never required.
optional_packages=(uftrace heaptrack chromium)

usage()
{
	cat >&2 <<EOF
usage: ./build.sh demo | check

  demo    install missing packages, build, and profile the demo program
  check   install missing packages, build, and run the test suite
EOF
	exit 2
}

note()
{
	printf 'build.sh: %s\n' "$*" >&2
}

die()
{
	printf 'build.sh: error: %s\n' "$*" >&2
	exit 1
}

# True when the Debian package $1 is installed.
pkg_installed()
{
	local status
	status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
	[[ $status == installed ]]
}

# True when apt knows a version of $1 it could install.
pkg_available()
{
	local candidate
	candidate=$(apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	[[ -n $candidate && $candidate != "(none)" ]]
}

install_packages()
{
	local pkg
	local -a missing=() optional=() installable=()

	for pkg in "${required_packages[@]}"; do
		pkg_installed "$pkg" || missing+=("$pkg")
	done
	for pkg in "${optional_packages[@]}"; do
		pkg_installed "$pkg" || optional+=("$pkg")
	done
	if ((${#missing[@]} == 0)); then
		# Optional packages the configured sources do not carry would
		# make every run fetch the package lists again: skip them.
		for pkg in "${optional[@]}"; do
			pkg_available "$pkg" && installable+=("$pkg")
		done
		if ((${#installable[@]} == 0)); then
			return 0
		fi
		if ((EUID != 0)); then
			note "not root: skipping optional packages ${installable[*]}"
			return 0
		fi
	fi

	if ((EUID != 0)); then
		die "missing packages: ${missing[*]}; run as root to install them"
	fi
	export DEBIAN_FRONTEND=noninteractive
	note "installing missing packages: ${missing[*]} ${optional[*]}"
	apt-get update || die "apt-get update failed"
	if ((${#missing[@]} > 0)); then
		apt-get install -y --no-install-recommends "${missing[@]}" ||
			die "could not install: ${missing[*]}"
	fi
	for pkg in "${optional[@]}"; do
		if ! pkg_available "$pkg" ||
			! apt-get install -y --no-install-recommends "$pkg"; then
			note "optional package '$pkg' is not available; the benchmark runs without it"
		fi
	done
}

# Generate configure and the Makefile.in files when they are missing or older
# than what they are generated from.
bootstrap()
{
	local input need=0

	if [[ ! -f $srcdir/configure || $srcdir/configure.ac -nt $srcdir/configure ]]; then
		need=1
	fi
	for input in Makefile.am tests/Makefile.inc tests/bench/Makefile.inc; do
		if [[ -f $srcdir/$input && $srcdir/$input -nt $srcdir/Makefile.in ]]; then
			need=1
		fi
	done
	if ((need)); then
		note "bootstrapping (autoreconf -fi)"
		mkdir -p "$srcdir/m4" "$srcdir/build-aux"
		(cd "$srcdir" && autoreconf -fi)
	fi
}

# Configure ./build out of tree unless it is configured from the current
# configure script already (the generated Makefiles rerun config.status
# themselves when their own inputs change).
configure_build()
{
	if [[ -f $builddir/config.status && -f $builddir/Makefile &&
		! $srcdir/configure -nt $builddir/config.status ]]; then
		return 0
	fi
	note "configuring in $builddir"
	mkdir -p "$builddir"
	(cd "$builddir" && "$srcdir/configure" -q)
}

build()
{
	install_packages
	bootstrap
	configure_build
	make -C "$builddir" -j"$(nproc)" || die "the build failed"
}

# The demo: profile the instrumented demo program and print its report.
# (A later issue replaces this with the whole measure / fix / re-measure story.)
# The demo: the whole discipline on the bundled pipeline, as a story.
# Measure first (calls, stages), find the bottleneck, switch on the fix,
# measure again and compare; then what memory the two metrics collectors
# and the cache cost, by snapshot diff.
run_demo()
{
	local d=$builddir/demo records=${DEMO_RECORDS:-1000000}
	local report=$builddir/tools/mprof-report pipeline=$builddir/pipeline-demo/pipeline

	rm -rf "$d"
	mkdir -p "$d"
	step 1 "measure first: the pipeline as written, every call of the instrumented build timed"
	(cd "$d" && MPROF_EVENTS=calls,stages MPROF_OUTPUT=$d/naive.bin "$pipeline" \
		--records "$records" --collectors 0 --window-sum naive --quiet)
	"$report" --limit 5 "$d/naive.bin"
	explain "The top five by cumulative time: the features stage and its window sums," \
		"recomputed from scratch for every record, dominate."
	step 2 "the stage table above: which stage is the bottleneck"
	explain "features has the largest self time: it is the bottleneck. The stages" \
		"before it show a high latency because they wait for it: in a pull" \
		"pipeline a stage's latency is its consumer's time."

	step 3 "the fix: a running window sum; measure again and compare"
	(cd "$d" && MPROF_EVENTS=calls,stages MPROF_OUTPUT=$d/running.bin "$pipeline" \
		--records "$records" --collectors 0 --window-sum running --quiet)
	"$report" --limit 8 --compare "$d/naive.bin" "$d/running.bin"

	step 4 "memory: collectors as a hash map of named fields (__dict__) vs a struct (__slots__)"
	(cd "$d" && MPROF_OUTPUT=$d/memory.bin MPROF_EVENTS=alloc,stages \
		"$builddir/pipeline-demo/pipeline-plain" --records 200000 --collectors 10000 --quiet)
	echo "10,000 hash-map collectors (snapshots collectors:start -> collectors:dict):"
	"$report" --diff collectors:start collectors:dict --limit 3 "$d/memory.bin"
	echo
	echo "10,000 struct collectors (collectors:dict -> collectors:slots):"
	"$report" --diff collectors:dict collectors:slots --limit 3 "$d/memory.bin"
	echo
	echo "what the run kept besides, the calibration cache among it (pipeline:start -> pipeline:done):"
	"$report" --diff pipeline:start pipeline:done --limit 3 "$d/memory.bin"
	explain "Each hash-map collector costs about twenty times the struct's bytes here" \
		"(C structs carry no object header, so the ratio is larger than Python's 2-3x)."
	note "the traces are in $d; see '$report --help' for more views"
}

step()
{
	printf '\n== step %s: %s\n\n' "$1" "$2"
}

explain()
{
	printf '\n-> %s\n' "$*"
}

# Print "N passed, N failed[, N skipped]" from the test-suite.log of the
# automake harness (its counts come from the .trs file of every test).
summarize_tests()
{
	local log=$builddir/test-suite.log
	local passed=0 failed=0 skipped=0 key value

	# The log starts with "# PASS:  N" style counts for this run, ending
	# with "# ERROR:"; the output of the tests follows and is not read.
	while read -r key value; do
		case $key in
		PASS: | XFAIL:) passed=$((passed + value)) ;;
		FAIL: | XPASS: | ERROR:) failed=$((failed + value)) ;;
		SKIP:) skipped=$((skipped + value)) ;;
		esac
	done < <(awk '/^# [A-Z]+: *[0-9]+$/ { print $2, $3 } /^# ERROR:/ { exit }' "$log")

	if ((skipped > 0)); then
		list_skips
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	((failed == 0))
}

# One line per skipped test of this run: its name and why (the last
# "SKIP: ..." line of its log, which the tests print before exiting 77).
# test-suite.log has a section per test that did not pass, headed
# "SKIP: NAME" over a line of "=".
list_skips()
{
	local name why

	while IFS= read -r name; do
		why=$(sed -n 's/^SKIP: //p' "$builddir/$name.log" 2>/dev/null | tail -n 1)
		echo "skipped: $name${why:+: $why}"
	done < <(awk 'prev ~ /^SKIP: / && /^=+$/ { print substr(prev, 7) } { prev = $0 }' \
		"$builddir/test-suite.log")
}

run_check()
{
	local status=0

	# A stale log would be summarized if the suite never got to run.
	rm -f "$builddir/test-suite.log"
	# VERBOSE=1: the harness prints the logs of failing tests.
	make -C "$builddir" -j2 check VERBOSE=1 || status=$?
	if [[ ! -f $builddir/test-suite.log ]]; then
		die "make check failed before the test suite ran"
	fi
	summarize_tests || status=1
	return "$status"
}

main()
{
	(($# == 1)) || usage
	case $1 in
	demo)
		build
		run_demo
		;;
	check)
		build
		run_check
		;;
	*)
		usage
		;;
	esac
}

main "$@"
