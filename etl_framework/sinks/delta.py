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

    >>> from etl_framework import DynamicFrame
    >>> frame = DynamicFrame.fromDF(spark.createDataFrame([(1, "a"), (2, "b")], "id long, day string"), ctx, "o")
    >>> _ = ctx.write_dynamic_frame.from_options(frame, "file", {"path": f"{tmp}/orders",
    ...     "partitionKeys": ["day"], "mode": "append"}, format="delta", transformation_ctx="orders_out")
    >>> sorted(ctx.create_dynamic_frame.from_options("file", {"path": f"{tmp}/orders"}, "delta").toDF().collect())
    [Row(id=1, day='a'), Row(id=2, day='b')]
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import delta.exceptions
import pyarrow as pa
from deltalake import DeltaTable, Field, Schema
from deltalake.exceptions import CommitFailedError
from deltalake.exceptions import DeltaError as DeltaRsError
from deltalake.transaction import (
    AddAction,
    CommitProperties,
    RemoveAction,
    Transaction,
    create_table_with_add_actions,
)
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..bookmarks.session import ENABLE
from ..delta.table import (
    DeltaConflictError,
    DeltaError,
    SchemaMismatchError,
    TableFiles,
    commit_metadata,
    engine_for,
    open_table,
    partition_values,
    read_files,
    schema_differences,
    table_uri,
    to_delta_schema,
    to_spark_schema,
)
from ..listing import list_files
from ..logs import get_logger
from ..s3 import storage_options
from ..storage import STAGING
from ..types import quote
from .files import UnresolvedChoiceError, nothing_to_write

if TYPE_CHECKING:
    from ..bookmarks.session import BookmarkSession
    from ..dynamicframe.frame import DynamicFrame
    from ..services import Services

log = get_logger("delta")

MODES = ("append", "overwrite", "merge")
_META_APP, _META_VERSION, _META_PENDING, _META_RUN = "etl.app_id", "etl.bookmark_version", "etl.pending", "etl.run_id"
# A write that conflicts with a concurrent commit is redone against the new table version this often.
ATTEMPTS = 3
# delta-spark's commit conflicts: its exception classes share no base class but PySparkException
_NATIVE_CONFLICTS = tuple(getattr(delta.exceptions, name) for name in delta.exceptions.__all__)
_FILE, _KEY = "__etl_file", "__etl_key"


def _flag(options: dict[str, Any], name: str) -> bool:
    value = options.get(name, False)
    return value.lower() == "true" if isinstance(value, str) else bool(value)


