"""JDBC sources and sinks against a private PostgreSQL server, with and without job bookmarks."""

from __future__ import annotations

import itertools

import pytest

from etl_framework import DynamicFrame, EtlContext, EtlError, Job
from etl_framework.bookmarks import BookmarkStore
from etl_framework.config import ConfigError, load_profile
from etl_framework.sinks import UnresolvedChoiceError

ENABLE = "job-bookmark-enable"
_tables = itertools.count()


@pytest.fixture
def table(postgres):
    """A fresh table name per test."""
    return f"public.t{next(_tables)}"


def insert(postgres, table, *rows):
    values = ", ".join("(" + ", ".join(v if isinstance(v, str) else str(v) for v in row) + ")" for row in rows)
    postgres.psql(f"INSERT INTO {table} VALUES {values}")


def read(spark, profile, postgres, table, option=ENABLE, args=None, commit=True, job_name="load", **options):
    """One run of a job reading ``table``; returns its rows as sorted tuples."""
    ctx = EtlContext(spark, profile)
    job = Job(ctx).init(job_name, {"job_bookmark_option": option, **(args or {})})
    frame = ctx.create_dynamic_frame.from_options(
        connection_type="postgresql",
        connection_options={**postgres.options, "dbtable": table, **options},
        transformation_ctx="src",
    )
    rows = sorted(tuple(r) for r in frame.toDF().collect())
    if commit:
        job.commit()
    return rows


def state(profile, job_name="load"):
    return BookmarkStore(profile.state_dir).latest(job_name).sources["src"]


def test_growing_table_is_processed_exactly_once(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id serial PRIMARY KEY, item text)")
    insert(postgres, table, (1, "'a'"), (2, "'b'"), (3, "'c'"))
    seen = read(spark_session, profile, postgres, table)
    assert [r[0] for r in seen] == [1, 2, 3]
    assert state(profile) == {"type": "jdbc", "keys": ["id"], "sort_order": "asc", "high_water": [3]}
    assert read(spark_session, profile, postgres, table) == []
    insert(postgres, table, (4, "'d'"), (5, "'e'"))
    later = read(spark_session, profile, postgres, table)
    assert [r[0] for r in later] == [4, 5]
    assert state(profile)["high_water"] == [5]


