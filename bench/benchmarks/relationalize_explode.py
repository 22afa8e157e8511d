"""``relationalize`` of nested records against the same tables written by hand with ``posexplode``.

The records are the shared orders with an array of scalars added (``skus``, the items' SKUs, next
to ``items``, an array of structs) and ``total`` as a number, written once per data size as JSON
lines; the framework's frame is inferred from them once per size (``json_read_inference``
measures that pass). Each timed framework run relationalizes the frame (which stages the root
records with their keys to Parquet, so that parent and child tables agree on keys whatever the
source) and evaluates every table of the collection with the ``noop`` writer. The baseline is what
a user writes by hand: read with an explicit schema, add a ``monotonically_increasing_id`` key,
select the root table (structs flattened to dotted columns, each array replaced by the row's key)
and one table per array (``id``, ``index``, the element's values under ``<array>.val``) with
``posexplode``, and evaluate each with the ``noop`` writer. It stages nothing: over a file source
the key comes out the same in every Spark job. Both build the same tables, keys included (checked
after the warm-up).
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from etl_framework import DynamicFrame

from ..core import Benchmark, Env, noop, same_records
from ..data import ORDERS_SCHEMA, inferred

ROOT = "root"
SCHEMA = ORDERS_SCHEMA.replace("status string", "skus array<string>, status string").replace(
    "total string", "total double"
)
KEY = "_key"


def _nested(env: Env) -> Path:
    """The orders with ``skus`` added and ``total`` a number, as JSON lines in the scratch folder."""
    path = env.work / "nested"
    orders = env.spark.read.schema(ORDERS_SCHEMA).json(str(env.data))
    orders.select(
        *[c for c in orders.columns if c != "total"],
        F.transform("items", lambda i: i["sku"]).alias("skus"),
        F.regexp_replace("total", r"[$,]", "").cast("double").alias("total"),
    ).write.json(str(path))
    return path


class RelationalizeExplode(Benchmark):
    name = "relationalize_explode"
    target = 2.0

    def _prepared(self, env: Env) -> tuple[Path, DynamicFrame]:
        def build() -> tuple[Path, DynamicFrame]:
            path = _nested(env)
            return path, inferred(env.spark, path)

        return self.once(env, build)

    def _framework_tables(self, env: Env) -> dict[str, DataFrame]:
        tables = self._prepared(env)[1].relationalize(ROOT, str(env.work / "staging"))
        return {name: frame.toDF() for name, frame in tables.items()}

    def _baseline_tables(self, env: Env) -> dict[str, DataFrame]:
        orders = env.spark.read.schema(SCHEMA).json(str(self._prepared(env)[0]))
        keyed = orders.withColumn(KEY, F.monotonically_increasing_id())
        key_unless_null = {a: F.when(F.col(a).isNotNull(), F.col(KEY)) for a in ("items", "skus")}
        root = keyed.select(
            "channel",
            "currency",
            F.col("customer.address.city").alias("customer.address.city"),
            F.col("customer.address.country").alias("customer.address.country"),
            F.col("customer.id").alias("customer.id"),
            F.col("customer.name").alias("customer.name"),
            key_unless_null["items"].alias("items"),
            "order_id",
            "placed_at",
            key_unless_null["skus"].alias("skus"),
            "status",
            "total",
        )
        items = keyed.select(F.col(KEY).alias("id"), F.posexplode("items").alias("index", "val")).select(
            "id",
            "index",
            F.col("val.price").alias("items.val.price"),
            F.col("val.qty").alias("items.val.qty"),
            F.col("val.sku").alias("items.val.sku"),
        )
        skus = keyed.select(F.col(KEY).alias("id"), F.posexplode("skus").alias("index", "skus.val"))
        return {ROOT: root, f"{ROOT}_items": items, f"{ROOT}_skus": skus}

    def framework(self, env: Env) -> None:
        for table in self._framework_tables(env).values():
            noop(table)

    def baseline(self, env: Env) -> None:
        for table in self._baseline_tables(env).values():
            noop(table)

    def verify(self, env: Env) -> None:
        framework, baseline = self._framework_tables(env), self._baseline_tables(env)
        if sorted(framework) != sorted(baseline):
            raise AssertionError(f"tables differ: {sorted(framework)} != {sorted(baseline)}")
        for name in framework:
            same_records(framework[name], baseline[name], f"{name}: ")


BENCHMARK = RelationalizeExplode()
