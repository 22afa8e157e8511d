"""The building blocks of DQDL rules on Spark: a ``Plan`` that gathers every aggregate of a ruleset
into one aggregation, a ``Check`` per compiled rule, and the constraints as Python and as Spark SQL.

Rules are compiled to Spark SQL text, and the plan sends each of its expressions to Spark once:
built as Columns, every function, operator and literal of 20 rules was a py4j round trip of its
own (some 1,500 per evaluation, a third of a small evaluation's time).

>>> predicate(col("total"), Constraint(">", [Num(10.0)]))
"coalesce(((`total` > CAST('10.0' AS DOUBLE)) AND (`total` IS NOT NULL)), false)"
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..errors import EtlError
from ..types import literal, quote
from .parser import BinOp, Call, Composite, Constraint, Duration, Keyword, Last, Now, Num, Rule, Str, Value

Metrics = dict[str, float | None]
INTERNAL = "_dq."  # a metric a rule decides on but does not report
History = Callable[[str], list[float]]  # metric name -> its stored values, oldest first
Sql = str  # a Spark SQL expression


def col(name: str) -> Sql:
    """A column by its exact name (dots and backticks in it are not paths)."""
    return quote(name)


def number(value: float) -> Sql:
    """A double literal, as ``F.lit`` of a float makes it (``nan`` and ``inf`` too)."""
    return f"CAST('{value!r}' AS DOUBLE)"


class Plan:
    """The frame with the window counts rules need, and the aggregates of one aggregation over it."""

    def __init__(self, df: DataFrame, row_composites: bool = False, sources: dict[str, DataFrame] | None = None):
        self.df = df
        self.sources = sources or {}  # Glue's additional_data_sources, by alias
        self.columns = list(df.columns)  # the frame's own columns (the window counts come after)
        self.row_composites = row_composites  # Glue's compositeRuleEvaluation.method ROW
        self.aggs: dict[str, Sql] = {}
        self._freqs: dict[tuple[tuple[str, ...], str | None], str] = {}

    def agg(self, expression: Sql) -> str:
        alias = f"_dq_m{len(self.aggs)}"
        self.aggs[alias] = expression
        return alias

    def freq(self, names: tuple[str, ...], where: Sql | None, key: str | None) -> Sql:
        """How many (filtered, non-null) rows share this row's value of ``names``; null elsewhere."""
        if (names, key) not in self._freqs:
            alias = f"_dq_f{len(self._freqs)}"
            kept = [f"coalesce({where}, false)"] if where is not None else []
            keep = " AND ".join(kept + [f"{col(n)} IS NOT NULL" for n in names]) or "true"
            over = ", ".join(col(n) for n in names)
            counted = f"count(CASE WHEN {keep} THEN 1 END) OVER (PARTITION BY {over})"
            self.df = self.df.withColumn(alias, F.expr(f"CASE WHEN {keep} THEN {counted} END"))
            self._freqs[(names, key)] = alias
        return col(self._freqs[(names, key)])

    def run(self) -> dict[str, float | None]:
        if not self.aggs:
            return {}
        row = self.df.selectExpr(*[f"{e} AS {a}" for a, e in self.aggs.items()]).first()
        return {k: (None if v is None else float(v)) for k, v in row.asDict().items()}


@dataclass
class Check:
    """A compiled rule: metrics (reported name -> aggregate alias or a value), row-level pass condition."""

    text: str
    metrics: dict[str, str | float | None] = field(default_factory=dict)
    row: Sql | None = None  # true when a record passes; rows outside ``where`` are skipped
    where: Sql | None = None
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
            return (None if ok else "\n".join(failed)), metrics  # one reason a line, as Glue joins them
        metrics = {name: (values[ref] if isinstance(ref, str) else ref) for name, ref in self.metrics.items()}
        reported = {k: v for k, v in metrics.items() if not k.startswith(INTERNAL)}
        return self.decide(metrics, history), reported


def filtered(where: Sql | None, value: Sql) -> Sql:
    return value if where is None else f"CASE WHEN {where} THEN {value} END"


def rows(where: Sql | None) -> Sql:
    return f"count({filtered(where, '1')})"


