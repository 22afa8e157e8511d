"""DynamicFrame: a Spark DataFrame plus a Glue schema that may hold choice types, plus error records.

>>> from etl_framework import EtlContext, DynamicFrame
>>> ctx = EtlContext(spark)
>>> with open(f"{tmp}/orders.json", "w") as out:
...     _ = out.write('{"id": 1, "total": 9}\\n{"id": 2, "total": "9.50"}\\n')
>>> dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [f"{tmp}/orders.json"]}, "json")
>>> dyf.resolveChoice(specs=[("total", "cast:double")]).printSchema()
root
|-- id: long
|-- total: double
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
    from ..services import Services


class DynamicFrame:
    """A distributed collection of self-describing records (Glue's ``DynamicFrame``).

    A frame keeps its lineage: the steps that led to it, each with its error records and limits.
    Extending the framework keeps that lineage by building frames in one of two ways:

    - a custom source returns ``DynamicFrame.from_source(df, glue_ctx, schema, Step("read x", ctx))``;
    - a custom transform returns ``frame.derive(df, schema, Step("my_transform", transformation_ctx,
      info, stageThreshold, totalThreshold))``, so the new frame counts the errors of every step
      before it and checks the thresholds given (``from etl_framework.dynamicframe import Step``).

    >>> DynamicFrame(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people")
    DynamicFrame(name='people', schema=struct<id:long,name:string>)
    """

    def __init__(
        self,
        df: DataFrame,
        glue_ctx: Services,
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
    def fromDF(cls, dataframe: DataFrame, glue_ctx: Services, name: str) -> DynamicFrame:
        """Wrap a Spark DataFrame (Glue's ``DynamicFrame.fromDF``).

        >>> DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people").count()
        1
        """
        return cls(dataframe, glue_ctx, name)

    from_df = fromDF

    def toDF(self, options: Sequence[Any] | None = None) -> DataFrame:
        """The records as a Spark DataFrame. Unresolved choices become structs with one field per
        type (as ``make_struct``); resolve them first to get plain columns. A frame over its error
        thresholds raises here, as Glue raises when such a frame is computed.

        >>> a = DynamicFrame.fromDF(spark.createDataFrame([(1,)], "v long"), ctx, "a")
        >>> both = a.union(DynamicFrame.fromDF(spark.createDataFrame([("x",)], "v string"), ctx, "b"))
        >>> sorted(both.toDF().collect(), key=str)
        [Row(v=Row(long=1, string=None)), Row(v=Row(long=None, string='x'))]
        """
        self.assertErrorThreshold()
        frame = self.resolveChoice(choice="make_struct") if has_choice(self._schema) else self
        return frame._df

    to_df = toDF

    @classmethod
    def from_source(
        cls, df: DataFrame, glue_ctx: Services, schema: StructType, step: Step, rescan: Rescan | None = None
    ) -> DynamicFrame:
        """The frame a source reads: its lineage starts with ``step``, named by the step's
        transformation_ctx."""
        return cls(df, glue_ctx, step.ctx, schema, ErrorLog(df.sparkSession).then(step), rescan)

    def derive(
        self,
        columns: list[Column] | DataFrame,
        schema: StructType,
        step: Step,
        other: DynamicFrame | None = None,
    ) -> DynamicFrame:
        """The frame a transform produces: ``columns`` (selected from this frame) or a DataFrame,
        with Glue ``schema``; its lineage is this frame's (then ``other``'s, for a transform of two
        frames) followed by ``step``. The reader's rescan is dropped: the records are no longer read ones."""
        df = columns if isinstance(columns, DataFrame) else self._df.select(*columns)
        errors = self._errors.merged_with(other._errors, step) if other is not None else self._errors.then(step)
        return DynamicFrame(df, self.glue_ctx, step.ctx or self.name, schema, errors)

    # --- schema and inspection ----------------------------------------------------------------

    def schema(self) -> StructType:
        """The Glue schema (type objects, choices included).

        >>> DynamicFrame.fromDF(spark.range(1), ctx, "ids").schema()
        StructType([Field('id', LongType())])
        """
        return self._schema

    def printSchema(self) -> None:
        """The schema as a tree, choices with their alternatives.

        >>> DynamicFrame.fromDF(spark.createDataFrame([(1, ("Dothan",))], "id long, address struct<city:string>"),
        ...                     ctx, "people").printSchema()
        root
        |-- id: long
        |-- address: struct
        |    |-- city: string
        """
        print(render_schema(self._schema), end="")

    print_schema = printSchema

    def show(self, num_rows: int = 20) -> None:
        """Print the first ``num_rows`` records as JSON, one per line.

        >>> DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people").show()
        {"id":1,"name":"Ann"}
        """
        self.assertErrorThreshold()
        record = F.to_json(F.struct(*[F.col(f"`{n}`") for n in self._df.columns]))
        for row in self._df.select(record.alias("r")).limit(num_rows).collect():
            print(row.r)

    def count(self) -> int:
        """The number of records (error records not included).

        >>> DynamicFrame.fromDF(spark.range(3), ctx, "ids").count()
        3
        """
        self.assertErrorThreshold()
        return self._df.count()

    def getNumPartitions(self) -> int:
        """The number of Spark partitions of the records.

        >>> DynamicFrame.fromDF(spark.range(4).coalesce(1), ctx, "ids").getNumPartitions()
        1
        """
        return self._df.rdd.getNumPartitions()

    def repartition(
        self,
        num_partitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Redistribute the records over ``num_partitions`` partitions (a shuffle).

        >>> DynamicFrame.fromDF(spark.range(4), ctx, "ids").repartition(3).getNumPartitions()
        3
        """
        step = Step("repartition", transformation_ctx, info, stageThreshold, totalThreshold)
        return self.derive(self._df.repartition(num_partitions), self._schema, step)

    def coalesce(
        self,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Fewer partitions, without a shuffle unless ``shuffle``.

        >>> DynamicFrame.fromDF(spark.range(4).repartition(3), ctx, "ids").coalesce(1).getNumPartitions()
        1
        """
        df = self._df.repartition(num_partitions) if shuffle else self._df.coalesce(num_partitions)
        step = Step("coalesce", transformation_ctx, info, stageThreshold, totalThreshold)
        return self.derive(df, self._schema, step)

    # --- errors -------------------------------------------------------------------------------

    def errorsCount(self) -> int:
        """Error records of every step that led to this frame.

        >>> with open(f"{tmp}/a.json", "w") as out:
        ...     _ = out.write('{"id": 1}\\n{"id": \\n{"id": \\n')
        >>> dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [f"{tmp}/a.json"]}, "json")
        >>> dyf.select_fields(["id"]).errorsCount()
        2
        """
        return self._errors.count()

    def stageErrorsCount(self) -> int:
        """Error records of this frame's own step.

        >>> with open(f"{tmp}/a.json", "w") as out:
        ...     _ = out.write('{"id": 1}\\n{"id": \\n{"id": \\n')
        >>> dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [f"{tmp}/a.json"]}, "json")
        >>> dyf.stageErrorsCount(), dyf.select_fields(["id"]).stageErrorsCount()
        (2, 0)
        """
        return self._errors.stage_count()

    def errorsAsDynamicFrame(self) -> DynamicFrame:
        """The error records as a frame: one ``error`` struct per record, shaped as Glue's.

        >>> with open(f"{tmp}/a.json", "w") as out:
        ...     _ = out.write('{"id": 1}\\n{"id": \\n{"id": \\n')
        >>> dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [f"{tmp}/a.json"]}, "json")
        >>> dyf.errorsAsDynamicFrame().toDF().columns
        ['error']
        """
        return DynamicFrame(self._errors.all(), self.glue_ctx, f"{self.name}_errors")

    errors_count = errorsCount
    errors_as_dynamic_frame = errorsAsDynamicFrame

    def assertErrorThreshold(self) -> None:
        """Raise ErrorThresholdExceeded if a step that led here has more errors than its
        ``stageThreshold`` / ``totalThreshold`` allows. Counting runs only where a limit is set,
        and only until a check passes: ``count``, ``show``, ``toDF`` and writes call this.

        >>> with open(f"{tmp}/a.json", "w") as out:
        ...     _ = out.write('{"id": 1}\\n{"id": \\n{"id": \\n')
        >>> dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [f"{tmp}/a.json"]}, "json")
        >>> dyf.select_fields(["id"], totalThreshold=1).assertErrorThreshold()
        Traceback (most recent call last):
        ...
        etl_framework.dynamicframe.errors.ErrorThresholdExceeded: select_fields: 2 error records up to this step ...
        """
        if not self._within_thresholds:
            self._errors.check()
            self._within_thresholds = True

    # --- transforms ---------------------------------------------------------------------------

    def resolveChoice(
        self,
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
        """Resolve choice fields: ``specs=[("price", "cast:double")]`` or ``choice="make_cols"``;
        ``database`` and ``table_name`` name the catalog table ``match_catalog`` casts to.

        >>> from etl_framework.catalog import Column, Database, Table
        >>> ctx.catalog.create_database(Database("sales"))
        >>> ctx.catalog.create_table(Table("sales", "orders", f"{tmp}/orders", "json", [Column("total", "double")]))
        >>> a = DynamicFrame.fromDF(spark.createDataFrame([(1,)], "total long"), ctx, "a")
        >>> both = a.union(DynamicFrame.fromDF(spark.createDataFrame([("2.5",)], "total string"), ctx, "b"))
        >>> sorted(both.resolveChoice(choice="match_catalog", database="sales", table_name="orders").toDF().collect())
        [Row(total=1.0), Row(total=2.5)]
        """
        catalog_schema = None
        if database or table_name:
            choice = choice or ("" if specs else "match_catalog")
            from ..catalog.schema import table_schema

            catalog_schema = table_schema(self.glue_ctx.catalog.get_table(database or "", table_name or ""))
        specs = list(specs) if specs else None
        df, schema = resolve_choice(self._df, self._schema, specs, choice, catalog_schema, self._rescan)
        step = Step("resolveChoice", transformation_ctx, info, stageThreshold, totalThreshold)
        return self.derive(df, schema, step)

    resolve_choice = resolveChoice

    def apply_mapping(
        self,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        fill_missing: bool = False,
    ) -> DynamicFrame:
        """Map, rename, cast and nest fields: ``[("customer.id", "string", "customer_id", "long"), ...]``.

        A source field this frame lacks is left out, as in Glue; with ``fill_missing`` (not in Glue)
        its target is a null of the target type instead, so the mapped frame has the same fields
        whatever this run's files held.

        >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([("7", "Ann")], "id string, name string"), ctx, "p")
        >>> mapped = dyf.apply_mapping([("id", "string", "person.id", "long"),
        ...                             ("name", "string", "person.name", "string")])
        >>> mapped.toDF().collect()
        [Row(person=Row(id=7, name='Ann'))]
        """
        df, schema = self._df, self._schema
        read = read_as_text(schema, self._rescan, mapping.cast_uses(mappings)) if self._rescan else None
        if read is not None:
            df, schema, _ = read
        columns, schema = mapping.apply_mapping(schema, mappings, case_sensitive, fill_missing)
        step = Step("apply_mapping", transformation_ctx, info, stageThreshold, totalThreshold)
        return self.derive(df.select(*columns), schema, step)

    applyMapping = apply_mapping

    def select_fields(
        self,
        paths: str | Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Keep only the fields at ``paths`` (nested paths keep their parents).

        >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people")
        >>> dyf.select_fields(["name"]).toDF().collect()
        [Row(name='Ann')]
        """
        columns, schema = mapping.select_fields(self._schema, paths)
        step = Step("select_fields", transformation_ctx, info, stageThreshold, totalThreshold)
        return self.derive(columns, schema, step)

    def drop_fields(
        self,
        paths: str | Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Drop the fields at ``paths``.

        >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people")
        >>> dyf.drop_fields(["name"]).toDF().collect()
        [Row(id=1)]
        """
        df, schema = mapping.drop_fields(self._df, self._schema, paths)
        step = Step("drop_fields", transformation_ctx, info, stageThreshold, totalThreshold)
        return self.derive(df, schema, step)

    def rename_field(
        self,
        oldName: str,
        newName: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Rename the field at path ``oldName`` to ``newName`` (a path too).

        >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people")
        >>> dyf.rename_field("name", "first_name").toDF().columns
        ['id', 'first_name']
        """
        columns, schema = mapping.rename_field(self._schema, oldName, newName)
        step = Step("rename_field", transformation_ctx, info, stageThreshold, totalThreshold)
        return self.derive(columns, schema, step)

    def split_fields(
        self,
        paths: Sequence[str],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """``{name1: the given fields, name2: the other fields}``.

        >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people")
        >>> parts = dyf.split_fields(["name"], "names", "rest")
        >>> parts["names"].toDF().columns, parts["rest"].toDF().columns
        (['name'], ['id'])
        """
        step = Step("split_fields", transformation_ctx, info, stageThreshold, totalThreshold)
        return splitting.split_fields(self, paths, name1, name2, step)

    def split_rows(
        self,
        comparison_dict: dict,
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """``{name1: records meeting every comparison, name2: the rest}``, e.g.
        ``split_rows({"age": {">": 10, "<": 20}}, "teens", "others")``.

        >>> ages = DynamicFrame.fromDF(spark.createDataFrame([(9,), (15,), (30,)], "age long"), ctx, "ages")
        >>> parts = ages.split_rows({"age": {">": 10, "<": 20}}, "teens", "others")
        >>> parts["teens"].count(), parts["others"].count()
        (1, 2)
        """
        step = Step("split_rows", transformation_ctx, info, stageThreshold, totalThreshold)
        return splitting.split_rows(self, comparison_dict, name1, name2, step)

    def join(
        self,
        paths1: str | Sequence[str],
        paths2: str | Sequence[str],
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Equijoin with ``frame2`` on key paths (nested paths allowed).

        >>> people = DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann")], "id long, name string"), ctx, "people")
        >>> orders = DynamicFrame.fromDF(spark.createDataFrame([(7, 1)], "order_id long, person long"), ctx, "orders")
        >>> people.join("id", "person", orders).toDF().collect()
        [Row(id=1, name='Ann', order_id=7, person=1)]
        """
        step = Step("join", transformation_ctx, info, stageThreshold, totalThreshold)
        return combining.join(self, paths1, paths2, frame2, step)

    def union(
        self,
        other_frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """The records of both frames; a field typed differently on the two sides becomes a choice.

        >>> a = DynamicFrame.fromDF(spark.createDataFrame([(1,)], "v long"), ctx, "a")
        >>> both = a.union(DynamicFrame.fromDF(spark.createDataFrame([("x",)], "v string"), ctx, "b"))
        >>> both.count(), both.unresolved_choices()
        (2, ['v'])
        """
        step = Step("union", transformation_ctx, info, stageThreshold, totalThreshold)
        return combining.union(self, other_frame, step)

    def mergeDynamicFrame(
        self,
        stage_dynamic_frame: DynamicFrame,
        primary_keys: Sequence[str],
        transformation_ctx: str = "",
        options: dict | None = None,
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Stage records replace this frame's records with the same primary keys; records without a
        match are kept from both sides.

        >>> people = "id long, name string"
        >>> base = DynamicFrame.fromDF(spark.createDataFrame([(1, "Ann"), (2, "Bob")], people), ctx, "base")
        >>> stage = DynamicFrame.fromDF(spark.createDataFrame([(2, "Rob"), (3, "Cy")], people), ctx, "stage")
        >>> sorted(base.mergeDynamicFrame(stage, ["id"]).toDF().collect())
        [Row(id=1, name='Ann'), Row(id=2, name='Rob'), Row(id=3, name='Cy')]
        """
        step = Step("mergeDynamicFrame", transformation_ctx, info, stageThreshold, totalThreshold)
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
    ) -> DynamicFrame:
        """Write a sample (``{"topk": 100}`` or ``{"prob": 0.1}``) as JSON to ``path``; return the frame.

        >>> _ = DynamicFrame.fromDF(spark.range(5), ctx, "ids").spigot(f"{tmp}/sample", {"topk": 2})
        >>> spark.read.json(f"{tmp}/sample").count()
        2
        """
        from .spigot import spigot

        spigot(self, path, options or {})
        return self

    def write(
        self,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        accumulator_size: int = 0,
    ) -> DynamicFrame:
        """Glue's ``frame.write(...)``: ``write_dynamic_frame.from_options`` on the frame's context.
        ``accumulator_size`` (Glue's error-accumulator size) changes nothing here.

        >>> _ = DynamicFrame.fromDF(spark.range(2), ctx, "ids").write("file", {"path": f"{tmp}/ids"}, "json")
        >>> spark.read.json(f"{tmp}/ids").count()
        2
        """
        writer = getattr(self.glue_ctx, "write_dynamic_frame", None)
        if writer is None:  # a frame made on bare Services (a test double, a custom source's object)
            raise TypeError(f"frame {self.name!r} has no GlueContext to write with: pass a GlueContext to fromDF")
        return writer.from_options(self, connection_type, connection_options, format, format_options)

    def drop_null_fields(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Drop the fields that are null in every record (one aggregation pass).

        >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([(1, None)], "id long, note string"), ctx, "notes")
        >>> dyf.drop_null_fields().toDF().columns
        ['id']
        """
        from .nulls import drop_null_fields

        return drop_null_fields(
            self, Step("drop_null_fields", transformation_ctx, info, stageThreshold, totalThreshold)
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
    ) -> DynamicFrame:
        """Parse the JSON or CSV text at ``path`` into a typed value (choices inferred).

        >>> dyf = DynamicFrame.fromDF(spark.createDataFrame([('{"a": 1}',), ('{"a": "x"}',)], "j string"), ctx, "t")
        >>> dyf.unbox("j", "json").printSchema()
        root
        |-- j: struct
        |    |-- a: choice
        |    |    |-- long
        |    |    |-- string
        """
        from .unbox import unbox

        return unbox(
            self, path, format, options, Step("unbox", transformation_ctx, info, stageThreshold, totalThreshold)
        )

    def relationalize(
        self,
        root_table_name: str,
        staging_path: str,
        options: dict | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        """Flatten nested records into relational tables (see ``relationalize`` module); ``options`` is
        unused, as in Glue.

        >>> df = spark.createDataFrame([(1, ["a", "b"])], "id long, tags array<string>")
        >>> tables = DynamicFrame.fromDF(df, ctx, "people").relationalize("root", f"{tmp}/staging")
        >>> sorted(tables.keys()), tables["root_tags"].count()
        (['root', 'root_tags'], 2)
        """
        from .relationalize import relationalize

        step = Step("relationalize", transformation_ctx, info, stageThreshold, totalThreshold)
        return relationalize(self, root_table_name, staging_path, step)

    def unnest(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Flatten nested structs into top-level fields named with dots (``address.city``).

        >>> df = spark.createDataFrame([(1, ("Dothan",))], "id long, address struct<city:string>")
        >>> DynamicFrame.fromDF(df, ctx, "people").unnest().toDF().columns
        ['id', 'address.city']
        """
        from .relationalize import unnest

        return unnest(self, Step("unnest", transformation_ctx, info, stageThreshold, totalThreshold))

    def unnest_ddb_json(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Unwrap DynamoDB JSON (``{"S": "x"}``, ``{"N": "1"}``, ``{"M": {...}}``, ...) into plain fields.

        >>> df = spark.createDataFrame([(("Ann",), ("30",))], "name struct<S:string>, age struct<N:string>")
        >>> DynamicFrame.fromDF(df, ctx, "people").unnest_ddb_json().toDF().collect()
        [Row(name='Ann', age='30')]
        """
        from .relationalize import unnest_ddb_json

        return unnest_ddb_json(self, Step("unnest_ddb_json", transformation_ctx, info, stageThreshold, totalThreshold))

    def map(
        self,
        f,
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Apply ``f(record) -> record`` to every record, in Arrow batches; a record whose ``f``
        raises becomes an error record.

        >>> def double(rec):
        ...     rec["n"] = rec["n"] * 2
        ...     return rec
        >>> DynamicFrame.fromDF(spark.createDataFrame([(1,), (2,)], "n long"), ctx, "ns").map(double).toDF().collect()
        [Row(n=2), Row(n=4)]
        """
        from .python_functions import map_records

        return map_records(self, f, Step("map", transformation_ctx, info, stageThreshold, totalThreshold))

    def filter(
        self,
        f,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """Keep the records for which ``f(record)`` is true, in Arrow batches; a record whose ``f``
        raises becomes an error record.

        >>> ns = DynamicFrame.fromDF(spark.createDataFrame([(1,), (2,)], "n long"), ctx, "ns")
        >>> ns.filter(lambda rec: rec["n"] > 1).toDF().collect()
        [Row(n=2)]
        """
        from .python_functions import filter_records

        return filter_records(self, f, Step("filter", transformation_ctx, info, stageThreshold, totalThreshold))

    # --- helpers for sinks --------------------------------------------------------------------

    def unresolved_choices(self) -> list[str]:
        """Paths of choices that are still unresolved.

        >>> a = DynamicFrame.fromDF(spark.createDataFrame([(1,)], "v long"), ctx, "a")
        >>> a.union(DynamicFrame.fromDF(spark.createDataFrame([("x",)], "v string"), ctx, "b")).unresolved_choices()
        ['v']
        """
        return choice_paths(self._schema)

    @property
    def dataframe(self) -> DataFrame:
        """The underlying DataFrame as is (choices as VARIANT columns).

        >>> a = DynamicFrame.fromDF(spark.createDataFrame([(1,)], "v long"), ctx, "a")
        >>> a.union(DynamicFrame.fromDF(spark.createDataFrame([("x",)], "v string"), ctx, "b")).dataframe.dtypes
        [('v', 'variant')]
        """
        return self._df

    def __repr__(self) -> str:
        return f"DynamicFrame(name={self.name!r}, schema={self._schema.simple_string()})"
