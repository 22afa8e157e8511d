"""Reading a catalog table by name: ``create_dynamic_frame.from_catalog``.

The table's classification and SerDe parameters pick the file reader and its format options (the
same readers as ``from_options``). Partition predicates select partitions from the catalog first;
only the selected partitions' locations are listed and read, and their values become columns.
Bookmarks work as for any file source, keyed by ``transformation_ctx``.

>>> from etl_framework.catalog import Column, Database
>>> spark.createDataFrame([(1, "a"), (2, "b")], "id long, day string").write.partitionBy("day").json(f"{tmp}/orders")
>>> ctx.catalog.create_database(Database("sales"))
>>> ctx.catalog.create_table(Table("sales", "orders", f"{tmp}/orders", "json", [Column("id", "bigint")],
...                                [Column("day", "string")]))
>>> ctx.catalog.add_partitions("sales", "orders", [Partition([d], f"{tmp}/orders/day={d}") for d in "ab"])
>>> read_from_catalog(ctx, "sales", "orders", push_down_predicate="day = 'b'").toDF().collect()
[Row(id=2, day='b')]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pyspark.errors import ParseException
from pyspark.sql import functions as F

from ..catalog.model import NULL_PARTITION, CatalogError, Partition, Table
from ..catalog.partitions import find_partitions, select_partitions
from ..catalog.schema import table_schema
from ..catalog.spark import quote
from ..dynamicframe.errors import Step
from ..dynamicframe.frame import DynamicFrame
from ..errors import EtlError
from ..formats import FORMATS
from ..listing import FileInfo
from ..types import Field, StructType, from_spark, literal, to_spark
from .delta import read_delta
from .readers import FileSource

if TYPE_CHECKING:
    from ..services import Services

_FILE = "__etl_file"
# Characters Spark and Hive write as %XX in a partition folder's name.
_ESCAPED = re.compile(r'[\x01-\x1f"#%\'*/:=?\\\x7f{\[\]^]')


def read_from_catalog(
    ctx: Services,
    database: str,
    table_name: str,
    transformation_ctx: str = "",
    push_down_predicate: str = "",
    additional_options: dict[str, Any] | None = None,
) -> DynamicFrame:
    """Read ``database.table_name``; ``additional_options`` are the file source's connection options
    (``recurse``, ``exclusions``, ``boundedFiles``, ...) plus Glue's ``catalogPartitionPredicate``."""
    table = ctx.catalog.get_table(database, table_name)
    options = dict(additional_options or {})
    predicates = [p for p in (push_down_predicate, options.pop("catalogPartitionPredicate", "")) if p]
    if table.classification == "delta":  # the Delta log, not the catalog, knows the live files
        frame = read_delta(ctx, {**options, "path": table.location}, {}, transformation_ctx)
        if not predicates:
            return frame
        select_partitions(ctx.spark_session, table, [], predicates)  # only partition keys may be named
        rows = frame.dataframe.where(" AND ".join(f"({p})" for p in predicates))
        return frame.derive(rows, frame.schema(), Step("push_down_predicate", transformation_ctx))
    if table.partition_keys:
        partitions = find_partitions(ctx.spark_session, ctx.catalog, table, predicates)
    else:
        select_partitions(ctx.spark_session, table, [], predicates)  # a predicate here names no partition key
        partitions = [Partition([], table.location)]
    if not partitions:
        return _empty(ctx, table, transformation_ctx)

    # Parquet, ORC and Avro are read with the table's columns, as Spark SQL and Athena read a table: every
    # partition gets the columns a crawler or a sink has registered (one file's schema might miss
    # some), and no Spark job reads a footer to find them. Where the partitions are laid out as Spark
    # and Hive write them, Spark's partition discovery adds the keys too, typed by the catalog.
    columns, base_path = None, None
    described = FORMATS.get(table.classification)
    if described and described.self_describing and table.columns:
        columns = ", ".join(f"{quote(c.name)} {c.type}" for c in table.columns)
        if table.partition_keys and _hive_layout(table, partitions):
            columns = ", ".join([columns, *(f"{quote(k.name)} {k.type}" for k in table.partition_keys)])
            base_path = table.location

    def source(paths: list[str]) -> FileSource:
        return FileSource(
            ctx,
            {**options, "paths": paths},
            table.classification,
            table.serde_parameters,
            transformation_ctx,
            columns,
            base_path,
            [c.name for c in table.columns] if table.classification == "csv" else None,
        )

    values_of: dict[str, list[str]] = {}
    listed_files: list[FileInfo] = []
    for p in partitions:
        try:
            listed = source([p.location]).list()
        except EtlError as exc:
            where = f" (partition {p.values})" if p.values else ""
            raise CatalogError(
                f"table {table.qualified_name}: no readable data: location {p.location}{where} does not exist"
            ) from exc
        values_of.update((f.path, p.values) for f in listed)
        listed_files += listed
    if not listed_files:
        raise CatalogError(
            f"table {table.qualified_name}: no readable data: no data files under "
            f"{', '.join(p.location for p in partitions[:3])}{' ...' if len(partitions) > 3 else ''}"
        )
    reader = source([p.location for p in partitions])
    files = reader.bookmarked(listed_files)
    if not files:
        return _empty(ctx, table, transformation_ctx)
    try:
        frame = reader.read(files)
    except ParseException:
        table_schema(table)  # raises the CatalogError naming the column whose type Spark cannot read
        raise
    if not table.partition_keys or base_path:
        return frame
    return _with_partition_columns(frame, table, {f.path: values_of[f.path] for f in files}, transformation_ctx)


