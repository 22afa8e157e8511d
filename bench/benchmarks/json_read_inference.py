"""Reading JSON with choice inference against Spark's own JSON inference."""

from __future__ import annotations

from etl_framework import EtlContext

from ..core import Benchmark, Env, noop


class JsonReadInference(Benchmark):
    name = "json_read_inference"
    target = 1.5

    def framework(self, env: Env) -> None:
        frame = EtlContext(env.spark).create_dynamic_frame.from_options("file", {"paths": [str(env.data)]}, "json")
        noop(frame.dataframe)

    def baseline(self, env: Env) -> None:
        noop(env.spark.read.json(str(env.data)))


BENCHMARK = JsonReadInference()
