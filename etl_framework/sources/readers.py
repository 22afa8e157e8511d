"""Format readers for file sources: JSON, XML and CSV with choice inference; Parquet, ORC, text as is.

Each reader returns a DynamicFrame whose first lineage step holds the malformed records as error
records (raw text, file, reason). Counting of records read and in error rides along the job's
first action through ``DataFrame.observe``, so no extra pass is spent on it.

>>> with open(f"{tmp}/people.csv", "w") as out:
...     _ = out.write("id,age\\n1,30\\n2,unknown\\n")
>>> people = FileSource(ctx, {"paths": [f"{tmp}/people.csv"]}, "csv", {"withHeader": True}).read()
>>> people.printSchema()
root
|-- id: long
|-- age: choice
|    |-- long
|    |-- string
>>> people.toDF().orderBy("id").collect()
[Row(id=1, age=Row(long=30, string=None)), Row(id=2, age=Row(long=None, string='unknown'))]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from py4j.java_gateway import JavaObject
from py4j.protocol import Py4JJavaError
from pyspark.sql import Column, DataFrame, DataFrameReader, Observation, SparkSession
from pyspark.sql import functions as F

from .. import formats
from ..bookmarks.files import select_files
from ..bookmarks.session import source_bookmark
from ..dynamicframe.errors import Step, error_records
from ..dynamicframe.frame import DynamicFrame
from ..dynamicframe.inference import (
    Observed,
    csv_columns,
    infer_csv_schema,
    observed_json,
    observed_json_files,
    observed_type,
    record_schema,
    variant_columns,
)
from ..dynamicframe.read_casts import Rescan
from ..errors import EtlError
from ..jvm import java_strings
from ..listing import FileInfo, common_base, list_files
from ..logs import get_logger
from ..packages import require
from ..types import StructType, ddl_name, from_spark, quote, spark_ddl

if TYPE_CHECKING:
    from ..services import Services

log = get_logger("source")

CORRUPT = "_corrupt_record"
SOURCE_FILE = "_source_file"
_COMPRESSION = {None, "", "none", "gzip", "bzip2", "bz2", "gz"}
# Suffixes by which Hadoop picks a codec: the text is larger than the file, by how much unknown.
_CODEC_SUFFIXES = (".gz", ".bz2", ".deflate", ".lz4", ".snappy", ".zst")
# New JSON lines up to this many bytes in all are read and parsed for inference on the driver (``collectable``).
DRIVER_BYTES = 4 * 2**20


def _flag(options: dict[str, Any], name: str, default: bool = False) -> bool:
    value = options.get(name, default)
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise EtlError(f"format option {name!r} must be true or false, got {value!r}")
        return value.lower() == "true"
    return bool(value)


def _paths(connection_options: dict[str, Any]) -> list[str]:
    paths = connection_options.get("paths", connection_options.get("path"))
    if isinstance(paths, str):
        paths = [paths]
    if not paths or not all(isinstance(p, str) and p for p in paths):
        raise EtlError(f"connection option 'paths' must list one or more files or folders, got {paths!r}")
    return list(paths)


class FileSource:
    """A file source as Glue's ``from_options(connection_type="s3"|"file", ...)`` describes it."""

    def __init__(
        self,
        ctx: Services,
        connection_options: dict[str, Any],
        fmt: str,
        format_options: dict[str, Any] | None,
        transformation_ctx: str = "",
        columns: str | None = None,
        base_path: str | None = None,
        names: list[str] | None = None,
    ):
        """``columns``: a DDL schema that Parquet and ORC files are read with (a catalog table's
        columns) instead of the schema of one of the files. ``base_path``: the folder below which
        ``key=value`` folders are partition columns (default: the one folder in ``paths``, if so).
        ``names``: a CSV table's column names by position (a catalog table's), used in place of the
        header's when there are as many."""
        self.ctx = ctx
        self.columns = columns
        self.names = names
        self.base_path = base_path
        self.spark = ctx.spark_session
        self.options = dict(connection_options or {})
        self.described = formats.get(fmt)
        self.format = self.described.name
        if self.described.table_format:  # its log says which files are live: sources.read_from_options
            raise EtlError(f"format {self.format!r} is a table format: read it with create_dynamic_frame.from_options")
        self.format_options = dict(format_options or {})
        self.transformation_ctx = transformation_ctx
        self.paths = _paths(self.options)
        self._files: tuple[list[str], JavaObject] | None = None  # the last files loaded, as a Java array
        self._sizes: dict[str, int] = {}  # the bytes of each file ``read`` was given, as listed
        compression = self.options.get("compressionType", self.format_options.get("compression"))
        if compression not in _COMPRESSION:
            raise EtlError(f"connection option 'compressionType': {compression!r} is not one of gzip, bzip2")

    def list(self) -> list[FileInfo]:
        return list_files(self.spark, self.paths, _flag(self.options, "recurse", True), self.options.get("exclusions"))

    def read(self, files: list[FileInfo] | None = None) -> DynamicFrame:
        """Read ``files`` (default: every file the options select, less what the job's bookmark
        says was processed) into a DynamicFrame.

        >>> spark.range(2).write.parquet(f"{tmp}/ids")
        >>> FileSource(ctx, {"paths": [f"{tmp}/ids"]}, "parquet", None).read().count()
        2
        """
        files = self.bookmarked(self.list()) if files is None else files
        if self.described.package:
            require(self.spark, self.described.package, f"format={self.format!r}")
        if self.described.newest_first:
            files = sorted(files, key=lambda f: -f.modified_ms)
        if not files:
            empty = self.spark.createDataFrame([], "dummy string").select()
            return DynamicFrame.from_source(
                empty, self.ctx, StructType(), Step(f"read {self.format}", self.transformation_ctx)
            )
        paths = [f.path for f in files]
        self._sizes = {f.path: f.size for f in files}
        with _quick_lookup(self.spark, paths):
            return _READERS.get(self.format, read_as_is)(self, paths)

    def bookmarked(self, files: list[FileInfo]) -> list[FileInfo]:
        """The files this run should read, staging the bookmark state to commit with the job."""
        mark = source_bookmark(self.ctx.bookmarks, self.transformation_ctx)
        if mark is None:
            return files
        chosen = select_files(mark, files, self.options)
        log.info(
            "%s: %d of %d files are new since the last bookmark%s",
            self.transformation_ctx,
            len(chosen),
            len(files),
            "" if chosen else "; nothing to read",
        )
        return chosen

    # --- helpers shared by the readers ---------------------------------------------------------

    def collectable(self, files: list[str]) -> dict[str, int] | None:
        """The listed length of each of ``files`` when, as listed for ``read``, they hold at most
        ``DRIVER_BYTES`` in all and none is compressed: text small enough for the driver to read,
        hold and parse (an incremental run's); else None."""
        if any(p not in self._sizes or p.endswith(_CODEC_SUFFIXES) for p in files):
            return None
        sizes = {p: self._sizes[p] for p in files}
        return sizes if sum(sizes.values()) <= DRIVER_BYTES else None

    @cached_property
    def base_options(self) -> dict[str, str]:
        """``basePath`` for Spark's partition discovery, looked up once for every load of the source."""
        base = self.base_path or common_base(self.spark, self.paths)
        return {"basePath": base} if base else {}

    def load(self, reader: DataFrameReader, files: list[str]) -> DataFrame:
        """``reader.load(files)``, with the paths sent to the JVM as one array, built once for all
        the loads of the same files (pyspark sends a list one py4j call per path)."""
        if self._files is None or self._files[0] != files:
            self._files = (files, java_strings(self.spark, files))
        return reader._df(reader._jreader.load(self._files[1]))  # pyspark's own load, less the list

    def observed(self, raw: DataFrame, errors: str) -> DataFrame:
        """Count records read, and those where the SQL expression ``errors`` is not null (malformed),
        during whatever action first runs through ``raw``."""
        observation = Observation()
        # SQL text, not F.count(F.lit(1)).alias(...): a py4j round trip per expression instead of
        # one per function and argument, a few ms of each read.
        raw = raw.observe(observation, F.expr("count(1) AS read"), F.expr(f"count({errors}) AS errors"))
        self.ctx.metrics.watch(observation)
        return raw

    def frame(
        self,
        data: DataFrame,
        schema: StructType,
        errors: DataFrame | Callable[[], DataFrame] | None,
        rescan: Rescan | None = None,
    ) -> DynamicFrame:
        step = Step(f"read {self.format}", self.transformation_ctx, errors=errors)
        return DynamicFrame.from_source(data, self.ctx, schema, step, rescan)


