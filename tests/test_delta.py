"""Delta tables through the public API, on both engines (``delta_engine``): delta-spark, and Spark
writing Parquet with delta-rs committing. delta-rs' own reader checks every table (a valid log)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import textwrap
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from urllib.parse import unquote

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext, Job
from etl_framework.config import load_profile
from etl_framework.crawler import Crawler, CrawlerDefinition, Target
from etl_framework.delta import (
    DeltaConflictError,
    DeltaError,
    SchemaMismatchError,
    engine,
    history,
    optimize,
    vacuum,
)
from etl_framework.errors import ConfigError
from etl_framework.runtime.launcher import run_job
from etl_framework.sinks import UnresolvedChoiceError
from etl_framework.sinks import delta as delta_sink
from etl_framework.sinks.delta import merge_delta

from .conftest import ROOT, needs_package, run_etl

ENABLE = {"job_bookmark_option": "job-bookmark-enable"}
SCHEMA = "id long, day string, amount double"


@pytest.fixture
def profile(tmp_path, monkeypatch, delta_engine):
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    sets = [f"state_dir={tmp_path}/state", f"warehouse_dir={tmp_path}/wh", f"delta.engine={delta_engine}"]
    return load_profile("local", sets=sets)


DELTA_RS_ONLY = pytest.mark.parametrize("delta_engine", ["delta-rs"], indirect=True)


def writers(path):
    """Which engine made each commit of the table, from the log's commitInfo, oldest first."""
    out = []
    for name in sorted(os.listdir(os.path.join(path, "_delta_log"))):
        if name.endswith(".json"):
            with open(os.path.join(path, "_delta_log", name)) as f:
                info = next(json.loads(line)["commitInfo"] for line in f if '"commitInfo"' in line)
            out.append("spark" if "Delta-Lake" in info.get("engineInfo", "") else "delta-rs")
    return out


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


def test_append_and_overwrite_with_partitions(ctx, table, delta_engine):
    write(ctx, table, A)
    assert delta_rows(table) == sorted(A) == spark_rows(ctx, table)
    dt = DeltaTable(table)
    assert dt.metadata().partition_columns == ["day"]
    assert all(f.split("/")[0].startswith("day=") for f in data_files(table))  # standard Hive-style layout
    if delta_engine == "delta-rs":  # the staging folder is left empty
        assert not os.listdir(os.path.join(table, "_etl_staging"))
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
    assert writers(table) == [delta_engine] * 3


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


def test_a_table_in_a_folder_whose_name_needs_escaping(ctx, tmp_path):
    table = str(tmp_path / "my orders")
    write(ctx, table, A)
    write(ctx, table, [(2, "2024-01-02", 20.0)], mode="merge", mergeKeys=["id"])
    expected = sorted([A[0], A[2], (2, "2024-01-02", 20.0)])
    assert delta_rows(table) == expected == spark_rows(ctx, table)
    assert spark_rows(ctx, table, partitionFilters=[("day", "=", "2024-01-02")]) == [(2, "2024-01-02", 20.0)]
    assert spark_rows(ctx, table, partitionFilters="day < '2024-01-02'") == [A[0]]


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


def test_engine_without_the_delta_jars_is_delta_rs_and_spark_is_an_error(tmp_path):
    """A session without the Delta package (the SIGKILL tests' delta-rs runs show ``auto`` writing
    through delta-rs there)."""
    write_deltalake(str(tmp_path / "t"), pa.table({"id": [1]}))
    forced = run_etl(
        "delta", "history", str(tmp_path / "t"), "--set", "spark.packages=[]", "--set", "delta.engine=spark"
    )
    assert forced.code != 0
    assert "delta.engine: spark, but the Delta JARs are not loaded: list delta in the profile's spark.packages" in (
        forced.stderr
    )


def test_failed_write_leaves_no_live_files(ctx, table, delta_engine):
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
    if delta_engine == "delta-rs":
        assert data_files(table) == before  # the staging folder is gone with whatever Spark wrote
    else:  # delta-spark leaves the files of a failed job in the table's folder, not in its log: vacuum's
        assert set(data_files(table)) >= set(before) and {unquote(p) for p in live_paths(table)} == set(before)
    # a commit failing after the files moved into the table: the concurrent-writer tests (a real conflict)


