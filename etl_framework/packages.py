"""Spark packages: the JVM libraries pip's pyspark lacks, fetched once from Maven Central.

A profile lists them under ``spark.packages``, by name or as Maven coordinates::

    delta       io.delta:delta-spark_2.13       Delta Lake in Spark (without it delta-rs writes)
    hadoop-aws  org.apache.hadoop:hadoop-aws    s3a:// and s3:// paths (with the AWS SDK bundle)
    avro        org.apache.spark:spark-avro_2.13  format="avro"

Their versions follow what is installed, so they live in one place, ``pyproject.toml``: Delta's
is the ``delta-spark`` wheel's, hadoop-aws' the Hadoop client inside pyspark, spark-avro's
Spark's own.

Spark's own resolver (Ivy, what ``spark.jars.packages`` runs) fetches each package with its
dependencies into Ivy's cache (``~/.ivy2.5.2``, or ``spark.jars.ivy``), once; the list of JARs it
retrieved is kept beside that cache, so later sessions start without resolving anything. A JAR of
a library Spark already ships (Jackson, Parquet, the Hadoop client) is left out: Spark's own copy
is the one that works with it. When a package cannot be fetched (an offline laptop) the run goes on
without it and says what is missing and how to get it.

>>> coordinate("avro") == f"org.apache.spark:spark-avro_2.13:{spark_version()}"
True
>>> coordinate("com.example:udfs:1.0")
'com.example:udfs:1.0'
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError, EtlError
from .jvm import java_class
from .logs import get_logger

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = get_logger("packages")

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"

# What each named package gives, for the message when it is missing.
PURPOSE = {
    "delta": "Delta tables are written through delta-rs instead of delta-spark",
    "hadoop-aws": "s3:// and s3a:// paths cannot be read or written",
    "avro": 'format="avro" cannot be read or written',
}

# A class in each package's JARs: whether a session has them.
_CLASSES = {
    "delta": "io.delta.tables.DeltaTable",
    "hadoop-aws": "org.apache.hadoop.fs.s3a.S3AFileSystem",
    "avro": "org.apache.spark.sql.v2.avro.AvroDataSourceV2",  # AvroFileFormat itself is in spark-sql
}

HOW_TO_GET = (
    "Fetch them once on a machine that reaches Maven Central: `make jars` (or `etl jars --env PROFILE`), "
    "which caches them in Ivy's folder (~/.ivy2.5.2, or spark.jars.ivy); copy that folder to an offline "
    "machine, or name a mirror with spark.conf spark.jars.repositories"
)


def spark_jars_dir() -> Path:
    """The folder of JARs that pip's pyspark ships (Spark's own classpath)."""
    import pyspark

    return Path(pyspark.__file__).parent / "jars"


def spark_version() -> str:
    """Spark's version, as pyspark reports it (``4.2.0``)."""
    import pyspark

    return pyspark.__version__


@cache
def _bundled_version(artifact: str) -> str:
    """The version of one of Spark's own JARs, from its file name."""
    for jar in spark_jars_dir().glob(f"{artifact}-*.jar"):
        name, version = split_jar_name(jar.name)
        if name == artifact:
            return version
    raise ConfigError(f"{spark_jars_dir()}: no {artifact} JAR; is pyspark installed completely?")


def hadoop_version() -> str:
    """The version of the Hadoop client inside pyspark (``3.5.0``): hadoop-aws must match it."""
    return _bundled_version("hadoop-client-api")


def scala_version() -> str:
    """The Scala binary version Spark is built for (``2.13``)."""
    return ".".join(_bundled_version("scala-library").split(".")[:2])


def loaded(spark: SparkSession, name: str) -> bool:
    """True when the session's JVM can load the package ``name`` (``delta``, ``hadoop-aws``, ``avro``)."""
    loader = java_class(spark, "java.lang.Thread").currentThread().getContextClassLoader()
    try:
        java_class(spark, "java.lang.Class").forName(_CLASSES[name], False, loader)
    except Exception:  # noqa: BLE001 - py4j raises ClassNotFoundException as a Py4JJavaError
        return False
    return True


def require(spark: SparkSession, name: str, use: str) -> None:
    """Raise a clear error, instead of Spark's, when ``use`` needs a package the session lacks."""
    if not loaded(spark, name):
        raise EtlError(
            f"{use} needs the Spark package {coordinate(name)}, which this session does not have: list "
            f"{name} in the profile's spark.packages and fetch it once with `make jars` (or `etl jars`)"
        )


def is_package(name: object) -> bool:
    """True for a known package name or a Maven coordinate ``group:artifact:version``."""
    return isinstance(name, str) and (name in PURPOSE or (name.count(":") == 2 and all(name.split(":"))))


