"""``etl run JOB --watch``: one local SparkSession kept open, the job run again on every save of its code.

The session (and with it the embedded catalog) is built once, before the first run; ``run_job``
then finds it running and leaves it running, so a rerun costs the job, not a JVM start. After each
run the loop watches the job file and every module the job imported from the project (files under
the working directory or the job's folder, outside the environment's packages and etl_framework),
by polling their ``stat``: a handful of files, so a poll costs nothing on two cores, and a path
polled by name sees an editor's save (a temporary file renamed over the original) as any other
write. Before a rerun those modules leave ``sys.modules``, so the rerun imports their new code.

Ctrl-C while waiting ends the loop with 0; Ctrl-C during a run stops the run (recorded ``STOPPED``,
as without ``--watch``) and ends the loop with 130.
"""

from __future__ import annotations

import importlib.util
import site
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Profile, load_profile
from ..errors import EtlError
from ..glue_compat import install
from ..logs import setup_logging
from .launcher import RunRequest, run_job
from .modules import JobModule, resolve_job

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

POLL_SECONDS = 0.1
SETTLE_SECONDS = 0.1  # an editor's save is several writes; the files must stay put this long

_FRAMEWORK = Path(__file__).resolve().parent.parent  # never reloaded: the loop itself runs on it
_STOPPED_CODE = 130


def watch(request: RunRequest, profile: Profile | None = None) -> int:
    """Run ``request.job`` on a local session kept open, again after each save; the exit code."""
    if request.job is None:
        raise EtlError("no job to run: give a job file, a name under jobs/, or --module NAME")
    if request.dry_run:
        raise EtlError("--watch runs the job locally, again on every save; --dry-run submits nothing: give one")
    profile = profile or load_profile(request.env, request.sets, request.confs)
    if profile.deploy.target or not profile.spark.is_local:
        where = profile.deploy.target or profile.spark.master
        raise EtlError(
            f"--watch: profile {profile.source} runs jobs on {where}; --watch keeps a local SparkSession "
            f"open between runs, so it needs a local profile (spark.master: local[...])"
        )
    setup_logging(profile.log_level)
    job = resolve_job(request.job, module=request.module)
    roots = _project_roots(job)
    # A rerun must compile the saved source: a .pyc written in the same second as a later edit of
    # the same size would pass Python's mtime-and-size check and bring back the old code.
    saved_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    from .session import build_session

    # Built once, shim and packages included: a rerun re-resolves and re-installs nothing.
    spark = build_session(profile, job.name)
    install(spark.sparkContext)
    try:
        return _loop(request, profile, job, roots, spark)
    except KeyboardInterrupt:  # between runs: nothing was interrupted
        print("etl run --watch: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        sys.dont_write_bytecode = saved_bytecode
        spark.stop()


def _loop(request: RunRequest, profile: Profile, job: JobModule, roots: list[Path], spark: SparkSession) -> int:
    watched = [_job_file(job)]
    while True:
        at_start = _signatures(watched)  # a save during the run is a save to run again for
        try:
            record = run_job(request.job or "", request.job_argv, profile, module=request.module, spark=spark)
        except EtlError as exc:  # the job file gone mid-save, a damaged history: say so, wait for the fix
            print(f"etl: job {request.job}: {exc}", file=sys.stderr, flush=True)
        else:
            if record.status == "STOPPED":
                return _STOPPED_CODE
            watched = [_job_file(job), *project_files(roots)]
        shown = ", ".join(_shown(p) for p in watched)
        print(f"etl run --watch: waiting for a save of {shown} (Ctrl-C ends)", file=sys.stderr, flush=True)
        changed = wait_for_change(watched, at_start)
        print(f"etl run --watch: {', '.join(_shown(p) for p in changed)} saved", file=sys.stderr, flush=True)
        forget_project_modules(roots)


def _job_file(job: JobModule) -> Path:
    if job.path:
        return job.path
    spec = importlib.util.find_spec(job.module or "")
    if spec is None or not spec.origin:
        raise EtlError(f"--watch: job module {job.module} has no file to watch")
    return Path(spec.origin).resolve()


def _project_roots(job: JobModule) -> list[Path]:
    roots = [Path.cwd().resolve()]
    if job.path and not job.path.parent.is_relative_to(roots[0]):
        roots.append(job.path.parent)
    return roots


def _outside_project() -> list[Path]:
    """Folders whose modules are never the project's, even when they lie inside it (a ``.venv``)."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(), site.getusersitepackages()}
    return [_FRAMEWORK, *(Path(f).resolve() for f in folders)]


def _project_modules(roots: list[Path]) -> dict[str, Path]:
    """The loaded modules whose files are the project's: module name -> file."""
    outside = _outside_project()
    found = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if any(path.is_relative_to(r) for r in roots) and not any(path.is_relative_to(o) for o in outside):
            found[name] = path
    return found


def project_files(roots: list[Path]) -> list[Path]:
    """The files of the project's loaded modules, each once, sorted."""
    return sorted(set(_project_modules(roots).values()))


def forget_project_modules(roots: list[Path]) -> None:
    """Drop the project's modules from ``sys.modules``, so that the next run imports their new code."""
    for name in _project_modules(roots):
        del sys.modules[name]
    importlib.invalidate_caches()  # a module file created since the last run must be found


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:  # between an editor's unlink and its rename
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _signatures(paths: Iterable[Path]) -> dict[Path, tuple[int, int, int] | None]:
    return {p: _signature(p) for p in paths}


def wait_for_change(paths: list[Path], seen: dict[Path, tuple[int, int, int] | None]) -> list[Path]:
    """Block until some of ``paths`` differ from ``seen`` (a path not in it: from now) and have
    then stayed put for ``SETTLE_SECONDS``; the changed ones."""
    before = {**_signatures(paths), **{p: s for p, s in seen.items() if p in paths}}
    now = _signatures(paths)
    while True:
        if now != before:
            time.sleep(SETTLE_SECONDS)
            later = _signatures(paths)
            if later == now:
                return [p for p in paths if now[p] != before[p]]
            now = later
            continue
        time.sleep(POLL_SECONDS)
        now = _signatures(paths)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
