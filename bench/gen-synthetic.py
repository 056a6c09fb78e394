#!/usr/bin/env python3
"""Generate one synthetic template set in three template formats.

    gen-synthetic.py OUT [--modules 40] [--files 5] [--kb 9] [--seed 1]

writes into OUT:

    ispo-catalog/     an ispo catalog (format 1), Handlebars templates
    copier-template/  the same content as a Copier template (Jinja, `.jinja`, `_subdirectory`)
    cargo-template/   the same content as a cargo-generate template (Liquid)
    expected/         what every tool must render for the answers in ANSWERS below
    answers.json      those answers, and the command-line flags that give them to each tool

Each template folder is a git repository with one commit. The content is built
once, as a small tree of text / variable / if / each nodes, and printed in each
syntax, so the three templates are equivalent by construction; `expected/` is the
same tree evaluated in Python, which lets the benchmark check every tool's output
byte for byte. Output is deterministic for a given seed.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys

# ---------------------------------------------------------------- questions

# id, ispo type, prompt, default, choices
QUESTIONS = [
    ("company_name", "text", "What is your company called?", "Example Corp", None),
    ("ispo_name", "text", "What is the team that runs InnerSource called?", "InnerSource Program Office", None),
    ("forge", "choice", "Where does most of your source code live?", "github", ["github", "gitlab", "bitbucket", "azure"]),
    ("engineers", "integer", "Roughly how many software engineers work at the company?", 500, None),
    ("stage", "choice", "Where is your InnerSource program today?", "piloting", ["exploring", "piloting", "adopting", "growing", "scaling"]),
    ("use_chat", "bool", "Do teams use a shared chat tool?", True, None),
    ("chat_channel", "text", "Name of the open InnerSource chat channel", "innersource-help", None),
    ("contact_email", "text", "Email address that reaches the ISPO", "innersource@example.com", None),
    ("languages", "multi", "Main programming languages", ["python", "java", "typescript"], ["rust", "python", "java", "go", "typescript"]),
    ("review_days", "integer", "Days a host team takes to answer a contribution", 2, None),
]

# The answers the benchmark gives on the command line; the rest are defaults.
# forge is not its default, so a flag that fails to land shows up in the output check.
SET = {"company_name": "Acme", "forge": "gitlab"}

SCALAR_VARS = ["company_name", "ispo_name", "forge", "engineers", "stage", "chat_channel", "contact_email", "review_days"]

WORDS = (
    "team teams code review contribution contributor maintainer host guest pull request merge issue backlog roadmap "
    "documentation onboarding mentor trusted committer guideline process sponsor budget pilot metric dashboard quality "
    "release pipeline service platform library reuse collaboration transparency openness community practice pattern "
    "feedback decision ownership effort week month quarter plan goal value risk security licence policy engineer "
    "manager product owner department office program adoption growth scale measure track share discuss agree publish "
    "support answer question request change update keep make help write read test build ship fix improve explain "
    "the a an and or of to in for with on by from at as is are be can should will may must often usually every each "
    "new shared internal clear small large early simple common open visible regular written public central local"
).split()

TITLES = (
    "Charter Principles Playbook Guide Handbook Checklist Policy Onboarding Metrics Roadmap Pilot Ambassadors Review "
    "Contributing Governance Security Licensing Mentoring Portal Catalogue Newsletter Workshop Training Survey Report"
).split()


def answers():
    a = {q[0]: q[3] for q in QUESTIONS}
    a.update(SET)
    return a


# ---------------------------------------------------------------- content tree
#
# node = ("text", s) | ("var", name) | ("if_eq", name, value, then, else) |
#        ("if", name, then, else) | ("each", name, prefix, item_prefix, suffix)


def sentence(rng):
    n = rng.randint(8, 18)
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def paragraph(rng, sentences):
    return " ".join(sentence(rng) for _ in range(sentences))


def build_file(rng, title, target_bytes, n_vars=20):
    """A Markdown document of about target_bytes with n_vars substitutions,
    three `if` blocks and one `each` loop."""
    nodes = [("text", "# " + title + " at "), ("var", "company_name"), ("text", "\n\nMaintained by the "), ("var", "ispo_name"), ("text", ".\n\n")]
    vars_left = n_vars - 2
    # Roughly 12 sections; spread the remaining substitutions and the blocks over them.
    sections = 12
    per_section = target_bytes // sections
    blocks_at = {2: "if_eq", 5: "each", 7: "if", 9: "if_stage"}
    for s in range(sections):
        nodes.append(("text", "## " + " ".join(w.capitalize() for w in rng.sample(WORDS[:60], 3)) + "\n\n"))
        budget = per_section
        k = vars_left // (sections - s) if sections - s else vars_left
        for _ in range(k):
            text = paragraph(rng, rng.randint(1, 3))
            cut = rng.randint(len(text) // 3, len(text) - 1)
            cut = text.rfind(" ", 0, cut) + 1 or cut
            nodes.append(("text", text[:cut]))
            nodes.append(("var", rng.choice(SCALAR_VARS)))
            nodes.append(("text", " " + text[cut:] + "\n\n"))
            budget -= len(text) + 12
            vars_left -= 1
        kind = blocks_at.get(s)
        if kind == "if_eq":
            nodes.append(("text", "Where to open a change: "))
            nodes.append(("if_eq", "forge", "github", [("text", "open a pull request on GitHub and ask for review from the code owners.")],
                          [("text", "open a merge request in "), ("var", "forge"), ("text", " and ask a maintainer for review.")]))
            nodes.append(("text", "\n\n"))
        elif kind == "each":
            nodes.append(("each", "languages", "Languages covered by this guide:", "\n- ", "\n\n"))
        elif kind == "if":
            nodes.append(("text", "Questions: "))
            nodes.append(("if", "use_chat", [("text", "ask in the chat channel "), ("var", "chat_channel"), ("text", ", where the ISPO answers within a day.")],
                          [("text", "write to "), ("var", "contact_email"), ("text", ".")]))
            nodes.append(("text", "\n\n"))
        elif kind == "if_stage":
            nodes.append(("if_eq", "stage", "exploring", [("text", "This applies once the first pilot starts.")],
                          [("text", "This applies to every team in the program today.")]))
            nodes.append(("text", "\n\n"))
        while budget > 150:
            p = paragraph(rng, rng.randint(1, 3))
            nodes.append(("text", p + "\n\n"))
            budget -= len(p) + 2
    return nodes


# ---------------------------------------------------------------- printers


def hbs(nodes):
    out = []
    for n in nodes:
        t = n[0]
        if t == "text":
            out.append(n[1])
        elif t == "var":
            out.append("{{" + n[1] + "}}")
        elif t == "if_eq":
            out.append('{{#if (eq %s "%s")}}%s{{else}}%s{{/if}}' % (n[1], n[2], hbs(n[3]), hbs(n[4])))
        elif t == "if":
            out.append("{{#if %s}}%s{{else}}%s{{/if}}" % (n[1], hbs(n[2]), hbs(n[3])))
        elif t == "each":
            out.append("%s{{#each %s}}%s{{this}}{{/each}}%s" % (n[2], n[1], n[3], n[4]))
    return "".join(out)


def jinja(nodes):
    out = []
    for n in nodes:
        t = n[0]
        if t == "text":
            out.append(n[1])
        elif t == "var":
            out.append("{{ " + n[1] + " }}")
        elif t == "if_eq":
            out.append('{%% if %s == "%s" %%}%s{%% else %%}%s{%% endif %%}' % (n[1], n[2], jinja(n[3]), jinja(n[4])))
        elif t == "if":
            out.append("{%% if %s %%}%s{%% else %%}%s{%% endif %%}" % (n[1], jinja(n[2]), jinja(n[3])))
        elif t == "each":
            out.append("%s{%% for item in %s %%}%s{{ item }}{%% endfor %%}%s" % (n[2], n[1], n[3], n[4]))
    return "".join(out)


def liquid(nodes):
    out = []
    for n in nodes:
        t = n[0]
        if t == "text":
            out.append(n[1])
        elif t == "var":
            out.append("{{ " + n[1] + " }}")
        elif t == "if_eq":
            out.append('{%% if %s == "%s" %%}%s{%% else %%}%s{%% endif %%}' % (n[1], n[2], liquid(n[3]), liquid(n[4])))
        elif t == "if":
            out.append("{%% if %s %%}%s{%% else %%}%s{%% endif %%}" % (n[1], liquid(n[2]), liquid(n[3])))
        elif t == "each":
            # cargo-generate placeholders are strings or bools: the list is a comma-separated string.
            out.append('%s{%% assign items = %s | split: "," %%}{%% for item in items %%}%s{{ item }}{%% endfor %%}%s' % (n[2], n[1], n[3], n[4]))
    return "".join(out)


def evaluate(nodes, a):
    out = []
    for n in nodes:
        t = n[0]
        if t == "text":
            out.append(n[1])
        elif t == "var":
            v = a[n[1]]
            out.append(("true" if v else "false") if isinstance(v, bool) else str(v))
        elif t == "if_eq":
            out.append(evaluate(n[3] if a[n[1]] == n[2] else n[4], a))
        elif t == "if":
            out.append(evaluate(n[2] if a[n[1]] else n[3], a))
        elif t == "each":
            out.append(n[2] + "".join(n[3] + x for x in a[n[1]]) + n[4])
    return "".join(out)


# ---------------------------------------------------------------- writers


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def toml_str(s):
    return json.dumps(s)  # a JSON string is a valid TOML basic string for this content


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_str(x) for x in v) + "]"
    return toml_str(v)


def ispo_catalog(root, modules):
    write(f"{root}/catalog.toml", '[catalog]\nname = "synthetic"\ntitle = "Synthetic benchmark catalog"\nversion = "1.0.0"\nformat = 1\n\n'
          '[[audience]]\nid = "developers"\ntitle = "Developers"\n\n[[audience]]\nid = "managers"\ntitle = "Managers"\n')
    q = []
    for qid, kind, prompt, default, choices in QUESTIONS:
        q.append(f'[[question]]\nid = "{qid}"\ntype = "{kind}"\nprompt = {toml_str(prompt)}\ndefault = {toml_value(default)}\n')
        if choices:
            q.append("choices = [\n" + "".join(f'  {{ value = "{c}", label = "{c.capitalize()}" }},\n' for c in choices) + "]\n")
        q.append("\n")
    write(f"{root}/questions.toml", "".join(q))
    phases = ["begin", "adopt", "grow", "scale"]
    write(f"{root}/challenges.toml", "".join(f'[[challenge]]\nid = "C{i:02d}"\ntitle = "Synthetic challenge {i}"\nphase = "{phases[i % 4]}"\n\n' for i in range(1, 9)))
    for m in modules:
        write(f"{root}/modules/{m['id']}/module.toml",
              f'id = "{m["id"]}"\ntitle = {toml_str(m["title"])}\nsummary = {toml_str(m["summary"])}\nkind = "doc"\n'
              f'audiences = ["developers"]\nchallenges = ["C{m["n"] % 8 + 1:02d}"]\n')
        for rel, nodes in m["files"]:
            write(f"{root}/modules/{m['id']}/files/{rel}", hbs(nodes))


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(json.dumps(x) for x in v) + "]"
    return json.dumps(v)


def copier_template(root, modules):
    types = {"text": "str", "bool": "bool", "integer": "int", "choice": "str", "multi": "str"}
    y = ["_subdirectory: template\n_min_copier_version: \"9.0.0\"\n\n"]
    for qid, kind, prompt, default, choices in QUESTIONS:
        y.append(f"{qid}:\n  type: {types[kind]}\n  help: {json.dumps(prompt)}\n  default: {yaml_scalar(default)}\n")
        if choices:
            y.append("  choices:\n" + "".join(f"    {c.capitalize()}: {c}\n" for c in choices))
        if kind == "multi":
            y.append("  multiselect: true\n")
        y.append("\n")
    write(f"{root}/copier.yml", "".join(y))
    for m in modules:
        for rel, nodes in m["files"]:
            write(f"{root}/template/{rel}.jinja", jinja(nodes))


def cargo_template(root, modules):
    t = ['[template]\ncargo_generate_version = ">=0.22.0"\n\n']
    for qid, kind, prompt, default, choices in QUESTIONS:
        t.append(f"[placeholders.{qid}]\n")
        if kind == "bool":
            t.append(f"type = \"bool\"\nprompt = {toml_str(prompt)}\ndefault = {toml_value(default)}\n")
        else:
            d = ",".join(default) if kind == "multi" else str(default)
            t.append(f"type = \"string\"\nprompt = {toml_str(prompt)}\ndefault = {toml_str(d)}\n")
            if kind == "choice":
                t.append("choices = [" + ", ".join(toml_str(c) for c in choices) + "]\n")
            if kind == "integer":
                t.append('regex = "^[0-9]+$"\n')
        t.append("\n")
    write(f"{root}/cargo-generate.toml", "".join(t))
    for m in modules:
        for rel, nodes in m["files"]:
            write(f"{root}/{rel}", liquid(nodes))


def git_commit(root):
    env = dict(os.environ, GIT_AUTHOR_DATE="2025-01-01T00:00:00Z", GIT_COMMITTER_DATE="2025-01-01T00:00:00Z")
    run = lambda *a: subprocess.run(["git", *a], cwd=root, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("init", "-q", "-b", "main")
    run("add", "-A")
    run("-c", "user.name=b", "-c", "user.email=b@x", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "synthetic template")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--modules", type=int, default=40)
    ap.add_argument("--files", type=int, default=5)
    ap.add_argument("--kb", type=float, default=9.0, help="approximate size of each rendered file, in KB")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    modules = []
    for n in range(1, args.modules + 1):
        mid = f"m{n:02d}"
        title = f"{rng.choice(TITLES)} {n}"
        files = [(f"{mid}/file{k}.md", build_file(rng, f"{title}, part {k}", int(args.kb * 1000))) for k in range(1, args.files + 1)]
        modules.append({"n": n, "id": mid, "title": title, "summary": sentence(rng), "files": files})

    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    a = answers()
    ispo_catalog(f"{args.out}/ispo-catalog", modules)
    copier_template(f"{args.out}/copier-template", modules)
    cargo_template(f"{args.out}/cargo-template", modules)
    for m in modules:
        for rel, nodes in m["files"]:
            write(f"{args.out}/expected/{rel}", evaluate(nodes, a))
    for d in ("ispo-catalog", "copier-template", "cargo-template"):
        git_commit(f"{args.out}/{d}")

    flags = {
        "ispo": [a for k, v in SET.items() for a in ("--set", f"{k}={v}")],
        "copier": [a for k, v in SET.items() for a in ("--data", f"{k}={v}")],
        "cargo_generate": [a for k, v in SET.items() for a in ("--define", f"{k}={v}")],
    }
    with open(f"{args.out}/answers.json", "w") as f:
        json.dump({"set": SET, "answers": a, "flags": flags}, f, indent=2)
    n_files = sum(len(m["files"]) for m in modules)
    size = sum(os.path.getsize(os.path.join(d, x)) for d, _, xs in os.walk(f"{args.out}/expected") for x in xs)
    print(f"generated {len(modules)} modules, {n_files} files, {size} bytes expected output, into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
