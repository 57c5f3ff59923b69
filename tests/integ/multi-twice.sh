#!/bin/sh
# The same trace given twice to a multi-trace report (the same name, a
# symlink, a hard link, a byte copy) is read once, with one warning naming
# both paths: no count doubles. Different traces of one process tree still
# merge; comparing a trace with itself is a comparison, not refused.
. "$top_srcdir/tests/integ/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
cd "$TMP"
P=$PROGS/lifecycle
MPROF_OUTPUT=$TMP/fork.bin "$P" fork 100 >fork.out
child=$(sed -n 's/^child pid=\([0-9]*\).*/\1/p' fork.out)
[ -f "fork.bin.$child" ] || fail "no child trace fork.bin.$child"
report_json fork.bin one.json
"$REPORT" --json fork.bin "fork.bin.$child" >tree.json || fail "tree: exit $?"
ln -s fork.bin sym.bin
ln fork.bin hard.bin
cp fork.bin copy.bin

# twice NAME WORDS: fork.bin and NAME read as fork.bin alone, one warning.
twice()
{
	"$REPORT" --json fork.bin "$1" >t.json 2>t.err || fail "fork.bin $1: exit $?"
	check_eq "fork.bin $1: warnings" 1 "$(wc -l <t.err)"
	grep -qF "mprof-report: warning: '$1' is $2 'fork.bin': read once" t.err ||
		fail "fork.bin $1: $(cat t.err)"
	check_eq "fork.bin $1: total calls" "$(json one.json 'r["total_calls"]')" \
		"$(json t.json 'r["total_calls"]')"
	check_eq "fork.bin $1: threads" "$(json one.json 'r["threads"]')" "$(json t.json 'r["threads"]')"
}
twice fork.bin "the same file as"
twice sym.bin "the same file as"
twice hard.bin "the same file as"
twice copy.bin "a copy of the trace"

# In a tree: the child once, the parent once.
"$REPORT" --json fork.bin "fork.bin.$child" copy.bin "fork.bin.$child" >t.json 2>t.err ||
	fail "tree with repeats: exit $?"
check_eq "tree with repeats: warnings" 2 "$(wc -l <t.err)"
check_eq "tree with repeats: total calls" "$(json tree.json 'r["total_calls"]')" \
	"$(json t.json 'r["total_calls"]')"
check_eq "tree with repeats: processes" 2 "$(json t.json 'len(r["processes"])')"

# --compare A A: a comparison of a run with itself, every change zero.
"$REPORT" --json --compare fork.bin copy.bin >c.json 2>c.err || fail "--compare A A: exit $?"
[ ! -s c.err ] || fail "--compare A A: warned: $(cat c.err)"
check_eq "--compare A A: no function changed" true \
	"$(python3 -c "import json; c = json.load(open('c.json'))['compare']; print(str(all(f['old_calls'] == f['new_calls'] for f in c['functions'])).lower())")"
echo PASS
