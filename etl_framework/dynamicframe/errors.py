"""Error records: input that could not become a record, or a record a transform could not process.

Error records have Glue's shape: one ``error`` struct with ``callsite`` (``site``: the step,
``info``: the step's ``info`` text), ``msg`` (the reason), ``stackTrace``, ``input`` (the raw text),
``bytesread``, ``source`` (the file), ``dynamicRecord`` (the record a transform failed on, as JSON;
null for input that never became a record) and, beyond Glue's, ``transformation_ctx``.

A DynamicFrame keeps the steps that led to it, each with its error records and its
``stageThreshold`` / ``totalThreshold``, so ``errorsCount()`` counts all errors,
``stageErrorsCount()`` only its own step's, and the limits are checked when the frame is computed
(``count``, ``show``, ``toDF``, a write) or ``assertErrorThreshold()`` is called (counting costs a
pass, so it happens only where a limit is set). A step may give its error records as a function
that builds them, so that a run that never asks for them does not plan the query that finds
them (a reader's second look at its files); they are still counted in the run's summary by the
reader's own pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ..errors import EtlError

ERROR_SCHEMA = (
    "error struct<callsite: struct<site: string, info: string>, msg: string, stackTrace: string, "
    "input: string, bytesread: bigint, source: string, dynamicRecord: string, transformation_ctx: string>"
)


class ErrorThresholdExceeded(EtlError):
    """More error records than a transform's ``stageThreshold`` or ``totalThreshold`` allows."""


def error_records(
    df: DataFrame,
    stage: str,
    ctx: str,
    source: Column,
    record: Column,
    message: Column,
    info: str = "",
    stack_trace: Column | None = None,
    dynamic_record: Column | None = None,
) -> DataFrame:
    """Shape rows of ``df`` as error records; ``dynamic_record`` is the JSON of the record a
    transform failed on (none for input that could not be read as a record)."""
    raw = record.cast("string")
    error = F.struct(
        F.struct(F.lit(stage).alias("site"), F.lit(info).alias("info")).alias("callsite"),
        message.cast("string").alias("msg"),
        (stack_trace if stack_trace is not None else F.lit(None)).cast("string").alias("stackTrace"),
        raw.alias("input"),
        F.octet_length(raw).cast("bigint").alias("bytesread"),
        source.cast("string").alias("source"),
        (dynamic_record if dynamic_record is not None else F.lit(None)).cast("string").alias("dynamicRecord"),
        F.lit(ctx).alias("transformation_ctx"),
    )
    return df.select(error.alias("error"))


@dataclass(frozen=True)
class Step:
    """One transform or source in a frame's lineage, declared from Glue's parameter tail in its
    order: ``Step("join", transformation_ctx, info, stageThreshold, totalThreshold)``."""

    transform: str
    ctx: str = ""
    info: str = ""
    stage_threshold: int = 0
    total_threshold: int = 0
    # The error records this step made, or a function building them (called when they are asked
    # for; the caller caches what it returns).
    errors: DataFrame | Callable[[], DataFrame] | None = None

    def with_errors(self, errors: DataFrame | Callable[[], DataFrame]) -> Step:
        """This step with the error records it made (known only once the step has run its input)."""
        return replace(self, errors=errors)

    def error_records(self) -> DataFrame | None:
        """The step's error records (None: it makes none).

        >>> built = []
        >>> step = Step("read json", errors=lambda: built.append(1) or spark.createDataFrame([], ERROR_SCHEMA))
        >>> len(built)  # nothing is built until the records are asked for
        0
        >>> step.error_records().count(), len(built)
        (0, 1)
        """
        return self.errors() if callable(self.errors) else self.errors

    def describe(self) -> str:
        return (
            self.transform
            + (f" (transformation_ctx {self.ctx!r})" if self.ctx else "")
            + (f": {self.info}" if self.info else "")
        )


@dataclass(frozen=True)
class ErrorLog:
    """The steps that led to a frame; the last one is the frame's own."""

    spark: SparkSession
    steps: tuple[Step, ...] = ()

    def then(self, step: Step) -> ErrorLog:
        return ErrorLog(self.spark, self.steps + (step,))

    def merged_with(self, other: ErrorLog, step: Step) -> ErrorLog:
        """The log of a step with two inputs (join, union)."""
        return ErrorLog(self.spark, self.steps + other.steps + (step,))

    def _frames(self, steps: tuple[Step, ...]) -> list[DataFrame]:
        return [frame for s in steps if (frame := s.error_records()) is not None]

    def all(self) -> DataFrame:
        frames = self._frames(self.steps)
        if not frames:
            return self.spark.createDataFrame([], ERROR_SCHEMA)
        out = frames[0]
        for frame in frames[1:]:
            out = out.unionByName(frame)
        return out

    def count(self) -> int:
        return sum(self._counts(len(self.steps)))

    def _counts(self, steps: int) -> list[int]:
        """The error records of each of the first ``steps`` steps, all counted in one Spark job
        (a job per step costs a planning and a scheduling round each, most of a small run's time).

        >>> two = spark.createDataFrame([(None,), (None,)], ERROR_SCHEMA)
        >>> log = ErrorLog(spark, (Step("read", errors=two), Step("map"), Step("filter", errors=two.limit(1))))
        >>> log._counts(3), log.count()
        ([2, 0, 1], 3)
        """
        found = [(j, frame) for j, s in enumerate(self.steps[:steps]) if (frame := s.error_records()) is not None]
        counts = [0] * steps
        if found:
            marked = [frame.select(F.lit(j).alias("step")) for j, frame in found]
            union = marked[0]
            for frame in marked[1:]:
                union = union.unionByName(frame)
            row = union.agg(*(F.count_if(F.col("step") == j).alias(f"s{j}") for j, _ in found)).first()
            for j, _ in found:
                counts[j] = row[f"s{j}"]
        return counts

    def stage_count(self) -> int:
        errors = self.steps[-1].error_records() if self.steps else None
        return errors.count() if errors is not None else 0

    def check(self) -> None:
        """Raise ErrorThresholdExceeded for the first step whose limit is exceeded (0 = no limit)."""
        limited = [i for i, s in enumerate(self.steps) if s.stage_threshold or s.total_threshold]
        counts = self._counts(limited[-1] + 1) if limited else []
        for i in limited:
            step, total = self.steps[i], sum(counts[: i + 1])
            if step.stage_threshold and counts[i] > step.stage_threshold:
                raise ErrorThresholdExceeded(
                    f"{step.describe()}: {counts[i]} error records in this step exceed "
                    f"stageThreshold {step.stage_threshold}"
                )
            if step.total_threshold and total > step.total_threshold:
                raise ErrorThresholdExceeded(
                    f"{step.describe()}: {total} error records up to this step exceed "
                    f"totalThreshold {step.total_threshold}"
                )
