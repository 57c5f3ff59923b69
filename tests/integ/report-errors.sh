#!/bin/sh
# Bad input to mprof-report: one line on stderr naming the file and the
# problem, exit status 2, nothing on stdout. Bad options: exit status 1.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
MPROF_OUTPUT=$TMP/good.bin "$PROGS/fib" 15 10 >/dev/null

# expect_error FILE PATTERN
expect_error()
{
	set +e
	"$REPORT" "$1" >out 2>err
	st=$?
	set -e
	check_eq "'$1': exit status" 2 "$st"
	[ ! -s out ] || fail "'$1': something on stdout"
	check_eq "'$1': stderr lines" 1 "$(wc -l <err)"
	grep -q "^mprof-report: .*'$1'" err || fail "'$1': message does not name the file: $(cat err)"
	grep -Eqi "$2" err || fail "'$1': message does not say '$2': $(cat err)"
}

expect_error missing.bin 'no such file'
mkdir adir
expect_error adir 'directory'
: >empty.bin
expect_error empty.bin 'empty|truncated|not an mprof trace'
echo 'hello, this is text' >text.bin
expect_error text.bin 'not an mprof trace'
head -c 100000 /dev/urandom >random.bin
expect_error random.bin 'not an mprof trace'
head -c 100 good.bin >header-cut.bin
expect_error header-cut.bin 'truncated'
# A newer format version than this reader knows.
python3 -c "
import sys; d = bytearray(open('good.bin','rb').read()); d[8] = 99
open('future.bin','wb').write(d)"
expect_error future.bin 'version'
# A corrupt record: a word with tag 0 that is not zero, early in chunk 0.
python3 -c "
import struct
d = bytearray(open('good.bin','rb').read())
size = struct.unpack_from('<I', d, 20)[0]
off = next(o for o in range(4096, len(d), size) if struct.unpack_from('<II', d, o) == (0x4b4e4843, 1))
off += 64
calls = 0
while calls < 10:  # the tenth one-word call record, extended records skipped
	w = struct.unpack_from('<Q', d, off)[0]
	if w & 3 == 3:
		off += 8 * ((w >> 10) & 0xffff)
		continue
	calls += 1
	if calls < 10:
		off += 8
d[off:off+8] = (4).to_bytes(8, 'little'); open('corrupt.bin','wb').write(d)"
expect_error corrupt.bin 'corrupt'

# A trace cut short mid-chunk: read what is there, one warning, exit 0.
size=$(wc -c <good.bin)
head -c $((size / 2 + 12345)) good.bin >cut.bin
set +e
"$REPORT" cut.bin >out 2>err
st=$?
set -e
check_eq "cut trace: exit status" 0 "$st"
grep -q "warning: 'cut.bin': trace cut short" err || fail "cut trace: no warning: $(cat err)"

# Bad options.
for args in "--sort bogus good.bin" "--limit -3 good.bin" "--no-such-option good.bin" \
	"--unit sec good.bin" "--unit good.bin" ""; do
	set +e
	# shellcheck disable=SC2086
	"$REPORT" $args >out 2>err
	st=$?
	set -e
	check_eq "'$args': exit status" 1 "$st"
	[ ! -s out ] || fail "'$args': something on stdout"
done
# A bad --unit: one line that names it, then the usage line.
set +e
"$REPORT" --unit minutes good.bin >out 2>err
set -e
grep -qx "mprof-report: bad unit 'minutes': expected s, ms, us or ns" err ||
	fail "--unit minutes: $(cat err)"
check_eq "--unit minutes: stderr lines" 2 "$(wc -l <err)"
"$REPORT" --help >out
grep -q 'usage' out || fail "--help prints no usage"
"$REPORT" --version | grep -q 'mprof' || fail "--version"
pass
