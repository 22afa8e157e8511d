"""Listing the files of a file source: local folders with ``os.scandir``, any other Hadoop file
system (``hdfs://``, ``s3a://`` where the cluster has the connector) through Hadoop's FileSystem API.

Both give the same ``FileInfo``: the URI as Hadoop spells it (``file:/tmp/in/a.json``), the length
and the modification time in milliseconds, so a bookmark committed by one is read by the other.
Local folders skip the JVM because a py4j round trip per folder (and the decoding of every
status) was most of the planning of an incremental run over 10,000 files. Hidden files
(``_SUCCESS``, ``.crc``, names starting with ``_`` or ``.``) are skipped as Spark skips them;
``exclusions`` are Glue's glob patterns (``**`` crosses folders). Globs in ``paths`` are
Hadoop's (``{a,b}`` included), matched by Hadoop wherever the folder is.

>>> _ = open(f"{tmp}/a.json", "w").write("{}")
>>> [f.path.rsplit("/", 1)[-1] for f in list_files(spark, [tmp])]
['a.json']
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from importlib import resources

from py4j.java_gateway import JavaObject
from pyspark.sql import SparkSession

from .errors import EtlError
from .jvm import compiled_class, hadoop_path, java_class
from .storage import hidden

_GLOB = re.compile(r"[*?\[\]{}\\]")  # Hadoop's glob characters: such a path is matched by Hadoop


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


def local_folder(uri: str) -> str | None:
    """The local path of ``uri`` when it is a plain path or a ``file:`` URI without a host and
    without glob characters; None for anything Hadoop has to resolve.

    >>> local_folder("file:///tmp/in"), local_folder("/tmp/in/"), local_folder("s3a://b/in"), local_folder("/in/*")
    ('/tmp/in', '/tmp/in', None, None)
    """
    if _GLOB.search(uri):
        return None
    if uri.startswith("file:"):
        path = uri[len("file:") :]
        if path.startswith("//"):  # file://host/path: only the empty host is local
            path = path[2:] if path.startswith("///") else ""
        return os.path.abspath(path) if path.startswith("/") else None
    return None if "://" in uri else os.path.abspath(os.path.expanduser(uri))


def _scan(folder: str, recurse: bool) -> list[tuple[str, int, int]]:
    """(URI, length, modified_ms) of the data files below local ``folder``, as Hadoop's local file
    system lists them: symbolic links followed, entries that vanish or dangle skipped."""
    out, pending = [], [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if hidden(entry.name):
                continue
            try:
                info = entry.stat()  # of the link's target
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if recurse:
                    pending.append(entry.path)
            else:
                out.append(("file:" + entry.path, info.st_size, info.st_mtime_ns // 1_000_000))
    return out


def _hadoop_walk(spark: SparkSession, root: str, recurse: bool) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """Each match of ``root`` (a glob, a folder or a file) with its data files, through Hadoop."""
    new_path = java_class(spark, "org.apache.hadoop.fs.Path")
    describer = _describer(spark)
    hpath, fs = hadoop_path(spark, root)
    walked = []
    for match_path, is_dir, length, modified in _statuses(describer, fs.globStatus(hpath)):
        local = local_folder(match_path) if is_dir else None
        if local is not None:  # a glob matched a local folder: list it without the JVM
            walked.append((match_path, _scan(local, recurse)))
            continue
        pending = [match_path] if is_dir else []
        files = [] if is_dir else [(match_path, length, modified)]
        while pending:
            folder = pending.pop()
            listing = fs.listStatus(new_path(folder))
            for path, child_is_dir, child_length, child_modified in _statuses(describer, listing):
                if hidden(path.rstrip("/").rsplit("/", 1)[-1]):
                    continue
                if child_is_dir:
                    if recurse:
                        pending.append(path)
                else:
                    files.append((path, child_length, child_modified))
        walked.append((match_path, files))
    return walked


def _walk(spark: SparkSession, root: str, recurse: bool) -> list[tuple[str, list[tuple[str, int, int]]]]:
    local = local_folder(root)
    if local is None:
        return _hadoop_walk(spark, root, recurse)
    if os.path.isdir(local):
        return [("file:" + local, _scan(local, recurse))]
    try:
        info = os.stat(local)
    except FileNotFoundError:
        return []
    return [("file:" + local, [("file:" + local, info.st_size, info.st_mtime_ns // 1_000_000)])]


def list_files(
    spark: SparkSession, paths: list[str], recurse: bool = True, exclusions: object = None
) -> list[FileInfo]:
    """Every data file under ``paths`` (files or folders, globs allowed), sorted by path."""
    patterns = exclusion_patterns(exclusions)
    found: dict[str, FileInfo] = {}
    for root in paths:
        matches = _walk(spark, root, recurse)
        if not matches:
            raise EtlError(f"connection option 'paths': {root} does not exist")
        for match_path, files in matches:
            base = match_path.rstrip("/")
            for uri, length, modified in files:
                if patterns:
                    relative = uri[len(base) + 1 :] if uri.startswith(base + "/") else uri.rsplit("/", 1)[-1]
                    if any(p.match(relative) or p.match(uri) for p in patterns):
                        continue
                found[uri] = FileInfo(uri, length, modified)
    return [found[k] for k in sorted(found)]


def common_base(spark: SparkSession, paths: list[str]) -> str | None:
    """The single folder given in ``paths``, for partition discovery (``basePath``); else None."""
    if len(paths) != 1:
        return None
    local = local_folder(paths[0])
    if local is not None:
        return "file:" + local if os.path.isdir(local) else None
    hpath, fs = hadoop_path(spark, paths[0])
    if fs.exists(hpath) and fs.getFileStatus(hpath).isDirectory():
        return fs.makeQualified(hpath).toString()
    return None
