#!/bin/sh
# Record-time filters (MPROF_INCLUDE, MPROF_EXCLUDE, MPROF_MAX_DEPTH,
# MPROF_MIN_DURATION and mprof record's options): the calls left out are
# not in the trace, and every call is either written or counted as left
# out: written + unrecorded = the calls the program made (its own count).
# The calls a record-time filter keeps have the counts the same filter
# gives at report time.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
MPROF=$top_builddir/tools/mprof
# Small chunks: a trace's size follows what it holds.
export MPROF_BUFFER_SIZE=64K
FIB=$PROGS/fib

# fib 22 10: main, fib_calls calls of fib, even_calls and odd_calls.
MPROF_OUTPUT=$TMP/all.bin "$FIB" 22 10 >all.out
said() { sed -n "s/.*\<$1=\([0-9,]*\).*/\1/p" all.out; }
calls=$(said fib_calls)
evens=$(said even_calls)
odds=$(said odd_calls)
total=$((1 + calls + evens + odds))

# at_depth LEVELS [MAIN [EXCLUDED]]: "function=calls ..." (by name) of the
# calls a depth limit of LEVELS keeps, from the program's own calls per
# depth; MAIN "no" when main is not written (its callees are then the
# first level); EXCLUDED a function left out (only fib here: it has no
# other callees, so no deeper call moves up a level).
at_depth()
{
	python3 -c '
import sys
levels, main, excluded, lines = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
by = {k[:-len("_by_depth")]: [int(x) for x in v.split(",")]
      for k, v in (w.split("=") for w in lines.split() if "_by_depth=" in w)}
keep = levels - 1 if main == "yes" else levels
got = {f: sum(d[:keep]) for f, d in by.items() if f != excluded}
if main == "yes":
    got["main"] = 1
print(" ".join("%s=%d" % (f, n) for f, n in sorted(got.items()) if n))' \
		"$1" "${2:-yes}" "${3:-}" "$(sed -n 's/^depths: //p' all.out)"
}
report_json all.bin all.json
check_eq "unfiltered: total calls" "$total" "$(json all.json 'r["total_calls"]')"
check_eq "unfiltered: unrecorded calls" 0 "$(json all.json 'r["unrecorded_calls"]')"
check_eq "unfiltered: no record filters" "[]" "$(json all.json 'r["record_filters"]["include"]')"

# ncalls TRACE: "function=calls ..." sorted by name
ncalls()
{
	json "$1" '" ".join(sorted("%s=%d" % (f["function"], f["calls"]) for f in r["functions"]))'
}

# rec NAME OUTPUT-CHECK [VAR=VALUE...]: run fib 22 10 with the variables,
# its output the unfiltered run's; report NAME.bin into NAME.json
rec()
{
	name=$1
	shift
	env MPROF_OUTPUT="$TMP/$name.bin" "$@" "$FIB" 22 10 >"$name.out" 2>"$name.err" ||
		fail "$name: fib exited $?"
	cmp -s all.out "$name.out" || fail "$name: the program's output changed"
	[ ! -s "$name.err" ] || fail "$name: stderr: $(cat "$name.err")"
	report_json "$name.bin" "$name.json"
	check_eq "$name: shown + folded at report time + not recorded = calls made" "$total" \
		"$(json "$name.json" 'r["total_calls"] + r.get("filtered_calls", 0) + r["unrecorded_calls"]')"
}

# --exclude at record time: fib is not written; main, even and odd are, with
# the counts the report-time --exclude gives.
rec ex MPROF_EXCLUDE=fib
check_eq "exclude fib: no fib" None "$(json ex.json 'fn("fib")')"
check_eq "exclude fib: unrecorded = fib's calls" "$calls" "$(json ex.json 'r["unrecorded_calls"]')"
report_json all.bin ex-report.json --exclude fib
check_eq "exclude fib: counts as --exclude at report time" "$(ncalls ex-report.json)" \
	"$(ncalls ex.json)"
