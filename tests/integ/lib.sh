# tests/integ/lib.sh - shared by the integration tests (sourced).
#
# Every test runs real programs under the profiler, each in its own scratch
# directory, and compares what mprof-report says with the ground truth the
# program printed itself. A failed check prints what differed and exits 1.
# A test that cannot run what it tests (a tool, a terminal, root missing)
# exits 77, which the harness counts as SKIP: skip WHY when nothing can
# run, skip_part WHY for one part, and pass at the end (SKIP if a part was
# skipped, PASS otherwise). Waits are bounded: wait_for.

set -eu

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"

REPORT=$top_builddir/tools/mprof-report
PROGS=$top_builddir/tests/integ/progs
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mprof-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export MPROF_QUIET=0

fail()
{
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# skip WHY: the whole test cannot run here.
skip()
{
	printf 'SKIP: %s\n' "$*"
	exit 77
}

# skip_part WHY: a part of the test cannot run here; pass then reports SKIP.
SKIPPED=
skip_part()
{
	printf 'skipped part: %s\n' "$*"
	SKIPPED="${SKIPPED:+$SKIPPED; }$*"
}

# pass: the end of a test whose checks all passed.
pass()
{
	[ -z "$SKIPPED" ] || skip "$SKIPPED"
	echo PASS
	exit 0
}

# have CMD: CMD is installed.
have()
{
	command -v "$1" >/dev/null 2>&1
}

# wait_for WHAT SECONDS TEST...: run TEST every 0.05 s until it succeeds;
# after SECONDS (generous: the machine may be loaded), fail naming WHAT.
wait_for()
{
	local what=$1 tries=$(($2 * 20))
	shift 2
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || fail "timed out waiting for $what"
		sleep 0.05
	done
}

# Every test reads the JSON report with python3.
have python3 || skip "python3 is not installed (the tests read the JSON report with it)"

# check_eq WHAT EXPECTED ACTUAL
check_eq()
{
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	printf 'ok: %s = %s\n' "$1" "$3"
}

# json FILE PYTHON-EXPRESSION: evaluate with the report loaded as `r` and
# a helper fn(name) returning that function's entry (or None).
json()
{
	python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def fn(name):
    for f in r["functions"]:
        if f["function"] == name:
            return f
    return None
v = eval(sys.argv[2])
print(v if not isinstance(v, bool) else ("true" if v else "false"))
PY
}

# report_json TRACE OUT [OPTIONS...]: the JSON report of TRACE in OUT.
report_json()
{
	local trace=$1 out=$2
	shift 2
	"$REPORT" --json "$@" "$trace" >"$out" || fail "mprof-report --json $trace exited $?"
}

# times_add_up TRACE: in every thread, each function has
# 0 <= self <= cumulative <= the thread's wall time, and the sum of the self
# times is no more than that wall time; the merged table is sane too.
times_add_up()
{
	local v
	"$REPORT" --json --threads "$1" >"$1.threads.json" 2>/dev/null ||
		fail "mprof-report --json --threads $1"
	v=$(json "$1.threads.json" 'all(0 <= f["self_ns"] <= f["cumulative_ns"] <= t["wall_ns"] for t in r["per_thread"] for f in t["functions"]) and all(sum(f["self_ns"] for f in t["functions"]) <= t["wall_ns"] for t in r["per_thread"]) and all(0 <= f["self_ns"] <= f["cumulative_ns"] for f in r["functions"])')
	check_eq "$1: 0 <= self <= cumulative <= wall, sum(self) <= wall, per thread" true "$v"
}
