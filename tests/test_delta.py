"""Delta tables through the public API: Spark writes Parquet, delta-rs commits, readers use the log."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext, Job
from etl_framework.config import load_profile
from etl_framework.delta import DeltaError, SchemaMismatchError, engine, history, optimize, vacuum
from etl_framework.delta import sink as delta_sink
from etl_framework.sinks import UnresolvedChoiceError

from .conftest import ROOT, run_etl

ENABLE = {"job_bookmark_option": "job-bookmark-enable"}
SCHEMA = "id long, day string, amount double"


@pytest.fixture
def profile(tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    return load_profile("local", sets=[f"state_dir={tmp_path}/state", f"warehouse_dir={tmp_path}/wh"])


@pytest.fixture
def ctx(spark_session, profile):
    return EtlContext(spark_session, profile)


@pytest.fixture
def table(tmp_path):
    return str(tmp_path / "wh" / "orders")


def frame(ctx, rows, schema=SCHEMA):
    return DynamicFrame.fromDF(ctx.spark_session.createDataFrame(rows, schema), ctx, "rows")


def write(ctx, path, rows, mode="append", schema=SCHEMA, keys=("day",), fmt_options=None, **options):
    ctx.write_dynamic_frame.from_options(
        frame(ctx, rows, schema),
        "file",
        {"path": path, "partitionKeys": list(keys), "mode": mode, **options},
        format="delta",
        format_options=fmt_options,
    )


def delta_rows(path, version=None):
    """The table's rows as delta-rs reads them, sorted."""
    return sorted(tuple(r.values()) for r in DeltaTable(path, version=version).to_pyarrow_table().to_pylist())


def spark_rows(ctx, path, **options):
    """The table's rows as our source (Spark over the live files) reads them, in the table's column order."""
    dyf = ctx.create_dynamic_frame.from_options("file", {"path": path, **options}, format="delta")
    return sorted(tuple(r) for r in dyf.toDF().collect())


def data_files(path):
    """Every Parquet file under the table folder, live or not, relative to it."""
    out = []
    for folder, _, names in os.walk(path):
        out += [os.path.relpath(os.path.join(folder, n), path) for n in names if n.endswith(".parquet")]
    return sorted(out)


A = [(1, "2024-01-01", 1.5), (2, "2024-01-02", 2.5), (3, None, None)]
B = [(4, "2024-01-02", 4.0), (5, "2024-01-03", 5.0)]


def test_append_and_overwrite_with_partitions(ctx, table):
    write(ctx, table, A)
    assert delta_rows(table) == sorted(A) == spark_rows(ctx, table)
    dt = DeltaTable(table)
    assert dt.metadata().partition_columns == ["day"]
    assert all(f.split("/")[0].startswith("day=") for f in data_files(table))  # standard Hive-style layout
    assert not os.path.exists(os.path.join(table, "_etl_staging", "x")) and not os.listdir(
        os.path.join(table, "_etl_staging")
    )
    actions = pa.table(dt.get_add_actions(flatten=True)).to_pylist()
    assert sum(a["num_records"] for a in actions) == 3  # statistics from the Parquet footers
    assert {a["min.id"] for a in actions} == {1, 2, 3}

    write(ctx, table, B)
    assert delta_rows(table) == sorted(A + B) == spark_rows(ctx, table)
    assert DeltaTable(table).version() == 1

    write(ctx, table, [(9, "2024-02-01", 9.0)], mode="overwrite")
    assert delta_rows(table) == [(9, "2024-02-01", 9.0)] == spark_rows(ctx, table)
    assert len(DeltaTable(table).file_uris()) == 1
    assert ctx.metrics.written == 6


def test_dynamic_partition_overwrite_replaces_only_the_partitions_written(ctx, table):
    write(ctx, table, A + B)
    write(ctx, table, [(7, "2024-01-02", 7.0)], mode="overwrite", partitionOverwriteMode="dynamic")
    expected = [r for r in A + B if r[1] != "2024-01-02"] + [(7, "2024-01-02", 7.0)]
    assert delta_rows(table) == sorted(expected) == spark_rows(ctx, table)
    write(ctx, table, [(8, "2024-03-01", 8.0)], mode="overwrite", partitionOverwriteMode="dynamic")  # a new one
    assert delta_rows(table) == sorted(expected + [(8, "2024-03-01", 8.0)])


def test_concurrent_appends_both_commit(ctx, table):
    write(ctx, table, A[:1])
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda rows: write(ctx, table, rows), [A[1:], B]))
    assert delta_rows(table) == sorted(A + B) == spark_rows(ctx, table)
    assert DeltaTable(table).version() == 2


