"""The Delta source: ``create_dynamic_frame.from_options("s3"|"file", {"path": ...}, format="delta")``.

delta-rs reads the Delta log (at ``versionAsOf`` / ``timestampAsOf`` if given) for the live files,
and Spark reads those Parquet files with the table folder as ``basePath``, so the partition columns
come back with the table's types. ``partitionFilters`` (delta-rs DNF tuples such as
``[("day", "=", "2024-01-01")]``, or a SQL predicate on partition columns) prune files before
Spark sees them.

With bookmarks enabled and a ``transformation_ctx``, a run reads only the data files added by the
commits after the table version the last run committed (state ``{"type": "delta", "version": n}``);
the first run reads the whole table.

    >>> from etl_framework import DynamicFrame
    >>> for n in (1, 2):  # versions 0 and 1
    ...     ids = DynamicFrame.fromDF(spark.range(n), ctx, "ids")
    ...     _ = ctx.write_dynamic_frame.from_options(ids, "file", {"path": f"{tmp}/ids"}, format="delta")
    >>> ids = ctx.create_dynamic_frame.from_options(
    ...     "file", {"path": f"{tmp}/ids", "versionAsOf": 0}, format="delta", transformation_ctx="ids")
    >>> ids.count()
    1
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import reduce
from typing import TYPE_CHECKING, Any

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from ..bookmarks.session import SourceBookmark, source_bookmark
from ..delta.table import (
    DeltaError,
    TableFiles,
    data_added,
    engine_for,
    live_files,
    open_table,
    read_files,
    table_uri,
    to_spark_schema,
)
from ..dynamicframe.errors import Step
from ..dynamicframe.frame import DynamicFrame
from ..logs import get_logger
from ..types import from_spark, quote

if TYPE_CHECKING:
    from deltalake import DeltaTable

    from ..services import Services

log = get_logger("delta")


def _location(options: dict[str, Any]) -> str:
    paths = options.get("paths", options.get("path"))
    if isinstance(paths, list):
        if len(paths) != 1:
            raise DeltaError(f"a Delta source reads one table; connection option 'paths' lists {len(paths)}")
        paths = paths[0]
    return table_uri(paths)


def _instant(text: Any) -> datetime:
    if isinstance(text, datetime):
        moment = text
    else:
        try:
            moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError as exc:
            raise DeltaError(f"connection option 'timestampAsOf' {text!r}: expected an ISO date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _open(uri: str, options: dict[str, Any]) -> DeltaTable:
    version, instant = options.get("versionAsOf"), options.get("timestampAsOf")
    if version is not None and instant is not None:
        raise DeltaError("give connection option 'versionAsOf' or 'timestampAsOf', not both")
    table = open_table(uri)
    if table is None:
        raise DeltaError(f"{uri} is not a Delta table (no _delta_log)")
    try:
        if version is not None:
            table.load_as_version(int(version))
        elif instant is not None:
            moment = _instant(instant)
            first = min(c["timestamp"] for c in table.history())
            if moment.timestamp() * 1000 < first:  # delta-rs would silently give version 0
                raise DeltaError(
                    f"before the table's first commit ({datetime.fromtimestamp(first / 1000, timezone.utc)})"
                )
            table.load_as_version(moment)
    except Exception as exc:  # delta-rs raises its own error types for unknown versions
        raise DeltaError(f"{uri}: cannot load version {version if version is not None else instant}: {exc}") from exc
    return table


def read_delta(
    ctx: Services,
    connection_options: dict[str, Any],
    format_options: dict[str, Any] | None = None,
    transformation_ctx: str = "",
) -> DynamicFrame:
    """Read a Delta table (or, bookmarked, what was added to it since the last run) as a DynamicFrame."""
    options = dict(connection_options or {})
    spark = ctx.spark_session
    uri = _location(options)
    mark = source_bookmark(ctx.bookmarks, transformation_ctx)
    if engine_for(ctx.spark_session, ctx.profile) == "spark" and mark is None:
        return _frame(ctx, _read_native(ctx, uri, options), transformation_ctx)

    table = _open(uri, options)
    schema = to_spark_schema(table.schema())
    if mark is not None:
        files = _new_files(spark, mark, table, uri)
    else:
        files = live_files(table, uri, options.get("partitionFilters"))
    if not files:
        return _frame(ctx, spark.createDataFrame([], schema), transformation_ctx)
    return _frame(ctx, read_files(spark, uri, schema, files), transformation_ctx)


def _read_native(ctx: Services, uri: str, options: dict[str, Any]) -> DataFrame:
    """delta-spark reads the table (as of a version or time), pruned by ``partitionFilters``."""
    version, instant = options.get("versionAsOf"), options.get("timestampAsOf")
    if version is not None and instant is not None:
        raise DeltaError("give connection option 'versionAsOf' or 'timestampAsOf', not both")
    reader = ctx.spark_session.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", int(version))
    elif instant is not None:
        reader = reader.option("timestampAsOf", _instant(instant).isoformat())
    try:
        df = reader.load(uri)
    except AnalysisException as exc:
        if open_table(uri) is None:
            raise DeltaError(f"{uri} is not a Delta table (no _delta_log)") from exc
        first = str(exc).strip().splitlines()[0]
        raise DeltaError(f"{uri}: cannot load version {version if version is not None else instant}: {first}") from exc
    filters = options.get("partitionFilters")
    return df.where(_partition_condition(filters)) if filters else df


def _partition_condition(filters: Any) -> Column:
    """``partitionFilters`` as a Spark condition: a SQL predicate, or delta-rs' DNF tuples
    ``(column, op, value)`` (a list of them: all hold; a list of such lists: any of them)."""
    if isinstance(filters, str):
        return F.expr(filters)
    groups = filters if filters and isinstance(filters[0], list) else [filters]
    ops = {"=": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}

    def term(column: str, op: str, value: Any) -> Column:
        col = F.col(quote(column))
        if op in ("in", "not in"):
            return col.isin(list(value)) if op == "in" else ~col.isin(list(value))
        if op not in ops:
            raise DeltaError(
                f"partitionFilters: operator {op!r} in ({column!r}, {op!r}, {value!r}) is not one of "
                f"{', '.join([*ops, 'in', 'not in'])}"
            )
        return getattr(col, ops[op])(value)

    return reduce(lambda a, b: a | b, [reduce(lambda a, b: a & b, [term(*t) for t in g]) for g in groups])


def _new_files(spark: SparkSession, mark: SourceBookmark, table: DeltaTable, uri: str) -> list[str]:
    """The data files added after the committed table version; stages the version read up to."""
    transformation_ctx = mark.name
    last = table.version()
    start = (mark.after or {}).get("version", -1) + 1
    if mark.replaying:  # pause with --job-bookmark-from/-to: what the runs between them read
        last = min(last, (mark.up_to or {}).get("version", -1))
    if start > last + 1:
        raise DeltaError(
            f"{uri}: the bookmark of {transformation_ctx!r} is at table version {start - 1}, the table at {last}: "
            "was the table recreated? Reset the job's bookmark to read it again"
        )
    mark.stage({"type": "delta", "version": last})
    if start == 0:  # nothing read yet: the whole table as of the last version
        if last < 0:
            return []
        if last != table.version():
            table.load_as_version(last)
        files = live_files(table, uri)
    else:
        relative, removed = data_added(TableFiles(spark, uri), start, last)
        if removed:
            log.warning(
                "%s: commits %d..%d of %s deleted or replaced %d files; their rows are not retracted",
                transformation_ctx,
                start,
                last,
                uri,
                removed,
            )
        files = [p if "://" in p else f"{uri}/{p}" for p in relative]
    log.info(
        "%s: %d files added to %s in versions %d..%d since the last bookmark",
        transformation_ctx,
        len(files),
        uri,
        start,
        last,
    )
    return files


def _frame(ctx: Services, df: DataFrame, transformation_ctx: str) -> DynamicFrame:
    observation = Observation()
    df = df.observe(observation, F.count(F.lit(1)).alias("read"), F.count(F.lit(None)).alias("errors"))
    ctx.metrics.watch(observation)
    return DynamicFrame.from_source(df, ctx, from_spark(df.schema), Step("read delta", transformation_ctx))
