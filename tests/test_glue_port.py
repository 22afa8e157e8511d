"""A Glue script from AWS's resolveChoice walkthrough (medicare data), ported by changing imports."""

import textwrap

from etl_framework.config import load_profile
from etl_framework.runtime.launcher import run_job

from .conftest import ROOT

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
        stop_session=False,
    )
    assert record.status == "SUCCEEDED", record.error

    printed = capsys.readouterr().out
    before, after = printed.split("root\n")[1:3]
    assert "|-- Provider Id: choice\n|    |-- long\n|    |-- string\n" in before
    assert "|-- Total Discharges: long\n" in before
    assert "|-- Average Covered Charges: string\n" in before  # money strings stay strings
    assert "|-- Provider Id: long\n" in after
    assert "errors: 1" in printed  # the short row
    assert "read=7 written=6 errors=1" in printed  # the run summary

    rows = spark_session.read.parquet(str(out)).collect()
    by_name = {r.provider.name: r for r in rows}
    assert by_name["SOUTHEAST ALABAMA MEDICAL CENTER"].provider.id == 10001
    assert by_name["UNKNOWN HOSPITAL"].provider.id is None  # 'AB123' cannot be cast: null, as in Glue
    assert by_name["ST VINCENT'S EAST"].drg == '039 - EXTRACRANIAL PROCEDURES, "MINOR"'
    assert by_name["MARSHALL MEDICAL CENTER SOUTH"].charges.covered == "$15131.85"
    assert len(rows) == 6
