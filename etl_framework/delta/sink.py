"""The Delta sink: ``write_dynamic_frame.from_options(frame, "s3"|"file", {...}, format="delta")``.

Without the Delta JARs, Spark writes the frame as Parquet into a staging folder inside the table
(``_etl_staging/<write id>/``, partitioned Hive-style), the files move to their partition folders,
and ONE delta-rs commit adds them (path, size, partition values, statistics from the Parquet
footers). Readers see only what the Delta log lists, so files of a write that fails or is killed
before its commit are never live; ``vacuum`` deletes them later.

Exactly once: when the job's bookmarks are enabled, the commit also records an application
transaction ``etl:<job>:<sink>`` with the bookmark version this run will commit, and the bookmark
state staged so far. A rerun after a crash between the Delta commit and ``job.commit()`` finds its
version already in the table: it skips the write and commits the bookmark the crashed run would
have committed, so input that arrived in between is read by the next run, not lost.

    >>> ctx.write_dynamic_frame.from_options(frame, "s3", {"path": "/lake/orders",  # doctest: +SKIP
    ...     "partitionKeys": ["order_date"], "mode": "append"}, format="delta", transformation_ctx="orders_out")
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import DeltaTable, Field, Schema
from deltalake.transaction import (
    AddAction,
    CommitProperties,
    RemoveAction,
    Transaction,
    create_table_with_add_actions,
)
from pyspark.sql import DataFrame, Observation
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..bookmarks.session import ENABLE
from ..logs import get_logger
from ..sinks.files import UnresolvedChoiceError
from ..sources.files import list_files
from .table import (
    STAGING,
    DeltaError,
    SchemaMismatchError,
    TableFiles,
    engine,
    open_table,
    partition_values,
    schema_differences,
    table_uri,
    to_delta_schema,
    to_spark_schema,
)

if TYPE_CHECKING:
    from ..bookmarks.session import BookmarkSession
    from ..context import EtlContext
    from ..dynamicframe.frame import DynamicFrame

log = get_logger("delta")

MODES = ("append", "overwrite")
_META_APP, _META_VERSION, _META_PENDING, _META_RUN = "etl.app_id", "etl.bookmark_version", "etl.pending", "etl.run_id"


def _flag(options: dict[str, Any], name: str) -> bool:
    value = options.get(name, False)
    return value.lower() == "true" if isinstance(value, str) else bool(value)


def write_delta(
    ctx: EtlContext,
    frame: DynamicFrame,
    connection_options: dict[str, Any],
    format_options: dict[str, Any] | None = None,
    transformation_ctx: str = "",
) -> DynamicFrame:
    """Append to or overwrite the Delta table at ``connection_options["path"]``; returns ``frame``.

    Options: ``partitionKeys`` (default: the table's), ``mode`` ``append``/``overwrite``,
    ``partitionOverwriteMode: dynamic`` (overwrite only the partitions written). Format options:
    ``mergeSchema`` (add the frame's new columns to the table), ``overwriteSchema`` (with overwrite:
    replace the table's schema), ``compression``.
    """
    options, format_options = dict(connection_options or {}), dict(format_options or {})
    uri = table_uri(options.get("path"))  # type: ignore[arg-type]
    mode = str(options.get("mode", "append")).lower()
    if mode not in MODES:
        raise DeltaError(f"connection option 'mode' for Delta must be one of {', '.join(MODES)}, got {mode!r}")
    choices = frame.unresolved_choices()
    if choices:
        raise UnresolvedChoiceError(
            f"cannot write delta to {uri}: fields {', '.join(choices)} are unresolved choices; "
            f"resolve them first, e.g. frame.resolveChoice(specs=[({choices[0]!r}, 'cast:string')]) "
            "or choice='make_cols'"
        )
    frame.assertErrorThreshold()
    df = frame.dataframe
    table = open_table(uri)
    keys = list(options.get("partitionKeys") or (table.metadata().partition_columns if table else []))
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise DeltaError(f"connection option 'partitionKeys': {missing} not in the frame's fields {df.columns}")
    if table and keys != list(table.metadata().partition_columns):
        raise DeltaError(
            f"{uri} is partitioned by {table.metadata().partition_columns}, the write by {keys}; "
            "a Delta table's partitioning cannot change on write"
        )

    txn = _transaction(ctx, uri, transformation_ctx)
    if txn and table and _already_written(ctx.bookmarks, table, txn):  # type: ignore[arg-type]
        return frame

    if engine(ctx.spark_session) == "spark":
        _write_native(ctx, df, uri, mode, keys, options, format_options, txn)
        return frame

    schema, added_columns = _target_schema(uri, table, df.schema, mode, format_options)
    files = TableFiles(ctx.spark_session, uri)
    write_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
    adds, written = _write_files(ctx, df, files, write_id, keys, format_options)
    try:
        dynamic = mode == "overwrite" and table is not None and _dynamic(options)
        removes = _partition_removes(table, adds) if dynamic else []  # type: ignore[arg-type]
        commit_mode = "append" if dynamic else mode  # dynamic: explicit removes, never the whole table
        if adds or removes or table is None or mode == "overwrite" or added_columns:
            _commit(uri, table, adds, removes, commit_mode, schema, keys, added_columns, _properties(ctx, txn))
    except BaseException:
        for add in adds:  # never live; remove them now rather than waiting for vacuum
            files.delete(f"{uri}/{add.path}")
        raise
    if txn:
        ctx.bookmarks.delta_written.add(txn.app_id)  # type: ignore[union-attr]
    ctx.metrics.add(written=written)
    log.info(
        "wrote %d records in %d files to Delta table %s (%s%s%s)",
        written,
        len(adds),
        uri,
        mode,
        f", partitioned by {', '.join(keys)}" if keys else "",
        f", transaction {txn.app_id} v{txn.version}" if txn else "",
    )
    return frame


# --- exactly once -------------------------------------------------------------------------------


def _transaction(ctx: EtlContext, uri: str, transformation_ctx: str) -> Transaction | None:
    """The application transaction this write records, when the job's bookmarks are enabled."""
    session = ctx.bookmarks
    if session is None or session.option != ENABLE:
        return None
    version = (session.base.version if session.base else 0) + 1
    return Transaction(app_id=f"etl:{session.job}:{transformation_ctx or uri}", version=version)


def _already_written(session: BookmarkSession, table: DeltaTable, txn: Transaction) -> bool:
    """True (and the bookmark state to commit restored) when a crashed run of this job already
    committed this write; raises when the table is ahead of the job's bookmark state."""
    done = table.transaction_version(txn.app_id)
    if done is None or done < txn.version or txn.app_id in session.delta_written:
        return False
    if done > txn.version:
        raise DeltaError(
            f"{table.table_uri}: transaction {txn.app_id} is at bookmark version {done}, but this run would commit "
            f"version {txn.version}: the job's bookmark state is behind the table (was the state dir deleted or "
            "replaced?). Restore the state, or write with bookmarks disabled"
        )
    recorded = _recorded_pending(table, txn)
    if recorded is None:
        log.warning("%s: no bookmark state recorded with transaction %s; committing this run's", table, txn.app_id)
    else:
        session.pending.update(recorded)
    log.warning(
        "Delta table %s already holds this write (transaction %s version %d, committed by a run that did not "
        "finish): skipping it; the job commits the bookmark that run would have",
        table.table_uri,
        txn.app_id,
        txn.version,
    )
    return True


def _recorded_pending(table: DeltaTable, txn: Transaction) -> dict[str, Any] | None:
    for commit in table.history():
        meta = commit
        if "userMetadata" in commit and isinstance(commit["userMetadata"], str):  # delta-spark's commits
            try:
                meta = {**commit, **json.loads(commit["userMetadata"])}
            except ValueError:
                continue
        if meta.get(_META_APP) == txn.app_id and str(meta.get(_META_VERSION)) == str(txn.version):
            return json.loads(meta.get(_META_PENDING) or "{}")
    return None


def _properties(ctx: EtlContext, txn: Transaction | None) -> CommitProperties | None:
    if txn is None:
        return None
    session = ctx.bookmarks
    metadata = {
        _META_APP: txn.app_id,
        _META_VERSION: str(txn.version),
        _META_RUN: str(session.run_id if session else None),
        _META_PENDING: json.dumps(session.pending if session else {}, sort_keys=True),
    }
    return CommitProperties(app_transactions=[txn], custom_metadata=metadata)


# --- schema ---------------------------------------------------------------------------------------


def _target_schema(
    uri: str, table: DeltaTable | None, frame: T.StructType, mode: str, format_options: dict[str, Any]
) -> tuple[Schema, list[T.StructField]]:
    """The schema to commit and the columns to add to the table first (``mergeSchema``)."""
    if table is None or (mode == "overwrite" and _flag(format_options, "overwriteSchema")):
        return to_delta_schema(frame), []
    current = to_spark_schema(table.schema())
    added, missing, changed = schema_differences(current, frame)
    if not (added or missing or changed):
        return table.schema(), []
    merge = _flag(format_options, "mergeSchema")
    if not merge or changed:
        what = "; ".join(
            f"{label}: {', '.join(cols)}"
            for label, cols in (("new in the frame", added), ("missing from the frame", missing), ("type", changed))
            if cols
        )
        hint = (
            "changing a column's type is not supported (overwrite with format_options {'overwriteSchema': True})"
            if changed
            else "pass format_options={'mergeSchema': True} to add new columns (missing ones are written as null)"
        )
        raise SchemaMismatchError(f"the frame's columns differ from Delta table {uri}: {what}; {hint}")
    new_fields = [f for f in frame if f.name in added]
    merged = T.StructType(list(current.fields) + new_fields)
    return to_delta_schema(merged), new_fields


# --- writing and committing -----------------------------------------------------------------------


def _write_files(
    ctx: EtlContext,
    df: DataFrame,
    files: TableFiles,
    write_id: str,
    keys: list[str],
    format_options: dict[str, Any],
) -> tuple[list[AddAction], int]:
    """Spark writes the Parquet files; they move from the staging folder into the table."""
    staging = f"{files.uri}/{STAGING}/{write_id}"
    observation = Observation()
    writer = df.observe(observation, F.count(F.lit(1)).alias("written")).write.mode("errorifexists")
    if keys:
        writer = writer.partitionBy(*keys)
    if format_options.get("compression"):
        writer = writer.option("compression", format_options["compression"])
    try:
        writer.parquet(staging)
        staged = list_files(ctx.spark_session, [staging])
        adds = []
        for info in staged:
            relative = info.path.split(f"/{STAGING}/{write_id}/", 1)[1]
            target = f"{files.uri}/{relative}"
            files.move(info.path, target)
            stats = files.stats(target)  # None (no statistics) where the footer cannot be read
            adds.append(AddAction(relative, info.size, partition_values(relative), info.modified_ms, True, stats))  # type: ignore[arg-type]
    finally:
        files.delete(staging, recursive=True)
    return adds, int(observation.get.get("written") or 0)


def _dynamic(options: dict[str, Any]) -> bool:
    return str(options.get("partitionOverwriteMode", "static")).lower() == "dynamic"


def _partition_removes(table: DeltaTable, adds: list[AddAction]) -> list[RemoveAction]:
    """Remove actions for the live files in the partitions this write replaces."""
    written = {tuple(sorted(a.partition_values.items())) for a in adds}
    live = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    now = int(time.time() * 1000)
    removes = []
    for f in live:
        values = {k[len("partition.") :]: v for k, v in f.items() if k.startswith("partition.")}
        if tuple(sorted(values.items())) in written:
            removes.append(RemoveAction(f["path"], True, now, f["size_bytes"], values))
    return removes


def _commit(
    uri: str,
    table: DeltaTable | None,
    adds: list[AddAction],
    removes: list[RemoveAction],
    mode: str,
    schema: Schema,
    keys: list[str],
    added_columns: list[T.StructField],
    properties: CommitProperties | None,
) -> None:
    """One Delta commit: create the table, or add (and remove) files in one transaction."""
    if table is None:
        create_table_with_add_actions(uri, schema, adds, "error", keys, commit_properties=properties)
        return
    if added_columns:  # delta-rs commits schema changes separately; adding nullable columns is harmless alone
        new = json.loads(to_delta_schema(T.StructType(added_columns)).to_json())["fields"]
        table.alter.add_columns([Field.from_json(json.dumps(f)) for f in new])
    table.create_write_transaction([*adds, *removes], mode, schema, keys, commit_properties=properties)


def _write_native(
    ctx: EtlContext,
    df: DataFrame,
    uri: str,
    mode: str,
    keys: list[str],
    options: dict[str, Any],
    format_options: dict[str, Any],
    txn: Transaction | None,
) -> None:
    """delta-spark writes and commits (untested here: no Delta JARs). The transaction goes through
    delta-spark's idempotent-write options; the bookmark state rides in ``userMetadata``."""
    observation = Observation()
    writer = df.observe(observation, F.count(F.lit(1)).alias("written")).write.format("delta").mode(mode)
    if keys:
        writer = writer.partitionBy(*keys)
    for name in ("mergeSchema", "overwriteSchema"):
        if _flag(format_options, name):
            writer = writer.option(name, "true")
    if _dynamic(options):
        writer = writer.option("partitionOverwriteMode", "dynamic")
    if txn:
        props = _properties(ctx, txn)
        writer = writer.option("txnAppId", txn.app_id).option("txnVersion", txn.version)
        writer = writer.option("userMetadata", json.dumps(props.custom_metadata if props else {}))
    writer.save(uri)
    if txn:
        ctx.bookmarks.delta_written.add(txn.app_id)  # type: ignore[union-attr]
    ctx.metrics.add(written=int(observation.get.get("written") or 0))
    log.info("wrote to Delta table %s with delta-spark (%s)", uri, mode)
