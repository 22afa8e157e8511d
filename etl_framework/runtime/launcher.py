"""The launcher: runs one job, records it in the run history and prints a summary line.

``etl run`` calls it in-process for local profiles and submits this very file to Spark for cluster
profiles, so it is also a valid ``spark-submit`` application on its own (an EMR step, Airflow's
``SparkSubmitOperator``)::

    spark-submit --master spark://host:7077 --py-files etl_framework.zip,etl_framework_glue_shim.zip \\
        $(python -c 'import etl_framework.runtime.launcher as l; print(l.__file__)') \\
        --env conf/standalone.yaml jobs/sample_orders.py --JOB_NAME orders

(the second zip, ``etl_framework.glue_compat.shim_zip()``, gives Glue scripts ``import awsglue``
on the executors; ``etl run --dry-run`` prints the whole command).

Arguments: ``[--env PROFILE] [--set KEY=VALUE ...] [--conf SPARK_KEY=VALUE ...] JOB|--module NAME
[--key value ...] [-- --key value ...]``; everything that is not one of the launcher's options, and
everything after ``--``, goes to the job. The process exits with the job's exit code (``sys.exit(3)``
in a job exits 3; any other failure 1).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if __name__ == "__main__":
    # spark-submit runs this file as a script, which puts its folder (etl_framework/runtime/) first on
    # sys.path: the modules there would shadow top-level packages of the same name (our session.py,
    # history.py), as etl_framework/delta once shadowed delta-spark's `delta`.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

# Absolute imports: spark-submit executes this file as a script, not as part of the package.
from etl_framework.config import Profile, load_profile
from etl_framework.context import EtlContext
from etl_framework.errors import EtlError
from etl_framework.glue_compat import attached_spark_context, install
from etl_framework.logs import get_logger, setup_logging
from etl_framework.redaction import mask_argv, redact, secret_values
from etl_framework.runtime import result
from etl_framework.runtime.active import ActiveRun, activate
from etl_framework.runtime.history import RunHistory, RunRecord, new_run_id, scheduled_run_id
from etl_framework.runtime.modules import JobModule, execute, resolve_job
from etl_framework.s3 import is_s3

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = get_logger("launcher")


@dataclass
class RunRequest:
    """``etl run``'s command line, split into the launcher's options and the job's arguments."""

    job: str | None = None
    env: str = "local"
    sets: list[str] = field(default_factory=list)
    confs: list[str] = field(default_factory=list)
    module: bool = False  # JOB was given with --module: any importable module, the standard library's too
    dry_run: bool = False
    masked: bool = False  # --dry-run=masked
    watch: bool = False  # --watch: run again on every save of the job's code (runtime.watch)
    help: bool = False
    job_argv: list[str] = field(default_factory=list)

    def launcher_options(self) -> list[str]:
        """The profile options again, as the launcher takes them."""
        out = ["--env", self.env]
        for item in self.sets:
            out += ["--set", item]
        for item in self.confs:
            out += ["--conf", item]
        return out


_VALUED = ("--env", "--set", "--conf", "--module")


def parse_run_request(tokens: list[str]) -> RunRequest:
    """Split ``[options] JOB [options and job args] [-- job args]``: ``--env``, ``--set``, ``--conf``,
    ``--module``, ``--dry-run``, ``--watch`` belong to the launcher wherever they stand before ``--``; the first
    bare word is JOB; the rest, and everything after ``--``, is the job's."""
    req = RunRequest()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name, eq, inline = token.partition("=")
        if token == "--":
            rest = tokens[i + 1 :]
            if req.job is None and rest and not rest[0].startswith("-"):
                req.job, rest = rest[0], rest[1:]
            req.job_argv += rest
            break
        if name in _VALUED:
            if eq:
                value = inline
            elif i + 1 < len(tokens):
                value, i = tokens[i + 1], i + 1
            else:
                raise EtlError(f"{name} needs a value")
            if name == "--env":
                req.env = value
            elif name == "--module":
                if req.job is not None:
                    raise EtlError(f"--module {value}: the job is already given ({req.job})")
                req.job, req.module = value, True
            else:
                (req.sets if name == "--set" else req.confs).append(value)
        elif name == "--dry-run":
            if eq and inline != "masked":
                raise EtlError(f"{token}: expected --dry-run or --dry-run=masked")
            req.dry_run, req.masked = True, bool(eq)
        elif token == "--watch":
            req.watch = True
        elif token in ("-h", "--help") and req.job is None:
            req.help = True
        elif req.job is None and not token.startswith("-"):
            req.job = token
        else:
            req.job_argv.append(token)
        i += 1
    return req


