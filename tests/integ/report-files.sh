#!/bin/sh
# mprof-report never blocks on what it is given: a FIFO (nobody writing),
# a character device, a socket, a directory are each refused with one line
# naming the file, exit status 2 and nothing on stdout, as the only trace,
# a side of --compare, or one of several traces. Every run is under
# timeout(1): a reporter that blocks fails the test instead of hanging it.
. "$top_srcdir/tests/integ/lib.sh"

command -v timeout >/dev/null || { echo "SKIP: no timeout(1)"; exit 77; }
cd "$TMP"
MPROF_OUTPUT=$TMP/good.bin "$PROGS/fib" 12 1 >/dev/null
[ -f good.bin ] || fail "fib wrote no trace"

# refused NAME FILE WORD ARGS...: the report of ARGS is refused for FILE.
refused()
{
	local what=$1 file=$2 word=$3
	shift 3
	set +e
	timeout 20 "$REPORT" "$@" >out 2>err
	st=$?
	set -e
	[ "$st" -ne 124 ] || fail "$what: mprof-report blocked (killed by timeout)"
	check_eq "$what: exit status" 2 "$st"
	[ ! -s out ] || fail "$what: something on stdout: $(head -c 200 out)"
	check_eq "$what: stderr lines" 1 "$(wc -l <err)"
	grep -q "^mprof-report: '$file': " err || fail "$what: message does not name '$file': $(cat err)"
	grep -q "$word" err || fail "$what: message does not say '$word': $(cat err)"
}

mkfifo fifo.bin
refused "a FIFO" fifo.bin 'not a regular file (a FIFO)' fifo.bin
refused "--compare FIFO good" fifo.bin 'a FIFO' --compare fifo.bin good.bin
refused "--compare good FIFO" fifo.bin 'a FIFO' --compare good.bin fifo.bin
refused "good and a FIFO" fifo.bin 'a FIFO' good.bin fifo.bin
refused "--json FIFO" fifo.bin 'a FIFO' --json fifo.bin
refused "--format chrome FIFO" fifo.bin 'a FIFO' --format chrome fifo.bin
refused "a character device" /dev/null 'a character device' /dev/null
refused "good and a character device" /dev/null 'a character device' good.bin /dev/null
mkdir dir.bin
refused "a directory" dir.bin 'is a directory' dir.bin
refused "--compare directory" dir.bin 'is a directory' --compare good.bin dir.bin

# A socket, where python3 can make one.
if command -v python3 >/dev/null; then
	python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.bind('sock.bin')"
	refused "a socket" sock.bin 'a socket' sock.bin
	refused "good and a socket" sock.bin 'a socket' good.bin sock.bin
else
	echo "note: no python3, no socket checked"
fi

# The same good trace still reads.
timeout 60 "$REPORT" good.bin >out 2>err || fail "good.bin: exit $?: $(cat err)"
grep -q 'function calls' out || fail "good.bin: no report"
echo PASS
