"""Each DQDL rule type as Spark SQL: aggregate columns for its metrics, a row-level condition where the
rule judges single records, and the decision on the metrics.

Every rule adds its aggregates to one ``Plan``, so a ruleset's metrics come from one ``df.agg``;
rules on value frequencies (Uniqueness, Entropy, ...) add a window count to the frame first.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ..errors import EtlError
from .parser import BinOp, Call, Composite, Constraint, Duration, Keyword, Last, Now, Num, Rule, Str, Value

Metrics = dict[str, float | None]
History = Callable[[str], list[float]]  # metric name -> its stored values, oldest first
# Rule types that need Glue's service or data sources not given here.
SERVICE_RULES = {
    "DetectAnomalies": "its anomaly model is trained by the AWS Glue Data Quality service",
}
NOT_YET = ("DatasetMatch",)
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


def col(name: str) -> Column:
    """A column by its exact name (dots and backticks in it are not paths)."""
    return F.col("`" + name.replace("`", "``") + "`")


class Plan:
    """The frame with the window counts rules need, and the aggregates of one ``agg`` over it."""

    def __init__(self, df: DataFrame, row_composites: bool = False, sources: dict[str, DataFrame] | None = None):
        self.df = df
        self.sources = sources or {}  # Glue's additional_data_sources, by alias
        self.columns = list(df.columns)  # the frame's own columns (the window counts come after)
        self.row_composites = row_composites  # Glue's compositeRuleEvaluation.method ROW
        self.aggs: dict[str, Column] = {}
        self._freqs: dict[tuple[tuple[str, ...], str | None], str] = {}

    def agg(self, column: Column) -> str:
        alias = f"_dq_m{len(self.aggs)}"
        self.aggs[alias] = column.alias(alias)
        return alias

    def freq(self, names: tuple[str, ...], where: Column | None, key: str | None) -> Column:
        """How many (filtered, non-null) rows share this row's value of ``names``; null elsewhere."""
        if (names, key) not in self._freqs:
            alias = f"_dq_f{len(self._freqs)}"
            keep = F.lit(True) if where is None else F.coalesce(where, F.lit(False))
            for name in names:
                keep = keep & col(name).isNotNull()
            counted = F.count(F.when(keep, 1)).over(Window.partitionBy(*[col(n) for n in names]))
            self.df = self.df.withColumn(alias, F.when(keep, counted))
            self._freqs[(names, key)] = alias
        return F.col(self._freqs[(names, key)])

    def run(self) -> dict[str, float | None]:
        if not self.aggs:
            return {}
        row = self.df.agg(*self.aggs.values()).first()
        return {k: (None if v is None else float(v)) for k, v in row.asDict().items()}


@dataclass
class Check:
    """A compiled rule: metrics (reported name -> aggregate alias or a value), row-level pass condition."""

    text: str
    metrics: dict[str, str | float | None] = field(default_factory=dict)
    row: Column | None = None  # true when a record passes; rows outside ``where`` are skipped
    where: Column | None = None
    decide: Callable[[Metrics, History], str | None] = lambda m, h: None  # None: passed, else the reason
    parts: list[Check] = field(default_factory=list)
    op: str | None = None

    def outcome(self, values: dict[str, float | None], history: History) -> tuple[str | None, Metrics]:
        """(the failure reason or None, the reported metrics)."""
        if self.op is not None:
            results = [p.outcome(values, history) for p in self.parts]
            metrics = {k: v for _, m in results for k, v in m.items()}
            failed = [r for r, _ in results if r is not None]
            ok = not failed if self.op == "and" else len(failed) < len(results)
            return (None if ok else "; ".join(failed)), metrics
        metrics = {name: (values[ref] if isinstance(ref, str) else ref) for name, ref in self.metrics.items()}
        return self.decide(metrics, history), metrics


def compile_rule(rule: Rule | Composite, plan: Plan) -> Check:
    if isinstance(rule, Composite):
        parts = [compile_rule(p, plan) for p in rule.parts]
        row = None
        if all(p.row is not None and p.where is None for p in parts):  # row-level when every part is
            row = parts[0].row
            for p in parts[1:]:
                row = (row & p.row) if rule.op == "and" else (row | p.row)
        if row is not None and plan.row_composites:  # judged record by record, as one row-level rule
            return _compliance(rule, plan, None, row, f"Composite.{rule.text}.Compliance")
        return Check(rule.text, row=row, parts=parts, op=rule.op)
    if rule.type in SERVICE_RULES:
        raise EtlError(f"DQDL: rule {rule.text!r}: {rule.type} is not available here: {SERVICE_RULES[rule.type]}")
    if rule.type in NOT_YET:
        raise EtlError(f"DQDL: rule {rule.text!r}: {rule.type} is not supported yet")
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
            where = F.expr(rule.where)
            plan.df.select(where)  # analysed now, so a bad condition names its rule
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