check_eq "exclude fib: recorded as a filter" "['fib']" "$(json ex.json 'r["record_filters"]["exclude"]')"
check_eq "exclude fib: even has main as its caller" main \
	"$(json ex.json '" ".join(c["function"] for c in fn("even")["callers"] if c["function"] != "odd")')"
size_all=$(stat -c %s all.bin)
size_ex=$(stat -c %s ex.bin)
check_eq "exclude fib: a smaller trace" true "$([ "$size_ex" -lt "$size_all" ] && echo true || echo false)"

# --include: shell patterns, several; main is not written.
rec inc MPROF_INCLUDE='ev*,o?d'
check_eq "include ev*,o?d" "even=$evens odd=$odds" "$(ncalls inc.json)"
report_json all.bin inc-report.json --include 'ev*' --include 'o?d'
check_eq "include: counts as --include at report time" "$(ncalls inc-report.json)" "$(ncalls inc.json)"
check_eq "include: recorded as filters" "['ev*', 'o?d']" "$(json inc.json 'r["record_filters"]["include"]')"

# Exclude wins over include.
rec incex MPROF_INCLUDE='*' MPROF_EXCLUDE='odd,main'
check_eq "include * exclude odd,main" "even=$evens fib=$calls" "$(ncalls incex.json)"

# --max-depth 2: main, and the outermost fib and even.
rec d2 MPROF_MAX_DEPTH=2
check_eq "max depth 2" "$(at_depth 2)" "$(ncalls d2.json)"
report_json all.bin d2-report.json --max-depth 2
check_eq "max depth 2: counts as --max-depth at report time" "$(ncalls d2-report.json)" "$(ncalls d2.json)"
check_eq "max depth 2: recorded" 2 "$(json d2.json 'r["record_filters"]["max_depth"]')"
# Hidden frames do not count as a level.
rec d2ex MPROF_MAX_DEPTH=2 MPROF_EXCLUDE=main
check_eq "max depth 2 without main" "$(at_depth 2 no)" "$(ncalls d2ex.json)"

# --min-duration: every call left in the report lasted at least that long
# (the reporter folds the short ones the runtime had to keep), and the
# trace holds far fewer calls.
rec min MPROF_MIN_DURATION=2us
check_eq "min duration: recorded" 2000 "$(json min.json 'r["record_filters"]["min_duration_ns"]')"
check_eq "min duration: no call shown shorter than 2us" true \
	"$(json min.json 'all(f["cumulative_ns"] >= 2000 * f["calls"] - f["calls"] for f in r["functions"] if f["calls"] == f["primitive_calls"])')"
check_eq "min duration: main kept with its whole time" true \
	"$(json min.json 'fn("main")["cumulative_ns"] >= 2000')"
times_add_up min.bin
# A minimum no call reaches: every call below main left out.
rec never MPROF_MIN_DURATION=1000s
check_eq "min duration 1000s: nothing shown" 0 "$(json never.json 'len(r["functions"])')"
check_eq "min duration 1000s: every call below main not written" true \
	"$(json never.json 'r["unrecorded_calls"] >= '"$((calls + evens + odds))")"

# mprof record's options set the same variables.
"$MPROF" record -q -o rec.bin --exclude fib --max-depth 5 -- "$FIB" 22 10 >rec.out ||
	fail "mprof record exited $?"
cmp -s all.out rec.out || fail "mprof record: the program's output changed"
report_json rec.bin rec.json
check_eq "mprof record --exclude fib --max-depth 5" "$(at_depth 5 yes fib)" "$(ncalls rec.json)"
check_eq "mprof record: filters recorded" "['fib'] 5" \
	"$(json rec.json 'str(r["record_filters"]["exclude"]) + " " + str(r["record_filters"]["max_depth"])')"
