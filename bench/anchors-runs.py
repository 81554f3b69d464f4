#!/usr/bin/env python3
"""anchors-runs.py: several bench/load.sh anchors runs side by side, and their medians per variant.

Each argument is LABEL=WORK, the WORK directory of one `bench/load.sh` run (its results.tsv). Runs with the same
label are one variant (for example the same build with and without a PRODUCT_ENV setting, run alternately). For
every case it prints EdgeCache's req/s over each anchor's and its CPU per request over nginx's, per run, then the
median per variant: the figure issue 20 asks for ("median of three runs; report all three").

Usage: bench/anchors-runs.py new=/tmp/w1 old=/tmp/w2 new=/tmp/w3 old=/tmp/w4 new=/tmp/w5
"""
import statistics
import sys

ANCHORS = ["nginx", "varnish", "yarp", "ceiling"]


def read(work):
    rows = {}
    for line in open(f"{work}/results.tsv"):
        p = line.rstrip("\n").split("\t")
        if len(p) < 10:
            continue
        # "1k c32 r1" and "1k c32 r2" are repeats of one case
        case = p[1].rsplit(" r", 1)[0] if p[1].startswith("1k c") and " r" in p[1] else p[1]
        rows.setdefault((p[0], case), []).append((float(p[2]), float(p[5])))
    return {k: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}


def ratios(data, case):
    e = data.get(("edgecache", case))
    if not e or e[0] <= 0:
        return None
    out = [e[0] / data[(a, case)][0] if (a, case) in data and data[(a, case)][0] > 0 else None for a in ANCHORS]
    n = data.get(("nginx", case))
    out.append(e[1] / n[1] if n and n[1] > 0 else None)
    out.append(e[1])
    return out


def fmt(values):
    return " | ".join("-" if v is None else f"{v:.2f}" for v in values[:-1]) + f" | {values[-1]:.1f}"


def main(args):
    runs = []
    for arg in args:
        label, _, work = arg.partition("=")
        runs.append((label, work, read(work)))
    cases = []
    for _, _, data in runs:
        for _, case in data:
            if case not in cases:
                cases.append(case)
    header = "| case | run | " + " | ".join(f"vs {a}" for a in ANCHORS) + " | CPU vs nginx | CPU µs |"
    rule = "|---|---|" + "---:|" * (len(ANCHORS) + 2)
    print(header)
    print(rule)
    for case in cases:
        for label, work, data in runs:
            r = ratios(data, case)
            if r:
                print(f"| {case} | {label} ({work.rsplit('/', 1)[-1]}) | {fmt(r)} |")
    print("\nMedians per variant\n")
    print(header.replace("| run |", "| variant (runs) |"))
    print(rule)
    for case in cases:
        for label in dict.fromkeys(label for label, _, _ in runs):
            rs = [r for r in (ratios(d, case) for l, _, d in runs if l == label) if r]
            if rs:
                med = [statistics.median(v for v in col if v is not None) if any(v is not None for v in col) else None for col in zip(*rs)]
                print(f"| {case} | {label} ({len(rs)}) | {fmt(med)} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1:])