def share(where: Sql | None, passes: Sql) -> Sql:
    """The share of the (filtered) rows for which ``passes`` holds."""
    return f"try_divide(sum({filtered(where, f'CASE WHEN {passes} THEN 1 ELSE 0 END')}), {rows(where)})"


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
            values, i = series(value.args[0], history, metric), int(resolve(value.args[1], history, metric))
            return values[-1 - i] if -len(values) <= -1 - i < 0 else math.nan
        values = series(value.args[0], history, metric)
        if value.name == "avg":
            return sum(values) / len(values)
        if value.name == "std":
            mean = sum(values) / len(values)
            return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        return {"min": min, "max": max, "sum": sum}[value.name](values)
    if isinstance(value, Last):
        return series(value, history, metric)[-1]
    raise EtlError(f"DQDL: {value!r} is not a number here")


def series(value: Value, history: History, metric: str) -> list[float]:
    if not isinstance(value, Last):
        raise EtlError(f"DQDL: expected last(k) inside a function, got {value!r}")
    values = history(metric)[-value.k :]
    if not values:
        raise NoHistory(metric)
    return values


class NoHistory(Exception):
    """A dynamic rule's metric has no stored values yet (the first evaluation of its context)."""


def holds(c: Constraint, value: float, history: History, metric: str) -> bool:
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


def metric_rule(name: str, constraint: Constraint | None = None, *, equals: float | None = None, share: bool = False):
    """Decide on metric ``name``: its constraint holds (or it equals ``equals``); ``share``: the
    metric is the share of rows that passed, and the reason says so."""

    def decide(m: Metrics, h: History) -> str | None:
        value = m.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return f"{name} could not be computed: no rows to evaluate"
        try:
            ok = value == equals if constraint is None else holds(constraint, value, h, name)
        except NoHistory:
            return f"Value: {fmt(value)}: no earlier values of {name} stored for this job and context to compare with"
        if ok:
            return None
        if share:
            return f"{value * 100:.2f} % of rows passed the threshold"
        return f"Value: {fmt(value)} does not meet the constraint requirement!"

    return decide


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(value, 6))


def predicate(value: Sql, c: Constraint) -> Sql:
    """A row-level constraint on ``value``; a null value fails unless the constraint names NULL."""

    def lit(v: Value) -> Sql:
        if isinstance(v, Num):
            return number(v.value)
        if isinstance(v, Str):
            return literal(v.value)
        if isinstance(v, Now):
            return f"(current_timestamp() + make_interval(0, 0, 0, 0, 0, 0, {number(v.offset_seconds)}))"
        if isinstance(v, Duration):
            return number(v.seconds)
        raise EtlError(f"DQDL: {v!r} cannot be compared with single values (dynamic rules use aggregate metrics)")

    def equal(v: Value) -> Sql:
        if isinstance(v, Keyword):
            text = f"CAST({value} AS STRING)"
            return {
                "NULL": f"({value} IS NULL)",
                "EMPTY": f"({text} = '')",
                "WHITESPACES_ONLY": f"((length({text}) > 0) AND (trim({text}) = ''))",
            }[v.name]
        return f"({value} = {lit(v)})"

    if c.op == "in":
        out = "(" + " OR ".join(equal(v) for v in c.values) + ")"
    elif c.op == "between":
        out = f"(({value} > {lit(c.values[0])}) AND ({value} < {lit(c.values[1])}))"
    elif c.op == "matches":
        pattern = c.values[0].value if isinstance(c.values[0], Str) else ""
        # the whole value matches, as in Glue
        out = f"(CAST({value} AS STRING) RLIKE {literal(f'^(?:{pattern})$')})"
    elif isinstance(c.values[0], Keyword):
        out = equal(c.values[0]) if c.op == "=" else f"(NOT {equal(c.values[0])})"
    else:
        op = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "="}.get(c.op, "!=")
        out = f"({value} {op} {lit(c.values[0])})"
    out = f"(NOT {out})" if c.negated else out
    if any(isinstance(v, Keyword) and v.name == "NULL" for v in c.values):
        return f"coalesce({out}, false)"
    return f"coalesce(({out} AND ({value} IS NOT NULL)), false)"


def compliance(rule: Rule | Composite, plan: Plan, where: Sql | None, passes: Sql, name: str) -> Check:
    """A row-level rule: ``name`` is the share of (filtered) rows that pass; all must, or ``with threshold``."""
    ratio = plan.agg(share(where, passes))
    threshold = rule.threshold if isinstance(rule, Rule) else None
    decide = metric_rule(name, threshold, equals=None if threshold else 1.0, share=True)
    return Check(rule.text, {name: ratio}, row=passes, where=where, decide=decide)
