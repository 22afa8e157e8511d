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

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext
from etl_framework.transforms import EvaluateDataQuality

from ..core import Benchmark, Env
from ..data import CHANNELS, ORDERS_SCHEMA, STATUSES

_STATUSES, _CHANNELS = (", ".join(f"'{v}'" for v in values) for values in (STATUSES, CHANNELS))
RULES = [  # (DQDL rule, its metric, the same metric by hand in Spark SQL)
    ("RowCount > 0", "Dataset.*.RowCount", "count(1)"),
    ('IsComplete "order_id"', "Column.order_id.Completeness", "count(order_id) / count(1)"),
    ('IsComplete "status"', "Column.status.Completeness", "count(status) / count(1)"),
    ('Completeness "total" > 0.9', "Column.total.Completeness", "count(total) / count(1)"),
    ('Completeness "placed_at" >= 0.99', "Column.placed_at.Completeness", "count(placed_at) / count(1)"),
    ('Mean "total" > 10', "Column.total.Mean", "avg(total)"),
    ('Sum "total" > 0', "Column.total.Sum", "sum(total)"),
    ('StandardDeviation "total" > 0', "Column.total.StandardDeviation", "stddev_pop(total)"),
    ('Mean "order_id" > 0', "Column.order_id.Mean", "avg(order_id)"),
    ('Sum "order_id" > 0', "Column.order_id.Sum", "sum(order_id)"),
    ('StandardDeviation "order_id" > 0', "Column.order_id.StandardDeviation", "stddev_pop(order_id)"),
    ('DistinctValuesCount "status" = 5', "Column.status.DistinctValuesCount", "count(distinct status)"),
    ('DistinctValuesCount "channel" = 3', "Column.channel.DistinctValuesCount", "count(distinct channel)"),
    (
        'ColumnCorrelation "order_id" "total" between -1 and 1',
        "Multicolumn.order_id,total.ColumnCorrelation",
        "corr(order_id, total)",
    ),
    (
        'ColumnValues "status" in [' + ", ".join(f'"{s}"' for s in STATUSES) + "]",
        "Column.status.ColumnValues.Compliance",
        f"avg(if(status in ({_STATUSES}), 1, 0))",
    ),
    (
        'ColumnValues "channel" in [' + ", ".join(f'"{c}"' for c in CHANNELS) + "]",
        "Column.channel.ColumnValues.Compliance",
        f"avg(if(channel in ({_CHANNELS}), 1, 0))",
    ),
    ('ColumnValues "currency" = "USD"', "Column.currency.ColumnValues.Compliance", "avg(if(currency = 'USD', 1, 0))"),
    (
        'ColumnValues "placed_at" matches "2026-.*"',
        "Column.placed_at.PatternMatch",
        "avg(if(placed_at rlike '^(?:2026-.*)$', 1, 0))",
    ),
    ('ColumnLength "currency" = 3', "Column.currency.LengthCompliance", "avg(if(length(currency) = 3, 1, 0))"),
    ("RowCount > 1 where \"channel = 'web'\"", "Dataset.*.RowCount", "count(if(channel = 'web', 1, null))"),
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
        return list(self._orders(env)[1].agg(*[F.expr(sql) for _, _, sql in RULES]).first())

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
