#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""demo_explain.py - the sentences of ./build.sh demo, computed.

Every figure and every conclusion the demo prints after a report comes from
the report's own JSON (mprof-report --json) or from what the demo program
printed of itself, never from a canned text: where a run comes out
differently, the sentence says what it found. One subcommand per step:

  profile JSON                  step 1: where the time on the CPU goes
  cost TIMES JSON               step 1: what timing every call costs
  stages JSON TIMES             step 2: the bottleneck, from the stage table
  compare JSON OLD NEW          step 3: what the fix changed, and what not
  collectors JSON OUTPUT        step 4: __dict__ vs __slots__
  cache JSON OUTPUT             step 4: what a cache holds and costs

TIMES is a file of "VARIANT WALL_NS" lines, one per run (variants plain,
stages, calls); OLD and NEW are directories of runs whose *.out files hold
each run's output (its checksum line).
"""
import json
import re
import statistics
import sys

UNTOUCHED = ("generate", "filter", "normalize")


def say(*parts):
    print("-> " + " ".join(parts))


def ms(ns):
    """ns as milliseconds with three significant digits."""
    v = ns / 1e6
    if v >= 100:
        return "%.0f ms" % v
    if v >= 10:
        return "%.1f ms" % v
    if v >= 1:
        return "%.2f ms" % v
    return "%.3f ms" % v


def pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


def load(path):
    with open(path) as f:
        return json.load(f)


def times(path):
    """{variant: [wall_ns, ...]} from a TIMES file."""
    out = {}
    with open(path) as f:
        for line in f:
            variant, wall = line.split()
            out.setdefault(variant, []).append(int(wall))
    return out


def spread(values):
    """(median, half the range as a percentage of the median)."""
    m = statistics.median(values)
    return m, pct((max(values) - min(values)) / 2, m)


def name(fn):
    if not fn.get("file"):
        return fn["function"]
    return "%s (%s:%d)" % (fn["function"], fn["file"].rsplit("/", 1)[-1], fn["line"])


def profile(args):
    r = load(args[0])
    fns = r["functions"]
    split = all(f.get("oncpu_ns") is not None for f in fns)
    key = "oncpu_ns" if split else "self_ns"
    top = max(fns, key=lambda f: f[key])
    total = sum(f[key] for f in fns)
    what = "on the CPU" if split else "(off-CPU time not recorded: self time)"
    say("%s leads %s: %s of the %s all functions took, %.0f%%, in %d calls" %
        (name(top), what, ms(top[key]), ms(total), pct(top[key], total),
         top["calls"]),
        "(one per record the filter kept: the window of every record summed "
        "again from scratch)." if top["function"] == "window_sum_naive" else ".")
    second = sorted(fns, key=lambda f: f[key], reverse=True)[1:2]
    if second:
        s = second[0]
        say("Next comes %s with %s (%.0f%%): %s took %.1fx its time." %
            (name(s), ms(s[key]), pct(s[key], total), top["function"],
             top[key] / s[key] if s[key] else 0))


def fixed(t):
    """The fixed cost of a recorded run: a run of one record, recorded or not."""
    return statistics.median(t["stages-1"]) - statistics.median(t["plain-1"])


def cost(args):
    t = times(args[0])
    r = load(args[1])
    per = [f["calls"] for f in r["functions"] if f["function"] == "window_sum_naive"]
    plain, ps = spread(t["plain"])
    calls, cs = spread(t["calls"])
    f = fixed(t)
    say("What timing every call costs: the instrumented build, recording every call,",
        "took %s (median of %d runs, +-%.0f%%); the plain build, recording nothing, %s"
        " (+-%.0f%%): %.2fx." % (ms(calls), len(t["calls"]), cs, ms(plain), ps, calls / plain),
        "Of the difference, %s is what any recorded run costs once (the trace opened,"
        " the modules' maps written: a run of one record, recorded or not):"
        " the calls themselves cost %.2fx." % (ms(f), (calls - f) / plain),
        "cProfile makes Python 2-5x slower; here the run made %d timed calls%s," %
        (r["total_calls"], ", %.2f per record the filter kept" % (r["total_calls"] / per[0])
         if per and per[0] else ""),
        "so the profile is the program's own, slightly slowed.")


def stage_by(r, n):
    return [s for s in r["stages"] if s["name"] == n][0]


def stages(args):
    r = load(args[0])
    t = times(args[1])
    b = stage_by(r, r["bottleneck"])
    total = sum(s["self_ns"] for s in r["stages"])
    if r["bottleneck_by"] == "oncpu_self":
        on_total = sum(s["self_oncpu_ns"] for s in r["stages"])
        say("%s works the most on the CPU: %s of the stages' %s on-CPU self time (%.0f%%;"
            " self time %s of %s): it is the bottleneck." %
            (b["name"], ms(b["self_oncpu_ns"]), ms(on_total), pct(b["self_oncpu_ns"], on_total),
             ms(b["self_ns"]), ms(total)))
        w = stage_by(r, r["largest_self"])
        if w["name"] != b["name"]:
            say("%s has the largest self time, %s, but %s of it off the CPU: it waits, which"
                " does not make it the bottleneck." %
                (w["name"], ms(w["self_ns"]), ms(w["self_offcpu_ns"])))
    else:
        say("%s has the largest self time, %s of %s (%.0f%%; off-CPU time was not recorded):"
            " it is the bottleneck." % (b["name"], ms(b["self_ns"]), ms(total),
                                        pct(b["self_ns"], total)))
    up = [stage_by(r, n) for n in r["upstream_of_bottleneck"]]
    if up:
        lat = [s["mean_latency_ns"] for s in up]
        say("%s wait for it: a mean latency of %.1f-%.1f us per hand-off, against %.1f us"
            " for %s itself; in a pull pipeline a stage's latency is its consumer's time." %
            (", ".join(s["name"] for s in up), min(lat) / 1e3, max(lat) / 1e3,
             b["mean_latency_ns"] / 1e3, b["name"]))
    plain, ps = spread(t["plain"])
    st, ss = spread(t["stages"])
    f = fixed(t)
    events = pct(st - f - plain, plain)
    say("Recorded on the plain build, with stage events only: %s (+-%.0f%%) against %s"
        " (+-%.0f%%) unrecorded, medians of %d runs each, in turns: %+.1f%%, of which %s"
        " is the fixed cost of a recorded run; the stage events themselves, %s." %
        (ms(st), ss, ms(plain), ps, len(t["stages"]), pct(st - plain, plain), ms(f),
         "%+.1f%% (within the runs' spread: too small for these runs to tell)" % events
         if abs(events) <= max(ps, ss) else "%+.1f%%" % events))


def verdict(fig):
    """'-67.9% (p=0.000)', or '~ (p=0.529)' for noise."""
    if fig["verdict"] == "same":
        return "the same in every run"
    if fig["p"] is None:
        return "%+.1f%% (untested: no noise estimate)" % (100 * fig["change"])
    if not fig["significant"]:
        return "~ (p=%.3f, not significant)" % fig["p"]
    return "%+.1f%% (p=%.3f)" % (100 * fig["change"], fig["p"])


def checksums(path):
    sums = set()
    for line in open(path):
        m = re.match(r"^checksum=([0-9a-f]+)$", line.strip())
        if m:
            sums.add(m.group(1))
    return sums


def compare(args):
    c = load(args[0])["compare"]
    old, new = c["old"], c["new"]
    wall = c["totals"]["wall"]
    by = {s["name"]: s for s in c["stages"]}
    f = by.get("features")
    say("%d runs a side, recorded in turns. The wall time: %s -> %s, %s%s." %
        (old["runs"], ms(wall["old"]["median"]), ms(wall["new"]["median"]), verdict(wall),
         ": %.2fx faster" % c["wall_speedup"]
         if wall["significant"] and wall["change"] < 0 else ""))
    if f:
        on = f["oncpu"]
        say("features' self time: %s -> %s, %s%s%s." %
            (ms(f["self"]["old"]["median"]), ms(f["self"]["new"]["median"]), verdict(f["self"]),
             ": %.2fx faster" % f["self_speedup"]
             if f["self"]["significant"] and f["self"]["change"] < 0 else "",
             "; on the CPU, %s -> %s, %s" % (ms(on["old"]["median"]), ms(on["new"]["median"]),
                                           verdict(on)) if on else ""))
    # The untouched stages, by their time on the CPU where it was recorded:
    # their self time also holds the time a busy machine kept them waiting.
    key = "oncpu" if all(by[n]["oncpu"] for n in UNTOUCHED if n in by) else "self"
    what = "on-CPU self time" if key == "oncpu" else "self time"
    same = [n for n in UNTOUCHED if n in by and not by[n][key]["significant"]]
    moved = [n for n in UNTOUCHED if n in by and by[n][key]["significant"]]
    floor = c["method"]["min_change"]
    if same:
        say("The stages the fix did not touch, %s: ~ (no significant change of their %s%s)." %
            (" and ".join([", ".join(same[:-1]), same[-1]] if len(same) > 1 else same), what,
             " of %g%% or more" % (100 * floor) if floor else ""))
    for n in moved:
        say("%s's %s changed too: %s." % (n, what, verdict(by[n][key])))
    for n in same:
        if key == "oncpu" and by[n]["self"]["significant"]:
            say("%s's self time changed (%s) while its time on the CPU did not: time off the"
                " CPU, waiting for it on a busy machine." % (n, verdict(by[n]["self"])))
    if old["bottleneck"] in by and new["bottleneck"] in by:
        say("The bottleneck: %s (%d of %d runs) -> %s (%d of %d runs)." %
            (old["bottleneck"], by[old["bottleneck"]]["old_bottleneck_runs"], old["runs"],
             new["bottleneck"], by[new["bottleneck"]]["new_bottleneck_runs"], new["runs"]))
    else:
        say("No bottleneck on a side: no stage had any self time.")
    sums = checksums(args[1]) | checksums(args[2])
    say("Every run printed checksum=%s: the fix changed the time, not the result." % sums.pop()
        if len(sums) == 1 else "The runs printed different checksums: %s." % " ".join(sorted(sums)))


def program_line(path, prefix):
    for line in open(path):
        if line.startswith(prefix):
            return line.rstrip("\n")
    return None


def snapshot_bytes(r, label):
    return [s for s in r["snapshots"] if s["label"] == label][0]


def collectors(args):
    r = load(args[0])
    m = re.match(r"collectors: (\d+) dict", program_line(args[1], "collectors: ") or "")
    n = int(m.group(1)) if m else 0
    if not n:
        say("The program made no collectors: nothing to compare.")
        return
    a, d, s = (snapshot_bytes(r, x) for x in
               ("collectors:start", "collectors:dict", "collectors:slots"))
    dict_each = (d["live_bytes"] - a["live_bytes"]) / n
    slots_each = (s["live_bytes"] - d["live_bytes"]) / n
    say("By the snapshots, each of the %d hash-map collectors holds %.1f B in %.1f blocks,"
        " each struct %.1f B in %.1f: %s." %
        (n, dict_each, (d["live_blocks"] - a["live_blocks"]) / n, slots_each,
         (s["live_blocks"] - d["live_blocks"]) / n,
         "%.1fx" % (dict_each / slots_each) if slots_each > 0 else "the struct holds nothing"))
    own = program_line(args[1], "collectors: usable bytes each:")
    if own:
        say("The program's own count (malloc_usable_size, so a little more):",
            own[len("collectors: "):] + ".",
            "C structs carry no object header, so the ratio is larger than Python's 2-3x.")


def cache(args):
    r = load(args[0])
    line = program_line(args[1], "cache ")
    held = program_line(args[1], "cache memory:")
    m = re.match(r"cache (\S+): hits=(\d+) misses=(\d+) hit_rate=([0-9.]+)%", line or "")
    grown = sum(x["size_diff"] for x in r["diff"] if x["file"].endswith("/cache.c"))
    blocks = sum(x["count_diff"] for x in r["diff"] if x["file"].endswith("/cache.c"))
    say("cache %s: %s%% of %d lookups hit;" % (m.group(1), m.group(4),
                                               int(m.group(2)) + int(m.group(3))) if m else
        "no cache line;",
        "the program says it holds %s;" % held[len("cache memory: "):] if held else "",
        "the snapshot diff finds %d B more in %d blocks allocated in cache.c." % (grown, blocks))


def main():
    cmds = {"profile": profile, "cost": cost, "stages": stages, "compare": compare,
            "collectors": collectors, "cache": cache}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit("usage: demo_explain.py %s ARGS..." % "|".join(cmds))
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
