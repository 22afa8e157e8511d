"""Sinks: where DynamicFrames are written (files now; JDBC, Delta and the catalog as they land)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import formats
from ..connections import JDBC_CONNECTIONS
from ..errors import EtlError
from .delta import write_delta
from .files import UnresolvedChoiceError, write_files
from .jdbc import write_jdbc

if TYPE_CHECKING:
    from ..dynamicframe import DynamicFrame
    from ..services import Services

__all__ = ["UnresolvedChoiceError", "write_from_options"]


def write_from_options(
    ctx: Services,
    frame: DynamicFrame,
    connection_type: str,
    connection_options: dict[str, Any] | None,
    format: str | None,
    format_options: dict[str, Any] | None,
    transformation_ctx: str = "",
) -> DynamicFrame:
    if (connection_type or "").lower() in ("file", "s3"):
        if formats.get(format).table_format:  # a Delta table has a sink of its own: a commit, not just files
            return write_delta(ctx, frame, connection_options or {}, format_options, transformation_ctx)
        return write_files(ctx, frame, connection_options or {}, format or "", format_options, transformation_ctx)
    if (connection_type or "").lower() in JDBC_CONNECTIONS:
        return write_jdbc(ctx, frame, connection_type, connection_options or {}, transformation_ctx)
    raise EtlError(
        f"connection_type {connection_type!r} is not supported yet for writing "
        f"(supported: file, s3, {', '.join(JDBC_CONNECTIONS)})"
    )
