"""Runs the kit's update script (module kit-autoupdate, ci/ispo-update.sh)
end to end: a real catalog repository, a kit made by the real ispo binary,
a bare repository as the kit's origin and a clone as the CI workspace. Only
the forge calls (gh, az, curl) are recording stubs; each test asserts the
exact arguments they received.

Run with `python3 -m unittest discover -s tests/scripts` after
`cargo build` (CI does); ISPO_TEST_BIN names another ispo binary.
"""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import textwrap
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "catalog/modules/kit-autoupdate/files/ci/ispo-update.sh"
ISPO = pathlib.Path(os.environ.get("ISPO_TEST_BIN", ROOT / "target/debug/ispo"))

CATALOG = {
    "catalog.toml": '[catalog]\nname = "mini"\nversion = "1.0.0"\nformat = 1\n',
    "questions.toml": '[[question]]\nid = "company"\ntype = "text"\nprompt = "Company?"\ndefault = "Acme"\n',
    "modules/guide/module.toml": 'id = "guide"\ntitle = "Guide"\nsummary = "A guide."\nkind = "doc"\n',
    "modules/guide/files/GUIDE.md": "# Guide for {{company}}\n\nFirst line.\n\nSecond line.\n",
}

STUB = textwrap.dedent(
    """\
    #!/usr/bin/env python3
    # A forge CLI stand-in: records its arguments, answers from files.
    import json, os, pathlib, sys
    log = pathlib.Path(os.environ["STUB_LOG"])
    with log.open("a") as f:
        f.write(json.dumps([pathlib.Path(sys.argv[0]).name] + sys.argv[1:]) + "\\n")
    answer = pathlib.Path(os.environ["STUB_DIR"], pathlib.Path(sys.argv[0]).name + "-" + "-".join(sys.argv[1:3]))
    if answer.exists():
        sys.stdout.write(answer.read_text())
    """
)


