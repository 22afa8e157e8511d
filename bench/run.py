"""Run every benchmark at the three sizes of ``BENCH_SCALE``, print the tables, save the results.

    BENCH_SCALE=smoke|small|full python -m bench
    BENCH_ONLY=json_read_inference,catalog_pruning python -m bench   # just those

Results go to ``bench/results/<date>-<git short sha>-<scale>.json`` (``-partial.json`` for a
``BENCH_ONLY`` run, which never becomes README's table; ``BENCH_RESULTS`` names another folder).
Exits 1 when a benchmark crashed; a missed target is only reported.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from etl_framework.config import load_profile
from etl_framework.packages import session_conf
from etl_framework.runtime.session import FRAMEWORK_CONF, catalog_conf
from etl_framework.s3 import spark_conf as s3_conf
from tests.postgres import JDBC_JAR
from tests.spark_cluster import free_port

from . import report
from .benchmarks import benchmark_modules
from .core import Benchmark, Env, measure, reps, slope
from .data import generate

ROOT = Path(__file__).resolve().parent.parent
SCALES = {
    "smoke": [1_000, 2_000],  # two sizes are enough to prove the growth fit runs
    "small": [100_000, 400_000, 1_000_000],
    "full": [1_000_000, 2_000_000, 4_000_000],
}
SPARK_CONF = {
    "spark.master": "local[*]",
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def s3_sets(port: int) -> list[str]:
    """Profile settings for S3 at a moto server on loopback ``port`` (the one s3_bookmarks starts)."""
    return [
        f"s3.endpoint_url=http://127.0.0.1:{port}",
        "s3.region=us-east-1",
        "s3.access_key_id=testing",
        "s3.secret_access_key=testing",
    ]


def start_spark(work: Path) -> SparkSession:
    """The session every benchmark shares, built as ``etl run`` builds a local one: Hive support,
    with the embedded Derby metastore (and the warehouse) in this run's scratch folder ``work``, the
    profile's Spark packages (Delta, hadoop-aws, Avro: those in Ivy's cache, see ``make jars``) and
    S3 at a free loopback port, where s3_bookmarks starts its moto server (the port is fixed with the
    JVM: S3A reads its endpoint once)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # as etl does for local runs
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # Python workers need this venv (pyarrow, etl_framework)
    profile = load_profile(
        str(ROOT / "conf" / "local.yaml"),
        sets=[f"state_dir={work}", f"warehouse_dir={work / 'warehouse'}", *s3_sets(free_port())],
    )
    conf = {
        **SPARK_CONF,
        # The PostgreSQL JDBC driver, for bookmark_jdbc (where it is installed: see make services).
        **({"spark.jars": JDBC_JAR} if os.path.exists(JDBC_JAR) else {}),
        **s3_conf(profile.s3),
        **FRAMEWORK_CONF,
        **catalog_conf(profile),
        "spark.sql.warehouse.dir": profile.warehouse_dir,
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={work / 'derby.log'}",
    }
    conf.update(session_conf(profile.spark.packages, conf, profile.spark.is_local)[0])
    builder = SparkSession.builder.appName("etl-framework-bench").enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def machine_facts(spark: SparkSession) -> dict[str, Any]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "spark": spark.version,
        "java": spark.sparkContext._jvm.java.lang.System.getProperty("java.version"),
        "spark_conf": SPARK_CONF,
    }


