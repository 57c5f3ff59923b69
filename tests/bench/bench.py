#!/usr/bin/env python3
"""make bench: what mprof costs, measured against the un-profiled program.

Every variant runs in the same rounds, interleaved, so machine noise hits
them alike; each figure is the median of the rounds. Trace files are written
fresh and the page cache is synced before each profiled run, so one run's
writeback does not throttle the next.

The last section, compare, is not a cost: it checks on this machine what
`mprof-report --compare` promises (an unchanged program is not found
changed in 19 tries of 20; the demo's fix is), which no `make check` may
time.
"""
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

top = os.environ["top_builddir"]
bench = os.path.join(top, "tests", "bench")
report = os.path.join(top, "tools", "mprof-report")
uftrace = os.environ.get("UFTRACE") or shutil.which("uftrace")
heaptrack = os.environ.get("HEAPTRACK") or shutil.which("heaptrack")
libmprof = os.path.join(top, ".libs", "libmprof.so")
n = int(os.environ.get("BENCH_ITERATIONS", "3000000"))
rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
tmp = tempfile.mkdtemp(prefix="mprof-bench.")


def run(argv, env=None, out=subprocess.PIPE):
    """Run argv, return (seconds, stdout)."""
    e = dict(os.environ)
    e.update(env or {})
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=e, stdout=out, stderr=subprocess.PIPE, check=True, text=True)
    return time.perf_counter() - t0, p.stdout


