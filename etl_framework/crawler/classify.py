"""Classification: which format a file is in, from its first bytes, as Glue's built-in classifiers do.

Parquet and ORC by their magic bytes; JSON by a first value that is an object or an array; XML by
a first element (its first child names the records, Spark's ``rowTag``); CSV by Glue's CSV rules:
one of the delimiters ``,`` ``|`` tab ``;`` Ctrl-A giving at least two columns on every line of at
least two lines. A first line is a header when all its values are text (not numbers), each but the
last shorter than 150 characters and non-empty, and some later line has a number in it: otherwise the
first line is not different enough from the data and is data itself (columns ``col0``, ``col1``, ...).
Gzip and bzip2 files are classified by their decompressed start. Delta tables are found by their
``_delta_log`` folder (see :mod:`.layout`).

    >>> classify(b'{"id": 1}\\n{"id": 2}\\n', "a.json")
    Classification(format='json', options=(('multiline', 'false'),), compression='none')
    >>> classify(b"id,name\\n1,ann\\n2,bob\\n", "a.csv").options
    (('separator', ','), ('withHeader', 'true'))
"""

from __future__ import annotations

import bz2
import csv
import io
import json
import re
import zlib
from dataclasses import dataclass

from pyspark.sql import SparkSession

from ..dynamicframe.inference import INTEGER_TEXT, NUMBER_TEXT
from ..formats import sniff
from ..jvm import hadoop_path, java_class

HEAD_BYTES = 1 << 20  # Glue's classifiers read the first megabyte of a file
_DELIMITERS = (",", "|", "\t", ";", "\x01")
_SAMPLE_LINES = 1000  # Glue's classifiers look at a file's first 1000 records
_NUMBER = re.compile(f"{INTEGER_TEXT}|{NUMBER_TEXT}")
_XML_TAG = re.compile(r"<([A-Za-z_][\w.\-:]*)")


@dataclass(frozen=True)
class Classification:
    """A file's format, the reader options it needs (sorted pairs) and its compression."""

    format: str  # json | csv | parquet | orc | avro | xml | delta
    options: tuple[tuple[str, str], ...] = ()
    compression: str = "none"

    @property
    def format_options(self) -> dict[str, str]:
        return dict(self.options)


def read_head(spark: SparkSession, uri: str, size: int) -> bytes:
    """The first bytes of a file through Hadoop's FileSystem (``file:``, ``hdfs:``, ``s3a:`` alike)."""
    path, fs = hadoop_path(spark, uri)
    stream = fs.open(path)
    try:
        return bytes(java_class(spark, "org.apache.commons.io.IOUtils").toByteArray(stream, min(size, HEAD_BYTES)))
    finally:
        stream.close()


def classify(head: bytes, name: str, whole: bool = True) -> Classification | None:
    """The classification of a file from its first bytes (``whole``: they are the entire file),
    or None when no classifier recognizes it."""
    binary = sniff(head)
    if binary:
        return Classification(binary.name)
    compression, text = _text(head)
    found = _semistructured(text, whole and compression == "none") or _csv(text, whole)
    return Classification(found[0], found[1], compression) if found else None


def _text(head: bytes) -> tuple[str, str]:
    """The compression of a file's first bytes and their (decompressed) text."""
    compression = "none"
    if head.startswith(b"\x1f\x8b"):
        compression, head = "gzip", zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
    elif head.startswith(b"BZh"):
        compression, head = "bzip2", _bunzip(head)
    return compression, head.decode("utf-8", errors="replace").lstrip("\ufeff")


def sample_columns(head: bytes, kind: Classification) -> frozenset[str] | None:
    """The top-level column names in a file's first records (up to 1000, as Glue's crawler samples
    a file to compare its schema with its neighbours'), or None where the start does not tell
    (binary formats, XML, a JSON document cut off).

    >>> sorted(sample_columns(b'{"a": 1}\\n{"b": 2}\\n', Classification("json", (("multiline", "false"),))))
    ['a', 'b']
    >>> sorted(sample_columns(b" Id ,Name\\n1,x\\n", classify(b" Id ,Name\\n1,x\\n", "a.csv")))
    ['id', 'name']
    """
    _, text = _text(head)
    options = kind.format_options
    if kind.format == "csv":
        first = next(csv.reader(io.StringIO(text), delimiter=options["separator"]), [])
        if options["withHeader"] == "true":
            return frozenset(n.strip().lower() for n in first)
        return frozenset(f"col{i}" for i in range(len(first)))
    if kind.format != "json":
        return None
    if options["multiline"] == "true":
        try:
            document = json.loads(text)
        except ValueError:
            return None
        records = document if isinstance(document, list) else [document]
    else:
        records = []
        for line in text.splitlines()[:_SAMPLE_LINES]:
            try:
                records.append(json.loads(line))
            except ValueError:  # a malformed record or the cut-off last line
                continue
    return frozenset(k for r in records if isinstance(r, dict) for k in r)


def _bunzip(head: bytes) -> bytes:
    try:
        return bz2.BZ2Decompressor().decompress(head)
    except OSError:  # a corrupt stream: classify what decompressed, which is nothing
        return b""


def _semistructured(text: str, whole: bool) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    body = text.lstrip()
    if body.startswith(("{", "[")):
        first = body.split("\n", 1)[0].strip()
        if _is_json(first):
            return "json", (("multiline", "false"),)
        # One document over several lines: Spark's multiLine mode, which needs the whole document.
        if not whole or _is_json(body):
            return "json", (("multiline", "true"),)
        return None
    if body.startswith("<"):
        tags = _XML_TAG.findall(re.sub(r"<!--.*?-->", "", body, flags=re.S))
        if len(tags) >= 2:
            return "xml", (("rowTag", tags[1]),)
    return None


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _csv(text: str, whole: bool) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    lines = text.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off
    lines = [line for line in lines[:_SAMPLE_LINES] if line.strip()]
    if len(lines) < 2:
        return None
    best: tuple[str, list[list[str]]] | None = None
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        width = len(rows[0])
        if width >= 2 and all(len(r) == width for r in rows) and (best is None or width > len(best[1][0])):
            best = (delimiter, rows)
    if best is None:
        return None
    delimiter, rows = best
    header = "true" if _is_header(rows[0], rows[1:]) else "false"
    return "csv", (("separator", delimiter), ("withHeader", header))


def _is_header(first: list[str], data: list[list[str]]) -> bool:
    names = [v.strip() for v in first]
    if any(_NUMBER.match(v) for v in names if v):
        return False
    # The last column may be empty throughout (a trailing delimiter); every other one needs a name.
    if any(not v or len(v) >= 150 for v in names[:-1]):
        return False
    return any(_NUMBER.match(v.strip()) for row in data for v in row)
