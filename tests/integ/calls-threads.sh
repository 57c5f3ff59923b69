#!/bin/sh
# Every thread's calls are counted, each thread in its own buffer.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
MPROF_OUTPUT=$TMP/th.bin "$PROGS/threads" 8 >out
total=$(sed -n 's/.*leaf_calls=\([0-9]*\).*/\1/p' out)
check_eq "ground truth" 36000 "$total"
report_json th.bin th.json
check_eq "leaf calls" "$total" "$(json th.json 'fn("leaf")["calls"]')"
check_eq "worker calls" 8 "$(json th.json 'fn("worker")["calls"]')"
check_eq "threads" 9 "$(json th.json 'r["threads"]')"
check_eq "lost events" 0 "$(json th.json 'r["lost_events"]')"
times_add_up th.bin
# Per thread: thread i (1-based among workers) made (i+1)*1000 leaf calls;
# sorted, the per-thread leaf counts are 1000, 2000, ... 8000.
report_json th.bin per.json --threads
check_eq "per-thread leaf counts" "[1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]" \
	"$(json per.json 'sorted(f["calls"] for t in r["per_thread"] for f in t["functions"] if f["function"] == "leaf")')"
# A small buffer forces many chunk switches per thread: nothing is lost.
MPROF_BUFFER_SIZE=64K MPROF_OUTPUT=$TMP/small.bin "$PROGS/threads" 8 >/dev/null
report_json small.bin small.json
check_eq "leaf calls with 64K chunks" "$total" "$(json small.json 'fn("leaf")["calls"]')"
pass
