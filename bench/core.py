"""What a benchmark is, and how one is measured: warm-up, alternating repetitions, median and spread."""

from __future__ import annotations

import math
import statistics
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession

REPS = 3


@dataclass(frozen=True)
class Env:
    """What a benchmark works with: the shared session, the repository, a scratch folder and the data."""

    spark: SparkSession
    root: Path
    work: Path
    data: Path


class Benchmark(ABC):
    """The framework's way of doing something against a baseline's way, on the same data.

    Subclasses live in their own module under ``bench/benchmarks/`` and set ``BENCHMARK = TheirClass()``.
    """

    name: str
    target: float
    """Passes when framework median / baseline median <= target."""
    sized: bool = True
    """False when the data size means nothing (the benchmark then runs once, at the first size)."""

    @abstractmethod
    def framework(self, env: Env) -> None: ...

    @abstractmethod
    def baseline(self, env: Env) -> None: ...

    def verify(self, env: Env) -> None:  # noqa: B027 - an optional hook
        """Called after the warm-up; raises when the two ways disagree on the result."""


def noop(df: DataFrame) -> None:
    """Evaluate ``df`` fully without writing anything."""
    df.write.format("noop").mode("overwrite").save()


def _timed(fn: Callable[[Env], None], env: Env) -> float:
    start = time.perf_counter()
    fn(env)
    return time.perf_counter() - start


def _summary(times: list[float]) -> dict[str, Any]:
    return {"times": times, "median": statistics.median(times), "min": min(times), "max": max(times)}


def measure(bench: Benchmark, env: Env, size: int | None) -> dict[str, Any]:
    """One warm-up of each way, then ``REPS`` repetitions of each, alternating which goes first."""
    bench.framework(env)
    bench.baseline(env)
    bench.verify(env)
    times: dict[str, list[float]] = {"framework": [], "baseline": []}
    for rep in range(REPS):
        order = ["framework", "baseline"] if rep % 2 == 0 else ["baseline", "framework"]
        for way in order:
            times[way].append(_timed(getattr(bench, way), env))
    framework, baseline = _summary(times["framework"]), _summary(times["baseline"])
    ratio = framework["median"] / baseline["median"]
    return {
        "benchmark": bench.name,
        "size": size,
        "framework": framework,
        "baseline": baseline,
        "ratio": ratio,
        "target": bench.target,
        "passed": ratio <= bench.target,
    }


def slope(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) over log(size): 1 is linear growth, 2 quadratic."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