_LISTING = "spark.sql.sources.parallelPartitionDiscovery"
_DEFAULT_THRESHOLD = 32  # paths Spark looks up on the driver before it runs a job for them


@contextmanager
def _quick_lookup(spark: SparkSession, paths: list[str]) -> Iterator[None]:
    """Spark looks up every path it is given again when it plans a read, and past 32 paths it runs a
    job with one task per path (10,000 files: minutes). Our files are listed already: local files are
    looked up on the driver (a stat takes microseconds; a Spark job was half the time of reading 100
    small files), others by a few tasks that each look up a slice of the paths. The user's settings
    are restored afterwards; within Spark's default threshold nothing is changed."""
    if len(paths) <= _DEFAULT_THRESHOLD:
        yield
        return
    if all(p.startswith("file:") for p in paths):
        wanted = {f"{_LISTING}.threshold": str(len(paths) + 1)}
    else:
        wanted = {f"{_LISTING}.parallelism": str(max(2, spark.sparkContext.defaultParallelism))}
    before = {key: spark.conf.get(key, None) for key in wanted}
    for key, value in wanted.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


_VARIANT = f"v variant, {CORRUPT} string"


def _semistructured(
    source: FileSource,
    load: Callable[[str, bool], DataFrame],
    what: str,
    json_lines: Callable[[], Observed] | None = None,
    text_casts: bool = False,
) -> DynamicFrame:
    """Common path of JSON and XML.

    Pass 1 reads every record once and infers the schema over all of them (``json_lines``, the
    inference over the text of JSON-lines files, else ``observed_type`` over one VARIANT per
    record, one aggregation); it counts the records read and the malformed ones for the run's summary.
    Pass 2 is Spark's native reader with that schema (choice fields typed VARIANT), as fast as a
    plain read with an explicit schema. Malformed records and records that are not objects become
    errors. With ``text_casts`` (JSON), the frame may read pass 2 again with choices as text, for
    resolveChoice and apply_mapping to cast them there.
    """
    json_path = source.format_options.get("jsonPath")

    def records_of(df: DataFrame, *extra: str) -> DataFrame:
        df = df.where(F.col(CORRUPT).isNull())
        if json_path:
            return df.select(
                F.explode(F.try_variant_get("v", _array_path(json_path), "array<variant>")).alias("v"), *extra
            )
        return df.select("v", *extra)

    variant: DataFrame | None = None  # every record as one VARIANT, beside a malformed one's raw text
    if json_lines is None:
        # The inference is an action over every record: it fills the read/error counts on its way.
        variant = source.observed(load(_VARIANT, True), CORRUPT)
        observed = observed_type(records_of(variant))
    else:
        found = json_lines()
        source.ctx.metrics.add(read=found.records, errors=found.malformed)
        observed = found.type

    @cache
    def raw() -> DataFrame:
        return variant if variant is not None else load(_VARIANT, True)

    schema, arrays = record_schema(observed)
    stage, tctx = f"read {source.format}", source.transformation_ctx

    @cache
    def errors() -> DataFrame:
        """Error records, planned only when asked for (pass 1 counted them); the file names are
        fetched only then."""
        with_file = raw().select("*", F.col("_metadata.file_path").alias(SOURCE_FILE))
        # Spark refuses a query that reads only the corrupt-record column of a raw file; name `v` too.
        malformed = with_file.where(F.col(CORRUPT).isNotNull() & F.col("v").isNull())
        found = error_records(
            malformed, stage, tctx, F.col(SOURCE_FILE), F.col(CORRUPT), F.lit(f"malformed {what} record")
        )
        file_records = records_of(with_file, SOURCE_FILE)
        not_object = (_explode_arrays(file_records, SOURCE_FILE) if arrays else file_records).where(~_is_object())
        return found.unionByName(
            error_records(
                not_object, stage, tctx, F.col(SOURCE_FILE), F.to_json("v"), F.lit(f"{what} record is not an object")
            )
        )

    if json_path or not schema.fields:
        records = _explode_arrays(records_of(raw())) if arrays else records_of(raw())
        return source.frame(records.where(_is_object()).select(*variant_columns(schema, "v")), schema, errors)

    def data(read_schema: StructType) -> DataFrame:
        # Malformed records are already error records (pass 1); the data pass drops them.
        return load(", ".join(f"{ddl_name(f.name)} {spark_ddl(f.dataType)}" for f in read_schema), False)

    return source.frame(data(schema), schema, errors, data if text_casts else None)