def growth(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Growth slope per benchmark measured at more than one size (a limit row has no baseline)."""
    out = []
    for name in dict.fromkeys(r["benchmark"] for r in results):
        done = [r for r in results if r["benchmark"] == name and "framework" in r and r["size"]]
        if len(done) > 1:
            sizes = [r["size"] for r in done]
            baseline = [r["baseline"]["median"] for r in done if "baseline" in r]
            out.append(
                {
                    "benchmark": name,
                    "framework": slope(sizes, [r["framework"]["median"] for r in done]),
                    "baseline": slope(sizes, baseline) if len(baseline) == len(done) else None,
                }
            )
    return out


def chosen(only: str) -> list[Benchmark]:
    """Every benchmark, or those named in ``only`` (comma-separated): a benchmark's name, or a
    module's for all of its benchmarks; an unknown name is an error."""
    modules = benchmark_modules()
    names = [n.strip() for n in only.split(",") if n.strip()]
    known = {b.name for bs in modules.values() for b in bs}
    unknown = sorted(set(names) - known - set(modules))
    if unknown:
        listed = ", ".join(sorted(known | set(modules)))
        raise ValueError(f"BENCH_ONLY: no benchmark named {', '.join(unknown)} (there are: {listed})")
    return [b for m, bs in modules.items() for b in bs if not names or m in names or b.name in names]


def _measured(bench: Benchmark, env: Env, size: int | None) -> list[dict[str, Any]]:
    """The benchmark's rows at one size: measured, unavailable (with the reason) or crashed."""
    print(f"bench: {bench.name} size={size or '-'} ...", file=sys.stderr, flush=True)
    try:
        reason = bench.unavailable(env)
        if reason:
            print(f"bench: {bench.name} is unavailable: {reason}", file=sys.stderr, flush=True)
            return [{"benchmark": bench.name, "size": size, "unavailable": reason}]
        return measure(bench, env, size)
    except Exception as exc:  # noqa: BLE001 - a crash is reported and makes the run fail, the others still run
        traceback.print_exc()
        return [{"benchmark": bench.name, "size": size, "error": f"{type(exc).__name__}: {exc}"}]


def run_all(spark: SparkSession, benchmarks: list[Benchmark], scale: str, work: Path) -> list[dict[str, Any]]:
    """Each benchmark at every size (unsized ones at the first, those with sizes of their own at
    each of theirs), data generated once per size; each benchmark is closed after its last run."""
    sizes = SCALES[scale]
    results = []
    try:
        for size in sizes:
            data = generate(work / f"data-{size}", size)
            for bench in benchmarks:
                if not bench.sized and size != sizes[0]:
                    continue
                own = bench.sizes.get(scale, [])
                for reported in own or [size if bench.sized else None]:
                    scratch = work / f"{bench.name}-{reported or 0}"
                    scratch.mkdir()
                    env = Env(spark, ROOT, scratch, data, scale, reported if own else None)
                    results += _measured(bench, env, reported)
                    shutil.rmtree(scratch)
                if size == (sizes[-1] if bench.sized else sizes[0]):
                    bench.close()
            shutil.rmtree(data)
    finally:
        for bench in benchmarks:
            bench.close()
    return sorted(results, key=lambda r: (r["benchmark"], r["size"] or 0))


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    if scale not in SCALES:
        print(f"BENCH_SCALE must be one of {', '.join(SCALES)}, got {scale!r}", file=sys.stderr)
        return 2
    only = os.environ.get("BENCH_ONLY", "")
    try:
        benchmarks = chosen(only)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    started = datetime.now().astimezone()
    sha = _git("rev-parse", "--short", "HEAD") or "nogit"
    git = {"sha": sha, "dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="etl-bench-") as work:
        spark = start_spark(Path(work))
        try:
            results = run_all(spark, benchmarks, scale, Path(work))
            facts = machine_facts(spark)
        finally:
            spark.stop()
    run = {
        "started": started.isoformat(timespec="seconds"),
        "scale": scale,
        "partial": bool(only),
        "sizes": SCALES[scale],
        "reps": reps(scale),
        "git": git,
        "machine": {**facts, "load_average": {"before": load_before, "after": os.getloadavg()}},
        "results": results,
        "growth": growth(results),
    }
    folder = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{started:%Y-%m-%d}-{sha}-{scale}{'-partial' if only else ''}.json"
    report.save(run, path)
    print(report.text(run))
    print(f"\nresults: {path}")
    return 1 if any("error" in r for r in results) else 0
