"""What a benchmark is, and how one is measured: warm-up, alternating repetitions, median and spread."""

from __future__ import annotations

import math
import statistics
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

T = TypeVar("T")
REPS = {"smoke": 1}  # repetitions of each way per scale, 3 unless listed: smoke runs only prove the suite runs


def reps(scale: str, bench: Benchmark | None = None) -> int:
    """Repetitions of each way: the scale's, or more where the benchmark asks (sub-second ones)."""
    if scale in REPS:
        return REPS[scale]
    return max(3, bench.repetitions if bench else 0)


@dataclass(frozen=True)
class Env:
    """What a benchmark works with: the shared session, the repository, a scratch folder, the data
    and the scale (``BENCH_SCALE``), by which an unsized benchmark may shrink for smoke runs;
    ``size`` is the benchmark's own size (see ``Benchmark.sizes``), else None."""

    spark: SparkSession
    root: Path
    work: Path
    data: Path
    scale: str
    size: int | None = None


@dataclass(frozen=True)
class Limit:
    """A step of the framework's way held to a time in seconds rather than to a ratio (planning, say)."""

    name: str
    seconds: float
    run: Callable[[Env], float]
    """Prepares, times the step alone, checks what it did and returns the seconds it took."""


@dataclass(frozen=True)
class Reference:
    """Another way of doing the benchmark's work (the cost of the user's function alone, the best
    hand-written code), timed in the same alternating repetitions as the two ways and reported as a
    row of its own: the framework's median against this way's, held to ``target`` when one is set."""

    name: str
    run: Callable[[Env], None]
    target: float | None = None


class Benchmark(ABC):
    """The framework's way of doing something against a baseline's way, on the same data.

    Subclasses live in their own module under ``bench/benchmarks/`` and set ``BENCHMARK = TheirClass()``.
    """

    name: str
    target: float
    """Passes when framework median / baseline median <= target."""
    sized: bool = True
    """False when the data size means nothing (the benchmark then runs once, at the first size)."""
    sizes: dict[str, list[int]] = {}
    """The benchmark's own sizes per scale (files in a folder, say), when the records' sizes mean
    nothing to it: it then runs at each of them (``Env.size``), with the first data size, and
    they are the sizes reported and fitted in the growth table. Set ``sized = False`` with it."""
    warm_up: bool = True
    """False when every run is a fresh process, so a warm-up run would warm nothing."""
    repetitions: int = 3
    """Repetitions of each way (smoke scale aside). A sub-second benchmark sets more: three samples
    of 0.2 s let one scheduling hiccup on a 2-core machine move the median by a third."""
    _once: tuple[Env, Any] | None = None

    @abstractmethod
    def framework(self, env: Env) -> None: ...

    @abstractmethod
    def baseline(self, env: Env) -> None: ...

    def verify(self, env: Env) -> None:  # noqa: B027 - an optional hook
        """Called after the warm-up; raises when the two ways disagree on the result."""

    def prepare(self, env: Env) -> None:  # noqa: B027 - an optional hook
        """One-time set-up before the first run of either way (a process both ways then talk to),
        timed by neither; ``close()`` releases it."""

    def unavailable(self, env: Env) -> str | None:
        """Why the benchmark cannot run on this machine (a server that is not installed), or None.
        Such a benchmark is reported as unavailable, with the reason, and is not run."""
        return None

    def close(self) -> None:  # noqa: B027 - an optional hook
        """Release what the benchmark started (a server), after its last run and again at the end of
        the whole run (a crash included): a second call finds nothing to release."""

    def limits(self) -> list[Limit]:
        """Steps timed on their own after the comparison, each against a limit in seconds."""
        return []

    def references(self) -> list[Reference]:
        """Further ways timed with the two, each reported against the framework's."""
        return []

    def once(self, env: Env, build: Callable[[], T]) -> T:
        """``build()`` on the first call for ``env`` (one size's data), the same value after that:
        set-up that neither way's timing should include. Only the latest value is kept."""
        if self._once is None or self._once[0] != env:
            self._once = (env, build())
        return self._once[1]


