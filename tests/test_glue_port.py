"""Glue scripts on etl_framework: AWS's resolveChoice walkthrough (medicare data) ported by changing
imports, and a script in Glue Studio's generated shape run as written."""

import json
import site
import textwrap
from pathlib import Path

from etl_framework import EtlContext
from etl_framework.config import load_profile
from etl_framework.runtime.launcher import run_job

from .conftest import ROOT, needs_package, run_etl, set_args

DRG = "039 - EXTRACRANIAL PROCEDURES W/O CC/MCC"
MEDICARE = (
    "\n".join(
        [
            "DRG Definition,Provider Id,Provider Name,Provider City,Total Discharges,Average Covered Charges,"
            "Average Total Payments",
            f"{DRG},10001,SOUTHEAST ALABAMA MEDICAL CENTER,DOTHAN,91,$32963.07,$5777.24",
            f"{DRG},10005,MARSHALL MEDICAL CENTER SOUTH,BOAZ,14,$15131.85,$5787.57",
            f"{DRG},10006,ELIZA COFFEE MEMORIAL HOSPITAL,FLORENCE,24,$37560.37,$5434.95",
            '"039 - EXTRACRANIAL PROCEDURES, ""MINOR""",10011,ST VINCENT\'S EAST,BIRMINGHAM,25,$13998.28,$5417.56',
            f"{DRG},AB123,UNKNOWN HOSPITAL,MOBILE,18,$31633.27,$5658.33",
            f"{DRG},10016,SHELBY BAPTIST MEDICAL CENTER,ALABASTER,not-a-row",
            f"{DRG},CD456,ANOTHER UNKNOWN,DOTHAN,9,$24000.00,$5000.00",
        ]
    )
    + "\n"
)

# The walkthrough's script; only the two import lines differ from the AWS Glue original.
SCRIPT = """
import sys
from pyspark.context import SparkContext
from etl_framework import GlueContext, getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "target"])
glueContext = GlueContext(SparkContext.getOrCreate())

medicare = glueContext.create_dynamic_frame.from_options(
    "s3", {"paths": [args["source"]]}, "csv", {"withHeader": True}, transformation_ctx="medicare")
medicare.printSchema()
medicare_res = medicare.resolveChoice(specs=[("Provider Id", "cast:long")])
medicare_res.printSchema()
mapped = medicare_res.apply_mapping([
    ("DRG Definition", "string", "drg", "string"),
    ("Provider Id", "long", "provider.id", "long"),
    ("Provider Name", "string", "provider.name", "string"),
    ("Provider City", "string", "provider.city", "string"),
    ("Total Discharges", "long", "discharges", "long"),
    ("Average Covered Charges", "string", "charges.covered", "string"),
], totalThreshold=5)
glueContext.write_dynamic_frame.from_options(
    frame=mapped, connection_type="s3", connection_options={"path": args["target"]}, format="parquet")
print("errors:", medicare.errorsCount())
"""


def test_walkthrough_script_gives_glue_schemas_values_and_error_count(spark_session, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "medicare.csv").write_text(MEDICARE)
    job = tmp_path / "medicare_job.py"
    job.write_text(textwrap.dedent(SCRIPT))
    profile = load_profile("local", sets=[f"warehouse_dir={tmp_path}/wh", f"state_dir={tmp_path}/state"])
    out = tmp_path / "out"
    record = run_job(
        str(job),
        ["--JOB_NAME", "medicare", "--source", str(tmp_path / "in"), "--target", str(out)],
        profile,
    )
    assert record.status == "SUCCEEDED", record.error

    printed = capsys.readouterr().out
    before, after = printed.split("root\n")[1:3]
    assert "|-- Provider Id: choice\n|    |-- long\n|    |-- string\n" in before
    assert "|-- Total Discharges: long\n" in before
    assert "|-- Average Covered Charges: string\n" in before  # money strings stay strings
    assert "|-- Provider Id: long\n" in after
    assert "errors: 1" in printed  # the short row
    assert "read=7 written=6 errors=1" in printed and "dq_rules" not in printed  # the run summary: no rulesets

    rows = spark_session.read.parquet(str(out)).collect()
    by_name = {r.provider.name: r for r in rows}
    assert by_name["SOUTHEAST ALABAMA MEDICAL CENTER"].provider.id == 10001
    assert by_name["UNKNOWN HOSPITAL"].provider.id is None  # 'AB123' cannot be cast: null, as in Glue
    assert by_name["ST VINCENT'S EAST"].drg == '039 - EXTRACRANIAL PROCEDURES, "MINOR"'
    assert by_name["MARSHALL MEDICAL CENTER SOUTH"].charges.covered == "$15131.85"
    assert len(rows) == 6


