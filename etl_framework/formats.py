"""The formats the framework reads, writes, crawls and catalogs: one entry per format.

A format's entry says everything the other layers ask about it: the Spark data source that reads
and writes its files, the Spark package it needs, how the crawler recognizes its files, the Hive
input/output format and SerDe a catalog table of it carries (as Glue's crawlers set them), and
how its columns behave. Sources and sinks look a format up here; JSON, CSV and XML have readers of
their own (choice inference), every other format is read and written by Spark as is, so a format
Spark can read (Avro, say) is one entry.

>>> get("glueparquet").name, get("parquet").spark_source
('parquet', 'parquet')
>>> sniff(b"Obj\\x01...").name
'avro'
>>> get("yaml")
Traceback (most recent call last):
...
etl_framework.errors.EtlError: format 'yaml' is not supported; use one of avro, csv, delta, ...
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import EtlError

_TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
_TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
_XML_IN = "com.ibm.spss.hive.serde2.xml.XmlInputFormat"
_LAZY = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
_PARQUET = (
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
)


@dataclass(frozen=True)
class Format:
    """One format's facts; ``name`` is Glue's format name and the catalog's classification."""

    name: str
    spark_source: str  # the Spark data source of its files
    hive: tuple[str, str, str]  # InputFormat, OutputFormat, SerializationLibrary
    magic: bytes = b""  # the bytes its files begin with (binary formats; text formats are sniffed)
    package: str | None = None  # the Spark package it needs (``packages.py``)
    self_describing: bool = False  # files carry their schema: a catalog table's columns are read as such
    holds_choice: bool = False  # a choice (VARIANT) value can be written, as its JSON text
    merges_schemas: bool = False  # Spark merges the schemas of all files when asked (``mergeSchema``)
    # Spark reads every file with the first one's schema: the newest file goes first, so older
    # files are read by the format's schema resolution (fields they lack are null).
    newest_first: bool = False
    # A log, not a listing, says which files are live: the format has a source and sink of its own.
    table_format: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "json", (_TEXT_IN, _TEXT_OUT, "org.openx.data.jsonserde.JsonSerDe"), holds_choice=True),
        Format("csv", "csv", (_TEXT_IN, _TEXT_OUT, _LAZY)),
        Format(
            "xml",
            "xml",
            ("com.ibm.spss.hive.serde2.xml.XmlInputFormat", _TEXT_OUT, "com.ibm.spss.hive.serde2.xml.XmlSerDe"),
        ),
        Format("text", "text", (_TEXT_IN, _TEXT_OUT, _LAZY)),
        Format("parquet", "parquet", _PARQUET, b"PAR1", self_describing=True, merges_schemas=True),
        Format(
            "orc",
            "orc",
            (
                "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
                "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
                "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
            ),
            b"ORC",
            self_describing=True,
            merges_schemas=True,
        ),
        Format(
            "avro",
            "avro",
            (
                "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
                "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
                "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
            ),
            b"Obj\x01",  # an Avro object container file
            package="avro",
            self_describing=True,
            newest_first=True,
        ),
        # Spark without delta-spark sees a Delta table as the Parquet files it holds.
        Format("delta", "parquet", _PARQUET, self_describing=True, table_format=True),
    )
}
ALIASES = {"glueparquet": "parquet"}  # Glue's writer of Parquet with its schema computed on the fly


def get(name: str | None) -> Format:
    """The format called ``name`` (Glue's format names, any case; aliases resolved)."""
    key = (name or "").lower()
    found = FORMATS.get(ALIASES.get(key, key))
    if found is None:
        raise EtlError(f"format {name!r} is not supported; use one of {', '.join(sorted([*FORMATS, *ALIASES]))}")
    return found


def sniff(head: bytes) -> Format | None:
    """The binary format whose files begin like ``head`` (None: not one of them)."""
    return next((f for f in FORMATS.values() if f.magic and head.startswith(f.magic)), None)