def _hive_layout(table: Table, partitions: list[Partition]) -> bool:
    """True when every partition's folder is ``<table location>/key=value/...`` as Spark and Hive
    name it (values escaped): there Spark's partition discovery reads the catalog's values back
    from the paths (``__HIVE_DEFAULT_PARTITION__`` as null, as a catalog value means)."""
    root = table.location.rstrip("/")
    keys = [_escape(k.name) for k in table.partition_keys]
    return all(
        p.location.rstrip("/") == "/".join([root, *(f"{k}={_escape(v)}" for k, v in zip(keys, p.values, strict=True))])
        for p in partitions
    )


def _escape(text: str) -> str:
    return _ESCAPED.sub(lambda m: f"%{ord(m.group()):02X}", text)


def _value(value: str) -> str:
    """A partition value as a SQL literal; Hive's default partition is null."""
    return "NULL" if value == NULL_PARTITION else literal(value)


def _empty(ctx: Services, table: Table, transformation_ctx: str) -> DynamicFrame:
    """No partition selected or nothing new since the bookmark: an empty frame with the table's schema."""
    schema = table_schema(table)
    return DynamicFrame(ctx.spark_session.createDataFrame([], to_spark(schema)), ctx, transformation_ctx, schema)


def _with_partition_columns(
    frame: DynamicFrame, table: Table, values_of: dict[str, list[str]], transformation_ctx: str
) -> DynamicFrame:
    """``frame`` with a column per partition key (typed as in the catalog), after the data fields.

    One partition: constants. Several: each record's file (``_metadata.file_path``, which Spark
    URI-encodes; decoded back, a literal ``+`` kept) joined to a small broadcast table of file -> values.
    """
    keys = table.partition_keys
    key_names = {k.name for k in keys}
    df = frame.dataframe
    distinct = {tuple(v) for v in values_of.values()}
    if len(distinct) == 1:  # one selectExpr: a single py4j call, however many columns
        (values,) = distinct
        data = [quote(c) for c in df.columns if c not in key_names]
        constants = [f"CAST({_value(v)} AS {k.type}) AS {quote(k.name)}" for k, v in zip(keys, values, strict=True)]
        out = df.selectExpr(*data, *constants)
    else:
        data = [F.col(quote(c)) for c in df.columns if c not in key_names]
        spark = df.sparkSession
        schema = ", ".join([f"{_FILE} string", *(f"{quote(k.name)} string" for k in keys)])
        rows = [(path, *(None if x == NULL_PARTITION else x for x in v)) for path, v in values_of.items()]
        mapping = spark.createDataFrame(rows, schema)
        mapping = mapping.select(_FILE, *[F.col(quote(k.name)).cast(k.type).alias(k.name) for k in keys])
        file = F.url_decode(F.replace(F.col("_metadata.file_path"), F.lit("+"), F.lit("%2B")))
        out = df.select(*data, file.alias(_FILE)).join(F.broadcast(mapping), _FILE).drop(_FILE)
    fields = [f for f in frame.schema() if f.name not in key_names]
    schema = StructType(fields + [Field(k.name, from_spark(out.schema[k.name].dataType)) for k in keys])
    return frame.derive(out, schema, Step("partition columns", transformation_ctx))
