#!/bin/sh
# The trace meets the limits of the machine: a full disk, a file-size limit
# (RLIMIT_FSIZE), the size cap (MPROF_MAX_SIZE), an output path that is not
# a regular file, a long chain of exec'd images. Whatever happens to the
# trace, the program's output and exit status are its own, it gets no
# signal (SIGBUS, SIGXFSZ), and the report says how many events were lost
# and why.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
L=$PROGS/limits
trap 'umount "$TMP/full" 2>/dev/null; rm -rf "$TMP"' EXIT

# plain N OUT: the ground truth, unprofiled.
plain()
{
	MPROF_DISABLE=1 "$L" work "$1" >"$2"
}

# accounted NAME JSON CALLS CAUSE: every call the program made is in the
# report or counted lost: each call never written lost its entry and its
# exit, each written call left open lost its exit; a few events that are
# not calls (the exit snapshot, module maps) may be lost besides. The
# causes add up to the total and CAUSE is the only one.
accounted()
{
	local v
	v=$(json "$2" "(lambda calls, written, openc, lost: 2 * (calls - written) + openc <= lost <= 2 * (calls - written) + openc + 4)($3, r['total_calls'], r['open_calls_at_end'], r['lost_events'])")
	check_eq "$1: every call written or counted lost" true "$v"
	check_eq "$1: lost by cause add up" "$(json "$2" 'r["lost_events"]')" \
		"$(json "$2" 'sum(r["lost_by_cause"].values())')"
	check_eq "$1: lost for $4" "$(json "$2" 'r["lost_events"]')" \
		"$(json "$2" "r['lost_by_cause']['$4']")"
	[ "$(json "$2" 'r["lost_events"]')" -gt 0 ] || fail "$1: nothing lost: the limit was not reached"
}

# same NAME OUT EXPECTED STATUS: the program's output and exit status.
same()
{
	cmp -s "$2" "$3" || fail "$1: output changed: $(diff "$3" "$2" | head -5)"
	check_eq "$1: exit status" 0 "$4"
}

# --- the size cap
plain 300000 plain.out
calls=$(($(sed -n 's/^work_calls=//p' plain.out) + 1)) # and main
set +e
MPROF_MAX_SIZE=256K MPROF_OUTPUT=$TMP/cap.bin "$L" work 300000 >cap.out 2>cap.err
st=$?
set -e
same "size cap" cap.out plain.out $st
[ ! -s cap.err ] || fail "size cap: it warned: $(cat cap.err)"
size=$(stat -c %s cap.bin)
[ "$size" -le 262144 ] || fail "size cap: the trace holds $size bytes, more than 256K"
report_json cap.bin cap.json
check_eq "size cap in the trace" 262144 "$(json cap.json 'r["max_size"]')"
accounted "size cap" cap.json "$calls" size_cap
"$REPORT" cap.bin >cap.txt 2>/dev/null || fail "size cap: text report exited $?"
sed -n 2p cap.txt | grep -q "^lost events: .*size cap" ||
	fail "size cap: the second line does not say why events were lost: $(sed -n 2p cap.txt)"

# --- the file-size limit: never SIGXFSZ
if ! have prlimit; then
	skip_part "file-size limit: prlimit is not installed"
