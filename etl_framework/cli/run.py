"""``etl run`` (local or submitted, through ``runtime.launch``) and ``etl runs`` (the run history)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from ..runtime.history import RunHistory
from ..runtime.launch import launch
from ..runtime.launcher import parse_run_request
from ..runtime.watch import watch
from .options import profile_of, profile_options

RUN_USAGE = """usage: etl run JOB|--module NAME [--env PROFILE] [--set KEY=VALUE] [--conf SPARK_KEY=VALUE]
                   [--dry-run[=masked]] [--watch] [--key value ...] [-- --key value ...]

JOB is a file (jobs/orders.py), a name under jobs/ (orders) or the dotted name of an importable
module outside the standard library (acme.jobs.orders); --module NAME runs any importable module.
With a local profile the job runs in this process; with a cluster profile it is submitted with
spark-submit to the profile's master. --dry-run prints that spark-submit command instead, secrets
included so that it can be pasted; --dry-run=masked prints it with secret values as ***.
--watch (local profiles) keeps the SparkSession open and runs the job again each time its file or a
project module it imports is saved, printing the summary line each time; Ctrl-C ends it (exit 0, or
130 when it stops a run).
Every other --key value pair is passed to the job (Glue's --JOB_NAME, --job-bookmark-option, ...);
after --, every argument is the job's, even --env, --set, --conf or --dry-run.
The exit code is the job's: 0 on success, the code a job passes to sys.exit(), 1 on other failures.
"""


def cmd_run(tokens: list[str]) -> int:
    req = parse_run_request(tokens)
    if req.help or req.job is None:
        print(RUN_USAGE, file=sys.stdout if req.help else sys.stderr)
        return 0 if req.help else 2
    return watch(req) if req.watch else launch(req)


def cmd_runs(ns: argparse.Namespace) -> int:
    records = RunHistory(profile_of(ns).state_dir).list(ns.job, ns.limit)
    if not records:
        print("no runs recorded" + (f" for job {ns.job}" if ns.job else ""))
        return 0
    print(
        f"{'RUN ID':<34} {'JOB':<20} {'STATUS':<10} {'STARTED':<19} {'DURATION':>9} {'READ':>8} {'WRITTEN':>8} "
        f"{'ERRORS':>7} {'TRIGGER':<16} {'ATTEMPT':>7}  ERROR"
    )
    for r in records:
        started = datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M:%S")
        duration = f"{r.duration:.1f}s" if r.duration is not None else "-"
        m = r.metrics
        print(
            f"{r.run_id:<34} {r.job:<20} {r.status:<10} {started:<19} {duration:>9} {m.get('read', 0):>8} "
            f"{m.get('written', 0):>8} {m.get('errors', 0):>7} {r.trigger_name or '-':<16} {r.attempt:>7}  "
            f"{r.error or ''}"
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("run", help="run a job (see: etl run --help)", add_help=False)
    runs = sub.add_parser("runs", help="list recorded runs, newest first", allow_abbrev=False)
    runs.add_argument("job", nargs="?", help="only this job's runs")
    runs.add_argument("--limit", type=int, default=50)
    profile_options(runs)
    runs.set_defaults(handler=cmd_runs)
