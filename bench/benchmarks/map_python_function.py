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

Two references, timed in the same repetitions and reported against the framework's time: the plain
loop (``map_python_function vs plain loop``: the function over the records already in memory as
Python dicts, loaded once per size, untimed: the floor, the cost of the function alone, on one
core) and the best hand-written Spark way for a user who knows the output schema
(``map_python_function vs mapInArrow``: read with the explicit schema, ``mapInArrow`` with
``to_pylist``, the function and ``from_pylist`` with the declared schema; target: the framework
within 1.5x of it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import DoubleType, StructType

from etl_framework import DynamicFrame

from ..core import Benchmark, Env, Reference, checksum, noop
from ..data import ORDERS_SCHEMA, inferred


def record_function() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The user's function. Defined inside a function so that Spark pickles it by value: the Python
    workers then need neither this module nor ``bench`` on their path."""

    def add_amount(rec: dict[str, Any]) -> dict[str, Any]:
        total = rec["total"]
        rec["amount"] = float(total.lstrip("$").replace(",", "")) if isinstance(total, str) else float(total)
        return rec

    return add_amount


def output_schema() -> StructType:
    """The records' schema with ``amount`` added, as the user declares it (parsed by the session)."""
    return StructType.fromDDL(ORDERS_SCHEMA).add("amount", DoubleType())


def arrow_function(schema: pa.Schema) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The hand-written ``mapInArrow`` function: each batch to dicts, the user's function, back to
    Arrow with the declared schema (pickled by value, as ``record_function``)."""
    f = record_function()

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield pa.RecordBatch.from_pylist([f(r) for r in batch.to_pylist()], schema=schema)

    return run


class MapPythonFunction(Benchmark):
    name = "map_python_function"
    target = 0.33

    def _prepared(self, env: Env) -> tuple[DynamicFrame, list[dict[str, Any]]]:
        """The inferred frame, and the records as Python dicts for the plain loop."""

        def build() -> tuple[DynamicFrame, list[dict[str, Any]]]:
            records = []
            for path in sorted(env.data.glob("*.jsonl")):
                with path.open() as lines:
                    records += [json.loads(line) for line in lines]
            return inferred(env.spark, env.data), records

        return self.once(env, build)

    def _framework_result(self, env: Env) -> DataFrame:
        return self._prepared(env)[0].map(record_function()).dataframe

    def _arrow_result(self, env: Env) -> DataFrame:
        df = env.spark.read.schema(ORDERS_SCHEMA).json(str(env.data))
        output = output_schema()
        return df.mapInArrow(arrow_function(to_arrow_schema(output)), output)

    def references(self) -> list[Reference]:
        return [
            Reference(f"{self.name} vs plain loop", self.plain_loop),
            Reference(f"{self.name} vs mapInArrow", lambda env: noop(self._arrow_result(env)), 1.5),
        ]

    def plain_loop(self, env: Env) -> None:
        f = record_function()
        for rec in self._prepared(env)[1]:
            f(rec)

    def _baseline_result(self, env: Env) -> DataFrame:
        df = env.spark.read.schema(ORDERS_SCHEMA).json(str(env.data))
        f = record_function()
        apply = F.udf(lambda row: f(row.asDict(recursive=True)), output_schema(), useArrow=False)
        return df.select(apply(F.struct(*df.columns)).alias("r")).select("r.*")

    def framework(self, env: Env) -> None:
        noop(self._framework_result(env))
        # map persists its results (so the function runs once per record) and nothing releases them;
        # drop them here, or every repetition's copy stays cached and crowds out the next ones.
        env.spark.catalog.clearCache()

    def baseline(self, env: Env) -> None:
        noop(self._baseline_result(env))

    def verify(self, env: Env) -> None:
        ways = [self._framework_result(env), self._baseline_result(env), self._arrow_result(env)]
        got, want, arrow = (checksum(df, ["order_id", "amount"]) for df in ways)
        env.spark.catalog.clearCache()
        if not got == want == arrow:
            raise AssertionError(f"(records, amounts) differ: framework {got}, baseline {want}, mapInArrow {arrow}")
        if len(self._prepared(env)[1]) != got[0]:
            raise AssertionError(f"the plain loop has {len(self._prepared(env)[1])} records, the framework {got[0]}")


BENCHMARK = MapPythonFunction()