def with_default_args(job: JobModule, job_argv: list[str]) -> list[str]:
    """``job_argv`` and the visual job's ``DefaultArguments`` that it does not give."""
    argv = list(job_argv)
    for flag, value in job.default_args:
        if _value_of(argv, flag) is None:
            argv += [flag, value]
    return argv


def job_argv_with_defaults(job: JobModule, job_argv: list[str], run_id: str) -> tuple[str, list[str]]:
    """Glue always passes ``--JOB_NAME`` (and ``--JOB_RUN_ID``); add them when the caller did not,
    and a visual job's ``DefaultArguments`` that the caller did not give."""
    argv = with_default_args(job, job_argv)
    name = _value_of(argv, "--JOB_NAME")
    if name is None:
        name = job.name
        argv += ["--JOB_NAME", name]
    if _value_of(argv, "--JOB_RUN_ID") is None:
        argv += ["--JOB_RUN_ID", run_id]
    return name, argv


def _value_of(argv: list[str], flag: str) -> str | None:
    for i, item in enumerate(argv):
        if item == flag and i + 1 < len(argv):
            return argv[i + 1]
        if item.startswith(flag + "="):
            return item.split("=", 1)[1]
    return None


def run_job(
    job_spec: str,
    job_argv: list[str],
    profile: Profile,
    module: bool = False,
    spark: SparkSession | None = None,
    run_id: str | None = None,
) -> RunRecord:
    """Run one job to completion on a session built from ``profile``; never raises for a job failure.

    A session that was running before (a notebook's, a test's) is used and left running; one the
    run built is stopped at its end. ``spark``, a session built from ``profile`` already with the
    Glue shim installed on it (``etl run --watch``'s), is used as it is and left running.

    ``module=True`` takes ``job_spec`` as a module name (``etl run --module``); ``run_id`` is the
    run's id when the caller has given it out already (the Studio's runs). The run history
    keeps the job's arguments with the values of secret ones masked (``redaction``); the record's
    ``exit_code`` is the job's own (``sys.exit(3)``: 3), 1 for any other failure.

    >>> from etl_framework.config import load_profile
    >>> record = run_job("jobs/sample_orders.py", [], load_profile("local"))  # doctest: +SKIP
    >>> record.status  # doctest: +SKIP
    'SUCCEEDED'
    """
    from pyspark import SparkContext  # pyspark: only when a job runs

    from etl_framework.runtime.session import build_session, under_spark_submit

    setup_logging(profile.log_level)
    job = resolve_job(job_spec, module=module)
    run_id = run_id or scheduled_run_id() or new_run_id()
    # A driver on a cluster (deployed): its run is the submitter's, named by --JOB_RUN_ID.
    remote = profile.spark.deploy_mode == "cluster" and result.on_cluster(profile.state_dir)
    if remote:
        run_id = _value_of(job_argv, "--JOB_RUN_ID") or run_id
    job_name, argv = job_argv_with_defaults(job, job_argv, run_id)
    names, hidden = profile.secret_names, secret_values(argv, profile.secret_names)
    # The run history is local (SQLite): with state_dir on the cluster it lives as long as the
    # driver, and the finished record is published beside the bookmarks (runtime/result.py).
    history = RunHistory(tempfile.mkdtemp(prefix="etl-state-") if remote else profile.state_dir)
    history.start(job_name, {"job": job.ref, "argv": mask_argv(argv, names), "profile": profile.source}, run_id)
    workflow = _value_of(argv, "--WORKFLOW_NAME"), _value_of(argv, "--WORKFLOW_RUN_ID")
    run = ActiveRun(job_name, run_id, profile, {}, workflow_name=workflow[0], workflow_run_id=workflow[1])
    log.info("job %s run %s starting (profile %s, master %s)", job_name, run_id, profile.name, profile.spark.master)
    status, error, code = "SUCCEEDED", None, 0

    building = False

    def session() -> SparkSession:
        # Built on the job's first use (its context, or a Glue script's SparkContext()): a job that
        # never uses Spark, such as a script a scheduler test runs, starts no JVM. The builder's own
        # SparkContext(conf) comes back here while it builds: that one is left to make the context.
        nonlocal spark, building
        if spark is None and not building:
            building = True
            try:
                spark = build_session(profile, job_name)
            finally:
                building = False
            # Under spark-submit the command's --py-files carry the shim to the executors already.
            install(None if under_spark_submit() else spark.sparkContext)
        return spark

    borrowed = spark is not None or SparkContext._active_spark_context is not None
    try:
        if borrowed:  # a notebook's or a test's: no JVM to spare
            session()
        install()  # Glue scripts as written: `import awsglue`, then `sc = SparkContext()`
        with activate(run), attached_spark_context(session):
            execute(job, argv, lambda: EtlContext(session()))
    except SystemExit as exc:  # a Glue script may call sys.exit()
        if exc.code not in (None, 0):
            # sys.exit("message") exits 1, as Python does
            status, code = "FAILED", exc.code if isinstance(exc.code, int) else 1
            error = redact(f"SystemExit: {exc.code}", names, hidden)
    except BaseException as exc:  # noqa: BLE001 - every failure is recorded, then reported
        status, error, code = "FAILED", redact(error_text(exc), names, hidden), 1
        # The framework's own errors say what is wrong; a traceback is for the unexpected.
        details = "" if isinstance(exc, EtlError) else "\n" + redact(traceback.format_exc(), names, hidden)
        log.error("job %s failed: %s%s", job_name, error, details)
        if isinstance(exc, KeyboardInterrupt):
            status, code = "STOPPED", 130
    finally:
        record = history.finish(run_id, status, error, run.metrics.as_dict(), code)
        if remote:  # while the session is up: it writes through Hadoop's file system
            result.publish(spark, profile.state_dir, record)
        if spark is not None and not borrowed:
            spark.stop()
    print(summary_line(record), flush=True)
    return record


