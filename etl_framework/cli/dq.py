"""``etl dq run`` (a DQDL ruleset evaluated outside a job) and ``etl dq results`` (the stored evaluations)."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import EtlError
from .options import add_actions, profile_of


def cmd_dq(ns: argparse.Namespace) -> int:
    return _run(ns) if ns.action == "run" else _results(ns)


def _run(ns: argparse.Namespace) -> int:
    from .. import EtlContext
    from ..data_quality import evaluate
    from ..logs import setup_logging
    from ..runtime.session import build_session

    if bool(ns.path) == bool(ns.table):
        raise EtlError("etl dq run: give --path P --format F, or --table DB.TABLE")
    try:
        with open(ns.ruleset, encoding="utf-8") as text:
            ruleset = text.read()
    except OSError as exc:
        raise EtlError(f"etl dq run: cannot read the ruleset {ns.ruleset}: {exc.strerror}") from exc
    profile = profile_of(ns)
    setup_logging(profile.log_level)
    ctx = EtlContext(build_session(profile, "etl-dq"), profile)
    options = dict(_pair(o, "--format-option", "KEY=VALUE") for o in ns.format_options)

    def table(what: str, name: str):
        database, _, table = name.partition(".")
        if not database or not table:
            raise EtlError(f"etl dq run: {what} {name!r}: expected DB.TABLE")
        return ctx.create_dynamic_frame.from_catalog(database=database, table_name=table)

    def files(what: str, path: str):
        if not ns.format:
            raise EtlError(f"etl dq run: {what} {path} is a path: give its --format (json, csv, parquet, ...)")
        kind = "s3" if path.startswith(("s3://", "s3a://", "s3n://")) else "file"
        return ctx.create_dynamic_frame.from_options(kind, {"paths": [path], "recurse": True}, ns.format, options)

    def reference(name: str, where: str):
        # DB.TABLE unless it is a path: it has a slash, or names a local file or folder
        is_path = "/" in where or os.path.exists(where) or where.count(".") != 1
        return (files if is_path else table)(f"--reference {name}", where)

    frame = files("--path", ns.path) if ns.path else table("--table", ns.table)
    references = {name: reference(name, where) for name, where in map(_reference, ns.references)}
    context = ns.context or ns.ruleset.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    publishing = {"dataQualityEvaluationContext": context}
    checked = evaluate(frame, ruleset, publishing, additional_data_sources=references, row_level=False)
    outcomes = checked["ruleOutcomes"].toDF().collect()
    print(f"{'OUTCOME':<8} {'RULE':<40} FAILURE REASON / METRICS")
    for o in outcomes:
        metrics = ", ".join(f"{k}={_number(v)}" for k, v in sorted(o.EvaluatedMetrics.items()))
        print(f"{o.Outcome:<8} {o.Rule:<40} {(o.FailureReason or '').replace(chr(10), '; ') or metrics}")
    failed = sum(o.Outcome == "Failed" for o in outcomes)
    print(f"data quality {context}: {len(outcomes) - failed} of {len(outcomes)} rules passed")
    if failed:
        print(f"etl dq run: {failed} of {len(outcomes)} rules failed", file=sys.stderr)
    return 1 if failed else 0


def _results(ns: argparse.Namespace) -> int:
    from ..data_quality.results import NO_JOB, stored

    records = stored(profile_of(ns).state_dir, ns.job, ns.context, ns.last)
    if not records:
        print("no data quality results stored" + (f" for job {ns.job}" if ns.job else ""))
        return 0
    print(f"{'TIME':<25} {'JOB':<16} {'RUN ID':<34} {'CONTEXT':<20} {'OUTCOME':<8} {'RULE':<36} METRICS")
    for r in records:
        metrics = ", ".join(f"{k}={_number(v)}" for k, v in sorted((r.get("metrics") or {}).items()))
        print(
            f"{r.get('time', ''):<25} {r.get('job') or NO_JOB:<16} {r.get('run_id') or '-':<34} "
            f"{r.get('context', ''):<20} {r.get('outcome', ''):<8} {r.get('rule', ''):<36} {metrics}"
        )
    return 0


def _pair(text: str, option: str, form: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise EtlError(f"etl dq run: {option} {text!r}: expected {form}")
    return key, value


def _reference(text: str) -> tuple[str, str]:
    return _pair(text, "--reference", "NAME=PATH or NAME=DB.TABLE")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_actions(
        sub,
        "dq",
        "evaluate a DQDL ruleset outside a job, or list stored data quality results",
        {"run": "evaluate a ruleset on files or a catalog table", "results": "list stored evaluations"},
        cmd_dq,
    )
    run = actions["run"]
    run.add_argument("--ruleset", required=True, metavar="FILE", help="a DQDL ruleset: Rules = [ ... ]")
    run.add_argument("--path", help="the files to evaluate (read with --format)")
    run.add_argument("--format", help="json, csv, parquet, ... (for --path and path references)")
    run.add_argument(
        "--format-option",
        dest="format_options",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a format option, e.g. withHeader=true (repeatable)",
    )
    run.add_argument("--table", metavar="DB.TABLE", help="a catalog table to evaluate")
    run.add_argument("--context", help="the evaluation context results are kept under (default: the ruleset's name)")
    run.add_argument(
        "--reference",
        dest="references",
        action="append",
        default=[],
        metavar="NAME=PATH|DB.TABLE",
        help="an additional data source the rules name (repeatable)",
    )
    results = actions["results"]
    results.add_argument("job", nargs="?", help="only this job's results (_no_job: those of etl dq run)")
    results.add_argument("--context", help="only this evaluation context")
    results.add_argument("--last", type=int, metavar="N", help="only the last N evaluations")
