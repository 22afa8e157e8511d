"""Staging on the cluster's own file system (YARN): the package's files put in ``deploy.stage_dir``
(``hdfs://…``, or any Hadoop file system the submitter's Hadoop client can write) with Hadoop's
``FsShell``, so YARN localizes them from there and spark-submit uploads none of them.

Names carry a content hash, so a file already there under its name with its size is the same file
and is not sent again: an unchanged project puts nothing. ``FsShell -put`` writes each file as
``NAME._COPYING_`` and renames it when complete, so no name ever refers to a half-written file,
and every put ends before the run is submitted.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ..config import Profile
from ..errors import ConfigError, EtlError
from ..jvm import hadoop_fs
from ..logs import get_logger

log = get_logger("deploy")


def stage_dir(profile: Profile) -> str:
    """The profile's ``deploy.stage_dir`` (a file system URI: ``hdfs://[namenode]/folder``), checked."""
    folder = profile.deploy.stage_dir
    if not folder:
        raise ConfigError(
            f"{profile.source}: key 'deploy.stage_dir' is required for target yarn "
            "(the hdfs:// folder on the cluster the package is put in)"
        )
    parts = urlsplit(folder)
    if not parts.scheme or parts.scheme == "file" or not parts.path.strip("/"):
        raise ConfigError(
            f"{profile.source}: key 'deploy.stage_dir' must be a folder on the cluster's file system "
            f"such as hdfs:///etl/deploy, got {folder!r}"
        )
    return folder.rstrip("/")


def _present(folder: str) -> dict[str, int]:
    """The files in ``folder`` (name -> size); none when the folder does not exist yet."""
    done = hadoop_fs("-ls", folder)
    if done.returncode != 0:
        if "No such file or directory" in done.stderr:
            return {}
        raise EtlError(f"deploy.stage_dir {folder}: cannot list it: {_last_line(done.stderr)}")
    found = {}
    for line in done.stdout.splitlines():
        fields = line.split()
        if line.startswith("-") and len(fields) >= 8:  # a file: mode, replicas, owner, group, size, date, time, path
            found[fields[-1].rsplit("/", 1)[-1]] = int(fields[4])
    return found


def stage(profile: Profile, files: list[Path]) -> list[str]:
    """Put ``files`` that are not in ``deploy.stage_dir`` yet there; the names put."""
    folder = stage_dir(profile)
    there = _present(folder)
    missing = [p for p in files if there.get(p.name) != p.stat().st_size]
    if missing:
        for args in (["-mkdir", "-p", folder], ["-put", "-f", *map(str, missing), f"{folder}/"]):
            done = hadoop_fs(*args)
            if done.returncode != 0:
                raise EtlError(
                    f"deploy.stage_dir {folder}: cannot put {', '.join(p.name for p in missing)} there: "
                    f"{_last_line(done.stderr)}"
                )
    log.info("staged %d files in %s (%d put)", len(files), folder, len(missing))
    return [p.name for p in missing]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"
