"""The outcome of a run whose driver is on a cluster, for the machine that submitted it.

The run history is SQLite in a local folder (``history``); a driver in cluster deploy mode runs in
a container whose disk goes away with it. When ``state_dir`` is a cluster location (``hdfs://``,
``s3a://``: where the bookmarks are) in cluster deploy mode, the launcher keeps the run's history in a temporary folder
and writes the finished record as JSON to ``<state_dir>/runs/<run_id>.json``; the submitter reads
it back into its own history (``etl_framework.deploy``), with the counts of the summary line.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from ..jvm import hadoop_fs
from ..logs import get_logger
from ..storage import Storage, local_path

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from .history import RunRecord

log = get_logger("runs")


def on_cluster(state_dir: str) -> bool:
    """True when ``state_dir`` is not a folder of the driver's own disk."""
    return local_path(state_dir) is None


def result_uri(state_dir: str, run_id: str) -> str:
    return f"{state_dir.rstrip('/')}/runs/{run_id}.json"


def publish(spark: SparkSession | None, state_dir: str, record: RunRecord) -> None:
    """Write ``record`` to ``result_uri`` with the run's session (through Hadoop's file system, as
    the bookmarks are)."""
    uri = result_uri(state_dir, record.run_id)
    if spark is None:  # the run never had a session (its profile was refused): nothing to write with
        log.error("the run's result is not written to %s: the run has no Spark session", uri)
        return
    try:
        Storage(spark, state_dir).write_text(uri, json.dumps(asdict(record), sort_keys=True))
    except Exception as exc:  # noqa: BLE001 - the run's own outcome stands; the submitter says what is missing
        log.error("cannot write the run's result to %s: %s", uri, exc)


def fetch(state_dir: str, run_id: str, env: dict[str, str] | None = None) -> dict | None:
    """The record a cluster's driver published, read on the submitter with Hadoop's ``FsShell``
    (Spark's JARs; ``HADOOP_CONF_DIR`` for the cluster), or None when there is none."""
    uri = result_uri(state_dir, run_id)
    done = hadoop_fs("-cat", uri, env=env)
    if done.returncode != 0:
        log.warning("no run result at %s: %s", uri, done.stderr.strip().splitlines()[-1:] or "")
        return None
    return json.loads(done.stdout)
