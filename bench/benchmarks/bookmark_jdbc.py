"""An incremental run with a bookmarked JDBC source against a full read, on a 1M-row PostgreSQL table.

The target (issue 24): with 100 of the 1,000,000 rows new since the committed bookmark, the
bookmarked run (``Job.init``, a ``postgresql`` source with ``jobBookmarkKeys`` and a
``transformation_ctx``, ``noop``, ``job.commit()``) takes at most a tenth of a full read of the
table, as a user writes it in plain PySpark (``spark.read.format("jdbc")...load()``, ``noop``).
Unsized: the table is the same at every data size (10,000 rows at smoke scale, 100 of them new).

The server is the tests' private PostgreSQL (``tests/postgres.py``), started at set-up and stopped
when the benchmark closes. Without PostgreSQL or its JDBC driver the benchmark is unavailable,
with the reason. Set up once, untimed: the table, and the bookmark a run that read all but the
last 100 rows would have committed (set by hand and kept as a template, as in
``bookmark_incremental``); each framework run starts from a copy of the template.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame

from etl_framework import DynamicFrame, EtlContext, Job
from etl_framework.bookmarks import BookmarkStore
from etl_framework.bookmarks.admin import set_high_water
from etl_framework.config import Profile, load_profile
from etl_framework.connections import JdbcConnection
from etl_framework.errors import EtlError
from tests.postgres import PostgresServer, postgres_bin

from ..core import Benchmark, Env, noop

ROWS = {"smoke": 10_000}  # every other scale: 1,000,000
NEW_ROWS = 100
TABLE = "public.events"
JOB = "bench_jdbc"
SOURCE = "events"
ENABLE = {"job_bookmark_option": "job-bookmark-enable"}


@dataclass(frozen=True)
class _Table:
    server: PostgresServer
    rows: int
    state: Path
    template: Path
    profile: Profile


class BookmarkJdbc(Benchmark):
    name = "bookmark_jdbc"
    target = 0.10
    sized = False
    _server: PostgresServer | None = None

    def unavailable(self, env: Env) -> str | None:
        try:
            postgres_bin()  # the server's programs and the JDBC driver's JAR
            connection = JdbcConnection.from_options("postgresql", {"url": "jdbc:postgresql:bench", "dbtable": TABLE})
            connection.driver_class(env.spark)  # on the session's class path (bench/run.py adds the JAR)
        except (RuntimeError, EtlError) as exc:
            return str(exc)
        return None

    def _table(self, env: Env) -> _Table:
        return self.once(env, lambda: self._set_up(env))

    def _set_up(self, env: Env) -> _Table:
        rows = ROWS.get(env.scale, 1_000_000)
        self._server = server = PostgresServer().start()
        server.psql(
            f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, kind text, amount double precision);"
            f"INSERT INTO {TABLE} SELECT n, (ARRAY['view', 'click', 'buy'])[n % 3 + 1], n / 100.0 "
            f"FROM generate_series(1, {rows}) AS n; ANALYZE {TABLE}"
        )
        state, template = env.work / "state", env.work / "state-template"
        set_high_water(BookmarkStore(str(state)), JOB, SOURCE, str(rows - NEW_ROWS), kind="jdbc", keys=["id"])
        shutil.copytree(state, template)
        profile = load_profile(
            str(env.root / "conf" / "local.yaml"),
            sets=[f"state_dir={state}", f"warehouse_dir={env.work / 'warehouse'}"],
        )
        return _Table(server, rows, state, template, profile)

    def _options(self, table: _Table) -> dict[str, object]:
        return {**table.server.options, "dbtable": TABLE, "jobBookmarkKeys": ["id"]}

    def _incremental(self, env: Env) -> tuple[Job, DynamicFrame]:
        table = self._table(env)
        shutil.rmtree(table.state)
        shutil.copytree(table.template, table.state)
        ctx = EtlContext(env.spark, table.profile)
        job = Job(ctx).init(JOB, ENABLE)
        frame = ctx.create_dynamic_frame.from_options("postgresql", self._options(table), transformation_ctx=SOURCE)
        return job, frame

    def framework(self, env: Env) -> None:
        job, frame = self._incremental(env)
        noop(frame.toDF())
        job.commit()

    def _full(self, env: Env) -> DataFrame:
        table = self._table(env)
        reader = env.spark.read.format("jdbc").options(**table.server.options, dbtable=TABLE)
        return reader.option("driver", "org.postgresql.Driver").load()

    def baseline(self, env: Env) -> None:
        noop(self._full(env))

    def verify(self, env: Env) -> None:
        table = self._table(env)
        # The warm-up's framework run committed version 2, up to the last row.
        committed = BookmarkStore(str(table.state)).latest(JOB)
        if committed is None or committed.version != 2 or committed.sources[SOURCE]["high_water"] != [table.rows]:
            raise AssertionError(f"the bookmarked run did not commit up to row {table.rows}: {committed}")
        _, incremental = self._incremental(env)
        counts = incremental.count(), self._full(env).count()
        if counts != (NEW_ROWS, table.rows):
            raise AssertionError(f"rows read (incremental, full): {counts}")

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


BENCHMARK = BookmarkJdbc()