def coordinate(name: str) -> str:
    """The Maven coordinate (``group:artifact:version``) of a package name or coordinate."""
    if name == "delta":
        return f"io.delta:delta-spark_{scala_version()}:{importlib.metadata.version('delta-spark')}"
    if name == "hadoop-aws":
        return f"org.apache.hadoop:hadoop-aws:{hadoop_version()}"
    if name == "avro":
        return f"org.apache.spark:spark-avro_{scala_version()}:{spark_version()}"
    if not is_package(name):
        raise ConfigError(
            f"spark.packages: {name!r} is neither a known package ({', '.join(PURPOSE)}) "
            "nor a Maven coordinate group:artifact:version"
        )
    return name


def split_jar_name(file_name: str) -> tuple[str, str]:
    """(artifact, version) of a JAR file name: Spark's ``jackson-core-2.20.0.jar`` or Ivy's
    ``com.fasterxml.jackson.core_jackson-core-2.13.5.jar``.

    >>> split_jar_name("org.apache.hadoop_hadoop-client-api-3.4.2.jar")
    ('hadoop-client-api', '3.4.2')
    >>> split_jar_name("zstd-jni-1.5.7-3.jar")
    ('zstd-jni', '1.5.7-3')
    """
    stem = file_name.removesuffix(".jar")
    if "_" in stem.split("-")[0]:  # Ivy's retrieve pattern puts the group first
        stem = stem.split("_", 1)[1]
    match = re.match(r"(.+?)-(\d.*)$", stem)
    return (match.group(1), match.group(2)) if match else (stem, "")


@dataclass(frozen=True)
class Packages:
    """The outcome of looking up a profile's packages: the JARs to load and what is missing."""

    jars: tuple[str, ...]
    loaded: tuple[str, ...]  # coordinates whose JARs are in ``jars``
    missing: tuple[str, ...]  # coordinates that could not be fetched
    problem: str = ""  # why, in Ivy's words

    def message(self, names: Iterable[str] = ()) -> str:
        """What is missing, what that means for the run, and how to get it."""
        effects = [PURPOSE[n] for n in names if n in PURPOSE and coordinate(n) in self.missing]
        text = f"Spark packages not available: {', '.join(self.missing)}"
        if self.problem:
            text += f" ({self.problem})"
        if effects:
            text += ". Meanwhile " + "; ".join(effects)
        return f"{text}. {HOW_TO_GET}."


def ivy_home(conf: Mapping[str, str]) -> Path:
    """Ivy's folder: ``spark.jars.ivy`` or Spark 4's default."""
    return Path(conf.get("spark.jars.ivy") or "~/.ivy2.5.2").expanduser()


def _manifest(conf: Mapping[str, str], coord: str) -> Path:
    # Keyed by the resolver settings too: another mirror or settings file may resolve differently.
    settings = "|".join(conf.get(k, "") for k in ("spark.jars.repositories", "spark.jars.ivySettings"))
    digest = hashlib.sha256(settings.encode()).hexdigest()[:8]
    return ivy_home(conf) / "etl_framework" / f"{coord.replace(':', '_')}-{digest}.jars"


def _cached(conf: Mapping[str, str], coord: str) -> list[str] | None:
    path = _manifest(conf, coord)
    if not path.is_file():
        return None
    jars = path.read_text().split()
    return jars if jars and all(Path(j).is_file() for j in jars) else None


# Run under spark-submit after Ivy has resolved --packages: print what it put on spark.jars.
_PRINT_JARS = """
from pyspark.java_gateway import launch_gateway
print("ETL_JARS=" + (launch_gateway().jvm.System.getProperty("spark.jars") or ""))
"""


def _ivy_resolve(conf: Mapping[str, str], coord: str) -> tuple[list[str] | None, str]:
    """Resolve ``coord`` with Spark's Ivy: (the JAR paths, "") or (None, the reason)."""
    from .jvm import spark_home

    # Ivy's folder is given even when it is the default: Spark takes the home folder from the
    # user's account, and this module from $HOME; both must look in the same place.
    cmd = [
        str(spark_home() / "bin" / "spark-submit"),
        "--packages",
        coord,
        "--conf",
        f"spark.jars.ivy={ivy_home(conf)}",
    ]
    for key in ("spark.jars.repositories", "spark.jars.ivySettings", "spark.jars.excludes"):
        if conf.get(key):
            cmd += ["--conf", f"{key}={conf[key]}"]
    with tempfile.NamedTemporaryFile("w", suffix=".py", prefix="etl-jars-") as script:
        script.write(_PRINT_JARS)
        script.flush()
        env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
        env.pop("PYSPARK_GATEWAY_PORT", None)
        proc = subprocess.run([*cmd, script.name], capture_output=True, text=True, env=env, timeout=1800)
    for line in proc.stdout.splitlines():
        if proc.returncode == 0 and line.startswith("ETL_JARS="):
            return [j.removeprefix("file://") for j in line[len("ETL_JARS=") :].split(",") if j], ""
    return None, _ivy_problem(proc.stderr)


