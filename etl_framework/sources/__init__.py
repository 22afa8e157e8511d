"""Sources: where DynamicFrames come from (files now; JDBC, Delta and the catalog as they land)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import formats
from ..connections import JDBC_CONNECTIONS
from ..errors import EtlError
from .delta import read_delta
from .jdbc import JdbcSource
from .readers import FileSource

if TYPE_CHECKING:
    from ..dynamicframe import DynamicFrame
    from ..services import Services

FILE_CONNECTIONS = ("file", "s3")


def read_from_options(
    ctx: Services,
    connection_type: str,
    connection_options: dict[str, Any] | None,
    format: str | None,
    format_options: dict[str, Any] | None,
    transformation_ctx: str = "",
) -> DynamicFrame:
    if (connection_type or "").lower() in FILE_CONNECTIONS:
        if not format:
            raise EtlError(f"connection_type {connection_type!r} needs a format (json, csv, parquet, ...)")
        if formats.get(format).table_format:  # the Delta log, not a listing, says which files to read
            return read_delta(ctx, connection_options or {}, format_options, transformation_ctx)
        return FileSource(ctx, connection_options or {}, format, format_options, transformation_ctx).read()
    if (connection_type or "").lower() in JDBC_CONNECTIONS:
        return JdbcSource(ctx, connection_type, connection_options or {}, transformation_ctx).read()
    raise EtlError(
        f"connection_type {connection_type!r} is not supported yet "
        f"(supported: {', '.join(FILE_CONNECTIONS + JDBC_CONNECTIONS)})"
    )
