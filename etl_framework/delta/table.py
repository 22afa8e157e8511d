"""Delta tables without the Delta JARs: locations, schemas, file statistics and reading the Delta log.

Spark writes the Parquet files and the ``deltalake`` package (delta-rs) commits them; when the
Delta Spark JARs are on the classpath Spark does both (``engine``). Tables are standard Delta
tables either way.

    >>> from etl_framework.delta.table import partition_values
    >>> partition_values("day=2024-01-01/kind=a%3Ab/part-00000.parquet")
    {'day': '2024-01-01', 'kind': 'a:b'}
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pyarrow.parquet as pq
from deltalake import DeltaTable, Schema
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..errors import EtlError
from ..logs import get_logger
from ..packages import DELTA_EXTENSION, loaded
from ..s3 import storage_options
from ..storage import Storage, local_path

if TYPE_CHECKING:
    from ..config import Profile

log = get_logger("delta")

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # Spark's folder name for a null partition value
ENGINES = ("auto", "spark", "delta-rs")
# Min/max statistics are written only where they are exact and cheap: integers, dates, short strings.
_STATS_MAX_STRING = 32


class DeltaError(EtlError):
    """A Delta table is missing, or a write or read does not fit the table."""


class SchemaMismatchError(DeltaError):
    """The frame's columns differ from the table's and schema evolution was not asked for."""


class DeltaConflictError(DeltaError):
    """Concurrent writers kept committing first; this write was not committed."""


# --- where the table is ------------------------------------------------------------------------


def table_uri(location: str) -> str:
    """The table location as delta-rs and Spark both take it: an absolute path when local."""
    if not location or not isinstance(location, str):
        raise DeltaError(f"a Delta table needs a path, got {location!r}")
    local = local_path(location)
    return local.rstrip("/") if local is not None else location.rstrip("/")


def open_table(uri: str, version: int | None = None) -> DeltaTable | None:
    """The Delta table at ``uri`` (at ``version``), or None when there is none."""
    options = storage_options(uri)
    if not DeltaTable.is_deltatable(uri, options):
        return None
    return DeltaTable(uri, version=version, storage_options=options)


def live_partitions(location: str, keys: list[str]) -> list[list[str | None]]:
    """The values of ``keys`` of every partition that holds live files, per the Delta log."""
    table = open_table(table_uri(location))
    if table is None:
        return []
    return [[None if p.get(k) is None else str(p.get(k)) for k in keys] for p in table.partitions()]


# --- which engine writes ----------------------------------------------------------------------


def native_available(spark: SparkSession) -> bool:
    """True when delta-spark is usable: its session extension is configured and its classes load."""
    return DELTA_EXTENSION in (spark.conf.get("spark.sql.extensions", "") or "") and loaded(spark, "delta")


def engine(spark: SparkSession, requested: str = "auto") -> str:
    """``"spark"`` (delta-spark) or ``"delta-rs"``; ``auto`` picks delta-spark when it is present.
    ``requested`` is the profile's ``delta.engine``.

        >>> engine(spark, "delta-rs")
        'delta-rs'
    """
    if requested not in ENGINES:
        raise DeltaError(f"Delta engine {requested!r}: expected one of {', '.join(ENGINES)}")
    if requested == "auto":
        return "spark" if native_available(spark) else "delta-rs"
    if requested == "spark" and not native_available(spark):
        raise DeltaError(
            "the profile sets delta.engine: spark, but the Delta JARs are not loaded: list delta in the "
            "profile's spark.packages and fetch it once with `make jars` (or `etl jars`), or set "
            "delta.engine: auto to write through delta-rs"
        )
    return requested


def engine_for(spark: SparkSession, profile: Profile | None) -> str:
    """The engine a run uses: its profile's ``delta.engine`` (``auto`` without a profile)."""
    return engine(spark, profile.delta.engine if profile else "auto")


def commit_metadata(commit: dict[str, Any]) -> dict[str, Any]:
    """A commit of the table's history with the metadata its writer recorded: delta-rs puts it in
    the commit itself, delta-spark in ``userMetadata`` (JSON)."""
    text = commit.get("userMetadata")
    if isinstance(text, str):
        try:
            extra = json.loads(text)
        except ValueError:
            return commit
        if isinstance(extra, dict):
            return {**commit, **extra}
    return commit


# --- schemas ----------------------------------------------------------------------------------


