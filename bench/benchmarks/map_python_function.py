"""``DynamicFrame.map`` with a Python function on records, against the same function in a plain Python UDF.

Target: the framework at least 3x the rows per second of the row-at-a-time UDF, i.e. a time ratio
(framework / baseline) of at most 0.33.

The function parses ``total`` (a number, or a text such as ``"$12.50"`` in the last data file) into
a float and adds it to the record as ``amount``. The framework's frame is created once per data
size (its read inference is what ``json_read_inference`` measures); each timed run maps it
(``map`` runs the function in Arrow batches and infers the schema of what it returns: that pass is
part of ``map``'s cost and is timed) and evaluates the result with the ``noop`` writer. The baseline
reads with an explicit schema and applies the same function to each row as a plain (pickled,
row-at-a-time, not Arrow) ``pyspark.sql.functions.udf`` over a struct of the row's columns,
declaring the output schema, then evaluates with the ``noop`` writer. Both give every record the
same ``amount`` (checked after the warm-up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StructType

from ..core import Benchmark, Env, checksum, noop
from ..data import ORDERS_SCHEMA, inferred


def record_function() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The user's function. Defined inside a function so that Spark pickles it by value: the Python
    workers then need neither this module nor ``bench`` on their path."""

    def add_amount(rec: dict[str, Any]) -> dict[str, Any]:
        total = rec["total"]
        rec["amount"] = float(total.lstrip("$").replace(",", "")) if isinstance(total, str) else float(total)
        return rec

    return add_amount


class MapPythonFunction(Benchmark):
    name = "map_python_function"
    target = 0.33

    def _framework_result(self, env: Env) -> DataFrame:
        return self.once(env, lambda: inferred(env.spark, env.data)).map(record_function()).dataframe

    def _baseline_result(self, env: Env) -> DataFrame:
        df = env.spark.read.schema(ORDERS_SCHEMA).json(str(env.data))
        f = record_function()
        output = StructType.fromDDL(ORDERS_SCHEMA).add("amount", DoubleType())
        apply = F.udf(lambda row: f(row.asDict(recursive=True)), output, useArrow=False)
        return df.select(apply(F.struct(*df.columns)).alias("r")).select("r.*")

    def framework(self, env: Env) -> None:
        noop(self._framework_result(env))
        # map persists its results (so the function runs once per record) and nothing releases them;
        # drop them here, or every repetition's copy stays cached and crowds out the next ones.
        env.spark.catalog.clearCache()

    def baseline(self, env: Env) -> None:
        noop(self._baseline_result(env))

    def verify(self, env: Env) -> None:
        framework, baseline = self._framework_result(env), self._baseline_result(env)
        got, want = (checksum(df, ["order_id", "amount"]) for df in (framework, baseline))
        env.spark.catalog.clearCache()
        if got != want:
            raise AssertionError(f"(records, amounts) differ: framework {got}, baseline {want}")


BENCHMARK = MapPythonFunction()
