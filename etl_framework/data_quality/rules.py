"""Each DQDL rule type as Spark SQL: aggregate columns for its metrics, a row-level condition where the
rule judges single records, and the decision on the metrics.

Every rule adds its aggregates to one ``Plan`` (``checks``), so a ruleset's metrics come from one
``df.agg``; rules on value frequencies (Uniqueness, Entropy, ...) add a window count to the frame
first. The rules on other data sources are in ``references``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from pyspark.sql import functions as F

from ..errors import EtlError
from .checks import Check, History, Metrics, Plan, Sql, col, compliance, filtered, metric_rule, predicate, rows, share
from .parser import BinOp, Call, Composite, Duration, Last, Num, Rule, Str
from .references import aggregate_match, dataset_match, referential_integrity, row_count_match, schema_match

# Rule types that need Glue's service.
SERVICE_RULES = {
    "DetectAnomalies": "its anomaly model is trained by the AWS Glue Data Quality service",
}
DATA_TYPES = {
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "INTEGER": "int",
    "LONG": "bigint",
    "FLOAT": "float",
    "DOUBLE": "double",
    "DECIMAL": "decimal(38,18)",
    "STRING": "string",
}


def compile_rule(rule: Rule | Composite, plan: Plan) -> Check:
    if isinstance(rule, Composite):
        parts = [compile_rule(p, plan) for p in rule.parts]
        row = None
        if all(p.row is not None and p.where is None for p in parts):  # row-level when every part is
            row = "(" + f" {rule.op.upper()} ".join(str(p.row) for p in parts) + ")"
        if row is not None and plan.row_composites:  # judged record by record, as one row-level rule
            return compliance(rule, plan, None, row, f"Composite.{rule.text}.Compliance")
        return Check(rule.text, row=row, parts=parts, op=rule.op)
    if rule.type in SERVICE_RULES:
        raise EtlError(f"DQDL: rule {rule.text!r}: {rule.type} is not available here: {SERVICE_RULES[rule.type]}")
    build = _RULES.get(rule.type)
    if build is None:
        raise EtlError(
            f"DQDL: rule {rule.text!r}: unknown rule type {rule.type!r} (known: {', '.join(sorted(_RULES))})"
        )
    spec = _SPECS[rule.type]
    if len(rule.args) != spec[0] and not (spec[0] < 0 and len(rule.args) >= -spec[0]):
        want = f"at least {-spec[0]}" if spec[0] < 0 else str(spec[0])
        raise EtlError(f"DQDL: rule {rule.text!r}: {rule.type} takes {want} quoted argument(s), got {len(rule.args)}")
    if spec[1] and rule.constraint is None:
        raise EtlError(f"DQDL: rule {rule.text!r}: {rule.type} needs an expression such as '> 0.9'")
    if not spec[1] and rule.constraint is not None:
        raise EtlError(f"DQDL: rule {rule.text!r}: {rule.type} takes no expression")
    missing = [a for a in rule.args[: spec[2]] if a not in plan.columns]
    if missing:
        reason = f'Column "{missing[0]}" does not exist (columns: {", ".join(plan.columns)})'
        return Check(rule.text, decide=lambda m, h: reason)
    where = None
    if rule.where is not None:
        try:
            where = f"({rule.where})"
            plan.df.select(F.expr(where))  # analysed now, so a bad condition names its rule
        except Exception as exc:  # Spark parse and analysis errors alike
            first = str(exc).strip().splitlines()[0]
            raise EtlError(f"DQDL: rule {rule.text!r}: where clause {rule.where!r} is not valid SQL: {first}") from exc
    for c in (rule.threshold, None if rule.type in _VALUE_RULES else rule.constraint):
        if c is not None and not all(isinstance(v, (Num, Duration, BinOp, Call, Last)) for v in c.values):
            raise EtlError(f"DQDL: rule {rule.text!r}: expected a number in {c.op!r}, not a string or keyword")
    try:
        return build(rule, plan, where)
    except EtlError as exc:
        if str(exc).startswith("DQDL: rule "):
            raise
        raise EtlError(f"DQDL: rule {rule.text!r}: {str(exc).removeprefix('DQDL: ')}") from exc


# --- the rule types --------------------------------------------------------------------------------
def _row_count(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    name = "Dataset.*.RowCount"
    return Check(rule.text, {name: plan.agg(rows(where))}, decide=metric_rule(name, rule.constraint))


def _column_count(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    name = "Dataset.*.ColumnCount"
    columns = float(len(plan.columns))
    return Check(rule.text, {name: columns}, decide=metric_rule(name, rule.constraint))


def _column_exists(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    # reached only when the column exists (compile_rule fails the rule otherwise)
    return Check(rule.text)


def _names_match(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    name, names = "Dataset.*.ColumnNamesPatternMatchRatio", plan.columns
    pattern = re.compile(rule.args[0])
    ratio = sum(1 for c in names if pattern.fullmatch(c)) / len(names) if names else None
    misses = [c for c in names if not pattern.fullmatch(c)]

    def decide(m: Metrics, h: History) -> str | None:
        return f"Columns not matching {rule.args[0]!r}: {', '.join(misses)}" if misses else None

    return Check(rule.text, {name: ratio}, decide=decide)


def _completeness(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    c, name = rule.args[0], f"Column.{rule.args[0]}.Completeness"
    ratio = plan.agg(f"try_divide(count({filtered(where, col(c))}), {rows(where)})")
    equals = 1.0 if rule.type == "IsComplete" else None
    return Check(
        rule.text,
        {name: ratio},
        row=f"({col(c)} IS NOT NULL)",
        where=where,
        decide=metric_rule(name, rule.constraint, equals=equals),
    )


def _uniqueness(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    names = tuple(rule.args)
    label = ",".join(names)
    freq = plan.freq(names, where, rule.where)
    unique = plan.agg(f"try_divide(count(CASE WHEN {freq} = 1 THEN 1 END), {rows(where)})")
    row = f"coalesce({freq} = 1, false)"
    metrics: dict[str, str | float | None] = {f"Column.{label}.Uniqueness": unique}
    if rule.type == "Uniqueness":
        return Check(
            rule.text, metrics, row=row, where=where, decide=metric_rule(f"Column.{label}.Uniqueness", rule.constraint)
        )
    decide = metric_rule(f"Column.{label}.Uniqueness", equals=1.0)
    if rule.type == "IsPrimaryKey":  # unique and complete: a null key is not unique (freq is null)
        keys = " AND ".join(f"{col(n)} IS NOT NULL" for n in names)
        complete = f"count({filtered(where, f'CASE WHEN {keys} THEN 1 END')})"
        metrics[f"Column.{label}.Completeness"] = plan.agg(f"try_divide({complete}, {rows(where)})")
    return Check(rule.text, metrics, row=row, where=where, decide=decide)


def _unique_value_ratio(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    c, name = rule.args[0], f"Column.{rule.args[0]}.UniqueValueRatio"
    freq = plan.freq((c,), where, rule.where)
    unique = f"count(CASE WHEN {freq} = 1 THEN 1 END)"
    ratio = plan.agg(f"try_divide({unique}, count(DISTINCT {filtered(where, col(c))}))")
    return Check(rule.text, {name: ratio}, decide=metric_rule(name, rule.constraint))


def _distinct_values(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    c, name = rule.args[0], f"Column.{rule.args[0]}.DistinctValuesCount"
    return Check(
        rule.text,
        {name: plan.agg(f"count(DISTINCT {filtered(where, col(c))})")},
        decide=metric_rule(name, rule.constraint),
    )


def _entropy(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    # Entropy over value frequencies p = freq/n: -sum_values p ln p, as a sum over rows = ln n - sum_rows ln(freq) / n.
    c, name = rule.args[0], f"Column.{rule.args[0]}.Entropy"
    freq = plan.freq((c,), where, rule.where)
    n = f"count({freq})"
    entropy = plan.agg(f"ln({n}) - try_divide(sum(ln({freq})), {n})")
    return Check(rule.text, {name: entropy}, decide=metric_rule(name, rule.constraint))


def _statistic(function: str, metric: str):
    def build(rule: Rule, plan: Plan, where: Sql | None) -> Check:
        name = f"Column.{rule.args[0]}.{metric}"
        value = plan.agg(f"{function}({filtered(where, f'CAST({col(rule.args[0])} AS DOUBLE)')})")
        return Check(rule.text, {name: value}, decide=metric_rule(name, rule.constraint))

    return build


def _correlation(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    a, b = rule.args
    name = f"Multicolumn.{a},{b}.ColumnCorrelation"
    a_, b_ = (filtered(where, f"CAST({col(c)} AS DOUBLE)") for c in (a, b))
    value = plan.agg(f"corr({a_}, {b_})")
    return Check(rule.text, {name: value}, decide=metric_rule(name, rule.constraint))


def _column_values(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    c = rule.args[0]
    assert rule.constraint is not None
    metric = "PatternMatch" if rule.constraint.op == "matches" else "ColumnValues.Compliance"  # Glue's names
    check = compliance(rule, plan, where, predicate(col(c), rule.constraint), f"Column.{c}.{metric}")
    if rule.constraint.op not in ("in", "matches") and dict(plan.df.dtypes)[c] not in ("string", "boolean"):
        check.metrics[f"Column.{c}.Maximum"] = plan.agg(f"CAST(max({filtered(where, col(c))}) AS DOUBLE)")
        check.metrics[f"Column.{c}.Minimum"] = plan.agg(f"CAST(min({filtered(where, col(c))}) AS DOUBLE)")
    return check


def _column_length(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    c = rule.args[0]
    assert rule.constraint is not None
    length = f"length(CAST({col(c)} AS STRING))"
    check = compliance(rule, plan, where, predicate(length, rule.constraint), f"Column.{c}.LengthCompliance")
    check.metrics[f"Column.{c}.MaximumLength"] = plan.agg(f"max({filtered(where, length)})")
    check.metrics[f"Column.{c}.MinimumLength"] = plan.agg(f"min({filtered(where, length)})")
    return check


def _data_freshness(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    c = rule.args[0]
    assert rule.constraint is not None
    if not all(isinstance(v, Duration) for v in rule.constraint.values):
        raise EtlError(f"DQDL: rule {rule.text!r}: expected a duration with its unit (24 hours, 3 days, 30 minutes)")
    age = f"(unix_timestamp(current_timestamp()) - unix_timestamp(CAST({col(c)} AS TIMESTAMP)))"
    return compliance(rule, plan, where, predicate(age, rule.constraint), f"Column.{c}.DataFreshness.Compliance")


def _data_type(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    c = rule.args[0]
    c_ = rule.constraint
    if (
        c_ is None
        or c_.op not in ("=", "in")
        or not all(isinstance(v, Str) and v.value.upper() in DATA_TYPES for v in c_.values)
    ):
        raise EtlError(
            f'DQDL: rule {rule.text!r}: expected = "TYPE" or in ["TYPE", ...], TYPE one of {", ".join(DATA_TYPES)}'
        )
    types = [DATA_TYPES[v.value.upper()] for v in c_.values if isinstance(v, Str)]
    fits = " OR ".join(f"(try_cast({col(c)} AS {t}) IS NOT NULL)" for t in types)
    ratio = plan.agg(share(where, f"({col(c)} IS NULL OR {fits})"))
    name = f"Column.{c}.ColumnDataType.Compliance"
    decide = metric_rule(name, rule.threshold, equals=None if rule.threshold else 1.0)
    return Check(rule.text, {name: ratio}, decide=decide)


def _custom_sql(rule: Rule, plan: Plan, where: Sql | None) -> Check:
    # A query of its own (it may join or group) in which the frame is "primary", as in Glue: a CTE of
    # that name over a view only this evaluation knows, so a user's own view "primary" stays as it is.
    name, spark = "Dataset.*.CustomSQL", plan.df.sparkSession
    view = f"_dq_primary_{uuid.uuid4().hex}"
    plan.df.selectExpr(*[col(c) for c in plan.columns]).createOrReplaceTempView(view)
    query = rule.args[0].strip().rstrip(";")
    try:
        rows = spark.sql(f"WITH primary AS (SELECT * FROM {view}) SELECT * FROM (\n{query}\n)").collect()
    except Exception as exc:  # Spark parse and analysis errors alike
        first = str(exc).strip().splitlines()[0]
        raise EtlError(f"DQDL: rule {rule.text!r}: the query is not valid SQL: {first}") from exc
    finally:
        spark.catalog.dropTempView(view)
    if len(rows) != 1 or len(rows[0]) != 1 or not isinstance(rows[0][0], (int, float)):
        raise EtlError(f"DQDL: rule {rule.text!r}: the query must return one number, got {rows[:3]!r}")
    return Check(rule.text, {name: float(rows[0][0])}, decide=metric_rule(name, rule.constraint))


# type -> builder; _SPECS: (quoted arguments (negative: at least), needs an expression, how many of the
# arguments are columns (None: all))
_RULES: dict[str, Callable[[Rule, Plan, Sql | None], Check]] = {
    "RowCount": _row_count,
    "ColumnCount": _column_count,
    "ColumnExists": _column_exists,
    "ColumnNamesMatchPattern": _names_match,
    "ColumnDataType": _data_type,
    "ColumnLength": _column_length,
    "ColumnValues": _column_values,
    "Completeness": _completeness,
    "IsComplete": _completeness,
    "Uniqueness": _uniqueness,
    "IsUnique": _uniqueness,
    "IsPrimaryKey": _uniqueness,
    "UniqueValueRatio": _unique_value_ratio,
    "DistinctValuesCount": _distinct_values,
    "Entropy": _entropy,
    "Mean": _statistic("avg", "Mean"),
    "Sum": _statistic("sum", "Sum"),
    "StandardDeviation": _statistic("stddev_pop", "StandardDeviation"),
    "ColumnCorrelation": _correlation,
    "CustomSql": _custom_sql,
    "DataFreshness": _data_freshness,
    "RowCountMatch": row_count_match,
    "SchemaMatch": schema_match,
    "ReferentialIntegrity": referential_integrity,
    "AggregateMatch": aggregate_match,
    "DatasetMatch": dataset_match,
}
_COLUMN = (1, True, 1)
_VALUE_RULES = ("ColumnValues", "ColumnDataType")  # constraints on values, not numbers
_SPECS: dict[str, tuple[int, bool, int | None]] = {
    "RowCount": (0, True, 0),
    "ColumnCount": (0, True, 0),
    "ColumnExists": (1, False, 1),
    "ColumnNamesMatchPattern": (1, False, 0),
    "IsComplete": (1, False, 1),
    "IsUnique": (1, False, 1),
    "IsPrimaryKey": (-1, False, None),
    "ColumnCorrelation": (2, True, 2),
    "CustomSql": (1, True, 0),
    **{t: _COLUMN for t in ("ColumnDataType", "ColumnLength", "ColumnValues", "Completeness", "Uniqueness")},
    **{t: _COLUMN for t in ("UniqueValueRatio", "DistinctValuesCount", "Entropy", "Mean", "Sum", "StandardDeviation")},
    "DataFreshness": _COLUMN,
    "RowCountMatch": (1, True, 0),
    "SchemaMatch": (1, True, 0),
    "ReferentialIntegrity": (2, True, 0),
    "AggregateMatch": (2, True, 0),
    "DatasetMatch": (-2, True, 0),
}
