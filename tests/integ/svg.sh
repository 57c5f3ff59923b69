#!/bin/sh
# The SVG exports (mprof-report --format svg, svg-alloc, svg-timeline): each
# parsed as XML (well-formed, in the SVG namespace) and checked against the
# JSON report of the same trace.
. "$top_srcdir/tests/integ/lib.sh"

cd "$TMP"

# export_to TRACE FORMAT OUT: mprof-report --format FORMAT TRACE > OUT.
export_to()
{
	"$REPORT" --format "$2" "$1" >"$3" || fail "mprof-report --format $2 $1 exited $?"
}

# svg_py SVG JSON PYTHON: evaluate PYTHON with the SVG's root as `svg`, its
# frames as `frames` ((name, value, x, y, width) from each <g class="frame">),
# the JSON report as `r` and fn(name) its function entry; print the result.
svg_py()
{
	python3 - "$1" "$2" "$3" <<'PY'
import json, re, sys
import xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
svg = ET.parse(sys.argv[1]).getroot()
assert svg.tag == NS + "svg", svg.tag
r = json.load(open(sys.argv[2]))
def fn(name):
    return [f for f in r["functions"] if f["function"] == name][0]
frames = []
for g in svg.iter(NS + "g"):
    if g.get("class") != "frame":
        continue
    m = re.match(r"(.*) \(([0-9.]+) (us|bytes), ", g.find(NS + "title").text)
    rect = g.find(NS + "rect")
    frames.append((m.group(1), float(m.group(2)), float(rect.get("x")),
                   float(rect.get("y")), float(rect.get("width"))))
v = eval(sys.argv[3])
print(v if not isinstance(v, bool) else ("true" if v else "false"))
PY
}

# ---------------------------------------------------------------- time
MPROF_OUTPUT=$TMP/fib.bin "$PROGS/fib" 20 10 >fib.out
report_json fib.bin fib.json
# The whole self time (--time wall): its widths are the JSON's times.
"$REPORT" --format svg --time wall fib.bin >fib.svg || fail "mprof-report --format svg --time wall"
check_eq "svg: well-formed, SVG 1.1" "1.1" "$(svg_py fib.svg fib.json 'svg.get("version")')"
check_eq "svg: the first frame is the root" all "$(svg_py fib.svg fib.json 'frames[0][0]')"
check_eq "svg: the root frame is the whole width" 1200.0 "$(svg_py fib.svg fib.json 'frames[0][4]')"
check_eq "svg: the root frame is the total self time (us)" true "$(svg_py fib.svg fib.json '
abs(frames[0][1] * 1000 - sum(f["self_ns"] for f in r["functions"])) <= len(r["functions"]) + 1')"
# main sits on the root; the fib above it is its outermost activation, as
# wide relative to main as fib's cumulative time is to main's.
check_eq "svg: fib's width to main's is its cumulative time to main's (1%)" true "$(svg_py fib.svg fib.json '
(lambda main: (lambda fib: abs(fib[4] / main[4] - fn("fib")["cumulative_ns"] / fn("main")["cumulative_ns"]) <= 0.01)(
    [f for f in frames if f[0] == "fib" and f[3] == main[3] - 16][0]))(
    [f for f in frames if f[0] == "main"][0])')"
check_eq "svg: main's width is its cumulative time (1%)" true "$(svg_py fib.svg fib.json '
abs([f for f in frames if f[0] == "main"][0][1] * 1000 / fn("main")["cumulative_ns"] - 1) <= 0.01')"
check_eq "svg: a callee within its caller's width" true "$(svg_py fib.svg fib.json '
all(any(p[3] == f[3] + 16 and p[2] - 0.02 <= f[2] and f[2] + f[4] <= p[2] + p[4] + 0.02 for p in frames) for f in frames[1:])')"
check_eq "svg: no frame narrower than 0.1%" true "$(svg_py fib.svg fib.json 'all(f[4] >= 1.2 for f in frames)')"
check_eq "svg: fib's colour is the same everywhere" 1 "$(svg_py fib.svg fib.json '
len({g.find(NS + "rect").get("fill") for g in svg.iter(NS + "g") if g.get("class") == "frame" and g.find(NS + "title").text.startswith("fib ")})')"
"$REPORT" --format flamegraph --time wall fib.bin >flamegraph.svg || fail "flamegraph --time wall"
cmp -s fib.svg flamegraph.svg || fail "flamegraph: not the same as svg (or not deterministic)"
# By default, the on-CPU time where the trace recorded off-CPU time.
export_to fib.bin svg oncpu.svg
check_eq "svg: by default the root is the on-CPU time (the whole without off-CPU times)" true "$(svg_py oncpu.svg fib.json '
abs(frames[0][1] * 1000 - sum(f["oncpu_ns" if r["offcpu"]["recorded"] else "self_ns"] for f in r["functions"])) <= len(r["functions"]) + 1')"
check_eq "svg: the title says which time" true "$(svg_py oncpu.svg fib.json '
svg.find(NS + "title").text == ("Flame graph: on-CPU time" if r["offcpu"]["recorded"] else "Flame graph: time")')"

