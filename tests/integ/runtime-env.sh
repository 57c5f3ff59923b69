#!/bin/sh
# Bad MPROF_* values: one warning line each, the default used, the program's
# output and exit status unchanged. An unwritable output: a warning, no trace,
# the program runs normally.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
"$PROGS/fib" 20 10 >plain.out
fib_calls=$(sed -n 's/.*fib_calls=\([0-9]*\).*/\1/p' plain.out)

# try VAR VALUE PATTERN: exactly one warning naming VAR that matches PATTERN.
try()
{
	env "$1=$2" MPROF_OUTPUT="$TMP/env.bin" "$PROGS/fib" 20 10 >out 2>err ||
		fail "$1='$2': program failed"
	cmp -s plain.out out || fail "$1='$2': output changed"
	check_eq "$1='$2': warning lines" 1 "$(wc -l <err)"
	grep -q "^mprof: warning: $1=" err || fail "$1='$2': $(cat err)"
	grep -Eq "$3" err || fail "$1='$2': warning does not say '$3': $(cat err)"
	report_json env.bin env.json
	check_eq "$1='$2': fib still counted" "$fib_calls" "$(json env.json 'fn("fib")["calls"]')"
}

try MPROF_BUFFER_SIZE abc 'not a size'
try MPROF_BUFFER_SIZE -5 'not a size'
try MPROF_BUFFER_SIZE 3M 'power of two'
try MPROF_BUFFER_SIZE 99999999999999999999 'power of two'
try MPROF_BUFFER_SIZE '' 'not a size'
try MPROF_MAX_SIZE abc 'auto, unlimited or a size'
try MPROF_MAX_SIZE 1K 'at least 132K'
try MPROF_MAX_SIZE 131K 'at least 132K' # less holds no event
try MPROF_MAX_SIZE 2Q 'auto, unlimited or a size'
try MPROF_MAX_SIZE -1 'auto, unlimited or a size'
try MPROF_MAX_SIZE 99999999999999999999 'auto, unlimited or a size'
try MPROF_EVENTS bogus 'calls, alloc'
try MPROF_EVENTS '' 'calls, alloc'
try MPROF_CALIBRATE maybe 'not a boolean'
try MPROF_CLOCK sundial 'auto, tsc or monotonic'
try MPROF_OFFCPU maybe 'expected 1, 0 or auto'
try MPROF_DISABLE 2 'not a boolean'
try MPROF_QUIET yes-please 'not a boolean'
try MPROF_STACK_DEPTH 0 'whole number from 1 to 128'
try MPROF_STACK_DEPTH 100000 'whole number from 1 to 128'
try MPROF_STACK_DEPTH -1 'whole number'
try MPROF_SNAPSHOT_SIGNAL KILL 'not a signal that can carry snapshots'
try MPROF_SNAPSHOT_SIGNAL SEGV 'not a signal that can carry snapshots'
try MPROF_SNAPSHOT_SIGNAL 999 'not a signal that can carry snapshots'
try MPROF_SNAPSHOT_PERIOD 0 'whole number from 1'
try MPROF_SNAPSHOT_PERIOD 1e3 'whole number'
try MPROF_SNAPSHOT_PERIOD 99999999999999999999999 'whole number'

# The monotonic clock works as well as the TSC.
MPROF_CLOCK=monotonic MPROF_OUTPUT=$TMP/mono.bin "$PROGS/fib" 20 10 >/dev/null
report_json mono.bin mono.json
check_eq "monotonic clock" monotonic "$(json mono.json 'r["clock"]')"
check_eq "monotonic: fib calls" "$fib_calls" "$(json mono.json 'fn("fib")["calls"]')"
times_add_up mono.bin

# MPROF_EVENTS without calls records no calls.
MPROF_EVENTS=alloc MPROF_OUTPUT=$TMP/nocalls.bin "$PROGS/fib" 20 10 >/dev/null
report_json nocalls.bin nocalls.json
check_eq "no calls recorded" 0 "$(json nocalls.json 'len(r["functions"])')"

