"""The benchmark suite runs end to end at smoke scale (timings are never asserted here)."""

import json
import os
import subprocess
import sys

from bench.benchmarks import all_benchmarks

from .conftest import ROOT

# Left out of the suite's smoke run: etl_run_watch starts three JVMs with the Spark packages (the
# crawl, `etl run --watch` and a warm session), minutes of the suite's time even at smoke scale.
# `etl run --watch` itself is tested in tests/test_watch.py; `make bench` runs the benchmark.
NOT_IN_SMOKE = {"etl_run_watch"}


def test_bench_smoke_runs_and_records_results(tmp_path):
    chosen = [b.name for b in all_benchmarks() if b.name not in NOT_IN_SMOKE]
    env = {**os.environ, "BENCH_SCALE": "smoke", "BENCH_RESULTS": str(tmp_path), "BENCH_ONLY": ",".join(chosen)}
    done = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = list(tmp_path.glob("*-smoke-partial.json"))
    assert len(results) == 1
    data = json.loads(results[0].read_text())
    names = {row["benchmark"] for row in data["results"]}
    assert set(chosen) | {"bookmark_planning"} <= names  # every benchmark chosen, and the limit rows
    assert "framework (median)" in done.stdout and all(name in done.stdout for name in names)


def test_bench_only_names_the_unknown_benchmark_and_the_known_ones():
    env = {**os.environ, "BENCH_ONLY": "json_read_inference,jsn_read"}
    done = subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2
    known = "bookmark_incremental, bookmark_jdbc, catalog_pruning,"
    assert f"no benchmark named jsn_read (there are: {known}" in done.stderr


def test_a_benchmark_that_cannot_run_here_is_listed_as_unavailable_with_its_reason(tmp_path):
    from bench import report
    from bench.core import Benchmark, Env
    from bench.run import _measured

    class NeedsServer(Benchmark):
        name, target, sized = "needs_server", 1.0, False

        def unavailable(self, env):
            return f"no server in {env.work}"

        def framework(self, env):
            raise AssertionError("an unavailable benchmark is not run")

        baseline = framework

    env = Env(None, ROOT, tmp_path, tmp_path, "smoke")  # never used: nothing runs
    rows = _measured(NeedsServer(), env, None)
    assert rows == [{"benchmark": "needs_server", "size": None, "unavailable": f"no server in {tmp_path}"}]
    assert report.rows({"results": rows})[0][-1] == f"unavailable: no server in {tmp_path}"
