"""The embedded and Hive metastore backends: Spark's own session catalog.

With Hive support the session catalog is a Hive metastore: an embedded Derby database in the
profile's state dir (``catalog.backend: local``) or a remote metastore at ``catalog.metastore_uri``
(``catalog.backend: hive``). The code is the same; ``etl_framework.runtime.session`` sets the difference.
Tables are Spark external tables (``CREATE TABLE ... USING json LOCATION ...``), so
``spark.sql("SELECT * FROM sales.orders")`` reads them; partitions are registered with
``ALTER TABLE ... ADD PARTITION ... LOCATION``. The classification, the SerDe parameters (under
``etl.serde.``) and the table's own parameters are kept in TBLPROPERTIES.

>>> from etl_framework.catalog import Column, Database, Table
>>> spark.range(2).write.json(f"{tmp}/orders")
>>> catalog = SparkCatalog(spark)
>>> catalog.create_database(Database("sales"))
>>> catalog.create_table(Table("sales", "orders", f"{tmp}/orders", "json", [Column("id", "bigint")]))
>>> spark.sql("SELECT count(*) AS n FROM sales.orders").collect()
[Row(n=2)]
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from urllib.parse import unquote

from py4j.java_gateway import JavaObject
from py4j.protocol import Py4JJavaError
from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession
from pyspark.sql.types import StructType

from ..delta.table import live_partitions, native_available, open_table, table_uri, to_spark_schema
from ..formats import FORMATS
from ..jvm import java_class
from ..types import literal, quote, spark_type_ddl
from .model import NULL_PARTITION, Catalog, CatalogError, Column, Database, Partition, Table

# Glue's format option names (what SerDe parameters hold) -> Spark reader options of the table.
_SPARK_OPTIONS = {
    "separator": "sep",
    "withHeader": "header",
    "quoteChar": "quote",
    "escaper": "escape",
    "rowTag": "rowTag",
    "multiline": "multiLine",
    "multiLine": "multiLine",
}
SERDE_PREFIX = "etl.serde."
# TBLPROPERTIES Spark and Hive add on their own; they are not the table's parameters.
_INTERNAL = re.compile(
    r"^(spark\.sql\.|transient_lastDdlTime$|numFiles$|totalSize$|numRows$|rawDataSize$|"
    r"COLUMN_STATS_ACCURATE$|EXTERNAL$|last_modified_|option\.)"
)
_PARTITION_BATCH = 100
_CONVERTERS = "scala.jdk.javaapi.CollectionConverters"


class SparkCatalog(Catalog):
    """The session catalog of ``spark`` as a Data Catalog backend (embedded Derby or Hive metastore).

    Names are lower-cased, as the Hive metastore and the Glue Data Catalog store them.
    """

    def __init__(self, spark: SparkSession):
        self.spark = spark

    @cached_property
    def _external(self) -> JavaObject:
        """Spark's ExternalCatalog: the metastore client itself, with no SQL parsing or analysis."""
        return self.spark._jsparkSession.sharedState().externalCatalog()

    @cached_property
    def _json(self) -> JavaObject:
        """A Jackson ObjectMapper, to fetch a Java collection as one JSON string."""
        return java_class(self.spark, "com.fasterxml.jackson.databind.ObjectMapper")()

    # --- databases -------------------------------------------------------------------------------

    def list_databases(self) -> list[Database]:
        return [self.get_database(d.name) for d in self.spark.catalog.listDatabases()]

    def get_database(self, name: str) -> Database:
        name = name.lower()
        if not self.spark.catalog.databaseExists(name):
            known = ", ".join(sorted(d.name for d in self.spark.catalog.listDatabases()))
            raise CatalogError(f"database {name!r} not found in the catalog (databases: {known})")
        info = {r[0]: r[1] for r in self.spark.sql(f"DESCRIBE DATABASE EXTENDED {quote(name)}").collect()}
        params = dict(re.findall(r"\(([^,()]*),([^()]*)\)", info.get("Properties") or ""))
        return Database(name, info.get("Comment") or "", info.get("Location"), params)

    def create_database(self, database: Database, exist_ok: bool = True) -> None:
        sql = f"CREATE DATABASE {'IF NOT EXISTS ' if exist_ok else ''}{quote(database.name.lower())}"
        if database.description:
            sql += f" COMMENT {literal(database.description)}"
        if database.location_uri:
            sql += f" LOCATION {literal(database.location_uri)}"
        if database.parameters:
            sql += f" WITH DBPROPERTIES ({_properties(database.parameters)})"
        try:
            self.spark.sql(sql)
        except AnalysisException as exc:
            raise CatalogError(f"cannot create database {database.name!r}: {_first_line(exc)}") from exc

    # --- tables ----------------------------------------------------------------------------------

    def list_tables(self, database: str) -> list[Table]:
        database = self.get_database(database).name
        return [
            self.get_table(database, t.name)
            for t in self.spark.catalog.listTables(database)
            if not t.isTemporary and t.tableType != "VIEW"
        ]

    def get_table(self, database: str, name: str) -> Table:
        database, name = database.lower(), name.lower()
        try:  # one metastore call; the slower checks below only word the error
            found = self._external.getTable(database, name)
        except (AnalysisException, Py4JJavaError):
            self._raise_missing(database, name)
            raise
        return self._table(database, name, found)

    def _raise_missing(self, database: str, name: str) -> None:
        """The CatalogError naming a missing database or table; returns if both exist."""
        self.get_database(database)
        if not self.spark.catalog.tableExists(f"{quote(database)}.{quote(name)}"):
            known = ", ".join(sorted(t.name for t in self.spark.catalog.listTables(database))) or "none"
            raise CatalogError(f"table {name!r} not found in database {database!r} (tables: {known})")

    def _table(self, database: str, name: str, found: JavaObject) -> Table:
        """A ``Table`` from Spark's ``CatalogTable``, in a dozen py4j calls whatever its size. Properties
        are redacted as ``SHOW TBLPROPERTIES`` redacts them; types are the strings ``listColumns`` gives."""
        redacted = self.spark._jsparkSession.sessionState().conf().redactOptions(found.properties())
        props = json.loads(self._json.writeValueAsString(java_class(self.spark, _CONVERTERS).asJava(redacted)))
        # Spark reads char(n) and varchar(n) as string.
        chars = java_class(self.spark, "org.apache.spark.sql.catalyst.util.CharVarcharUtils")
        serde = {k[len(SERDE_PREFIX) :]: v for k, v in props.items() if k.startswith(SERDE_PREFIX)}
        params = {k: v for k, v in props.items() if not k.startswith(SERDE_PREFIX) and not _INTERNAL.match(k)}
        provider = (_option(found.provider()) or "").lower()
        classification = params.get("classification") or provider
        uri = found.storage().locationUri()
        location = (
            java_class(self.spark, "org.apache.spark.sql.catalyst.catalog.CatalogUtils").URIToString(uri.get())
            if uri.isDefined()
            else ""
        )
        if provider == "delta":  # the metastore keeps no schema of a Delta table: its log has it
            columns, keys = _delta_columns(location)
        else:
            columns = _columns(chars.replaceCharVarcharWithStringInSchema(found.dataSchema()).json())
            keys = _columns(chars.replaceCharVarcharWithStringInSchema(found.partitionSchema()).json())
        return Table(
            database, name, location, classification, columns, keys, serde, params, _option(found.comment()) or ""
        )

    def _is_delta(self, table: Table) -> bool:
        """True for a table registered as a Delta table (its partitions are in its log)."""
        if table.classification != "delta":
            return False
        found = self._external.getTable(table.database, table.name.lower())
        return (_option(found.provider()) or "").lower() == "delta"

    def create_table(self, table: Table) -> None:
        database = self.get_database(table.database).name
        if table.classification not in FORMATS:
            raise CatalogError(
                f"table {table.qualified_name}: classification {table.classification!r} is not one of "
                f"{', '.join(FORMATS)}"
            )
        provider = FORMATS[table.classification].spark_source
        if not table.location:
            raise CatalogError(f"table {table.qualified_name}: a location is required")
        # With delta-spark loaded a Delta table is a real Delta table (Spark reads its log); without it,
        # one over its Parquet files (right until files are removed; from_catalog reads the log either way).
        if table.classification == "delta" and native_available(self.spark):
            self._create_delta(database, table)
            return
        columns = ", ".join(
            f"{quote(c.name)} {c.type}" + (f" COMMENT {literal(c.comment)}" if c.comment else "")
            for c in table.columns + table.partition_keys
        )
        options = {
            _SPARK_OPTIONS[k]: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in table.serde_parameters.items()
            if k in _SPARK_OPTIONS
        }
        props = {
            **table.parameters,
            "classification": table.classification,
            **{SERDE_PREFIX + k: str(v) for k, v in table.serde_parameters.items()},
        }
        sql = f"CREATE TABLE {quote(database)}.{quote(table.name.lower())} ({columns}) USING {provider}"
        if options:
            sql += f" OPTIONS ({_properties(options)})"
        if table.partition_keys:
            sql += f" PARTITIONED BY ({', '.join(quote(c.name) for c in table.partition_keys)})"
        sql += f" LOCATION {literal(table.location)}"
        if table.description:
            sql += f" COMMENT {literal(table.description)}"
        sql += f" TBLPROPERTIES ({_properties(props)})"
        try:
            self.spark.sql(sql)
        except AnalysisException as exc:
            raise CatalogError(f"cannot create table {table.qualified_name}: {_first_line(exc)}") from exc

    def _create_delta(self, database: str, table: Table) -> None:
        """A Delta table over the location's log. Its schema, partitioning and properties are the
        log's (delta-spark refuses others), so only a location without a table yet takes the columns."""
        sql = f"CREATE TABLE {quote(database)}.{quote(table.name.lower())}"
        if open_table(table_uri(table.location)) is None:
            sql += " (" + ", ".join(f"{quote(c.name)} {c.type}" for c in table.columns + table.partition_keys) + ")"
            sql += " USING delta"
            if table.partition_keys:
                sql += f" PARTITIONED BY ({', '.join(quote(c.name) for c in table.partition_keys)})"
        else:
            sql += " USING delta"
        try:
            self.spark.sql(f"{sql} LOCATION {literal(table.location)}")
        except AnalysisException as exc:
            raise CatalogError(f"cannot create table {table.qualified_name}: {_first_line(exc)}") from exc

    def update_table(self, table: Table) -> None:
        """Replace the table's definition. Spark cannot change a column's type in place, so the
        (external) table is dropped and created again, its partitions kept if the keys are the same."""
        old = self.get_table(table.database, table.name)
        partitions = self.list_partitions(old.database, old.name)
        self.delete_table(old.database, old.name)
        self.create_table(table)
        if [c.name for c in old.partition_keys] == [c.name for c in table.partition_keys]:
            self.add_partitions(table.database, table.name, partitions)

    def delete_table(self, database: str, name: str) -> None:
        table = self.get_table(database, name)
        self.spark.sql(f"DROP TABLE {quote(table.database)}.{quote(table.name)}")

    # --- partitions ------------------------------------------------------------------------------

    def list_partitions(self, database: str, table: str) -> list[Partition]:
        return self.partitions_where(self.get_table(database, table), [])

    def partitions_where(self, table: Table, conditions: list[JavaObject]) -> list[Partition]:
        """The partitions of ``table`` for which every condition (a resolved Catalyst expression on
        the partition keys) holds, filtered by the metastore as Spark's own partition pruning does."""
        keys = [c.name for c in table.partition_keys]
        if not keys:
            return []
        if self._is_delta(table):
            if conditions:  # find_partitions then asks Spark on the list of them
                raise CatalogError(f"table {table.qualified_name}: a Delta table's partitions are in its log")
            return _log_partitions(self.spark, table, keys)
        external = self._external
        if conditions:
            timezone = self.spark._jsparkSession.sessionState().conf().sessionLocalTimeZone()
            seq = java_class(self.spark, "org.apache.spark.api.python.PythonUtils").toSeq(conditions)
            found = external.listPartitionsByFilter(table.database, table.name, seq, timezone)
        else:
            found = external.listPartitions(
                table.database, table.name, getattr(java_class(self.spark, "scala.None$"), "MODULE$")
            )
        # Callers want Hadoop path strings: the text has them (as CatalogUtils.URIToString writes them);
        # a partition's own location is a URI (a space is %20, a % is %25), decoded below.
        out = _parse_partitions(found.toString(), keys, found.size())
        if out is None:  # values the text cannot carry unambiguously: ask for each partition
            out = []
            for p in java_class(self.spark, _CONVERTERS).asJava(found):
                spec = p.spec()
                out.append(Partition([spec.apply(k) for k in keys], unquote(p.location().toString())))
        return sorted(out, key=lambda p: p.values)

    def add_partitions(self, database: str, table: str, partitions: list[Partition]) -> None:
        t = self.get_table(database, table)
        keys = [c.name for c in t.partition_keys]
        for p in partitions:
            if len(p.values) != len(keys):
                raise CatalogError(
                    f"table {t.qualified_name}: partition values {p.values} do not match the partition keys {keys}"
                )
        if self._is_delta(t):  # a Delta table's partitions are the ones its log has files in
            return
        for start in range(0, len(partitions), _PARTITION_BATCH):
            specs = " ".join(
                f"PARTITION ({_spec(keys, p.values)}) LOCATION {literal(p.location)}"
                for p in partitions[start : start + _PARTITION_BATCH]
            )
            self.spark.sql(f"ALTER TABLE {quote(t.database)}.{quote(t.name)} ADD IF NOT EXISTS {specs}")

    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None:
        t = self.get_table(database, table)
        keys = [c.name for c in t.partition_keys]
        for start in range(0, len(values), _PARTITION_BATCH):
            specs = ", ".join(f"PARTITION ({_spec(keys, v)})" for v in values[start : start + _PARTITION_BATCH])
            self.spark.sql(f"ALTER TABLE {quote(t.database)}.{quote(t.name)} DROP IF EXISTS {specs}")


