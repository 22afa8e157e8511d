"""Staged output: a file sink's files become visible only when its run commits them.

Spark writes into ``<path>/_etl_staging/<folder>/`` (hidden from every reader, as Spark hides names
starting with ``_``); promoting moves each file to the same place under ``<path>``. With job
bookmarks enabled the promotion waits for ``job.commit()``, and the bookmark version lists the
folders it promotes: a run that fails or loses a concurrent commit leaves nothing behind, and a run
killed between its bookmark commit and the move is finished by the next ``Job.init``. Moves are
renames, so on HDFS and local disks a promotion is cheap; promoting again is harmless (files moved
already are no longer staged).

>>> out = f"{tmp}/out"
>>> staged = StagedOutput(out, f"{out}/_etl_staging/doc")
>>> spark.range(3).coalesce(1).write.json(staged.folder)
>>> promote(spark, staged)
1
>>> sorted(r.id for r in spark.read.json(out).collect())
[0, 1, 2]
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..logs import get_logger
from ..storage import STAGING, Storage, hidden

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = get_logger("sink")

_CLEARED = "_CLEARED"  # an overwrite's promotion has emptied the target: never empty it twice


@dataclass(frozen=True)
class StagedOutput:
    """Files Spark wrote into ``folder`` (inside ``target``) that readers do not see yet."""

    target: str
    folder: str
    overwrite: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StagedOutput:
        return cls(str(data["target"]), str(data["folder"]), bool(data.get("overwrite", False)))


def staging_folder(target: str, job: str | None = None, version: int | None = None) -> str:
    """A new staging folder in ``target``; a bookmarked job's names its job and the bookmark
    version its run will commit, so that later runs recognise the folders of runs that never did."""
    unique = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
    name = f"{job}-v{version:08d}-{unique}" if job and version is not None else unique
    return f"{target.rstrip('/')}/{STAGING}/{name}"


def promote(spark: SparkSession, output: StagedOutput) -> int:
    """Move the staged files into the target (an overwrite first removes what the target held);
    returns how many files moved."""
    store = Storage(spark, output.target)
    if not store.exists(output.folder):
        return 0  # promoted already
    target = output.target.rstrip("/")
    if output.overwrite and not store.exists(f"{output.folder}/{_CLEARED}"):
        for name in store.children(target):
            if not hidden(name):
                store.delete(f"{target}/{name}", recursive=True)
        store.write_text(f"{output.folder}/{_CLEARED}", "")
    files = store.files_under(output.folder)
    for relative in files:
        store.move(f"{output.folder}/{relative}", f"{target}/{relative}")
    store.write_text(f"{target}/_SUCCESS", "")  # as Spark's own commit leaves it
    _remove(store, output.folder)
    return len(files)


def discard(spark: SparkSession, output: StagedOutput) -> None:
    _remove(Storage(spark, output.target), output.folder)


def _remove(store: Storage, folder: str) -> None:
    store.delete(folder, recursive=True)
    store.delete_if_empty(folder.rsplit("/", 1)[0])  # no empty _etl_staging left in the user's folder


def remove_stale(spark: SparkSession, target: str, job: str, committed: int) -> None:
    """Delete ``job``'s staging folders in ``target`` for bookmark versions up to ``committed``, once
    that version's own output is in place: their runs failed, or lost the commit to that one."""
    store = Storage(spark, target)
    staging = f"{target.rstrip('/')}/{STAGING}"
    for name in store.children(staging):
        version = name[len(job) + 2 : len(job) + 10]
        if name.startswith(f"{job}-v") and version.isdigit() and int(version) <= committed:
            log.info("removing %s/%s: staged by a run of job %s that never committed", staging, name, job)
            _remove(store, f"{staging}/{name}")