def test_version_and_timestamp_as_of(ctx, table):
    write(ctx, table, A)
    time.sleep(0.05)
    between = datetime.now(timezone.utc).isoformat()
    time.sleep(0.05)
    write(ctx, table, B, mode="overwrite")
    assert spark_rows(ctx, table, versionAsOf=0) == sorted(A) == delta_rows(table, version=0)
    assert spark_rows(ctx, table, versionAsOf=1) == sorted(B)
    assert spark_rows(ctx, table, timestampAsOf=between) == sorted(A)
    with pytest.raises(DeltaError, match="before the (table's first commit|earliest version available)"):
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


def inbox_run(spark, profile, inbox, path, commit=True, twice=False, **options):
    """One bookmarked run: new JSON files of the inbox into the Delta table."""
    ctx = EtlContext(spark, profile)
    job = Job(ctx).init("ingest", ENABLE)
    dyf = ctx.create_dynamic_frame.from_options("file", {"paths": [str(inbox)]}, "json", transformation_ctx="inbox")
    if dyf.schema().fields:
        for _ in range(2 if twice else 1):
            ctx.write_dynamic_frame.from_options(
                dyf, "file", {"path": path, **options}, "delta", transformation_ctx="out"
            )
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


def test_maintenance_history_optimize_vacuum(ctx, table, delta_engine):
    on = {"spark": ctx.spark_session, "engine": delta_engine}
    for i in range(3):
        write(ctx, table, [(i, "2024-01-01", float(i))])
    shown = history(table, **on)
    assert "Delta table" in shown and "version 2" in shown and "WRITE" in shown
    assert "compacted into 1" in optimize(table, **on)
    assert writers(table) == [delta_engine] * 4
    assert delta_rows(table) == [(0, "2024-01-01", 0.0), (1, "2024-01-01", 1.0), (2, "2024-01-01", 2.0)]
    assert len(data_files(table)) == 4
    with pytest.raises(DeltaError, match="vacuum"):
        vacuum(table, retain_hours=0, **on)  # below Delta's minimum retention unless asked for
    dead = os.path.join(table, "_etl_staging", "20260101T000000-deadbeef")  # a write killed before its commit
    os.makedirs(os.path.join(dead, "day=2024-01-01"))
    open(os.path.join(dead, "day=2024-01-01", "part-0.parquet"), "w").close()
    summary = vacuum(table, retain_hours=0, enforce_retention=False, **on)
    assert "deleted 3 files, 1 stale staging folders" in summary and not os.path.exists(dead)
    assert len(data_files(table)) == 1 and delta_rows(table)[0] == (0, "2024-01-01", 0.0)


