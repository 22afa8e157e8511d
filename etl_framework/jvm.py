"""Handles on classes in the driver's JVM, Hadoop paths through them, and our own JVM helpers.

``spark._jvm.org.apache.hadoop.fs.Path`` costs a py4j round trip per name segment (five here),
about 3 ms on a busy 2-core machine; a ``JavaClass`` built from the full name costs nothing until
it is called. A catalog read or a file listing makes dozens of such calls, so they go through here.

>>> path, fs = hadoop_path(spark, f"file:{tmp}")
>>> fs.exists(path)
True
>>> java_class(spark, "java.lang.Math").max(2, 3)
3
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from py4j.java_gateway import JavaClass, JavaObject

if TYPE_CHECKING:  # no pyspark import for callers that only need py4j
    from importlib.abc import Traversable

    from pyspark.sql import SparkSession


def java_class(spark: SparkSession, name: str) -> JavaClass:
    """The JVM class ``name`` (fully qualified), for constructors and static calls."""
    return JavaClass(name, spark.sparkContext._gateway._gateway_client)


def java_strings(spark: SparkSession, values: list[str]) -> JavaObject:
    """``values`` as a Java ``String[]`` in two py4j calls, whatever their number (py4j sends a
    Python list one element per call: a read of 100 files paid 100 round trips per plan). NUL,
    which no path or URI holds, separates them on the way.

    >>> list(java_strings(spark, ["a b", "c;d"])), len(java_strings(spark, []))
    (['a b', 'c;d'], 0)
    """
    if not values:
        return spark.sparkContext._gateway.new_array(java_class(spark, "java.lang.String"), 0)
    if any("\x00" in v for v in values):
        raise ValueError("java_strings: a value holds NUL, the separator")
    return java_class(spark, "java.util.regex.Pattern").compile("\\x00").split("\x00".join(values), -1)


def hadoop_path(spark: SparkSession, uri: str) -> tuple[JavaObject, JavaObject]:
    """Hadoop's ``Path`` for ``uri`` and the ``FileSystem`` that holds it (local, HDFS, S3A, ...)."""
    from .s3 import require_connector

    require_connector(spark, uri)
    path = java_class(spark, "org.apache.hadoop.fs.Path")(uri)
    return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


_lock = threading.Lock()
_compiled: dict[tuple[int, str], tuple[JavaObject, str]] = {}  # (gateway, source) -> class loader, jar
_shipped: set[tuple[str, str]] = set()  # (application id, jar) added to that SparkContext


def compiled_class(spark: SparkSession, source: Traversable, name: str) -> JavaObject:
    """The class ``name`` from the Java file ``source`` (a package resource), compiled at first use
    and on every executor.

    The compiler is Janino, which Spark ships (and uses for its generated code), so the package
    needs no JDK and no prebuilt JAR. The classes go into a JAR that ``SparkContext.addJar``
    sends to the executors, as it would a user's ``--jars``, on any cluster manager.

    >>> from importlib import resources
    >>> java = resources.files("etl_framework.dynamicframe") / "ObservedTypes.java"
    >>> compiled_class(spark, java, "etl_framework.dynamicframe.ObservedTypes").getName()
    'etl_framework.dynamicframe.ObservedTypes'
    """
    gateway = spark.sparkContext._gateway
    with _lock:
        key = (id(gateway), str(source))  # str: the resource's path, in a zip or not
        if key not in _compiled:
            _compiled[key] = _compile(spark, source)
        loader, jar = _compiled[key]
        shipped = (spark.sparkContext.applicationId, jar)
        if shipped not in _shipped:
            spark.sparkContext._jsc.sc().addJar(jar)
            _shipped.add(shipped)
    return loader.loadClass(name)


def _compile(spark: SparkSession, source: Traversable) -> tuple[JavaObject, str]:
    compiler = java_class(spark, "org.codehaus.janino.SimpleCompiler")()
    compiler.setParentClassLoader(spark._jsparkSession.getClass().getClassLoader())
    compiler.cook(source.name, java_class(spark, "java.io.StringReader")(source.read_text(encoding="utf-8")))
    folder = tempfile.mkdtemp(prefix="etl-jvm-")
    atexit.register(shutil.rmtree, folder, True)
    jar = str(Path(folder) / f"{Path(source.name).stem}.jar")
    with zipfile.ZipFile(jar, "w") as out:
        for class_name, code in compiler.getBytecodes().items():
            out.writestr(class_name.replace(".", "/") + ".class", bytes(code))
    return compiler.getClassLoader(), jar


def spark_home() -> Path:
    """The Spark distribution that ships inside the pyspark package (or ``$SPARK_HOME``)."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    import pyspark

    return Path(pyspark.__file__).parent


def hadoop_fs(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Hadoop's ``FsShell`` (``hadoop fs ARGS``) run with Spark's JARs, in a JVM of its own: the
    submitter's access to a cluster's file system (``HADOOP_CONF_DIR`` names the cluster)."""
    cmd = [str(spark_home() / "bin" / "spark-class"), "org.apache.hadoop.fs.FsShell", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
