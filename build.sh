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

# The demo: the whole discipline on the bundled pipeline, as a story:
# measure first (every call timed, then the stages alone on the plain
# build), find the bottleneck, switch on the fix and re-measure with sets of
# runs compared; then what the metrics collectors and the cache cost in
# memory, in runs of their own. Every sentence after a report is computed
# from its JSON and the program's own output (pipeline-demo/demo_explain.py).
#
# DEMO_RECORDS (300000; the lecture's scale is 50000), DEMO_RUNS (runs a
# side in step 3, 20), DEMO_COST_RUNS (runs of each build timed in step 1,
# 10) and DEMO_DIR (where the traces go, ./build/demo) change the scale.
# One worker: the profile is the work's, not the pool's, and the runs
# repeat well on a 2-core machine. A calibration cache of 112 entries
# misses 4% of its lookups: normalize has work of its own, and once the
# window sum is fixed it is the bottleneck by a margin a busy machine does
# not blur.
run_demo()
{
	local d=${DEMO_DIR:-$builddir/demo} records=${DEMO_RECORDS:-300000}
	local runs=${DEMO_RUNS:-20} cost_runs=${DEMO_COST_RUNS:-10}
	local mprof=$builddir/tools/mprof
	local instr=$builddir/pipeline-demo/pipeline plain=$builddir/pipeline-demo/pipeline-plain
	local -a base=(--records "$records" --workers 1 --collectors 0)
	local -a args=("${base[@]}" --cache lru:112)
	local i variant t0 t1

	rm -rf "$d"
	mkdir -p "$d/step1" "$d/step2" "$d/step3" "$d/step4"

	step 1 "measure first: the pipeline as written, every call of the instrumented build timed"
	show "$mprof" record -q --calls -o "$d/step1/trace.bin" -- \
		"$instr" "${args[@]}" --window-sum naive --quiet
	show "$mprof" report --sort oncpu --limit 5 "$d/step1/trace.bin"
	"$mprof" report --json "$d/step1/trace.bin" >"$d/step1/trace.json"
	demo_explain profile "$d/step1/trace.json"
	# The cost of measuring, in turns: the plain build unrecorded, the
	# plain build recording its stages, the instrumented build recording
	# every call; and the first two on one record, where what is left is
	# the fixed cost of a recorded run. The wall time of each, from outside.
	: >"$d/times"
	for ((i = 1; i <= cost_runs; i++)); do
		for variant in plain stages calls plain-1 stages-1; do
			t0=$(date +%s%N)
			case $variant in
			plain) MPROF_DISABLE=1 "$plain" "${args[@]}" --window-sum naive --quiet ;;
			stages) MPROF_EVENTS=stages MPROF_OUTPUT=$d/step1/cost.bin \
				"$plain" "${args[@]}" --window-sum naive --quiet ;;
			calls) MPROF_EVENTS=calls MPROF_OUTPUT=$d/step1/cost.bin \
				"$instr" "${args[@]}" --window-sum naive --quiet ;;
			plain-1) MPROF_DISABLE=1 "$plain" "${args[@]}" --records 1 --quiet ;;
			stages-1) MPROF_EVENTS=stages MPROF_OUTPUT=$d/step1/cost.bin \
				"$plain" "${args[@]}" --records 1 --quiet ;;
			esac >/dev/null
			t1=$(date +%s%N)
			echo "$variant $((t1 - t0))" >>"$d/times"
		done
	done
	rm -f "$d/step1/cost.bin"
	demo_explain cost "$d/times" "$d/step1/trace.json"

	step 2 "the bottleneck, from the stage metrics of the plain build (stage events only)"
	show "$mprof" record -q --stages -o "$d/step2/trace.bin" -- \
		"$plain" "${args[@]}" --window-sum naive --quiet
	show "$mprof" report "$d/step2/trace.bin"
	"$mprof" report --json "$d/step2/trace.bin" >"$d/step2/trace.json"
	demo_explain stages "$d/step2/trace.json" "$d/times"

	step 3 "the fix, a running window sum: $runs runs a side, recorded in turns, and compared"
	echo "\$ for i in \$(seq $runs); do"
	echo "    mprof record -q --stages --repeat 1 --append -o $d/step3/naive -- pipeline-plain ${args[*]} --window-sum naive --quiet"
	echo "    mprof record -q --stages --repeat 1 --append -o $d/step3/running -- pipeline-plain ${args[*]} --window-sum running --quiet"
	echo "  done"
	for ((i = 1; i <= runs; i++)); do
		for variant in naive running; do
			"$mprof" record -q --stages --repeat 1 --append -o "$d/step3/$variant" -- \
				"$plain" "${args[@]}" --window-sum "$variant" --quiet \
				>>"$d/step3/$variant.out" || die "step 3: run $i ($variant) failed"
		done
	done
	# --min-change 2: code the fix did not touch still moves by a percent
	# or so with the code that did (alignment, shared caches); on the CPU
	# the runs measure that finely.
	show "$mprof" report --compare "$d/step3/naive" "$d/step3/running" --min-change 2
	"$mprof" report --compare "$d/step3/naive" "$d/step3/running" --min-change 2 --json \
		>"$d/step3/compare.json"
	demo_explain compare "$d/step3/compare.json" "$d/step3/naive.out" "$d/step3/running.out"

	step 4 "memory, in runs of their own: the metrics collectors and the calibration cache"
	echo "10,000 collectors as a hash map of named fields (__dict__), then 10,000 as a struct (__slots__):"
	show_out "$d/step4/collectors.out" "$mprof" record -q --alloc -o "$d/step4/collectors.bin" -- \
		"$plain" --records 1000 --workers 1 --collectors 10000
	show "$mprof" report --diff collectors:start collectors:dict --limit 3 "$d/step4/collectors.bin"
	show "$mprof" report --diff collectors:dict collectors:slots --limit 3 "$d/step4/collectors.bin"
	"$mprof" report --json --diff collectors:start collectors:dict "$d/step4/collectors.bin" \
		>"$d/step4/collectors.json"
	demo_explain collectors "$d/step4/collectors.json" "$d/step4/collectors.out"
	for variant in lru:256 ttl:5; do
		echo
		case $variant in
		lru:*) echo "the calibration cache, least recently used out past ${variant#lru:} entries:" ;;
		ttl:*) echo "the calibration cache, entries out ${variant#ttl:} ms after they were stored:" ;;
		esac
		show_out "$d/step4/cache-${variant%%:*}.out" "$mprof" record -q --alloc \
			-o "$d/step4/cache-${variant%%:*}.bin" -- "$plain" "${base[@]}" --cache "$variant"
		show "$mprof" report --diff pipeline:start pipeline:done --limit 3 \
			"$d/step4/cache-${variant%%:*}.bin"
		"$mprof" report --json --diff pipeline:start pipeline:done \
			"$d/step4/cache-${variant%%:*}.bin" >"$d/step4/cache-${variant%%:*}.json"
		demo_explain cache "$d/step4/cache-${variant%%:*}.json" "$d/step4/cache-${variant%%:*}.out"
	done
	echo
	note "the traces are in $d; see '$mprof report --help' for more views"
}

# show CMD ARGS...: print the command (the build tree's paths shortened), then run it.
show()
{
	print_command "$@"
	"$@"
}

# show_out FILE CMD ARGS...: the same, the command's output into FILE.
show_out()
{
	local out=$1
	shift
	print_command "$@" ">${out#"$builddir/"}"
	"$@" >"$out"
}

print_command()
{
	local arg line='$'

	for arg in "$@"; do
		arg=${arg#"$builddir/tools/"}
		arg=${arg#"$builddir/pipeline-demo/"}
		line+=" $arg"
	done
	printf '%s\n' "$line"
}

demo_explain()
{
	python3 "$srcdir/pipeline-demo/demo_explain.py" "$@" ||
		die "demo_explain.py $1 failed"
}

step()
{
	printf '\n== step %s: %s\n\n' "$1" "$2"
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

# Sourced (as the demo's test does), define the functions and run nothing.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
