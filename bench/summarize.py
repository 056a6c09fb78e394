#!/usr/bin/env python3
"""Print and save the ratios from a hyperfine JSON export and peak-RSS figures.

    summarize.py HYPERFINE_JSON RSS_TSV OUT_JSON

RSS_TSV has lines `name<TAB>max_rss_kb`. Names must match hyperfine's command names.
"""

import json
import sys

ISPO, COPIER, CARGO, CP, CP_FULL = "ispo init", "copier copy", "cargo generate", "cp -r kit", "cp -r kit+.ispo"

# Goals from the issue: ispo >= 3x faster than cargo-generate, >= 30x faster than
# Copier, and within 1.5x of `cp -r` of its own rendered output.
GOALS = [
    (f"{CARGO} / {ISPO}", CARGO, ISPO, ">=", 3.0),
    (f"{COPIER} / {ISPO}", COPIER, ISPO, ">=", 30.0),
    (f"{ISPO} / {CP}", ISPO, CP, "<=", 1.5),
    (f"{ISPO} / {CP_FULL}", ISPO, CP_FULL, "<=", 1.5),
]


def main():
    hf, rss_path, out_path = sys.argv[1:4]
    with open(hf) as f:
        results = {r["command"]: r for r in json.load(f)["results"]}
    rss = {}
    with open(rss_path) as f:
        for line in f:
            name, kb = line.rstrip("\n").split("\t")
            rss[name] = int(kb) if kb.isdigit() else None

    print(f"  {'command':<18} {'mean':>10} {'± σ':>9} {'median':>10} {'min':>9} {'user':>9} {'sys':>9} {'peak RSS':>10}")
    rows = {}
    for name, r in results.items():
        ms = lambda s: s * 1000.0
        rows[name] = {
            "mean_ms": ms(r["mean"]), "stddev_ms": ms(r["stddev"]), "median_ms": ms(r["median"]),
            "min_ms": ms(r["min"]), "max_ms": ms(r["max"]), "user_ms": ms(r["user"]), "system_ms": ms(r["system"]),
            "runs": len(r["times"]), "max_rss_kb": rss.get(name),
        }
        x = rows[name]
        rss_txt = f"{x['max_rss_kb'] / 1024:.1f} MiB" if x["max_rss_kb"] else "?"
        print(f"  {name:<18} {x['mean_ms']:>8.1f}ms {x['stddev_ms']:>7.1f}ms {x['median_ms']:>8.1f}ms {x['min_ms']:>7.1f}ms"
              f" {x['user_ms']:>7.1f}ms {x['system_ms']:>7.1f}ms {rss_txt:>10}")

    print()
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
        print(f"  {label:<30} {ratio:7.2f} ± {sigma:5.2f}  (medians: {med:6.2f})   goal {op} {goal:<4}  {'met' if met else 'MISSED'}")

    with open(out_path, "w") as f:
        json.dump({"commands": rows, "ratios": ratios}, f, indent=2)


if __name__ == "__main__":
    main()
