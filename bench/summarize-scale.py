#!/usr/bin/env python3
"""Prints the scale ratios of bench/scale.sh from its times.tsv and rss.tsv.

Usage: summarize-scale.py RESULTS_DIR
"""
import csv
import json
import math
import sys


def main():
    d = sys.argv[1]
    t = {}
    for row in csv.DictReader(open(f"{d}/times.tsv"), delimiter="\t"):
        t[(int(row["modules"]), row["measure"])] = (float(row["mean_ms"]), float(row["stddev_ms"]))
    rss = {}
    for row in csv.DictReader(open(f"{d}/rss.tsv"), delimiter="\t"):
        rss[(int(row["modules"]), row["command"])] = (int(row["peak_rss_kib"] or 0), int(row["rendered_bytes"]))
    sizes = sorted({n for n, _ in t})
    measures = ["init", "cp-kit", "update-noop", "update-one-file", "update-one-file-cold"]

    print("Mean ± σ in ms")
    print("| modules | " + " | ".join(measures) + " | init RSS (MiB) | rendered (MiB) |")
    print("|---:|" + "---:|" * (len(measures) + 2))
    for n in sizes:
        cells = [f"{t[(n, m)][0]:.1f} ± {t[(n, m)][1]:.1f}" if (n, m) in t else "" for m in measures]
        r = rss.get((n, "init"))
        cells += [f"{r[0] / 1024:.1f}", f"{r[1] / 1048576:.1f}"] if r else ["", ""]
        print(f"| {n} | " + " | ".join(cells) + " |")

    def ratio(a, b, k=1.0):
        (ma, sa), (mb, sb) = a, b
        r = ma / (k * mb)
        return r, r * math.sqrt((sa / ma) ** 2 + (sb / mb) ** 2)

    out = []
    big = max(sizes)

    def row(name, goal, ok, a, b, k=1.0):
        if a is None or b is None:
            return
        r, s = ratio(a, b, k)
        out.append({"ratio": name, "goal": goal, "value": round(r, 3), "stddev": round(s, 3), "met": ok(r)})
        print(f"| {name} | {goal} | {r:.2f} ± {s:.2f} {'✓' if ok(r) else '✗'} |")

    print()
    print("| ratio (of means, ± propagated σ) | goal | value |")
    print("|---|---|---|")
    row(f"update one-file / update no-op ({big} modules)", "≤ 3", lambda r: r <= 3,
        t.get((big, "update-one-file")), t.get((big, "update-noop")))
    if 40 in sizes:
        row(f"update no-op {big} / update no-op 40", "≤ 2", lambda r: r <= 2,
            t.get((big, "update-noop")), t.get((40, "update-noop")))
    if 160 in sizes and 640 in sizes:
        row("init 640 / (4 × init 160)", "≤ 1.05", lambda r: r <= 1.05,
            t.get((640, "init")), t.get((160, "init")), 4.0)
    for n in sizes:
        row(f"init / cp -r kit+.ispo ({n} modules)", "≤ 3 (40 modules)", lambda r: r <= 3,
            t.get((n, "init")), t.get((n, "cp-kit")))
    for n in sizes:
        r = rss.get((n, "init"))
        if r:
            kib, b = r
            over = kib * 1024 - 2 * b
            print(f"| init peak RSS − 2 × rendered bytes ({n} modules) | a constant | {over / 1048576:.1f} MiB |")
            out.append({"ratio": f"rss_minus_2x_rendered_{n}", "value_mib": round(over / 1048576, 2)})
    json.dump(out, open(f"{d}/summary.json", "w"), indent=2)


if __name__ == "__main__":
    main()
