"""The ``etl`` command.

    etl run JOB|--module NAME [--env PROFILE] [--set KEY=VALUE] [--conf SPARK_KEY=VALUE]
            [--dry-run[=masked]] [--key value ...] [-- --key value ...]
    etl runs [JOB] [--env PROFILE] [--limit N]
    etl bookmarks show|reset|rewind|set JOB [...]
    etl delta history|vacuum|optimize PATH [...]
    etl crawl NAME | etl crawl --path P --database D [--table-prefix X] [...]
    etl catalog databases | tables DB | show DB.TABLE | partitions DB.TABLE
    etl jars [--env PROFILE]

Every subcommand takes ``--env``, ``--set`` and ``--conf`` so it can be pointed at another profile,
state dir or cluster.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from .config import Profile, absolute_location, load_profile
from .crawler.definition import DELETE_BEHAVIORS, RECRAWL_BEHAVIORS, UPDATE_BEHAVIORS
from .errors import EtlError
from .logs import get_logger, setup_logging
from .packages import coordinate, fetch, ivy_home
from .redaction import mask_argv
from .runtime.history import RunHistory
from .runtime.launcher import parse_run_request, run_job

log = get_logger("cli")

RUN_USAGE = """usage: etl run JOB|--module NAME [--env PROFILE] [--set KEY=VALUE] [--conf SPARK_KEY=VALUE]
                   [--dry-run[=masked]] [--key value ...] [-- --key value ...]

