"""Runs the kit's metrics script (module metrics-non-github) on a small export.

Run with `python3 -m unittest discover -s tests/scripts` (CI does).
"""

import csv
import io
import pathlib
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = sorted(ROOT.glob("kits/*/metrics/innersource_ratio.py"))


class InnerSourceRatio(unittest.TestCase):
    def run_script(self, script, merged, people, owners):
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, text in (("merged", merged), ("people", people), ("owners", owners)):
                paths[name] = pathlib.Path(tmp, f"{name}.csv")
                paths[name].write_text(text, encoding="utf-8")
            out = subprocess.run(
                [sys.executable, str(script), "--merged", str(paths["merged"]), "--people", str(paths["people"]), "--owners", str(paths["owners"])],
                check=True,
                capture_output=True,
                text=True,
            )
        return list(csv.DictReader(io.StringIO(out.stdout)))

    def test_the_kits_ship_the_script(self):
        self.assertTrue(SCRIPTS, "no kit renders metrics/innersource_ratio.py")

    def test_counts_outside_contributions_per_repo_and_month(self):
        merged = (
            "repo,author,opened_at,merged_at,first_response_at\n"
            "payments,ana,2026-03-01T10:00:00Z,2026-03-02T10:00:00Z,2026-03-01T12:00:00Z\n"
            "payments,bo,2026-03-03T10:00:00Z,2026-03-04T10:00:00Z,2026-03-03T16:00:00Z\n"
            "payments,cy,2026-03-05T10:00:00Z,2026-03-06T10:00:00Z,\n"
            "payments,ghost,2026-03-05T10:00:00Z,2026-03-07T10:00:00Z,\n"
            "search,ana,1772359200000,1772445600000,1772366400000\n"
            "search,bo,2026-04-01T10:00:00Z,,\n"
        )
        people = "login,team\nana,checkout\nBo,platform\ncy,payments-team\n"
        owners = "repo,team\npayments,payments-team\nsearch,checkout\n"
        for script in SCRIPTS:
            rows = self.run_script(script, merged, people, owners)
            by_key = {(r["repo"], r["month"]): r for r in rows}
            pay = by_key[("payments", "2026-03")]
            self.assertEqual(pay["merged"], "4")
            self.assertEqual(pay["outside"], "2")  # ana and bo, not cy (the host team)
            self.assertEqual(pay["ratio"], "0.50")
            self.assertEqual(pay["contributing_teams"], "2")
            self.assertEqual(pay["median_hours_to_first_response"], "4.0")  # 2 h and 6 h
            self.assertEqual(pay["unknown_authors"], "1")
            search = by_key[("search", "2026-03")]  # epoch milliseconds (Bitbucket Data Center)
            self.assertEqual(search["merged"], "1")
            self.assertEqual(search["outside"], "0")  # ana is in the host team
            self.assertEqual(search["median_hours_to_first_response"], "2.0")
            self.assertNotIn(("search", "2026-04"), by_key)  # not merged


if __name__ == "__main__":
    unittest.main()
