"""Putting the Glue shim (``shim/awsglue``, ``shim/awsgluedq``) on the import path of a process and its executors.

The shim is package data, not an installed top-level package: several PyPI distributions
(AWS's own AWSGlueDataplanePython among them) install an ``awsglue`` package, and ours must
neither overwrite theirs nor claim the name in every environment etl_framework is installed in.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from ..logs import get_logger
from ..runtime.archive import content_zip

if TYPE_CHECKING:
    from pyspark import SparkContext

log = get_logger("glue_compat")

SHIM_DIR = Path(__file__).resolve().parent / "shim"
SHIM_PACKAGES = ("awsglue", "awsgluedq")
_ZIP_STEM = "etl_framework_glue_shim"  # the zip's name marks it as ours wherever Spark copies it
_shipped: weakref.WeakSet[SparkContext] = weakref.WeakSet()


def shim_zip() -> Path:
    """The shim's packages at the root of a zip, for ``--py-files`` and ``SparkContext.addPyFile``."""
    return content_zip(_ZIP_STEM, ((p.relative_to(SHIM_DIR).as_posix(), p) for p in SHIM_DIR.rglob("*.py")))


def other_awsglue() -> str | None:
    """Where ``import awsglue`` (or ``awsgluedq``) would load a package that is not our shim, if it would."""
    for name in SHIM_PACKAGES:
        spec = importlib.util.find_spec(name) if name not in sys.modules else sys.modules[name].__spec__
        origin = (spec.origin or "") if spec else ""
        if spec and not _is_ours(origin):
            distributions = importlib.metadata.packages_distributions().get(name)
            source = f"the distribution {', '.join(sorted(set(distributions)))}" if distributions else "a package"
            return f"{name} from {source} at {origin or next(iter(spec.submodule_search_locations or []), '?')}"
    return None


def _is_ours(origin: str) -> bool:
    path = Path(origin)
    return path.is_relative_to(SHIM_DIR) or any(p.startswith(_ZIP_STEM) and p.endswith(".zip") for p in path.parts)


def install(sc: SparkContext | None = None) -> bool:
    """Make ``import awsglue`` and ``import awsgluedq`` give etl_framework's shim in this process
    and, given a SparkContext, in its executors' Python workers (``map``/``filter`` functions that
    use awsglue). Idempotent; ``etl run`` and the spark-submit launcher call it before a job.

    Steps aside when another ``awsglue`` is importable (AWSGlueDataplanePython, a checkout of
    aws-glue-libs on ``PYTHONPATH``): it logs a warning naming it and returns False, leaving
    that package to scripts that import it. True when the shim is what they import.

    >>> from etl_framework.glue_compat import install
    >>> install()  # doctest: +SKIP
    True
    """
    other = other_awsglue()
    if other:
        log.warning(
            "%s is importable, so etl_framework's Glue shim steps aside: scripts that import awsglue get "
            "that package, which needs AWS Glue's own runtime; run them in an environment without it",
            other,
        )
        return False
    # Not on the path yet (a --py-files zip puts it there); the path itself is checked too, since a
    # test runner that restores sys.modules leaves find_spec without the shim's cached modules.
    if str(SHIM_DIR) not in sys.path and importlib.util.find_spec("awsglue") is None:
        sys.path.append(str(SHIM_DIR))
    if sc is not None and sc not in _shipped:
        sc.addPyFile(str(shim_zip()))
        _shipped.add(sc)
    return True