def _nullable(node: Any) -> Any:
    """A Spark schema JSON with every field, element and value nullable (as delta-spark writes)."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        for key in ("nullable", "containsNull", "valueContainsNull"):
            if key in out:
                out[key] = True
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def to_delta_schema(schema: T.StructType) -> Schema:
    """Delta's schema of a Spark schema. Delta stores schemas in Spark's JSON form, so this is exact."""
    return Schema.from_json(json.dumps(_nullable(json.loads(schema.json()))))


def to_spark_schema(schema: Schema) -> T.StructType:
    return T.StructType.fromJson(json.loads(schema.to_json()))


def schema_differences(table: T.StructType, frame: T.StructType) -> tuple[list[str], list[str], list[str]]:
    """(added, missing, changed) columns of ``frame`` against ``table``; nullability is ignored."""
    known = {f.name: f.dataType.simpleString() for f in table}
    given = {f.name: f.dataType.simpleString() for f in frame}
    added = [n for n in given if n not in known]
    missing = [n for n in known if n not in given]
    changed = [f"{n} ({known[n]} -> {given[n]})" for n in given if n in known and known[n] != given[n]]
    return added, missing, changed


# --- files ------------------------------------------------------------------------------------


def partition_values(relative: str) -> dict[str, str | None]:
    """Partition values of a file from its Hive-style path (Spark escapes values with %XX)."""
    values: dict[str, str | None] = {}
    for part in relative.split("/")[:-1]:
        key, sep, value = part.partition("=")
        if sep:
            values[unquote(key)] = None if value == HIVE_NULL else unquote(value)
    return values


def _json_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return value if len(value) <= _STATS_MAX_STRING else None
    if hasattr(value, "isoformat") and type(value).__name__ == "date":
        return value.isoformat()
    return None  # floats (NaN), decimals, timestamps, binaries: no min/max rather than a wrong one


def file_stats(path: str) -> str:
    """Delta statistics JSON of a Parquet file from its footer: numRecords, nullCount, and
    minValues/maxValues of top-level integer, date and short string columns."""
    meta = pq.read_metadata(path)
    stats: dict[str, Any] = {"numRecords": meta.num_rows, "minValues": {}, "maxValues": {}, "nullCount": {}}
    for i in range(meta.num_columns):
        name = meta.schema.column(i).path
        if "." in name:  # nested leaf: skipped
            continue
        chunks = [meta.row_group(g).column(i).statistics for g in range(meta.num_row_groups)]
        if chunks and all(c is not None and c.has_null_count for c in chunks):
            stats["nullCount"][name] = sum(c.null_count for c in chunks)
        with_values = [c for c in chunks if c is not None and c.has_min_max]
        complete = all(c is not None and (c.has_min_max or c.null_count == c.num_values) for c in chunks)
        if with_values and complete:
            low = _json_value(min(c.min for c in with_values))
            high = _json_value(max(c.max for c in with_values))
            if low is not None and high is not None:
                stats["minValues"][name], stats["maxValues"][name] = low, high
    return json.dumps(stats, separators=(",", ":"))


class TableFiles(Storage):
    """File operations inside a table folder, and the statistics of its data files."""

    def stats(self, path: str) -> str | None:
        """Footer statistics of a data file; None where Python cannot read the file system."""
        local = local_path(path)
        if local is None:
            return None
        try:
            return file_stats(local)
        except (OSError, ValueError) as exc:
            log.warning("no statistics for %s: %s", path, exc)
            return None


def live_files(table: DeltaTable, uri: str, partition_filters: Any = None) -> list[str]:
    """The live data files (those ``partition_filters`` select: delta-rs tuples or a SQL predicate)
    as Spark opens them. delta-rs percent-encodes the table's folder in ``file_uris``
    (``my%20orders``), which Spark would take literally, so that prefix is swapped for ``uri``."""
    encoded = table.table_uri.rstrip("/")
    prefix = local_path(encoded) if encoded.startswith("file:") else encoded
    return [
        uri + f[len(prefix) :] if f.startswith(f"{prefix}/") else f
        for f in table.file_uris(file_pruning_predicate=partition_filters)
    ]


def read_files(spark: SparkSession, uri: str, schema: T.StructType, paths: list[str]) -> DataFrame:
    """Spark over some data files of the table, in the table's column order. The table folder is the
    ``basePath``, so partition columns come from the Hive-style folders, typed by ``schema``."""
    df = spark.read.schema(schema).option("basePath", uri).parquet(*paths)
    return df.select(*[F.col(f"`{n}`") for n in schema.fieldNames()])


def data_added(files: TableFiles, first: int, last: int) -> tuple[list[str], int]:
    """Paths (relative to the table) of the data files added by commits ``first..last``, and how many
    files those commits removed with ``dataChange`` (deletes or overwrites). Like Delta's streaming
    source this reads the commits themselves, so a file compacted away later is still found, and
    compaction's own files (``dataChange: false``) are not read twice."""
    added: list[str] = []
    removed = 0
    for version in range(first, last + 1):
        text = files.read_text(f"{files.uri}/_delta_log/{version:020d}.json")
        if text is None:
            raise DeltaError(
                f"{files.uri}: commit {version} is no longer in the Delta log (log retention); "
                "reset the job's bookmark to read the whole table"
            )
        for line in text.splitlines():
            action = json.loads(line) if line.strip() else {}
            if "add" in action and action["add"].get("dataChange", True):
                added.append(unquote(action["add"]["path"]))
            elif "remove" in action and action["remove"].get("dataChange", True):
                removed += 1
    return added, removed