def noop(df: DataFrame) -> None:
    """Evaluate ``df`` fully without writing anything."""
    df.write.format("noop").mode("overwrite").save()


def checksum(df: DataFrame, columns: list[str] | None = None) -> tuple[int, int]:
    """Row count and an order-independent sum of hashes of ``columns`` (default: all), to compare
    what two ways produced without collecting it."""
    cols = [F.col(f"`{c}`") for c in (columns or df.columns)]
    row = df.select(F.count("*"), F.sum(F.xxhash64(*cols).cast("decimal(38,0)"))).first()
    return row[0], row[1]


def same_records(framework: DataFrame, baseline: DataFrame, what: str = "") -> None:
    """Raises unless both hold the same rows with the same column types (nullability aside: Spark's
    sources and writers decide it differently), whatever their column order."""
    got, want = (df.select(*[F.col(f"`{c}`") for c in sorted(df.columns)]) for df in (framework, baseline))
    if got.schema.simpleString() != want.schema.simpleString():
        raise AssertionError(f"{what}schemas differ: {got.schema.simpleString()} != {want.schema.simpleString()}")
    if checksum(got) != checksum(want):
        raise AssertionError(f"{what}the framework and the baseline produced different records")


def _timed(fn: Callable[[Env], None], env: Env) -> float:
    start = time.perf_counter()
    fn(env)
    return time.perf_counter() - start


def _summary(times: list[float]) -> dict[str, Any]:
    return {"times": times, "median": statistics.median(times), "min": min(times), "max": max(times)}


def measure(bench: Benchmark, env: Env, size: int | None) -> list[dict[str, Any]]:
    """The benchmark's ``prepare``, then one warm-up of each way and reference (unless the benchmark
    needs none or the scale is smoke), then ``reps(env.scale, bench)`` repetitions of each,
    alternating the order; then as many timings of each of the benchmark's limits."""
    bench.prepare(env)
    ways = {"framework": bench.framework, "baseline": bench.baseline, **{r.name: r.run for r in bench.references()}}
    # A smoke run only proves the suite runs: its one timed run of each way is checked instead.
    warm_up = bench.warm_up and env.scale != "smoke"
    if warm_up:
        for run in ways.values():
            run(env)
    if warm_up or not bench.warm_up:
        bench.verify(env)
    times: dict[str, list[float]] = {way: [] for way in ways}
    for rep in range(reps(env.scale, bench)):
        for way in list(ways) if rep % 2 == 0 else reversed(ways):
            times[way].append(_timed(ways[way], env))
    if bench.warm_up and not warm_up:
        bench.verify(env)
    framework, baseline = _summary(times["framework"]), _summary(times["baseline"])
    ratio = framework["median"] / baseline["median"]
    compared = {
        "benchmark": bench.name,
        "size": size,
        "framework": framework,
        "baseline": baseline,
        "ratio": ratio,
        "target": bench.target,
        "passed": ratio <= bench.target,
    }
    referenced = []
    for ref in bench.references():
        other = _summary(times[ref.name])
        ref_ratio = framework["median"] / other["median"]
        referenced.append(
            {
                "benchmark": ref.name,
                "size": size,
                "framework": framework,
                "baseline": other,
                "ratio": ref_ratio,
                "target": ref.target,
                "passed": None if ref.target is None else ref_ratio <= ref.target,
            }
        )
    limited = []
    for limit in bench.limits():
        step = _summary([limit.run(env) for _ in range(reps(env.scale, bench))])
        limited.append(
            {
                "benchmark": limit.name,
                "size": size,
                "framework": step,
                "limit": limit.seconds,
                "passed": step["median"] <= limit.seconds,
            }
        )
    return [compared, *referenced, *limited]


def slope(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) over log(size): 1 is linear growth, 2 quadratic."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
