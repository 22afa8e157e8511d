"""A visual job to and from AWS Glue: ``aws glue get-job`` output in, ``create_job``/``update_job`` request out."""

from __future__ import annotations

from typing import Any

from .graph import NODES_KEY, GraphFileError, JobGraph, from_data

# Job fields a job file keeps for export (the rest of get-job's Job is the service's: dates, ARNs, ...).
KEPT_JOB_FIELDS = ("Description", "GlueVersion", "WorkerType", "NumberOfWorkers", "Timeout", "MaxRetries",
                   "DefaultArguments", "NonOverridableArguments", "ExecutionClass", "Tags")  # fmt: skip


def import_job(data: Any, source: str = "<get-job>") -> JobGraph:
    """A graph from ``{"Job": {...}}``, a ``Job`` object or a bare ``CodeGenConfigurationNodes`` map."""
    job = data.get("Job", data) if isinstance(data, dict) else data
    if isinstance(job, dict) and NODES_KEY in job:
        kept = {k: job[k] for k in KEPT_JOB_FIELDS if k in job}
        return from_data({**kept, NODES_KEY: job[NODES_KEY]}, source)
    if isinstance(job, dict) and job and all(isinstance(v, dict) and len(v) == 1 for v in job.values()):
        return from_data({NODES_KEY: job}, source)
    raise GraphFileError(f"{source}: no {NODES_KEY} (a visual job's get-job output, its Job, or the node map)")


def export_request(graph: JobGraph, name: str, role: str, script_location: str) -> dict[str, Any]:
    """The ``create_job`` request for ``graph`` (``update_job`` takes it as ``JobUpdate`` without ``Name``)."""
    job = {k: v for k, v in graph.job.items() if k in KEPT_JOB_FIELDS}
    return {
        "Name": name,
        "Role": role,
        "JobMode": "VISUAL",
        "Command": {"Name": "glueetl", "ScriptLocation": script_location, "PythonVersion": "3"},
        "GlueVersion": job.pop("GlueVersion", "5.0"),
        **job,
        NODES_KEY: graph.to_data()[NODES_KEY],
    }
