"""The building blocks of DQDL rules on Spark: a ``Plan`` that gathers every aggregate of a ruleset
into one ``agg``, a ``Check`` per compiled rule, and the constraints as Python and as Spark SQL."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ..errors import EtlError
from .parser import BinOp, Call, Composite, Constraint, Duration, Keyword, Last, Now, Num, Rule, Str, Value

Metrics = dict[str, float | None]
INTERNAL = "_dq."  # a metric a rule decides on but does not report
History = Callable[[str], list[float]]  # metric name -> its stored values, oldest first


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
            return (None if ok else "\n".join(failed)), metrics  # one reason a line, as Glue joins them
        metrics = {name: (values[ref] if isinstance(ref, str) else ref) for name, ref in self.metrics.items()}
        reported = {k: v for k, v in metrics.items() if not k.startswith(INTERNAL)}
        return self.decide(metrics, history), reported


def filtered(where: Column | None, value: Column) -> Column:
    return value if where is None else F.when(where, value)


def rows(where: Column | None) -> Column:
    return F.count(filtered(where, F.lit(1)))


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


def predicate(value: Column, c: Constraint) -> Column:
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


def compliance(rule: Rule | Composite, plan: Plan, where: Column | None, passes: Column, name: str) -> Check:
    """A row-level rule: ``name`` is the share of (filtered) rows that pass; all must, or ``with threshold``."""
    ratio = plan.agg(F.try_divide(F.sum(filtered(where, F.when(passes, 1).otherwise(0))), rows(where)))
    threshold = rule.threshold if isinstance(rule, Rule) else None
    decide = metric_rule(name, threshold, equals=None if threshold else 1.0, share=True)
    return Check(rule.text, {name: ratio}, row=passes, where=where, decide=decide)
