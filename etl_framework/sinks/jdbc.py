"""JDBC sinks: ``write_dynamic_frame.from_options(frame, connection_type="postgresql", ...)``.

Records are inserted into ``dbtable`` with Spark's JDBC writer, appending as Glue's JDBC sink does
(Spark creates the table when it does not exist). ``connection_options["mode"] = "overwrite"``
replaces the table instead (with ``"truncate": "true"``, its rows only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql import Observation
from pyspark.sql import functions as F

from ..connections import JdbcConnection
from ..dynamicframe.frame import DynamicFrame
from ..errors import EtlError
from ..logs import get_logger
from .files import UnresolvedChoiceError

if TYPE_CHECKING:
    from ..services import Services

log = get_logger("sink")

# Spark JDBC writer options passed through as given.
SPARK_WRITE_OPTIONS = ("batchsize", "truncate", "isolationLevel", "createTableOptions", "createTableColumnTypes")


def write_jdbc(
    ctx: Services,
    frame: DynamicFrame,
    connection_type: str,
    connection_options: dict[str, Any],
    transformation_ctx: str = "",
) -> DynamicFrame:
    """Insert ``frame``'s records into a table; return the frame (as Glue does).

    >>> options = {"url": "jdbc:postgresql://db:5432/shop", "dbtable": "public.orders", "user": "etl"}
    >>> ctx.write_dynamic_frame.from_options(dyf, "postgresql", options)  # doctest: +SKIP
    """
    options = dict(connection_options or {})
    connection = JdbcConnection.from_options(connection_type, options)
    mode = str(options.get("mode", "append")).lower()
    if mode not in ("append", "overwrite"):
        raise EtlError(f"connection option 'mode' must be append or overwrite, got {mode!r}")
    choices = frame.unresolved_choices()
    if choices:
        raise UnresolvedChoiceError(
            f"cannot write to table {connection.table}: fields {', '.join(choices)} are unresolved choices; "
            f"resolve them first, e.g. frame.resolveChoice(specs=[({choices[0]!r}, 'cast:string')]) "
            "or choice='make_cols'"
        )
    nested = [f.name for f in frame.schema() if f.dataType.name in ("struct", "map")]
    if nested:
        raise EtlError(
            f"cannot write to table {connection.table}: fields {', '.join(nested)} are structs or maps, which "
            "have no column type; flatten them first (unnest(), relationalize() or apply_mapping)"
        )
    frame.assertErrorThreshold()
    connection.driver_class(ctx.spark_session)

    observation = Observation()
    df = frame.dataframe.observe(observation, F.count(F.lit(1)).alias("written"))
    extra = {k: str(options[k]) for k in SPARK_WRITE_OPTIONS if k in options}
    df.write.format("jdbc").options(**connection.spark_options(), **extra).mode(mode).save()
    written = int(observation.get.get("written") or 0)
    ctx.metrics.add(written=written)
    log.info("wrote %d records to table %s (%s)", written, connection.table, mode)
    return frame
