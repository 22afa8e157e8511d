"""File sinks commit with the job: a run with nothing new writes nothing, and output appears exactly
once across failed, killed and concurrent runs."""

import json
import os

import pytest
from deltalake import DeltaTable

from etl_framework import EtlContext, Job
from etl_framework.bookmarks import BookmarkStore, ConcurrentCommitError
from etl_framework.runtime.launcher import run_job

ENABLE = {"job_bookmark_option": "job-bookmark-enable"}
MAPPING = [("id", "long", "id", "long"), ("day", "string", "day", "string")]


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def drop(folder, name, ids):
    (folder / name).write_text("".join(json.dumps({"id": i, "day": f"d{i % 2}"}) + "\n" for i in ids))


def output_files(path):
    """Every file under ``path`` that a reader sees, and ``_etl_staging`` when it holds a write."""
    seen = ["_etl_staging"] if staged(path) else []
    for parent, dirs, files in os.walk(path):
        seen += [os.path.relpath(os.path.join(parent, f), path) for f in files if not f.startswith((".", "_"))]
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
    return sorted(seen)


def staged(path):
    folder = os.path.join(path, "_etl_staging")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def ingest(spark, profile, inbox, out, fmt, commit=True, **sink):
    """One run of a Glue-shaped bookmarked job: read what is new, map it, write it, commit."""
    ctx = EtlContext(spark, profile)
    job = Job(ctx).init("ingest", ENABLE)
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [str(inbox)]}, "json", transformation_ctx="inbox")
    mapped = frame.apply_mapping(MAPPING, transformation_ctx="map")
    options = {"path": str(out), "partitionKeys": ["day"], **sink}
    ctx.write_dynamic_frame.from_options(mapped, "file", options, fmt, transformation_ctx="out")
    if commit:
        job.commit()
    return ctx.metrics.as_dict()


def ids_in(spark, out, fmt):
    if fmt == "delta":
        return sorted(r["id"] for r in DeltaTable(str(out)).to_pyarrow_table().to_pylist())
    reader = spark.read.option("header", "true") if fmt == "csv" else spark.read
    return sorted(int(r.id) for r in reader.format(fmt).load(str(out)).collect())


@pytest.mark.parametrize("fmt", ["json", "parquet", "csv", "delta"])
def test_a_run_with_nothing_new_succeeds_and_writes_nothing(spark_session, profile, inbox, tmp_path, fmt):
    out = tmp_path / "out"
    drop(inbox, "a.json", [1, 2, 3])
    first = ingest(spark_session, profile, inbox, out, fmt)
    assert (first["read"], first["written"]) == (3, 3)
    files = output_files(out)
    delta_version = DeltaTable(str(out)).version() if fmt == "delta" else None

    again = ingest(spark_session, profile, inbox, out, fmt)  # no new file
    (inbox / "empty.json").write_text("")  # a file with no records is the same case
    empty = ingest(spark_session, profile, inbox, out, fmt)

    for metrics in (again, empty):
        assert (metrics.get("read", 0), metrics.get("written", 0), metrics.get("errors", 0)) == (0, 0, 0)
    assert output_files(out) == files  # no empty part file, no staging folder
    if fmt == "delta":
        assert DeltaTable(str(out)).version() == delta_version  # no empty commit
    assert ids_in(spark_session, out, fmt) == [1, 2, 3]
    assert BookmarkStore(profile.state_dir).versions("ingest") == [1, 2, 3]  # each run committed

    drop(inbox, "b.json", [4])
    assert ingest(spark_session, profile, inbox, out, fmt)["written"] == 1
    assert ids_in(spark_session, out, fmt) == [1, 2, 3, 4]


def test_output_appears_only_when_the_job_commits(spark_session, profile, inbox, tmp_path):
    out = tmp_path / "out"
    drop(inbox, "a.json", [1, 2])
    ingest(spark_session, profile, inbox, out, "json", commit=False)
    assert output_files(out) == ["_etl_staging"]  # written, not visible

    # The failed run never committed: the next run reads a.json again, clears the dead run's files
    # and delivers each record once.
    ingest(spark_session, profile, inbox, out, "json")
    assert ids_in(spark_session, out, "json") == [1, 2]
    assert all(f.startswith("day=") for f in output_files(out)) and not staged(out), output_files(out)


def test_the_losing_run_of_two_concurrent_runs_leaves_no_files(spark_session, profile, inbox, tmp_path):
    out = tmp_path / "out"
    drop(inbox, "a.json", [1, 2, 3])
    runs = []
    for _ in range(2):  # both start from the same bookmark and read a.json
        ctx = EtlContext(spark_session, profile)
        job = Job(ctx).init("ingest", ENABLE)
        frame = ctx.create_dynamic_frame.from_options("file", {"paths": [str(inbox)]}, "json", transformation_ctx="in")
        ctx.write_dynamic_frame.from_options(frame, "file", {"path": str(out)}, "json")
        runs.append(job)
    assert len(staged(out)) == 2
    runs[0].commit()
    with pytest.raises(ConcurrentCommitError, match="staged file output is discarded"):
        runs[1].commit()
    assert runs[1].session.outputs == []  # a job that catches the error has nothing left to deliver
    assert ids_in(spark_session, out, "json") == [1, 2, 3]
    assert not staged(out)


def test_a_run_killed_between_its_bookmark_commit_and_the_move_is_finished_by_the_next(
    spark_session, profile, inbox, tmp_path, monkeypatch
):
    import etl_framework.job as job_module

    out = tmp_path / "out"
    drop(inbox, "a.json", [1, 2])
    real_promote = job_module.promote

    def crash(*args, **kwargs):
        raise SystemExit("killed")  # the process ends right after the bookmark version is written

    monkeypatch.setattr(job_module, "promote", crash)
    with pytest.raises(SystemExit):
        ingest(spark_session, profile, inbox, out, "json")
    monkeypatch.setattr(job_module, "promote", real_promote)
    assert BookmarkStore(profile.state_dir).versions("ingest") == [1]
    assert len(staged(out)) == 1 and output_files(out) == ["_etl_staging"]

    drop(inbox, "b.json", [3])
    assert ingest(spark_session, profile, inbox, out, "json")["read"] == 1  # only b.json: a.json was committed
    assert ids_in(spark_session, out, "json") == [1, 2, 3]
    assert not staged(out)


UNCOMMITTED_JOB = """
from etl_framework import Job

def main(ctx, args):
    Job(ctx).init(args["JOB_NAME"], args)
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [args["inbox"]]}, "json",
                                                  transformation_ctx="inbox")
    ctx.write_dynamic_frame.from_options(frame, "file", {"path": args["out"]}, "json")
"""


def test_a_job_that_never_commits_still_delivers_its_output(spark_session, profile, inbox, tmp_path):
    job = tmp_path / "no_commit.py"
    job.write_text(UNCOMMITTED_JOB)
    out = tmp_path / "out"
    drop(inbox, "a.json", [1, 2])
    argv = ["--job-bookmark-option", "job-bookmark-enable", "--inbox", str(inbox), "--out", str(out)]
    record = run_job(str(job), argv, profile)
    assert record.status == "SUCCEEDED" and record.metrics["written"] == 2
    assert ids_in(spark_session, out, "json") == [1, 2] and not staged(out)
    assert BookmarkStore(profile.state_dir).versions("no_commit") == []  # as in Glue: read again next run
