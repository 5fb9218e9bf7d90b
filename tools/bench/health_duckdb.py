#!/usr/bin/env python3
"""DuckDB side of the health benchmark: the same per-account figures as waymark-health, in SQL.

Usage: python3 tools/bench/health_duckdb.py EVENTS.csv --first-day D --last-day D [--runs 3]

Loads the CSV written by `cargo bench -p waymark-health --bench health` into an in-memory
table (timed apart, not counted), then computes per account, over the UTC days
[first-day, last-day]: events, active users, sessions, stalled sessions and users, stalls,
stall milliseconds, guides started and completed, recurring stalls, the top 10 stall points
(guide, step, page, kind) with counts, users and median durations, step funnels, feature
adoption and milestone users. Only the queries are timed (best of --runs), once with one
thread and once with all cores. Prints one JSON object on stdout, progress on stderr.

Installs nothing: without the `duckdb` package it says how to get it and reports a skip.
"""

import argparse
import json
import os
import sys
import time

DAY_MS = 86_400_000

COLUMNS = {
    "ts": "BIGINT",
    "session": "VARCHAR",
    "user": "VARCHAR",
    "account": "VARCHAR",
    "path": "VARCHAR",
    "guide": "VARCHAR",
    "step": "VARCHAR",
    "type": "VARCHAR",
    "stall": "VARCHAR",
    "duration_ms": "BIGINT",
    "idx": "INTEGER",
    "feature": "VARCHAR",
    "milestone": "VARCHAR",
    "selector": "VARCHAR",
}

# The window's events, named `w` in every query below.
WINDOW = """
CREATE OR REPLACE TEMP VIEW w AS
SELECT * FROM ev WHERE account IS NOT NULL AND ts >= {lo} AND ts < {hi}
"""

QUERIES = {
    "totals": """
SELECT account,
       count(*) AS events,
       count(DISTINCT "user") AS users,
       count(DISTINCT session) AS sessions,
       count(DISTINCT session) FILTER (WHERE type = 'stall') AS stalled_sessions,
       count(DISTINCT "user") FILTER (WHERE type = 'stall') AS stalled_users,
       count(*) FILTER (WHERE type = 'stall') AS stalls,
       coalesce(sum(duration_ms) FILTER (WHERE type = 'stall'), 0) AS stall_ms,
       count(*) FILTER (WHERE type = 'guide_shown' AND guide IS NOT NULL) AS started,
       count(*) FILTER (WHERE type = 'guide_completed' AND guide IS NOT NULL) AS completed,
       count(*) FILTER (WHERE type = 'target_missing') AS target_missing
FROM w GROUP BY account
""",
    "points": """
WITH p AS (
  SELECT account, guide, step, path, stall,
         count(*) AS n, count(DISTINCT "user") AS users, count(DISTINCT session) AS sessions,
         quantile_disc(duration_ms, 0.5) AS median_ms
  FROM w WHERE type = 'stall' GROUP BY ALL
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY account
         ORDER BY users DESC, n DESC, guide, step, path, stall) AS r,
         sum(n) FILTER (WHERE sessions >= 2) OVER (PARTITION BY account) AS recurring
  FROM p
)
SELECT account, guide, step, path, stall, n, users, median_ms, coalesce(recurring, 0)
FROM ranked WHERE r <= 10 ORDER BY account, r
""",
    "funnels": """
SELECT account, guide, idx, step,
       count(*) FILTER (WHERE type = 'step_shown') AS shown,
       count(*) FILTER (WHERE type = 'step_completed') AS completed
FROM w WHERE type IN ('step_shown', 'step_completed') AND guide IS NOT NULL
GROUP BY ALL ORDER BY account, guide, idx, step
""",
    "features": """
SELECT account, feature, count(DISTINCT "user") AS users, count(*) AS uses
FROM w WHERE type = 'feature_used' GROUP BY ALL
ORDER BY account, users DESC, uses DESC, feature
""",
    "milestones": """
SELECT account, milestone, count(DISTINCT "user") AS users
FROM w WHERE type = 'milestone_reached' GROUP BY ALL
ORDER BY account, users DESC, milestone
""",
}


def run_queries(con):
    return {name: con.execute(sql).fetchall() for name, sql in QUERIES.items()}


def best_time(con, runs):
    best, results = None, None
    for _ in range(runs):
        start = time.perf_counter()
        results = run_queries(con)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, results


def figures(results):
    accounts = {}

    def acct(name):
        return accounts.setdefault(
            name, {"points": [], "funnel_steps": [], "features": [], "milestones": [], "recurring": 0}
        )

    for row in results["totals"]:
        a = acct(row[0])
        keys = ["events", "users", "sessions", "stalled_sessions", "stalled_users", "stalls", "stall_ms",
                "started", "completed", "target_missing"]
        a.update({k: int(v) for k, v in zip(keys, row[1:])})
    for account, guide, step, path, stall, n, users, median_ms, recurring in results["points"]:
        a = acct(account)
        a["points"].append([guide, step, path, stall, n, users, int(median_ms)])
        a["recurring"] = int(recurring)
    for account, guide, idx, step, shown, completed in results["funnels"]:
        acct(account)["funnel_steps"].append([guide, idx, step, shown, completed])
    for account, feature, users, uses in results["features"]:
        acct(account)["features"].append([feature, users, uses])
    for account, milestone, users in results["milestones"]:
        acct(account)["milestones"].append([milestone, users])
    return accounts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--first-day", type=int, required=True)
    parser.add_argument("--last-day", type=int, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    try:
        import duckdb
    except ImportError:
        print("duckdb is not installed; to compare with it: pip install duckdb", file=sys.stderr)
        print(json.dumps({"skipped": "the Python package duckdb is not installed (pip install duckdb)"}))
        return 0

    con = duckdb.connect(":memory:")
    start = time.perf_counter()
    columns = ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items())
    con.execute(
        f"CREATE TABLE ev AS SELECT * FROM read_csv(?, header = true, columns = {{{columns}}})",
        [args.csv],
    )
    load_s = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM ev").fetchone()[0]
    print(f"duckdb {duckdb.__version__}: loaded {rows} rows in {load_s:.2f} s", file=sys.stderr)
    con.execute(WINDOW.format(lo=args.first_day * DAY_MS, hi=(args.last_day + 1) * DAY_MS))

    cores = os.cpu_count() or 1
    timings = {}
    results = None
    for threads in sorted({1, cores}):
        con.execute(f"SET threads = {threads}")
        timings[str(threads)], results = best_time(con, args.runs)
        print(f"duckdb: queries with {threads} thread(s): {timings[str(threads)]:.3f} s", file=sys.stderr)

    print(json.dumps({
        "version": duckdb.__version__,
        "rows": rows,
        "load_s": load_s,
        "query_s": timings,
        "accounts": figures(results),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
