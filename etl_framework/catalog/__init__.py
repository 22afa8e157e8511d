"""The Data Catalog: databases, tables and partitions, with embedded, Hive metastore and AWS Glue backends.

``catalog_for(profile, spark)`` gives the profile's backend (``catalog.backend``):

* ``local`` (default): Spark's session catalog with an embedded Derby metastore in the state dir;
* ``hive``: the same code against the remote metastore at ``catalog.metastore_uri``;
* ``glue``: the AWS Glue Data Catalog through boto3.

>>> from etl_framework.catalog import catalog_for
>>> type(catalog_for(ctx.profile, spark)).__name__
'SparkCatalog'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Catalog, CatalogError, Column, Database, Partition, Table

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from ..config import Profile

__all__ = ["Catalog", "CatalogError", "Column", "Database", "Partition", "Table", "catalog_for"]


def catalog_for(profile: Profile | None, spark: SparkSession | None) -> Catalog:
    """The catalog backend the profile names; without a profile, the session's own catalog.
    ``spark`` may be None for the Glue backend only."""
    settings = profile.catalog if profile else None
    if settings and settings.backend == "glue":
        from .glue import GlueCatalog

        return GlueCatalog.from_settings(settings)
    from .spark import SparkCatalog

    if spark is None:
        raise CatalogError("the local and hive catalog backends need a SparkSession")
    return SparkCatalog(spark)
