"""Schema inference over all records, in Spark.

Semi-structured records (JSON, XML, the results of ``map``, unboxed JSON text) go through one
aggregation (``ObservedTypes.java``), which collects the types seen at every path, array elements
included: the lines of JSON-lines files as text, other records as one VARIANT each. Only that small
tree reaches the driver, where it becomes one schema with Glue's rules: a field seen with two types
becomes a choice; a field missing from some records is just nullable.

CSV values are classified per column (long, double, string) by one aggregation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from py4j.java_gateway import JavaObject
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ..jvm import compiled_class, java_class, java_strings
from ..types import (
    VARIANT_SCALARS,
    ArrayType,
    ChoiceType,
    DataType,
    DoubleType,
    Field,
    LongType,
    NullType,
    StringType,
    StructType,
    merge_types,
    spark_ddl,
)
from .variants import json_path

# A package resource, not a path: the package may be imported from a --py-files zip.
_OBSERVED_TYPES = resources.files(__package__) / "ObservedTypes.java"
_FILE_LINES = resources.files(__package__) / "FileLines.java"


@dataclass(frozen=True)
class Observed:
    """What one inference pass saw: the merged type, the records, and those that were malformed."""

    type: DataType
    records: int
    malformed: int


def observed_type(df: DataFrame, column: str = "v") -> DataType:
    """The Glue type of the VARIANT values in ``column`` over all rows (NullType when there are none).
    Struct fields come in name order, as Spark's own JSON inference orders them.

    >>> text = spark.createDataFrame([('{"a": 1}',), ('{"a": "x"}',)], "j string")
    >>> observed_type(text.select(F.parse_json("j").alias("v")))
    StructType([Field('a', ChoiceType([LongType(), StringType()]))])
    """
    return _observe(df.select(column), "variant", _aggregator(df.sparkSession)).type


def observed_json(lines: DataFrame, options: dict[str, str] | None = None) -> Observed:
    """The Glue type of the JSON texts in the one binary column of ``lines`` (a record per row;
    blank rows hold none), parsed as Spark's JSON reader parses them with the reader ``options``
    given: a row it would call malformed is counted as such and adds no type.

    >>> lines = spark.createDataFrame([('{"a": 1}',), ('{"a": ',), ('',)], "value string")
    >>> found = observed_json(lines.select(F.col("value").cast("binary")))
    >>> found.type, found.records, found.malformed
    (StructType([Field('a', LongType())]), 2, 1)
    """
    return _observe(lines, "binary", _json_aggregator(lines.sparkSession, options))


def observed_json_files(spark: SparkSession, files: dict[str, int], options: dict[str, str] | None = None) -> Observed:
    """``observed_json`` over the lines of the JSON-lines ``files`` (path: length as listed), read
    and parsed on the driver's JVM (``FileLines.java``), split as Spark's reader splits them: no
    Spark job at all, where collecting the lines of 100 small files cost a job (or an aggregation
    two) a third of the whole read's time. For a few MiB of text: the driver holds it all at once.

    >>> text = '{"a": 1}\\r\\n{"a": \\r{"b": "x"}'  # three lines, one malformed
    >>> with open(f"{tmp}/lines.json", "w", newline="") as out:
    ...     _ = out.write(text)
    >>> path = f"file:{tmp}/lines.json"
    >>> found = observed_json_files(spark, {path: len(text)})
    >>> found == observed_json(spark.read.text(path).select(F.col("value").cast("binary")))
    True
    >>> found.records, found.malformed
    (3, 1)
    """
    reader = compiled_class(spark, _FILE_LINES, "etl_framework.dynamicframe.FileLines").newInstance()
    lines = reader.read(
        java_strings(spark, list(files)),
        ",".join(str(n) for n in files.values()),
        spark._jsparkSession.sessionState().newHadoopConf(),  # what a read of the files is given
    )
    return _observed(_json_aggregator(spark, options).observe(lines))


def _json_aggregator(spark: SparkSession, options: dict[str, str] | None) -> JavaObject:
    """ObservedTypes reading JSON text with the JsonFactory Spark's JSON reader builds from ``options``."""
    given = java_class(spark, "java.util.HashMap")()
    for key, value in (options or {}).items():
        given.put(key, value)
    zone = spark.conf.get("spark.sql.session.timeZone")
    factory = java_class(spark, "org.apache.spark.sql.catalyst.json.JSONOptions")(
        java_class(spark, "org.apache.spark.api.python.PythonUtils").toScalaMap(given), zone, ""
    ).buildJsonFactory()
    duplicates = spark.conf.get("spark.sql.variant.allowDuplicateKeys", "false").lower() == "true"
    return _aggregator(spark).readsJson(factory, duplicates)


def _aggregator(spark: SparkSession) -> JavaObject:
    return compiled_class(spark, _OBSERVED_TYPES, "etl_framework.dynamicframe.ObservedTypes").newInstance()


def _observe(df: DataFrame, input_type: str, aggregator: JavaObject) -> Observed:
    spark = df.sparkSession
    row = java_class(spark, "org.apache.spark.sql.types.DataType").fromDDL(f"v {input_type}")
    udaf = java_class(spark, "org.apache.spark.sql.functions").udaf(
        aggregator, java_class(spark, "org.apache.spark.sql.Encoders").row(row)
    )
    args = spark.sparkContext._gateway.new_array(java_class(spark, "org.apache.spark.sql.Column"), 1)
    args[0] = df[df.columns[0]]._jc
    return _observed(df.select(Column(udaf.apply(args))).first()[0])