KILLABLE = """
import os, signal
from pyspark.sql import functions as F
from etl_framework import DynamicFrame, Job
from etl_framework.sinks import delta as sink

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
    if point == "during_delta_write":  # delta-spark: a task kills the driver while the files are written
        driver = os.getpid()
        kill = F.udf(lambda i: os.kill(driver, signal.SIGKILL) if i == 3 else i, "long")
        frame = DynamicFrame.fromDF(frame.toDF().withColumn("id", kill("id")), ctx, "killing")
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
    "delta_engine, point",
    [
        *[
            ("delta-rs", p)
            for p in ("before_write", "before_delta_commit", "after_delta_commit", "after_bookmark_commit")
        ],
        # the points where the engine matters; before the write and after the bookmark no Delta commit is pending
        ("spark", "during_delta_write"),
        ("spark", "after_delta_commit"),
    ],
    indirect=["delta_engine"],
)
def test_job_killed_at_any_point_writes_each_row_exactly_once(tmp_path, delta_engine, profile, point, capfd):
    """``auto`` picks the engine: the delta-rs runs have no Delta JARs (spark.packages: []). The killed
    run is an ``etl run`` process; the runs after it go on in this one, from what the first left on disk."""
    job = tmp_path / "killable.py"
    job.write_text(textwrap.dedent(KILLABLE))
    inbox, table = tmp_path / "inbox", str(tmp_path / "table")
    inbox.mkdir()

    def drop_rows(name, ids):
        (inbox / name).write_text("".join(json.dumps({"id": i, "day": f"d{i % 2}"}) + "\n" for i in ids))

    job_args = ["--job-bookmark-option", "job-bookmark-enable", "--inbox", str(inbox), "--table", table]
    drop_rows("a.json", [1, 2, 3])
    packages = ["--set", "spark.packages=[]"] if delta_engine == "delta-rs" else []
    sets = ["--set", f"state_dir={tmp_path}/state", "--set", f"warehouse_dir={tmp_path}/wh", *packages]
    killed = run_etl("run", str(job), *sets, *job_args, "--die", point)
    assert killed.code != 0
    drop_rows("b.json", [4, 5])  # new input arrives before the rerun
    capfd.readouterr()
    rerun = run_job(str(job), job_args, profile)
    assert rerun.status == "SUCCEEDED", rerun.error
    assert ("already holds this write" in capfd.readouterr().err) == (point == "after_delta_commit")
    if point == "after_delta_commit":  # the rerun committed the crashed run's bookmark: b.json comes next
        last = run_job(str(job), job_args, profile)
        assert last.status == "SUCCEEDED", last.error
    ids = sorted(r["id"] for r in DeltaTable(table).to_pyarrow_table().to_pylist())
    assert ids == [1, 2, 3, 4, 5]
    parts = {r["day"] for r in DeltaTable(table).to_pyarrow_table().to_pylist()}
    assert parts == {"d0", "d1"}
    assert set(writers(table)) == {delta_engine}


# --- merge (upsert) -----------------------------------------------------------------------------


def bag(rows):
    """Rows as a multiset: order-free, duplicates counted, nulls anywhere."""
    return Counter(tuple(r) for r in rows)


def delta_bag(path):
    return bag(tuple(r.values()) for r in DeltaTable(path).to_pyarrow_table().to_pylist())


def spark_bag(ctx, path):
    return bag(ctx.create_dynamic_frame.from_options("file", {"path": path}, format="delta").toDF().collect())


def live_paths(path):
    return {a["path"] for a in pa.table(DeltaTable(path).get_add_actions(flatten=True)).to_pylist()}


def test_merge_replaces_rows_with_the_same_keys_inserts_new_ones_and_keeps_the_others(ctx, table):
    write(ctx, table, A + B)
    untouched = {p for p in live_paths(table) if "2024-01-03" in p or "HIVE_DEFAULT" in p or "2024-01-01" in p}
    stage = [(2, "2024-01-09", 20.0), (4, "2024-01-02", 40.0), (6, "2024-01-02", 6.0), (None, "2024-01-02", 0.5)]
    write(ctx, table, stage, mode="merge", mergeKeys=["id"])
    # the table holds what mergeDynamicFrame gives in memory for the same frames
    expected = bag(frame(ctx, A + B).mergeDynamicFrame(frame(ctx, stage), ["id"]).toDF().collect())
    assert expected == bag([(1, "2024-01-01", 1.5), (3, None, None), (5, "2024-01-03", 5.0), *stage])
    assert delta_bag(table) == expected == spark_bag(ctx, table)
    assert untouched <= live_paths(table) and len(untouched) >= 3  # files without a merged key stay
    assert DeltaTable(table).version() == 1  # one commit
    assert ctx.metrics.written == 5 + 4  # the stage's rows, not the rows rewritten beside them

    write(ctx, table, stage, mode="merge", primaryKeys=["id"])  # the same upsert again changes nothing...
    expected[(None, "2024-01-02", 0.5)] += 1  # ...but a null key matches nothing: that row comes twice
    assert delta_bag(table) == expected


def test_merge_and_partition_overwrite_on_a_date_partitioned_table(ctx, table):
    schema, jan = "id long, day date, amount double", [date(2024, 1, d) for d in range(1, 4)]
    write(ctx, table, [(1, jan[0], 1.0), (2, jan[1], 2.0)], schema=schema)
    write(ctx, table, [(2, jan[1], 20.0), (3, jan[2], 3.0)], schema=schema, mode="merge", mergeKeys=["id"])
    assert delta_rows(table) == [(1, jan[0], 1.0), (2, jan[1], 20.0), (3, jan[2], 3.0)]
    write(ctx, table, [(4, jan[0], 4.0)], schema=schema, mode="overwrite", partitionOverwriteMode="dynamic")
    assert delta_rows(table) == [(2, jan[1], 20.0), (3, jan[2], 3.0), (4, jan[0], 4.0)] == spark_rows(ctx, table)


def test_merge_on_two_keys_with_the_public_function_and_schema_evolution(ctx, table):
    write(ctx, table, A + B, keys=())
    stage = frame(ctx, [(2, "2024-01-02", 9.0, "late"), (2, "2024-01-05", 1.0, "new")], SCHEMA + ", note string")
    with pytest.raises(SchemaMismatchError, match="new in the frame: note"):
        merge_delta(stage, table, ["id", "day"])
    merge_delta(stage, table, ["id", "day"], format_options={"mergeSchema": True})
    expected = [(*r, None) for r in A + B if r[:2] != (2, "2024-01-02")]
    expected += [(2, "2024-01-02", 9.0, "late"), (2, "2024-01-05", 1.0, "new")]
    assert delta_bag(table) == bag(expected) == spark_bag(ctx, table)


def test_merge_into_a_missing_table_creates_it(ctx, table):
    merge_delta(frame(ctx, A), table, ["id"], partition_keys=["day"])
    assert delta_rows(table) == sorted(A) and DeltaTable(table).metadata().partition_columns == ["day"]


def test_merge_refuses_duplicate_or_missing_keys(ctx, table):
    write(ctx, table, A)
    with pytest.raises(DeltaError, match=r"merge keys \['id'\] are not unique in the frame \(e.g. id=4\)"):
        write(ctx, table, [(4, "d", 1.0), (4, "e", 2.0)], mode="merge", mergeKeys=["id"])
    with pytest.raises(DeltaError, match=r"needs connection option 'mergeKeys'"):
        write(ctx, table, B, mode="merge")
    with pytest.raises(DeltaError, match=r"merge keys \['nope'\] are not fields of the frame"):
        write(ctx, table, B, mode="merge", mergeKeys=["nope"])
    with pytest.raises(DeltaError, match=r"needs 'mode': 'merge'"):
        write(ctx, table, B, mergeKeys=["id"])
    assert DeltaTable(table).version() == 0 and delta_rows(table) == sorted(A)


def test_bookmarked_merge_is_exactly_once(spark_session, profile, tmp_path, table):
    inbox = tmp_path / "inbox"
    merge = {"mode": "merge", "mergeKeys": ["id"]}
    drop(inbox, "a.json", [1, 2])
    inbox_run(spark_session, profile, inbox, table, **merge)
    drop(inbox, "b.json", [2, 3])
    inbox_run(spark_session, profile, inbox, table, commit=False, **merge)  # dies before job.commit()
    assert DeltaTable(table).transaction_version("etl:ingest:out") == 2
    version = DeltaTable(table).version()
    inbox_run(spark_session, profile, inbox, table, **merge)  # finds its transaction: no second merge
    assert DeltaTable(table).version() == version
    assert delta_rows(table) == [(1,), (2,), (3,)]


# --- replaceWhere ---------------------------------------------------------------------------------


def write_one_file_per_partition(ctx, path, rows):
    df = ctx.spark_session.createDataFrame(rows, SCHEMA).coalesce(1)
    ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(df, ctx, "rows"), "file", {"path": path, "partitionKeys": ["day"]}, "delta"
    )


def test_replace_where_overwrites_only_the_rows_matching_the_predicate(ctx, table):
    odd = (7, "a:b c", 7.0)  # a partition value Spark escapes in the folder name
    write_one_file_per_partition(ctx, table, A + B + [odd, (12, "2024-01-01", 50.0)])
    write(ctx, table, [(8, "2024-01-02", 8.0)], mode="overwrite", replaceWhere="day >= '2024-01-02'")
    kept = [(1, "2024-01-01", 1.5), (3, None, None), (12, "2024-01-01", 50.0)]  # a null day does not match
    assert delta_bag(table) == bag(kept + [(8, "2024-01-02", 8.0)]) == spark_bag(ctx, table)
    assert DeltaTable(table).version() == 1

    # on a data column: the file of day 2024-01-01 holds a matching row (1) and another (12): rewritten
    (day_file,) = [p for p in live_paths(table) if "2024-01-01" in p]
    write(ctx, table, [(9, "2024-01-01", 0.1), (10, "a:b c", 0.2)], mode="overwrite", replaceWhere="amount < 5")
    expected = [(3, None, None), (8, "2024-01-02", 8.0), (12, "2024-01-01", 50.0)]
    expected += [(9, "2024-01-01", 0.1), (10, "a:b c", 0.2)]
    assert delta_bag(table) == bag(expected) == spark_bag(ctx, table)
    assert day_file not in live_paths(table) and DeltaTable(table).version() == 2


def test_replace_where_refuses_rows_outside_the_predicate(ctx, table, delta_engine):
    write(ctx, table, A)
    before = data_files(table)
    rows = [(4, "2024-01-02", 4.0), (5, "2024-01-01", 5.0), (6, None, 6.0)]
    with pytest.raises(DeltaError, match=r"2 of the 3 rows written do not match it"):
        write(ctx, table, rows, mode="overwrite", replaceWhere="day = '2024-01-02'")
    with pytest.raises(DeltaError, match=r"not a valid predicate.*nope"):
        write(ctx, table, rows, mode="overwrite", replaceWhere="nope > 1")
    with pytest.raises(DeltaError, match=r"'replaceWhere' goes with 'mode': 'overwrite'"):
        write(ctx, table, rows, replaceWhere="day = '2024-01-02'")
    assert DeltaTable(table).version() == 0 and delta_rows(table) == sorted(A)
    if delta_engine == "delta-rs":
        assert data_files(table) == before  # the files Spark wrote were deleted, never committed
    else:  # delta-spark's aborted write leaves its files for vacuum; none is live
        assert {unquote(p) for p in live_paths(table)} == set(before)


# --- which engine -------------------------------------------------------------------------------


def test_profile_setting_forces_the_engine(spark_session, tmp_path, monkeypatch, table):
    needs_package(spark_session, "delta")
    assert engine(spark_session) == "spark"  # auto, with the JARs
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    dirs = [f"state_dir={tmp_path}/state", f"warehouse_dir={tmp_path}/wh"]
    write(EtlContext(spark_session, load_profile("local", sets=[*dirs, "delta.engine=delta-rs"])), table, A)
    write(EtlContext(spark_session, load_profile("local", sets=dirs)), table, B)
    assert writers(table) == ["delta-rs", "spark"]
    with pytest.raises(ConfigError, match="delta.engine"):
        load_profile("local", sets=[*dirs, "delta.engine=duckdb"])


def test_a_table_written_by_one_engine_is_read_appended_and_merged_by_the_other(spark_session, tmp_path, monkeypatch):
    needs_package(spark_session, "delta")
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    on = {
        e: EtlContext(spark_session, load_profile("local", sets=[f"state_dir={tmp_path}/s", f"delta.engine={e}"]))
        for e in ("spark", "delta-rs")
    }
    for first, other in (("spark", "delta-rs"), ("delta-rs", "spark")):
        path = str(tmp_path / f"by_{first}")
        write(on[first], path, A)
        assert spark_rows(on[other], path, versionAsOf=0) == sorted(A)
        write(on[other], path, B)
        write(on[other], path, [(1, "2024-01-01", 10.0), (6, None, 6.0)], mode="merge", mergeKeys=["id"])
        write(on[first], path, [(2, "2024-01-02", 20.0)], mode="merge", mergeKeys=["id"])
        expected = sorted([(1, "2024-01-01", 10.0), (2, "2024-01-02", 20.0), A[2], *B, (6, None, 6.0)])
        # both engines' readers and delta-rs' own see the same rows: the log each wrote is valid for both
        assert spark_rows(on[first], path) == spark_rows(on[other], path) == delta_rows(path) == expected
        assert writers(path) == [first, other, other, first]


# --- concurrent writers -----------------------------------------------------------------------------


@pytest.fixture
def competing(monkeypatch):
    """Another writer that commits just before this process's next commits (``times`` of them):
    delta-rs' commit call first runs ``other()``, a complete write to the same table. With
    ``creating``, delta-rs' call that creates a table does so instead."""

    def arrange(other, times=1, creating=False):
        owner, name = (
            (delta_sink, "create_table_with_add_actions") if creating else (DeltaTable, "create_write_transaction")
        )
        real = getattr(owner, name)
        state = {"left": times, "busy": False}

        def commit(*args, **kwargs):
            if state["left"] > 0 and not state["busy"]:
                state["left"] -= 1
                state["busy"] = True  # the other writer's own commit goes straight through
                try:
                    other()
                finally:
                    state["busy"] = False
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, commit)

    return arrange


