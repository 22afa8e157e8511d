"""File sinks: ``write_dynamic_frame.from_options(connection_type="s3"|"file", ...)``.

Glue's S3 sink adds new files to the target path (append); ``connection_options["mode"]`` may say
``overwrite``, ``error`` or ``ignore`` instead. ``partitionKeys`` lay the output out in Hive-style
``key=value`` folders. Spark writes into a staging folder inside the path and the files move into
place afterwards (``staging.py``), at ``job.commit()`` when job bookmarks are enabled; a frame
without records writes nothing at all (no empty part files), as Glue's S3 sink.

>>> from etl_framework import DynamicFrame
>>> frame = DynamicFrame.fromDF(spark.createDataFrame([(1, "a"), (2, "b")], "id long, day string"), ctx, "t")
>>> _ = write_files(ctx, frame, {"path": f"{tmp}/out", "partitionKeys": ["day"]}, "json")
>>> sorted(spark.read.json(f"{tmp}/out").collect())
[Row(id=1, day='a'), Row(id=2, day='b')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql import Observation
from pyspark.sql import functions as F

from .. import formats
from ..dynamicframe.frame import DynamicFrame
from ..errors import EtlError
from ..logs import get_logger
from ..packages import require
from ..storage import Storage, hidden
from ..types import StringType
from .staging import StagedOutput, discard, promote, staging_folder

if TYPE_CHECKING:
    from ..services import Services

log = get_logger("sink")

_MODES = ("append", "overwrite", "error", "errorifexists", "ignore")


class UnresolvedChoiceError(EtlError):
    """A frame with choice fields is written to a format whose columns have one type each.

    >>> from etl_framework import DynamicFrame
    >>> a = DynamicFrame.fromDF(spark.createDataFrame([(1,)], "price long"), ctx, "a")
    >>> b = DynamicFrame.fromDF(spark.createDataFrame([("x",)], "price string"), ctx, "b")
    >>> write_files(ctx, a.union(b), {"path": f"{tmp}/out"}, "parquet")
    Traceback (most recent call last):
    ...
    etl_framework.sinks.files.UnresolvedChoiceError: cannot write parquet to .../out: fields price are unresolved ...
    """


def nothing_to_write(frame: DynamicFrame, target: str) -> bool:
    """True (and said so) for a frame without fields: an incremental read that found no new file
    (or only empty ones) gives one, and no format can store records without fields.

    >>> from etl_framework import DynamicFrame
    >>> nothing_to_write(DynamicFrame.fromDF(spark.createDataFrame([], "struct<>"), ctx, "empty"), f"{tmp}/out")
    True
    """
    if frame.schema().fields:
        return False
    log.info("nothing to write to %s: the frame has no fields (nothing new was read)", target)
    return True


def write_files(
    ctx: Services,
    frame: DynamicFrame,
    connection_options: dict[str, Any],
    fmt: str,
    format_options: dict[str, Any] | None = None,
    transformation_ctx: str = "",
) -> DynamicFrame:
    """Write ``frame``; return it (as Glue does). Raises before writing anything when the frame's
    error thresholds are exceeded or when it holds choices the format cannot store."""
    options = dict(connection_options or {})
    format_options = dict(format_options or {})
    path = options.get("path")
    if not path or not isinstance(path, str):
        raise EtlError(f"connection option 'path' is required for a file sink, got {path!r}")
    found = formats.get(fmt)
    if found.package:
        require(ctx.spark_session, found.package, f"format={found.name!r}")
    spark_format = found.spark_source
    mode = str(options.get("mode", "append")).lower()
    if mode not in _MODES:
        raise EtlError(f"connection option 'mode' must be one of {', '.join(_MODES)}, got {mode!r}")
    if nothing_to_write(frame, path):
        return frame
    choices = frame.unresolved_choices()
    if choices and not found.holds_choice:
        raise UnresolvedChoiceError(
            f"cannot write {fmt} to {path}: fields {', '.join(choices)} are unresolved choices; "
            f"resolve them first, e.g. frame.resolveChoice(specs=[({choices[0]!r}, 'cast:string')]) "
            "or choice='make_cols'"
        )
    partition_keys = list(options.get("partitionKeys") or [])
    missing = [k for k in partition_keys if k not in frame.schema().names()]
    if missing:
        raise EtlError(
            f"connection option 'partitionKeys': {missing} not in the frame's fields {frame.schema().names()}"
        )
    frame.assertErrorThreshold()

    df = frame.dataframe
    if spark_format == "text":
        fields = [f for f in frame.schema() if f.name not in partition_keys]
        if len(fields) != 1 or not isinstance(fields[0].dataType, StringType):
            raise EtlError(f"format text writes one string field per record; the frame has {frame.schema().names()}")
    if spark_format in ("csv", "text"):
        # CSV and text cannot hold nested values: write them as JSON text.
        df = df.select(
            *[
                F.to_json(F.col(f"`{f.name}`")).alias(f.name)
                if f.dataType.name in ("struct", "array", "map", "choice")
                else F.col(f"`{f.name}`")
                for f in frame.schema()
            ]
        )
    target = Storage(ctx.spark_session, path)
    if mode in ("error", "errorifexists", "ignore") and any(not hidden(n) for n in target.children(path)):
        if mode == "ignore":
            log.info("%s holds data already: nothing written (mode ignore)", path)
            return frame
        raise EtlError(f"{path} holds data already (mode {mode}); write with mode append or overwrite")
    observation = Observation()
    df = df.observe(observation, F.count(F.lit(1)).alias("written"))
    writer = df.write.format(spark_format).mode("errorifexists")
    if partition_keys:
        writer = writer.partitionBy(*partition_keys)
    compression = format_options.get("compression", options.get("compression"))
    if compression:
        writer = writer.option("compression", compression)
    if spark_format == "csv":
        writer = writer.option("header", str(format_options.get("writeHeader", True)).lower())
        writer = writer.option("sep", format_options.get("separator", ","))
        if format_options.get("quoteChar"):
            writer = writer.option("quote", format_options["quoteChar"])
    if spark_format == "xml":
        writer = writer.option("rowTag", format_options.get("rowTag", "record"))
        writer = writer.option("rootTag", format_options.get("rootTag", "records"))
    staged = _stage(ctx, path, mode == "overwrite")
    writer.save(staged.folder)
    written = int(observation.get.get("written") or 0)
    ctx.metrics.add(written=written)
    if written == 0:  # Spark leaves an empty file even for no records: not output
        discard(ctx.spark_session, staged)
        if not staged.overwrite:
            log.info("no records to write to %s: nothing written", path)
            return frame
        target.write_text(f"{staged.folder}/_EMPTY", "")  # the overwrite still empties the path
    session = ctx.bookmarks
    deferred = session is not None and session.defer_output(staged.as_dict())
    if not deferred:
        promote(ctx.spark_session, staged)
    log.info(
        "wrote %d records as %s to %s%s%s",
        written,
        fmt,
        path,
        f" (partitioned by {', '.join(partition_keys)})" if partition_keys else "",
        "; they move into place when the job commits" if deferred else "",
    )
    return frame


def _stage(ctx: Services, path: str, overwrite: bool) -> StagedOutput:
    """A staging folder for this write, named for the bookmark version a bookmarked run commits."""
    session = ctx.bookmarks
    if session is None or not session.defers_output:
        return StagedOutput(path, staging_folder(path), overwrite)
    committed = session.base.version if session.base else 0
    return StagedOutput(path, staging_folder(path, session.job, committed + 1), overwrite)