def test_unpartitioned_table_and_a_table_written_by_delta_rs(ctx, table, tmp_path):
    write(ctx, table, A, keys=())
    assert delta_rows(table) == sorted(A) == spark_rows(ctx, table)
    other = str(tmp_path / "by_delta_rs")
    data = pa.table({"id": [1, 2], "day": ["d1", None], "amount": [0.5, None]})
    write_deltalake(other, data, partition_by=["day"])
    assert spark_rows(ctx, other) == [(1, "d1", 0.5), (2, None, None)]
    write(ctx, other, [(3, "d1", 3.0)])  # our commit on a delta-rs table
    assert delta_rows(other) == [(1, "d1", 0.5), (2, None, None), (3, "d1", 3.0)]


def test_nested_and_temporal_types_round_trip(ctx, table, spark_session):
    df = spark_session.sql(
        "SELECT 1L AS id, DATE'2024-01-01' AS day, TIMESTAMP'2024-01-01 10:00:00.123456' AS at,"
        " CAST(12.34 AS DECIMAL(12,2)) AS total, named_struct('a', 1, 'b', array('x', 'y')) AS s,"
        " map('k', 2.5D) AS m"
    )
    ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(df, ctx, "typed"), "file", {"path": table, "partitionKeys": ["day"]}, "delta"
    )
    (row,) = DeltaTable(table).to_pyarrow_table().to_pylist()
    assert row["at"] == datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
    assert row["s"] == {"a": 1, "b": ["x", "y"]} and str(row["total"]) == "12.34" and str(row["day"]) == "2024-01-01"
    back = ctx.create_dynamic_frame.from_options("file", {"path": table}, "delta").toDF()
    assert back.schema.simpleString() == df.schema.simpleString()
    assert back.collect() == df.collect()


def test_engine_is_delta_rs_without_the_delta_jars(spark_session):
    assert engine(spark_session) == "delta-rs"
    with pytest.raises(DeltaError, match="needs the Delta JARs"):
        engine(spark_session, "spark")


def test_failed_write_leaves_no_live_files(ctx, table, monkeypatch):
    write(ctx, table, A)
    before = data_files(table)
    failing = (
        frame(ctx, B)
        .toDF()
        .withColumn("amount", F.when(F.col("id") == 5, F.raise_error(F.lit("boom"))).otherwise(F.col("amount")))
    )
    with pytest.raises(Exception, match="boom"):
        ctx.write_dynamic_frame.from_options(
            DynamicFrame.fromDF(failing, ctx, "bad"), "file", {"path": table, "partitionKeys": ["day"]}, "delta"
        )
    assert DeltaTable(table).version() == 0 and delta_rows(table) == sorted(A) == spark_rows(ctx, table)
    assert data_files(table) == before  # the staging folder is gone with whatever Spark wrote

    def commit_fails(*args, **kwargs):
        raise RuntimeError("commit refused")

    monkeypatch.setattr(delta_sink, "_commit", commit_fails)
    with pytest.raises(RuntimeError, match="commit refused"):
        write(ctx, table, B)
    assert DeltaTable(table).version() == 0 and delta_rows(table) == sorted(A)
    assert data_files(table) == before  # files moved into the table but never committed are deleted


def test_version_and_timestamp_as_of(ctx, table):
    write(ctx, table, A)
    time.sleep(0.05)
    between = datetime.now(timezone.utc).isoformat()
    time.sleep(0.05)
    write(ctx, table, B, mode="overwrite")
    assert spark_rows(ctx, table, versionAsOf=0) == sorted(A) == delta_rows(table, version=0)
    assert spark_rows(ctx, table, versionAsOf=1) == sorted(B)
    assert spark_rows(ctx, table, timestampAsOf=between) == sorted(A)
    with pytest.raises(DeltaError, match="before the table's first commit"):
        spark_rows(ctx, table, timestampAsOf="2001-01-01T00:00:00Z")
    with pytest.raises(DeltaError, match="cannot load version 7"):
        spark_rows(ctx, table, versionAsOf=7)
    with pytest.raises(DeltaError, match="not a Delta table"):
        spark_rows(ctx, table + "_missing")