# --- helpers ---------------------------------------------------------------------------------------
def _filtered(where: Column | None, value: Column) -> Column:
    return value if where is None else F.when(where, value)


def _rows(where: Column | None) -> Column:
    return F.count(_filtered(where, F.lit(1)))


def resolve(value: Value, history: History, metric: str) -> float:
    """A value of a metric constraint as a number; dynamic expressions read the metric's history."""
    if isinstance(value, Num):
        return value.value
    if isinstance(value, Duration):
        return value.seconds
    if isinstance(value, BinOp):
        a, b = resolve(value.left, history, metric), resolve(value.right, history, metric)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else math.nan}[value.op]
    if isinstance(value, Call):
        if value.name == "index":
            values, i = _series(value.args[0], history, metric), int(resolve(value.args[1], history, metric))
            return values[-1 - i] if -len(values) <= -1 - i < 0 else math.nan
        values = _series(value.args[0], history, metric)
        if value.name == "avg":
            return sum(values) / len(values)
        if value.name == "std":
            mean = sum(values) / len(values)
            return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        return {"min": min, "max": max, "sum": sum}[value.name](values)
    if isinstance(value, Last):
        return _series(value, history, metric)[-1]
    raise EtlError(f"DQDL: {value!r} is not a number here")


def _series(value: Value, history: History, metric: str) -> list[float]:
    if not isinstance(value, Last):
        raise EtlError(f"DQDL: expected last(k) inside a function, got {value!r}")
    values = history(metric)[-value.k :]
    if not values:
        raise NoHistory(metric)
    return values


class NoHistory(Exception):
    """A dynamic rule's metric has no stored values yet (the first evaluation of its context)."""


def _holds(c: Constraint, value: float, history: History, metric: str) -> bool:
    nums = [resolve(v, history, metric) for v in c.values]
    if c.op == "between":
        ok = nums[0] < value < nums[1]  # DQDL's between excludes its bounds
    elif c.op == "in":
        ok = value in nums
    else:
        ok = {">": value > nums[0], ">=": value >= nums[0], "<": value < nums[0], "<=": value <= nums[0]}.get(
            c.op, value == nums[0] if c.op == "=" else value != nums[0]
        )
    return ok != c.negated


def _metric_rule(name: str, constraint: Constraint | None = None, *, equals: float | None = None, share: bool = False):
    """Decide on metric ``name``: its constraint holds (or it equals ``equals``); ``share``: the
    metric is the share of rows that passed, and the reason says so."""

    def decide(m: Metrics, h: History) -> str | None:
        value = m.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return f"{name} could not be computed: no rows to evaluate"
        try:
            ok = value == equals if constraint is None else _holds(constraint, value, h, name)
        except NoHistory:
            return f"Value: {_fmt(value)}: no earlier values of {name} stored for this job and context to compare with"
        if ok:
            return None
        if share:
            return f"{value * 100:.2f} % of rows passed the threshold"
        return f"Value: {_fmt(value)} does not meet the constraint requirement!"

    return decide


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(value, 6))


def _predicate(value: Column, c: Constraint) -> Column:
    """A row-level constraint on ``value``; a null value fails unless the constraint names NULL."""

    def lit(v: Value) -> Column:
        if isinstance(v, Num):
            return F.lit(v.value)
        if isinstance(v, Str):
            return F.lit(v.value)
        if isinstance(v, Now):
            return F.current_timestamp() + F.make_interval(secs=F.lit(v.offset_seconds))
        if isinstance(v, Duration):
            return F.lit(v.seconds)
        raise EtlError(f"DQDL: {v!r} cannot be compared with single values (dynamic rules use aggregate metrics)")

    def equal(v: Value) -> Column:
        if isinstance(v, Keyword):
            return {
                "NULL": value.isNull(),
                "EMPTY": value.cast("string") == "",
                "WHITESPACES_ONLY": (F.length(value.cast("string")) > 0) & (F.trim(value.cast("string")) == ""),
            }[v.name]
        return value == lit(v)

    if c.op == "in":
        out = equal(c.values[0])
        for v in c.values[1:]:
            out = out | equal(v)
    elif c.op == "between":
        out = (value > lit(c.values[0])) & (value < lit(c.values[1]))
    elif c.op == "matches":
        pattern = c.values[0].value if isinstance(c.values[0], Str) else ""
        out = value.cast("string").rlike(f"^(?:{pattern})$")  # the whole value matches, as in Glue
    elif isinstance(c.values[0], Keyword):
        out = equal(c.values[0]) if c.op == "=" else ~equal(c.values[0])
    else:
        other = lit(c.values[0])
        out = {">": value > other, ">=": value >= other, "<": value < other, "<=": value <= other}.get(
            c.op, (value == other) if c.op == "=" else (value != other)
        )
    out = ~out if c.negated else out
    if any(isinstance(v, Keyword) and v.name == "NULL" for v in c.values):
        return F.coalesce(out, F.lit(False))
    return F.coalesce(out & value.isNotNull(), F.lit(False))