# The frames of a Java stack trace in a py4j error's message ("\tat org...", "\t... 12 more").
_JAVA_FRAME = re.compile(r"^\s+(at |\.\.\. \d+ more)")


def error_text(exc: BaseException) -> str:
    """``Type: message`` of a job's exception, without the Java stack frames a py4j error carries."""
    lines = [line for line in str(exc).splitlines() if line.strip() and not _JAVA_FRAME.match(line)]
    return f"{type(exc).__name__}: {' '.join(lines)}"


def summary_line(record: RunRecord, extra: dict[str, str] | None = None) -> str:
    """The one line every run ends with; ``extra`` adds ``key=value`` items (a deployed run's ids)."""
    m = record.metrics
    parts = [
        f"job={record.job}",
        f"run_id={record.run_id}",
        f"status={record.status}",
        f"duration={record.duration:.1f}s",
        f"read={m.get('read', 0)}",
        f"written={m.get('written', 0)}",
        f"errors={m.get('errors', 0)}",
    ]
    if "dq_rules_failed" in m:  # the run evaluated data quality rulesets
        parts.append(f"dq_rules_passed={m['dq_rules_passed']} dq_rules_failed={m['dq_rules_failed']}")
    parts += [f"{key}={value}" for key, value in (extra or {}).items()]
    if record.error:
        parts.append(f"error={record.error!r}")
    return "etl run summary: " + " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """spark-submit entry point; returns the process exit code."""
    req = parse_run_request(list(sys.argv[1:] if argv is None else argv))
    if req.help or req.job is None:
        print(__doc__)
        return 0 if req.help else 2
    started = time.time()
    try:
        env = req.env
        if is_s3(env):  # a deployed run (etl_framework.deploy): the profile staged beside the package
            from etl_framework.deploy.staging import download

            env = str(download(env, Path(tempfile.mkdtemp(prefix="etl-profile-"))))
        profile = load_profile(env, req.sets, req.confs)
        record = run_job(req.job, req.job_argv, profile, module=req.module)
    except EtlError as exc:
        print(f"etl: job {req.job}: {exc} ({time.time() - started:.1f}s)", file=sys.stderr)
        return 1
    return record.exit_code or 0


if __name__ == "__main__":
    sys.exit(main())
