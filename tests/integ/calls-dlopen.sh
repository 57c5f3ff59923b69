#!/bin/sh
# Functions of a library loaded with dlopen and unloaded with dlclose before
# the process ends are still named, with file and line.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"
lib=$top_builddir/tests/integ/progs/.libs/libplugin.so
[ -f "$lib" ] || fail "no $lib"
MPROF_OUTPUT=$TMP/dl.bin "$PROGS/dlmain" "$lib" 500 >out
n=$(sed -n 's/.* calls=\([0-9]*\).*/\1/p' out)
report_json dl.bin dl.json
check_eq "plugin_step calls" "$n" "$(json dl.json 'fn("plugin_step")["calls"]')"
check_eq "plugin_work calls" 1 "$(json dl.json 'fn("plugin_work")["calls"]')"
check_eq "plugin_step file" plugin.c "$(json dl.json 'fn("plugin_step")["file"].split("/")[-1]')"
line=$(grep -n 'static int plugin_step' "$top_srcdir/tests/integ/progs/plugin.c" | cut -d: -f1)
check_eq "plugin_step line" "$line" "$(json dl.json 'fn("plugin_step")["line"]')"

# A library unloaded, another loaded at its addresses, then the first again:
# each function keeps its own name, file and calls, and the two
# plugin_work (different functions in different files) stay two rows.
libs=$top_builddir/tests/integ/progs/.libs
MPROF_OUTPUT=$TMP/swap.bin "$PROGS/dlmain" \
	"$libs/libplugin.so" 50 "$libs/libplugin2.so" "$libs/libplugin.so" >swap.out
report_json swap.bin swap.json
check_eq "dlclose, reload: functions, files, calls" \
	"main:dlmain.c:1 plugin_other:plugin2.c:50 plugin_step:plugin.c:100 plugin_work:plugin.c:2 plugin_work:plugin2.c:1" \
	"$(json swap.json '" ".join(sorted("%s:%s:%d" % (f["function"], (f["file"] or "?").split("/")[-1], f["calls"]) for f in r["functions"]))')"
check_eq "dlclose, reload: callers of plugin_other" "plugin_work:50" \
	"$(json swap.json '" ".join("%s:%d" % (e["function"], e["calls"]) for e in fn("plugin_other")["callers"])')"
line=$(grep -n 'static int plugin_other' "$top_srcdir/tests/integ/progs/plugin2.c" | cut -d: -f1)
text=$("$REPORT" swap.bin)
case $text in
*"plugin2.c:$line(plugin_other)"*) echo "ok: the text report names plugin_other" ;;
*) fail "text report: no plugin2.c:$line(plugin_other) in: $text" ;;
esac
# The same with many chunks of events per library: a chunk switch captures
# a library while it is loaded, and the capture at dlclose must still be
# taken (nothing changed since) to tell which library held the addresses.
MPROF_BUFFER_SIZE=64K MPROF_OUTPUT=$TMP/swap64.bin "$PROGS/dlmain" \
	"$libs/libplugin.so" 10000 "$libs/libplugin2.so" >swap64.out
report_json swap64.bin swap64.json
check_eq "dlclose, reload, many chunks: functions, files, calls" \
	"main:dlmain.c:1 plugin_other:plugin2.c:10000 plugin_step:plugin.c:10000 plugin_work:plugin.c:1 plugin_work:plugin2.c:1" \
	"$(json swap64.json '" ".join(sorted("%s:%s:%d" % (f["function"], (f["file"] or "?").split("/")[-1], f["calls"]) for f in r["functions"]))')"
pass
