"""Finding and executing a job module.

A job is a Python module: a file (``jobs/orders.py``), a visual job's graph (``jobs/orders.glue.json``
or ``.glue.yaml``, its script generated in memory by ``etl_framework.studio``), the name of a file under ``jobs/``
(``orders``), the dotted name of an importable module outside the standard library
(``mypkg.jobs.orders``), or any module named with ``etl run --module NAME``. A bare name is only
looked up under ``jobs/``, so that ``etl run this`` does not run the standard library's ``this``.
It may be

* a Glue-style script whose top-level code reads ``sys.argv`` with ``get_resolved_options``, or
* a module that defines ``main(ctx, args)``, called with an ``EtlContext`` and a dict of every
  ``--key value`` job argument.

The module's top level runs once per run, with ``sys.argv`` set to the job's arguments.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import JobNotFoundError
from .arguments import parse_job_args

GRAPH_SUFFIXES = (".glue.json", ".glue.yaml", ".glue.yml")


@dataclass(frozen=True)
class JobModule:
    """Where a job's code lives: a file path or an importable module name."""

    name: str
    path: Path | None = None
    module: str | None = None
    source: str | None = None  # the script generated from a visual job's graph at ``path``
    # A visual job's DefaultArguments (``--job-bookmark-option``, ...): a run's own arguments win.
    default_args: tuple[tuple[str, str], ...] = ()

    @property
    def ref(self) -> str:
        return str(self.path) if self.path else str(self.module)


def jobs_dir() -> Path:
    """Where bare job names are looked up: ``$ETL_JOBS_DIR`` or ``./jobs``."""
    return Path(os.environ.get("ETL_JOBS_DIR", "jobs"))


def resolve_job(spec: str, module: bool = False) -> JobModule:
    """Turn ``etl run``'s JOB argument into a JobModule, or raise JobNotFoundError.

    ``module=True`` (``etl run --module NAME``) imports ``spec`` whatever it is.
    """
    if module:
        return _module_job(spec, f"job --module {spec!r}: no importable module of that name")
    candidate = Path(spec)
    if spec.endswith(GRAPH_SUFFIXES):
        return _graph_job(candidate)
    if spec.endswith(".py") or os.sep in spec:
        if candidate.is_file():
            return JobModule(candidate.stem, path=candidate.resolve())
        raise JobNotFoundError(f"job {spec!r}: no such file")
    in_jobs = jobs_dir() / f"{spec}.py"
    if in_jobs.is_file():
        return JobModule(spec, path=in_jobs.resolve())
    looked_for = f"job {spec!r}: no file {in_jobs}"
    if "." not in spec:
        raise JobNotFoundError(
            f"{looked_for} (a bare name is looked up under {jobs_dir()}/ only; to run an importable module, "
            f"give its dotted name or --module {spec})"
        )
    top = spec.split(".", 1)[0]
    if top in sys.stdlib_module_names:
        raise JobNotFoundError(f"{looked_for}, and {top} is a standard library module (to run it: --module {spec})")
    return _module_job(spec, f"{looked_for}, and no importable module {spec}")


def _graph_job(path: Path) -> JobModule:
    from ..studio import GraphFileError, generate, load_graph

    if not path.is_file():
        raise JobNotFoundError(f"job {str(path)!r}: no such file")
    name = path.name.removesuffix(next(s for s in GRAPH_SUFFIXES if path.name.endswith(s)))
    graph = load_graph(path)
    defaults = graph.job.get("DefaultArguments", {})
    if not isinstance(defaults, dict) or not all(
        isinstance(k, str) and k.startswith("--") and isinstance(v, str) for k, v in defaults.items()
    ):
        raise GraphFileError(
            f'{path}: DefaultArguments must be an object of "--name": "value" strings (as create_job takes it), '
            f"got {defaults!r:.120}"
        )
    return JobModule(name, path=path.resolve(), source=generate(graph), default_args=tuple(defaults.items()))


def _module_job(spec: str, not_found: str) -> JobModule:
    try:
        found = importlib.util.find_spec(spec)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise JobNotFoundError(not_found)
    return JobModule(spec.rsplit(".", 1)[-1], module=spec)


def execute(job: JobModule, argv: list[str], make_context: Callable[[], Any]) -> None:
    """Run the job's top level with ``sys.argv = [ref, *argv]``, then ``main(ctx, args)`` if defined."""
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [job.ref, *argv]
    if job.path:
        sys.path.insert(0, str(job.path.parent))  # a script may import its sibling modules
    try:
        module = _load(job)
        main = getattr(module, "main", None)
        if callable(main):
            main(make_context(), parse_job_args(argv))
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path


def _load(job: JobModule) -> ModuleType:
    # A fresh module object every time, so that a job's top level runs once per run even when
    # several runs share one process (tests, notebooks).
    if job.source is not None:
        module = ModuleType(f"etl_job_{job.name}")
        module.__file__ = str(job.path)
        exec(compile(job.source, str(job.path), "exec"), module.__dict__)
        return module
    if job.path:
        spec = importlib.util.spec_from_file_location(f"etl_job_{job.name}", job.path)
    else:
        spec = importlib.util.find_spec(job.module)  # type: ignore[arg-type]
    if spec is None or spec.loader is None:
        raise JobNotFoundError(f"job {job.ref!r}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
