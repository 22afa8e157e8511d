"""The benchmarks: every module here defines ``BENCHMARK``, an instance of ``bench.core.Benchmark``,
or ``BENCHMARKS``, a list of them (one row each, measured on the same set-up)."""

from __future__ import annotations

import importlib
import pkgutil

from ..core import Benchmark


def benchmark_modules() -> dict[str, list[Benchmark]]:
    """Module name -> its benchmarks, in module-name order."""
    modules = {m.name: importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)}
    return {name: getattr(m, "BENCHMARKS", None) or [m.BENCHMARK] for name, m in modules.items()}


def all_benchmarks() -> list[Benchmark]:
    """Every benchmark of every module, in module-name order."""
    return [b for bs in benchmark_modules().values() for b in bs]