def _compliance(rule: Rule | Composite, plan: Plan, where: Column | None, passes: Column, name: str) -> Check:
    """A row-level rule: ``name`` is the share of (filtered) rows that pass; all must, or ``with threshold``."""
    ratio = plan.agg(F.try_divide(F.sum(_filtered(where, F.when(passes, 1).otherwise(0))), _rows(where)))
    threshold = rule.threshold if isinstance(rule, Rule) else None
    decide = _metric_rule(name, threshold, equals=None if threshold else 1.0, share=True)
    return Check(rule.text, {name: ratio}, row=passes, where=where, decide=decide)


# --- the rule types --------------------------------------------------------------------------------
def _row_count(rule: Rule, plan: Plan, where: Column | None) -> Check:
    name = "Dataset.*.RowCount"
    return Check(rule.text, {name: plan.agg(_rows(where))}, decide=_metric_rule(name, rule.constraint))


def _column_count(rule: Rule, plan: Plan, where: Column | None) -> Check:
    name = "Dataset.*.ColumnCount"
    columns = float(len(plan.columns))
    return Check(rule.text, {name: columns}, decide=_metric_rule(name, rule.constraint))


def _column_exists(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # reached only when the column exists (compile_rule fails the rule otherwise)
    return Check(rule.text)


def _names_match(rule: Rule, plan: Plan, where: Column | None) -> Check:
    name, names = "Dataset.*.ColumnNamesPatternMatchRatio", plan.columns
    pattern = re.compile(rule.args[0])
    ratio = sum(1 for c in names if pattern.fullmatch(c)) / len(names) if names else None
    misses = [c for c in names if not pattern.fullmatch(c)]

    def decide(m: Metrics, h: History) -> str | None:
        return f"Columns not matching {rule.args[0]!r}: {', '.join(misses)}" if misses else None

    return Check(rule.text, {name: ratio}, decide=decide)


def _completeness(rule: Rule, plan: Plan, where: Column | None) -> Check:
    c, name = rule.args[0], f"Column.{rule.args[0]}.Completeness"
    ratio = plan.agg(F.try_divide(F.count(_filtered(where, col(c))), _rows(where)))
    equals = 1.0 if rule.type == "IsComplete" else None
    return Check(
        rule.text,
        {name: ratio},
        row=col(c).isNotNull(),
        where=where,
        decide=_metric_rule(name, rule.constraint, equals=equals),
    )


def _uniqueness(rule: Rule, plan: Plan, where: Column | None) -> Check:
    names = tuple(rule.args)
    label = ",".join(names)
    freq = plan.freq(names, where, rule.where)
    unique = plan.agg(F.try_divide(F.count(F.when(freq == 1, 1)), _rows(where)))
    row = F.coalesce(freq == 1, F.lit(False))
    metrics: dict[str, str | float | None] = {f"Column.{label}.Uniqueness": unique}
    if rule.type == "Uniqueness":
        return Check(
            rule.text, metrics, row=row, where=where, decide=_metric_rule(f"Column.{label}.Uniqueness", rule.constraint)
        )
    decide = _metric_rule(f"Column.{label}.Uniqueness", equals=1.0)
    if rule.type == "IsPrimaryKey":  # unique and complete: a null key is not unique (freq is null)
        complete = F.count(_filtered(where, F.when(reduce(operator.and_, [col(n).isNotNull() for n in names]), 1)))
        metrics[f"Column.{label}.Completeness"] = plan.agg(F.try_divide(complete, _rows(where)))
    return Check(rule.text, metrics, row=row, where=where, decide=decide)


def _unique_value_ratio(rule: Rule, plan: Plan, where: Column | None) -> Check:
    c, name = rule.args[0], f"Column.{rule.args[0]}.UniqueValueRatio"
    freq = plan.freq((c,), where, rule.where)
    ratio = plan.agg(F.try_divide(F.count(F.when(freq == 1, 1)), F.count_distinct(_filtered(where, col(c)))))
    return Check(rule.text, {name: ratio}, decide=_metric_rule(name, rule.constraint))


def _distinct_values(rule: Rule, plan: Plan, where: Column | None) -> Check:
    c, name = rule.args[0], f"Column.{rule.args[0]}.DistinctValuesCount"
    return Check(
        rule.text,
        {name: plan.agg(F.count_distinct(_filtered(where, col(c))))},
        decide=_metric_rule(name, rule.constraint),
    )


def _entropy(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # Entropy over value frequencies p = freq/n: -sum_values p ln p, as a sum over rows = ln n - sum_rows ln(freq) / n.
    c, name = rule.args[0], f"Column.{rule.args[0]}.Entropy"
    freq = plan.freq((c,), where, rule.where)
    n = F.count(freq)
    entropy = plan.agg(F.log(n) - F.try_divide(F.sum(F.log(freq)), n))
    return Check(rule.text, {name: entropy}, decide=_metric_rule(name, rule.constraint))


def _statistic(function: Callable[[Column], Column], metric: str):
    def build(rule: Rule, plan: Plan, where: Column | None) -> Check:
        name = f"Column.{rule.args[0]}.{metric}"
        value = plan.agg(function(_filtered(where, col(rule.args[0]).cast("double"))))
        return Check(rule.text, {name: value}, decide=_metric_rule(name, rule.constraint))

    return build


def _correlation(rule: Rule, plan: Plan, where: Column | None) -> Check:
    a, b = rule.args
    name = f"Multicolumn.{a},{b}.ColumnCorrelation"
    value = plan.agg(F.corr(_filtered(where, col(a).cast("double")), _filtered(where, col(b).cast("double"))))
    return Check(rule.text, {name: value}, decide=_metric_rule(name, rule.constraint))


def _column_values(rule: Rule, plan: Plan, where: Column | None) -> Check:
    c = rule.args[0]
    assert rule.constraint is not None
    check = _compliance(rule, plan, where, _predicate(col(c), rule.constraint), f"Column.{c}.ColumnValues.Compliance")
    if rule.constraint.op not in ("in", "matches") and dict(plan.df.dtypes)[c] not in ("string", "boolean"):
        check.metrics[f"Column.{c}.Maximum"] = plan.agg(F.max(_filtered(where, col(c))).cast("double"))
        check.metrics[f"Column.{c}.Minimum"] = plan.agg(F.min(_filtered(where, col(c))).cast("double"))
    return check


def _column_length(rule: Rule, plan: Plan, where: Column | None) -> Check:
    c = rule.args[0]
    assert rule.constraint is not None
    length = F.length(col(c).cast("string"))
    check = _compliance(rule, plan, where, _predicate(length, rule.constraint), f"Column.{c}.ColumnLength.Compliance")
    check.metrics[f"Column.{c}.MaximumLength"] = plan.agg(F.max(_filtered(where, length)))
    check.metrics[f"Column.{c}.MinimumLength"] = plan.agg(F.min(_filtered(where, length)))
    return check


def _data_freshness(rule: Rule, plan: Plan, where: Column | None) -> Check:
    c = rule.args[0]
    assert rule.constraint is not None
    if not all(isinstance(v, Duration) for v in rule.constraint.values):
        raise EtlError(f"DQDL: rule {rule.text!r}: expected a duration with its unit (24 hours, 3 days, 30 minutes)")
    age = F.unix_timestamp(F.current_timestamp()) - F.unix_timestamp(col(c).cast("timestamp"))
    return _compliance(rule, plan, where, _predicate(age, rule.constraint), f"Column.{c}.DataFreshness.Compliance")


def _data_type(rule: Rule, plan: Plan, where: Column | None) -> Check:
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
    fits = F.lit(False)
    for v in c_.values:
        assert isinstance(v, Str)
        fits = fits | F.expr(f"try_cast(`{c.replace('`', '``')}` as {DATA_TYPES[v.value.upper()]})").isNotNull()
    passes = col(c).isNull() | fits
    ratio = plan.agg(F.try_divide(F.sum(_filtered(where, F.when(passes, 1).otherwise(0))), _rows(where)))
    name = f"Column.{c}.ColumnDataType.Compliance"
    decide = _metric_rule(name, rule.threshold, equals=None if rule.threshold else 1.0)
    return Check(rule.text, {name: ratio}, decide=decide)


def _custom_sql(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # A query of its own (it may join or group): the frame is the view "primary", as in Glue.
    name, spark = "Dataset.*.CustomSQL", plan.df.sparkSession
    plan.df.select(*[col(c) for c in plan.columns]).createOrReplaceTempView("primary")
    try:
        rows = spark.sql(rule.args[0]).collect()
    except Exception as exc:  # Spark parse and analysis errors alike
        first = str(exc).strip().splitlines()[0]
        raise EtlError(f"DQDL: rule {rule.text!r}: the query is not valid SQL: {first}") from exc
    finally:
        spark.catalog.dropTempView("primary")
    if len(rows) != 1 or len(rows[0]) != 1 or not isinstance(rows[0][0], (int, float)):
        raise EtlError(f"DQDL: rule {rule.text!r}: the query must return one number, got {rows[:3]!r}")
    return Check(rule.text, {name: float(rows[0][0])}, decide=_metric_rule(name, rule.constraint))


def _source(rule: Rule, plan: Plan, alias: str) -> DataFrame:
    if alias not in plan.sources:
        given = ", ".join(sorted(plan.sources)) or "none"
        raise EtlError(
            f"DQDL: rule {rule.text!r}: no data source {alias!r} in additional_data_sources (given: {given})"
        )
    return plan.sources[alias]


def _row_count_match(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # the reference's count is a job of its own; the frame's count joins the one aggregation
    name, other = "Dataset.*.RowCountMatch", _source(rule, plan, rule.args[0]).count()
    ratio = plan.agg(F.try_divide(_rows(where), F.lit(other)))
    return Check(rule.text, {name: ratio}, decide=_metric_rule(name, rule.constraint))


def _schema_match(rule: Rule, plan: Plan, where: Column | None) -> Check:
    name, other = "Dataset.*.SchemaMatch", _source(rule, plan, rule.args[0])
    mine = [(c, t) for c, t in plan.df.dtypes if c in plan.columns]
    missing = sorted(set(other.dtypes) ^ set(mine))
    reason = f"Columns differ (name, type): {missing}" if missing else None

    def decide(m: Metrics, h: History) -> str | None:
        failed = _metric_rule(name, rule.constraint)(m, h)
        return (reason or failed) if failed else None

    return Check(rule.text, {name: 0.0 if missing else 1.0}, decide=decide)


def _referential_integrity(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # "c1,c2" "reference.{r1,r2}": the share of the frame's (non-null) keys found in the reference
    mine = [c.strip() for c in rule.args[0].split(",")]
    alias, _, theirs_text = rule.args[1].partition(".")
    theirs = [c.strip() for c in theirs_text.strip("{}").split(",")]
    if len(mine) != len(theirs) or not theirs_text:
        raise EtlError(f'DQDL: rule {rule.text!r}: expected "col1,col2" "reference.{{col1,col2}}" with as many columns')
    other = _source(rule, plan, alias)
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
        rule.text, {name: None if row[0] is None else float(row[0])}, decide=_metric_rule(name, rule.constraint)
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
    columns = _source(rule, plan, alias).columns if alias else plan.columns
    if name not in columns:
        raise EtlError(f"DQDL: rule {rule.text!r}: no column {match[2]!r}")
    return _AGGREGATES[match[1].lower()], alias or None, name


def _aggregate_match(rule: Rule, plan: Plan, where: Column | None) -> Check:
    # the frame's aggregate over the other's; a data source's aggregate is a job of its own
    (fa, sa, ca), (fb, sb, cb) = (_aggregate(rule, plan, arg) for arg in rule.args)
    if sa is not None:
        raise EtlError(f"DQDL: rule {rule.text!r}: the first aggregate is the frame's, not {sa!r}'s")
    theirs = F.lit(plan.sources[sb].agg(fb(col(cb))).first()[0]) if sb else fb(_filtered(where, col(cb)))
    ratio = plan.agg(F.try_divide(fa(_filtered(where, col(ca))), theirs))
    name = f"Column.{ca}.AggregateMatch" if ca == cb else f"Column.{ca},{cb}.AggregateMatch"
    return Check(rule.text, {name: ratio}, decide=_metric_rule(name, rule.constraint))


# type -> builder; _SPECS: (quoted arguments (negative: at least), needs an expression, how many of the
# arguments are columns (None: all))
_RULES: dict[str, Callable[[Rule, Plan, Column | None], Check]] = {
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
    "Mean": _statistic(F.avg, "Mean"),
    "Sum": _statistic(F.sum, "Sum"),
    "StandardDeviation": _statistic(F.stddev_pop, "StandardDeviation"),
    "ColumnCorrelation": _correlation,
    "CustomSql": _custom_sql,
    "DataFreshness": _data_freshness,
    "RowCountMatch": _row_count_match,
    "SchemaMatch": _schema_match,
    "ReferentialIntegrity": _referential_integrity,
    "AggregateMatch": _aggregate_match,
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
}
