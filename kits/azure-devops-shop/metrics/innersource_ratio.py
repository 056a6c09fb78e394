#!/usr/bin/env python3
"""Count InnerSource contributions from a forge export and an org chart.

Inputs (CSV with a header row):
  --merged  repo,author,opened_at,merged_at,first_response_at
  --people  login,team
  --owners  repo,team

Output: CSV on stdout, one row per repository and month (of merged_at):
  repo,month,merged,outside,ratio,contributing_teams,median_hours_to_first_response,unknown_authors
"""

import argparse
import csv
import statistics
import sys
from collections import defaultdict
from datetime import datetime, timezone


def parse_time(value):
    value = value.strip()
    if not value:
        return None
    if value.isdigit():  # milliseconds since the epoch (Bitbucket Data Center)
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc).replace(tzinfo=None)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def read_map(path, key, value):
    with open(path, newline="", encoding="utf-8") as handle:
        return {row[key].strip().lower(): row[value].strip() for row in csv.DictReader(handle)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--merged", required=True)
    parser.add_argument("--people", required=True)
    parser.add_argument("--owners", required=True)
    args = parser.parse_args()

    team_of = read_map(args.people, "login", "team")
    owner_of = read_map(args.owners, "repo", "team")

    groups = defaultdict(lambda: {"merged": 0, "outside": 0, "teams": set(), "waits": [], "unknown": 0})
    with open(args.merged, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            repo = row["repo"].strip()
            merged_at = parse_time(row["merged_at"])
            if merged_at is None:
                continue
            group = groups[(repo, merged_at.strftime("%Y-%m"))]
            group["merged"] += 1
            author_team = team_of.get(row["author"].strip().lower())
            host_team = owner_of.get(repo.lower())
            if author_team is None:
                group["unknown"] += 1
            elif host_team is not None and author_team != host_team:
                group["outside"] += 1
                group["teams"].add(author_team)
            opened = parse_time(row.get("opened_at", ""))
            first = parse_time(row.get("first_response_at", ""))
            if opened and first:
                group["waits"].append((first - opened).total_seconds() / 3600)

    writer = csv.writer(sys.stdout)
    writer.writerow(["repo", "month", "merged", "outside", "ratio", "contributing_teams",
                     "median_hours_to_first_response", "unknown_authors"])
    for (repo, month), group in sorted(groups.items()):
        ratio = group["outside"] / group["merged"] if group["merged"] else 0
        median = statistics.median(group["waits"]) if group["waits"] else ""
        writer.writerow([repo, month, group["merged"], group["outside"], f"{ratio:.2f}",
                         len(group["teams"]), f"{median:.1f}" if median != "" else "", group["unknown"]])


if __name__ == "__main__":
    main()
