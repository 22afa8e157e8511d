"""Job bookmarks on a growing file source: exactly once over good runs, at least once over bad ones."""

import json
import os
import textwrap
import time

import pytest
from deltalake import DeltaTable

from etl_framework import EtlContext, Job, JobArgumentError
from etl_framework.bookmarks import BookmarkError, BookmarkStore, ConcurrentCommitError
from etl_framework.bookmarks.admin import set_high_water

from .conftest import ROOT, run_etl, set_args

ENABLE = {"job_bookmark_option": "job-bookmark-enable"}


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def drop(folder, name, ids, age_s=0):
    """A JSON-lines file of records with these ids, optionally with an older modification time."""
    path = folder / name
    path.write_text("".join(json.dumps({"id": i, "file": name}) + "\n" for i in ids))
    if age_s:
        past = time.time() - age_s
        os.utime(path, (past, past))
    return path


def run(spark, profile, inbox, args=None, commit=True, job_name="ingest", **options):
    """One run of a bookmarked job; returns the ids it read."""
    ctx = EtlContext(spark, profile)
    job = Job(ctx).init(job_name, {**ENABLE, **(args or {})})
    frame = ctx.create_dynamic_frame.from_options(
        "file", {"paths": [str(inbox)], **options}, "json", transformation_ctx="inbox"
    )
    ids = sorted(r.id for r in frame.toDF().collect()) if frame.schema().fields else []
    if commit:
        job.commit()
    return ids


def test_each_file_is_read_once_across_runs(spark_session, profile, inbox):
    drop(inbox, "a.json", [1, 2])
    drop(inbox, "b.json", [3])
    assert run(spark_session, profile, inbox) == [1, 2, 3]
    assert run(spark_session, profile, inbox) == []
    drop(inbox, "c.json", [4, 5])
    assert run(spark_session, profile, inbox) == [4, 5]
    # a file listed late, with a modification time inside the band, is still picked up once
    drop(inbox, "late.json", [6], age_s=120)
    assert run(spark_session, profile, inbox) == [6]
    assert run(spark_session, profile, inbox) == []


