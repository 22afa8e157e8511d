"""Delta table maintenance through delta-rs: history, vacuum, optimize (compaction).

Each returns a printable summary, for ``etl delta history|vacuum|optimize``.

    >>> print(history("/lake/orders", limit=2))  # doctest: +SKIP
    Delta table /lake/orders, version 7
      version 7  2026-11-25 06:14:12 UTC  WRITE         mode=Append  txn etl:orders:orders_out v12
      version 6  2026-11-25 05:14:09 UTC  OPTIMIZE      numFilesAdded=1 numFilesRemoved=6
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime, timezone
from typing import Any

from ..storage import STAGING, local_path
from .table import DeltaError, open_table, table_uri

_PARAMS = ("mode", "predicate", "partitionBy")
_METRICS = ("numFilesAdded", "numFilesRemoved", "numAddedFiles", "numRemovedFiles", "numOutputRows")


def _table(path: str):
    uri = table_uri(path)
    table = open_table(uri)
    if table is None:
        raise DeltaError(f"{uri} is not a Delta table (no _delta_log)")
    return uri, table


def _details(commit: dict[str, Any]) -> str:
    params = commit.get("operationParameters") or {}
    metrics = commit.get("operationMetrics") or {}
    parts = [f"{k}={params[k]}" for k in _PARAMS if params.get(k) not in (None, "", "[]")]
    parts += [f"{k}={metrics[k]}" for k in _METRICS if k in metrics]
    if commit.get("etl.app_id"):
        parts.append(f"txn {commit['etl.app_id']} v{commit.get('etl.bookmark_version')}")
    return " ".join(parts)


def history(path: str, limit: int | None = None) -> str:
    """The table's commits, newest first: version, time, operation, the main parameters and metrics."""
    uri, table = _table(path)
    lines = [f"Delta table {uri}, version {table.version()}"]
    for commit in table.history(limit):
        when = datetime.fromtimestamp(commit.get("timestamp", 0) / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f"  version {commit.get('version', '?'):<4} {when} UTC  {commit.get('operation', '?'):<12}  "
            f"{_details(commit)}".rstrip()
        )
    return "\n".join(lines)


def vacuum(path: str, retain_hours: int = 168, dry_run: bool = False, enforce_retention: bool = True) -> str:
    """Delete files no longer referenced by the table and older than ``retain_hours`` (Delta's
    default retention is 7 days; less needs ``enforce_retention=False``), and staging folders of
    writes that died before their commit."""
    uri, table = _table(path)
    try:
        removed = table.vacuum(
            retention_hours=retain_hours, dry_run=dry_run, enforce_retention_duration=enforce_retention
        )
    except Exception as exc:  # noqa: BLE001 - delta-rs refuses retention below the table's minimum
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


def optimize(path: str, target_size: int | None = None) -> str:
    """Compact small files into larger ones (``target_size`` bytes, delta-rs' default 100 MiB).
    The rewritten files are committed with ``dataChange: false``, so bookmarked Delta sources do
    not read them again."""
    uri, table = _table(path)
    metrics = table.optimize.compact(target_size=target_size)
    return (
        f"optimize {uri}: {metrics.get('numFilesRemoved', 0)} files compacted into {metrics.get('numFilesAdded', 0)}"
        f" (version {table.version()})"
    )
