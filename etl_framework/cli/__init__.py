"""The ``etl`` command.

    etl run JOB|--module NAME [--env PROFILE] [--set KEY=VALUE] [--conf SPARK_KEY=VALUE]
            [--dry-run[=masked]] [--key value ...] [-- --key value ...]
    etl runs [JOB] [--env PROFILE] [--limit N]
    etl bookmarks show|reset|rewind|set JOB [...]
    etl delta history|vacuum|optimize PATH [...]
    etl crawl NAME | etl crawl --path P --database D [--table-prefix X] [...]
    etl catalog databases | tables DB | show DB.TABLE | partitions DB.TABLE
    etl jars [--env PROFILE]
    etl package [--env PROFILE] [-o DIR]
    etl dq run --ruleset FILE (--path P --format F [--format-option K=V] | --table DB.T)
               [--context C] [--reference NAME=PATH|DB.T ...] | etl dq results [JOB] [--context C] [--last N]
    etl triggers list [--at ISO_TIME] | show|start|stop NAME | push [--endpoint-url URL] [--region R]
    etl workflows list | run NAME [--property K=V] | show NAME [RUN_ID] | stop NAME RUN_ID
    etl workflows resume NAME RUN_ID NODE... | export-airflow NAME -o FILE [--operator bash|spark-submit]
    etl scheduler [--once [--at ISO_TIME]]
    etl studio generate|parse|validate|import|export FILE [...]

Every subcommand takes ``--env``, ``--set`` and ``--conf`` so it can be pointed at another profile,
state dir or cluster.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import EtlError
from . import bookmarks, catalog, crawl, delta, dq, jars, package, run, scheduler, studio, triggers, workflows

# Each adds its subcommands to the parser.
COMMANDS = (run, bookmarks, delta, crawl, catalog, dq, jars, package, triggers, workflows, scheduler, studio)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etl", description="Run Glue-style jobs on plain Apache Spark.", allow_abbrev=False
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "run":
            return run.cmd_run(argv[1:])
        ns = build_parser().parse_args(argv)
        return ns.handler(ns)
    except EtlError as exc:
        print(f"etl: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
