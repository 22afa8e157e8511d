"""An incremental run with job bookmarks against a full re-read, on folders of 10,000 and 100,000
small JSON files.

The targets (issues 5 and 24): with 100 of the 10,000 files new, the bookmarked run takes at most
a tenth of the full run's time, and ``Job.init`` + listing + bookmark selection (everything before
data is read) take under 1 s; the second is the ``bookmark_planning`` row. The benchmark's sizes
are its folders' (the records' sizes mean nothing to it): 10,000 and 100,000 files, 100 of them
new in both, so the growth table says how the incremental run and its listing grow with the
folder while the new data stays the same (200 and 1,000 files, 2 and 10 new, at smoke scale).

Set up once per folder, untimed: all but the new files modified hours ago, and the bookmark a run that read them would
have committed, set by hand (``etl bookmarks set``: reading them would only slow the set-up) and kept
as a template; then the new files are added, modified now. Each timed framework
run starts from a copy of the template (copying one small state file is part of its time), runs
``Job.init`` with ``job-bookmark-enable``, reads the folder through a source with a
``transformation_ctx`` (which lists all the files and reads the new ones), evaluates the records
with the ``noop`` writer and commits. The baseline is the job without bookmarks as a user writes it
in plain PySpark: ``spark.read.schema(...).json(folder)`` over every file, evaluated with ``noop``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from etl_framework import EtlContext, Job
from etl_framework.bookmarks import BookmarkStore
from etl_framework.bookmarks.admin import set_high_water
from etl_framework.config import Profile, load_profile
from etl_framework.sources.readers import FileSource

from ..core import Benchmark, Env, Limit, noop

NEW_FILES = 100  # at most; smoke folders get 1 in 100
RECORDS_PER_FILE = 3
SCHEMA = "event_id bigint, file bigint, kind string"
JOB = "bench_incremental"
SOURCE = "inbox"
ENABLE = {"job_bookmark_option": "job-bookmark-enable"}


@dataclass(frozen=True)
class _Folder:
    inbox: Path
    state: Path
    template: Path
    profile: Profile
    files: int
    new: frozenset[str]  # the names of the files added after the committed run


def _write(folder: Path, first: int, count: int, modified: float | None) -> list[Path]:
    """``count`` JSON-lines files of ``RECORDS_PER_FILE`` events each, one second apart in age."""
    paths = []
    for n in range(first, first + count):
        path = folder / f"events-{n:05d}.json"
        lines = (
            json.dumps({"event_id": n * RECORDS_PER_FILE + i, "file": n, "kind": ("view", "click", "buy")[i % 3]})
            for i in range(RECORDS_PER_FILE)
        )
        path.write_text("\n".join(lines) + "\n")
        if modified is not None:
            os.utime(path, (modified + n, modified + n))
        paths.append(path)
    return paths


def _name(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


class BookmarkIncremental(Benchmark):
    name = "bookmark_incremental"
    target = 0.10
    sized = False
    sizes = {"smoke": [200, 1_000], "small": [10_000, 100_000], "full": [10_000, 100_000]}  # files

    def _folder(self, env: Env) -> _Folder:
        return self.once(env, lambda: self._set_up(env))

    def _set_up(self, env: Env) -> _Folder:
        files = env.size or self.sizes["small"][0]
        new = min(NEW_FILES, files // 100)
        inbox, state, template = env.work / "inbox", env.work / "state", env.work / "state-template"
        inbox.mkdir()
        old = _write(inbox, 0, files - new, time.time() - 4 * 3600 - files)  # hours old: out of the band
        mark = max(p.stat().st_mtime_ns // 1_000_000 for p in old)
        set_high_water(BookmarkStore(str(state)), JOB, SOURCE, str(mark), kind="files")
        shutil.copytree(state, template)
        profile = load_profile(
            str(env.root / "conf" / "local.yaml"),
            sets=[f"state_dir={state}", f"warehouse_dir={env.work / 'warehouse'}"],
        )
        added = _write(inbox, files - new, new, None)  # modified now, after the committed mark
        return _Folder(inbox, state, template, profile, files, frozenset(p.name for p in added))

    def _restore(self, folder: _Folder) -> None:
        """Back to the state committed after the first run."""
        shutil.rmtree(folder.state)
        shutil.copytree(folder.template, folder.state)

    def framework(self, env: Env) -> None:
        folder = self._folder(env)
        self._restore(folder)
        ctx = EtlContext(env.spark, folder.profile)
        job = Job(ctx).init(JOB, ENABLE)
        frame = ctx.create_dynamic_frame.from_options(
            "file", {"paths": [str(folder.inbox)]}, "json", transformation_ctx=SOURCE
        )
        noop(frame.toDF())
        job.commit()

    def baseline(self, env: Env) -> None:
        noop(env.spark.read.schema(SCHEMA).json(str(self._folder(env).inbox)))

    def verify(self, env: Env) -> None:
        folder = self._folder(env)
        # The warm-up's framework run committed version 2: it must have taken exactly the new files.
        committed = BookmarkStore(str(folder.state)).latest(JOB)
        band = {_name(p) for p in committed.sources[SOURCE]["band"]} if committed else set()
        if committed is None or committed.version != 2 or band != folder.new:
            raise AssertionError(f"the bookmarked run did not commit the {len(folder.new)} new files: {committed}")
        self._restore(folder)
        ctx = EtlContext(env.spark, folder.profile)
        Job(ctx).init(JOB, ENABLE)
        incremental = ctx.create_dynamic_frame.from_options(
            "file", {"paths": [str(folder.inbox)]}, "json", transformation_ctx=SOURCE
        )
        full = env.spark.read.schema(SCHEMA).json(str(folder.inbox))
        counts = incremental.count(), full.count()
        if counts != (len(folder.new) * RECORDS_PER_FILE, folder.files * RECORDS_PER_FILE):
            raise AssertionError(f"records read (incremental, full): {counts}")

    def limits(self) -> list[Limit]:
        return [Limit("bookmark_planning", 1.0, self._plan)]

    def _plan(self, env: Env) -> float:
        """Seconds of Job.init, listing and bookmark selection, from the template state."""
        folder = self._folder(env)
        self._restore(folder)
        start = time.perf_counter()
        ctx = EtlContext(env.spark, folder.profile)
        Job(ctx).init(JOB, ENABLE)
        source = FileSource(ctx, {"paths": [str(folder.inbox)]}, "json", None, SOURCE)
        chosen = source.bookmarked(source.list())
        seconds = time.perf_counter() - start
        if {_name(f.path) for f in chosen} != folder.new:
            raise AssertionError(f"listing and bookmark selection did not choose the {len(folder.new)} new files")
        return seconds


BENCHMARK = BookmarkIncremental()
