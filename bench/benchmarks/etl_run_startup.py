"""The cost of ``etl run`` around a job that does almost nothing, against a bare PySpark script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..core import Benchmark, Env

JOB = "def main(ctx, args):\n    ctx.spark_session.range(1).count()\n"
BARE = "from pyspark.sql import SparkSession; SparkSession.builder.master('local[2]').getOrCreate().range(1).count()"


def _run(cmd: list[str], cwd: Path) -> None:
    # etl sets SPARK_LOCAL_IP for local runs; give the bare script the same.
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}")


class EtlRunStartup(Benchmark):
    name = "etl_run_startup"
    target = 1.3
    sized = False
    warm_up = False  # both ways start a new process each time

    def framework(self, env: Env) -> None:
        job = env.work / "noop_job.py"
        job.write_text(JOB)
        etl = Path(sys.executable).parent / "etl"
        sets = [f"state_dir={env.work / 'state'}", f"warehouse_dir={env.work / 'warehouse'}", "spark.master=local[2]"]
        _run([str(etl), "run", str(job), "--env", "local", *(a for s in sets for a in ("--set", s))], env.root)

    def baseline(self, env: Env) -> None:
        _run([sys.executable, "-c", BARE], env.work)


BENCHMARK = EtlRunStartup()