text=$("$REPORT" rec.bin)
case $text in
*"not recorded"*) echo "ok: the text report tells the calls not recorded" ;;
*) fail "text report: no 'not recorded' in: $text" ;;
esac

# Threads: each thread's calls are filtered alike.
MPROF_OUTPUT=$TMP/th.bin MPROF_EXCLUDE=leaf "$PROGS/threads" 4 >th.out
leaves=$(sed -n 's/.*leaf_calls=\([0-9]*\).*/\1/p' th.out)
report_json th.bin th.json
check_eq "threads: no leaf" None "$(json th.json 'fn("leaf")')"
check_eq "threads: worker calls (one per thread)" "$(sed -n 's/^threads=\([0-9]*\) .*/\1/p' th.out)" \
	"$(json th.json 'fn("worker")["calls"]')"
check_eq "threads: unrecorded = leaf calls" "$leaves" "$(json th.json 'r["unrecorded_calls"]')"

# dl_calls OUT LIB: the calls dlmain made in the libraries named LIB (its
# "PATH: plugin_work=... calls=N" lines).
dl_calls()
{
	awk -v lib="$2" '{ n = split($1, p, "/"); if (p[n] == lib ":") { sub(/.*calls=/, ""); s += $0 } }
		END { print s + 0 }' "$1"
}

# A library loaded by dlopen is filtered by the same patterns.
lib=$top_builddir/tests/integ/progs/.libs/libplugin.so
MPROF_OUTPUT=$TMP/dl.bin MPROF_EXCLUDE='plugin_s*' "$PROGS/dlmain" "$lib" 300 >dl.out
report_json dl.bin dl.json
check_eq "dlopen: plugin_step left out" None "$(json dl.json 'fn("plugin_step")')"
check_eq "dlopen: plugin_work written (once per library)" "$(wc -l <dl.out)" \
	"$(json dl.json 'fn("plugin_work")["calls"]')"
check_eq "dlopen: unrecorded (the plugin_step calls)" "$(dl_calls dl.out libplugin.so)" \
	"$(json dl.json 'r["unrecorded_calls"]')"


# A library unloaded and another loaded at the same addresses: verdicts
# do not outlive the library they were made for.
libs=$top_builddir/tests/integ/progs/.libs
MPROF_OUTPUT=$TMP/swap.bin MPROF_INCLUDE=plugin_other "$PROGS/dlmain" \
	"$libs/libplugin.so" 50 "$libs/libplugin2.so" "$libs/libplugin.so" >swap.out
report_json swap.bin swap.json
other=$(dl_calls swap.out libplugin2.so)
steps=$(dl_calls swap.out libplugin.so)
check_eq "dlclose, reload: include plugin_other" "plugin_other=$other" "$(ncalls swap.json)"
check_eq "dlclose, reload: left out (main, each plugin_work, the plugin_step calls)" \
	$((1 + $(wc -l <swap.out) + steps)) "$(json swap.json 'r["unrecorded_calls"]')"
MPROF_OUTPUT=$TMP/swap2.bin MPROF_EXCLUDE=plugin_step "$PROGS/dlmain" \
	"$libs/libplugin.so" 50 "$libs/libplugin2.so" "$libs/libplugin.so" >swap.out
report_json swap2.bin swap2.json
check_eq "dlclose, reload: exclude plugin_step" \
	"main=1 plugin_other=$other plugin_work=$(grep -c 'libplugin2.so:' swap.out) plugin_work=$(grep -c 'libplugin.so:' swap.out)" \
	"$(ncalls swap2.json)"

# A relative library name, and a chdir after dlopen: the object's own file
# is read, and its functions are named.
(cd "$libs" && MPROF_OUTPUT=$TMP/rel.bin MPROF_INCLUDE=plugin_step DLMAIN_CHDIR=1 \
	"$PROGS/dlmain" ./libplugin.so 40 >"$TMP/rel.out")