def run(args, cwd, env=None, check=True):
    out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise AssertionError(f"{args} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


class UpdateScript(unittest.TestCase):
    def setUp(self):
        if not ISPO.exists():
            self.skipTest(f"{ISPO} is not built (cargo build)")
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="ispo-update-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        home = self.tmp / "home"
        home.mkdir()
        self.stubs = self.tmp / "stubs"
        self.stubs.mkdir()
        for name in ("gh", "az", "curl"):
            p = self.stubs / name
            p.write_text(STUB)
            p.chmod(0o755)
        self.log = self.tmp / "calls.jsonl"
        self.env = {
            "PATH": f"{self.stubs}:{os.environ['PATH']}",
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_AUTHOR_NAME": "Dana",
            "GIT_AUTHOR_EMAIL": "dana@example.com",
            "GIT_COMMITTER_NAME": "Dana",
            "GIT_COMMITTER_EMAIL": "dana@example.com",
            "ISPO_CACHE_DIR": str(self.tmp / "cache"),
            "ISPO_BIN": str(ISPO),
            "STUB_LOG": str(self.log),
            "STUB_DIR": str(self.stubs),
            "NO_COLOR": "1",
        }
        # The catalog, the kit made from it, its origin and a CI workspace.
        self.catalog = self.tmp / "catalog"
        self.commit_catalog(CATALOG, "v1", init=True)
        kit = self.tmp / "kit"
        run([str(ISPO), "init", str(kit), "--catalog", str(self.catalog), "--defaults", "-q"], self.tmp, self.env)
        (kit / "ci").mkdir()
        shutil.copy(SCRIPT, kit / "ci/ispo-update.sh")
        self.git(kit, "init", "-q", "-b", "main")
        self.git(kit, "add", "-A")
        self.git(kit, "commit", "-q", "-m", "kit")
        self.origin = self.tmp / "origin.git"
        run(["git", "clone", "-q", "--bare", str(kit), str(self.origin)], self.tmp, self.env)
        self.work = self.tmp / "work"
        run(["git", "clone", "-q", str(self.origin), str(self.work)], self.tmp, self.env)

    def git(self, cwd, *args):
        return run(["git", *args], cwd, self.env).stdout.strip()

    def commit_catalog(self, files, message, init=False):
        if init:
            self.catalog.mkdir()
            self.git(self.catalog, "init", "-q", "-b", "main")
        for rel, text in files.items():
            p = self.catalog / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        self.git(self.catalog, "add", "-A")
        self.git(self.catalog, "commit", "-q", "-m", message)

    def update_script(self, forge="github", extra=None):
        """One scheduled run, in a fresh CI checkout of the origin."""
        shutil.rmtree(self.work)
        run(["git", "clone", "-q", str(self.origin), str(self.work)], self.tmp, self.env)
        env = dict(self.env, ISPO_FORGE=forge, **(extra or {}))
        if self.log.exists():
            self.log.unlink()
        out = run(["bash", "ci/ispo-update.sh"], self.work, env, check=False)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        calls = [json.loads(l) for l in self.log.read_text().splitlines()] if self.log.exists() else []
        return out.stdout + out.stderr, calls

    def branch_log(self):
        return self.git(self.origin, "log", "--format=%an <%ae> %s", "main..ispo/update")

    def answer(self, name, text):
        (self.stubs / name).write_text(text)

    def test_up_to_date_does_nothing(self):
        out, calls = self.update_script()
        self.assertIn("the kit is up to date", out)
        self.assertEqual(calls, [])
        self.assertEqual(self.git(self.origin, "branch", "--list", "ispo/update"), "")

    def test_first_run_opens_one_request_then_reruns_do_nothing_then_a_move_refreshes_it(self):
        self.commit_catalog({"modules/guide/files/GUIDE.md": "# Guide for {{company}}\n\nFirst line, better.\n\nSecond line.\n"}, "v2")
        out, calls = self.update_script()
        self.assertIn("pushed the update to ispo/update", out)
        self.assertEqual(self.branch_log().count("\n"), 0, "one commit on top of main")
        self.assertTrue(self.branch_log().startswith("ispo bot <ispo-bot@users.noreply.invalid> ispo: update the kit to catalog mini 1.0.0"), self.branch_log())
        self.assertEqual(calls[0], ["gh", "pr", "list", "--head", "ispo/update", "--state", "open", "--json", "number", "--jq", ".[0].number // empty"])
        create = calls[1]
        self.assertEqual(create[:9], ["gh", "pr", "create", "--base", "main", "--head", "ispo/update", "--title", create[8]])
        self.assertTrue(create[8].startswith("ispo: update the kit to catalog mini 1.0.0"), create)
        self.assertEqual(create[9], "--body-file")
        self.assertNotIn("--draft", create)
        self.assertEqual(len(calls), 2)

        # The request exists now; nothing moved: no push, no call.
        self.answer("gh-pr-list", "7\n")
        before = self.git(self.origin, "rev-parse", "ispo/update")
        out, calls = self.update_script()
        self.assertIn("already proposes this update: nothing to do", out)
        self.assertEqual(calls, [])
        self.assertEqual(self.git(self.origin, "rev-parse", "ispo/update"), before)

        # The catalog moves again: the branch is rebuilt, the same request refreshed.
        self.commit_catalog({"modules/guide/files/GUIDE.md": "# Guide for {{company}}\n\nFirst line, better.\n\nSecond line, too.\n"}, "v3")
        out, calls = self.update_script()
        self.assertNotEqual(self.git(self.origin, "rev-parse", "ispo/update"), before)
        self.assertEqual(self.branch_log().count("\n"), 0, "still one commit on top of main")
        self.assertEqual([c[:3] for c in calls], [["gh", "pr", "list"], ["gh", "pr", "edit"], ["gh", "pr", "ready"]])
        self.assertEqual(calls[1][3], "7")
        self.assertEqual(calls[2], ["gh", "pr", "ready", "7"])
        guide = self.git(self.origin, "show", "ispo/update:GUIDE.md")
        self.assertIn("Second line, too.", guide)

    def test_a_persons_push_to_the_branch_stops_the_job(self):
        self.commit_catalog({"modules/guide/files/GUIDE.md": "# Guide for {{company}}\n\nFirst line, better.\n\nSecond line.\n"}, "v2")
        self.update_script()
        # Dana fixes something on the branch.
        person = self.tmp / "person"
        run(["git", "clone", "-q", "-b", "ispo/update", str(self.origin), str(person)], self.tmp, self.env)
        (person / "NOTES.md").write_text("Reviewed.\n")
        self.git(person, "add", "-A")
        self.git(person, "commit", "-q", "-m", "review notes")
        self.git(person, "push", "-q", "origin", "ispo/update")
        theirs = self.git(self.origin, "rev-parse", "ispo/update")
        self.commit_catalog({"modules/guide/files/GUIDE.md": "# Guide for {{company}}\n\nAll new.\n"}, "v3")
        out, calls = self.update_script()
        self.assertIn("someone has pushed to ispo/update (dana@example.com )", out)
        self.assertEqual(calls, [])
        self.assertEqual(self.git(self.origin, "rev-parse", "ispo/update"), theirs)

    def test_conflicts_give_a_draft_with_a_checklist(self):
        # The kit edited the line the catalog changes.
        guide = (self.work / "GUIDE.md").read_text().replace("First line.", "First line, ours.")
        (self.work / "GUIDE.md").write_text(guide)
        self.git(self.work, "commit", "-q", "-am", "our wording")
        self.git(self.work, "push", "-q", "origin", "main")
        self.commit_catalog({"modules/guide/files/GUIDE.md": "# Guide for {{company}}\n\nFirst line, theirs.\n\nSecond line.\n"}, "v2")
        out, calls = self.update_script()
        self.assertIn("the request is a draft with a checklist", out)
        create = calls[1]
        self.assertEqual(create[-1], "--draft")
        self.assertIn("conflict(s) to resolve", create[8])
        marked = self.git(self.origin, "show", "ispo/update:GUIDE.md")
        self.assertIn("<<<<<<< your kit", marked)

    def test_azure_and_bitbucket_calls(self):
        self.commit_catalog({"modules/guide/files/GUIDE.md": "# Guide for {{company}}\n\nNew.\n"}, "v2")
        _, calls = self.update_script("azure")
        self.assertEqual(calls[0], ["az", "repos", "pr", "list", "--source-branch", "ispo/update", "--status", "active", "--query", "[0].pullRequestId", "--output", "tsv"])
        create = calls[1]
        self.assertEqual(create[:9], ["az", "repos", "pr", "create", "--source-branch", "ispo/update", "--target-branch", "main", "--title"])
        self.assertEqual(create[-4:], ["--draft", "false", "--output", "none"])
        self.git(self.origin, "branch", "-D", "ispo/update")
        _, calls = self.update_script("bitbucket", {"BITBUCKET_WORKSPACE": "acme", "BITBUCKET_REPO_SLUG": "kit", "ISPO_PR_TOKEN": "t0ken"})
        listing = calls[0]
        self.assertIn("q=source.branch.name=\"ispo/update\" AND (draft=true OR draft=false)", listing)
        post = calls[1]
        self.assertEqual(post[:3], ["curl", "-fsS", "-X"])
        self.assertEqual(post[3], "POST")
        body = json.loads(post[post.index("--data") + 1])
        self.assertEqual((body["source"], body["destination"], body["draft"]), ({"branch": {"name": "ispo/update"}}, {"branch": {"name": "main"}}, False))
        self.assertEqual(post[-1], "https://api.bitbucket.org/2.0/repositories/acme/kit/pullrequests")


if __name__ == "__main__":
    unittest.main()