def write_delta(
    ctx: Services,
    frame: DynamicFrame,
    connection_options: dict[str, Any],
    format_options: dict[str, Any] | None = None,
    transformation_ctx: str = "",
) -> DynamicFrame:
    """Append to, overwrite or merge into the Delta table at ``connection_options["path"]``, in one
    commit; returns ``frame``.

    Options: ``partitionKeys`` (default: the table's), ``mode``:

    * ``append`` (the default);
    * ``overwrite``: the whole table; with ``partitionOverwriteMode: dynamic`` only the partitions
      written; with ``replaceWhere: "<SQL predicate>"`` only the rows matching it (every row written
      must match it, else a ``DeltaError`` and nothing is committed);
    * ``merge`` with ``mergeKeys`` (or ``primaryKeys``): an upsert with ``mergeDynamicFrame``'s
      meaning. Each row of the frame replaces the table's rows with the same keys, rows of new keys
      are inserted, the others are kept. A null key matches nothing; keys must be unique in the frame.

    Format options: ``mergeSchema`` (add the frame's new columns to the table), ``overwriteSchema``
    (whole-table overwrite: replace the table's schema), ``compression``. A commit that conflicts with
    a concurrent writer's is retried against the new table version, ``ATTEMPTS`` times in all.

        >>> from etl_framework import DynamicFrame
        >>> from etl_framework.sources.delta import read_delta
        >>> def customers(*rows):
        ...     return DynamicFrame.fromDF(spark.createDataFrame(rows, "id long, name string"), ctx, "customers")
        >>> _ = write_delta(ctx, customers((1, "ann"), (2, "bob")), {"path": f"{tmp}/customers"})
        >>> _ = write_delta(ctx, customers((2, "rob"), (3, "cy")), {"path": f"{tmp}/customers", "mode": "merge",
        ...                                                        "mergeKeys": ["id"]})
        >>> sorted(read_delta(ctx, {"path": f"{tmp}/customers"}).toDF().collect())
        [Row(id=1, name='ann'), Row(id=2, name='rob'), Row(id=3, name='cy')]
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
    if nothing_to_write(frame, uri):
        return frame
    frame.assertErrorThreshold()
    write = _Write(
        uri, mode, options, format_options, _merge_keys(options, mode, frame.dataframe), _where(options, mode)
    )
    if write.merge_keys and not _check_unique_keys(frame.dataframe, write.merge_keys):
        log.info("no records to merge into Delta table %s: nothing committed", uri)
        return frame
    attempt = 1
    while True:
        try:
            _write(ctx, frame.dataframe, write, transformation_ctx)
            return frame
        except (CommitFailedError, *_NATIVE_CONFLICTS) as exc:
            if attempt == ATTEMPTS:
                raise DeltaConflictError(
                    f"{uri}: concurrent writers committed first {ATTEMPTS} times; this {mode} was not committed "
                    f"(the table holds only the other writers' commits). Run it again. Last conflict: {exc}"
                ) from exc
            log.warning(
                "%s: a concurrent commit conflicts with this %s (%s); redoing it on the new version", uri, mode, exc
            )
            attempt += 1


def merge_delta(
    stage_dynamic_frame: DynamicFrame,
    path: str,
    primary_keys: Sequence[str],
    transformation_ctx: str = "",
    partition_keys: Sequence[str] | None = None,
    format_options: dict[str, Any] | None = None,
) -> DynamicFrame:
    """``mergeDynamicFrame`` into the Delta table at ``path``, in one commit: the stage's rows replace
    the table's rows with the same primary keys, rows of new keys are inserted, the others are kept.
    The same as ``write_dynamic_frame.from_options(stage, "s3", {"path": path, "mode": "merge",
    "mergeKeys": primary_keys}, format="delta")``; a missing table is created from the stage.

        >>> from etl_framework import DynamicFrame
        >>> from etl_framework.sources.delta import read_delta
        >>> stage = DynamicFrame.fromDF(spark.createDataFrame([(1, "ann")], "customer_id long, name string"), ctx, "s")
        >>> _ = merge_delta(stage, f"{tmp}/customers", ["customer_id"], "customers_out")
        >>> read_delta(ctx, {"path": f"{tmp}/customers"}).toDF().collect()
        [Row(customer_id=1, name='ann')]
    """
    options: dict[str, Any] = {"path": path, "mode": "merge", "mergeKeys": list(primary_keys)}
    if partition_keys:
        options["partitionKeys"] = list(partition_keys)
    return write_delta(stage_dynamic_frame.glue_ctx, stage_dynamic_frame, options, format_options, transformation_ctx)


@dataclass(frozen=True)
class _Write:
    """What one write asks for, validated."""

    uri: str
    mode: str
    options: dict[str, Any]
    format_options: dict[str, Any]
    merge_keys: list[str]
    where: str | None

    @property
    def reads_table(self) -> bool:
        """Merge and replaceWhere replace rows they found in the table: a concurrent commit may
        have changed those, so their commit must not be rebased over it."""
        return bool(self.merge_keys or self.where)


def _merge_keys(options: dict[str, Any], mode: str, df: DataFrame) -> list[str]:
    given = options.get("mergeKeys", options.get("primaryKeys"))
    if mode != "merge":
        if given:
            raise DeltaError(f"connection option 'mergeKeys'/'primaryKeys' needs 'mode': 'merge', not {mode!r}")
        return []
    keys = [given] if isinstance(given, str) else list(given or [])
    if not keys:
        raise DeltaError("'mode': 'merge' needs connection option 'mergeKeys' (or 'primaryKeys'): the key columns")
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise DeltaError(f"merge keys {missing} are not fields of the frame {df.columns}")
    return keys


def _where(options: dict[str, Any], mode: str) -> str | None:
    where = options.get("replaceWhere")
    if where is None:
        return None
    if mode != "overwrite" or _dynamic(options):
        raise DeltaError(
            "connection option 'replaceWhere' goes with 'mode': 'overwrite', without partitionOverwriteMode"
        )
    if not isinstance(where, str) or not where.strip():
        raise DeltaError(f"connection option 'replaceWhere' must be a SQL predicate, got {where!r}")
    return where


def _write(ctx: Services, df: DataFrame, write: _Write, transformation_ctx: str) -> None:
    uri, mode, options = write.uri, write.mode, write.options
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
        return
    replace_all = mode == "overwrite" and not write.where
    # Checked here for both engines, so a mismatch or a bad predicate fails with the same error
    schema, added_columns = _target_schema(
        uri, table, df.schema, "overwrite" if replace_all else "append", write.format_options
    )
    matching = _matching(write.where, df) if write.where else None
    if engine_for(ctx.spark_session, ctx.profile) == "spark":
        _write_native(ctx, df, write, keys, txn, table is not None)
        return

    observation = Observation()
    metrics = [F.count(F.lit(1)).alias("written")]
    if matching is not None:
        metrics.append(F.count_if(~matching).alias("outside"))
    data = df.observe(observation, *metrics)
    removes: list[RemoveAction] = []
    if table is not None and write.reads_table:
        removes, kept = _replaced(ctx.spark_session, uri, table, df, write)
        if kept is not None:  # the other rows of the files replaced are written again
            data = data.unionByName(kept, allowMissingColumns=True)
    files = TableFiles(ctx.spark_session, uri)
    write_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
    adds = _write_files(ctx, data, files, write_id, keys, write.format_options)
    written = int(observation.get.get("written") or 0)
    try:
        if observation.get.get("outside"):
            raise _outside_error(write, int(observation.get["outside"]), written)
        dynamic = mode == "overwrite" and table is not None and _dynamic(options)
        if written == 0 and not write.where:  # Spark writes an empty file for an empty frame: not data
            for add in adds:
                files.delete(f"{uri}/{add.path}")
            adds = []
            if table is None or mode != "overwrite" or dynamic:
                log.info("no records to write to Delta table %s: nothing committed", uri)
                return
        if dynamic:
            removes = _partition_removes(table, adds)  # type: ignore[arg-type]
        commit_mode = "overwrite" if replace_all and not dynamic else "append"  # else explicit removes
        if adds or removes or table is None or mode == "overwrite" or added_columns:
            props = _properties(ctx, txn, rebase=not write.reads_table)
            _commit(uri, table, adds, removes, commit_mode, schema, keys, added_columns, props)
    except BaseException:
        for add in adds:  # never live; remove them now rather than waiting for vacuum
            files.delete(f"{uri}/{add.path}")
        raise
    if txn:
        ctx.bookmarks.delta_written.add(txn.app_id)  # type: ignore[union-attr]
    ctx.metrics.add(written=written)
    log.info(
        "wrote %d records in %d files to Delta table %s (%s%s%s%s)",
        written,
        len(adds),
        uri,
        mode,
        f", replacing {len(removes)} files" if removes else "",
        f", partitioned by {', '.join(keys)}" if keys else "",
        f", transaction {txn.app_id} v{txn.version}" if txn else "",
    )


# --- rows replaced: merge and replaceWhere --------------------------------------------------------


def _check_unique_keys(df: DataFrame, keys: list[str]) -> bool:
    """A merge needs one row per key, or which row replaces the table's would be arbitrary. Returns
    whether the frame has rows at all: the same pass tells, and a merge of none needs no other."""
    per_key = df.groupBy(*[F.col(quote(k)) for k in keys]).count()
    stats = per_key.agg(F.count(F.lit(1)).alias("keys"), F.count_if(F.col("count") > 1).alias("repeated")).first()
    if stats["repeated"]:
        found = per_key.where(F.col("count") > 1).limit(3).collect()
        examples = "; ".join(", ".join(f"{k}={row[k]!r}" for k in keys) for row in found)
        raise DeltaError(
            f"merge keys {keys} are not unique in the frame (e.g. {examples}): a merge takes one row per key, "
            "as Delta's MERGE does. Deduplicate the frame first"
        )
    return stats["keys"] > 0


def _matching(where: str, df: DataFrame) -> Column:
    """The replaceWhere predicate as a condition; a null result does not match (as in SQL's WHERE)."""
    try:
        condition = F.expr(where)
        df.select(condition)  # analysed now: an unknown column or a syntax error fails before any write
    except AnalysisException as exc:
        raise DeltaError(f"replaceWhere {where!r} is not a valid predicate on the frame: {exc}") from exc
    return F.coalesce(condition, F.lit(False))


def _outside_error(write: _Write, outside: int, written: int) -> DeltaError:
    return DeltaError(
        f"replaceWhere {write.where!r}: {outside} of the {written} rows written do not match it (or it is null "
        f"for them); nothing was written to {write.uri}. Filter the frame by the same predicate, or widen it"
    )


def _replaced(
    spark: SparkSession, uri: str, table: DeltaTable, df: DataFrame, write: _Write
) -> tuple[list[RemoveAction], DataFrame | None]:
    """Copy on write: the live files holding rows this write replaces (rows matching replaceWhere,
    or rows whose merge keys the frame has), as remove actions, and those files' other rows.

    Spark finds the files in one pass over the table, then reads only those files again."""
    live = {unquote(f["path"]): f for f in _live(table)}
    if not live:
        return [], None
    schema = to_spark_schema(table.schema())
    current = read_files(spark, uri, schema, [f"{uri}/{p}" for p in live]).withColumn(
        _FILE, F.col("_metadata.file_path")
    )
    if write.where:
        hits = current.where(_matching(write.where, current))
    else:
        hits = current.join(_key_rows(df, write.merge_keys), _key_condition(write.merge_keys), "left_semi")
    touched = [_relative(uri, row[0], live) for row in hits.select(_FILE).distinct().collect()]
    if not touched:
        return [], None
    others = read_files(spark, uri, schema, [f"{uri}/{p}" for p in touched])
    if write.where:
        kept = others.where(~_matching(write.where, others))
    else:
        kept = others.join(_key_rows(df, write.merge_keys), _key_condition(write.merge_keys), "left_anti")
    now = int(time.time() * 1000)
    return [_remove(live[p], now) for p in touched], kept


def _key_rows(df: DataFrame, keys: list[str]) -> DataFrame:
    return df.select(*[F.col(f"`{k}`").alias(f"{_KEY}{i}") for i, k in enumerate(keys)]).distinct()


def _key_condition(keys: list[str]) -> Column:
    """Equal keys; a null equals nothing, as in mergeDynamicFrame and Delta's MERGE ... ON."""
    return reduce(lambda a, b: a & b, [F.col(f"`{k}`") == F.col(f"{_KEY}{i}") for i, k in enumerate(keys)])


def _relative(uri: str, spark_path: str, live: dict[str, Any]) -> str:
    """The table-relative path of a file as Spark names it (a URI, percent-encoded)."""
    relative = unquote(spark_path).split(f"{uri}/", 1)[-1]
    if relative not in live:
        raise DeltaError(f"{uri}: Spark read {spark_path}, which is not a live file of the table")
    return relative


# --- exactly once -------------------------------------------------------------------------------


def _transaction(ctx: Services, uri: str, transformation_ctx: str) -> Transaction | None:
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
        meta = commit_metadata(commit)
        if meta.get(_META_APP) == txn.app_id and str(meta.get(_META_VERSION)) == str(txn.version):
            return json.loads(meta.get(_META_PENDING) or "{}")
    return None


def _properties(ctx: Services, txn: Transaction | None, rebase: bool = True) -> CommitProperties | None:
    """The commit's application transaction and metadata; ``rebase=False`` makes any concurrent
    commit a conflict (delta-rs would otherwise rebase a commit whose removes do not clash)."""
    if txn is None:
        return None if rebase else CommitProperties(max_commit_retries=0)
    session = ctx.bookmarks
    metadata = {
        _META_APP: txn.app_id,
        _META_VERSION: str(txn.version),
        _META_RUN: str(session.run_id if session else None),
        _META_PENDING: json.dumps(session.pending if session else {}, sort_keys=True),
    }
    return CommitProperties(app_transactions=[txn], custom_metadata=metadata, max_commit_retries=None if rebase else 0)


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
    ctx: Services,
    df: DataFrame,
    files: TableFiles,
    write_id: str,
    keys: list[str],
    format_options: dict[str, Any],
) -> list[AddAction]:
    """Spark writes the Parquet files; they move from the staging folder into the table."""
    staging = f"{files.uri}/{STAGING}/{write_id}"
    writer = df.write.mode("errorifexists")
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
    return adds