@DELTA_RS_ONLY  # the other writer runs inside delta-rs' commit call
def test_merge_is_redone_when_a_concurrent_append_adds_one_of_its_keys(ctx, table, competing):
    write(ctx, table, A)
    competing(lambda: write_deltalake(table, pa.table({"id": [4], "day": ["x"], "amount": [0.0]}), mode="append"))
    write(ctx, table, [(4, "2024-01-02", 4.0)], mode="merge", mergeKeys=["id"])
    # rebased over the append, key 4 would be in the table twice; redone, the merge replaced it
    assert delta_bag(table) == bag(A + [(4, "2024-01-02", 4.0)]) == spark_bag(ctx, table)
    assert DeltaTable(table).version() == 2


@DELTA_RS_ONLY  # the other writer runs inside delta-rs' commit call
def test_replace_where_is_redone_when_a_concurrent_append_adds_matching_rows(ctx, table, competing):
    write(ctx, table, A)
    competing(lambda: write(ctx, table, [(5, "2024-01-02", 5.0)]))
    write(ctx, table, [(6, "2024-01-02", 6.0)], mode="overwrite", replaceWhere="day = '2024-01-02'")
    assert delta_bag(table) == bag([A[0], A[2], (6, "2024-01-02", 6.0)])


@DELTA_RS_ONLY  # the other writer runs inside delta-rs' commit call
def test_overwrite_against_a_concurrent_overwrite_one_wins_then_the_other(ctx, table, competing):
    write(ctx, table, A)
    competing(lambda: write(ctx, table, B, mode="overwrite"))
    write(ctx, table, [(9, "2024-02-01", 9.0)], mode="overwrite")
    assert delta_rows(table) == [(9, "2024-02-01", 9.0)] == spark_rows(ctx, table)  # the later one, alone
    assert DeltaTable(table).version() == 2


