"""Runs started from the editor, followed through the run history as any run is. The saved job
file runs as ``etl run`` runs it: with a local profile, in this process (``run_job``) on the
Studio's own Spark session, in a thread of its own so that the server stays responsive; with a
cluster profile, ``etl run`` in a child process (the scheduler's ``spawn``) submits it.

Not a child process for a local profile: the embedded catalog (``catalog.backend: local``) is a
Derby metastore that one JVM opens at a time, and the Studio's session holds it as soon as the
catalog page or a preview has used it, so a child ``etl run`` could not read the tables the job
reads. Runs and previews take turns (``preview.LOCK``: they share the session and the Glue shim's
globals). What the run prints (its log, the summary line, a failure's traceback) goes to
``<state_dir>/studio-logs/RUN_ID.log``, which the console shows.

A run that fails names the failing node: the generated script is compiled under the job file's
name, so the traceback's last ``File "<job file>", line N`` falls in the block of one node.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ...config import Profile
from ...glue_compat import install
from ...runtime.history import new_run_id
from ...runtime.launcher import run_job
from ...scheduler.engine import Launch
from ...scheduler.runner import spawn
from ..codegen import JOB_START, NODE_COMMENT, generate
from ..graph import JobGraph
from ..validate import topological_order
from .console import Console
from .preview import LOCK

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class ThreadOutput:
    """A stand-in for ``sys.stdout``/``sys.stderr`` that sends what one thread writes to a file and
    everything else to the stream it replaced (the server's other threads keep their output)."""

    def __init__(self, original: TextIO, thread: threading.Thread, file: TextIO):
        self.original, self.thread, self.file = original, thread, file

    def _target(self) -> TextIO:
        return self.file if threading.current_thread() is self.thread else self.original

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


class StudioRuns:
    """The runs this server started: whether each is still going, its job file and graph."""

    def __init__(self, console: Console, profile: Profile, spark: Callable[[], SparkSession], options: list[str]):
        self.console, self.profile, self.spark, self.options = console, profile, spark, options
        self.log_dir = console.state_dir / "studio-logs"
        self.started: dict[str, tuple[Callable[[], bool], Path, JobGraph]] = {}

    def start(self, graph: JobGraph, path: Path) -> str:
        """Start a run of the saved job file ``path`` (its job arguments: the file's ``DefaultArguments``,
        as ``etl run`` takes them); its run id. ``options``: the profile's, for a child ``etl run``."""
        run_id = new_run_id()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.profile.spark.is_local and not self.profile.deploy.target:
            thread = threading.Thread(target=self._run, args=(run_id, path), name=f"etl-studio-{run_id}", daemon=True)
            self.started[run_id] = (thread.is_alive, path, graph)
            thread.start()
        else:
            launch = Launch("job", path.name.split(".", 1)[0], str(path), None)
            child = spawn(launch, run_id, self.options, self.log_dir)
            self.started[run_id] = (lambda: child.poll() is None, path, graph)
        return run_id

    def _run(self, run_id: str, path: Path) -> None:
        with LOCK, open(self.log_dir / f"{run_id}.log", "a", encoding="utf-8") as log:
            me = threading.current_thread()
            saved = sys.stdout, sys.stderr
            sys.stdout, sys.stderr = ThreadOutput(saved[0], me, log), ThreadOutput(saved[1], me, log)
            try:
                spark = self.spark()
                install(spark.sparkContext)  # a given session is used as it is: the shim for its executors
                run_job(str(path), [], self.profile, spark=spark, run_id=run_id)
            except BaseException as exc:  # noqa: BLE001 - run_job records job failures; this is the rest
                print(f"etl studio: the run could not start: {type(exc).__name__}: {exc}", file=log)
            finally:
                sys.stdout, sys.stderr = saved

    def status(self, run_id: str) -> dict[str, Any]:
        """The run as the console shows it (STARTING until it is recorded: while a preview or another
        run has the session, or a child starts), with the node it failed in."""
        started = self.started.get(run_id)
        try:
            run = self.console.run(run_id)
        except LookupError:
            if started is None:
                raise
            ended = not started[0]()
            run = {"run_id": run_id, "status": "FAILED" if ended else "STARTING", "log": self.console.log_tail(run_id)}
            if ended:
                run["error"] = "the run ended before it was recorded (see its log)"
        if started and run["status"] == "FAILED":
            run["failed_node"] = failing_node(run.get("log") or "", started[1], started[2])
        return run


def failing_node(log: str, path: Path, graph: JobGraph) -> dict[str, Any] | None:
    """The node (id, Name, script line) whose block holds the last line of ``path`` in the
    traceback in ``log``: the blocks follow ``job.init`` in topological order, one per node."""
    found = [int(n) for n in re.findall(rf'File "{re.escape(str(path))}", line (\d+)', log)]
    if not found:
        return None
    lines = generate(graph).splitlines()
    start = lines.index(JOB_START[-1]) + 1
    in_blocks = [n for n in found if n > start]  # a helper's frame is called from a block
    if not in_blocks:
        return None
    blocks = sum(1 for text in lines[start : in_blocks[-1]] if text.startswith(NODE_COMMENT))
    if blocks == 0:
        return None
    node = topological_order(graph)[blocks - 1]
    return {"id": node.id, "name": node.name, "line": in_blocks[-1]}