def _dynamic(options: dict[str, Any]) -> bool:
    return str(options.get("partitionOverwriteMode", "static")).lower() == "dynamic"


def _live(table: DeltaTable) -> list[dict[str, Any]]:
    """The table's live files: path (percent-encoded, relative), size_bytes, partition.<column>, ..."""
    return pa.table(table.get_add_actions(flatten=True)).to_pylist()


def _partition_text(value: Any) -> str | None:
    """A partition value as the Delta log writes it (delta-rs hands them over typed)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat() if isinstance(value, date) else str(value)


def _remove(live: dict[str, Any], now: int) -> RemoveAction:
    values = {k[len("partition.") :]: _partition_text(v) for k, v in live.items() if k.startswith("partition.")}
    # delta-rs percent-encodes the path it is given, as it does for add actions
    return RemoveAction(unquote(live["path"]), True, now, live["size_bytes"], values)


def _partition_removes(table: DeltaTable, adds: list[AddAction]) -> list[RemoveAction]:
    """Remove actions for the live files in the partitions this write replaces."""
    written = {tuple(sorted(a.partition_values.items())) for a in adds}
    now = int(time.time() * 1000)
    removes = [_remove(f, now) for f in _live(table)]
    return [r for r in removes if tuple(sorted(r.partition_values.items())) in written]


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
        options = storage_options(uri)
        try:
            create_table_with_add_actions(
                uri, schema, adds, "error", keys, storage_options=options, commit_properties=properties
            )
        except DeltaRsError as exc:
            if not DeltaTable.is_deltatable(uri, options):
                raise
            # another writer created the table since this one looked: a conflict, redone as a write into it
            raise CommitFailedError(f"{uri} was created by another writer meanwhile ({exc})") from exc
        return
    if added_columns:  # delta-rs commits schema changes separately; adding nullable columns is harmless alone
        new = json.loads(to_delta_schema(T.StructType(added_columns)).to_json())["fields"]
        table.alter.add_columns([Field.from_json(json.dumps(f)) for f in new])
    table.create_write_transaction([*adds, *removes], mode, schema, keys, commit_properties=properties)


def _write_native(
    ctx: Services, df: DataFrame, write: _Write, keys: list[str], txn: Transaction | None, exists: bool
) -> None:
    """delta-spark writes and commits: ``DataFrameWriter.save`` or ``DeltaTable.merge``. The
    transaction goes through delta-spark's idempotent-write options (session settings for MERGE),
    the bookmark state in ``userMetadata``. A merge into no table yet creates it."""
    session = ctx.bookmarks
    if txn and txn.app_id in session.delta_written:  # type: ignore[union-attr]
        # A second write of this run: delta-spark would skip a transaction version it holds. The
        # first write's commit already records this run, so a rerun skips both, as on delta-rs.
        txn = None
    if txn and not write.merge_keys and not (write.mode == "overwrite" and not _dynamic(write.options)):
        # delta-spark skips empty appends and partition overwrites, but not when they carry a
        # transaction; delta-rs commits no empty write either. (An empty merge never gets here.)
        if df.isEmpty():
            log.info("no records to write to Delta table %s: nothing committed", write.uri)
            return
    props = _properties(ctx, txn)
    metadata = json.dumps(props.custom_metadata) if props else None
    if write.merge_keys and exists:
        written = _merge_native(ctx.spark_session, df, write, txn, metadata)
    else:
        observation = Observation()
        writer = (
            df.observe(observation, F.count(F.lit(1)).alias("written"))
            .write.format("delta")
            .mode("append" if write.merge_keys else write.mode)
        )
        if keys:
            writer = writer.partitionBy(*keys)
        for name in ("mergeSchema", "overwriteSchema"):
            if _flag(write.format_options, name):
                writer = writer.option(name, "true")
        if write.format_options.get("compression"):
            writer = writer.option("compression", write.format_options["compression"])
        if _dynamic(write.options):
            writer = writer.option("partitionOverwriteMode", "dynamic")
        if write.where:
            writer = writer.option("replaceWhere", write.where)
        if txn:
            writer = writer.option("txnAppId", txn.app_id).option("txnVersion", txn.version)
            writer = writer.option("userMetadata", metadata)
        try:
            writer.save(write.uri)
        except AnalysisException as exc:
            if write.where and "DELTA_REPLACE_WHERE_MISMATCH" in str(exc):  # said as the delta-rs path says it
                counts = df.agg(F.count(F.lit(1)), F.count_if(~_matching(write.where, df))).first()
                raise _outside_error(write, counts[1], counts[0]) from exc
            raise
        written = int(observation.get.get("written") or 0)
    if txn:
        session.delta_written.add(txn.app_id)  # type: ignore[union-attr]
    ctx.metrics.add(written=written)
    log.info("wrote %d records to Delta table %s with delta-spark (%s)", written, write.uri, write.mode)


def _merge_native(
    spark: SparkSession, df: DataFrame, write: _Write, txn: Transaction | None, metadata: str | None
) -> int:
    """MERGE the frame into the table; returns how many of its rows were written."""
    from delta.tables import DeltaTable as NativeTable  # delta-spark's Python API: only with its JARs

    condition = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in write.merge_keys)
    # MERGE takes the transaction from session settings; concurrent merges of one session with
    # bookmarks would share them (one job writes its sinks one after the other)
    settings = (
        {
            "spark.databricks.delta.write.txnAppId": txn.app_id,
            "spark.databricks.delta.write.txnVersion": str(txn.version),
            "spark.databricks.delta.commitInfo.userMetadata": metadata,
        }
        if txn
        else {}
    )
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        merge = NativeTable.forPath(spark, write.uri).alias("t").merge(df.alias("s"), condition)
        if _flag(write.format_options, "mergeSchema"):
            merge = merge.withSchemaEvolution()
        counts = merge.whenMatchedUpdateAll().whenNotMatchedInsertAll().execute().first()
        return int(counts["num_updated_rows"]) + int(counts["num_inserted_rows"])
    finally:
        for key in settings:
            spark.conf.unset(key)
