"""Glue scripts as written: ``import awsglue`` / ``import awsgluedq`` and ``sc = SparkContext()`` in a run.

``install()`` puts the shim (package data in ``shim/``: ``awsglue.{context,job,utils,transforms,
dynamicframe,gluetypes}`` and ``awsgluedq.transforms``, thin re-exports of etl_framework) on the
import path; ``attached_spark_context()`` makes ``SparkContext()`` return the running context.
``etl run`` and the spark-submit launcher do both for every job; the spark-submit command ships the
shim to executors (``shim_zip()`` on ``--py-files``). In a notebook, call ``install()``; in a
test suite, load the pytest plugin ``etl_framework.glue_compat.pytest_plugin``.
"""

from .installer import SHIM_DIR, install, other_awsglue, shim_zip
from .spark_context import attached_spark_context

__all__ = ["SHIM_DIR", "attached_spark_context", "install", "other_awsglue", "shim_zip"]