report_json rel.bin rel.json
check_eq "relative name, chdir: include plugin_step" "plugin_step=$(dl_calls rel.out libplugin.so)" \
	"$(ncalls rel.json)"

# A C++ library loaded by a C program: its names are demangled for
# matching, as the report prints them.
MPROF_OUTPUT=$TMP/cxxpl.bin MPROF_INCLUDE='ns::*' "$PROGS/dlmain" "$libs/libcxxplugin.so" 25 >cxxpl.out
report_json cxxpl.bin cxxpl.json
check_eq "C++ library from a C program" "ns::plugin_cxx(int)=$(dl_calls cxxpl.out libcxxplugin.so)" \
	"$(ncalls cxxpl.json)"

# fork and exec: the child's trace is filtered and says so.
L=$PROGS/lifecycle
mkdir fork && (cd fork && MPROF_OUTPUT=$TMP/fork/t.bin MPROF_INCLUDE=work "$L" fork 10 >out)
n=0
for t in fork/t.bin fork/t.bin.*; do
	report_json "$t" f.json
	check_eq "fork: $t has work only" work "$(json f.json '" ".join(f["function"] for f in r["functions"])')"
	check_eq "fork: $t filters" "['work']" "$(json f.json 'r["record_filters"]["include"]')"
	n=$((n + 1))
done
check_eq "fork: traces" 2 "$n"
mkdir exec && (cd exec && MPROF_OUTPUT=$TMP/exec/t.bin MPROF_EXCLUDE=work "$L" exec 10 >out)
for t in exec/t.bin exec/t.bin.*; do
	report_json "$t" e.json
	check_eq "exec: $t without work" main "$(json e.json '" ".join(f["function"] for f in r["functions"])')"
done

# C++: a pattern matches the demangled name, as the report prints it.
MPROF_OUTPUT=$TMP/cxx.bin MPROF_INCLUDE='deep(int)' "$PROGS/exceptions" >cxx.out
report_json cxx.bin cxx.json
check_eq "c++: only deep" "deep(int)" "$(json cxx.json '" ".join(f["function"] for f in r["functions"])')"
check_eq "c++: deep calls" "$(sed -n 's/.*deep_calls=\([0-9]*\).*/\1/p' cxx.out)" \
	"$(json cxx.json 'fn("deep(int)")["calls"]')"

# A signal handler that interrupts the runtime: its held calls are filtered
# too (work left out, on_alarm written), and the accounting stays exact.
mkdir sig && (cd sig && MPROF_OUTPUT=$TMP/sig/t.bin MPROF_EXCLUDE=work timeout 120 \
	"$PROGS/hostile" signals >out) || fail "signals: exited $?"
report_json sig/t.bin sig.json
handled=$(sed -n 's/.*handler_calls=\([0-9]*\).*/\1/p' sig/out)
recorded=$(json sig.json "fn('on_alarm')['calls']")
lost=$(json sig.json 'r["lost_events"]')
check_eq "signals: no work" None "$(json sig.json 'fn("work")')"
check_eq "signals: handler runs = recorded + lost/4" "$handled" "$((recorded + lost / 4))"
times_add_up sig/t.bin

# Bad values: one warning naming the variable, the program unchanged.
for bad in MPROF_MAX_DEPTH=0 MPROF_MAX_DEPTH=x MPROF_MIN_DURATION=5 MPROF_MIN_DURATION=-1us; do
	env MPROF_OUTPUT="$TMP/bad.bin" "$bad" "$FIB" 22 10 >bad.out 2>bad.err
	cmp -s all.out bad.out || fail "$bad: the program's output changed"
	check_eq "$bad: one warning" 1 "$(wc -l <bad.err)"
	grep -q "${bad%%=*}" bad.err || fail "$bad: the warning does not name the variable: $(cat bad.err)"
	report_json bad.bin bad.json
	check_eq "$bad: unfiltered" "$total" "$(json bad.json 'r["total_calls"]')"
done
pass
