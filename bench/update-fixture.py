#!/usr/bin/env python3
"""The edits of the update benchmark (bench/update.sh), applied the same way to
every template format and to the expected output.

    update-fixture.py v1 IN            make IN (from gen-synthetic.py) ready for updates:
                                       Copier answers-file template, tag v1 in both templates
    update-fixture.py upstream IN      catalog v2: change the first section of every
                                       module's FIRST file, in both templates; commit, tag v2;
                                       write IN/expected-v2/ (the v2 render, no local edits)
    update-fixture.py local DIR        the two local edits, in a rendered kit / project
    update-fixture.py check EXPECTED NAME=DIR ...
                                       after an update: every DIR holds EXPECTED's files
                                       byte for byte (compare-outputs.py), and the counts
                                       the benchmark promises (40 files with the v2
                                       section, both local edits kept, no conflict markers)

The upstream change is plain Markdown text (a heading renamed and a paragraph
added under it, near the top of the file), so it reads the same in Handlebars,
Jinja and in the rendered output. The local edits add a paragraph at the very
end of two files, far from the upstream change:

    m01/file1.md   changed upstream too: a real three-way merge
    m02/file3.md   not changed upstream: the local file must be kept as is
"""

import os
import subprocess
import sys

V2_MARK = "UPSTREAM-V2:"
V2_PARAGRAPH = (V2_MARK + " this section was rewritten in catalog version 2. Teams now agree on a "
                "review window before the first contribution, and the host team publishes it in the README.\n\n")
LOCAL_MARK = "LOCAL-EDIT:"
LOCAL_EDITS = {
    "m01/file1.md": LOCAL_MARK + " our pilot teams also meet every second Tuesday (added by the ISPO, not from the catalog).\n",
    "m02/file3.md": LOCAL_MARK + " ask Dana in the platform team before changing this (added by the ISPO).\n",
}
CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")
COPIER_ANSWERS_TEMPLATE = "template/{{ _copier_conf.answers_file }}.jinja"

GIT_ENV = dict(os.environ, GIT_AUTHOR_DATE="2025-02-01T00:00:00Z", GIT_COMMITTER_DATE="2025-02-01T00:00:00Z")


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@x", "-c", "commit.gpgsign=false",
                    "-c", "tag.gpgsign=false", *args], cwd=root, check=True, env=GIT_ENV,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read(p):
    with open(p, encoding="utf-8", newline="") as f:
        return f.read()


def write(p, s):
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write(s)


def upstream_change(text):
    """Rename the first `## ` heading and add a paragraph under it."""
    i = text.index("\n## ") + 1
    j = text.index("\n", i)
    heading = text[i:j]
    if text[j:j + 2] != "\n\n":
        sys.exit(f"unexpected layout after heading {heading!r}")
    return text[:i] + heading + " (revised)\n\n" + V2_PARAGRAPH + text[j + 2:]


def first_files(root, suffix=""):
    """Every module's file1.md under root (rendered layout m01/file1.md + suffix)."""
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            if f == "file1.md" + suffix:
                out.append(os.path.join(d, f))
    return sorted(out)


def cmd_v1(inp):
    # Copier writes .copier-answers.yml (which `copier update` needs) only if the
    # template has this file.
    write(f"{inp}/copier-template/{COPIER_ANSWERS_TEMPLATE}", "{{ _copier_answers|to_nice_yaml -}}\n")
    git(f"{inp}/copier-template", "add", "-A")
    git(f"{inp}/copier-template", "commit", "-q", "-m", "answers file")
    for d in ("ispo-catalog", "copier-template"):
        git(f"{inp}/{d}", "tag", "v1")


def cmd_upstream(inp):
    changed = {}
    for d, suffix in (("ispo-catalog/modules", ""), ("copier-template/template", ".jinja")):
        files = first_files(f"{inp}/{d}", suffix)
        for p in files:
            write(p, upstream_change(read(p)))
        changed[d] = len(files)
    for d in ("ispo-catalog", "copier-template"):
        git(f"{inp}/{d}", "add", "-A")
        git(f"{inp}/{d}", "commit", "-q", "-m", "v2: revise the first section of every module's first file")
        git(f"{inp}/{d}", "tag", "v2")
    exp1, exp2 = f"{inp}/expected", f"{inp}/expected-v2"
    n = 0
    for d, _, files in os.walk(exp1):
        for f in files:
            src = os.path.join(d, f)
            text = read(src)
            if f == "file1.md":
                text = upstream_change(text)
                n += 1
            write(os.path.join(exp2, os.path.relpath(src, exp1)), text)
    print(f"  upstream v2: first section changed in {changed['ispo-catalog/modules']} ispo templates, "
          f"{changed['copier-template/template']} Copier templates, {n} expected files", file=sys.stderr)


def cmd_local(root):
    for rel, para in LOCAL_EDITS.items():
        p = f"{root}/{rel}"
        text = read(p)
        write(p, text + ("" if text.endswith("\n\n") else "\n") + para)


def cmd_check(expected, dirs):
    bench = os.path.dirname(os.path.abspath(__file__))
    # The expected kit after the update: the v2 render plus the local edits.
    after = expected.rstrip("/") + "-after-update"
    if os.path.exists(after):
        subprocess.run(["rm", "-rf", after], check=True)
    subprocess.run(["cp", "-r", expected, after], check=True)
    cmd_local(after)
    n_first = len(first_files(after))
    ok = subprocess.run([sys.executable, f"{bench}/compare-outputs.py", after, *dirs]).returncode == 0
    print(f"\n  {'output':<22} {'file1.md with v2 section':>25} {'local edits kept':>17} {'files with conflict markers':>28}")
    for arg in dirs:
        name, root = arg.split("=", 1)
        v2 = local = markers = 0
        for d, sub, files in os.walk(root):
            sub[:] = [x for x in sub if x not in (".git", ".ispo")]
            for f in files:
                p = os.path.join(d, f)
                try:
                    text = read(p)
                except UnicodeDecodeError:
                    continue
                rel = os.path.relpath(p, root)
                if f == "file1.md" and V2_MARK in text:
                    v2 += 1
                if rel in LOCAL_EDITS and LOCAL_EDITS[rel] in text:
                    local += 1
                if any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines()) or f.endswith((".rej", ".ispo-new")):
                    markers += 1
        good = v2 == n_first and local == len(LOCAL_EDITS) and markers == 0
        ok = ok and good
        print(f"  {name:<22} {v2:>21}/{n_first:<3}{local:>15}/{len(LOCAL_EDITS)} {markers:>28}   {'ok' if good else 'WRONG'}")
    if not ok:
        print("UPDATE RESULTS ARE WRONG: the comparison would not be fair", file=sys.stderr)
        sys.exit(1)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "v1":
        cmd_v1(args[0])
    elif cmd == "upstream":
        cmd_upstream(args[0])
    elif cmd == "local":
        cmd_local(args[0])
    elif cmd == "check":
        cmd_check(args[0], args[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