def _delta_columns(location: str) -> tuple[list[Column], list[Column]]:
    """(data columns, partition keys) of the Delta table at ``location``, from its log."""
    table = open_table(table_uri(location)) if location else None
    if table is None:
        return [], []
    columns = _columns(to_spark_schema(table.schema()).json())
    keys = table.metadata().partition_columns
    by_name = {c.name: c for c in columns}
    return [c for c in columns if c.name not in keys], [by_name[k] for k in keys]


def _log_partitions(spark: SparkSession, table: Table, keys: list[str]) -> list[Partition]:
    """The partitions a Delta table's log has live files in, with their Hive-style folders."""
    folder = java_class(spark, "org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils")
    out = []
    for values in live_partitions(table.location, keys):
        values = [NULL_PARTITION if v is None else v for v in values]
        parts = [folder.getPartitionPathString(k, v) for k, v in zip(keys, values, strict=True)]
        out.append(Partition(values, "/".join([table.location.rstrip("/"), *parts])))
    return sorted(out, key=lambda p: p.values)


_PARTITION_TEXT = re.compile(r"CatalogPartition\(\n\tPartition Values: \[(.*)\]\n\tLocation: (.*)\n")


def _parse_partitions(text: str, keys: list[str], count: int) -> list[Partition] | None:
    """Partitions from the text of Spark's partition list, which comes in one py4j call where
    asking each partition costs several (seconds for a thousand). None when the text is not
    unambiguous: more than four keys (Scala then lists a spec in no fixed order), a value holding a
    line break or the separator, or a count that does not add up."""
    if len(keys) > 4:
        return None
    spec = re.compile(", ".join(f"{re.escape(k)}=(.*)" for k in keys))
    out = []
    for values_text, location in _PARTITION_TEXT.findall(text):
        match = spec.fullmatch(values_text)
        if match is None or any(", " in v for v in match.groups()):
            return None
        out.append(Partition(list(match.groups()), location))
    return out if len(out) == count else None


def _option(option: JavaObject) -> str | None:
    """The text of a Scala ``Option[String]`` in one py4j call (``Some(text)`` or ``None``)."""
    text = option.toString()
    return text[len("Some(") : -1] if text.startswith("Some(") else None


def _columns(schema_json: str) -> list[Column]:
    """Columns of a Spark schema's JSON, typed as ``catalog.listColumns`` types them (``char(n)`` as ``string``)."""
    return [
        Column(f.name, spark_type_ddl(f.dataType), f.metadata.get("comment"))
        for f in StructType.fromJson(json.loads(schema_json))
    ]


def _spec(keys: list[str], values: list[str]) -> str:
    return ", ".join(f"{quote(k)} = {literal(str(v))}" for k, v in zip(keys, values, strict=True))


def _properties(props: dict[str, str]) -> str:
    return ", ".join(f"{literal(str(k))} = {literal(str(v))}" for k, v in props.items())


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
