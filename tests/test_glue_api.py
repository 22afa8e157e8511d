"""Glue's GlueContext housekeeping calls, as a Glue script makes them: purge_s3_path (purge_table
is in test_catalog.py, on the Glue Data Catalog), transition_s3_path, and GlueContext's options."""

from __future__ import annotations

import logging
import os
import time

import pytest

from etl_framework import EtlContext, EtlError

DAY_HOURS = 24


def put(path, text: str, age_hours: float = 0) -> None:
    """A file whose modification time is ``age_hours`` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    when = time.time() - age_hours * 3600
    os.utime(path, (when, when))


def files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and not p.name.endswith(".crc"))


@pytest.fixture
def purge_log(caplog):
    logger = logging.getLogger("etl.purge")
    logger.addHandler(caplog.handler)  # etl's loggers may not propagate
    caplog.set_level(logging.INFO, "etl.purge")
    yield caplog
    logger.removeHandler(caplog.handler)


def test_purge_s3_path_deletes_what_is_older_than_the_retention_period(spark_session, profile, tmp_path, purge_log):
    ctx = EtlContext(spark_session, profile)
    out = tmp_path / "out"
    put(out / "_SUCCESS", "", 8 * DAY_HOURS)
    put(out / "day=1" / "a.json", "{}\n", 8 * DAY_HOURS)
    put(out / "day=1" / "notes.csv", "x\n", 8 * DAY_HOURS)
    put(out / "day=2" / "b.json", '{"id": 2}\n', 2)

    ctx.purge_s3_path(str(out), {"exclusions": ["**.csv"], "manifestFilePath": str(tmp_path / "manifest")})
    assert files(out) == ["day=1/notes.csv", "day=2/b.json"]  # default retention: 168 hours
    assert f"purged 2 files (3 bytes) below {out} older than 168 hours" in purge_log.text
    manifest = (tmp_path / "manifest" / "Success.csv").read_text().splitlines()
    assert manifest == [f"file:{out}/_SUCCESS", f"file:{out}/day=1/a.json"]

    ctx.purge_s3_path(str(out), {"retentionPeriod": 1, "excludeStorageClasses": ["STANDARD"]})
    assert files(out) == ["day=1/notes.csv", "day=2/b.json"]  # a local file counts as STANDARD
    ctx.purge_s3_path(f"file://{out}", {"retentionPeriod": 1}, transformation_ctx="cleanup")
    assert list(out.iterdir()) == []  # the folders it emptied are gone too, as on S3
    assert f"purged 2 files (12 bytes) below file://{out} older than 1 hours [cleanup]" in purge_log.text
    ctx.purge_s3_path(str(tmp_path / "missing"))  # nothing there: nothing to do, as on an empty prefix

    with pytest.raises(EtlError, match="purge_s3_path option 'retention' is not known"):
        ctx.purge_s3_path(str(out), {"retention": 1})
    with pytest.raises(EtlError, match="'retentionPeriod' must be a number of hours >= 0, got '24'"):
        ctx.purge_s3_path(str(out), {"retentionPeriod": "24"})
    with pytest.raises(EtlError, match="'excludeStorageClasses' must be a list of storage classes, got 'GLACIER'"):
        ctx.purge_s3_path(str(out), {"excludeStorageClasses": "GLACIER"})


def test_transition_is_refused_saying_why(spark_session, profile, tmp_path):
    ctx = EtlContext(spark_session, profile)
    with pytest.raises(EtlError) as local:
        ctx.transition_s3_path(str(tmp_path), "GLACIER", {"accountId": "1", "roleArn": "r"})
    assert str(local.value) == (
        f"transition_s3_path({str(tmp_path)!r}): changing storage classes is an S3 Batch Operations job on AWS, "
        "which etl_framework does not run (a local path, whose files have no S3 storage class); use an S3 "
        "lifecycle rule, or purge_s3_path to delete old files"
    )
    with pytest.raises(EtlError, match=r"\(an S3 path\)"):
        ctx.transition_s3_path("s3://lake/raw/", "GLACIER")


def test_glue_context_takes_glues_partition_options(spark_session):
    ctx = EtlContext(spark_session.sparkContext, minPartitions=4, targetPartitions=2)
    assert ctx.spark_session.sparkContext is spark_session.sparkContext
    with pytest.raises(TypeError, match="unexpected keyword argument 'minPartition'"):
        EtlContext(spark_session, minPartition=4)
    with pytest.raises(EtlError, match="'targetPartitions' must be a positive number of partitions, got 0"):
        EtlContext(spark_session, targetPartitions=0)
