#!/bin/sh
# The probe's own cost is taken out, exactly as the trace header says: on a
# real trace (a spinner calling a million children), each function's self
# time is its raw self time less probe_self once and probe_parent per
# child, to the nanosecond. The raw times come from the same trace with the
# probe costs zeroed in its header; the costs are then set to chosen values
# and the report must follow. Nothing here depends on how fast the machine
# runs: how close the compensation comes to the truth is a measurement, in
# `make bench` (tests/bench/bench.py, "probe compensation").
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
# The monotonic clock: ticks are nanoseconds, so tick arithmetic is exact
# in the report's nanoseconds.
MPROF_CLOCK=monotonic MPROF_OUTPUT=$TMP/spin.bin "$PROGS/spin" 1000 1000 >out
children=$(sed -n 's/.*child_calls=\([0-9]*\).*/\1/p' out)
[ -n "$children" ] || fail "spin printed no child_calls: $(cat out)"
report_json spin.bin spin.json
check_eq "child calls" "$children" "$(json spin.json 'fn("child")["calls"]')"
check_eq "spinner calls" 1 "$(json spin.json 'fn("spinner")["calls"]')"
check_eq "clock" monotonic "$(json spin.json 'r["clock"]')"

# header TRACE: "probe_self probe_parent" from the header (mprof-trace(5):
# offsets 104 and 112). set_probe IN OUT SELF PARENT: a copy with those set.
header()
{
	python3 -c '
import struct, sys
print(*struct.unpack_from("<QQ", open(sys.argv[1], "rb").read(), 104))' "$1"
}
set_probe()
{
	python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<QQ", d, 104, int(sys.argv[3]), int(sys.argv[4]))
open(sys.argv[2], "wb").write(d)' "$@"
}

set -- $(header spin.bin)
p_self=$1 p_parent=$2
echo "recorded probe costs: self $p_self ticks, parent $p_parent ticks"
set_probe spin.bin raw.bin 0 0
report_json raw.bin raw.json
check_eq "raw: probe costs zeroed" "0 0" "$(header raw.bin)"
raw_self=$(json raw.json 'fn("spinner")["self_ns"]')
# The spinner spins for most of its time: its raw self time is far above
# any probe cost, so nothing is clamped at zero.
check_eq "spinner self, compensated = raw - probe_self - children * probe_parent" \
	$((raw_self - p_self - children * p_parent)) "$(json spin.json 'fn("spinner")["self_ns"]')"

# Chosen costs, the same arithmetic: it is the header that is subtracted.
for costs in "5 2" "0 3" "17 0"; do
	set -- $costs
	set_probe spin.bin chosen.bin "$1" "$2"
	report_json chosen.bin chosen.json
	check_eq "probe costs $1/$2: spinner self" $((raw_self - $1 - children * $2)) \
		"$(json chosen.json 'fn("spinner")["self_ns"]')"
	# The children's own time is raw - probe_self each, clamped at 0:
	# no more than the raw, and their calls unchanged.
	check_eq "probe costs $1/$2: child self no more than raw" true \
		"$(json chosen.json 'fn("child")["self_ns"] <= '"$(json raw.json 'fn("child")["self_ns"]')")"
	check_eq "probe costs $1/$2: child calls" "$children" "$(json chosen.json 'fn("child")["calls"]')"
	times_add_up chosen.bin
done

# MPROF_CALIBRATE=0 measures nothing: no compensation.
MPROF_CALIBRATE=0 MPROF_OUTPUT=$TMP/nocal.bin "$PROGS/spin" 2 10 >/dev/null
check_eq "MPROF_CALIBRATE=0: probe costs in the header" "0 0" "$(header nocal.bin)"
times_add_up spin.bin
pass