# Glue Studio's shape: tests/glue_scripts/glue_studio_job.py, run as written with its inputs as arguments.
STUDIO_JOB = ROOT / "tests" / "glue_scripts" / "glue_studio_job.py"
STUDIO_TABLE = ("default", "studio_customer_totals")  # the script's setCatalogInfo


def studio_inputs(tmp_path) -> list[str]:
    """Two order exports (CSV and JSON lines, a lower-case name the Filter node drops, an empty
    ``note`` column the DropNullFields node drops) and a customer list; the job's arguments."""
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "orders.csv").write_text("order_id,customer,amount,note\n1,Ann,10.5,\n2,Bob,4.0,\n3,ann,2.5,\n")
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "orders.jsonl").write_text(
        '{"order_id": 4, "customer": "Ann", "amount": 7.25, "note": null}\n'
        '{"order_id": 5, "customer": "Cid", "amount": 1.0, "note": ""}\n'
    )
    (tmp_path / "customers.csv").write_text("name,country\nAnn,PT\nBob,FR\nCid,DE\n")
    return [
        *("--orders_csv", str(tmp_path / "csv"), "--orders_json", str(tmp_path / "json")),
        *("--customers", str(tmp_path / "customers.csv"), "--target", str(tmp_path / "out")),
    ]


STUDIO_ORDERS = [  # order_id, customer, country, amount, amount_cents: the Delta target
    (1, "Ann", "PT", 10.5, 1050),
    (2, "Bob", "FR", 4.0, 400),
    (4, "Ann", "PT", 7.25, 725),
    (5, "Cid", "DE", 1.0, 100),
]


def studio_delta_rows(spark, tmp_path) -> list[tuple]:
    delta = spark.read.format("delta").load(str(tmp_path / "out" / "orders_delta"))
    assert delta.columns == ["order_id", "customer", "country", "amount", "amount_cents"]
    return sorted(tuple(r) for r in delta.collect())


def test_a_glue_studio_script_runs_as_written(spark_session, tmp_path, monkeypatch):
    """Every node: sources, ApplyMapping, the sparkUnion/sparkSqlQuery/sparkAggregate/drop_nulls
    helpers over awsglue.gluetypes, Filter, custom code and SelectFromCollection, data quality,
    a Delta target written by Spark and a catalog-updating glueparquet sink."""
    needs_package(spark_session, "delta")
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    spark_session.sql("DROP TABLE IF EXISTS default.studio_customer_totals")
    profile = load_profile("local", sets=[f"warehouse_dir={tmp_path}/wh", f"state_dir={tmp_path}/state"])
    record = run_job(str(STUDIO_JOB), ["--JOB_NAME", "studio", *studio_inputs(tmp_path)], profile)
    assert record.status == "SUCCEEDED", record.error

    assert studio_delta_rows(spark_session, tmp_path) == STUDIO_ORDERS
    ctx = EtlContext(spark_session, profile)
    table = ctx.catalog.get_table(*STUDIO_TABLE)
    assert (table.classification, [(c.name, c.type) for c in table.columns]) == (
        "parquet",
        [("customer", "string"), ("total", "double"), ("orders", "bigint")],
    )
    assert table.location.endswith(f"{tmp_path}/out/customer_totals")
    totals = ctx.create_dynamic_frame.from_catalog(*STUDIO_TABLE).toDF()
    assert sorted(tuple(r) for r in totals.collect()) == [("Ann", 17.75, 2), ("Bob", 4.0, 1), ("Cid", 1.0, 1)]
    # each data quality node's results are kept under its evaluation context
    kept = tmp_path / "state" / "data_quality" / "studio" / "EvaluateDataQuality_node1733000000021.jsonl"
    [result] = [json.loads(line) for line in kept.read_text().splitlines()]
    assert (result["rule"], result["outcome"], result["metrics"]) == (
        "ColumnCount > 0",
        "Passed",
        {"Dataset.*.ColumnCount": 3.0},
    )


def test_etl_run_gives_a_glue_studio_script_awsglue_and_its_spark_context(spark_session, tmp_path, dirs):
    """`etl run` as a user runs it, in an environment with no awsglue package installed."""
    needs_package(spark_session, "delta")
    assert not [p for p in site.getsitepackages() if (Path(p) / "awsglue").exists()]
    result = run_etl("run", str(STUDIO_JOB), *set_args(dirs), *studio_inputs(tmp_path))
    assert result.code == 0, result.stderr
    assert "job=glue_studio_job" in result.stdout and "status=SUCCEEDED" in result.stdout
    assert "dq_rules_passed=2 dq_rules_failed=0" in result.stdout  # its two data quality nodes
    assert studio_delta_rows(spark_session, tmp_path) == STUDIO_ORDERS