# ------------------------------------------------------------ memory
MPROF_OUTPUT=$TMP/alloc.bin "$PROGS/alloc-instr" sites 3 50 >alloc.out 2>&1
report_json alloc.bin alloc.json
big=$(sed -n 's/^site_big allocations=[0-9]* bytes=\([0-9]*\).*/\1/p' alloc.out)
export_to alloc.bin svg-alloc alloc.svg
check_eq "svg-alloc: the root is the bytes allocated" \
	"$(json alloc.json 'r["memory"]["bytes_allocated"]')" \
	"$(svg_py alloc.svg alloc.json 'int(frames[0][1]) if frames[0][0] == "all" else -1')"
check_eq "svg-alloc: site_big's frames add up to its bytes" "$big" \
	"$(svg_py alloc.svg alloc.json 'int(sum(f[1] for f in frames if f[0] == "site_big"))')"

export_to alloc.bin svg-timeline timeline.svg
check_eq "svg-timeline: the highest point is the peak" \
	"$(json alloc.json 'r["memory"]["peak_bytes"]')" "$(svg_py timeline.svg alloc.json '
max(int(l.split()[1]) for l in svg.find(NS + "metadata").text.split("\n") if l.strip())')"
check_eq "svg-timeline: the line ends with the bytes leaked" \
	"$(json alloc.json 'r["memory"]["leaked_bytes"]')" "$(svg_py timeline.svg alloc.json '
[int(l.split()[1]) for l in svg.find(NS + "metadata").text.split("\n") if l.strip()][-1]')"
check_eq "svg-timeline: the line reaches the top of the bytes drawn at the peak" true "$(svg_py timeline.svg alloc.json '
(lambda pts, ys: min(ys) == min(float(p.split(",")[1]) for p in pts))(
    svg.find(NS + "polyline").get("points").split(),
    [float(p.split(",")[1]) for p in svg.find(NS + "polygon").get("points").split()])')"
check_eq "svg-timeline: one marker per snapshot, labeled" \
	"$(json alloc.json '" ".join(s["label"] for s in r["snapshots"])')" \
	"$(svg_py timeline.svg alloc.json '" ".join(g.find(NS + "text").text for g in svg.iter(NS + "g") if g.get("class") == "snapshot")')"
MPROF_OUTPUT=$TMP/snap.bin "$PROGS/alloc-instr" snapshot 6000 >snap.out 2>&1
report_json snap.bin snap.json
export_to snap.bin svg-timeline snap.svg
check_eq "svg-timeline: the program's snapshots are markers too" \
	"$(json snap.json 'len(r["snapshots"])')" \
	"$(svg_py snap.svg snap.json 'sum(1 for g in svg.iter(NS + "g") if g.get("class") == "snapshot")')"
check_eq "svg-timeline: the snapshots before and after" "true" \
	"$(svg_py snap.svg snap.json '{"before", "after"} <= {g.find(NS + "text").text for g in svg.iter(NS + "g") if g.get("class") == "snapshot"}')"
# Downsampled: fewer points than events, at most the buckets, the peak kept.
check_eq "svg-timeline: downsampled to at most 2002 points" true "$(svg_py snap.svg snap.json '
2 < len([l for l in svg.find(NS + "metadata").text.split("\n") if l.strip()]) <= min(2002, r["memory"]["allocations"])')"
check_eq "svg-timeline: downsampled, the peak kept" "$(json snap.json 'r["memory"]["peak_bytes"]')" \
	"$(svg_py snap.svg snap.json 'max(int(l.split()[1]) for l in svg.find(NS + "metadata").text.split("\n") if l.strip())')"

# A trace without memory events: still SVG, with nothing to draw.
MPROF_EVENTS=calls MPROF_OUTPUT=$TMP/calls.bin "$PROGS/fib" 12 4 >calls.out
report_json calls.bin calls.json
check_eq "a trace of calls only has no memory report" false "$(json calls.json '"memory" in r')"
export_to calls.bin svg-timeline empty.svg
check_eq "svg-timeline without memory events: well-formed, no marker" 0 \
	"$(svg_py empty.svg calls.json 'sum(1 for g in svg.iter(NS + "g") if g.get("class") == "snapshot")')"
export_to calls.bin svg-alloc empty-alloc.svg
check_eq "svg-alloc without memory events: well-formed, no frame" 0 \
	"$(svg_py empty-alloc.svg calls.json 'len(frames)')"

# Text is escaped: a trace path with XML's special characters, in every SVG.
cp alloc.bin "a&b<'c'>\"d.bin"
for f in svg svg-alloc svg-timeline; do
	export_to "a&b<'c'>\"d.bin" $f special.svg
	check_eq "$f: the path escaped, read back" true "$(svg_py special.svg alloc.json '
any(t.text and "a&b<\x27c\x27>\"d.bin" in t.text for t in svg.iter(NS + "text"))')"
done

# ------------------------------------------------------------ html
# The demo pipeline has it all: calls, allocations, snapshots, stages.
MPROF_OUTPUT=$TMP/pipe.bin "$top_builddir/pipeline-demo/pipeline" --records 2000 \
	--collectors 100 >pipe.out 2>&1 || fail "pipeline exited $?"
