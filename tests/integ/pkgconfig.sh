#!/bin/sh
# pkg-config from the build tree (PKG_CONFIG_PATH=BUILDDIR finds the
# -uninstalled .pc files): mprof instruments, and a program built with its
# flags links, runs and has every call of its function in the trace, as
# many as it counted; mprof-api gives the API alone, no
# -finstrument-functions, and a program of stages built with it records
# its stages' records as it counted them; libmprof.so exports exactly the
# symbols of libprofile/exported-symbols (the hooks, the allocator, exec,
# the jumps and the API), no more and no fewer.
. "$top_srcdir/tests/integ/lib.sh"

have pkg-config || skip "pkg-config is not installed"
have cc || skip "no C compiler (cc)"
have nm || skip "nm is not installed"
cd "$TMP"
export PKG_CONFIG_PATH=$top_builddir

pc() { pkg-config "$@" 2>err || fail "pkg-config $*: $(cat err)"; }

cflags=$(pc --cflags mprof)
case " $cflags " in
*" -finstrument-functions "*) echo "ok: mprof instruments: $cflags" ;;
*) fail "mprof: no -finstrument-functions: $cflags" ;;
esac
check_eq "mprof: the build tree's include directory" "-I$top_srcdir/include" \
	"$(printf '%s\n' $cflags | grep '^-I')"
api=$(pc --cflags mprof-api | sed "s/ *$//")
case " $api " in
*" -finstrument-functions "*) fail "mprof-api instruments: $api" ;;
esac
check_eq "mprof-api: the include directory alone" "-I$top_srcdir/include" "$api"
check_eq "mprof and mprof-api: the same library" "$(pc --libs mprof)" "$(pc --libs mprof-api)"

cat >calls.c <<'C'
#include <stdio.h>
#include <stdlib.h>
static volatile unsigned long sink;
__attribute__((noinline)) static void step(void) { sink++; }
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	for (int i = 0; i < n; i++)
		step();
	printf("step_calls=%d\n", n);
	return 0;
}
C
# shellcheck disable=SC2046 # the flags are words
cc $(pc --cflags mprof) -g -O2 calls.c $(pc --libs mprof) -o calls 2>err ||
	fail "cc with mprof's flags: $(cat err)"
MPROF_OUTPUT=$TMP/calls.bin ./calls 1234 >calls.out
report_json calls.bin calls.json
check_eq "mprof: every call of step() recorded" \
	"$(sed -n 's/^step_calls=//p' calls.out)" "$(json calls.json 'fn("step")["calls"]')"

cat >stages.c <<'C'
#include <mprof.h>
#include <stdio.h>
int main(void)
{
	static struct mprof_stage s;
	unsigned long n = 0;
	mprof_stage_init(&s, "read");
	for (int i = 0; i < 10; i++) {
		mprof_stage_begin(&s);
		mprof_stage_end(&s, 3);
		n += 3;
	}
	MPROF_SNAPSHOT("done");
	printf("records=%lu\n", n);
	return 0;
}
C
# shellcheck disable=SC2046
cc $(pc --cflags mprof-api) -g -O2 stages.c $(pc --libs mprof-api) -o stages 2>err ||
	fail "cc with mprof-api's flags: $(cat err)"
if nm stages | grep -q __cyg_profile_func_enter; then
	fail "mprof-api: the program is instrumented"
fi
MPROF_EVENTS=stages MPROF_OUTPUT=$TMP/stages.bin ./stages >stages.out
report_json stages.bin stages.json
check_eq "mprof-api: the stage's records" "$(sed -n 's/^records=//p' stages.out)" \
	"$(json stages.json '[s for s in r["stages"] if s["name"] == "read"][0]["records"]')"

# The library's exports, pinned.
nm -D --defined-only "$top_builddir/.libs/libmprof.so" | awk '{ print $3 }' | sort >exported
if ! cmp -s exported "$top_srcdir/libprofile/exported-symbols"; then
	diff "$top_srcdir/libprofile/exported-symbols" exported || true
	fail "libmprof.so's exports differ from libprofile/exported-symbols (above: - listed, + exported)"
fi
echo "ok: libmprof.so exports the $(wc -l <exported) symbols listed"
pass
