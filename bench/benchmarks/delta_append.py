"""An append to a Delta table through the delta-rs commit path, against a plain Parquet append.

The orders are staged once per data size as Parquet (``total`` as a number), so that both ways
spend their time writing, not parsing JSON. Each timed framework run wraps them in a DynamicFrame
and appends them, partitioned by ``channel``, with ``write_dynamic_frame.from_options(...,
format="delta")`` under a profile with ``delta.engine: delta-rs`` (delta_engines sets it against
delta-spark): Spark writes the Parquet files, they move into the table and one delta-rs commit adds
them with their statistics. The baseline appends the same rows, partitioned the same way, with
``df.write.mode("append").partitionBy(...).parquet``.
Both grow by one copy of the rows per run; after the warm-up, the table read through its Delta log
and the Parquet folder must hold the same records.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext
from etl_framework.config import load_profile

from ..core import Benchmark, Env, same_records
from ..data import ORDERS_SCHEMA

PARTITION = "channel"


def staged_orders(env: Env) -> Path:
    """The orders as Parquet in ``env.work``, ``total`` as a number: what the Delta benchmarks write."""
    path = env.work / "orders.parquet"
    orders = env.spark.read.schema(ORDERS_SCHEMA).json(str(env.data))
    orders.withColumn("total", F.regexp_replace("total", r"[$,]", "").cast("double")).write.parquet(str(path))
    return path


def context(env: Env, engine: str) -> EtlContext:
    """A context on the shared session whose profile writes and reads Delta with ``engine``."""
    profile = load_profile(
        str(env.root / "conf" / "local.yaml"),
        sets=[f"state_dir={env.work / 'state'}", f"warehouse_dir={env.work / 'warehouse'}", f"delta.engine={engine}"],
    )
    return EtlContext(env.spark, profile)


class DeltaAppend(Benchmark):
    name = "delta_append"
    target = 1.2

    def _staged(self, env: Env) -> tuple[EtlContext, DataFrame]:
        ctx, path = self.once(env, lambda: (context(env, "delta-rs"), staged_orders(env)))
        return ctx, env.spark.read.parquet(str(path))

    def framework(self, env: Env) -> None:
        ctx, rows = self._staged(env)
        options = {"path": str(env.work / "delta"), "mode": "append", "partitionKeys": [PARTITION]}
        ctx.write_dynamic_frame.from_options(DynamicFrame.fromDF(rows, ctx, "orders"), "file", options, "delta")

    def baseline(self, env: Env) -> None:
        self._staged(env)[1].write.mode("append").partitionBy(PARTITION).parquet(str(env.work / "parquet"))

    def verify(self, env: Env) -> None:
        ctx = self._staged(env)[0]
        table = ctx.create_dynamic_frame.from_options("file", {"path": str(env.work / "delta")}, "delta").toDF()
        same_records(table, env.spark.read.parquet(str(env.work / "parquet")))


BENCHMARK = DeltaAppend()
