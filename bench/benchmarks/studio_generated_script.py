"""A visual job run from its graph (``etl run x.glue.json``: the script generated in memory), against
the Glue script a user would write by hand for the same job.

Issue 24's expectation is a ratio of 1.00: the generated script makes the same Glue calls, so Spark
runs the same plan. Both ways read the orders export (JSON lines), change its schema (ApplyMapping:
five fields kept, ``placed_at`` also cast to a date) and write Parquet partitioned by ``channel``,
each through ``run_job`` with the same profile, so the run's own bookkeeping is in both. After the
warm-up both outputs must hold the same records.
"""

from __future__ import annotations

import json
from pathlib import Path

from etl_framework.config import load_profile
from etl_framework.runtime.launcher import run_job

from ..core import Benchmark, Env, same_records

MAPPING = [  # (from, from type, to, to type), as Glue Studio's Change Schema node lists them
    ("order_id", "long", "order_id", "long"),
    ("placed_at", "string", "placed_at", "string"),
    ("placed_at", "string", "order_date", "date"),
    ("status", "string", "status", "string"),
    ("total", "string", "total", "string"),
    ("channel", "string", "channel", "string"),
]

HAND_WRITTEN = """import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "target"])
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
orders = glue_context.create_dynamic_frame.from_options(
    connection_type="s3", format="json", connection_options={{"paths": [args["source"]], "recurse": True}}
)
changed = ApplyMapping.apply(frame=orders, mappings={mapping!r})
glue_context.write_dynamic_frame.from_options(
    frame=changed, connection_type="s3", format="parquet",
    connection_options={{"path": args["target"], "partitionKeys": ["channel"]}},
)
job.commit()
"""


def graph(source: Path, target: Path) -> dict:
    """The same job as Glue Studio's job graph (``CodeGenConfigurationNodes``)."""
    mapping = [{"FromPath": [a], "FromType": at, "ToKey": b, "ToType": bt} for a, at, b, bt in MAPPING]
    return {
        "CodeGenConfigurationNodes": {
            "node-1": {"S3JsonSource": {"Name": "Orders", "Paths": [str(source)], "Recurse": True}},
            "node-2": {"ApplyMapping": {"Name": "Change Schema", "Inputs": ["node-1"], "Mapping": mapping}},
            "node-3": {
                "S3DirectTarget": {
                    "Name": "Parquet",
                    "Inputs": ["node-2"],
                    "Path": str(target),
                    "Format": "parquet",
                    "PartitionKeys": [["channel"]],
                }
            },
        }
    }


class StudioGeneratedScript(Benchmark):
    name = "studio_generated_script"
    target = 1.05

    def _run(self, env: Env, job: Path, argv: list[str]) -> None:
        profile = load_profile("local", sets=[f"state_dir={env.work}/state", f"warehouse_dir={env.work}/wh"])
        record = run_job(str(job), ["--JOB_NAME", job.stem, *argv], profile)
        if record.status != "SUCCEEDED":
            raise RuntimeError(f"{job}: {record.error}")

    def framework(self, env: Env) -> None:
        job = env.work / "orders_visual.glue.json"
        job.write_text(json.dumps(graph(env.data, env.work / "generated")))
        self._run(env, job, [])

    def baseline(self, env: Env) -> None:
        job = env.work / "orders_by_hand.py"
        job.write_text(HAND_WRITTEN.format(mapping=MAPPING))
        self._run(env, job, ["--source", str(env.data), "--target", str(env.work / "by_hand")])

    def verify(self, env: Env) -> None:
        read = env.spark.read.parquet
        same_records(read(str(env.work / "generated")), read(str(env.work / "by_hand")))


BENCHMARK = StudioGeneratedScript()
