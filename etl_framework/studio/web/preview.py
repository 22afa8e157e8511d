"""Data preview: the first rows and the Glue schema of one node's output, computed in the server's
own Spark session (Glue Studio needs a paid interactive session for this).

The script of the graph cut down to the node and what it reads from (no target below it runs, so
nothing is written) is generated as ``etl studio generate`` writes it and executed as ``etl run``
executes a Glue script; the node's frame is then limited to the first rows, which Spark reads
without going through the whole source when the path allows it. A target shows the rows it would
write: its input's, computed the same way (the target itself does not run).
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from ...config import Profile
from ...glue_compat import attached_spark_context, install
from ...runtime.active import ActiveRun, activate
from ...runtime.history import new_run_id
from ...runtime.launcher import error_text
from ...types import render_schema
from ..codegen import generate, variable_name
from ..graph import JobGraph
from ..nodes import COLLECTION_OUTPUTS
from ..validate import validate

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PREVIEW_JOB = "studio-preview"
# One preview or Studio run at a time: they share the session and the Glue shim's globals (runs.py).
LOCK = threading.Lock()


def upstream(graph: JobGraph, node_id: str) -> JobGraph:
    """The graph of ``node_id`` and every node it reads from, in file order."""
    keep, todo = set(), [node_id]
    while todo:
        current = todo.pop()
        if current in keep or current not in graph.nodes:
            continue
        keep.add(current)
        todo += graph.nodes[current].inputs
    return JobGraph({k: n for k, n in graph.nodes.items() if k in keep}, dict(graph.job), graph.source)


def refusal(node_id: str, message: str) -> dict[str, Any]:
    return {"node": node_id, "ok": False, "message": message}


def preview(graph: JobGraph, node_id: str, spark: SparkSession, profile: Profile, limit: int = 20) -> dict[str, Any]:
    """``{"ok": True, "columns", "rows", "schema"}`` for the node's output (``schema``: Glue's
    printSchema tree, choices included; a target's: its input's, with a ``note`` saying so), or
    ``{"ok": False, "message"}`` saying why the node cannot be previewed."""
    node = graph.nodes.get(node_id)
    if node is None:
        return refusal(node_id, f"no node {node_id!r} in the graph")
    shown, note = node, None
    if node.type.endswith("Target"):
        if len(node.inputs) != 1 or node.inputs[0] not in graph.nodes:
            return refusal(node_id, f"node {node_id} ({node.name}) is a target without an input: connect one")
        shown = graph.nodes[node.inputs[0]]
        note = f"the rows node {node_id} ({node.name}) would write, from its input {shown.id} ({shown.name})"
    if shown.type in COLLECTION_OUTPUTS:
        return refusal(
            node_id,
            f"node {shown.id} ({shown.name}) outputs a collection of frames: add a SelectFromCollection after it and"
            " preview that",
        )
    part = upstream(graph, shown.id)
    errors = validate(part)
    if errors:
        return refusal(node_id, "cannot preview until these are fixed: " + "; ".join(str(e) for e in errors))
    script = generate(part)
    namespace: dict[str, Any] = {"__name__": f"etl_job_{PREVIEW_JOB}"}
    with LOCK:
        saved_argv = sys.argv
        try:
            install()
            install(spark.sparkContext)
            sys.argv = [graph.source, "--JOB_NAME", PREVIEW_JOB]
            run = ActiveRun(PREVIEW_JOB, new_run_id(), profile, {"JOB_NAME": PREVIEW_JOB})
            with activate(run), attached_spark_context(lambda: spark):
                exec(compile(script, graph.source, "exec"), namespace)
            frame = namespace[variable_name(shown)]
            found = {"node": node_id, "ok": True, **_rows(frame, limit), "schema": render_schema(frame.schema())}
            return {**found, "note": note} if note else found
        except Exception as exc:  # noqa: BLE001 - the user's job failing is what the preview reports
            return refusal(node_id, f"node {shown.id} ({shown.name}) cannot be previewed: {error_text(exc)}")
        finally:
            sys.argv = saved_argv


def _rows(frame: Any, limit: int) -> dict[str, Any]:
    import json

    from pyspark.sql import functions as F

    df = frame.toDF().limit(limit)
    record = F.to_json(F.struct(*[F.col(f"`{n}`") for n in df.columns]))
    return {"columns": df.columns, "rows": [json.loads(r.r) for r in df.select(record.alias("r")).collect()]}