JOB is a file (jobs/orders.py), a name under jobs/ (orders) or the dotted name of an importable
module outside the standard library (acme.jobs.orders); --module NAME runs any importable module.
With a local profile the job runs in this process; with a cluster profile it is submitted with
spark-submit to the profile's master. --dry-run prints that spark-submit command instead, secrets
included so that it can be pasted; --dry-run=masked prints it with secret values as ***.
Every other --key value pair is passed to the job (Glue's --JOB_NAME, --job-bookmark-option, ...);
after --, every argument is the job's, even --env, --set, --conf or --dry-run.
The exit code is the job's: 0 on success, the code a job passes to sys.exit(), 1 on other failures.
"""


def _profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", default="local", help="profile name in conf/ or a YAML path (default: local)")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a profile key, e.g. state_dir=/tmp/state",
    )
    parser.add_argument(
        "--conf",
        dest="confs",
        action="append",
        default=[],
        metavar="SPARK_KEY=VALUE",
        help="add a Spark setting, e.g. spark.sql.shuffle.partitions=4",
    )


def _profile(ns: argparse.Namespace) -> Profile:
    return load_profile(ns.env, ns.sets, ns.confs)


def cmd_run(tokens: list[str]) -> int:
    req = parse_run_request(tokens)
    if req.help or req.job is None:
        print(RUN_USAGE, file=sys.stdout if req.help else sys.stderr)
        return 0 if req.help else 2
    profile = load_profile(req.env, req.sets, req.confs)
    setup_logging(profile.log_level)
    if profile.spark.is_local and not req.dry_run:
        return run_job(req.job, req.job_argv, profile, module=req.module).exit_code or 0
    if profile.spark.is_local:
        raise EtlError(f"--dry-run: profile {profile.source} is local ({profile.spark.master}); nothing is submitted")
    from .runtime.submit import shell_command, spark_submit_command

    cmd = spark_submit_command(req, profile)
    if req.dry_run:
        print(shell_command(mask_argv(cmd, profile.secret_names) if req.masked else cmd))
        return 0
    log.info("submitting %s to %s", req.job, profile.spark.master)
    started = time.time()
    code = subprocess.call(cmd)
    if code != 0:
        print(
            f"etl: job {req.job} failed on {profile.spark.master}: spark-submit exited with {code} "
            f"after {time.time() - started:.1f}s",
            file=sys.stderr,
        )
    return code  # the launcher exits with the job's code; spark-submit passes it on


def cmd_runs(ns: argparse.Namespace) -> int:
    records = RunHistory(_profile(ns).state_dir).list(ns.job, ns.limit)
    if not records:
        print("no runs recorded" + (f" for job {ns.job}" if ns.job else ""))
        return 0
    print(
        f"{'RUN ID':<34} {'JOB':<20} {'STATUS':<10} {'STARTED':<19} {'DURATION':>9} {'READ':>8} {'WRITTEN':>8} "
        f"{'ERRORS':>7}  ERROR"
    )
    for r in records:
        started = datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M:%S")
        duration = f"{r.duration:.1f}s" if r.duration is not None else "-"
        m = r.metrics
        print(
            f"{r.run_id:<34} {r.job:<20} {r.status:<10} {started:<19} {duration:>9} {m.get('read', 0):>8} "
            f"{m.get('written', 0):>8} {m.get('errors', 0):>7}  {r.error or ''}"
        )
    return 0


def cmd_bookmarks(ns: argparse.Namespace) -> int:
    from .bookmarks import admin
    from .bookmarks.store import BookmarkStore

    store = BookmarkStore(_profile(ns).state_dir)
    if ns.action == "show":
        print(admin.show(store, ns.job))
        return 0
    if ns.action == "reset":
        version = admin.reset(store, ns.job)
    elif ns.action == "rewind":
        version = admin.rewind(store, ns.job, ns.to_run)
    else:
        keys = ns.keys.split(",") if ns.keys else None
        version = admin.set_high_water(store, ns.job, ns.ctx, ns.high_water, ns.type, keys)
    print(f"job {ns.job!r}: wrote bookmark version {version.version} ({version.note})")
    return 0


def cmd_delta(ns: argparse.Namespace) -> int:
    from . import delta
    from .runtime.session import build_session

    profile = _profile(ns)
    spark = build_session(profile, "etl-delta")  # Hadoop paths (s3a://) and the staging cleanup need Spark
    on = {"spark": spark, "engine": profile.delta.engine}
    if ns.action == "history":
        print(delta.history(ns.path, ns.limit, **on))
    elif ns.action == "vacuum":
        print(delta.vacuum(ns.path, ns.retain_hours, dry_run=ns.dry_run, **on))
    else:
        print(delta.optimize(ns.path, **on))
    return 0


def cmd_crawl(ns: argparse.Namespace) -> int:
    from .catalog import catalog_for
    from .crawler import Crawler, CrawlerDefinition, SchemaChangePolicy, Target, load_crawler
    from .crawler.layout import table_name
    from .runtime.session import build_session

    profile = _profile(ns)
    setup_logging(profile.log_level)
    if ns.name and ns.paths:
        raise EtlError("etl crawl: give a crawler NAME (conf/crawlers/NAME.yaml) or --path, not both")
    if ns.name:
        definition = load_crawler(ns.name)
    elif not ns.paths or not ns.database:
        raise EtlError("etl crawl: give a crawler NAME, or --path and --database")
    else:
        definition = CrawlerDefinition(
            name=ns.crawler_name or table_name(ns.paths[0].rstrip("/").rsplit("/", 1)[-1]),
            targets=[Target(absolute_location(p), tuple(ns.exclusions)) for p in ns.paths],
            database=ns.database,
            table_prefix=ns.table_prefix,
            schema_change_policy=SchemaChangePolicy(ns.update_behavior, ns.delete_behavior),
            recrawl_policy=ns.recrawl_policy,
        )
    spark = build_session(profile, f"etl-crawl-{definition.name}")
    result = Crawler(definition, catalog_for(profile, spark), spark, profile.state_dir).run()
    db = definition.database
    for label, names in [
        ("created", result.tables_created),
        ("updated", result.tables_updated),
        ("deprecated", result.tables_deprecated),
        ("deleted", result.tables_deleted),
    ]:
        for name in names:
            print(f"{label} table {db}.{name}")
    for message in result.logged:
        print(f"not applied: {message}")
    for message in result.skipped:
        print(f"skipped: {message}")
    print(result.summary())
    return 0


def cmd_catalog(ns: argparse.Namespace) -> int:
    from .catalog import admin, catalog_for
    from .runtime.session import build_session

    profile = _profile(ns)
    # Glue is an API call away; the embedded and Hive catalogs live in Spark's session catalog.
    spark = None if profile.catalog.backend == "glue" else build_session(profile, "etl-catalog")
    catalog = catalog_for(profile, spark)
    if ns.action == "databases":
        print(admin.databases(catalog))
    elif ns.action == "tables":
        print(admin.tables(catalog, ns.database))
    elif ns.action == "show":
        print(admin.show(catalog, ns.table))
    else:
        print(admin.partitions(catalog, ns.table))
    return 0


def cmd_jars(ns: argparse.Namespace) -> int:
    profile = _profile(ns)
    setup_logging(profile.log_level)
    names = profile.spark.packages
    if not names:
        print(f"{profile.source}: spark.packages lists none")
        return 0
    found = fetch([coordinate(n) for n in names], profile.spark.conf, retry=True)
    print(f"{'PACKAGE':<12} {'COORDINATE':<48} STATUS")
    for name in names:
        print(f"{name:<12} {coordinate(name):<48} {'missing' if coordinate(name) in found.missing else 'ok'}")
    size = sum(Path(j).stat().st_size for j in found.jars) / 2**20
    print(f"{len(found.jars)} JARs ({size:.0f} MiB) in {ivy_home(profile.spark.conf)}")
    if found.missing:
        print(f"etl: error: {found.message(names)}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="etl", description="Run Glue-style jobs on plain Apache Spark.", allow_abbrev=False
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run a job (see: etl run --help)", add_help=False)
    runs = sub.add_parser("runs", help="list recorded runs, newest first", allow_abbrev=False)
    runs.add_argument("job", nargs="?", help="only this job's runs")
    runs.add_argument("--limit", type=int, default=50)
    _profile_options(runs)
    runs.set_defaults(handler=cmd_runs)

    bookmarks = sub.add_parser("bookmarks", help="show or change a job's bookmark state", allow_abbrev=False)
    actions = bookmarks.add_subparsers(dest="action", required=True)
    for name, text in [
        ("show", "print every version of the state"),
        ("reset", "read everything next run"),
        ("rewind", "go back to what a run committed"),
        ("set", "set a source's mark by hand"),
    ]:
        action = actions.add_parser(name, help=text, allow_abbrev=False)
        action.add_argument("job")
        _profile_options(action)
        action.set_defaults(handler=cmd_bookmarks)
        if name == "rewind":
            action.add_argument("--to-run", required=True, metavar="RUN_ID")
        if name == "set":
            action.add_argument("--ctx", required=True, help="the source's transformation_ctx")
            action.add_argument(
                "--high-water",
                required=True,
                help="files: epoch ms or ISO date-time; JDBC: key values, comma-separated",
            )
            action.add_argument(
                "--type", choices=("files", "jdbc", "delta"), help="needed when the source has no state"
            )
            action.add_argument("--keys", help="JDBC key columns, comma-separated")

    delta = sub.add_parser("delta", help="Delta table maintenance: history, vacuum, optimize", allow_abbrev=False)
    delta_actions = delta.add_subparsers(dest="action", required=True)
    for name, text in [
        ("history", "the table's commits"),
        ("vacuum", "delete files no version needs"),
        ("optimize", "compact small files"),
    ]:
        action = delta_actions.add_parser(name, help=text, allow_abbrev=False)
        action.add_argument("path", help="the table's folder or URI")
        _profile_options(action)
        action.set_defaults(handler=cmd_delta)
        if name == "history":
            action.add_argument("--limit", type=int, default=20)
        if name == "vacuum":
            action.add_argument("--retain-hours", type=int, default=168)
            action.add_argument("--dry-run", action="store_true")

    crawl = sub.add_parser("crawl", help="crawl data into catalog tables", allow_abbrev=False)
    crawl.add_argument("name", nargs="?", help="a crawler in conf/crawlers/NAME.yaml (or a YAML path)")
    crawl.add_argument(
        "--path", dest="paths", action="append", default=[], metavar="PATH", help="a folder to crawl (repeatable)"
    )
    crawl.add_argument(
        "--exclude", dest="exclusions", action="append", default=[], metavar="GLOB", help="a file glob to leave out"
    )
    crawl.add_argument("--database", help="the catalog database of the tables")
    crawl.add_argument("--table-prefix", default="", help="prefix of the table names")
    crawl.add_argument("--name", dest="crawler_name", help="the crawler's name (default: the first path's folder)")
    crawl.add_argument("--update-behavior", choices=UPDATE_BEHAVIORS, default=UPDATE_BEHAVIORS[0])
    crawl.add_argument("--delete-behavior", choices=DELETE_BEHAVIORS, default=DELETE_BEHAVIORS[0])
    crawl.add_argument("--recrawl-policy", choices=RECRAWL_BEHAVIORS, default=RECRAWL_BEHAVIORS[0])
    _profile_options(crawl)
    crawl.set_defaults(handler=cmd_crawl)

    catalog = sub.add_parser("catalog", help="list databases, tables and partitions of the data catalog")
    catalog_actions = catalog.add_subparsers(dest="action", required=True)
    for name, text, arg in [
        ("databases", "every database", None),
        ("tables", "the tables of a database", "database"),
        ("show", "a table's schema, location, format and partition count", "table"),
        ("partitions", "a table's partitions and their locations", "table"),
    ]:
        action = catalog_actions.add_parser(name, help=text, allow_abbrev=False)
        if arg:
            action.add_argument(arg, metavar="DB" if arg == "database" else "DB.TABLE")
        _profile_options(action)
        action.set_defaults(handler=cmd_catalog)

    jars = sub.add_parser(
        "jars", help="fetch the profile's Spark packages (spark.packages) into Ivy's cache", allow_abbrev=False
    )
    _profile_options(jars)
    jars.set_defaults(handler=cmd_jars)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "run":
            return cmd_run(argv[1:])
        ns = build_parser().parse_args(argv)
        return ns.handler(ns)
    except EtlError as exc:
        print(f"etl: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
