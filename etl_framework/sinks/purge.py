"""Glue's ``purge_s3_path`` and ``purge_table``: delete the files below a path (or a catalog table's
partitions) that are older than a retention period, on any Hadoop path (local, ``s3://``, HDFS).

Options, as Glue names them: ``retentionPeriod`` (hours; files modified more recently are kept;
168 by default), ``excludeStorageClasses`` (S3 storage classes whose objects are kept; a local file
counts as ``STANDARD``), ``manifestFilePath`` (a folder that receives ``Success.csv``, one purged path
a line), ``partitionPredicate`` (``purge_table`` only) and ``exclusions`` (glob patterns of files to
keep, as file sources take them).

>>> import os
>>> os.makedirs(f"{tmp}/old")
>>> for name in ("a.json", "b.json"):
...     _ = open(f"{tmp}/old/{name}", "w").write("{}")
>>> purge_path(ctx, f"{tmp}/old", {"retentionPeriod": 0, "exclusions": ["b.*"]})
>>> sorted(os.listdir(f"{tmp}/old"))
['b.json']
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalog.partitions import select_partitions
from ..errors import EtlError
from ..jvm import hadoop_path
from ..listing import exclusion_patterns
from ..logs import get_logger
from ..s3 import is_s3
from ..storage import Storage, local_path

if TYPE_CHECKING:
    from ..services import Services

log = get_logger("purge")

DEFAULT_RETENTION_HOURS = 168  # Glue's default: 7 days
_OPTIONS = ("retentionPeriod", "excludeStorageClasses", "manifestFilePath", "exclusions")
_STORAGE_CLASS = "header.x-amz-storage-class"  # S3A's extended attribute for the object's storage class


@dataclass(frozen=True)
class PurgeResult:
    """What a purge deleted."""

    files: list[str]
    bytes: int


def purge_path(ctx: Services, path: str, options: dict[str, Any] | None = None, transformation_ctx: str = "") -> None:
    """``glueContext.purge_s3_path``: delete the files below ``path`` older than the retention period."""
    opts = _checked(options, _OPTIONS, "purge_s3_path")
    result = _purge(ctx, path, opts)
    _finish(ctx, opts, result, f"below {path}", transformation_ctx)


def purge_table(
    ctx: Services, database: str, table_name: str, options: dict[str, Any] | None = None, transformation_ctx: str = ""
) -> None:
    """``glueContext.purge_table``: purge the files of a catalog table (of the partitions that
    ``partitionPredicate`` selects); a partition left without files is removed from the catalog."""
    opts = _checked(options, (*_OPTIONS, "partitionPredicate"), "purge_table")
    table = ctx.catalog.get_table(database, table_name)
    predicate = str(opts.get("partitionPredicate") or "")
    if not table.partition_keys:
        if predicate:
            raise EtlError(f"purge_table option 'partitionPredicate': table {table.qualified_name} has no partitions")
        _finish(ctx, opts, _purge(ctx, table.location, opts), f"of table {table.qualified_name}", transformation_ctx)
        return
    partitions = ctx.catalog.list_partitions(database, table_name)
    chosen = select_partitions(ctx.spark_session, table, partitions, [predicate] if predicate else [])
    files: list[str] = []
    size, emptied = 0, []
    for partition in chosen:
        result = _purge(ctx, partition.location, opts)
        files, size = files + result.files, size + result.bytes
        if result.files and not _files(ctx, partition.location):
            emptied.append(partition.values)
    if emptied:
        ctx.catalog.delete_partitions(database, table_name, emptied)
        log.info("removed %d emptied partitions of table %s from the catalog", len(emptied), table.qualified_name)
    _finish(ctx, opts, PurgeResult(files, size), f"of table {table.qualified_name}", transformation_ctx)


def refuse_transition(path: str) -> None:
    """``transition_s3_path``/``transition_table``: Glue runs an S3 Batch Operations job that changes
    objects' storage class; there is no such job here, and local files have no storage class."""
    where = "an S3 path" if is_s3(path) else "a local path, whose files have no S3 storage class"
    raise EtlError(
        f"transition_s3_path({path!r}): changing storage classes is an S3 Batch Operations job on AWS, which "
        f"etl_framework does not run ({where}); use an S3 lifecycle rule, or purge_s3_path to delete old files"
    )