@DELTA_RS_ONLY  # the other writer runs inside delta-rs' commit call
def test_writer_that_keeps_losing_fails_clearly_and_leaves_nothing(ctx, table, competing):
    write(ctx, table, A)
    ids = iter(range(100, 200))
    competing(lambda: write(ctx, table, [(next(ids), "2024-01-01", 1.0)]), times=delta_sink.ATTEMPTS)
    with pytest.raises(DeltaConflictError, match=r"concurrent writers committed first 3 times"):
        write(ctx, table, [(1, "2024-01-01", 10.0)], mode="merge", mergeKeys=["id"])
    others = [(i, "2024-01-01", 1.0) for i in range(100, 100 + delta_sink.ATTEMPTS)]
    assert delta_bag(table) == bag(A + others) == spark_bag(ctx, table)  # the winners' rows, not ours
    assert len(data_files(table)) == len(DeltaTable(table).file_uris())  # the loser's files were deleted


def test_concurrent_merges_both_land_each_key_once(ctx, table):
    write(ctx, table, A + B)
    first = [(1, "2024-01-01", 10.0), (6, "2024-01-04", 60.0)]
    second = [(2, "2024-01-02", 20.0), (7, "2024-01-04", 70.0)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda rows: write(ctx, table, rows, mode="merge", mergeKeys=["id"]), [first, second]))
    expected = [r for r in A + B if r[0] not in (1, 2)] + first + second
    assert delta_bag(table) == bag(expected) == spark_bag(ctx, table)
    assert DeltaTable(table).version() == 2


