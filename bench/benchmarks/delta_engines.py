"""Delta commits through delta-spark against the same commits through delta-rs: an append and a merge.

The two engines a Delta sink can write with (the profile's ``delta.engine``), side by side in one
session that has the Delta JARs: the framework's way is ``delta.engine: spark``, the baseline
``delta.engine: delta-rs``, with the same ``write_dynamic_frame.from_options(..., format="delta")``
call on the same rows (the orders staged as Parquet once per data size, as delta_append does).

Unsized: they run at the first data size of the scale (100,000 orders at small scale).

* ``delta_engines_append``: each run appends every order, partitioned by ``channel``.
* ``delta_engines_merge``: each engine's table starts as nine orders in ten (written once by that
  engine, untimed); each run merges a stage on ``order_id``: the tenth of the orders whose id ends
  in 5 with a new status (updated) and the tenth whose id ends in 0 under ids of the run's own
  (inserted), so every run updates and inserts the same numbers of rows.

After the warm-up both tables are read back through both engines (delta-spark's reader and
delta-rs' log with Spark's Parquet reader): all four reads hold the same records, and the tables
have the same Delta protocol.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext
from etl_framework.packages import coordinate, loaded

from ..core import Benchmark, Env, same_records
from .delta_append import PARTITION, context, staged_orders

ENGINES = {"framework": "spark", "baseline": "delta-rs"}
NEW_IDS = 10**12  # run n inserts the orders whose id ends in 0 at id + n * NEW_IDS


class DeltaEngines(Benchmark):
    target = 1.5
    sized = False  # the first size only: a commit costs seconds whatever the rows; smoke runs are in make test

    def __init__(self, mode: str) -> None:
        self.mode, self.name = mode, f"delta_engines_{mode}"
        self._runs: dict[str, int] = {}  # merges done per way: the ids a run inserts

    def unavailable(self, env: Env) -> str | None:
        if loaded(env.spark, "delta"):
            return None
        return f"the session lacks the Spark package {coordinate('delta')}: fetch it once with `make jars`"

    def _set_up(self, env: Env) -> tuple[dict[str, EtlContext], DataFrame]:
        def build() -> tuple[dict[str, EtlContext], Path]:
            contexts = {way: context(env, engine) for way, engine in ENGINES.items()}
            path = staged_orders(env)
            if self.mode == "merge":
                base = env.spark.read.parquet(str(path)).where(F.col("order_id") % 10 != 0)
                for way, ctx in contexts.items():
                    self._write(ctx, base, self._table(env, way), {"mode": "overwrite"})
            self._runs.clear()
            return contexts, path

        contexts, path = self.once(env, build)
        return contexts, env.spark.read.parquet(str(path))

    @staticmethod
    def _table(env: Env, way: str) -> str:
        return str(env.work / f"delta-{ENGINES[way]}")

    @staticmethod
    def _write(ctx: EtlContext, rows: DataFrame, path: str, options: dict) -> None:
        options = {"path": path, "partitionKeys": [PARTITION], **options}
        ctx.write_dynamic_frame.from_options(DynamicFrame.fromDF(rows, ctx, "orders"), "file", options, "delta")

    def _run(self, env: Env, way: str) -> None:
        contexts, orders = self._set_up(env)
        if self.mode == "append":
            self._write(contexts[way], orders, self._table(env, way), {"mode": "append"})
            return
        run = self._runs[way] = self._runs.get(way, 0) + 1
        updated = orders.where(F.col("order_id") % 10 == 5).withColumn("status", F.lit(f"merged-{run}"))
        inserted = orders.where(F.col("order_id") % 10 == 0).withColumn("order_id", F.col("order_id") + run * NEW_IDS)
        stage = updated.unionByName(inserted)
        self._write(contexts[way], stage, self._table(env, way), {"mode": "merge", "mergeKeys": ["order_id"]})

    def framework(self, env: Env) -> None:
        self._run(env, "framework")

    def baseline(self, env: Env) -> None:
        self._run(env, "baseline")

    def verify(self, env: Env) -> None:
        from deltalake import DeltaTable

        contexts = self._set_up(env)[0]
        reads = {
            (way, reader): ctx.create_dynamic_frame.from_options("file", {"path": table}, "delta").toDF()
            for way, table in ((w, self._table(env, w)) for w in ENGINES)
            for reader, ctx in contexts.items()
        }
        first, *others = reads
        for other in others:
            same_records(reads[other], reads[first], f"{self.name}: table of {other[0]} read by {other[1]}: ")
        protocols = {way: DeltaTable(self._table(env, way)).protocol() for way in ENGINES}
        versions = {w: (p.min_reader_version, p.min_writer_version) for w, p in protocols.items()}
        if len(set(versions.values())) != 1:
            raise AssertionError(f"{self.name}: the engines wrote different Delta protocols: {versions}")


BENCHMARKS = [DeltaEngines("append"), DeltaEngines("merge")]
