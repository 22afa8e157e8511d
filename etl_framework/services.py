"""What sources, sinks and DynamicFrames consult while a job runs: the Spark session, the data
catalog, the job's bookmarks, the run's metrics and its profile.

``EtlContext`` (Glue's ``GlueContext``) provides them; the layers below it name this protocol
instead of the context, so that the data path imports only downward (sources -> DynamicFrame ->
transforms -> sinks, with the catalog and bookmarks as services).

>>> from etl_framework.services import Services
>>> isinstance(ctx, Services), ctx.spark_session is spark
(True, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from .bookmarks.session import BookmarkSession
    from .catalog.model import Catalog
    from .config import Profile
    from .metrics import RunMetrics


@runtime_checkable
class Services(Protocol):
    """The services of a run, as sources, sinks and transforms see them."""

    spark_session: SparkSession
    bookmarks: BookmarkSession | None  # set by ``Job.init``; None outside a job
    metrics: RunMetrics  # counts of records read, written and in error, for the run summary
    profile: Profile | None
    job_name: str | None  # the run's job and run id; None outside ``etl run``
    run_id: str | None

    @property
    def catalog(self) -> Catalog:
        """The Data Catalog the profile names (embedded, Hive metastore or AWS Glue)."""
        ...

    @property
    def warehouse_dir(self) -> str:
        """Where tables and staging folders go by default."""
        ...