@DELTA_RS_ONLY  # the other writer runs inside delta-rs' commit call
def test_two_writers_creating_one_table_both_land(ctx, table, competing):
    competing(lambda: write(ctx, table, A), creating=True)
    write(ctx, table, B)  # found no table, but one exists by its commit: appended to it instead
    assert delta_rows(table) == sorted(A + B) == spark_rows(ctx, table)
    assert DeltaTable(table).version() == 1


def test_sample_job_upserts_an_export_sent_again(spark_session, profile, tmp_path):
    spec = importlib.util.spec_from_file_location("sample_orders", ROOT / "jobs" / "sample_orders.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    source, target = tmp_path / "orders", f"{profile.warehouse_dir}/sales/orders"
    source.mkdir()
    for f in sorted((ROOT / "jobs" / "sample_data" / "orders").iterdir())[:2]:
        shutil.copy(f, source / f.name)
    catalog = EtlContext(spark_session, profile).catalog  # the test session's metastore: cleaned up below
    Crawler(
        CrawlerDefinition("orders", [Target(str(source))], "shop_raw"), catalog, spark_session, profile.state_dir
    ).run()
    args = {**ENABLE, "JOB_NAME": "sample_orders"}

    def registered():
        table = catalog.get_table("sales", "orders")
        partitions = [(p.values, p.location) for p in catalog.list_partitions("sales", "orders")]
        return table.location, table.classification, table.columns, partitions

    try:
        job.main(EtlContext(spark_session, profile), args)
        first = DeltaTable(target).to_pyarrow_table()
        # A crash between the Delta commit and job.commit(): no bookmark committed; and the catalog
        # table was dropped meanwhile, so only the Delta log can tell the rerun its partitions.
        os.remove(os.path.join(profile.state_dir, "bookmarks", "sample_orders", "00000001.json"))
        catalog.delete_table("sales", "orders")
        job.main(EtlContext(spark_session, profile), args)  # skips its write (exactly-once)
        assert DeltaTable(target).version() == 0
        location, fmt, columns, partitions = registered()
        assert (location.removeprefix("file:"), fmt) == (target, "delta")
        assert partitions == [([d], f"{location}/order_date={d}") for d in ("2026-10-01", "2026-10-02")]
        resent = source / sorted(p.name for p in source.iterdir())[1]
        resent.write_text(resent.read_text().replace('"status": "paid"', '"status": "refunded"'))
        job.main(EtlContext(spark_session, profile), args)  # the file changed: read again, its orders upserted
        upserted = registered()
        job.main(EtlContext(spark_session, profile), args)  # nothing new: every step runs, nothing is written
        assert DeltaTable(target).version() == 1 and registered() == upserted == (location, fmt, columns, partitions)
    finally:
        catalog.delete_table("shop_raw", "orders")
        if catalog.table_exists("sales", "orders"):
            catalog.delete_table("sales", "orders")
    table = DeltaTable(target)
    again = table.to_pyarrow_table()
    ids = again.column("order_id").to_pylist()
    assert len(ids) == len(set(ids)) == first.num_rows == 120
    assert table.metadata().partition_columns == ["order_date"] and table.version() == 1
    assert [c.name for c in columns] == [f.name for f in table.schema().fields if f.name != "order_date"]
    statuses = Counter(again.column("status").to_pylist())
    assert statuses["refunded"] > 0 and statuses["paid"] < Counter(first.column("status").to_pylist())["paid"]