else
	plain 100 small.out
	set +e
	prlimit --fsize=1048576 env MPROF_OUTPUT="$TMP/fs1.bin" "$L" work 100 >fs1.out 2>fs1.err
	st=$?
	set -e
	same "1 MiB file-size limit, a small program" fs1.out small.out $st
	[ "$(stat -c %s fs1.bin)" -le 1048576 ] || fail "the trace outgrew the file-size limit"
	report_json fs1.bin fs1.json
	check_eq "1 MiB limit: work calls" 100 "$(json fs1.json 'fn("work")["calls"]')"
	check_eq "1 MiB limit: nothing lost" 0 "$(json fs1.json 'r["lost_events"]')"

	set +e
	prlimit --fsize=2097152 env MPROF_OUTPUT="$TMP/fs2.bin" "$L" work 300000 >fs2.out 2>fs2.err
	st=$?
	set -e
	same "2 MiB file-size limit, a long run" fs2.out plain.out $st
	[ "$(stat -c %s fs2.bin)" -le 2097152 ] || fail "the trace outgrew the file-size limit"
	report_json fs2.bin fs2.json
	accounted "2 MiB limit" fs2.json "$calls" file_size_limit
	check_eq "2 MiB limit: warning lines" 1 "$(wc -l <fs2.err)"
	grep -q "cannot write '$TMP/fs2.bin' on: the file-size limit" fs2.err ||
		fail "2 MiB limit: $(cat fs2.err)"
	# Nothing fits at all: one warning, the program runs.
	set +e
	prlimit --fsize=8192 env MPROF_OUTPUT="$TMP/fs3.bin" "$L" work 100 >fs3.out 2>fs3.err
	st=$?
	set -e
	same "8 KiB file-size limit" fs3.out small.out $st
	check_eq "8 KiB limit: warning lines" 1 "$(wc -l <fs3.err)"
	grep -q "file-size limit" fs3.err || fail "8 KiB limit: $(cat fs3.err)"
fi

# --- output paths that are not regular files: left alone
mkfifo fifo
plain 100 small.out
set +e
MPROF_OUTPUT=$TMP/fifo "$L" work 100 >fifo.out 2>fifo.err
st=$?
set -e
same "a FIFO as output" fifo.out small.out $st
[ -p fifo ] || fail "the FIFO was replaced: $(ls -l fifo)"
check_eq "a FIFO as output: warning lines" 1 "$(wc -l <fifo.err)"
grep -q "'$TMP/fifo' is a FIFO, not a regular file" fifo.err || fail "FIFO: $(cat fifo.err)"
check_eq "a FIFO as output: nothing made beside it" "" "$(cd "$TMP" && ls -d fifo.tmp* 2>/dev/null)"
mkdir dir.bin
MPROF_OUTPUT=$TMP/dir.bin "$L" work 100 >dir.out 2>dir.err
[ -d dir.bin ] && [ -z "$(ls dir.bin)" ] || fail "the directory was touched"
grep -q "is a directory" dir.err || fail "directory: $(cat dir.err)"
if [ "$(id -u)" = 0 ]; then
	mknod null c 1 3
	set +e
	MPROF_OUTPUT=$TMP/null "$L" work 100 >dev.out 2>dev.err
	st=$?
	set -e
	same "a character device as output" dev.out small.out $st
	[ -c null ] || fail "the device node was replaced: $(ls -l null)"
	grep -q "is a character device" dev.err || fail "device: $(cat dev.err)"
else
	skip_part "device node as output: not root (mknod)"
fi

