"""Glue's transform classes (``awsglue.transforms``): ``ApplyMapping.apply(frame=..., mappings=...)``.

Each class calls the DynamicFrame method of the same meaning, so a Glue script's
``from awsglue.transforms import *`` becomes ``from etl_framework.transforms import *``.
``ALL_TRANSFORMS`` holds every transform class, as awsglue's does; a subclass of ``GlueTransform``
joins it by being defined.

    >>> from etl_framework import DynamicFrame
    >>> from etl_framework.transforms import ALL_TRANSFORMS, ApplyMapping
    >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([("7",)], "id string"), ctx, "ids")
    >>> ApplyMapping.apply(frame=dyf, mappings=[("id", "string", "id", "long")]).toDF().collect()
    [Row(id=7)]
    >>> ApplyMapping in ALL_TRANSFORMS
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from inspect import getdoc
from typing import TYPE_CHECKING, Any, ClassVar

from .data_quality import evaluate
from .dynamicframe import DynamicFrame, DynamicFrameCollection
from .errors import EtlError

if TYPE_CHECKING:  # not at run time: python_functions loads pandas and pyarrow, needed only by map/filter
    from .dynamicframe.python_functions import RecordFunction

__all__ = [
    "ApplyMapping",
    "Coalesce",
    "DropFields",
    "DropNullFields",
    "ErrorsAsDynamicFrame",
    "EvaluateDataQuality",
    "FillMissingValues",
    "Filter",
    "FindIncrementalMatches",
    "FindMatches",
    "FlatMap",
    "GlueTransform",
    "Join",
    "Map",
    "MapToCollection",
    "Merge",
    "Relationalize",
    "RenameField",
    "Repartition",
    "ResolveChoice",
    "SelectFields",
    "SelectFromCollection",
    "Spigot",
    "SplitFields",
    "SplitRows",
    "Unbox",
    "Union",
    "UnnestFrame",
]


#: Every transform class (awsglue's ``ALL_TRANSFORMS``); filled as GlueTransform is subclassed.
ALL_TRANSFORMS: set[type[GlueTransform]] = set()

FrameFunction = Callable[[DynamicFrame, str], DynamicFrame]


class GlueTransform:
    """Base class: ``Transform.apply(...)`` is ``Transform()(...)``, as in Glue."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):  # private bases (_NeedsAwsService) are not transforms
            ALL_TRANSFORMS.add(cls)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        return cls()(*args, **kwargs)

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def describe(cls) -> str:
        """The transform's docstring."""
        return getdoc(cls) or cls.__name__


class ApplyMapping(GlueTransform):
    """Map, rename, cast and nest fields (see DynamicFrame.apply_mapping)."""

    def __call__(
        self,
        frame: DynamicFrame,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        fill_missing: bool = False,
    ) -> DynamicFrame:
        return frame.apply_mapping(
            mappings, case_sensitive, transformation_ctx, info, stageThreshold, totalThreshold, fill_missing
        )