def _is_object() -> Column:
    return F.coalesce(F.schema_of_variant("v").startswith("OBJECT"), F.lit(False))


def _explode_arrays(records: DataFrame, *extra: str) -> DataFrame:
    elements = F.when(F.schema_of_variant("v").startswith("ARRAY"), F.try_variant_get("v", "$", "array<variant>"))
    return records.select(F.explode(F.coalesce(elements, F.array("v"))).alias("v"), *extra)


def _array_path(json_path: str) -> str:
    """Glue's ``jsonPath`` selects the records inside a document: ``$.orders[*]`` or ``$[*]``."""
    path = json_path.strip()
    if not path.endswith("[*]"):
        raise EtlError(f"format option 'jsonPath' {json_path!r}: expected a path to an array, ending in [*]")
    return path[: -len("[*]")] or "$"


# Jackson's limit on one string's length (Spark's default: 20 MB) is only checked where a string is
# read whole: the data pass skips the fields a query does not select, so a record over the limit
# would be an error record and, for a query of other fields, a row too. Every pass reads strings of
# any length instead; what bounds a record is Spark's VARIANT size limit (128 MiB) and memory.
_JSON_LIMITS = {"maxStringLen": str(2**31 - 1)}


def read_json(source: FileSource, files: list[str]) -> DynamicFrame:
    """The JSON reader; a line that is no JSON record becomes an error record.

    >>> with open(f"{tmp}/a.json", "w") as out:
    ...     _ = out.write('{"id": 1}\\n{"id": \\n')
    >>> frame = read_json(FileSource(ctx, {"paths": [tmp]}, "json", None), [f"{tmp}/a.json"])
    >>> frame.count(), frame.errorsCount()
    (1, 1)
    """
    multiline = _flag(source.format_options, "multiline", False) or bool(source.format_options.get("jsonPath"))

    def load(schema: str, single_variant: bool) -> DataFrame:
        reader = source.spark.read.format("json").options(**source.base_options, **_JSON_LIMITS)
        reader = reader.option("multiLine", multiline)
        if single_variant:
            reader = reader.option("singleVariantColumn", "v").option("columnNameOfCorruptRecord", CORRUPT)
        else:
            reader = reader.option("mode", "DROPMALFORMED")
        with _quick_lookup(source.spark, files):  # the frame may read again later (casts in the read)
            return source.load(reader.schema(schema), files)

    def json_lines() -> Observed:
        """One record per line: inference parses the text, no VARIANT is built for it; a small
        input's lines are read and parsed on the driver, with no Spark job."""
        small = source.collectable(files)
        if small is not None:
            return observed_json_files(source.spark, small, _JSON_LIMITS)
        text = source.load(source.spark.read.format("text").options(**source.base_options), files)
        return observed_json(text.select(F.col("value").cast("binary")), _JSON_LIMITS)

    return _semistructured(source, load, "JSON", None if multiline else json_lines, text_casts=True)