# --- an exec chain of 21 images in one pid: 21 traces, none replaced
MPROF_OUTPUT=$TMP/chain/trace.bin
mkdir chain
(cd chain && MPROF_OUTPUT=$TMP/chain/trace.bin "$L" chain 20 >../chain.out)
check_eq "exec chain: images" 21 "$(sed -n 's/^images=//p' chain.out)"
check_eq "exec chain: traces" 21 "$(ls chain | wc -l)"
total=0
execs=0
for t in chain/*; do
	report_json "$t" "$t.json"
	total=$((total + $(json "$t.json" 'fn("work")["calls"]')))
	[ "$(json "$t.json" 'r["end"]["how"]')" != exec ] || execs=$((execs + 1))
	rm "$t.json"
done
check_eq "exec chain: work calls over all traces" 21 "$total"
check_eq "exec chain: images that ended by exec" 20 "$execs"

# --- a full disk (a small tmpfs): only as root
if [ "$(id -u)" != 0 ]; then
	skip_part "full disk: not root (mount a small tmpfs)"
	pass
fi
mkdir full
mount -t tmpfs -o size=2m mprof-test "$TMP/full" || { skip_part "full disk: cannot mount a tmpfs"; pass; }
dd if=/dev/zero of=full/fill bs=4k 2>/dev/null || true
# Not a byte free: one warning, no trace, the program unchanged.
set +e
MPROF_OUTPUT=$TMP/full/t.bin "$L" work 100 >nospace.out 2>nospace.err
st=$?
set -e
same "full disk, instrumented" nospace.out small.out $st
check_eq "full disk: warning lines" 1 "$(wc -l <nospace.err)"
grep -q "cannot create '$TMP/full/t.bin': No space left on device" nospace.err ||
	fail "full disk: $(cat nospace.err)"
[ -z "$(ls full | grep -v -x fill)" ] || fail "full disk: files left: $(ls full)"
ls -la "$top_srcdir/man" >ls.plain
set +e
LD_PRELOAD=$top_builddir/.libs/libmprof.so MPROF_OUTPUT=$TMP/full/ls.bin ls -la "$top_srcdir/man" >ls.out 2>ls.err
st=$?
set -e
same "full disk, ls under LD_PRELOAD" ls.out ls.plain $st

# A few hundred KiB free, no cap: the disk fills mid-run. Every later event
# is counted lost, at the cost of the hooks: the file is tried again once a
# second, not at every event (strace counts the failed writes).
rm full/fill
dd if=/dev/zero of=full/fill bs=4k count=390 2>/dev/null
start=$(date +%s)
set +e
if have strace; then
	MPROF_MAX_SIZE=unlimited MPROF_OUTPUT=$TMP/full/mid.bin strace -f -qq -o strace.log \
		-e trace=ftruncate,pwrite64,pwritev "$L" work 300000 >mid.out 2>mid.err
else
	MPROF_MAX_SIZE=unlimited MPROF_OUTPUT=$TMP/full/mid.bin "$L" work 300000 >mid.out 2>mid.err
fi
st=$?
set -e
elapsed=$(($(date +%s) - start))
same "disk full mid-run" mid.out plain.out $st
check_eq "disk full mid-run: warning lines" 1 "$(wc -l <mid.err)"
grep -q "cannot write '$TMP/full/mid.bin' on: the file system is full" mid.err ||
	fail "disk full mid-run: $(cat mid.err)"
report_json full/mid.bin mid.json
accounted "disk full mid-run" mid.json "$calls" disk_full
[ "$(json mid.json 'fn("work")["calls"]')" -gt 0 ] ||
	fail "disk full mid-run: nothing was written before the disk filled"
if have strace; then
	failed=$(grep -c ENOSPC strace.log || true)
	bound=$((3 + 2 * elapsed))
	[ "$failed" -le "$bound" ] ||
		fail "disk full mid-run: $failed failed writes in ${elapsed}s (at most $bound)"
	echo "ok: disk full mid-run: $failed failed writes in ${elapsed}s"
else
	skip_part "failed writes on a full disk: strace is not installed"
fi

# The program fills the disk itself, then forks: the child (whose trace
# cannot be created) ends as it would unprofiled.
rm -f full/fill full/mid.bin
set +e
MPROF_OUTPUT=$TMP/full/ff.bin "$L" fillfork "$TMP/full/fill" 1000 >ff.out 2>ff.err
st=$?
set -e
check_eq "fill then fork: parent exit status" 0 "$st"
check_eq "fill then fork: the disk was full" "fill errno=No space left on device" \
	"$(sed -n 1p ff.out)"
check_eq "fill then fork: child status" "child status=7 signaled=0" \
	"$(grep '^child status' ff.out)"
report_json full/ff.bin ff.json
check_eq "fill then fork: parent work calls" "$(sed -n 's/^parent work_calls=//p' ff.out)" \
	"$(json ff.json 'fn("work")["calls"]')"
pass