def test_schema_mismatch_names_the_columns_and_merge_schema_adds_them(ctx, table):
    write(ctx, table, A)
    with pytest.raises(SchemaMismatchError, match=r"new in the frame: note; missing from the frame: amount"):
        write(ctx, table, [(4, "2024-01-02", "x")], schema="id long, day string, note string")
    with pytest.raises(SchemaMismatchError, match=r"type: amount \(double -> string\)"):
        write(ctx, table, [(4, "2024-01-02", "x")], schema="id long, day string, amount string")
    assert DeltaTable(table).version() == 0

    merge = {"mergeSchema": True}
    write(ctx, table, [(4, "2024-01-02", 4.0, "x")], schema=SCHEMA + ", note string", fmt_options=merge)
    assert [f.name for f in DeltaTable(table).schema().fields] == ["id", "day", "amount", "note"]
    expected = sorted([(*r, None) for r in A] + [(4, "2024-01-02", 4.0, "x")])
    assert delta_rows(table) == expected == spark_rows(ctx, table)
    write(ctx, table, [(5, "2024-01-03")], schema="id long, day string", fmt_options=merge)  # missing: null
    assert delta_rows(table)[-1] == (5, "2024-01-03", None, None)


def test_unresolved_choice_is_refused(ctx, table, tmp_path):
    source = tmp_path / "mixed.json"
    source.write_text('{"id": 1, "v": 1}\n{"id": 2, "v": "x"}\n')
    dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [str(source)]}, "json")
    with pytest.raises(UnresolvedChoiceError, match="fields v are unresolved choices"):
        ctx.write_dynamic_frame.from_options(dyf, "file", {"path": table}, "delta")
    assert not os.path.exists(table)


def bookmarked_read(spark, profile, path, commit=True):
    ctx = EtlContext(spark, profile)
    job = Job(ctx).init("reader", ENABLE)
    dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [path]}, "delta", transformation_ctx="orders")
    ids = sorted(r.id for r in dyf.toDF().collect())
    if commit:
        job.commit()
    return ids


def test_bookmarked_delta_source_reads_only_new_versions(spark_session, profile, ctx, table):
    write(ctx, table, A)
    write(ctx, table, B[:1])
    assert bookmarked_read(spark_session, profile, table) == [1, 2, 3, 4]
    assert bookmarked_read(spark_session, profile, table) == []
    write(ctx, table, B[1:])
    assert bookmarked_read(spark_session, profile, table, commit=False) == [5]  # not committed: read again
    assert bookmarked_read(spark_session, profile, table) == [5]
    print(optimize(table))  # compaction rewrites files with dataChange=false: nothing new to read
    assert bookmarked_read(spark_session, profile, table) == []
    write(ctx, table, [(6, "2024-01-01", 6.0)])
    assert bookmarked_read(spark_session, profile, table) == [6]
    assert spark_rows(ctx, table) == sorted(A + B + [(6, "2024-01-01", 6.0)])


def inbox_run(spark, profile, inbox, path, commit=True, twice=False):
    """One bookmarked run: new JSON files of the inbox into the Delta table."""
    ctx = EtlContext(spark, profile)
    job = Job(ctx).init("ingest", ENABLE)
    dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [str(inbox)]}, "json", transformation_ctx="inbox")
    if dyf.schema().fields:
        for _ in range(2 if twice else 1):
            ctx.write_dynamic_frame.from_options(dyf, "file", {"path": path}, "delta", transformation_ctx="out")
    if commit:
        job.commit()


def drop(inbox, name, ids):
    inbox.mkdir(exist_ok=True)
    (inbox / name).write_text("".join(json.dumps({"id": i}) + "\n" for i in ids))


def test_rerun_after_a_crash_between_delta_commit_and_job_commit_writes_nothing_twice(
    spark_session, profile, tmp_path, table
):
    inbox = tmp_path / "inbox"
    drop(inbox, "a.json", [1, 2])
    inbox_run(spark_session, profile, inbox, table, commit=False)  # the Delta commit happened, job.commit did not
    assert DeltaTable(table).transaction_version("etl:ingest:out") == 1
    drop(inbox, "b.json", [3])  # arrives before the rerun
    inbox_run(spark_session, profile, inbox, table)  # skips its write, commits the crashed run's bookmark
    assert delta_rows(table) == [(1,), (2,)]
    inbox_run(spark_session, profile, inbox, table)  # b.json was not in the crashed run: read now
    assert delta_rows(table) == [(1,), (2,), (3,)]
    assert DeltaTable(table).transaction_version("etl:ingest:out") == 2
    inbox_run(spark_session, profile, inbox, table)
    assert delta_rows(table) == [(1,), (2,), (3,)]
    assert "txn etl:ingest:out v2" in history(table)


def test_two_writes_in_one_run_are_both_kept(spark_session, profile, tmp_path, table):
    inbox = tmp_path / "inbox"
    drop(inbox, "a.json", [1])
    inbox_run(spark_session, profile, inbox, table, twice=True)
    assert delta_rows(table) == [(1,), (1,)]