def read_xml(source: FileSource, files: list[str]) -> DynamicFrame:
    row_tag = source.format_options.get("rowTag")
    if not row_tag:
        raise EtlError("format option 'rowTag' is required for xml (the element that holds one record)")
    options = {
        k: str(v)
        for k, v in source.format_options.items()
        if k in ("attributePrefix", "valueTag", "ignoreNamespace", "encoding")
    }

    def load(schema: str, single_variant: bool) -> DataFrame:
        reader = source.spark.read.format("xml").options(**source.base_options).options(**options)
        if single_variant:
            reader = reader.option("singleVariantColumn", "v").option("columnNameOfCorruptRecord", CORRUPT)
        else:
            reader = reader.option("mode", "DROPMALFORMED")
        with _quick_lookup(source.spark, files):  # the error records may read again later
            return source.load(reader.option("rowTag", row_tag).schema(schema), files)

    return _semistructured(source, load, "XML")


# What Spark's CSV header check says of a file whose header is not the schema's.
_OTHER_HEADER = re.compile(r"CSV header does not conform to the schema\.\s*Header: (.*?)\n")
_HEADER_LENGTH = re.compile(r"Number of column in CSV header .*?\s*Header length: (\d+)")
_CSV_FILE = re.compile(r"\nCSV file: (\S+)")


