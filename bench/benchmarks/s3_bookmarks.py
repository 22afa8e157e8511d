"""A bookmarked run over a folder on S3 (moto, through Spark's S3A) against the same run over the
same folder on local disk.

The benchmark starts a moto server in a process of its own (tests/moto_server.py) on the loopback
port the bench session's S3 endpoint names (bench/run.py picks it), and stops it in ``close()``.
Set up once, untimed: a folder of JSON-lines files (``bookmark_incremental``'s) is written locally
and uploaded to a bucket; one bookmarked run over each copy reads them all and commits, and each
copy's bookmark state is kept as a template; then a few new files are added to both. Each timed run
starts from its template and is the job as a Glue script has it: ``Job.init`` with
``job-bookmark-enable``, a source with a ``transformation_ctx`` (listing every file, reading the new
ones), the records evaluated with the ``noop`` writer, ``job.commit()``: the framework's way over
``s3a://``, the baseline over the local folder. The reference row ``s3_bookmarks vs full S3
re-read`` is ``spark.read.schema(...).json(...)`` of the whole S3 folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from pyspark.sql import DataFrame

from etl_framework import EtlContext, Job
from etl_framework.config import Profile, load_profile
from etl_framework.packages import coordinate, loaded
from tests.moto_server import REGION, MotoServer

from ..core import Benchmark, Env, Reference, noop, same_records
from .bookmark_incremental import ENABLE, RECORDS_PER_FILE, SCHEMA, _write

BUCKET = "bench-bookmarks"
JOB = "bench_s3_bookmarks"
SOURCE = "inbox"


@dataclass(frozen=True)
class _Copy:
    """One copy of the folder, with the bookmark state a run over it starts from."""

    path: str
    profile: Profile
    state: Path
    template: Path


def _new(files: int) -> int:
    """How many of a folder's files are new: a hundredth, 2 at least."""
    return max(2, files // 100)


class S3Bookmarks(Benchmark):
    name = "s3_bookmarks"
    target = 2.0
    sized = False
    sizes = {"smoke": [20], "small": [1_000], "full": [2_000]}  # files
    _server: MotoServer | None = None

    def unavailable(self, env: Env) -> str | None:
        if not loaded(env.spark, "hadoop-aws"):
            return f"the session lacks the Spark package {coordinate('hadoop-aws')}: fetch it once with `make jars`"
        if not env.spark.conf.get("spark.hadoop.fs.s3a.endpoint", None):
            return "the bench session has no S3 endpoint (bench/run.py sets one)"
        return None

    def _copies(self, env: Env) -> dict[str, _Copy]:
        return self.once(env, lambda: self._set_up(env))

    def _set_up(self, env: Env) -> dict[str, _Copy]:
        endpoint = env.spark.conf.get("spark.hadoop.fs.s3a.endpoint")
        self.close()
        self._server = MotoServer(port=urlsplit(endpoint).port, separate_process=True).start()
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket=BUCKET)
        files = env.size or self.sizes["small"][0]
        new = _new(files)
        local = env.work / "inbox"
        local.mkdir()
        copies = {}
        for way, path in (("s3", f"s3a://{BUCKET}/inbox/"), ("local", str(local))):
            state = env.work / f"state-{way}"
            profile = load_profile(
                str(env.root / "conf" / "local.yaml"),
                sets=[f"state_dir={state}", f"warehouse_dir={env.work / 'warehouse'}"],
            )
            copies[way] = _Copy(path, profile, state, env.work / f"state-{way}-template")

        def add(first: int, count: int) -> None:
            for file in _write(local, first, count, None):
                s3.upload_file(str(file), BUCKET, f"inbox/{file.name}")

        add(0, files - new)
        for copy in copies.values():
            self._bookmarked_run(env, copy)
            shutil.copytree(copy.state, copy.template)
        add(files - new, new)
        return copies

    @staticmethod
    def _read(env: Env, copy: _Copy) -> tuple[Job, DataFrame]:
        """Job.init with bookmarks and the source over ``copy``: the job, and the records it reads."""
        ctx = EtlContext(env.spark, copy.profile)
        job = Job(ctx).init(JOB, ENABLE)
        frame = ctx.create_dynamic_frame.from_options("file", {"paths": [copy.path]}, "json", transformation_ctx=SOURCE)
        return job, frame.toDF()

    def _bookmarked_run(self, env: Env, copy: _Copy) -> None:
        job, records = self._read(env, copy)
        noop(records)
        job.commit()

    @staticmethod
    def _restore(copy: _Copy) -> None:
        """Back to the state committed after the set-up's run."""
        shutil.rmtree(copy.state)
        shutil.copytree(copy.template, copy.state)

    def _incremental(self, env: Env, way: str) -> None:
        copy = self._copies(env)[way]
        self._restore(copy)
        self._bookmarked_run(env, copy)

    def framework(self, env: Env) -> None:
        self._incremental(env, "s3")

    def baseline(self, env: Env) -> None:
        self._incremental(env, "local")

    def references(self) -> list[Reference]:
        return [Reference("s3_bookmarks vs full S3 re-read", self._full_read, 0.10)]

    def _full_read(self, env: Env) -> None:
        noop(env.spark.read.schema(SCHEMA).json(self._copies(env)["s3"].path))

    def verify(self, env: Env) -> None:
        reads = {}
        for way, copy in self._copies(env).items():
            self._restore(copy)
            reads[way] = self._read(env, copy)[1].selectExpr(*[c.split()[0] for c in SCHEMA.split(", ")])
        got, want = reads["s3"].count(), _new(env.size or self.sizes["small"][0]) * RECORDS_PER_FILE
        if got != want:
            raise AssertionError(f"the bookmarked S3 run read {got} records, not the new files' {want}")
        same_records(reads["s3"], reads["local"], "the S3 and the local run: ")

    def close(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None


BENCHMARK = S3Bookmarks()
