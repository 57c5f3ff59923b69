#!/bin/sh
# A trace cut after the process wrote it: at a chunk boundary, inside a
# chunk, at the end of its header area. The header counts the chunks the
# process wrote (nchunks); a file with fewer is reported with one warning
# naming the file and how many are missing, `complete: false`, exit 0; one
# cut at its header area is refused (exit 2, one line, nothing on stdout).
# No wall time in any report is impossible: it is a number a clock can
# give, or null.
. "$top_srcdir/tests/integ/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
cd "$TMP"
# Small chunks: the threads fill several.
MPROF_BUFFER_SIZE=64K MPROF_OUTPUT=$TMP/t.bin "$PROGS/threads" 4 20000 >t.out

# The layout from the header itself: header size, chunk size, the count
# the runtime wrote, the count the file length gives.
eval "$(python3 - t.bin <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
hsize = struct.unpack_from('<I', d, 12)[0]
csize = struct.unpack_from('<I', d, 20)[0]
nchunks = struct.unpack_from('<Q', d, 384)[0]  # after exe[248]
print("hsize=%d csize=%d written=%d have=%d" % (hsize, csize, nchunks, (len(d) - hsize) // csize))
PY
)"
[ "$have" -ge 3 ] || fail "expected at least 3 chunks, the file has $have"
if [ "$written" -ne 0 ]; then
	check_eq "the header counts the file's chunks" "$have" "$written"
else
	# A runtime that does not count them yet: count them as it would.
	python3 -c "
import struct, sys
d = bytearray(open('t.bin', 'rb').read()); struct.pack_into('<Q', d, 384, $have)
open('t.bin', 'wb').write(d)"
fi

report_json t.bin whole.json
check_eq "whole: complete" true "$(json whole.json 'r["complete"]')"

# wall_ok JSON: every wall time a number below 2^63 ns, or null.
wall_ok()
{
	json "$1" 'all(w is None or 0 <= w < 2**63 for w in [r["wall_ns"]] + [t["wall_ns"] for t in r.get("per_thread", [])])'
}

# At each chunk boundary, and inside the chunk after it.
k=1
while [ $k -lt "$have" ]; do
	for extra in 0 1000; do
		name=cut$k-$extra.bin
		head -c $((hsize + k * csize + extra)) t.bin >$name
		set +e
		"$REPORT" --json --threads $name >$name.json 2>$name.err
		st=$?
		set -e
		check_eq "$name: exit status" 0 "$st"
		check_eq "$name: warnings" 1 "$(wc -l <$name.err)"
		if [ $extra = 0 ]; then
			want="the file holds $k of the $have chunks the process wrote ($((have - k)) missing)"
		else
			want="the file ends inside chunk $((k + 1)) of the $have the process wrote ($((have - k - 1)) missing after it)"
		fi
		grep -qF "mprof-report: warning: '$name': trace cut short: $want" $name.err ||
			fail "$name: expected '$want': $(cat $name.err)"
		check_eq "$name: complete" false "$(json $name.json 'r["complete"]')"
		check_eq "$name: cut" true "$(json $name.json 'r["cut"]')"
		check_eq "$name: wall times possible" true "$(wall_ok $name.json)"
	done
	k=$((k + 1))
done

# At the end of the header area, and inside it.
for size in $hsize $((hsize - 100)) 100; do
	head -c $size t.bin >h$size.bin
	set +e
	"$REPORT" h$size.bin >out 2>err
	st=$?
	set -e
	check_eq "cut at $size bytes: exit status" 2 "$st"
	[ ! -s out ] || fail "cut at $size bytes: something on stdout: $(cat out)"
	check_eq "cut at $size bytes: stderr lines" 1 "$(wc -l <err)"
	grep -q "^mprof-report: 'h$size.bin': truncated" err || fail "cut at $size: $(cat err)"
done
echo PASS
