"""Delta table maintenance: history, vacuum, optimize (compaction), through delta-spark when
``spark`` is given and its engine is ``spark`` (see ``table.engine``), else through delta-rs.

Each returns a printable summary, for ``etl delta history|vacuum|optimize``.

    >>> from etl_framework import DynamicFrame
    >>> for n in (2, 3):
    ...     ids = DynamicFrame.fromDF(spark.range(n).coalesce(1), ctx, "ids")
    ...     _ = ctx.write_dynamic_frame.from_options(ids, "file", {"path": f"{tmp}/ids"}, format="delta")
    >>> print(optimize(f"{tmp}/ids"))
    optimize .../ids: 2 files compacted into 1 (version 2)
    >>> print(vacuum(f"{tmp}/ids", retain_hours=0, dry_run=True, enforce_retention=False))
    vacuum .../ids (retain 0 h): would delete 2 files, 0 stale staging folders
      part-00000-...-c000.snappy.parquet
      part-00000-...-c000.snappy.parquet
    >>> print(history(f"{tmp}/ids", limit=2))
    Delta table .../ids, version 2
      version 2    ... UTC  OPTIMIZE      numFilesAdded=1 numFilesRemoved=2
      version 1    ... UTC  WRITE         mode=Append
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from typing import Any

from pyspark.errors import AnalysisException, IllegalArgumentException
from pyspark.sql import SparkSession

from ..storage import STAGING, local_path
from .table import DeltaError, commit_metadata, engine, open_table, table_uri

_PARAMS = ("mode", "predicate", "partitionBy")
_METRICS = ("numFilesAdded", "numFilesRemoved", "numAddedFiles", "numRemovedFiles", "numOutputRows")


def _table(path: str):
    uri = table_uri(path)
    table = open_table(uri)
    if table is None:
        raise DeltaError(f"{uri} is not a Delta table (no _delta_log)")
    return uri, table


def _native(spark: SparkSession | None, requested: str) -> Any:
    """delta-spark's ``DeltaTable`` class when it does the work, else None (delta-rs does)."""
    if spark is None or engine(spark, requested) != "spark":
        return None
    from delta.tables import DeltaTable as NativeTable  # only with the Delta JARs

    return NativeTable


def _details(commit: dict[str, Any]) -> str:
    commit = commit_metadata(commit)
    params = commit.get("operationParameters") or {}
    metrics = commit.get("operationMetrics") or {}
    parts = [f"{k}={params[k]}" for k in _PARAMS if params.get(k) not in (None, "", "[]")]
    parts += [f"{k}={metrics[k]}" for k in _METRICS if k in metrics]
    if commit.get("etl.app_id"):
        parts.append(f"txn {commit['etl.app_id']} v{commit.get('etl.bookmark_version')}")
    return " ".join(parts)


def history(path: str, limit: int | None = None, spark: SparkSession | None = None, engine: str = "auto") -> str:
    """The table's commits, newest first: version, time, operation, the main parameters and metrics."""
    uri, table = _table(path)
    native = _native(spark, engine)
    if native is None:
        commits = table.history(limit)
    else:
        rows = native.forPath(spark, uri).history(limit).collect()
        commits = [{**r.asDict(), "timestamp": int(r["timestamp"].timestamp() * 1000)} for r in rows]
    lines = [f"Delta table {uri}, version {commits[0]['version'] if commits else table.version()}"]
    for commit in commits:
        when = datetime.fromtimestamp(commit.get("timestamp", 0) / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f"  version {commit.get('version', '?'):<4} {when} UTC  {commit.get('operation', '?'):<12}  "
            f"{_details(commit)}".rstrip()
        )
    return "\n".join(lines)


def vacuum(
    path: str,
    retain_hours: int = 168,
    dry_run: bool = False,
    enforce_retention: bool = True,
    spark: SparkSession | None = None,
    engine: str = "auto",
) -> str:
    """Delete files no longer referenced by the table and older than ``retain_hours`` (Delta's
    default retention is 7 days; less needs ``enforce_retention=False``), and staging folders of
    writes that died before their commit."""
    uri, table = _table(path)
    try:
        if _native(spark, engine) is None:
            removed = table.vacuum(
                retention_hours=retain_hours, dry_run=dry_run, enforce_retention_duration=enforce_retention
            )
        else:
            removed = _vacuum_native(spark, uri, retain_hours, dry_run, enforce_retention)  # type: ignore[arg-type]
    except Exception as exc:  # delta-rs refuses retention below the table's minimum
        raise DeltaError(f"vacuum {uri}: {exc}") from exc
    stale = _stale_staging(uri, retain_hours)
    if not dry_run:
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)
    verb = "would delete" if dry_run else "deleted"
    lines = [f"vacuum {uri} (retain {retain_hours} h): {verb} {len(removed)} files, {len(stale)} stale staging folders"]
    lines += [f"  {p}" for p in sorted(removed)]
    lines += [f"  {p}/" for p in stale]
    return "\n".join(lines)


_RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"


def _vacuum_native(spark: SparkSession, uri: str, retain_hours: int, dry_run: bool, enforce: bool) -> list[str]:
    """delta-spark's VACUUM; its dry run lists the files, which the real run does not."""
    sql = f"VACUUM delta.`{uri}` RETAIN {retain_hours} HOURS"
    before = spark.conf.get(_RETENTION_CHECK, "true")
    spark.conf.set(_RETENTION_CHECK, "true" if enforce else "false")
    try:
        removed = [local_path(r[0]) or r[0] for r in spark.sql(f"{sql} DRY RUN").collect()]
        if not dry_run:
            spark.sql(sql).collect()
    except (AnalysisException, IllegalArgumentException) as exc:
        raise DeltaError(str(exc).strip().splitlines()[0]) from exc
    finally:
        spark.conf.set(_RETENTION_CHECK, before)
    return removed


def _stale_staging(uri: str, retain_hours: int) -> list[str]:
    """Staging folders (local tables) older than the retention: writes that died before committing."""
    local = local_path(uri)
    folder = os.path.join(local, STAGING) if local else None
    if not folder or not os.path.isdir(folder):
        return []
    cutoff = time.time() - retain_hours * 3600
    return sorted(
        os.path.join(folder, n) for n in os.listdir(folder) if os.path.getmtime(os.path.join(folder, n)) <= cutoff
    )


def optimize(path: str, target_size: int | None = None, spark: SparkSession | None = None, engine: str = "auto") -> str:
    """Compact small files into larger ones (``target_size`` bytes, default 100 MiB on delta-rs,
    1 GiB on delta-spark). The rewritten files are committed with ``dataChange: false``, so
    bookmarked Delta sources do not read them again."""
    uri, table = _table(path)
    native = _native(spark, engine)
    if native is None:
        metrics = table.optimize.compact(target_size=target_size)
        version = table.version()
    else:
        key, before = "spark.databricks.delta.optimize.maxFileSize", None
        if target_size:
            before = spark.conf.get(key, None)  # type: ignore[union-attr]
            spark.conf.set(key, str(target_size))  # type: ignore[union-attr]
        try:
            metrics = native.forPath(spark, uri).optimize().executeCompaction().first()["metrics"].asDict()
        finally:
            if before is not None:
                spark.conf.set(key, before)  # type: ignore[union-attr]
            elif target_size:
                spark.conf.unset(key)  # type: ignore[union-attr]
        version = native.forPath(spark, uri).history(1).first()["version"]
    return (
        f"optimize {uri}: {metrics.get('numFilesRemoved', 0)} files compacted into {metrics.get('numFilesAdded', 0)}"
        f" (version {version})"
    )
