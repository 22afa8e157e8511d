"""DQDL rules comparing the frame with other data (Glue's ``additional_data_sources``): RowCountMatch,
SchemaMatch, ReferentialIntegrity, AggregateMatch and DatasetMatch."""

from __future__ import annotations

import re
from decimal import Decimal

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..errors import EtlError
from ..types import quote
from .checks import INTERNAL, Check, History, Metrics, Plan, Sql, filtered, metric_rule, number, rows, share
from .parser import Rule


def _column(name: str) -> Column:
    return F.col(quote(name))


def source(rule: Rule, plan: Plan, alias: str) -> DataFrame:
    if alias not in plan.sources:
        given = ", ".join(sorted(plan.sources)) or "none"
        raise EtlError(
            f"DQDL: rule {rule.text!r}: no data source {alias!r} in additional_data_sources (given: {given})"
        )
    return plan.sources[alias]


def row_count_match(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    # the reference's count is a job of its own; the frame's count joins the one aggregation
    name, other = f"Dataset.{rule.args[0]}.RowCountMatch", source(rule, plan, rule.args[0]).count()
    ratio = plan.agg(f"try_divide({rows(where)}, {other})")
    return Check(rule.text, {name: ratio}, decide=metric_rule(name, rule.constraint))


def schema_match(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    name, other = f"Dataset.{rule.args[0]}.SchemaMatch", source(rule, plan, rule.args[0])
    mine = [(c, t) for c, t in plan.df.dtypes if c in plan.columns]
    missing = sorted(set(other.dtypes) ^ set(mine))
    reason = f"Columns differ (name, type): {missing}" if missing else None

    def decide(m: Metrics, h: History) -> str | None:
        failed = metric_rule(name, rule.constraint)(m, h)
        return (reason or failed) if failed else None

    return Check(rule.text, {name: 0.0 if missing else 1.0}, decide=decide)


def referential_integrity(rule: Rule, plan: Plan, where: Sql | None) -> Check:
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
    keys = plan.df.select(*[_column(m).alias(f"_k{i}") for i, m in enumerate(mine)]).dropna()
    found = (
        other.select(*[_column(t).alias(f"_k{i}") for i, t in enumerate(theirs)])
        .distinct()
        .withColumn("_found", F.lit(1))
    )
    row = (
        keys.join(found, [f"_k{i}" for i in range(len(mine))], "left")
        .agg(F.try_divide(F.count("_found"), F.count(F.lit(1))))
        .first()
    )
    name = f"Column.{alias}.ReferentialIntegrity"
    return Check(
        rule.text, {name: None if row[0] is None else float(row[0])}, decide=metric_rule(name, rule.constraint)
    )


_AGGREGATE = re.compile(r"\s*(sum|avg|count|min|max)\s*\(\s*(.+?)\s*\)\s*", re.IGNORECASE)
_AGGREGATES = ("sum", "avg", "count", "min", "max")


def _aggregate(rule: Rule, plan: Plan, arg: str) -> tuple[str, str | None, str]:
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
    return match[1].lower(), alias or None, name


def aggregate_match(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    # the frame's aggregate over the other's; a data source's aggregate is a job of its own
    (fa, sa, ca), (fb, sb, cb) = (_aggregate(rule, plan, arg) for arg in rule.args)
    if sa is not None:
        raise EtlError(f"DQDL: rule {rule.text!r}: the first aggregate is the frame's, not {sa!r}'s")
    if sb:
        theirs = _number(rule, sb, plan.sources[sb].selectExpr(f"{fb}({quote(cb)})").first()[0])
    else:
        theirs = f"{fb}({filtered(where, quote(cb))})"
    ratio = plan.agg(f"try_divide({fa}({filtered(where, quote(ca))}), {theirs})")
    name = f"Column.{ca}.AggregateMatch" if ca == cb else f"Column.{ca},{cb}.AggregateMatch"
    return Check(rule.text, {name: ratio}, decide=metric_rule(name, rule.constraint))


def _mapping(rule: Rule, text: str) -> list[tuple[str, str]]:
    """``"id->ref_id,day"``: (the frame's column, the reference's column) pairs."""
    pairs = []
    for item in text.split(","):
        mine, _, theirs = item.partition("->")
        pairs.append((mine.strip(), (theirs or mine).strip()))
    if not all(mine and theirs for mine, theirs in pairs):
        raise EtlError(
            f'DQDL: rule {rule.text!r}: expected column mappings such as "id" or "id->ref_id,day", got {text!r}'
        )
    return pairs


def dataset_match(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    # "reference" "keys" ["columns"]: the share of the frame's records whose key is in the reference
    # with equal values in the compared columns (nulls equal). The reference is joined onto the frame
    # (its keys unique: checked first, as a job of its own), so the share joins the one aggregation.
    if len(rule.args) > 3:
        raise EtlError(f'DQDL: rule {rule.text!r}: expected DatasetMatch "reference" "keys" ["columns"] <expression>')
    alias, name = rule.args[0], f"Dataset.{rule.args[0]}.DatasetMatch"
    other = source(rule, plan, alias)
    keys = _mapping(rule, rule.args[1])
    key_columns = {mine for mine, _ in keys}
    compared = (
        _mapping(rule, rule.args[2]) if len(rule.args) > 2 else [(c, c) for c in plan.columns if c not in key_columns]
    )
    missing = [m for m, _ in keys + compared if m not in plan.columns]
    missing += [f"{alias}.{t}" for _, t in keys + compared if t not in other.columns]
    if missing:
        reason = f"Column {missing[0]!r} does not exist"
        return Check(rule.text, decide=lambda m, h: reason)
    theirs = F.count_distinct(*[_column(t) for _, t in keys])
    total, distinct = other.agg(F.count(F.lit(1)), theirs).first()
    if total != distinct:
        reason = f"{NOT_A_KEY}: the key is null or repeated in {total - distinct} of the {total} records of {alias!r}"
        return Check(rule.text, decide=lambda m, h: reason)
    n = len(plan.aggs)
    found, same = f"_dq_dm{n}_found", f"_dq_dm{n}_same"
    renamed = {t: f"_dq_dm{n}_{i}" for i, (_, t) in enumerate(keys + compared)}
    reference = other.select(*[_column(t).alias(a) for t, a in renamed.items()], F.lit(True).alias(found))
    on = [_column(m) == F.col(renamed[t]) for m, t in keys]
    joined = plan.df.join(reference, on, "left")
    equal = [_column(m).eqNullSafe(F.col(renamed[t])) for m, t in compared]
    matched = F.coalesce(F.col(found), F.lit(False))
    for condition in equal:
        matched = matched & condition
    plan.df = joined.withColumn(same, matched).drop(*renamed.values(), found)
    row = quote(same)
    mine = f"count(DISTINCT {', '.join(filtered(where, quote(m)) for m, _ in keys)})"
    not_key = plan.agg(f"{rows(where)} - {mine}")  # records whose key is null or repeated
    ratio = plan.agg(share(where, row))
    judge = metric_rule(name, rule.constraint)

    def decide(m: Metrics, h: History) -> str | None:
        if m.get(INTERNAL + "not_key"):
            return f"{NOT_A_KEY}: the key is null or repeated in {int(m[INTERNAL + 'not_key'])} records of the frame"
        return judge(m, h)

    metrics: dict[str, str | float | None] = {name: ratio, INTERNAL + "not_key": not_key}
    return Check(rule.text, metrics, row=row, where=where, decide=decide)


def _number(rule: Rule, alias: str, value: object) -> Sql:
    """A data source's aggregate as SQL text of the type ``F.lit`` would give it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise EtlError(f"DQDL: rule {rule.text!r}: the aggregate of {alias!r} is not a number: {value!r}")
    if isinstance(value, float):
        return number(value)
    return f"{value:f}BD" if isinstance(value, Decimal) else str(value)


NOT_A_KEY = "Provided key map not suitable for given data frames"  # Glue's message
