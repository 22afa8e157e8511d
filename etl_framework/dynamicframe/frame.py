"""DynamicFrame: a Spark DataFrame plus a Glue schema that may hold choice types, plus error records.

>>> from etl_framework import EtlContext, DynamicFrame
>>> ctx = EtlContext(spark)  # doctest: +SKIP
>>> dyf = ctx.create_dynamic_frame.from_options("file", {"paths": ["orders/"]}, "json")  # doctest: +SKIP
>>> dyf.resolveChoice(specs=[("total", "cast:double")]).printSchema()  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..types import StructType, choice_paths, from_spark, has_choice, render_schema
from . import combining, mapping, splitting
from .collection import DynamicFrameCollection
from .errors import ErrorLog, Step
from .read_casts import Rescan, read_as_text
from .resolve import resolve_choice

if TYPE_CHECKING:
    from ..context import EtlContext


class DynamicFrame:
    """A distributed collection of self-describing records (Glue's ``DynamicFrame``)."""

    def __init__(
        self,
        df: DataFrame,
        glue_ctx: EtlContext,
        name: str = "",
        schema: StructType | None = None,
        errors: ErrorLog | None = None,
        rescan: Rescan | None = None,
    ):
        """``rescan``: how a reader reads the same records with another schema (transforms drop it)."""
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name
        self._schema = schema if schema is not None else from_spark(df.schema)
        self._errors = errors or ErrorLog(df.sparkSession)
        self._rescan = rescan
        self._within_thresholds = False  # set once a check passed, so later actions count no errors again

    # --- construction and conversion ------------------------------------------------------------

    @classmethod
    def fromDF(cls, dataframe: DataFrame, glue_ctx: EtlContext, name: str) -> DynamicFrame:  # noqa: N802
        """Wrap a Spark DataFrame (Glue's ``DynamicFrame.fromDF``)."""
        return cls(dataframe, glue_ctx, name)

    from_df = fromDF

    def toDF(self, options: Sequence[Any] | None = None) -> DataFrame:  # noqa: N802
        """The records as a Spark DataFrame. Unresolved choices become structs with one field per
        type (as ``make_struct``); resolve them first to get plain columns. A frame over its error
        thresholds raises here, as Glue raises when such a frame is computed."""
        self.assertErrorThreshold()
        frame = self.resolveChoice(choice="make_struct") if has_choice(self._schema) else self
        return frame._df

    to_df = toDF

    def _derive(self, columns: list[Column] | DataFrame, schema: StructType, step: Step) -> DynamicFrame:
        """The frame a transform produces: new columns and schema, the step appended to the lineage."""
        df = columns if isinstance(columns, DataFrame) else self._df.select(*columns)
        return DynamicFrame(df, self.glue_ctx, step.ctx or self.name, schema, self._errors.then(step))

    # --- schema and inspection ----------------------------------------------------------------

    def schema(self) -> StructType:
        """The Glue schema (type objects, choices included)."""
        return self._schema

    def printSchema(self) -> None:  # noqa: N802
        print(render_schema(self._schema), end="")

    print_schema = printSchema

    def show(self, num_rows: int = 20) -> None:
        """Print the first ``num_rows`` records as JSON, one per line."""
        self.assertErrorThreshold()
        record = F.to_json(F.struct(*[F.col(f"`{n}`") for n in self._df.columns]))
        for row in self._df.select(record.alias("r")).limit(num_rows).collect():
            print(row.r)

    def count(self) -> int:
        self.assertErrorThreshold()
        return self._df.count()

    def getNumPartitions(self) -> int:  # noqa: N802
        return self._df.rdd.getNumPartitions()

    def repartition(
        self,
        num_partitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        step = Step("repartition", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return self._derive(self._df.repartition(num_partitions), self._schema, step)

    def coalesce(
        self,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        df = self._df.repartition(num_partitions) if shuffle else self._df.coalesce(num_partitions)
        step = Step("coalesce", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return self._derive(df, self._schema, step)

    # --- errors -------------------------------------------------------------------------------

    def errorsCount(self) -> int:  # noqa: N802
        """Error records of every step that led to this frame."""
        return self._errors.count()

    def stageErrorsCount(self) -> int:  # noqa: N802
        """Error records of this frame's own step."""
        return self._errors.stage_count()

    def errorsAsDynamicFrame(self) -> DynamicFrame:  # noqa: N802
        """The error records as a frame: one ``error`` struct per record, shaped as Glue's."""
        return DynamicFrame(self._errors.all(), self.glue_ctx, f"{self.name}_errors")

    errors_count = errorsCount
    errors_as_dynamic_frame = errorsAsDynamicFrame

    def assertErrorThreshold(self) -> None:  # noqa: N802
        """Raise ErrorThresholdExceeded if a step that led here has more errors than its
        ``stageThreshold`` / ``totalThreshold`` allows. Counting runs only where a limit is set,
        and only until a check passes: ``count``, ``show``, ``toDF`` and writes call this."""
        if not self._within_thresholds:
            self._errors.check()
            self._within_thresholds = True

    # --- transforms ---------------------------------------------------------------------------

    def resolveChoice(
        self,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",  # noqa: N802
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,  # noqa: N803
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        """Resolve choice fields: ``specs=[("price", "cast:double")]`` or ``choice="make_cols"``;
        ``database`` and ``table_name`` name the catalog table ``match_catalog`` casts to.

        >>> dyf.resolveChoice(choice="match_catalog", database="sales", table_name="orders")  # doctest: +SKIP
        """
        catalog_schema = None
        if database or table_name:
            choice = choice or ("" if specs else "match_catalog")
            from ..catalog.schema import table_schema

            catalog_schema = table_schema(self.glue_ctx.catalog.get_table(database or "", table_name or ""))
        specs = list(specs) if specs else None
        df, schema = resolve_choice(self._df, self._schema, specs, choice, catalog_schema, self._rescan)
        step = Step("resolveChoice", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return self._derive(df, schema, step)

    resolve_choice = resolveChoice

    def apply_mapping(
        self,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
        fill_missing: bool = False,
    ) -> DynamicFrame:  # noqa: N803
        """Map, rename, cast and nest fields: ``[("customer.id", "string", "customer_id", "long"), ...]``.

        A source field this frame lacks is left out, as in Glue; with ``fill_missing`` (not in Glue)
        its target is a null of the target type instead, so the mapped frame has the same fields
        whatever this run's files held."""
        df, schema = self._df, self._schema
        read = read_as_text(schema, self._rescan, mapping.cast_uses(mappings)) if self._rescan else None
        if read is not None:
            df, schema, _ = read
        columns, schema = mapping.apply_mapping(schema, mappings, case_sensitive, fill_missing)
        step = Step("apply_mapping", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return self._derive(df.select(*columns), schema, step)

    applyMapping = apply_mapping  # noqa: N815

    def select_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        columns, schema = mapping.select_fields(self._schema, paths)
        step = Step("select_fields", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return self._derive(columns, schema, step)

    def drop_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        df, schema = mapping.drop_fields(self._df, self._schema, paths)
        step = Step("drop_fields", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return self._derive(df, schema, step)

    def rename_field(
        self,
        oldName: str,
        newName: str,
        transformation_ctx: str = "",
        info: str = "",  # noqa: N803
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        columns, schema = mapping.rename_field(self._schema, oldName, newName)
        step = Step("rename_field", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return self._derive(columns, schema, step)

    def split_fields(
        self,
        paths: Sequence[str],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:  # noqa: N803
        """``{name1: the given fields, name2: the other fields}``."""
        step = Step("split_fields", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return splitting.split_fields(self, paths, name1, name2, step)

    def split_rows(
        self,
        comparison_dict: dict,
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:  # noqa: N803
        """``{name1: records meeting every comparison, name2: the rest}``, e.g.
        ``split_rows({"age": {">": 10, "<": 20}}, "teens", "others")``."""
        step = Step("split_rows", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return splitting.split_rows(self, comparison_dict, name1, name2, step)

    def join(
        self,
        paths1: str | Sequence[str],
        paths2: str | Sequence[str],
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Equijoin with ``frame2`` on key paths (nested paths allowed)."""
        step = Step("join", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return combining.join(self, paths1, paths2, frame2, step)

    def union(
        self,
        other_frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """The records of both frames; a field typed differently on the two sides becomes a choice."""
        step = Step("union", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return combining.union(self, other_frame, step)

    def mergeDynamicFrame(
        self,
        stage_dynamic_frame: DynamicFrame,
        primary_keys: Sequence[str],  # noqa: N802
        transformation_ctx: str = "",
        options: dict | None = None,
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Stage records replace this frame's records with the same primary keys; records without a
        match are kept from both sides."""
        step = Step("mergeDynamicFrame", transformation_ctx, info, None, stageThreshold, totalThreshold)
        return combining.merge(self, stage_dynamic_frame, primary_keys, step)

    merge_dynamic_frame = mergeDynamicFrame

    def spigot(
        self,
        path: str,
        options: dict | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Write a sample (``{"topk": 100}`` or ``{"prob": 0.1}``) as JSON to ``path``; return the frame."""
        from .spigot import spigot

        spigot(self, path, options or {})
        return self

    def drop_null_fields(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Drop the fields that are null in every record (one aggregation pass)."""
        from .nulls import drop_null_fields

        return drop_null_fields(
            self, Step("drop_null_fields", transformation_ctx, info, None, stageThreshold, totalThreshold)
        )

    def unbox(
        self,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options,
    ) -> DynamicFrame:  # noqa: N803
        """Parse the JSON or CSV text at ``path`` into a typed value (choices inferred)."""
        from .unbox import unbox

        step_args = {
            "transformation_ctx": transformation_ctx,
            "info": info,
            "stageThreshold": stageThreshold,
            "totalThreshold": totalThreshold,
        }
        return unbox(self, path, format, options, step_args)

    def relationalize(
        self,
        root_table_name: str,
        staging_path: str,
        options: dict | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:  # noqa: N803
        """Flatten nested records into relational tables (see ``relationalize`` module)."""
        from .relationalize import relationalize

        return relationalize(
            self, root_table_name, staging_path, options or {}, transformation_ctx, info, stageThreshold, totalThreshold
        )

    def unnest(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Flatten nested structs into top-level fields named with dots (``address.city``)."""
        from .relationalize import unnest

        return unnest(self, transformation_ctx, info, stageThreshold, totalThreshold)

    def unnest_ddb_json(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Unwrap DynamoDB JSON (``{"S": "x"}``, ``{"N": "1"}``, ``{"M": {...}}``, ...) into plain fields."""
        from .relationalize import unnest_ddb_json

        return unnest_ddb_json(self, transformation_ctx, info, stageThreshold, totalThreshold)

    def map(
        self,
        f,
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",  # noqa: N803
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Apply ``f(record) -> record`` to every record, in Arrow batches; a record whose ``f``
        raises becomes an error record."""
        from .python_functions import map_records

        return map_records(self, f, transformation_ctx, info, stageThreshold, totalThreshold)

    def filter(
        self,
        f,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,  # noqa: N803
        totalThreshold: int = 0,
    ) -> DynamicFrame:  # noqa: N803
        """Keep the records for which ``f(record)`` is true, in Arrow batches; a record whose ``f``
        raises becomes an error record."""
        from .python_functions import filter_records

        return filter_records(self, f, transformation_ctx, info, stageThreshold, totalThreshold)

    # --- helpers for sinks --------------------------------------------------------------------

    def unresolved_choices(self) -> list[str]:
        """Paths of choices that are still unresolved."""
        return choice_paths(self._schema)

    @property
    def dataframe(self) -> DataFrame:
        """The underlying DataFrame as is (choices as VARIANT columns)."""
        return self._df

    def __repr__(self) -> str:
        return f"DynamicFrame(name={self.name!r}, schema={self._schema.simple_string()})"
