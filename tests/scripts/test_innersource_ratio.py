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

CHANGES = (
    "repo,author,opened_at,merged_at,first_response_at\n"
    "payments,ana,2026-03-01T10:00:00Z,2026-03-02T10:00:00Z,2026-03-01T12:00:00Z\n"
    "payments,bo,2026-03-03T10:00:00Z,2026-03-04T10:00:00Z,2026-03-03T16:00:00Z\n"
    "payments,cy,2026-03-05T10:00:00Z,2026-03-06T10:00:00Z,\n"
    "payments,ghost,2026-03-05T10:00:00Z,2026-03-07T10:00:00Z,\n"
    "payments,bo,2026-03-20T10:00:00Z,,2026-03-21T10:00:00Z\n"
    "search,ana,1772359200000,1772445600000,1772366400000\n"
    "search,bo,2026-04-01T10:00:00Z,,\n"
)
PEOPLE = "login,team\nana,checkout\nBo,platform\ncy,payments-team\n"
OWNERS = "repo,team\npayments,payments-team\nsearch,checkout\n"


class InnerSourceRatio(unittest.TestCase):
    def run_script(self, script, changes, people, owners, *extra, flag="--changes"):
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, text in (("changes", changes), ("people", people), ("owners", owners)):
                paths[name] = pathlib.Path(tmp, f"{name}.csv")
                paths[name].write_text(text, encoding="utf-8")
            out = subprocess.run(
                [sys.executable, str(script), flag, str(paths["changes"]), "--people", str(paths["people"]),
                 "--owners", str(paths["owners"]), *extra],
                check=True,
                capture_output=True,
                text=True,
            )
        return list(csv.DictReader(io.StringIO(out.stdout)))

    def test_the_kits_ship_the_script(self):
        self.assertTrue(SCRIPTS, "no kit renders metrics/innersource_ratio.py")

    def test_counts_outside_contributions_per_repo_and_month(self):
        for script in SCRIPTS:
            rows = self.run_script(script, CHANGES, PEOPLE, OWNERS, "--period", "month")
            by_key = {(r["repo"], r["period"]): r for r in rows}
            pay = by_key[("payments", "2026-03")]
            self.assertEqual(pay["merged"], "4")
            self.assertEqual(pay["outside"], "2")  # ana and bo, not cy (the host team)
            self.assertEqual(pay["ratio"], "0.50")
            self.assertEqual(pay["contributing_teams"], "2")
            self.assertEqual(pay["unknown_authors"], "1")
            # Response times count every opened change, merged or not: 2 h, 6 h and 24 h.
            self.assertEqual(pay["opened"], "5")
            self.assertEqual(pay["responded"], "3")
            self.assertEqual(pay["unanswered"], "2")
            self.assertEqual(pay["median_hours_to_first_response"], "6.0")
            search = by_key[("search", "2026-03")]  # epoch milliseconds (Bitbucket Data Center)
            self.assertEqual(search["merged"], "1")
            self.assertEqual(search["outside"], "0")  # ana is in the host team
            self.assertEqual(search["median_hours_to_first_response"], "2.0")
            april = by_key[("search", "2026-04")]  # opened, never merged, never answered
            self.assertEqual((april["merged"], april["ratio"], april["unanswered"]), ("0", "", "1"))

    def test_quarters_and_the_older_flag_name(self):
        for script in SCRIPTS:
            rows = self.run_script(script, CHANGES, PEOPLE, OWNERS, "--period", "quarter", flag="--merged")
            by_key = {(r["repo"], r["period"]): r for r in rows}
            self.assertEqual(by_key[("payments", "2026-Q1")]["merged"], "4")
            self.assertEqual(by_key[("search", "2026-Q2")]["opened"], "1")


if __name__ == "__main__":
    unittest.main()