def child_rss_kb(argv):
    """Peak resident memory of running argv, in KiB."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        raise RuntimeError(f"{argv} failed with status {status}")
    return usage.ru_maxrss


def calls_bench():
    trace = os.path.join(tmp, "calls.bin")
    times = {"plain": [], "noop": [], "mprof": [], "uftrace": []}
    calls = None
    for _ in range(rounds):
        for v in ("plain", "noop", "mprof"):
            if v == "mprof" and os.path.exists(trace):
                os.unlink(trace)
            os.sync()
            env = {"MPROF_OUTPUT": trace} if v == "mprof" else None
            t, out = run([os.path.join(bench, "calls-" + v), str(n)], env)
            times[v].append(t)
            calls = int(out.split()[0].split("=")[1])
        if uftrace:
            d = os.path.join(tmp, "uftrace.data")
            shutil.rmtree(d, ignore_errors=True)
            os.sync()
            t, _ = run([uftrace, "record", "-d", d, os.path.join(bench, "calls-noop"), str(n)])
            times["uftrace"].append(t)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    ns = lambda k: (med[k] - med["plain"]) * 1e9 / calls
    print(f"calls workload: {calls} calls per run, {rounds} interleaved rounds (medians)")
    print(f"  plain                 {med['plain']*1e3:9.1f} ms")
    print(f"  no-op hooks           {med['noop']*1e3:9.1f} ms   {ns('noop'):6.1f} ns/call (the instrumentation calls alone)")
    print(f"  mprof                 {med['mprof']*1e3:9.1f} ms   {ns('mprof'):6.1f} ns/call over plain, "
          f"{ns('mprof') - ns('noop'):.1f} ns/call over no-op hooks")
    size = os.path.getsize(trace)
    print(f"  trace                 {size/1e6:9.1f} MB    {size/calls:6.2f} bytes/call (file size, headers included)")
    if "uftrace" in med:
        d = os.path.join(tmp, "uftrace.data")
        usize = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print(f"  uftrace record        {med['uftrace']*1e3:9.1f} ms   {ns('uftrace'):6.1f} ns/call, "
              f"{usize/calls:.2f} bytes/call; mprof's overhead is {ns('mprof')/ns('uftrace'):.2f}x uftrace's")
    else:
        print("  uftrace: not installed, no comparison")
    return trace, calls


def filter_bench(calls):
    """Record-time filters on the calls workload, against the plain build
    and the unfiltered recording in the same interleaved rounds."""
    trace = os.path.join(tmp, "filtered.bin")
    variants = {
        "plain": None,
        "mprof": {},
        "exclude leaf_*": {"MPROF_EXCLUDE": "leaf_*"},
        "max depth 2": {"MPROF_MAX_DEPTH": "2"},
        "min duration 1us": {"MPROF_MIN_DURATION": "1us"},
    }
    times = {k: [] for k in variants}
    sizes = {}
    for _ in range(rounds):
        for k, extra in variants.items():
            if extra is not None and os.path.exists(trace):
                os.unlink(trace)
            os.sync()
            env = None if extra is None else dict(extra, MPROF_OUTPUT=trace)
            prog = "calls-plain" if extra is None else "calls-mprof"
            t, _ = run([os.path.join(bench, prog), str(n)], env)
            times[k].append(t)
            if extra is not None:
                sizes[k] = os.path.getsize(trace)
    med = {k: statistics.median(v) for k, v in times.items()}
    ns = lambda k: (med[k] - med["plain"]) * 1e9 / calls
    print(f"record-time filters: the calls workload, {rounds} interleaved rounds (medians)")
    for k in variants:
        if k == "plain":
            continue
        print(f"  {k:20s}  {med[k]*1e3:9.1f} ms   {ns(k):6.1f} ns/call over plain, "
              f"{sizes[k]/calls:6.2f} bytes/call")


def report_bench(trace, calls):
    events = 2 * calls
    ts = [run([report, "--json", trace])[0] for _ in range(3)]
    t = statistics.median(ts)
    print(f"reporter: {events} events in {t*1e3:.0f} ms = {events/t/1e6:.1f} M events/s")
    # Memory must not grow with events: a trace 4x longer, same functions.
    small = os.path.join(tmp, "small.bin")
    run([os.path.join(bench, "calls-mprof"), str(n // 4)], {"MPROF_OUTPUT": small})
    rss_small = child_rss_kb([report, "--json", small])
    rss_big = child_rss_kb([report, "--json", trace])
    print(f"  peak memory: {rss_small/1024:.1f} MiB for {events//4} events, {rss_big/1024:.1f} MiB for {events} events")
    if uftrace:
        d = os.path.join(tmp, "uftrace.data")
        ut = statistics.median(run([uftrace, "report", "-d", d])[0] for _ in range(3))
        print(f"  uftrace report: {events/ut/1e6:.1f} M events/s (mprof-report is {ut/t:.1f}x faster)")


def alloc_bench():
    """Allocation events: plain, under LD_PRELOAD (libunwind stacks), built
    instrumented (shadow-stack stacks), and heaptrack on the plain binary."""
    its = str(int(os.environ.get("BENCH_ALLOC_ITERATIONS", "200000")))
    trace = os.path.join(tmp, "alloc.bin")
    plain = os.path.join(bench, "alloc-plain")
    variants = {
        "plain": ([plain, its], {}),
        "preload": ([plain, its], {"LD_PRELOAD": libmprof, "MPROF_OUTPUT": trace}),
        "shadow": ([os.path.join(bench, "alloc-instr"), its], {"MPROF_OUTPUT": trace}),
        "calls-only": ([os.path.join(bench, "alloc-instr"), its],
                       {"MPROF_OUTPUT": trace, "MPROF_EVENTS": "calls"}),
    }
    if heaptrack:
        variants["heaptrack"] = ([heaptrack, "-o", os.path.join(tmp, "ht"), plain, its], {})
    times = {k: [] for k in variants}
    sizes = {}
    events = None
    for _ in range(rounds):
        for k, (argv, env) in variants.items():
            for f in os.listdir(tmp):
                if f.startswith("ht") or f == "alloc.bin":
                    os.unlink(os.path.join(tmp, f))
            os.sync()
            t, out = run(argv, env)
            times[k].append(t)
            if k == "plain":
                events = int(out.split("=")[1])
            if k in ("preload", "shadow", "calls-only"):
                sizes[k] = os.path.getsize(trace)
    med = {k: statistics.median(v) for k, v in times.items()}
    ns = lambda k: (med[k] - med["plain"]) * 1e9 / events
    print(f"alloc workload: {events} allocator events per run (4 threads, 16 B-4 KiB, "
          f"1024 live blocks each, 10 frames deep), {rounds} rounds (medians)")
    print(f"  plain                 {med['plain']*1e3:9.1f} ms")
    print(f"  LD_PRELOAD, libunwind {med['preload']*1e3:9.1f} ms   {ns('preload'):6.1f} ns/event, "
          f"{sizes['preload']/events:.1f} bytes/event")
    shadow_ns = ns("shadow") - ns("calls-only")
    shadow_bytes = (sizes["shadow"] - sizes["calls-only"]) / events
    print(f"  instrumented, shadow  {med['shadow']*1e3:9.1f} ms   {shadow_ns:6.1f} ns/event, "
          f"{shadow_bytes:.1f} bytes/event (over the same binary recording calls only: "
          f"{med['calls-only']*1e3:.1f} ms)")
    if heaptrack:
        print(f"  heaptrack             {med['heaptrack']*1e3:9.1f} ms   {ns('heaptrack'):6.1f} ns/event; "
              f"mprof (libunwind) adds {ns('preload')/ns('heaptrack'):.2f}x heaptrack's time per event")
    else:
        print("  heaptrack: not installed, no comparison")


def stages_bench():
    """Recording only stage events, on the demo pipeline: the production
    setting (the plain build, MPROF_EVENTS=stages) against the same binary
    recording nothing (MPROF_DISABLE=1; the in-process stage metrics run in
    both)."""
    demo = os.path.join(top, "pipeline-demo", "pipeline-plain")
    trace = os.path.join(tmp, "stages.bin")
    args = [demo, "--records", os.environ.get("BENCH_DEMO_RECORDS", "2000000"),
            "--collectors", "0", "--quiet"]
    variants = {"off": {"MPROF_DISABLE": "1"},
                "stages": {"MPROF_EVENTS": "stages", "MPROF_OUTPUT": trace}}
    times = {k: [] for k in variants}
    for _ in range(max(rounds, 7)):
        for k, env in variants.items():
            if os.path.exists(trace):
                os.unlink(trace)
            times[k].append(run(args, env)[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"stages: the demo pipeline ({args[2]} records, batches of 256), plain build, "
          f"{len(times['off'])} rounds (medians)")
    print(f"  recording nothing     {med['off']*1e3:9.1f} ms")
    print(f"  recording stages      {med['stages']*1e3:9.1f} ms   "
          f"{(med['stages'] / med['off'] - 1) * 100:+.1f}% of the run time "
          f"({os.path.getsize(trace) / 1e3:.0f} kB of trace)")


def probe_bench():
    """How close the probe compensation comes to the truth: a function that
    busy-waits for a time it measures itself (tests/integ/progs/spin.c),
    calling a million tiny children in between; its reported self time
    against its own measurement. Was `make check`'s calls-probe.sh (within
    3%); a measurement on a shared machine, so it lives here."""
    spin = os.path.join(top, "tests", "integ", "progs", "spin")
    trace = os.path.join(tmp, "spin.bin")
    errs = []
    for _ in range(rounds):
        if os.path.exists(trace):
            os.unlink(trace)
        _, out = run([spin, "2000", "500"], {"MPROF_OUTPUT": trace})
        truth = dict(kv.split("=") for kv in out.split())
        _, js = run([report, "--json", trace])
        fns = {f["function"]: f for f in json.loads(js)["functions"]}
        spun = int(truth["spinner_spin_ns"])
        errs.append((fns["spinner"]["self_ns"] - spun) / spun)
    print(f"probe compensation: spinner self time vs its own clock, {truth['child_calls']} child "
          f"calls, {rounds} rounds")
    print(f"  relative error        median {statistics.median(errs) * 100:+.2f}%, "
          f"range {min(errs) * 100:+.2f}% to {max(errs) * 100:+.2f}%")


def switches_bench():
    """What recording off-CPU time costs where it costs: a context switch of
    a recording thread (the kernel schedules its perf event; the next hook
    reads the thread's clocks). Two threads hand a token back and forth
    (tests/bench/switches.c); the same instrumented binary with and without
    MPROF_OFFCPU, against the plain one."""
    trace = os.path.join(tmp, "switches.bin")
    handoffs_arg = os.environ.get("BENCH_HANDOFFS", "20000")
    variants = {"plain": ("switches-plain", None),
                "nooff": ("switches-mprof", {"MPROF_OFFCPU": "0", "MPROF_OUTPUT": trace}),
                "offcpu": ("switches-mprof", {"MPROF_OFFCPU": "1", "MPROF_OUTPUT": trace})}
    times = {k: [] for k in variants}
    handoffs = None
    for _ in range(max(rounds, 7)):
        for k, (prog, env) in variants.items():
            if os.path.exists(trace):
                os.unlink(trace)
            t, out = run([os.path.join(bench, prog), handoffs_arg], env)
            times[k].append(t)
            handoffs = int(out.split("=")[1])
    med = {k: statistics.median(v) for k, v in times.items()}
    us = lambda k: (med[k] - med["plain"]) * 1e6 / handoffs
    print(f"switches: {handoffs} hand-offs between two threads (2 context switches each), "
          f"{len(times['plain'])} rounds (medians)")
    print(f"  plain                 {med['plain']*1e3:9.1f} ms   "
          f"{med['plain'] * 1e6 / handoffs:6.2f} us/hand-off")
    print(f"  mprof, MPROF_OFFCPU=0 {med['nooff']*1e3:9.1f} ms   {us('nooff'):+6.2f} us/hand-off over plain")
    print(f"  mprof, off-CPU        {med['offcpu']*1e3:9.1f} ms   {us('offcpu'):+6.2f} us/hand-off over plain, "
          f"{us('offcpu') - us('nooff'):+.2f} us for recording the switches")


# --compare: what `mprof-report --compare` must get right on a real machine,
# and what `make check` must not time. The demo pipeline, one worker, run
# briefly; the same command on both sides of the null test.
compare_tries = max(1, int(os.environ.get("MPROF_BENCH_COMPARE_TRIES", "20")))
compare_runs = max(2, int(os.environ.get("MPROF_BENCH_COMPARE_RUNS", "10")))
compare_instr_tries = max(1, int(os.environ.get("MPROF_BENCH_COMPARE_INSTR_TRIES",
                                                str(compare_tries))))
compare_speedup_tries = max(1, int(os.environ.get("MPROF_BENCH_COMPARE_SPEEDUP_TRIES", "5")))
compare_args = ["--records", os.environ.get("MPROF_BENCH_COMPARE_RECORDS", "100000"),
                "--workers", "1", "--cache", "lru:112", "--collectors", "0", "--quiet"]
mprof = os.path.join(top, "tools", "mprof")


def stats_alpha():
    """STATS_ALPHA of tools/stats.h: the comparison's false discovery rate."""
    with open(os.path.join(os.environ.get("top_srcdir", "."), "tools", "stats.h")) as f:
        for line in f:
            m = re.match(r"#define STATS_ALPHA\s+([0-9.]+)", line)
            if m:
                return float(m.group(1))
    raise RuntimeError("tools/stats.h: no STATS_ALPHA")


design_alpha = stats_alpha()


def record_sets(sides, runs, what):
    """Record `runs` runs of each side's command in turns, with `mprof record
    --repeat 1 --append`: sets recorded one after the other (--repeat N)
    would see a slow drift of the machine differ between the sides as much
    as a change of the code. The order within each round alternates (ABBA),
    so that neither side is always the one run first. `sides` maps a
    directory to its command; `what` the mprof record options of the
    events."""
    dirs = list(sides)
    for k in range(1, runs + 1):
        for d in (dirs if k % 2 else dirs[::-1]):
            subprocess.run([mprof, "record", *what, "-q", "--repeat", "1", "--append", "-o", d,
                            "--", *sides[d]], stdout=subprocess.DEVNULL, check=True)


def compare_sets(old, new):
    """`mprof-report --compare old new --json --fail-if-slower 5`: (exit
    status, the compare object)."""
    p = subprocess.run([report, "--compare", old, new, "--json", "--fail-if-slower", "5"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 4):
        raise RuntimeError(f"mprof-report --compare exited {p.returncode}: {p.stderr.strip()}")
    return p.returncode, json.loads(p.stdout)["compare"]


def compare_figures(c):
    """Every figure of a compare object, as (label, figure)."""
    figs = [("wall time", c["totals"]["wall"]), ("self time of all functions", c["totals"]["self"])]
    for s in c["stages"]:
        for k in ("self", "throughput", "latency", "records"):
            figs.append((f"stage {s['name']} {k}", s[k]))
    for fn in c["functions"]:
        for k in ("calls", "self", "cumulative"):
            figs.append((f"{fn['function']} {k}", fn[k]))
    m = c.get("memory")
    if m:
        for k in ("allocations", "bytes", "peak_bytes", "leaked_bytes"):
            figs.append((f"memory {k}", m[k]))
        for site in m["sites"]:
            for k in ("allocations", "bytes", "leaked_bytes"):
                figs.append((f"site {site['site']} {k}", site[k]))
    return figs


def record_repeat(sides, runs, what):
    """Record the sides as a user does: `mprof record --repeat`, one set
    after the other."""
    for d, argv in sides.items():
        subprocess.run([mprof, "record", *what, "--repeat", str(runs), "-q", "-o", d, "--", *argv],
                       stdout=subprocess.DEVNULL, check=True)


def compare_null(label, prog, what, tries, record=record_sets, judged=True):
    """The null test: two sets of runs of one unchanged program, `tries`
    times. The issue asks that the gate pass, and no figure be marked
    significant, in at least 19 tries of 20."""
    argv = [os.path.join(top, "pipeline-demo", prog), *compare_args, "--window-sum", "naive"]
    gate_failed, marked, tested, alarms = 0, [], [], 0
    for i in range(1, tries + 1):
        a, b = os.path.join(tmp, f"null{i}a"), os.path.join(tmp, f"null{i}b")
        record({a: argv, b: argv}, compare_runs, what)
        rc, c = compare_sets(a, b)
        gate_failed += rc == 4
        alarms += rc == 4 or c["method"]["significant"] > 0
        tested.append(c["method"]["figures_tested"])
        sig = [(name, f) for name, f in compare_figures(c) if f["significant"]]
        if sig:
            marked.append((i, sig))
        shutil.rmtree(a)
        shutil.rmtree(b)
    allowed = tries // 20
    ok = gate_failed <= allowed and len(marked) <= allowed
    figures = f"{min(tested)}" if min(tested) == max(tested) else f"{min(tested)}-{max(tested)}"
    verdict = (f"{'pass' if ok else 'FAIL'} (at most {allowed} of {tries})" if judged
               else "not judged")
    print(f"  {label:27s} gate failed in {gate_failed} of {tries}, a figure significant in "
          f"{len(marked)} of {tries} ({figures} figures tested): {verdict}")
    for i, sig in marked:
        print(f"    try {i}: " + ", ".join(f"{name} {f['change'] * 100:+.2f}% (p={f['p']:.4f})"
                                            for name, f in sig))
    return ok, alarms


def binom_cdf(k, n, p):
    """P(X <= k) for X binomial(n, p)."""
    return sum(math.comb(n, i) * p**i * (1 - p)**(n - i) for i in range(k + 1))


def rate_interval(k, n):
    """The 95% Clopper-Pearson interval of a rate of k in n."""
    def solve(f, target):  # the p where f, falling from 1 to 0, crosses target
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) > target else (lo, mid)
        return lo
    low = 0.0 if k == 0 else solve(lambda p: binom_cdf(k - 1, n, p), 0.975)
    high = 1.0 if k == n else solve(lambda p: binom_cdf(k, n, p), 0.025)
    return low, high


def compare_speedup(tries):
    """The demo's claim: the fix (--window-sum running against naive) is a
    significant speedup of the features stage and of the wall time, the
    stages it does not touch stay "~", and the bottleneck moves."""
    prog = os.path.join(top, "pipeline-demo", "pipeline-plain")
    naive = [prog, *compare_args, "--window-sum", "naive"]
    running = [prog, *compare_args, "--window-sum", "running"]
    wall, feat, wall_sig, feat_sig, bottlenecks = [], [], 0, 0, {}
    untouched, untouched_tries = {}, 0
    stage_names = None
    for i in range(1, tries + 1):
        a, b = os.path.join(tmp, f"fix{i}a"), os.path.join(tmp, f"fix{i}b")
        record_sets({a: naive, b: running}, compare_runs, ["--stages"])
        _, c = compare_sets(a, b)
        stages = {s["name"]: s for s in c["stages"]}
        stage_names = list(stages)
        wall.append(c["wall_speedup"])
        wall_sig += c["totals"]["wall"]["verdict"] == "better"
        feat.append(stages["features"]["self_speedup"])
        feat_sig += stages["features"]["self"]["verdict"] == "better"
        moved = [(name, s["self"]["change"]) for name, s in stages.items()
                 if name != "features" and s["self"]["significant"]]
        untouched_tries += bool(moved)
        for name, change in moved:
            untouched.setdefault(name, []).append(change)
        old, new = c["old"]["bottleneck"], c["new"]["bottleneck"]
        bottlenecks.setdefault((old, new), []).append(
            (stages[old]["old_bottleneck_runs"], stages[new]["new_bottleneck_runs"]))
        shutil.rmtree(a)
        shutil.rmtree(b)
    others = [n for n in stage_names if n != "features"]
    print(f"  the fix, naive -> running window sum, {compare_runs} runs a side interleaved, "
          f"{tries} tries")
    for name, xs, sig in (("wall", wall, wall_sig), ("features self", feat, feat_sig)):
        print(f"  {name + ' speedup':27s} min {min(xs):.2f}x, median {statistics.median(xs):.2f}x, "
              f"max {max(xs):.2f}x; significant in {sig} of {tries}")
    print(f"  {'untouched stages self':27s} ({', '.join(others)}) significant in "
          f"{untouched_tries} of {tries} tries"
          + "".join(f"; {n}: " + ", ".join(f"{x * 100:+.1f}%" for x in xs)
                    for n, xs in untouched.items()))
    span = lambda xs: f"{min(xs)}" if min(xs) == max(xs) else f"{min(xs)}-{max(xs)}"
    for (old, new), runs in bottlenecks.items():
        print(f"  {'bottleneck':27s} {old} -> {new} in {len(runs)} of {tries} tries (in "
              f"{span([o for o, _ in runs])} and {span([n for _, n in runs])} of the "
              f"{compare_runs} runs a side)")


def compare_bench():
    t0 = time.monotonic()
    print(f"compare: mprof-report --compare over two sets of {compare_runs} runs of the demo "
          f"pipeline ({' '.join(compare_args)}), interleaved")
    print(f"  the null test: both sides --window-sum naive, unchanged; "
          f"--fail-if-slower 5, the gate's exit status 4")
    ok, plain = compare_null("plain build, stages", "pipeline-plain", ["--stages"], compare_tries)
    instr_ok, instr = compare_null("instrumented, calls+stages", "pipeline",
                                   ["--calls", "--stages"], compare_instr_tries)
    # One 20-try sample is a coarse judge: a false alarm rate of exactly
    # 5% gives 2 or more in 20 a quarter of the time, which is why the
    # comparison's false discovery rate is 1% (tools/stats.h, STATS_ALPHA).
    # The rate itself:
    k, n = plain + instr, compare_tries + compare_instr_tries
    lo, hi = rate_interval(k, n)
    consistent = "consistent with" if lo <= design_alpha else "more than"
    print(f"  {'both builds':27s} a false alarm (gate or figure) in {k} of {n} tries: "
          f"{k / n * 100:.1f}%, 95% interval {lo * 100:.1f}%-{hi * 100:.1f}%, {consistent} "
          f"the {design_alpha * 100:g}% of the design")
    print(f"  {'':27s} (a rate of {design_alpha * 100:g}% keeps to 1 in 20 with "
          f"{binom_cdf(1, 20, design_alpha) * 100:.0f}% chance, one of {k / n * 100:.1f}% with "
          f"{binom_cdf(1, 20, k / n) * 100:.0f}%)")
    ok &= instr_ok
    # The sets --repeat records back to back: the drift of a shared machine
    # between them is a real difference, which interleaving cancels.
    compare_null("plain, --repeat A then B", "pipeline-plain", ["--stages"], compare_tries,
                 record_repeat, judged=False)
    compare_speedup(compare_speedup_tries)
    print(f"  ({time.monotonic() - t0:.0f} s)")
    return ok


def main():
    try:
        trace, calls = calls_bench()
        report_bench(trace, calls)
        probe_bench()
        filter_bench(calls)
        alloc_bench()
        stages_bench()
        switches_bench()
        compare_bench()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
