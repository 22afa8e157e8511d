"""Versioned bookmark state, in files the user owns.

``<state_dir>/bookmarks/<job>/<version>.json`` — every commit (and every reset, rewind or manual set)
writes the next version; nothing is ever rewritten, so the history shows what each run committed.
A version file is created only if it does not exist yet, which is what makes two concurrent runs of
one job unable to both commit: the second finds its version taken and fails.

Local state dirs use the operating system (``os.link`` creates exclusively); any other Hadoop path
(``s3a://``, ``hdfs://``) goes through Hadoop's FileSystem (``create`` without overwrite).

    >>> store = BookmarkStore("/tmp/etl-doc-state")
    >>> v = store.commit("orders", store.latest_version("orders"), {"src": {"type": "files"}}, "jr_1", "commit")
    >>> store.latest("orders").sources["src"]["type"]
    'files'
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EtlError
from ..jvm import hadoop_path, java_class
from .state import check_version


class BookmarkError(EtlError):
    """Bookmark state is missing, unreadable or was committed by another run first."""


class ConcurrentCommitError(BookmarkError):
    """Another run of the same job committed first; this run's work is not recorded."""


@dataclass(frozen=True)
class BookmarkVersion:
    version: int
    job: str
    run_id: str | None
    committed_at: float
    note: str
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Staged sink output this commit makes visible (``sinks/staging.py``), promoted right after it.
    outputs: list[dict[str, Any]] = field(default_factory=list)


def _local(location: str) -> str | None:
    if location.startswith("file://"):
        return location[len("file://") :]
    if location.startswith("file:"):
        return location[len("file:") :]
    return None if "://" in location else location


class _LocalFiles:
    def list(self, folder: str) -> list[str]:
        return os.listdir(folder) if os.path.isdir(folder) else []

    def read(self, path: str) -> str:
        return Path(path).read_text(encoding="utf-8")

    def create(self, path: str, text: str) -> bool:
        """Create ``path`` with ``text`` unless it exists; False if it did."""
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, path)  # atomic, and fails when the version exists
            return True
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)


class _HadoopFiles:
    def __init__(self):
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        self.spark = spark

    def _fs(self, path: str):
        return hadoop_path(self.spark, path)

    def list(self, folder: str) -> list[str]:
        p, fs = self._fs(folder)
        if not fs.exists(p):
            return []
        return [s.getPath().getName() for s in fs.listStatus(p)]

    def read(self, path: str) -> str:
        p, fs = self._fs(path)
        stream = fs.open(p)
        try:
            return java_class(self.spark, "org.apache.commons.io.IOUtils").toString(stream, "UTF-8")
        finally:
            stream.close()

    def create(self, path: str, text: str) -> bool:
        p, fs = self._fs(path)
        try:
            out = fs.create(p, False)
        except Exception as exc:  # noqa: BLE001 - Hadoop raises FileAlreadyExistsException via py4j
            if "FileAlreadyExists" in str(exc) or fs.exists(p):
                return False
            raise
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()
        return True


class BookmarkStore:
    """The bookmark versions of every job under one state dir."""

    def __init__(self, state_dir: str):
        local = _local(state_dir)
        self.root = os.path.join(local, "bookmarks") if local is not None else state_dir.rstrip("/") + "/bookmarks"
        self.files = _LocalFiles() if local is not None else _HadoopFiles()

    def _dir(self, job: str) -> str:
        if not job or "/" in job or job.startswith("."):
            raise BookmarkError(f"job name {job!r} cannot name a bookmark folder")
        return f"{self.root}/{job}"

    def _path(self, job: str, version: int) -> str:
        return f"{self._dir(job)}/{version:08d}.json"

    def versions(self, job: str) -> list[int]:
        return sorted(int(n[:-5]) for n in self.files.list(self._dir(job)) if n.endswith(".json") and n[:-5].isdigit())

    def latest_version(self, job: str) -> int:
        versions = self.versions(job)
        return versions[-1] if versions else 0

    def read(self, job: str, version: int, replacing: str | None = None) -> BookmarkVersion:
        """One version, its shape checked (``replacing``: a source whose state is not checked, as the
        caller replaces it)."""
        path = self._path(job, version)
        try:
            data = json.loads(self.files.read(path))
            check_version(data, version, replacing)
            return BookmarkVersion(**data)
        except FileNotFoundError as exc:
            raise BookmarkError(f"{path}: bookmark version {version} of job {job!r} does not exist") from exc
        except ValueError as exc:  # not JSON, or JSON of the wrong shape
            raise BookmarkError(
                f"{path}: bookmark state is corrupt ({exc}); fix or remove the file, "
                "or write a new version with `etl bookmarks reset/rewind/set`"
            ) from exc

    def latest(self, job: str, replacing: str | None = None) -> BookmarkVersion | None:
        version = self.latest_version(job)
        return self.read(job, version, replacing) if version else None

    def _read_or_error(self, job: str, version: int) -> BookmarkVersion | BookmarkError:
        try:
            return self.read(job, version)
        except BookmarkError as exc:
            return exc

    def history(self, job: str) -> list[BookmarkVersion | BookmarkError]:
        """Every version, oldest first; one that cannot be read is its error, so the rest still show."""
        return [self._read_or_error(job, v) for v in self.versions(job)]

    def committed_by(self, job: str, run_id: str) -> BookmarkVersion:
        """The version a run committed (for rewinds and replays); unreadable versions are passed over."""
        unreadable = []
        for version in (self._read_or_error(job, v) for v in reversed(self.versions(job))):
            if isinstance(version, BookmarkError):
                unreadable.append(str(version))
            elif version.run_id == run_id and version.note == "commit":
                return version
        raise BookmarkError(
            f"job {job!r} has no bookmark committed by run {run_id!r} (see `etl bookmarks show {job}`)"
            + "".join(f"; unreadable: {e}" for e in unreadable)
        )

    def commit(
        self,
        job: str,
        previous: int,
        sources: dict[str, dict[str, Any]],
        run_id: str | None,
        note: str,
        outputs: list[dict[str, Any]] | None = None,
    ) -> BookmarkVersion:
        """Write version ``previous + 1``; raise ConcurrentCommitError if another writer took it."""
        version = BookmarkVersion(previous + 1, job, run_id, time.time(), note, sources, list(outputs or []))
        text = json.dumps(asdict(version), indent=1, sort_keys=True)
        if not self.files.create(self._path(job, version.version), text):
            raise ConcurrentCommitError(
                f"job {job!r}: bookmark version {version.version} was committed by another run while this one "
                f"ran (run {run_id}); this run's work is not recorded and its "
                "staged file output is discarded; input the other run did not read is read by the next run"
            )
        return version
