"""``launch()``: run a job where its profile says, in this process or through spark-submit.

The one entry point for everything that starts jobs (``etl run``, and the scheduler and the
Studio to come): a local profile (``spark.master: local[...]``) runs the job in this process, a
cluster profile submits it with spark-submit and waits for it, a profile with a ``deploy.target``
(EMR, EMR Serverless) runs it there through ``etl_framework.deploy``. Either way the exit code is
the job's.

>>> from etl_framework.runtime.launcher import RunRequest
>>> launch(RunRequest(job="jobs/sample_orders.py", dry_run=True))
Traceback (most recent call last):
...
etl_framework.errors.EtlError: --dry-run: profile .../conf/local.yaml is local (local[...]); nothing is submitted
"""

from __future__ import annotations

import subprocess
import sys
import time

from ..config import Profile, load_profile
from ..errors import EtlError
from ..logs import get_logger, setup_logging
from ..redaction import mask_argv
from .launcher import RunRequest, run_job
from .submit import shell_command, spark_submit_command

log = get_logger("launcher")


def launch(request: RunRequest, profile: Profile | None = None) -> int:
    """Run ``request.job`` with ``profile`` (default: the one ``request.env`` names); the exit code.

    With ``request.dry_run`` a cluster run prints its spark-submit command instead, and a run on
    a ``deploy.target`` the API requests it would send."""
    if request.job is None:
        raise EtlError("no job to run: give a job file, a name under jobs/, or --module NAME")
    profile = profile or load_profile(request.env, request.sets, request.confs)
    setup_logging(profile.log_level)
    if profile.deploy.target:  # EMR, EMR Serverless: packaged, staged on S3, submitted through their API
        from ..deploy import deploy_run, dry_run

        if request.dry_run:
            print(dry_run(request, profile))
            return 0
        return deploy_run(request, profile)
    if profile.spark.is_local:
        if request.dry_run:
            raise EtlError(
                f"--dry-run: profile {profile.source} is local ({profile.spark.master}); nothing is submitted"
            )
        return run_job(request.job, request.job_argv, profile, module=request.module).exit_code or 0
    cmd = spark_submit_command(request, profile)
    if request.dry_run:
        print(shell_command(mask_argv(cmd, profile.secret_names) if request.masked else cmd))
        return 0
    log.info("submitting %s to %s", request.job, profile.spark.master)
    started = time.time()
    code = subprocess.call(cmd)
    if code != 0:
        print(
            f"etl: job {request.job} failed on {profile.spark.master}: spark-submit exited with {code} "
            f"after {time.time() - started:.1f}s",
            file=sys.stderr,
        )
    return code  # the launcher exits with the job's code; spark-submit passes it on
