"""Versioned bookmark state, in files the user owns.

``<state_dir>/bookmarks/<job>/<version>.json`` — every commit (and every reset, rewind or manual set)
writes the next version; nothing is ever rewritten, so the history shows what each run committed.
A version file is created only if it does not exist yet, which is what makes two concurrent runs of
one job unable to both commit: the second finds its version taken and fails.

Local state dirs use the operating system (``os.link`` creates exclusively); any other Hadoop path
(``s3a://``, ``hdfs://``) goes through Hadoop's FileSystem (``create`` without overwrite, and on S3
a conditional put), in the active Spark session (``storage.Storage``).

    >>> store = BookmarkStore(f"{tmp}/bookmarks")
    >>> state = {"src": {"type": "delta", "version": 3}}
    >>> v = store.commit("orders", store.latest_version("orders"), state, "jr_1", "commit")
    >>> store.latest("orders").sources["src"]
    {'type': 'delta', 'version': 3}
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import EtlError
from ..storage import Storage, local_path
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


class BookmarkStore:
    """The bookmark versions of every job under one state dir."""

    def __init__(self, state_dir: str):
        local = local_path(state_dir)
        self.root = os.path.join(local, "bookmarks") if local is not None else state_dir.rstrip("/") + "/bookmarks"
        self.files = Storage(None, self.root)  # a local state dir needs no Spark (`etl bookmarks`)

    def _dir(self, job: str) -> str:
        if not job or "/" in job or job.startswith("."):
            raise BookmarkError(f"job name {job!r} cannot name a bookmark folder")
        return f"{self.root}/{job}"

    def _path(self, job: str, version: int) -> str:
        return f"{self._dir(job)}/{version:08d}.json"

    def versions(self, job: str) -> list[int]:
        return sorted(
            int(n[:-5]) for n in self.files.children(self._dir(job)) if n.endswith(".json") and n[:-5].isdigit()
        )

    def latest_version(self, job: str) -> int:
        versions = self.versions(job)
        return versions[-1] if versions else 0

    def read(self, job: str, version: int, replacing: str | None = None) -> BookmarkVersion:
        """One version, its shape checked (``replacing``: a source whose state is not checked, as the
        caller replaces it)."""
        path = self._path(job, version)
        text = self.files.read_text(path)
        if text is None:
            raise BookmarkError(f"{path}: bookmark version {version} of job {job!r} does not exist")
        try:
            data = json.loads(text)
            check_version(data, version, replacing)
            return BookmarkVersion(**data)
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
        if not self.files.create_new(self._path(job, version.version), text):
            raise ConcurrentCommitError(
                f"job {job!r}: bookmark version {version.version} was committed by another run while this one "
                f"ran (run {run_id}); this run's work is not recorded and its "
                "staged file output is discarded; input the other run did not read is read by the next run"
            )
        return version