report_json pipe.bin pipe.json
export_to pipe.bin html pipe.html
# Each check prints "ok: html: WHAT" or "FAIL: html: WHAT (what was seen)".
python3 - pipe.html pipe.json <<'PY' || fail "html: the checks marked FAIL above"
import json, re, sys
from html.parser import HTMLParser
import xml.etree.ElementTree as ET
r = json.load(open(sys.argv[2]))
text = open(sys.argv[1]).read()
failed = 0

def check(what, ok, seen=""):
    global failed
    print(("ok: html: %s" % what) if ok else ("FAIL: html: %s (%s)" % (what, seen)))
    failed += not ok

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.tags, self.fetch, self.cells, self.row = set(), [], [], [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        for k in ("src", "href", "xlink:href", "srcset", "action"):
            if k in a:
                self.fetch.append((tag, k))
        if tag == "tr":
            self.row = []
        if tag == "td" and self.row is not None:
            self.row.append("")
    def handle_endtag(self, tag):
        if tag == "tr" and self.row:
            self.cells.append(self.row)
            self.row = None
    def handle_data(self, d):
        if self.row:
            self.row[-1] += d

p = Page()
p.feed(text)
want = {"summary", "functions", "flame", "flame-alloc", "timeline", "stages", "snapshots"}
check("every section", want <= p.ids, "missing %s" % sorted(want - p.ids))
check("nothing fetched (no src, href, srcset, action)", not p.fetch, p.fetch[:5])
check("no script", "script" not in p.tags)
check("no stylesheet link", "link" not in p.tags)
check("no @import", "@import" not in text)
check("no url()", "url(" not in text)
check("three inline SVG charts", p.tags.count("svg") == 3, "%d" % p.tags.count("svg"))
# Each inline SVG is well-formed XML on its own.
for i, part in enumerate(text.split("<svg ")[1:]):
    try:
        ET.fromstring("<svg " + part.split("</svg>")[0] + "</svg>")
        check("inline SVG %d well-formed" % (i + 1), True)
    except ET.ParseError as e:
        check("inline SVG %d well-formed" % (i + 1), False, e)
# main's row: its calls and cumulative time as the JSON report says.
main = [f for f in r["functions"] if f["function"] == "main"][0]
rows = [c for c in p.cells if c and c[-1].endswith("(main)")]
check("a row for main", len(rows) == 1, "%d rows" % len(rows))
if rows:
    row = rows[0]
    check("main's calls", int(row[0]) == main["calls"], "%s, JSON %d" % (row[0], main["calls"]))
    # The table's unit, named in the sentence above it, as the text report's.
    m = re.search(r"Times in [a-z]+ \((s|ms|us|ns)\)\.", text)
    check("the unit of the table named", m is not None)
    ns = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1}[m.group(1) if m else "s"]
    # cumtime follows the on-CPU and off-CPU splits of tottime, if any
    ci = 5 if "<th>oncpu</th>" in text else 3
    check("main's cumulative time",
          abs(float(row[ci]) * ns - main["cumulative_ns"]) <= 0.0005 * ns + 0.001,
          "%s %s, JSON %d ns" % (row[ci], m.group(1) if m else "?", main["cumulative_ns"]))
# One row per snapshot, one per stage, the bottleneck named.
labels = {s["label"] for s in r["snapshots"]}
snaps = [c for c in p.cells if len(c) == 6 and c[0].split(" ")[0] in labels]
check("one row per snapshot", len(snaps) == len(r["snapshots"]),
      "%d rows, %d snapshots" % (len(snaps), len(r["snapshots"])))
names = {s["name"] for s in r["stages"]}
stages = [c for c in p.cells if len(c) == 8 and c[0] in names]
check("one row per stage", len(stages) == len(r["stages"]),
      "%d rows, %d stages" % (len(stages), len(r["stages"])))
check("the bottleneck named", ("<b>%s</b>" % r["bottleneck"]) in text, r["bottleneck"])
sys.exit(1 if failed else 0)
PY

# In headless Chromium: no console message, and a screenshot that is not blank.
if have chromium; then
	mkdir profile
	timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TMP/profile" --enable-logging=stderr --v=0 \
		--screenshot="$TMP/pipe.png" --window-size=1200,900 "file://$TMP/pipe.html" \
		>chromium.out 2>chromium.err || fail "chromium exited $?: $(tail -3 chromium.err)"
	if grep ':CONSOLE' chromium.err; then
		fail "html: console messages in chromium"
	fi
	echo "ok: html: no console message in chromium"
	check_eq "html: the screenshot is not blank (many colours)" true "$(python3 - pipe.png <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, head = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        head = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype = head[:4]
assert depth == 8 and ctype in (2, 6), head
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, i = bytearray(stride), set(), 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    colours.update(bytes(line[x:x + bpp]) for x in range(0, stride, bpp * 7))
print("true" if len(colours) > 20 else "false %d" % len(colours))
PY
)"
else
	skip_part "chromium is not installed: the html page is not loaded in a browser"
fi
pass
