"""The benchmark suite runs end to end at smoke scale (timings are never asserted here)."""

import json
import os
import pkgutil
import subprocess
import sys

from .conftest import ROOT


def test_bench_smoke_runs_and_records_results(tmp_path):
    env = {**os.environ, "BENCH_SCALE": "smoke", "BENCH_RESULTS": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = list(tmp_path.glob("*-smoke.json"))
    assert len(results) == 1
    data = json.loads(results[0].read_text())
    names = {row["benchmark"] for row in data["results"]}
    expected = {m.name for m in pkgutil.iter_modules([str(ROOT / "bench" / "benchmarks")])}
    assert expected | {"bookmark_planning"} <= names  # every module, and the limit rows
    assert "framework (median)" in done.stdout and all(name in done.stdout for name in names)


def test_bench_only_names_the_unknown_benchmark_and_the_known_ones():
    env = {**os.environ, "BENCH_ONLY": "json_read_inference,jsn_read"}
    done = subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "no benchmark named jsn_read (there are: bookmark_incremental, catalog_pruning," in done.stderr
