"""The benchmarks: every module here defines ``BENCHMARK``, an instance of ``bench.core.Benchmark``."""

from __future__ import annotations

import importlib
import pkgutil

from ..core import Benchmark


def all_benchmarks() -> list[Benchmark]:
    """One instance per module of this package, in module-name order."""
    modules = (importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__))
    return [m.BENCHMARK for m in modules]
