#!/usr/bin/env python3
"""Print and save the figures and goal ratios of bench/update.sh.

    summarize-update.py RESULTS_DIR

Reads update.json, noop.json, noop-copier.json and breakdown.json (the last two
optional; hyperfine exports) and
rss.tsv (`name<TAB>max_rss_kb`) from RESULTS_DIR; writes RESULTS_DIR/summary.json.
"""

import json
import os
import sys

UPD, UPD_PATH, COPIER = "ispo update", "ispo update (path catalog)", "copier update"
NOOP, NOOP_PATH, FETCH_READ = "ispo update (no-op)", "ispo update (no-op, path catalog)", "git fetch + read kit"

# Goals from the issue: ispo update at least 40x faster than copier update, and a
# no-op update costs no more than one fetch round-trip plus reading the kit.
GOALS = [
    (f"{COPIER} / {UPD}", COPIER, UPD, ">=", 40.0),
    (f"{COPIER} / {UPD_PATH}", COPIER, UPD_PATH, ">=", 40.0),
    (f"{NOOP} / ({FETCH_READ})", NOOP, FETCH_READ, "<=", 1.0),
    (f"{NOOP_PATH} / ({FETCH_READ})", NOOP_PATH, FETCH_READ, "<=", 1.0),
]


def load(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


def row(r, rss_kb):
    ms = lambda s: s * 1000.0
    return {
        "mean_ms": ms(r["mean"]), "stddev_ms": ms(r["stddev"]), "median_ms": ms(r["median"]),
        "min_ms": ms(r["min"]), "max_ms": ms(r["max"]), "user_ms": ms(r["user"]), "system_ms": ms(r["system"]),
        "runs": len(r["times"]), "max_rss_kb": rss_kb,
    }


def table(title, results, rss):
    rows = {}
    print(f"  {title:<36} {'mean':>10} {'± σ':>9} {'median':>10} {'min':>9} {'user':>9} {'sys':>9} {'runs':>5} {'peak RSS':>10}")
    for name, r in results.items():
        x = rows[name] = row(r, rss.get(name))
        rss_txt = f"{x['max_rss_kb'] / 1024:.1f} MiB" if x["max_rss_kb"] else ""
        print(f"  {name:<36} {x['mean_ms']:>8.1f}ms {x['stddev_ms']:>7.1f}ms {x['median_ms']:>8.1f}ms {x['min_ms']:>7.1f}ms"
              f" {x['user_ms']:>7.1f}ms {x['system_ms']:>7.1f}ms {x['runs']:>5} {rss_txt:>10}")
    print()
    return rows


def main():
    d = sys.argv[1]
    update = load(os.path.join(d, "update.json"))
    noop = load(os.path.join(d, "noop.json"))
    noop.update(load(os.path.join(d, "noop-copier.json")))
    breakdown = load(os.path.join(d, "breakdown.json"))
    rss = {}
    p = os.path.join(d, "rss.tsv")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                name, kb = line.rstrip("\n").split("\t")
                rss[name] = int(kb) if kb.isdigit() else None

    out = {"update": table("update v1 -> v2", update, rss), "noop": table("no-op update", noop, rss)}
    results = {**update, **noop}
    ratios = []
    for label, a, b, op, goal in GOALS:
        if a not in results or b not in results:
            continue
        ra, rb = results[a], results[b]
        ratio = ra["mean"] / rb["mean"]
        # Propagated σ of a ratio of two independent means.
        sigma = ratio * ((ra["stddev"] / ra["mean"]) ** 2 + (rb["stddev"] / rb["mean"]) ** 2) ** 0.5
        med = ra["median"] / rb["median"]
        met = ratio >= goal if op == ">=" else ratio <= goal
        ratios.append({"ratio": label, "mean_ratio": ratio, "sigma": sigma, "median_ratio": med, "goal": f"{op} {goal}", "met": met})
        print(f"  {label:<58} {ratio:7.2f} ± {sigma:5.2f}  (medians: {med:6.2f})   goal {op} {goal:<4}  {'met' if met else 'MISSED'}")
    out["ratios"] = ratios

    print()
    if COPIER in results:
        c = results[COPIER]["mean"] * 1000
        print(f"  40x Copier here means ispo update <= {c / 40:.0f} ms (copier update: {c:.0f} ms; on the planned machine, ~4800 ms -> 120 ms)")
    if FETCH_READ in results:
        for n in (NOOP, NOOP_PATH):
            if n in results:
                extra = (results[n]["mean"] - results[FETCH_READ]["mean"]) * 1000
                print(f"  {n} costs {extra:+.1f} ms beyond one local fetch plus reading the kit")

    if breakdown:
        print()
        out["breakdown"] = table("ispo update variants", breakdown, {})
        m = lambda n: breakdown[n]["mean"] * 1000 if n in breakdown else None
        diffs = [
            ("fetching v2 (file://, git fetch)", "ispo update", "ispo update --offline (v2 in cache)"),
            ("fetching v2, without writes", "ispo update --dry-run", "ispo update --dry-run --offline"),
            ("writing (lock, git clean check, kit files, new base, state)", "ispo update", "ispo update --dry-run"),
            ("the git clean check of the kit", "ispo update", "ispo update (kit not in git)"),
        ]
        out["differences_ms"] = {}
        for label, a, b in diffs:
            if m(a) is not None and m(b) is not None:
                out["differences_ms"][label] = m(a) - m(b)
                print(f"  {label:<62} ~{m(a) - m(b):6.1f} ms  ({a} - {b})")

    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