def _observed(result: str) -> Observed:
    """``ObservedTypes``' result (JSON) as an ``Observed``."""
    found = json.loads(result)
    return Observed(_tree_type(found["type"]), found["records"], found["malformed"])


def _tree_type(node: dict[str, Any]) -> DataType:
    out: DataType = NullType()
    for kind in node["k"]:
        if kind == "OBJECT":
            t: DataType = StructType(Field(n, _tree_type(c)) for n, c in sorted(node["f"].items()))
        elif kind == "ARRAY":
            t = ArrayType(_tree_type(node["e"]))
        else:
            t = VARIANT_SCALARS[kind]()
        out = merge_types(out, t)
    return out


def record_schema(observed: DataType) -> tuple[StructType, bool]:
    """The schema of the records in top-level values of type ``observed``: its objects, and the
    objects in its arrays (one record per element, as Spark's readers take them); and whether there
    are such arrays. Other values are not records."""
    alternatives = _alternatives(observed)
    arrays = "array" in alternatives
    elements = _alternatives(alternatives["array"].elementType) if arrays else {}
    merged = merge_types(alternatives.get("struct", NullType()), elements.get("struct", NullType()))
    return (sort_fields(merged) if isinstance(merged, StructType) else StructType()), arrays


def _alternatives(t: DataType) -> dict[str, DataType]:
    """The types a value of type ``t`` may have, by name (none for NullType)."""
    if isinstance(t, ChoiceType):
        return t.choices
    return {} if isinstance(t, NullType) else {t.name: t}


def sort_fields(t: DataType) -> DataType:
    """Struct fields in name order at every level (merging two structs appends the second's new ones)."""
    if isinstance(t, StructType):
        return StructType(Field(f.name, sort_fields(f.dataType)) for f in sorted(t.fields, key=lambda f: f.name))
    if isinstance(t, ArrayType):
        return ArrayType(sort_fields(t.elementType))
    if isinstance(t, ChoiceType):
        return ChoiceType(sort_fields(c) for c in t.choices.values())
    return t


def infer_variant_schema(df: DataFrame, column: str = "v") -> StructType:
    """The Glue schema of the records in VARIANT column ``column``, each record a JSON object."""
    merged = observed_type(df, column)
    if isinstance(merged, NullType):
        return StructType()
    if not isinstance(merged, StructType):
        raise ValueError(f"records are not objects (their type is {merged.simple_string()})")
    return merged


def variant_columns(schema: StructType, column: str = "v") -> list[Column]:
    """The typed top-level columns of ``schema`` extracted from the record VARIANT ``column``."""
    return [F.try_variant_get(F.col(column), json_path([f.name]), spark_ddl(f.dataType)).alias(f.name) for f in schema]


# --- CSV --------------------------------------------------------------------------------------

# What CSV text counts as a number (the crawler classifies header rows with the same patterns).
INTEGER_TEXT = r"^[+-]?[0-9]+$"
NUMBER_TEXT = r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?$"


_CSV_TYPES: dict[str, DataType] = {"long": LongType(), "double": DoubleType(), "string": StringType()}


def infer_csv_schema(df: DataFrame) -> StructType:
    """One aggregation over all rows: the set of kinds seen in each (string) column."""
    if not df.columns:
        return StructType()
    kinds = [F.collect_set(_csv_kind(F.col(f"`{c}`"))).alias(f"k{i}") for i, c in enumerate(df.columns)]
    row = df.agg(*kinds).first()
    fields = []
    for i, name in enumerate(df.columns):
        seen = sorted(row[f"k{i}"]) if row else []
        if not seen:
            t: DataType = StringType()
        elif len(seen) == 1:
            t = _CSV_TYPES[seen[0]]
        else:
            t = ChoiceType(_CSV_TYPES[k] for k in seen)
        fields.append(Field(name, t))
    return StructType(fields)


def _csv_kind(value: Column) -> Column:
    """``long`` for integer-looking text that fits a long, ``double`` for decimal-looking text,
    else ``string``; null for null."""
    return (
        F.when(value.isNull(), F.lit(None))
        .when(value.rlike(INTEGER_TEXT) & value.try_cast("bigint").isNotNull(), F.lit("long"))
        .when(value.rlike(NUMBER_TEXT), F.lit("double"))
        .otherwise(F.lit("string"))
    )


def csv_columns(schema: StructType, values: dict[str, Column] | None = None) -> list[Column]:
    """Typed columns from the text of each field (the string columns of a CSV read, or ``values``),
    per the inferred schema."""
    out = []
    for f in schema:
        value = values[f.name] if values else F.col(f"`{f.name}`")
        if isinstance(f.dataType, ChoiceType):
            kind = _csv_kind(value)
            col = F.when(kind == "long", value.try_cast("bigint").cast("variant"))
            col = col.when(kind == "double", value.try_cast("double").cast("variant"))
            col = col.when(kind == "string", value.cast("variant"))
        elif isinstance(f.dataType, StringType):
            col = value
        else:
            col = value.try_cast(spark_ddl(f.dataType))
        out.append(col.alias(f.name))
    return out
