"""``etl run --watch``: a save of the sample job to its next summary line, against a rerun of the same
job with ``run_job`` in a process that keeps its session warm (a notebook's way of rerunning fast).

Both work on a scratch copy of the project (``conf/``, ``jobs/``), each with its own state and
warehouse, as ``make run`` sets them up: the crawl ``sample_orders`` first, then the job with
bookmarks disabled, so every run reads the 243 records again and merges them into the Delta table.
The framework's way is a running ``etl run jobs/sample_orders.py --env local --watch``: a run rewrites
the job file and waits for the next summary line. The baseline is a Python process that built the
local profile's session (the same packages), crawled on it, and runs ``run_job`` on each request.
``etl_run_watch_save_to_summary`` times the save to the summary line on its own.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from ..core import Benchmark, Env, Limit

JOB = "jobs/sample_orders.py"
ARGS = ["--job-bookmark-option", "job-bookmark-disable"]
SUMMARY = "etl run summary: "
WAIT_SECONDS = 900  # a JVM start with the Spark packages, then a run: minutes on an overloaded machine


class _Lines:
    """The lines a process writes to stdout, each with the time it arrived, read by a thread so
    that a line is timed when it is written, not when the benchmark gets round to it."""

    def __init__(self, proc: subprocess.Popen[str], log: Path) -> None:
        self.proc, self.log = proc, log
        self._lines: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, out: IO[str]) -> None:
        for line in out:
            self._lines.put((time.perf_counter(), line.rstrip("\n")))

    def next(self, prefix: str) -> tuple[float, str]:
        """The next line starting with ``prefix`` and when it arrived; raises when the process ends first."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                at, line = self._lines.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith(prefix):
                return at, line
        raise RuntimeError(f"no '{prefix}' line from {self.proc.args}; its log:\n{self.log.read_text()[-3000:]}")


def _counts(summary: str) -> str:
    """The summary line without its run id and duration: the status and the record counts."""
    return " ".join(p for p in summary.split() if not p.startswith(("run_id=", "duration=")))


def _succeeded(lines: _Lines) -> tuple[float, str]:
    """The next summary line and when it came; raises unless its run succeeded."""
    at, summary = lines.next(SUMMARY)
    if " status=SUCCEEDED" not in summary:
        raise RuntimeError(f"the run did not succeed: {summary}\n{lines.log.read_text()[-3000:]}")
    return at, summary


class EtlRunWatch(Benchmark):
    name = "etl_run_watch"
    target = 1.3
    sized = False
    repetitions = 9  # saves per way: a rerun of 2-3 s moves by a second under a neighbour's load
    _procs: dict[str, tuple[_Lines, Path]] = {}

    def _project(self, env: Env, way: str) -> Path:
        home = env.work / way
        for folder in ("conf", "jobs"):
            shutil.copytree(env.root / folder, home / folder)
        return home

    def prepare(self, env: Env) -> None:
        """Both processes, each up to its first run done; the warm one starts (and crawls) while
        ``etl crawl`` prepares the watch's catalog."""
        python, etl = sys.executable, str(Path(sys.executable).parent / "etl")
        homes = {way: self._project(env, way) for way in ("warm", "watch")}
        base = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(env.root)}
        envs = {way: {**base, "ETL_HOME": str(home)} for way, home in homes.items()}

        def start(way: str, cmd: list[str]) -> tuple[_Lines, Path]:
            log = env.work / f"{way}.log"
            with log.open("w") as err:
                proc = subprocess.Popen(
                    cmd,
                    cwd=homes[way],
                    env=envs[way],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    text=True,
                )
            return _Lines(proc, log), homes[way]

        # Kept as they start, so that close() stops them when the set-up fails halfway.
        procs = self._procs = {"warm": start("warm", [python, "-m", "bench.benchmarks.etl_run_watch"])}
        crawl = [etl, "crawl", "sample_orders", "--env", "local"]
        done = subprocess.run(crawl, cwd=homes["watch"], env=envs["watch"], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(crawl)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
        procs["watch"] = start("watch", [etl, "run", JOB, "--env", "local", "--watch", *ARGS])
        procs["watch"][0].next(SUMMARY)
        procs["warm"][0].next("ready")

    def _save(self, env: Env) -> float:
        """Rewrite the watched job file; the seconds to the next summary line."""
        lines, home = self._procs["watch"]
        job = home / JOB
        saved = time.perf_counter()
        job.write_text(job.read_text())
        at, self._last_watch = _succeeded(lines)
        return at - saved

    def framework(self, env: Env) -> None:
        self._save(env)

    def baseline(self, env: Env) -> None:
        lines, _ = self._procs["warm"]
        lines.proc.stdin.write("run\n")
        lines.proc.stdin.flush()
        _, self._last_warm = _succeeded(lines)

    def verify(self, env: Env) -> None:
        self.framework(env)
        self.baseline(env)
        if _counts(self._last_watch) != _counts(self._last_warm):
            raise AssertionError(f"the two runs differ:\n{self._last_watch}\n{self._last_warm}")

    def limits(self) -> list[Limit]:
        return [Limit("etl_run_watch_save_to_summary", 3.0, self._save)]

    def close(self) -> None:
        procs, self._procs = self._procs, {}
        for way, (lines, _) in procs.items():
            if way == "watch":
                lines.proc.send_signal(signal.SIGINT)  # Ctrl-C: the watch stops its session and ends
            with contextlib.suppress(OSError):
                lines.proc.stdin.close()  # the warm process ends at the end of its input
        for lines, _ in procs.values():
            try:
                lines.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                lines.proc.kill()
                lines.proc.wait()


def _serve() -> None:
    """The baseline's process: the local profile's session, the crawl, then one run per input line."""
    from etl_framework.catalog import catalog_for
    from etl_framework.config import load_profile
    from etl_framework.crawler import Crawler, load_crawler
    from etl_framework.glue_compat import install
    from etl_framework.runtime.launcher import run_job, summary_line
    from etl_framework.runtime.session import build_session

    profile = load_profile("local")
    spark = build_session(profile, "sample_orders")
    install(spark.sparkContext)
    Crawler(load_crawler("sample_orders"), catalog_for(profile, spark), spark, profile.state_dir).run()

    def run() -> str:
        with contextlib.redirect_stdout(sys.stderr):  # the job's prints; the summary line is ours
            return summary_line(run_job(JOB, ARGS, profile, spark=spark))

    run()  # a first run, as the watch's before its first save: the Delta table exists from now on
    print("ready", flush=True)
    for _ in sys.stdin:
        print(run(), flush=True)
    spark.stop()


BENCHMARK = EtlRunWatch()

if __name__ == "__main__":
    _serve()