def _ivy_problem(stderr: str) -> str:
    """The lines of Ivy's output that say why resolution failed (offline, Ivy only says "not found")."""
    unresolved = re.findall(r"::\s+(\S+#\S+;\S+): (.+)", stderr)
    tried = list(dict.fromkeys(re.findall(r"==== (\S+): tried", stderr)))
    parts = [f"{dep.replace('#', ':').replace(';', ':')} {why.strip()}" for dep, why in unresolved]
    if parts and tried:
        parts[-1] += f" in {', '.join(tried)}"
    if not parts:
        tail = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
        parts = tail or ["spark-submit failed without output"]
    return "; ".join(parts)


# An offline laptop would pay one Ivy attempt per missing package on every run: a failure is
# remembered this long, and `etl jars` always tries again.
RETRY_AFTER = 3600


def fetch(coords: list[str], conf: Mapping[str, str], retry: bool = False) -> Packages:
    """Look ``coords`` up in the cache and resolve the rest with Ivy, one package at a time, so that
    each keeps its own list of JARs and one unreachable package does not take the others with it.
    A package that failed less than ``RETRY_AFTER`` seconds ago is not tried again unless ``retry``."""
    found = {c: jars for c in coords if (jars := _cached(conf, c)) is not None}
    problems: list[str] = []
    todo = []
    for c in coords:
        failed = _manifest(conf, c).with_suffix(".failed")
        if c in found:
            continue
        if not retry and failed.is_file() and time.time() - failed.stat().st_mtime < RETRY_AFTER:
            problems.append(
                f"{failed.read_text().strip()}; tried {_ago(failed.stat().st_mtime)}, `etl jars` tries again"
            )
        else:
            todo.append(c)
    if todo:
        log.info("fetching Spark packages (once; cached in %s): %s", ivy_home(conf), ", ".join(todo))
    for c in todo:
        jars, problem = _ivy_resolve(conf, c)
        path = _manifest(conf, c)
        path.parent.mkdir(parents=True, exist_ok=True)
        if jars is None:
            path.with_suffix(".failed").write_text(problem + "\n")
            problems.append(problem)
            continue
        path.write_text("\n".join(jars) + "\n")
        path.with_suffix(".failed").unlink(missing_ok=True)
        found[c] = jars
    bundled = {split_jar_name(j.name)[0] for j in spark_jars_dir().glob("*.jar")}
    jars: list[str] = []
    for c in coords:
        for jar in found.get(c, []):
            if jar not in jars and split_jar_name(Path(jar).name)[0] not in bundled:
                jars.append(jar)
    missing = tuple(c for c in coords if c not in found)
    return Packages(tuple(jars), tuple(c for c in coords if c in found), missing, "; ".join(dict.fromkeys(problems)))


def session_conf(names: Iterable[str], conf: Mapping[str, str], local: bool) -> tuple[dict[str, str], Packages]:
    """Spark settings that load the packages ``names`` into a new session, and what was found.

    ``local`` sessions get the JARs on the driver's class path (nothing is copied); others through
    ``spark.jars``, which also ships them to executors. Delta adds its session extension and catalog.
    """
    names = list(dict.fromkeys(names))
    found = fetch([coordinate(n) for n in names], conf)
    out: dict[str, str] = {}
    if found.jars:
        if local:
            out["spark.driver.extraClassPath"] = _joined(conf.get("spark.driver.extraClassPath"), found.jars, ":")
        else:
            out["spark.jars"] = _joined(conf.get("spark.jars"), found.jars, ",")
    if "delta" in names and coordinate("delta") in found.loaded:
        out["spark.sql.extensions"] = _joined(conf.get("spark.sql.extensions"), [DELTA_EXTENSION], ",")
        out.setdefault("spark.sql.catalog.spark_catalog", conf.get("spark.sql.catalog.spark_catalog") or DELTA_CATALOG)
        if local:
            # Sized for a cluster, these cost minutes on a laptop: Delta rebuilds a table's state in
            # 50 tasks (25 s for a 3-row write on 2 cores), and VACUUM lists a table in 10,000 tasks
            # (220 s for a table of four files).
            for key, value in (
                ("spark.databricks.delta.snapshotPartitions", "2"),
                ("spark.sql.sources.parallelPartitionDiscovery.parallelism", "8"),
            ):
                if key not in conf:
                    out[key] = value
    if found.loaded:
        log.info("Spark packages: %s (%d JARs)", ", ".join(found.loaded), len(found.jars))
    if found.missing:
        log.warning("%s", found.message(names))
    return out, found


def _ago(stamp: float) -> str:
    minutes = int(time.time() - stamp) // 60
    return f"{minutes} min ago" if minutes else "less than a minute ago"


def _joined(existing: str | None, items: Iterable[str], sep: str) -> str:
    parts = [p for p in (existing or "").split(sep) if p]
    return sep.join(dict.fromkeys([*parts, *items]))
