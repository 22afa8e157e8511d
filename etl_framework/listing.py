"""Listing the files of a file source through Hadoop's FileSystem API.

The same code lists ``file://``, plain local paths, ``hdfs://`` and ``s3a://`` (where the cluster
has the connector). Hidden files (``_SUCCESS``, ``.crc``, names starting with ``_`` or ``.``) are
skipped as Spark skips them; ``exclusions`` are Glue's glob patterns (``**`` crosses folders).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from py4j.java_gateway import JavaObject
from pyspark.sql import SparkSession

from .errors import EtlError
from .jvm import compiled_class, hadoop_path, java_class
from .storage import hidden


@dataclass(frozen=True)
class FileInfo:
    path: str  # fully qualified URI
    size: int
    modified_ms: int


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "{":
            end = pattern.index("}", i)
            out += "(" + "|".join(re.escape(x) for x in pattern[i + 1 : end].split(",")) + ")"
            i = end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + "$")


def exclusion_patterns(value: object) -> list[re.Pattern[str]]:
    """Glue passes exclusions as a JSON string (``'["**.pdf"]'``); a Python list is accepted too."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EtlError(f"connection option 'exclusions' must be a list of glob patterns, got {value!r}")
    return [_glob_regex(v) for v in value]


# A package resource, not a path: the package may be imported from a --py-files zip.
_FILE_STATUSES = resources.files(__package__) / "FileStatuses.java"


def _describer(spark: SparkSession) -> JavaObject:
    return compiled_class(spark, _FILE_STATUSES, "etl_framework.sources.FileStatuses").newInstance()


def _statuses(describer: JavaObject, java_array: JavaObject | None) -> list[tuple[str, bool, int, int]]:
    """(path, is_dir, length, modified_ms) of a Java FileStatus[] in a single py4j round trip."""
    if java_array is None:
        return []
    text, out, at = describer.describe(java_array), [], 0
    while at < len(text):
        colon = text.index(":", at)
        end = colon + 1 + int(text[at:colon])  # the path's length: any character may be in it
        semicolon = text.index(";", end)
        kind, length, modified = text[end + 1 : semicolon].split(",")
        out.append((text[colon + 1 : end], kind == "d", int(length), int(modified)))
        at = semicolon + 1
    return out


def list_files(
    spark: SparkSession, paths: list[str], recurse: bool = True, exclusions: object = None
) -> list[FileInfo]:
    """Every data file under ``paths`` (files or folders, globs allowed), sorted by path."""
    new_path = java_class(spark, "org.apache.hadoop.fs.Path")
    describer = _describer(spark)
    patterns = exclusion_patterns(exclusions)
    found: dict[str, FileInfo] = {}
    for root in paths:
        hpath, fs = hadoop_path(spark, root)
        matches = _statuses(describer, fs.globStatus(hpath))
        if not matches:
            raise EtlError(f"connection option 'paths': {root} does not exist")
        for match_path, is_dir, length, modified in matches:
            base = match_path.rstrip("/")
            pending = [match_path] if is_dir else []
            files = [] if is_dir else [(match_path, length, modified)]
            while pending:
                folder = pending.pop()
                listing = fs.listStatus(new_path(folder))
                for path, child_is_dir, child_length, child_modified in _statuses(describer, listing):
                    name = path.rstrip("/").rsplit("/", 1)[-1]
                    if hidden(name):
                        continue
                    if child_is_dir:
                        if recurse:
                            pending.append(path)
                    else:
                        files.append((path, child_length, child_modified))
            for uri, length, modified in files:
                relative = uri[len(base) + 1 :] if uri.startswith(base + "/") else uri.rsplit("/", 1)[-1]
                if any(p.match(relative) or p.match(uri) for p in patterns):
                    continue
                found[uri] = FileInfo(uri, length, modified)
    return [found[k] for k in sorted(found)]


def common_base(spark: SparkSession, paths: list[str]) -> str | None:
    """The single folder given in ``paths``, for partition discovery (``basePath``); else None."""
    if len(paths) != 1:
        return None
    hpath, fs = hadoop_path(spark, paths[0])
    if fs.exists(hpath) and fs.getFileStatus(hpath).isDirectory():
        return fs.makeQualified(hpath).toString()
    return None
