"""Handles on classes in the driver's JVM, and Hadoop paths through them.

``spark._jvm.org.apache.hadoop.fs.Path`` costs a py4j round trip per name segment (five here),
about 3 ms on a busy 2-core machine; a ``JavaClass`` built from the full name costs nothing until
it is called. A catalog read or a file listing makes dozens of such calls, so they go through here.

>>> path, fs = hadoop_path(spark, "file:/tmp")  # doctest: +SKIP
>>> fs.exists(path)  # doctest: +SKIP
True
>>> java_class(spark, "java.lang.Math").max(2, 3)  # doctest: +SKIP
3
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from py4j.java_gateway import JavaClass, JavaObject

if TYPE_CHECKING:  # no pyspark import for callers that only need py4j
    from pyspark.sql import SparkSession


def java_class(spark: SparkSession, name: str) -> JavaClass:
    """The JVM class ``name`` (fully qualified), for constructors and static calls."""
    return JavaClass(name, spark.sparkContext._gateway._gateway_client)


def hadoop_path(spark: SparkSession, uri: str) -> tuple[JavaObject, JavaObject]:
    """Hadoop's ``Path`` for ``uri`` and the ``FileSystem`` that holds it (local, HDFS, S3A, ...)."""
    path = java_class(spark, "org.apache.hadoop.fs.Path")(uri)
    return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