def _checked(options: dict[str, Any] | None, known: tuple[str, ...], what: str) -> dict[str, Any]:
    opts = dict(options or {})
    unknown = sorted(set(opts) - set(known))
    if unknown:
        raise EtlError(f"{what} option {unknown[0]!r} is not known (known: {', '.join(known)})")
    hours = opts.get("retentionPeriod", DEFAULT_RETENTION_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours < 0:
        raise EtlError(f"{what} option 'retentionPeriod' must be a number of hours >= 0, got {hours!r}")
    classes = opts.get("excludeStorageClasses", [])
    if isinstance(classes, str) or not all(isinstance(c, str) for c in classes):
        raise EtlError(f"{what} option 'excludeStorageClasses' must be a list of storage classes, got {classes!r}")
    opts["retentionPeriod"], opts["excludeStorageClasses"] = hours, {c.upper() for c in classes}
    return opts


def _files(ctx: Services, folder: str) -> list[tuple[Any, int, int]]:
    """(Hadoop path, size, modified ms) of every file below ``folder``; none when it does not exist."""
    hpath, fs = hadoop_path(ctx.spark_session, folder)
    if not fs.exists(hpath):
        return []
    found, listing = [], fs.listFiles(hpath, True)
    while listing.hasNext():
        status = listing.next()
        found.append((status.getPath(), status.getLen(), status.getModificationTime()))
    return sorted(found, key=lambda f: str(f[0].toString()))  # listing order is the file system's


def _purge(ctx: Services, folder: str, opts: dict[str, Any]) -> PurgeResult:
    cutoff_ms = (time.time() - opts["retentionPeriod"] * 3600) * 1000
    patterns = exclusion_patterns(opts.get("exclusions"))
    excluded_classes = opts["excludeStorageClasses"]
    root, fs = hadoop_path(ctx.spark_session, folder)
    base = str(fs.makeQualified(root).toString()).rstrip("/")
    deleted, size = [], 0
    for hpath, length, modified in _files(ctx, folder):
        uri = str(hpath.toString())
        relative = uri[len(base) + 1 :] if uri.startswith(base + "/") else uri.rsplit("/", 1)[-1]
        if modified > cutoff_ms or any(p.match(relative) for p in patterns):
            continue
        if excluded_classes and _storage_class(fs, hpath, uri) in excluded_classes:
            continue
        if not fs.delete(hpath, False):
            raise EtlError(f"could not delete {uri}")
        deleted.append(uri)
        size += int(length)
    _drop_empty_folders(ctx, base, deleted)
    return PurgeResult(deleted, size)


def _drop_empty_folders(ctx: Services, base: str, deleted: list[str]) -> None:
    """Remove the folders below ``base`` that the purge emptied: S3 has none (S3A leaves a marker
    object where it deleted a folder's last file), and a local tree would keep empty ones."""
    store = Storage(ctx.spark_session, base)
    folders = {uri.rsplit("/", 1)[0] for uri in deleted}
    for folder in sorted(folders, key=lambda f: -f.count("/")):  # the deepest first
        while folder.startswith(base + "/"):
            store.delete_if_empty(folder)
            folder = folder.rsplit("/", 1)[0]


def _storage_class(fs: Any, hpath: Any, uri: str) -> str:
    """An object's S3 storage class (S3 omits it for STANDARD); ``STANDARD`` for a local file."""
    if local_path(uri) is not None:
        return "STANDARD"
    value = fs.getXAttr(hpath, _STORAGE_CLASS)
    return bytes(value).decode().upper() if value else "STANDARD"


def _finish(ctx: Services, opts: dict[str, Any], result: PurgeResult, where: str, transformation_ctx: str) -> None:
    log.info(
        "purged %d files (%d bytes) %s older than %s hours%s",
        len(result.files),
        result.bytes,
        where,
        opts["retentionPeriod"],
        f" [{transformation_ctx}]" if transformation_ctx else "",
    )
    manifest = opts.get("manifestFilePath")
    if manifest:
        target = f"{str(manifest).rstrip('/')}/Success.csv"
        Storage(ctx.spark_session, str(manifest)).write_text(target, "".join(f"{f}\n" for f in result.files))
