"""``from_catalog`` with a push-down predicate that selects 1 of 1,000 partitions, against reading
that partition's folder directly.

Issue 7's target: the predicate prunes partitions in the catalog before any file is listed, so the
read costs at most 1.2x reading the one folder. Unsized: the table is the same at every data size,
so it runs once per scale (with 50 partitions at smoke scale).

Set up once, untimed: a Parquet table partitioned Hive-style by ``store`` (``store=s0000`` ...), 100
events per partition, registered with its partitions in the session's catalog (the bench's session
is built as ``etl run`` builds a local one: an embedded Derby metastore). Each timed framework run is
``create_dynamic_frame.from_catalog(..., push_down_predicate="store = 's0421'")`` evaluated with the
``noop`` writer: fetching the table and its partitions from the catalog, selecting one, listing its
folder and reading it, the ``store`` column added from the catalog. The baseline is what a user
writes who knows the folder: ``spark.read.option("basePath", table).parquet(folder)``, which adds
``store`` from the path, evaluated with ``noop``. Both read the same records (checked after the
warm-up).
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from etl_framework import EtlContext
from etl_framework.catalog import Column, Database, Partition, Table

from ..core import Benchmark, Env, noop, same_records

PARTITIONS = {"smoke": 50}  # every other scale: 1,000
ROWS_PER_PARTITION = 100
DATABASE, TABLE, KEY = "bench", "events", "store"


def _value(n: int) -> str:
    return f"s{n:04d}"


class CatalogPruning(Benchmark):
    name = "catalog_pruning"
    target = 1.2
    sized = False
    repetitions = 15  # 0.2 s a run

    def _table(self, env: Env) -> tuple[EtlContext, Path, str]:
        """(context, table folder, the partition value read), set up once."""

        def set_up() -> tuple[EtlContext, Path, str]:
            count = PARTITIONS.get(env.scale, 1_000)
            location = env.work / TABLE
            events = env.spark.range(count * ROWS_PER_PARTITION).select(
                F.col("id").alias("event_id"),
                F.format_string("kind-%d", F.col("id") % 3).alias("kind"),
                F.format_string("s%04d", F.col("id") % count).alias(KEY),
            )
            events.repartition(KEY).write.partitionBy(KEY).parquet(str(location))
            ctx = EtlContext(env.spark)
            ctx.catalog.create_database(Database(DATABASE))
            columns = [Column("event_id", "bigint"), Column("kind", "string")]
            ctx.catalog.create_table(Table(DATABASE, TABLE, str(location), "parquet", columns, [Column(KEY, "string")]))
            partitions = [Partition([_value(n)], str(location / f"{KEY}={_value(n)}")) for n in range(count)]
            ctx.catalog.add_partitions(DATABASE, TABLE, partitions)
            return ctx, location, _value(count * 421 // 1_000)

        return self.once(env, set_up)

    def _framework_rows(self, env: Env) -> DataFrame:
        ctx, _, value = self._table(env)
        frame = ctx.create_dynamic_frame.from_catalog(DATABASE, TABLE, push_down_predicate=f"{KEY} = '{value}'")
        return frame.toDF()

    def _baseline_rows(self, env: Env) -> DataFrame:
        _, location, value = self._table(env)
        return env.spark.read.option("basePath", str(location)).parquet(str(location / f"{KEY}={value}"))

    def framework(self, env: Env) -> None:
        noop(self._framework_rows(env))

    def baseline(self, env: Env) -> None:
        noop(self._baseline_rows(env))

    def verify(self, env: Env) -> None:
        framework = self._framework_rows(env)
        if framework.count() != ROWS_PER_PARTITION:
            raise AssertionError(f"from_catalog read {framework.count()} records of one partition")
        same_records(framework, self._baseline_rows(env))


BENCHMARK = CatalogPruning()
