"""Building the ``spark-submit`` command for cluster profiles.

The framework travels as a zip on ``--py-files`` (built once per content, so a printed command
keeps working), the job file beside it, and the launcher is the application.

    >>> from etl_framework.config import load_profile
    >>> from etl_framework.runtime.launcher import parse_run_request
    >>> req = parse_run_request(["jobs/sample_orders.py", "--env", "standalone"])
    >>> cmd = spark_submit_command(req, load_profile("standalone"))  # doctest: +SKIP
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..config import Profile, profile_path
from ..glue_compat import shim_zip
from ..jvm import spark_home
from ..packages import session_conf
from .archive import content_module, content_zip
from .launcher import RunRequest, with_default_args
from .modules import JobModule, resolve_job

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the etl_framework package
LAUNCHER = Path(__file__).resolve().parent / "launcher.py"


def framework_files() -> Iterator[tuple[str, Path]]:
    """(name in a zip, file) of the ``etl_framework`` package: its sources and the Java it compiles
    at run time (jvm.py reads it as a package resource)."""
    for path in PACKAGE_DIR.rglob("*"):
        if path.suffix in (".py", ".java"):
            yield path.relative_to(PACKAGE_DIR.parent).as_posix(), path


def package_zip() -> Path:
    """Zip the ``etl_framework`` package for ``--py-files``; the name carries a content hash."""
    return content_zip("etl_framework", framework_files())


def spark_submit_command(req: RunRequest, profile: Profile) -> list[str]:
    """The full argv of ``spark-submit`` for ``req`` on ``profile``'s master."""
    job = resolve_job(req.job or "", module=req.module)
    spark = profile.spark
    conf = {**spark.conf, **session_conf(spark.packages, spark.conf, local=False)[0]}
    # The driver in client mode is this machine: use this interpreter (it has our dependencies).
    # Executors default to it as well, which is right for a cluster on this machine; on a real
    # cluster the profile names the executors' Python, or deploys with a package (etl_framework.deploy).
    conf.setdefault("spark.pyspark.driver.python", sys.executable)
    conf.setdefault("spark.pyspark.python", sys.executable)
    cmd = [
        str(spark_home() / "bin" / "spark-submit"),
        "--master",
        spark.master,
        "--deploy-mode",
        spark.deploy_mode,
    ]
    cmd += ["--name", spark.app_name or job.name]
    for key, value in conf.items():
        cmd += ["--conf", f"{key}={value}"]
    cmd += spark.submit_args
    # In cluster deploy mode the job file is not on the driver's disk, only on its PYTHONPATH.
    on_disk = bool(job.path) and spark.deploy_mode == "client"
    py_files = [str(package_zip())]
    if job.source is not None and not on_disk:  # a visual job: its generated script, as module job.name
        py_files.append(str(content_module(job.name, job.source)))
    elif job.path and job.source is None:  # (a client-mode driver generates a visual job's script again)
        py_files.append(str(job.path))
    # The Glue shim (awsglue, awsgluedq) at the root of a zip of its own: driver and executors import it.
    py_files.append(str(shim_zip()))
    cmd += ["--py-files", ",".join(py_files)]
    profile_ref = str(profile_path(req.env).resolve())
    req = replace(req, job_argv=with_default_args(job, req.job_argv))  # the driver may see no graph
    return [*cmd, str(LAUNCHER), *launcher_arguments(req, job, profile_ref, job_on_disk=on_disk)]


def launcher_arguments(req: RunRequest, job: JobModule, profile_ref: str, job_on_disk: bool) -> list[str]:
    """The launcher's arguments for ``req``: the profile, its overrides, the job (its file when
    ``job_on_disk``, else its module name, found on the ``--py-files`` path) and its arguments."""
    out = ["--env", profile_ref]
    for item in req.sets:
        out += ["--set", item]
    for item in req.confs:
        out += ["--conf", item]
    # Off the driver's disk a job is the module of its name (a file's stem; a visual job's generated script).
    job_ref = [str(job.path)] if job.path and job_on_disk else ["--module", job.module or job.name]
    # After "--" the launcher passes everything on, so a job's own --env or --conf reaches it.
    return [*out, *job_ref, "--", *req.job_argv]


def shell_command(cmd: list[str]) -> str:
    """``cmd`` quoted for a POSIX shell (what ``etl run --dry-run`` prints)."""
    return shlex.join(cmd)
