"""Runs started from the editor: ``etl run JOB_FILE`` in a child process (the scheduler's
``spawn``: its own process group, the run id given beforehand, output in
``<state_dir>/studio-logs/RUN_ID.log``), so the server stays responsive; the run is then followed
through the run history, as any run is.

A run that fails names the failing node: the generated script is compiled under the job file's
name, so the traceback's last ``File "<job file>", line N`` falls in the block of one node.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from ...runtime.history import new_run_id
from ...scheduler.engine import Launch
from ...scheduler.runner import spawn
from ..codegen import NODE_COMMENT, generate, variable_name
from ..graph import JobGraph
from .console import Console


class StudioRuns:
    """The runs this server started (their processes, reaped when they end)."""

    def __init__(self, console: Console, profile_options: list[str]):
        self.console = console
        self.options = profile_options
        self.log_dir = console.state_dir / "studio-logs"
        self.children: dict[str, tuple[subprocess.Popen, Path, JobGraph]] = {}

    def start(self, graph: JobGraph, path: Path) -> str:
        """Start ``etl run`` of the saved job file ``path``; its run id."""
        run_id = new_run_id()
        launch = Launch("job", path.name.split(".", 1)[0], str(path), None)
        self.children[run_id] = (spawn(launch, run_id, self.options, self.log_dir), path, graph)
        return run_id

    def status(self, run_id: str) -> dict[str, Any]:
        """The run as the console shows it (STARTING until the child has recorded it), with the node
        it failed in."""
        child = self.children.get(run_id)
        exit_code = child[0].poll() if child else None
        try:
            run = self.console.run(run_id)
        except LookupError:
            if child is None:
                raise
            status = "STARTING" if exit_code is None else "FAILED"
            run = {"run_id": run_id, "status": status, "log": self.console.log_tail(run_id)}
            if exit_code is not None:
                run["error"] = f"etl run exited with {exit_code} before it recorded the run"
        if child and run["status"] == "FAILED":
            run["failed_node"] = failing_node(run.get("log") or "", child[1], child[2])
        return run


def failing_node(log: str, path: Path, graph: JobGraph) -> dict[str, Any] | None:
    """The node (id, Name, script line) whose block holds the last line of ``path`` in the
    traceback in ``log``: the block's first line assigns the node's variable."""
    found = [int(n) for n in re.findall(rf'File "{re.escape(str(path))}", line (\d+)', log)]
    if not found:
        return None
    lines, block = generate(graph).splitlines(), None
    for number, text in enumerate(lines[: found[-1]], 1):
        if text.startswith(NODE_COMMENT):
            block = number  # the line after it, 1-based
    if block is None or block >= len(lines):
        return None
    variables = {variable_name(n): n for n in graph.nodes.values()}
    node = variables.get(lines[block].split("=", 1)[0].strip())
    return None if node is None else {"id": node.id, "name": node.name, "line": found[-1]}
