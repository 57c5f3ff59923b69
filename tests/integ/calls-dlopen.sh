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
echo PASS
