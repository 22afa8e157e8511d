"""DQDL rules comparing the frame with other data (Glue's ``additional_data_sources``): RowCountMatch,
SchemaMatch, ReferentialIntegrity and AggregateMatch."""

from __future__ import annotations

import re
from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..errors import EtlError
from .checks import Check, History, Metrics, Plan, col, filtered, metric_rule, rows
from .parser import Rule


def source(rule: Rule, plan: Plan, alias: str) -> DataFrame:
    if alias not in plan.sources:
        given = ", ".join(sorted(plan.sources)) or "none"
        raise EtlError(
            f"DQDL: rule {rule.text!r}: no data source {alias!r} in additional_data_sources (given: {given})"
        )
    return plan.sources[alias]


def row_count_match(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # the reference's count is a job of its own; the frame's count joins the one aggregation
    name, other = "Dataset.*.RowCountMatch", source(rule, plan, rule.args[0]).count()
    ratio = plan.agg(F.try_divide(rows(where), F.lit(other)))
    return Check(rule.text, {name: ratio}, decide=metric_rule(name, rule.constraint))


def schema_match(rule: Rule, plan: Plan, where: Column | None) -> Check:
    name, other = "Dataset.*.SchemaMatch", source(rule, plan, rule.args[0])
    mine = [(c, t) for c, t in plan.df.dtypes if c in plan.columns]
    missing = sorted(set(other.dtypes) ^ set(mine))
    reason = f"Columns differ (name, type): {missing}" if missing else None

    def decide(m: Metrics, h: History) -> str | None:
        failed = metric_rule(name, rule.constraint)(m, h)
        return (reason or failed) if failed else None

    return Check(rule.text, {name: 0.0 if missing else 1.0}, decide=decide)


def referential_integrity(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # "c1,c2" "reference.{r1,r2}": the share of the frame's (non-null) keys found in the reference
    mine = [c.strip() for c in rule.args[0].split(",")]
    alias, _, theirs_text = rule.args[1].partition(".")
    theirs = [c.strip() for c in theirs_text.strip("{}").split(",")]
    if len(mine) != len(theirs) or not theirs_text:
        raise EtlError(f'DQDL: rule {rule.text!r}: expected "col1,col2" "reference.{{col1,col2}}" with as many columns')
    other = source(rule, plan, alias)
    unknown = [m for m in mine if m not in plan.columns] + [f"{alias}.{t}" for t in theirs if t not in other.columns]
    if unknown:
        raise EtlError(f"DQDL: rule {rule.text!r}: no column {unknown[0]!r}")
    keys = plan.df.select(*[col(m).alias(f"_k{i}") for i, m in enumerate(mine)]).dropna()
    found = (
        other.select(*[col(t).alias(f"_k{i}") for i, t in enumerate(theirs)]).distinct().withColumn("_found", F.lit(1))
    )
    row = (
        keys.join(found, [f"_k{i}" for i in range(len(mine))], "left")
        .agg(F.try_divide(F.count("_found"), F.count(F.lit(1))))
        .first()
    )
    name = f"Column.{rule.args[1]}.ReferentialIntegrity"
    return Check(
        rule.text, {name: None if row[0] is None else float(row[0])}, decide=metric_rule(name, rule.constraint)
    )


_AGGREGATE = re.compile(r"\s*(sum|avg|count|min|max)\s*\(\s*(.+?)\s*\)\s*", re.IGNORECASE)
_AGGREGATES = {"sum": F.sum, "avg": F.avg, "count": F.count, "min": F.min, "max": F.max}


def _aggregate(rule: Rule, plan: Plan, arg: str) -> tuple[Callable[[Column], Column], str | None, str]:
    """``"sum(total)"`` or ``"sum(reference.total)"``: (the function, the data source or None, the column)."""
    match = _AGGREGATE.fullmatch(arg)
    if match is None:
        raise EtlError(f'DQDL: rule {rule.text!r}: expected an aggregate such as "sum(col)", got {arg!r}')
    alias, _, name = match[2].partition(".")
    if alias not in plan.sources:  # a column of the frame (its name may hold a dot)
        alias, name = "", match[2]
    columns = source(rule, plan, alias).columns if alias else plan.columns
    if name not in columns:
        raise EtlError(f"DQDL: rule {rule.text!r}: no column {match[2]!r}")
    return _AGGREGATES[match[1].lower()], alias or None, name


def aggregate_match(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # the frame's aggregate over the other's; a data source's aggregate is a job of its own
    (fa, sa, ca), (fb, sb, cb) = (_aggregate(rule, plan, arg) for arg in rule.args)
    if sa is not None:
        raise EtlError(f"DQDL: rule {rule.text!r}: the first aggregate is the frame's, not {sa!r}'s")
    theirs = F.lit(plan.sources[sb].agg(fb(col(cb))).first()[0]) if sb else fb(filtered(where, col(cb)))
    ratio = plan.agg(F.try_divide(fa(filtered(where, col(ca))), theirs))
    name = f"Column.{ca}.AggregateMatch" if ca == cb else f"Column.{ca},{cb}.AggregateMatch"
    return Check(rule.text, {name: ratio}, decide=metric_rule(name, rule.constraint))
