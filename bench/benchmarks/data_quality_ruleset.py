"""A 20-rule DQDL ruleset evaluated with ``EvaluateDataQuality``, against the same checks written by
hand as one ``df.agg``.

Issue 23's target: every aggregate metric of a ruleset comes from one Spark aggregation, so the
evaluation costs at most 1.2x the aggregation a user would write. The orders are staged once per data
size as Parquet (``total`` as a number), untimed. Each timed framework run parses the ruleset,
compiles its rules and evaluates them on a DynamicFrame over the staged files (the rule outcomes
collected; no profile, so nothing is stored); the baseline computes the same 20 metrics over the same
files with one hand-written ``agg`` and ``first()``. After the warm-up both must give the same values.
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext
from etl_framework.transforms import EvaluateDataQuality

from ..core import Benchmark, Env
from ..data import CHANNELS, ORDERS_SCHEMA, STATUSES

RULES = [  # (DQDL rule, its metric, the same metric by hand)
    ("RowCount > 0", "Dataset.*.RowCount", F.count(F.lit(1))),
    ('IsComplete "order_id"', "Column.order_id.Completeness", F.count("order_id") / F.count(F.lit(1))),
    ('IsComplete "status"', "Column.status.Completeness", F.count("status") / F.count(F.lit(1))),
    ('Completeness "total" > 0.9', "Column.total.Completeness", F.count("total") / F.count(F.lit(1))),
    ('Completeness "placed_at" >= 0.99', "Column.placed_at.Completeness", F.count("placed_at") / F.count(F.lit(1))),
    ('Mean "total" > 10', "Column.total.Mean", F.avg("total")),
    ('Sum "total" > 0', "Column.total.Sum", F.sum("total")),
    ('StandardDeviation "total" > 0', "Column.total.StandardDeviation", F.stddev_pop("total")),
    ('Mean "order_id" > 0', "Column.order_id.Mean", F.avg("order_id")),
    ('Sum "order_id" > 0', "Column.order_id.Sum", F.sum("order_id")),
    ('StandardDeviation "order_id" > 0', "Column.order_id.StandardDeviation", F.stddev_pop("order_id")),
    ('DistinctValuesCount "status" = 5', "Column.status.DistinctValuesCount", F.count_distinct("status")),
    ('DistinctValuesCount "channel" = 3', "Column.channel.DistinctValuesCount", F.count_distinct("channel")),
    (
        'ColumnCorrelation "order_id" "total" between -1 and 1',
        "Multicolumn.order_id,total.ColumnCorrelation",
        F.corr("order_id", "total"),
    ),
    (
        'ColumnValues "status" in [' + ", ".join(f'"{s}"' for s in STATUSES) + "]",
        "Column.status.ColumnValues.Compliance",
        F.avg(F.when(F.col("status").isin(*STATUSES), 1).otherwise(0)),
    ),
    (
        'ColumnValues "channel" in [' + ", ".join(f'"{c}"' for c in CHANNELS) + "]",
        "Column.channel.ColumnValues.Compliance",
        F.avg(F.when(F.col("channel").isin(*CHANNELS), 1).otherwise(0)),
    ),
    (
        'ColumnValues "currency" = "USD"',
        "Column.currency.ColumnValues.Compliance",
        F.avg(F.when(F.col("currency") == "USD", 1).otherwise(0)),
    ),
    (
        'ColumnValues "placed_at" matches "2026-.*"',
        "Column.placed_at.PatternMatch",
        F.avg(F.when(F.col("placed_at").rlike("^(?:2026-.*)$"), 1).otherwise(0)),
    ),
    (
        'ColumnLength "currency" = 3',
        "Column.currency.LengthCompliance",
        F.avg(F.when(F.length("currency") == 3, 1).otherwise(0)),
    ),
    ("RowCount > 1 where \"channel = 'web'\"", "Dataset.*.RowCount", F.count(F.when(F.col("channel") == "web", 1))),
]
RULESET = "Rules = [ " + ", ".join(rule for rule, _, _ in RULES) + " ]"


class DataQualityRuleset(Benchmark):
    name = "data_quality_ruleset"
    target = 1.2

    def _orders(self, env: Env) -> tuple[EtlContext, DataFrame]:
        def stage() -> tuple[EtlContext, str]:
            path = str(env.work / "orders.parquet")
            orders = env.spark.read.schema(ORDERS_SCHEMA).json(str(env.data))
            total = F.regexp_replace("total", r"[$,]", "").cast("double")
            orders.withColumn("total", total).drop("customer", "items").write.parquet(path)
            return EtlContext(env.spark), path

        ctx, path = self.once(env, stage)
        return ctx, env.spark.read.parquet(path)

    def _evaluated(self, env: Env) -> list[dict[str, float]]:
        ctx, orders = self._orders(env)
        outcome = EvaluateDataQuality.apply(frame=DynamicFrame.fromDF(orders, ctx, "orders"), ruleset=RULESET)
        return [dict(r.EvaluatedMetrics) for r in outcome.toDF().collect()]

    def _by_hand(self, env: Env) -> list[float]:
        columns: list[Column] = [expression.alias(f"m{i}") for i, (_, _, expression) in enumerate(RULES)]
        return list(self._orders(env)[1].agg(*columns).first())

    def framework(self, env: Env) -> None:
        self._evaluated(env)

    def baseline(self, env: Env) -> None:
        self._by_hand(env)

    def verify(self, env: Env) -> None:
        evaluated, by_hand = self._evaluated(env), self._by_hand(env)
        for (rule, metric, _), metrics, value in zip(RULES, evaluated, by_hand, strict=True):
            if not math.isclose(metrics[metric], float(value), rel_tol=1e-9):
                raise AssertionError(f"{rule}: {metric} is {metrics[metric]} evaluated, {value} by hand")


BENCHMARK = DataQualityRuleset()