def test_table_ahead_of_the_bookmark_state_is_an_error(spark_session, profile, tmp_path, table):
    inbox = tmp_path / "inbox"
    drop(inbox, "a.json", [1])
    inbox_run(spark_session, profile, inbox, table)
    inbox_run(spark_session, profile, inbox, table)  # nothing new: no write, bookmark version 2
    drop(inbox, "b.json", [2])
    inbox_run(spark_session, profile, inbox, table)  # table transaction at version 3
    shutil.rmtree(profile.state_dir)
    with pytest.raises(DeltaError, match="bookmark state is behind the table"):
        inbox_run(spark_session, profile, inbox, table)
    assert delta_rows(table) == [(1,), (2,)]


def test_maintenance_history_optimize_vacuum(ctx, table):
    for i in range(3):
        write(ctx, table, [(i, "2024-01-01", float(i))])
    shown = history(table)
    assert "Delta table" in shown and "version 2" in shown and "WRITE" in shown
    assert "compacted into 1" in optimize(table)
    assert delta_rows(table) == [(0, "2024-01-01", 0.0), (1, "2024-01-01", 1.0), (2, "2024-01-01", 2.0)]
    assert len(data_files(table)) == 4
    with pytest.raises(DeltaError, match="vacuum"):
        vacuum(table, retain_hours=0)  # below Delta's minimum retention unless asked for
    dead = os.path.join(table, "_etl_staging", "20260101T000000-deadbeef")  # a write killed before its commit
    os.makedirs(os.path.join(dead, "day=2024-01-01"))
    open(os.path.join(dead, "day=2024-01-01", "part-0.parquet"), "w").close()
    summary = vacuum(table, retain_hours=0, enforce_retention=False)
    assert "deleted 3 files, 1 stale staging folders" in summary and not os.path.exists(dead)
    assert len(data_files(table)) == 1 and delta_rows(table)[0] == (0, "2024-01-01", 0.0)


KILLABLE = """
import os, signal
from etl_framework import Job
from etl_framework.delta import sink

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def main(ctx, args):
    job = Job(ctx).init(args["JOB_NAME"], args)
    point = args.get("die", "")
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [args["inbox"]]}, "json",
                                                  transformation_ctx="inbox")
    if point == "before_write":
        die()
    if point == "before_delta_commit":  # Parquet files written and moved into the table, no commit
        sink._commit = lambda *a, **k: die()
    if frame.schema().fields:
        ctx.write_dynamic_frame.from_options(frame, "file", {"path": args["table"], "partitionKeys": ["day"]},
                                             "delta", transformation_ctx="orders")
    if point == "after_delta_commit":
        die()
    job.commit()
    if point == "after_bookmark_commit":
        die()
"""


@pytest.mark.parametrize(
    "point", ["before_write", "before_delta_commit", "after_delta_commit", "after_bookmark_commit"]
)
def test_job_killed_at_any_point_writes_each_row_exactly_once(tmp_path, point):
    job = tmp_path / "killable.py"
    job.write_text(textwrap.dedent(KILLABLE))
    inbox, table = tmp_path / "inbox", str(tmp_path / "table")
    inbox.mkdir()

    def drop_rows(name, ids):
        (inbox / name).write_text("".join(json.dumps({"id": i, "day": f"d{i % 2}"}) + "\n" for i in ids))

    common = [
        *("--set", f"state_dir={tmp_path}/state", "--set", f"warehouse_dir={tmp_path}/wh"),
        *("--job-bookmark-option", "job-bookmark-enable", "--inbox", str(inbox), "--table", table),
    ]
    drop_rows("a.json", [1, 2, 3])
    killed = run_etl("run", str(job), *common, "--die", point)
    assert killed.code != 0
    drop_rows("b.json", [4, 5])  # new input arrives before the rerun
    rerun = run_etl("run", str(job), *common)
    assert rerun.code == 0, rerun.stderr[-3000:]
    assert ("already holds this write" in rerun.stderr) == (point == "after_delta_commit")
    if point == "after_delta_commit":  # the rerun committed the crashed run's bookmark: b.json comes next
        last = run_etl("run", str(job), *common)
        assert last.code == 0, last.stderr[-3000:]
    ids = sorted(r["id"] for r in DeltaTable(table).to_pyarrow_table().to_pylist())
    assert ids == [1, 2, 3, 4, 5]
    parts = {r["day"] for r in DeltaTable(table).to_pyarrow_table().to_pylist()}
    assert parts == {"d0", "d1"}
