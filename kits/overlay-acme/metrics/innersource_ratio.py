#!/usr/bin/env python3
"""Count InnerSource contributions from a forge export and an org chart.

Inputs (CSV with a header row):
  --changes  repo,author,opened_at,merged_at,first_response_at
             every pull or merge request opened or merged in the time you export,
             whatever its state; merged_at is empty when it was not merged.
             (--merged is accepted as an older name for the same file.)
  --people   login,team
  --owners   repo,team
  --period   month or quarter (default: quarter); use the program's reporting cadence

Output: CSV on stdout, one row per repository and period:
  repo,period,merged,outside,ratio,contributing_teams,
  opened,responded,unanswered,median_hours_to_first_response,unknown_authors

The InnerSource contribution ratio is outside / merged: pull or merge requests
merged in the period whose author is not in the host team, divided by all
pull or merge requests merged in the period. Response times count every
pull or merge request opened in the period, merged or not, so abandoned
contributions are not hidden; the ones nobody answered are counted in
`unanswered` instead of being left out silently.
"""

import argparse
import csv
import statistics
import sys
from collections import defaultdict
from datetime import datetime, timezone


def parse_time(value):
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():  # milliseconds since the epoch (Bitbucket Data Center)
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc).replace(tzinfo=None)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def period_of(moment, period):
    if period == "month":
        return moment.strftime("%Y-%m")
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def read_map(path, key, value):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row[key].strip().lower(): row[value].strip() for row in csv.DictReader(handle)}


def new_group():
    return {"merged": 0, "outside": 0, "teams": set(), "unknown": 0,
            "opened": 0, "unanswered": 0, "waits": []}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", "--merged", dest="changes", required=True)
    parser.add_argument("--people", required=True)
    parser.add_argument("--owners", required=True)
    parser.add_argument("--period", choices=["month", "quarter"], default="quarter")
    args = parser.parse_args()

    team_of = read_map(args.people, "login", "team")
    owner_of = read_map(args.owners, "repo", "team")

    groups = defaultdict(new_group)
    with open(args.changes, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            repo = row["repo"].strip()
            opened = parse_time(row.get("opened_at"))
            merged_at = parse_time(row.get("merged_at"))
            first = parse_time(row.get("first_response_at"))
            if merged_at is not None:
                group = groups[(repo, period_of(merged_at, args.period))]
                group["merged"] += 1
                author_team = team_of.get(row["author"].strip().lower())
                host_team = owner_of.get(repo.lower())
                if author_team is None:
                    group["unknown"] += 1
                elif host_team is not None and author_team != host_team:
                    group["outside"] += 1
                    group["teams"].add(author_team)
            if opened is not None:
                group = groups[(repo, period_of(opened, args.period))]
                group["opened"] += 1
                if first is None:
                    group["unanswered"] += 1
                else:
                    group["waits"].append((first - opened).total_seconds() / 3600)

    writer = csv.writer(sys.stdout)
    writer.writerow(["repo", "period", "merged", "outside", "ratio", "contributing_teams",
                     "opened", "responded", "unanswered", "median_hours_to_first_response",
                     "unknown_authors"])
    for (repo, period), group in sorted(groups.items()):
        ratio = f"{group['outside'] / group['merged']:.2f}" if group["merged"] else ""
        median = f"{statistics.median(group['waits']):.1f}" if group["waits"] else ""
        writer.writerow([repo, period, group["merged"], group["outside"], ratio, len(group["teams"]),
                         group["opened"], len(group["waits"]), group["unanswered"], median,
                         group["unknown"]])


if __name__ == "__main__":
    main()