class ResolveChoice(GlueTransform):
    """Resolve choice fields (see DynamicFrame.resolveChoice)."""

    def __call__(
        self,
        frame: DynamicFrame,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        return frame.resolveChoice(
            specs, choice, database, table_name, transformation_ctx, info, stageThreshold, totalThreshold, catalog_id
        )


class SelectFields(GlueTransform):
    """Keep only the fields at ``paths`` (see DynamicFrame.select_fields)."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.select_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class DropFields(GlueTransform):
    """Drop the fields at ``paths`` (see DynamicFrame.drop_fields)."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.drop_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class RenameField(GlueTransform):
    """Rename the field at ``old_name`` to ``new_name`` (see DynamicFrame.rename_field)."""

    def __call__(
        self,
        frame: DynamicFrame,
        old_name: str,
        new_name: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.rename_field(old_name, new_name, transformation_ctx, info, stageThreshold, totalThreshold)


class DropNullFields(GlueTransform):
    """Drop the fields that are null in every record (see DynamicFrame.drop_null_fields)."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.drop_null_fields(transformation_ctx, info, stageThreshold, totalThreshold)


class Relationalize(GlueTransform):
    """Flatten nested records into a collection of relational tables (see DynamicFrame.relationalize)."""

    def __call__(
        self,
        frame: DynamicFrame,
        staging_path: str,
        name: str = "roottable",
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return frame.relationalize(
            name, staging_path, options, transformation_ctx, info, stageThreshold, totalThreshold
        )


class Unbox(GlueTransform):
    """Parse the JSON or CSV text at ``path`` into a typed value (see DynamicFrame.unbox)."""

    def __call__(
        self,
        frame: DynamicFrame,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:
        return frame.unbox(path, format, transformation_ctx, info, stageThreshold, totalThreshold, **options)


class UnnestFrame(GlueTransform):
    """Flatten nested structs into top-level fields named with dots (see DynamicFrame.unnest)."""

    def __call__(
        self,
        frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.unnest(transformation_ctx, info, stageThreshold, totalThreshold)


class SplitFields(GlueTransform):
    """Split the fields at ``paths`` from the others into a collection of two frames, ``name1`` and
    ``name2`` (by default the frame's name with 1 and 2)."""

    def __call__(
        self,
        frame: DynamicFrame,
        paths: Sequence[str],
        name1: str | None = None,
        name2: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        base = frame.name or "frame"
        return frame.split_fields(
            paths, name1 or f"{base}1", name2 or f"{base}2", transformation_ctx, info, stageThreshold, totalThreshold
        )


class SplitRows(GlueTransform):
    """Split the records meeting ``comparison_dict`` from the rest (see DynamicFrame.split_rows)."""

    def __call__(
        self,
        frame: DynamicFrame,
        comparison_dict: Mapping[str, Mapping[str, Any]],
        name1: str = "frame1",
        name2: str = "frame2",
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        return frame.split_rows(comparison_dict, name1, name2, transformation_ctx, info, stageThreshold, totalThreshold)


class Join(GlueTransform):
    """Equijoin ``frame1`` and ``frame2`` on ``keys1`` = ``keys2`` (see DynamicFrame.join)."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        keys1: str | Sequence[str],
        keys2: str | Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame1.join(keys1, keys2, frame2, transformation_ctx, info, stageThreshold, totalThreshold)


class Union(GlueTransform):
    """The records of both frames (see DynamicFrame.union)."""

    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame1.union(frame2, transformation_ctx, info, stageThreshold, totalThreshold)


class Merge(GlueTransform):
    """Merge ``stage`` into ``source`` by ``primary_keys`` (see DynamicFrame.mergeDynamicFrame)."""

    def __call__(
        self,
        source: DynamicFrame,
        stage: DynamicFrame,
        primary_keys: Sequence[str],
        transformation_ctx: str = "",
        options: dict[str, Any] | None = None,
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return source.mergeDynamicFrame(
            stage, primary_keys, transformation_ctx, options, info, stageThreshold, totalThreshold
        )


class Filter(GlueTransform):
    """Keep the records for which ``f(record)`` is true (see DynamicFrame.filter)."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: RecordFunction,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.filter(f, transformation_ctx, info, stageThreshold, totalThreshold)


class Map(GlueTransform):
    """Apply ``f(record) -> record`` to every record (see DynamicFrame.map)."""

    def __call__(
        self,
        frame: DynamicFrame,
        f: RecordFunction,
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.map(f, preservesPartitioning, transformation_ctx, info, stageThreshold, totalThreshold)


class Spigot(GlueTransform):
    """Write a sample of the records to ``path`` and pass the frame on (see DynamicFrame.spigot)."""

    def __call__(
        self,
        frame: DynamicFrame,
        path: str,
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.spigot(path, options, transformation_ctx, info, stageThreshold, totalThreshold)


class ErrorsAsDynamicFrame(GlueTransform):
    """The error records of every step that led to ``frame``, as a frame."""

    def __call__(self, frame: DynamicFrame) -> DynamicFrame:
        return frame.errorsAsDynamicFrame()


class Repartition(GlueTransform):
    """The frame in ``num_partitions`` partitions (a shuffle)."""

    def __call__(
        self,
        frame: DynamicFrame,
        num_partitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.repartition(num_partitions, transformation_ctx, info, stageThreshold, totalThreshold)


class Coalesce(GlueTransform):
    """The frame in at most ``num_partitions`` partitions (a shuffle only if ``shuffle``)."""

    def __call__(
        self,
        frame: DynamicFrame,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        return frame.coalesce(num_partitions, shuffle, transformation_ctx, info, stageThreshold, totalThreshold)


class SelectFromCollection(GlueTransform):
    """The frame of ``dfc`` under ``key``."""

    def __call__(self, dfc: DynamicFrameCollection, key: str, transformation_ctx: str = "") -> DynamicFrame:
        return dfc.select(key, transformation_ctx)


class MapToCollection(GlueTransform):
    """Apply a transform class or a function ``f(frame, transformation_ctx)`` to every frame of ``dfc``."""

    def __call__(
        self,
        dfc: DynamicFrameCollection,
        callable: type[GlueTransform] | FrameFunction,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrameCollection:
        return dfc.map(_as_function(callable, kwargs), transformation_ctx)


class FlatMap(GlueTransform):
    """Apply ``BaseTransform`` to every frame of ``dfc``; collections it returns are flattened."""

    def __call__(
        self,
        dfc: DynamicFrameCollection,
        BaseTransform: type[GlueTransform],
        frame_name: str = "frame",
        transformation_ctx: str = "",
        **base_kwargs: Any,
    ) -> DynamicFrameCollection:
        def each(frame: DynamicFrame, ctx: str) -> DynamicFrame | DynamicFrameCollection:
            return BaseTransform.apply(**{frame_name: frame, "transformation_ctx": ctx, **base_kwargs})

        return dfc.flatmap(each, transformation_ctx)


def _as_function(transform: type[GlueTransform] | FrameFunction, kwargs: dict[str, Any]) -> FrameFunction:
    if isinstance(transform, type) and issubclass(transform, GlueTransform):
        return lambda frame, ctx: transform.apply(frame=frame, transformation_ctx=ctx, **kwargs)
    return lambda frame, ctx: transform(frame, ctx)


class _NeedsAwsService(GlueTransform):
    """A Glue transform that needs an AWS service: calling it raises an EtlError that says so."""

    service: ClassVar[str] = "an AWS service"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise EtlError(
            f"{type(self).__name__} runs on {self.service}, which is not available outside AWS Glue; "
            "it has no open equivalent in etl_framework"
        )


class FindMatches(_NeedsAwsService):
    """Glue's FindMatches machine-learning transform: not available outside AWS (raises)."""

    service = "AWS Glue's machine-learning transforms (a trained FindMatches model)"


class FindIncrementalMatches(FindMatches):
    """Glue's incremental FindMatches: not available outside AWS (raises)."""


class FillMissingValues(_NeedsAwsService):
    """Glue's FillMissingValues machine-learning transform: not available outside AWS (raises)."""

    service = "AWS Glue's machine-learning transforms"


class EvaluateDataQuality(GlueTransform):
    """Glue Data Quality's rule evaluation: a DQDL ruleset on a frame (see ``etl_framework.data_quality``).

    ``EvaluateDataQuality.apply(frame=..., ruleset=...)`` returns the rule outcomes (``Rule``,
    ``Outcome``, ``FailureReason``, ``EvaluatedMetrics``); ``EvaluateDataQuality().process_rows(...)``
    the collection of ``ruleOutcomes``, ``rowLevelOutcomes`` and ``originalData``. Results are kept in
    the state dir under ``publishing_options["dataQualityEvaluationContext"]``; CloudWatch metrics
    have nothing to publish to here. ``additional_options={"stopJobOnFailure": True}`` raises when a rule fails.
    """

    def __call__(
        self,
        frame: DynamicFrame,
        ruleset: str,
        publishing_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        # the rule outcomes only: no row-level frame to build
        return evaluate(frame, ruleset, publishing_options, row_level=False).select("ruleOutcomes")

    def process_rows(
        self,
        frame: DynamicFrame,
        ruleset: str,
        publishing_options: Mapping[str, Any] | None = None,
        additional_options: Mapping[str, Any] | None = None,
        additional_data_sources: Mapping[str, DynamicFrame] | None = None,
    ) -> DynamicFrameCollection:
        return evaluate(frame, ruleset, publishing_options, additional_options, additional_data_sources)