def test_rewritten_file_is_read_again(spark_session, profile, inbox):
    path = drop(inbox, "a.json", [1])
    assert run(spark_session, profile, inbox) == [1]
    path.write_text(json.dumps({"id": 10, "file": "a.json"}) + "\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert run(spark_session, profile, inbox) == [10]


def test_old_files_beyond_the_band_are_covered_by_the_mark(spark_session, profile, inbox):
    drop(inbox, "old.json", [1], age_s=3600)
    assert run(spark_session, profile, inbox) == [1]
    state = BookmarkStore(profile.state_dir).latest("ingest").sources["inbox"]
    assert state["band"] == {}  # older than maxBand: the high-water mark alone remembers it
    assert run(spark_session, profile, inbox) == []


def test_bounded_files_caps_a_run_and_the_rest_waits(spark_session, profile, inbox):
    for i in range(5):
        drop(inbox, f"f{i}.json", [i], age_s=3600 - i)
    got = [run(spark_session, profile, inbox, boundedFiles=2) for _ in range(4)]
    assert got == [[0, 1], [2, 3], [4], []]


def test_bounded_size_caps_a_run(spark_session, profile, inbox):
    for i in range(3):
        drop(inbox, f"f{i}.json", [i], age_s=3600 - i)
    size = (inbox / "f0.json").stat().st_size
    assert run(spark_session, profile, inbox, boundedSize=size * 2) == [0, 1]
    assert run(spark_session, profile, inbox, boundedSize=size * 2) == [2]


def test_a_run_that_does_not_commit_is_read_again(spark_session, profile, inbox):
    drop(inbox, "a.json", [1, 2])
    assert run(spark_session, profile, inbox, commit=False) == [1, 2]
    assert run(spark_session, profile, inbox) == [1, 2]
    assert run(spark_session, profile, inbox) == []


def test_disable_reads_everything_and_keeps_no_state(spark_session, profile, inbox):
    drop(inbox, "a.json", [1])
    off = {"job_bookmark_option": "job-bookmark-disable"}
    assert run(spark_session, profile, inbox, off) == [1]
    assert run(spark_session, profile, inbox, off) == [1]
    assert BookmarkStore(profile.state_dir).versions("ingest") == []


def test_pause_reads_new_data_without_moving_the_bookmark(spark_session, profile, inbox):
    drop(inbox, "a.json", [1])
    run(spark_session, profile, inbox)
    drop(inbox, "b.json", [2])
    pause = {"job_bookmark_option": "job-bookmark-pause"}
    assert run(spark_session, profile, inbox, pause) == [2]
    assert run(spark_session, profile, inbox, pause) == [2]
    assert run(spark_session, profile, inbox) == [2]


def test_pause_replays_the_range_between_two_runs(spark_session, profile, inbox):
    drop(inbox, "a.json", [1])
    run(spark_session, profile, inbox, {"JOB_RUN_ID": "jr_1"})
    drop(inbox, "b.json", [2])
    run(spark_session, profile, inbox, {"JOB_RUN_ID": "jr_2"})
    drop(inbox, "c.json", [3])
    run(spark_session, profile, inbox, {"JOB_RUN_ID": "jr_3"})
    replay = {"job_bookmark_option": "job-bookmark-pause", "job_bookmark_from": "jr_1", "job_bookmark_to": "jr_3"}
    assert run(spark_session, profile, inbox, replay) == [2, 3]
    with pytest.raises(JobArgumentError, match="no bookmark committed by run 'jr_9'"):
        run(spark_session, profile, inbox, {**replay, "job_bookmark_to": "jr_9"})


def test_source_without_transformation_ctx_is_not_bookmarked(spark_session, profile, inbox):
    drop(inbox, "a.json", [1])
    for _ in range(2):
        ctx = EtlContext(spark_session, profile)
        job = Job(ctx).init("plain", ENABLE)
        frame = ctx.create_dynamic_frame.from_options("file", {"paths": [str(inbox)]}, "json")
        assert frame.count() == 1
        job.commit()


def test_concurrent_runs_cannot_both_commit(spark_session, profile, inbox):
    drop(inbox, "a.json", [1])
    first = Job(EtlContext(spark_session, profile)).init("ingest", ENABLE)
    second = Job(EtlContext(spark_session, profile)).init("ingest", ENABLE)
    first.commit()
    with pytest.raises(ConcurrentCommitError, match="version 1 was committed by another run"):
        second.commit()
    assert BookmarkStore(profile.state_dir).versions("ingest") == [1]


def corrupt(state_dir, number, /, **changes):
    """Rewrite a committed version file with some fields (``inbox=...``: that source's state) changed."""
    path = os.path.join(state_dir, "bookmarks", "ingest", f"{number:08d}.json")
    with open(path) as f:
        data = json.load(f)
    if "inbox" in changes:
        data["sources"]["inbox"] = changes.pop("inbox")
    with open(path, "w") as out:
        json.dump({**data, **changes}, out)


def test_corrupt_state_is_an_error_naming_the_file_and_field(spark_session, profile, inbox):
    drop(inbox, "a.json", [1])
    run(spark_session, profile, inbox)
    good = os.path.join(profile.state_dir, "bookmarks", "ingest", "00000001.json")
    with open(good) as f:
        committed = f.read()
    wrong_shapes = [
        ({"sources": "oops"}, r"field sources is 'oops', expected an object"),
        ({"inbox": {}}, r"field sources\.inbox\.type is None"),  # a lost mark: never a silent re-read
        (
            {"inbox": {"type": "files", "high_water_ms": "abc", "band": {}}},
            r"field sources\.inbox\.high_water_ms is 'abc'",
        ),
        ({"inbox": {"type": "delta"}}, r"field sources\.inbox\.version is None"),
        (
            {"inbox": {"type": "jdbc", "keys": ["id"], "sort_order": "asc", "high_water": []}},
            r"field sources\.inbox\.high_water is \[\]",
        ),
        ({"version": 7}, r"field version is 7, but the file is version 1"),
    ]
    for changes, field in wrong_shapes:
        with open(good, "w") as out:
            out.write(committed)
        corrupt(profile.state_dir, 1, **changes)
        with pytest.raises(BookmarkError, match=r"00000001\.json: bookmark state is corrupt \(" + field):
            run(spark_session, profile, inbox)
    with open(good, "w") as out:
        out.write("{not json")
    with pytest.raises(BookmarkError, match=r"00000001\.json: bookmark state is corrupt"):
        run(spark_session, profile, inbox)


KILLABLE_JOB = """
import os, signal
from etl_framework import Job

def main(ctx, args):
    job = Job(ctx).init(args["JOB_NAME"], args)
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [args["inbox"]]}, "json",
                                                  transformation_ctx="inbox")
    ctx.write_dynamic_frame.from_options(frame, "file", {"path": args["out"]}, "json")
    if args.get("die") == "true":
        os.kill(os.getpid(), signal.SIGKILL)  # the process dies after writing, before committing
    job.commit()
"""


def test_job_killed_between_write_and_commit_loses_nothing(tmp_path, inbox, spark_session, dirs, etl_here):
    job = tmp_path / "killable.py"
    job.write_text(textwrap.dedent(KILLABLE_JOB))
    out = tmp_path / "out"
    drop(inbox, "a.json", [1, 2])
    common = [*set_args(dirs), "--job-bookmark-option", "job-bookmark-enable", "--inbox", str(inbox), "--out", str(out)]
    killed = run_etl("run", str(job), *common, "--die", "true")
    assert killed.code != 0
    assert BookmarkStore(str(dirs["state"])).versions("killable") == []
    drop(inbox, "b.json", [3])
    rerun = etl_here("run", str(job), *common)  # the reruns need no process of their own
    assert rerun.code == 0, rerun.stderr[-2000:]
    ids = sorted(r.id for r in spark_session.read.json(str(out)).collect())
    assert ids == [1, 2, 3]  # nothing lost, nothing twice: the killed run's files were never visible
    assert etl_here("run", str(job), *common).code == 0
    assert sorted(r.id for r in spark_session.read.json(str(out)).collect()) == ids  # nothing new


def test_cli_show_reset_rewind_and_set(spark_session, profile, inbox):
    cli = ["--set", f"state_dir={profile.state_dir}"]
    first = drop(inbox, "a.json", [1], age_s=60)
    run(spark_session, profile, inbox, {"JOB_RUN_ID": "jr_a"})
    drop(inbox, "b.json", [2])
    run(spark_session, profile, inbox, {"JOB_RUN_ID": "jr_b"})

    shown = run_etl("bookmarks", "show", "ingest", *cli)
    assert shown.code == 0 and "run jr_a" in shown.stdout and "inbox: files modified up to" in shown.stdout

    assert run_etl("bookmarks", "rewind", "ingest", "--to-run", "jr_a", *cli).code == 0
    assert run(spark_session, profile, inbox) == [2]

    assert run_etl("bookmarks", "reset", "ingest", *cli).code == 0
    assert run(spark_session, profile, inbox) == [1, 2]

    mark = int(first.stat().st_mtime * 1000) + 1  # just after a.json
    done = run_etl("bookmarks", "set", "ingest", "--ctx", "inbox", "--high-water", str(mark), *cli)
    assert done.code == 0 and "wrote bookmark version" in done.stdout
    assert run(spark_session, profile, inbox) == [2]

    bad = run_etl("bookmarks", "rewind", "ingest", "--to-run", "jr_zz", *cli)
    assert bad.code == 2 and "no bookmark committed by run 'jr_zz'" in bad.stderr

    # an old version (jr_b's) and the newest are corrupt: show the rest, and repair with set or rewind
    folder = os.path.join(profile.state_dir, "bookmarks", "ingest")
    corrupt(profile.state_dir, 2, sources="oops")
    corrupt(profile.state_dir, 8, inbox={"type": "files", "high_water_ms": "abc", "band": {}})
    shown = run_etl("bookmarks", "show", "ingest", *cli)
    assert shown.code == 0 and "run jr_a" in shown.stdout and "set inbox" in shown.stdout, shown.stderr
    assert f"CORRUPT: {folder}/00000002.json: bookmark state is corrupt (field sources is 'oops'" in shown.stdout
    assert f"CORRUPT: {folder}/00000008.json: bookmark state is corrupt (field sources.inbox.high_water_ms" in (
        shown.stdout
    )

    untyped = run_etl("bookmarks", "set", "ingest", "--ctx", "inbox", "--high-water", str(mark), *cli)
    assert untyped.code == 2 and "source 'inbox' of job 'ingest' has a corrupt state (sources.inbox" in untyped.stderr
    typed = run_etl("bookmarks", "set", "ingest", "--ctx", "inbox", "--type", "files", "--high-water", str(mark), *cli)
    assert typed.code == 0 and "wrote bookmark version 9" in typed.stdout, typed.stderr
    assert run(spark_session, profile, inbox, commit=False) == [2]

    corrupt(profile.state_dir, 9, inbox={})  # a source that lost its mark stops the run, never re-reads all
    with pytest.raises(BookmarkError, match=r"00000009\.json: bookmark state is corrupt \(field sources\.inbox\.type"):
        run(spark_session, profile, inbox)
    assert run_etl("bookmarks", "rewind", "ingest", "--to-run", "jr_a", *cli).code == 0
    assert run(spark_session, profile, inbox, commit=False) == [2]
    lost = run_etl("bookmarks", "rewind", "ingest", "--to-run", "jr_b", *cli)
    assert lost.code == 2 and "no bookmark committed by run 'jr_b'" in lost.stderr
    assert f"unreadable: {folder}/00000002.json: bookmark state is corrupt (field sources is 'oops'" in lost.stderr


def test_sample_job_second_run_reads_nothing_and_new_file_only(tmp_path, dirs, spark_session, etl_here):
    source = tmp_path / "orders"
    source.mkdir()
    for f in sorted((ROOT / "jobs" / "sample_data" / "orders").iterdir())[:2]:
        (source / f.name).write_text(f.read_text())
    # A crawler of this folder keeps shop_raw.orders, the table the job reads, current.
    crawl = ["crawl", "--path", str(source), "--database", "shop_raw", *set_args(dirs)]
    args = ["--job-bookmark-option", "job-bookmark-enable", *set_args(dirs)]
    try:
        assert etl_here(*crawl).code == 0
        first = etl_here("run", "jobs/sample_orders.py", *args)
        assert first.code == 0 and "read=121 written=120 errors=1" in first.stdout, first.stderr[-2000:]
        table = dirs["warehouse"] / "sales" / "orders"
        version = DeltaTable(str(table)).version()
        second = etl_here("run", "jobs/sample_orders.py", *args)
        assert second.code == 0 and "read=0 written=0 errors=0" in second.stdout, second.stderr[-2000:]
        # nothing new: the job runs every step (no guard in it) and the merge commits nothing
        assert "orders_source: 0 of 2 files are new since the last bookmark; nothing to read" in second.stderr
        assert "nothing committed" in second.stderr and DeltaTable(str(table)).version() == version
        newest = sorted((ROOT / "jobs" / "sample_data" / "orders").iterdir())[3]
        (source / newest.name).write_text(newest.read_text())
        assert etl_here(*crawl).code == 0
        third = etl_here("run", "jobs/sample_orders.py", *args)
        assert "orders_source: 1 of 3 files are new" in third.stderr and "read=61 written=60 errors=1" in third.stdout
        total = spark_session.read.parquet(str(dirs["warehouse"] / "sales" / "orders")).count()
        assert total == 180
        listed = etl_here("catalog", "partitions", "sales.orders", *set_args(dirs))  # the new day is registered
        assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [
            "2026-10-01",
            "2026-10-02",
            "2026-10-04",
        ]
    finally:
        for table_name in ("shop_raw.orders", "sales.orders"):
            spark_session.sql(f"DROP TABLE IF EXISTS {table_name}")


def test_set_by_hand_checks_the_mark_before_writing(tmp_path):
    store = BookmarkStore(str(tmp_path / "state"))
    with pytest.raises(BookmarkError, match=r"--high-water 'abc': expected the Delta table version"):
        set_high_water(store, "ingest", "orders", "abc", kind="delta")
    with pytest.raises(BookmarkError, match=r"--high-water 'soon': expected epoch milliseconds or an ISO"):
        set_high_water(store, "ingest", "inbox", "soon", kind="files")
    assert store.versions("ingest") == []
    assert set_high_water(store, "ingest", "orders", "7", kind="delta").sources["orders"] == {
        "type": "delta",
        "version": 7,
    }