def read_csv(source: FileSource, files: list[str]) -> DynamicFrame:
    fo = source.format_options
    header = _flag(fo, "withHeader", False)
    encoding = str(fo.get("encoding", "UTF-8"))
    options = {
        "sep": fo.get("separator", ","),
        "quote": fo.get("quoteChar", '"'),
        "multiLine": str(_flag(fo, "multiLine", False) or _flag(fo, "multiline", False)).lower(),
        "header": str(header).lower(),
        # Every file's header must name the columns of the first one, in its order: Spark checks
        # each file's, where a plain read would put the values of reordered columns in the wrong ones.
        "enforceSchema": "false",
        "encoding": encoding,
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": CORRUPT,
        **source.base_options,
    }
    # Glue's CSV has no escape character by default (RFC 4180: a quote inside a quoted value is
    # doubled); Spark's default is a backslash, so set it explicitly.
    options["escape"] = fo.get("escaper") or options["quote"]
    # The header of the first file (by name) that has one; Spark's own pick is the largest file's.
    first, names = files[0], []
    for first in files:
        names = source.spark.read.options(**options).csv(first).columns
        if names:
            break
    if not header:
        names = [f"col{i}" for i in range(len(names))]
    schema_ddl = ", ".join([*(f"{ddl_name(n)} string" for n in names), f"{CORRUPT} string"])
    raw = source.load(source.spark.read.format("csv").options(**options).schema(schema_ddl), files)
    raw = raw.select("*", F.col("_metadata.file_path").alias(SOURCE_FILE))
    # Text that is not valid in the encoding decodes to U+FFFD: such a record is an error record
    # rather than a row with replacement characters in it. (This also reads the data columns in
    # both filters: Spark refuses a query whose only column read is the corrupt record, a count.)
    columns = [F.col(ddl_name(n)) for n in names]
    text = F.concat_ws(options["sep"], *columns)
    replaced = f"contains(concat_ws('', {', '.join(quote(n) for n in names)}), '\ufffd')"
    raw = source.observed(raw, f"CASE WHEN {CORRUPT} IS NOT NULL OR {replaced} THEN 1 END")
    undecodable = F.expr(replaced)
    # A catalog table names CSV columns by position, as Hive and Glue read it (its header is skipped).
    targets = source.names if source.names and len(source.names) == len(names) else names
    valid = raw.where(F.col(CORRUPT).isNull() & ~undecodable).select(
        *(c.alias(t) for c, t in zip(columns, targets, strict=True))
    )
    errors = error_records(
        raw.where(F.col(CORRUPT).isNotNull() | undecodable),
        "read csv",
        source.transformation_ctx,
        F.col(SOURCE_FILE),
        F.coalesce(F.col(CORRUPT), text),
        F.when(F.col(CORRUPT).isNotNull(), F.lit("malformed CSV record")).otherwise(
            F.lit(f"CSV record has text that is not valid {encoding} (set format option 'encoding')")
        ),
    )
    try:
        schema = infer_csv_schema(valid)  # the first pass over every file: where Spark checks headers
    except Py4JJavaError as exc:
        error = _header_error(exc, first, names)
        if error is None:
            raise
        raise error from None
    return source.frame(valid.select(*csv_columns(schema)), schema, errors)


def _header_error(exc: Py4JJavaError, first: str, names: list[str]) -> EtlError | None:
    """An error naming the file whose header differs from ``names`` (``first``'s), if that is the failure."""
    text = str(exc)
    where, other, length = _CSV_FILE.search(text), _OTHER_HEADER.search(text), _HEADER_LENGTH.search(text)
    if where is None or (other is None and length is None):
        return None
    found = f"({other[1]})" if other else f"of {length[1]} columns"
    return EtlError(
        f"CSV file {where[1]}: its header {found} is not the header of {first} ({', '.join(names)}); "
        "files read together must have the same columns in the same order"
    )


_UNREADABLE = re.compile(r"SparkException: Could not read file: (\S+)")


def read_as_is(source: FileSource, files: list[str]) -> DynamicFrame:
    """Files of a format Spark reads with its types (Parquet, ORC, Avro, text): no choices."""
    fmt = source.described
    reader = source.spark.read.options(**source.base_options).format(fmt.spark_source)
    if source.columns:
        reader = reader.schema(source.columns)
    elif fmt.merges_schemas:
        # Every file's columns, not one file's: a column that only newer files have is kept
        # (null in the older ones). Types that cannot merge fail the read naming the file.
        reader = reader.option("mergeSchema", "true")
    try:
        df = source.load(reader, files)
    except Py4JJavaError as exc:
        bad = _UNREADABLE.search(str(exc))
        if bad is None:
            raise
        begins = f" (its files begin with {fmt.magic!r})" if fmt.magic else ""
        raise EtlError(f"{bad[1]}: not a{'n' if fmt.name[0] in 'aeiou' else ''} {fmt.name} file{begins}") from None
    df = source.observed(df, "NULL")
    return source.frame(df, from_spark(df.schema), None)


# Formats with a reader of their own: their types are inferred over all records, as choices.
_READERS = {"json": read_json, "xml": read_xml, "csv": read_csv}