def test_rows_inserted_during_a_run_wait_for_the_next_run(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    insert(postgres, table, (1,), (2,))
    ctx = EtlContext(spark_session, profile)
    job = Job(ctx).init("load", {"job_bookmark_option": ENABLE})
    frame = ctx.create_dynamic_frame.from_options(
        "postgresql", {**postgres.options, "dbtable": table}, transformation_ctx="src"
    )
    insert(postgres, table, (3,))  # after the run fixed its upper bound, before Spark reads
    assert sorted(r.id for r in frame.toDF().collect()) == [1, 2]
    assert frame.count() == 2  # every action reads the same rows
    assert ctx.metrics.as_dict()["read"] == 2
    job.commit()
    assert read(spark_session, profile, postgres, table) == [(3,)]


def test_a_run_that_does_not_commit_is_read_again(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    insert(postgres, table, (1,))
    assert read(spark_session, profile, postgres, table) == [(1,)]
    insert(postgres, table, (2,), (3,))
    assert read(spark_session, profile, postgres, table, commit=False) == [(2,), (3,)]
    insert(postgres, table, (4,))
    assert read(spark_session, profile, postgres, table) == [(2,), (3,), (4,)]
    assert read(spark_session, profile, postgres, table) == []


def test_composite_keys_compare_lexicographically(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (day int, seq int, v text)")
    insert(postgres, table, (1, 1, "'a'"), (1, 2, "'b'"), (2, 1, "'c'"))
    keys = {"jobBookmarkKeys": ["day", "seq"]}
    assert len(read(spark_session, profile, postgres, table, **keys)) == 3
    assert state(profile)["high_water"] == [2, 1]
    insert(postgres, table, (2, 2, "'d'"), (3, 1, "'e'"), (2, 3, "'f'"))
    assert read(spark_session, profile, postgres, table, **keys) == [(2, 2, "d"), (2, 3, "f"), (3, 1, "e")]
    assert state(profile)["high_water"] == [3, 1]


def test_descending_keys(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (countdown int PRIMARY KEY)")
    insert(postgres, table, (100,), (99,), (98,))
    desc = {"jobBookmarkKeysSortOrder": "desc"}
    assert read(spark_session, profile, postgres, table, **desc) == [(98,), (99,), (100,)]
    assert state(profile) == {"type": "jdbc", "keys": ["countdown"], "sort_order": "desc", "high_water": [98]}
    insert(postgres, table, (97,), (96,))
    assert read(spark_session, profile, postgres, table, **desc) == [(96,), (97,)]
    assert read(spark_session, profile, postgres, table, **desc) == []


def test_default_keys_are_the_primary_key_in_key_order(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (a int, b int, PRIMARY KEY (b, a))")
    insert(postgres, table, (1, 1), (2, 1), (1, 2))
    assert len(read(spark_session, profile, postgres, table)) == 3
    assert state(profile)["keys"] == ["b", "a"]
    assert state(profile)["high_water"] == [2, 1]
    insert(postgres, table, (2, 2))
    assert read(spark_session, profile, postgres, table) == [(2, 2)]


def test_a_table_without_primary_key_needs_bookmark_keys(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id int)")
    with pytest.raises(EtlError, match=rf"{table}.*no primary key.*jobBookmarkKeys"):
        read(spark_session, profile, postgres, table)
    # without bookmarks nothing needs keys
    assert read(spark_session, profile, postgres, table, option="job-bookmark-disable") == []


def test_changed_bookmark_keys_are_an_error(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id int PRIMARY KEY, seq int)")
    insert(postgres, table, (1, 1))
    read(spark_session, profile, postgres, table)
    with pytest.raises(EtlError, match=r"\['id'\].*now \['seq'\].*etl bookmarks reset"):
        read(spark_session, profile, postgres, table, jobBookmarkKeys=["seq"])


def test_rows_at_the_boundary(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (name text, seq int)")
    keys = {"jobBookmarkKeys": ["seq"]}
    insert(postgres, table, ("'a'", 1), ("'b'", 2), ("'c'", 3), ("'d'", 3))
    # the upper bound is inclusive: every row with the last key is read
    assert [r[0] for r in read(spark_session, profile, postgres, table, **keys)] == ["a", "b", "c", "d"]
    # the lower bound is exclusive: a late row with the last key counts as read (keys must grow strictly)
    insert(postgres, table, ("'e'", 3), ("'f'", 4), ("'g'", 4))
    assert read(spark_session, profile, postgres, table, **keys) == [("f", 4), ("g", 4)]
    assert read(spark_session, profile, postgres, table, **keys) == []


def test_timestamp_keys_are_kept_as_iso_text(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (at timestamp(6), at_tz timestamptz, n int)")
    for n in (1, 2):
        insert(postgres, table, (f"'2026-01-01 10:00:00.00000{n}'", f"'2026-01-01 10:00:00.00000{n}+02'", n))
    marks = {"at": "2026-01-01T10:00:00.000002", "at_tz": "2026-01-01T08:00:00.000002+00"}
    for key, mark in marks.items():
        rows = read(spark_session, profile, postgres, table, job_name=key, jobBookmarkKeys=[key])
        assert [r[2] for r in rows] == [1, 2]
        assert state(profile, key)["high_water"] == [mark]
    insert(postgres, table, ("'2026-01-01 10:00:00.000003'", "'2026-01-01 10:00:00.000003+02'", 3))
    for key in marks:
        rows = read(spark_session, profile, postgres, table, job_name=key, jobBookmarkKeys=[key])
        assert [r[2] for r in rows] == [3]


def test_pause_replays_what_earlier_runs_read(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    for run_id, ids in (("jr_1", [1, 2]), ("jr_2", [3]), ("jr_3", [4, 5])):
        insert(postgres, table, *[(i,) for i in ids])
        assert read(spark_session, profile, postgres, table, args={"JOB_RUN_ID": run_id}) == [(i,) for i in ids]
    insert(postgres, table, (6,))
    latest = BookmarkStore(profile.state_dir).latest_version("load")

    def replay(first, last):
        args = {"job_bookmark_from": first, "job_bookmark_to": last}
        return read(spark_session, profile, postgres, table, option="job-bookmark-pause", args=args)

    assert replay("jr_1", "jr_3") == [(3,), (4,), (5,)]
    assert replay("jr_1", "jr_2") == [(3,)]
    assert replay("jr_2", "jr_3") == [(4,), (5,)]
    assert BookmarkStore(profile.state_dir).latest_version("load") == latest  # a replay commits nothing
    # plain pause: what is new since the bookmark, without moving it
    assert read(spark_session, profile, postgres, table, option="job-bookmark-pause") == [(6,)]
    assert read(spark_session, profile, postgres, table) == [(6,)]


def test_disabled_bookmarks_read_everything(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    insert(postgres, table, (1,), (2,))
    read(spark_session, profile, postgres, table)
    versions = BookmarkStore(profile.state_dir).versions("load")
    off = "job-bookmark-disable"
    assert read(spark_session, profile, postgres, table, option=off) == [(1,), (2,)]
    assert read(spark_session, profile, postgres, table, option=off) == [(1,), (2,)]
    assert BookmarkStore(profile.state_dir).versions("load") == versions


def test_parallel_reads(spark_session, profile, postgres, table):
    postgres.psql(f"CREATE TABLE {table} (id int PRIMARY KEY, name text)")
    postgres.psql(f"INSERT INTO {table} SELECT i, 'n' || i FROM generate_series(1, 50) i")
    ctx = EtlContext(spark_session, profile)
    Job(ctx).init("load", {"job_bookmark_option": ENABLE})
    base = {**postgres.options, "dbtable": table}
    hashed = ctx.create_dynamic_frame.from_options(
        "postgresql", {**base, "hashfield": "name", "hashpartitions": "3"}, transformation_ctx="src"
    )
    assert hashed.getNumPartitions() == 3
    assert sorted(r.id for r in hashed.toDF().collect()) == list(range(1, 51))
    ranged = ctx.create_dynamic_frame.from_options(
        "postgresql",
        {**base, "partitionColumn": "id", "lowerBound": 1, "upperBound": 50, "numPartitions": 4},
    )
    assert ranged.getNumPartitions() == 4
    assert ranged.count() == 50


def test_sink_round_trip(spark_session, profile, postgres, table):
    ctx = EtlContext(spark_session, profile)
    df = spark_session.createDataFrame([(1, "a", 2.5), (2, "b", None)], "id long, name string, total double")
    frame = DynamicFrame.fromDF(df, ctx, "orders")
    target = {**postgres.options, "dbtable": table}
    returned = ctx.write_dynamic_frame.from_options(frame, connection_type="postgresql", connection_options=target)
    assert returned is frame
    ctx.write_dynamic_frame.from_options(frame, "postgresql", target)  # appends
    assert ctx.metrics.as_dict()["written"] == 4
    back = ctx.create_dynamic_frame.from_options("postgresql", target)
    assert [f.name for f in back.schema()] == ["id", "name", "total"]
    assert sorted(tuple(r) for r in back.toDF().collect()) == sorted([(1, "a", 2.5), (2, "b", None)] * 2)


def test_sink_refuses_unresolved_choices(spark_session, profile, postgres, table, tmp_path):
    (tmp_path / "in.json").write_text('{"total": 1}\n{"total": "x"}\n')
    ctx = EtlContext(spark_session, profile)
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [str(tmp_path / "in.json")]}, "json")
    with pytest.raises(UnresolvedChoiceError, match="total"):
        ctx.write_dynamic_frame.from_options(frame, "postgresql", {**postgres.options, "dbtable": table})
    assert postgres.psql(f"SELECT to_regclass('{table}') IS NULL") == "t"  # nothing written


def test_connection_options_are_checked(spark_session, profile, postgres):
    ctx = EtlContext(spark_session, profile)
    with pytest.raises(EtlError, match="dbtable"):
        ctx.create_dynamic_frame.from_options("postgresql", {"url": postgres.url})
    with pytest.raises(EtlError, match="does not match url") as mismatch:
        ctx.create_dynamic_frame.from_options("mysql", {"url": f"{postgres.url}?password=pw-x", "dbtable": "t"})
    assert f"url '{postgres.url}?password=***'" in str(mismatch.value)
    with pytest.raises(EtlError, match="jobBookmarkKeysSortOrder"):
        ctx.create_dynamic_frame.from_options(
            "postgresql", {**postgres.options, "dbtable": "t", "jobBookmarkKeysSortOrder": "up"}
        )


def test_from_jdbc_conf_writes_through_a_profile_connection(spark_session, postgres, table, tmp_path, monkeypatch):
    """A Redshift-bound script's ``from_jdbc_conf`` write, pointed at PostgreSQL by a profile connection."""
    monkeypatch.setenv("DW_PASSWORD", "pw-1")
    conf = tmp_path / "dev.yaml"
    conf.write_text(
        f"spark: {{master: 'local[1]'}}\nstate_dir: {tmp_path}/state\nwarehouse_dir: {tmp_path}/wh\n"
        f"connections:\n  dw: {{url: '{postgres.url}?ApplicationName=etl', user: {postgres.user}, "
        "password: '${DW_PASSWORD}'}\n"
    )
    ctx = EtlContext(spark_session, load_profile(str(conf)))
    assert ctx.extract_jdbc_conf("dw") == {
        "url": f"jdbc:postgresql://127.0.0.1:{postgres.port}",
        "fullUrl": f"{postgres.url}?ApplicationName=etl",
        "vendor": "postgresql",
        "user": postgres.user,
        "password": "pw-1",
        "enforceSSL": "false",
    }
    postgres.psql("DROP DATABASE IF EXISTS dw_other", database="postgres")
    postgres.psql("CREATE DATABASE dw_other", database="postgres")
    frame = DynamicFrame.fromDF(spark_session.createDataFrame([(1, "a"), (2, "b")], "id long, name string"), ctx, "o")
    ctx.write_dynamic_frame.from_jdbc_conf(frame, "dw", {"dbtable": table}, redshift_tmp_dir=str(tmp_path))
    ctx.write_dynamic_frame_from_jdbc_conf(
        frame, catalog_connection="dw", connection_options={"dbtable": table, "database": "dw_other"}
    )  # Glue's "database" replaces the URL's
    assert postgres.psql(f"SELECT string_agg(name, ',' ORDER BY id) FROM {table}") == "a,b"
    assert postgres.psql(f"SELECT count(*) FROM {table}", database="dw_other") == "2"
    with pytest.raises(EtlError, match="connection 'dwh' not found: it is not in the profile's 'connections'"):
        ctx.write_dynamic_frame.from_jdbc_conf(frame, "dwh", {"dbtable": table})

    conf.write_text("spark: {master: 'local[1]'}\nconnections:\n  dw: {url: 'postgres://db/x', usr: etl}\n")
    with pytest.raises(ConfigError, match=f"{conf}: unknown key 'connections.dw.usr'"):
        load_profile(str(conf))
    conf.write_text("spark: {master: 'local[1]'}\nconnections:\n  dw: {url: 'postgres://db/x'}\n")
    with pytest.raises(ConfigError, match=f"{conf}: key 'connections.dw.url' must be a JDBC URL"):
        load_profile(str(conf))
