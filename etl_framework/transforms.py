"""Glue's transform classes (``awsglue.transforms``): ``ApplyMapping.apply(frame=..., mappings=...)``.

Each class calls the DynamicFrame method of the same meaning, so a Glue script's
``from awsglue.transforms import *`` becomes ``from etl_framework.transforms import *``.

    >>> from etl_framework.transforms import ApplyMapping, ResolveChoice
    >>> mapped = ApplyMapping.apply(frame=dyf, mappings=[("id", "long", "id", "long")])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .dynamicframe import DynamicFrame, DynamicFrameCollection
from .errors import EtlError

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


class GlueTransform:
    """Base class: ``Transform.apply(...)`` is ``Transform()(...)``, as in Glue."""

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        return cls()(*args, **kwargs)

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def describe(cls) -> str:
        return (cls.__call__.__doc__ or cls.__doc__ or cls.__name__).strip()


class ApplyMapping(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        mappings,
        case_sensitive=False,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
        fill_missing=False,
    ):  # noqa: N803
        """Map, rename, cast and nest fields (see DynamicFrame.apply_mapping)."""
        return frame.apply_mapping(
            mappings, case_sensitive, transformation_ctx, info, stageThreshold, totalThreshold, fill_missing
        )


class ResolveChoice(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        specs=None,
        choice="",
        database=None,
        table_name=None,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
        catalog_id=None,
    ):  # noqa: N803
        """Resolve choice fields (see DynamicFrame.resolveChoice)."""
        return frame.resolveChoice(
            specs, choice, database, table_name, transformation_ctx, info, stageThreshold, totalThreshold, catalog_id
        )


class SelectFields(GlueTransform):
    def __call__(self, frame: DynamicFrame, paths, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        return frame.select_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class DropFields(GlueTransform):
    def __call__(self, frame: DynamicFrame, paths, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        return frame.drop_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class RenameField(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        old_name,
        new_name,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ):  # noqa: N803
        return frame.rename_field(old_name, new_name, transformation_ctx, info, stageThreshold, totalThreshold)


class DropNullFields(GlueTransform):
    def __call__(self, frame: DynamicFrame, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        return frame.drop_null_fields(transformation_ctx, info, stageThreshold, totalThreshold)


class Relationalize(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        staging_path,
        name="roottable",
        options=None,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ) -> DynamicFrameCollection:  # noqa: N803
        return frame.relationalize(
            name, staging_path, options, transformation_ctx, info, stageThreshold, totalThreshold
        )


class Unbox(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        path,
        format,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
        **options,
    ):  # noqa: N803
        return frame.unbox(path, format, transformation_ctx, info, stageThreshold, totalThreshold, **options)


class UnnestFrame(GlueTransform):
    def __call__(self, frame: DynamicFrame, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        return frame.unnest(transformation_ctx, info, stageThreshold, totalThreshold)


class SplitFields(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        paths,
        name1=None,
        name2=None,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ) -> DynamicFrameCollection:  # noqa: N803
        base = frame.name or "frame"
        return frame.split_fields(
            paths, name1 or f"{base}1", name2 or f"{base}2", transformation_ctx, info, stageThreshold, totalThreshold
        )


class SplitRows(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        comparison_dict,
        name1="frame1",
        name2="frame2",
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ) -> DynamicFrameCollection:  # noqa: N803
        return frame.split_rows(comparison_dict, name1, name2, transformation_ctx, info, stageThreshold, totalThreshold)


class Join(GlueTransform):
    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        keys1,
        keys2,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ):  # noqa: N803
        """Equijoin ``frame1`` and ``frame2`` on ``keys1`` = ``keys2``."""
        return frame1.join(keys1, keys2, frame2, transformation_ctx, info, stageThreshold, totalThreshold)


class Union(GlueTransform):
    def __call__(
        self,
        frame1: DynamicFrame,
        frame2: DynamicFrame,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ):  # noqa: N803
        return frame1.union(frame2, transformation_ctx, info, stageThreshold, totalThreshold)


class Merge(GlueTransform):
    def __call__(
        self,
        source: DynamicFrame,
        stage: DynamicFrame,
        primary_keys,
        transformation_ctx="",
        options=None,
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ):  # noqa: N803
        return source.mergeDynamicFrame(
            stage, primary_keys, transformation_ctx, options, info, stageThreshold, totalThreshold
        )


class Filter(GlueTransform):
    def __call__(
        self, frame: DynamicFrame, f: Callable, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0
    ):  # noqa: N803
        return frame.filter(f, transformation_ctx, info, stageThreshold, totalThreshold)


class Map(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        f: Callable,
        preservesPartitioning=False,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ):  # noqa: N803
        return frame.map(f, preservesPartitioning, transformation_ctx, info, stageThreshold, totalThreshold)


class Spigot(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        path,
        options=None,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ):  # noqa: N803
        return frame.spigot(path, options, transformation_ctx, info, stageThreshold, totalThreshold)


class ErrorsAsDynamicFrame(GlueTransform):
    def __call__(self, frame: DynamicFrame) -> DynamicFrame:
        return frame.errorsAsDynamicFrame()


class Repartition(GlueTransform):
    def __call__(
        self, frame: DynamicFrame, num_partitions, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0
    ):  # noqa: N803
        return frame.repartition(num_partitions, transformation_ctx, info, stageThreshold, totalThreshold)


class Coalesce(GlueTransform):
    def __call__(
        self,
        frame: DynamicFrame,
        num_partitions,
        shuffle=False,
        transformation_ctx="",
        info="",
        stageThreshold=0,
        totalThreshold=0,
    ):  # noqa: N803
        return frame.coalesce(num_partitions, shuffle, transformation_ctx, info, stageThreshold, totalThreshold)


class SelectFromCollection(GlueTransform):
    def __call__(self, dfc: DynamicFrameCollection, key: str, transformation_ctx="") -> DynamicFrame:
        return dfc.select(key, transformation_ctx)


class MapToCollection(GlueTransform):
    def __call__(self, dfc: DynamicFrameCollection, callable, transformation_ctx="", **kwargs):
        """Apply a transform class or a function ``f(frame, transformation_ctx)`` to every frame."""
        fn = _as_function(callable, kwargs)
        return dfc.map(fn, transformation_ctx)


class FlatMap(GlueTransform):
    def __call__(
        self,
        dfc: DynamicFrameCollection,
        BaseTransform,
        frame_name="frame",
        transformation_ctx="",  # noqa: N803
        **base_kwargs,
    ):
        """Apply ``BaseTransform`` to every frame of ``dfc``; collections it returns are flattened."""

        def each(frame: DynamicFrame, ctx: str):
            return BaseTransform.apply(**{frame_name: frame, "transformation_ctx": ctx, **base_kwargs})

        return dfc.flatmap(each, transformation_ctx)


def _as_function(transform, kwargs: dict) -> Callable[[DynamicFrame, str], DynamicFrame]:
    if isinstance(transform, type) and issubclass(transform, GlueTransform):
        return lambda frame, ctx: transform.apply(frame=frame, transformation_ctx=ctx, **kwargs)
    return lambda frame, ctx: transform(frame, ctx)


class _NeedsAwsService(GlueTransform):
    service = "an AWS service"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise EtlError(
            f"{type(self).__name__} runs on {self.service}, which is not available outside AWS Glue; "
            "it has no open equivalent in etl_framework"
        )


class FindMatches(_NeedsAwsService):
    service = "AWS Glue's machine-learning transforms (a trained FindMatches model)"


class FindIncrementalMatches(FindMatches):
    pass


class FillMissingValues(_NeedsAwsService):
    service = "AWS Glue's machine-learning transforms"


class EvaluateDataQuality(_NeedsAwsService):
    service = "AWS Glue Data Quality"
