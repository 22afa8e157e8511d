"""A run on the profile's ``deploy.target``: package, stage, submit, follow, record, report."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace

from ..config import Profile
from ..logs import get_logger
from ..redaction import mask_argv
from ..runtime import result
from ..runtime.history import RunHistory, new_run_id
from ..runtime.launcher import RunRequest, job_argv_with_defaults, summary_line
from ..runtime.modules import resolve_job
from . import cluster_staging, emr, serverless, yarn
from .command import SparkSubmit, spark_submit
from .follow import follow
from .package import build, cache_dir
from .staging import location, stage

log = get_logger("deploy")

TARGETS = {"emr": emr.EmrTarget, "emr-serverless": serverless.ServerlessTarget, "yarn": yarn.YarnTarget}
ENDS = {"emr": emr.ENDS, "emr-serverless": serverless.ENDS, "yarn": yarn.ENDS}


def _prepare(req: RunRequest, profile: Profile, run_id: str):
    """The target, the package, the job's arguments (with Glue's defaults) and the command, whose
    files are where ``stage`` puts them."""
    target = TARGETS[profile.deploy.target or ""](profile)  # bad profile keys fail here, before any work
    job = resolve_job(req.job or "", module=req.module)
    package = build(profile, cache_dir() / "package", job)
    name, argv = job_argv_with_defaults(job, req.job_argv, run_id)
    if isinstance(target, yarn.YarnTarget):  # staged on the cluster's file system
        uris, files = yarn.uris(package, target.stage_dir)
    else:
        where = location(profile)
        uris, files = {p: where.uri(p.name) for p in package.files}, []
    serverless = target.kind == "emr-serverless"
    cmd = spark_submit(replace(req, job_argv=argv), job, profile, package, uris, serverless, files)
    return target, job, package, name, argv, cmd


def dry_run(req: RunRequest, profile: Profile) -> str:
    """The API requests ``deploy_run`` would send, as JSON by operation name, secret values masked.
    Nothing is uploaded; the S3 locations are those the package's files would have."""
    target, _, _, name, _, cmd = _prepare(req, profile, "<JOB_RUN_ID>")
    masked = SparkSubmit(
        mask_argv(cmd.options, profile.secret_names), cmd.entry_point, mask_argv(cmd.arguments, profile.secret_names)
    )
    return json.dumps(target.requests(masked, name), indent=2)


def deploy_run(req: RunRequest, profile: Profile) -> int:
    """Run ``req`` on the profile's ``deploy.target`` and follow it to its end; the exit code (0
    when the run succeeded, 1 when it did not)."""
    run_id = new_run_id()
    target, job, package, name, argv, cmd = _prepare(req, profile, run_id)
    history = RunHistory(profile.state_dir)  # the submitter's history: checked before any upload
    target.check()
    # Every upload ends before the run is submitted.
    if isinstance(target, yarn.YarnTarget):
        where, sent = f"{target.stage_dir}/", cluster_staging.stage(profile, package.files)
    else:
        where, sent = location(profile).uri(""), stage(profile, package.files)
    print(f"etl: staged {len(package.files)} files under {where} ({len(sent)} uploaded)")
    started = time.time()
    try:
        ids = target.submit(cmd, name)
        details = {
            "job": job.ref,
            "argv": mask_argv(argv, profile.secret_names),
            "profile": profile.source,
            "target": target.kind,
            **ids,
        }
        history.start(name, details, run_id)
        outcome = follow(
            target.poll, ENDS[target.kind], target.label, profile.deploy.poll_seconds, profile.deploy.timeout_minutes
        )
        error = None
        if outcome.status != "SUCCEEDED":
            error = f"{target.label} {outcome.state}: {outcome.reason or 'no reason given'}; logs: {target.logs()}"
        # The driver's own record, where it ran on the cluster: its counts, and its error first.
        state_dir = profile.deploy.state_dir
        driver = result.fetch(state_dir, run_id) if state_dir and result.on_cluster(state_dir) else None
        if driver and driver.get("error") and error:
            error = f"{driver['error']}; {error}"
        metrics = (driver or {}).get("metrics") or {}
        record = history.finish(run_id, outcome.status, error, metrics, 0 if outcome.status == "SUCCEEDED" else 1)
    finally:
        target.close()
    print(summary_line(record, ids), flush=True)
    if error:
        print(f"etl: job {job.name} {outcome.status} after {time.time() - started:.1f}s: {error}", file=sys.stderr)
    return record.exit_code or 0