# Unwritable output directory.
MPROF_OUTPUT=/nonexistent/dir/t.bin "$PROGS/fib" 20 10 >out 2>err || fail "program failed"
cmp -s plain.out out || fail "unwritable output: output changed"
check_eq "unwritable output: warning lines" 1 "$(wc -l <err)"
grep -q "/nonexistent/dir/t.bin" err || fail "warning does not name the path: $(cat err)"

# %p is the pid (the one the trace records), %% a %: the only file made.
mkdir start pct
(cd start && MPROF_OUTPUT='t-%p.bin' "$PROGS/fib" 10 2 >pid.out)
set -- start/t-*.bin
[ $# = 1 ] && [ -f "$1" ] || fail "%p: expected one trace in start/, got: $(ls start)"
report_json "$1" pid.json
check_eq "%p expands to the pid" "start/t-$(json pid.json 'r["pid"]').bin" "$1"
(cd pct && MPROF_OUTPUT='a%%p-%%.bin' "$PROGS/fib" 10 2 >/dev/null)
check_eq "%% is a %" "a%p-%.bin" "$(ls pct)"
# No MPROF_OUTPUT: trace.bin in the starting directory.
(cd start && env -u MPROF_OUTPUT "$PROGS/fib" 10 2 >/dev/null)
[ -f start/trace.bin ] || fail "no default trace.bin in the start directory"
report_json start/trace.bin default.json
check_eq "default trace.bin: fib(10)'s calls" \
	"$(sed -n 's/.*fib_calls=\([0-9]*\).*/\1/p' start/pid.out)" "$(json default.json 'fn("fib")["calls"]')"

# MPROF_DISABLE=1: nothing written, output the same.
(cd start && rm -f trace.bin && MPROF_DISABLE=1 "$PROGS/fib" 20 10 >out)
[ ! -e start/trace.bin ] || fail "MPROF_DISABLE=1 still wrote a trace"
cmp -s plain.out start/out || fail "MPROF_DISABLE=1 changed the output"

# A program in secure-execution mode (setuid) records nothing: run as
# nobody, a setuid root copy of fib writes no trace, neither where
# MPROF_OUTPUT points nor in its directory (an old trace.bin there stays as
# it was), and prints what it prints unprofiled. Only as root, with
# setpriv, where nobody may run it.
if [ "$(id -u)" != 0 ]; then
	skip_part "setuid: not root (a setuid root copy cannot be made)"
elif ! have setpriv; then
	skip_part "setuid: setpriv is not installed"
else
	mkdir suid && chmod 755 "$TMP" suid
	cp "$PROGS/fib" suid/fib && chmod 4755 suid/fib
	echo "not a trace" >suid/trace.bin
	MPROF_DISABLE=1 "$PROGS/fib" 10 2 >suid/expected
	set +e
	(cd suid && setpriv --reuid=65534 --regid=65534 --clear-groups \
		env MPROF_OUTPUT="$TMP/evil.bin" ./fib 10 2 >out 2>err)
	st=$?
	set -e
	if [ "$st" = 0 ]; then
		[ ! -e "$TMP/evil.bin" ] || fail "setuid: MPROF_OUTPUT was obeyed"
		check_eq "setuid: trace.bin in its directory untouched" "not a trace" \
			"$(cat suid/trace.bin)"
		[ -z "$(ls suid | grep -v -x -e fib -e trace.bin -e out -e err -e expected)" ] ||
			fail "setuid: it wrote files: $(ls suid)"
		cmp -s suid/out suid/expected || fail "setuid: its output changed"
		[ ! -s suid/err ] || fail "setuid: it printed on stderr: $(cat suid/err)"
		echo "ok: a setuid program records nothing"
	else
		skip_part "setuid: nobody cannot run the setuid copy here (status $st: $(cat suid/err))"
	fi
fi

# An existing symlink at the output path is replaced, never followed.
echo precious >precious.txt
ln -s precious.txt link.bin
MPROF_OUTPUT=$TMP/link.bin "$PROGS/fib" 10 2 >/dev/null
check_eq "symlink target untouched" precious "$(cat precious.txt)"
[ ! -L link.bin ] || fail "the symlink was not replaced"
check_eq "trace mode" 644 "$(stat -c %a link.bin)"
pass
