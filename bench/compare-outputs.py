#!/usr/bin/env python3
"""Check that every tool rendered the same kit.

    compare-outputs.py EXPECTED NAME=DIR [NAME=DIR ...]

For each DIR, counts files and bytes and compares every file of EXPECTED byte for
byte. Files a tool adds beyond EXPECTED (ispo's README.md, SOURCES.md,
ispo-answers.toml and .ispo/ state) are listed as extras, not errors. Exit status 1
if any expected file is missing or differs.
"""

import os
import sys


def tree(root):
    out = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".git"]
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = p
    return out


def main():
    expected_root = sys.argv[1]
    expected = tree(expected_root)
    exp_bytes = sum(os.path.getsize(p) for p in expected.values())
    print(f"  {'output':<22} {'files':>6} {'bytes':>10}   {'same as expected':>16}   extras")
    print(f"  {'(expected)':<22} {len(expected):>6} {exp_bytes:>10}")
    ok = True
    for arg in sys.argv[2:]:
        name, root = arg.split("=", 1)
        got = tree(root)
        same = 0
        bad = []
        for rel, p in expected.items():
            q = got.get(rel)
            if q is None:
                bad.append(f"missing {rel}")
                continue
            with open(p, "rb") as a, open(q, "rb") as b:
                if a.read() == b.read():
                    same += 1
                else:
                    bad.append(f"differs {rel}")
        extras = sorted(rel for rel in got if rel not in expected)
        extra_top = sorted({r.split(os.sep)[0] + ("/" if os.sep in r else "") for r in extras})
        all_bytes = sum(os.path.getsize(p) for p in got.values())
        print(f"  {name:<22} {len(got):>6} {all_bytes:>10}   {same:>7}/{len(expected):<8}   "
              + (f"{len(extras)} extra files: {', '.join(extra_top)}" if extras else "none"))
        for b in bad[:5]:
            print(f"      {b}")
        if bad:
            ok = False
    if not ok:
        print("OUTPUTS DIFFER: the comparison would not be fair", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
