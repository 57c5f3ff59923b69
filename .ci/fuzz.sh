#!/usr/bin/env bash
# .ci/fuzz.sh [SECONDS] - fuzz the trace reader and the whole reporter
# pipeline with libFuzzer (clang), AddressSanitizer and UBSan, from a seed
# corpus of real traces. Fails on any crash, leak or sanitizer report.
# Needs ./build.sh to have built ./build first. Run longer by hand:
#   .ci/fuzz.sh 3600          (an hour; the corpus is kept in build/fuzz)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-60}
top=$PWD
b=$top/build
out=$b/fuzz

if ! command -v clang >/dev/null || ! dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
mkdir -p "$out/corpus"

# The target: the reporter library's sources (as the build lists them),
# with the target's main.
srcs=()
for f in $(make -s -C "$b" print-libreport-sources); do
	[[ $f == *.c ]] && srcs+=("$f")
done
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-include "$b/config.h" -I include -I libprofile -I tools -I "$b" \
	$(pkg-config --cflags libdw) tests/fuzz/fuzz_trace.c "${srcs[@]}" \
	$(pkg-config --libs libdw) -lm -o "$out/fuzz_trace"

# Seeds: small real traces (64 KiB chunks) of calls, allocations, stages,
# threads, a fork, a crash, record-time filters.
seed()
{
	local name=$1
	shift
	# (the crash seed crashes: the shell's report of it goes too)
	{ (cd "$out" && MPROF_BUFFER_SIZE=64K MPROF_OUTPUT="$out/corpus/seed-$name" "$@" \
		>/dev/null 2>&1); } 2>/dev/null || true
}
p=$b/tests/integ/progs
seed fib "$p/fib" 12 4
seed threads "$p/threads" 3
seed alloc "$p/alloc-instr" stack
seed snapshot "$p/alloc-instr" snapshot 20
seed stages "$p/stages" 20 10 1 1
seed crash "$p/hostile" crash
seed longjmp "$p/lifecycle" longjmp 3
# CONTEXT records: coroutines yielding from inside calls
seed coroutines "$p/jumps" coroutines 20
# OFFCPU readings: threads blocked, sleeping and computing, in stages
seed offcpu "$p/offcpu" pool
# record-time filters: FILTER records, chunks counting the calls left out
seed filters env MPROF_EXCLUDE=even MPROF_MAX_DEPTH=8 MPROF_MIN_DURATION=1us "$p/fib" 12 4
# a library unloaded and another loaded at its addresses: modules the
# reader moves apart
seed swap "$p/dlmain" "$p/.libs/libplugin.so" 20 "$p/.libs/libplugin2.so" "$p/.libs/libplugin.so"
rm -f "$out"/corpus/*.tmp* 2>/dev/null || true

echo "fuzzing the trace reader for $seconds s (corpus: $out/corpus)"
"$out/fuzz_trace" -max_total_time="$seconds" -max_len=300000 -close_fd_mask=2 \
	-artifact_prefix="$out/" \
	-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$out/corpus" 2>&1 |
	tail -n 25
