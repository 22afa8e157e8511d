"""JDBC sources: ``from_options(connection_type="postgresql"|"mysql"|"sqlserver"|"oracle"|"jdbc", ...)``.

Rows are read with Spark's JDBC reader. With job bookmarks, a source remembers the highest value
of its bookmark keys (``jobBookmarkKeys``, default: the table's primary key) that it has read.
Each run first asks the database for the upper bound of the keys past that mark, then reads
exactly the rows in ``(mark, upper bound]``: a row inserted while the run goes on (with a larger
key, as bookmark keys must grow strictly) is left for the next run. Composite keys compare
lexicographically; ``jobBookmarkKeysSortOrder="desc"`` tracks keys that shrink.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pyspark.sql import Observation
from pyspark.sql import functions as F

from ..bookmarks.session import source_bookmark
from ..connections import JdbcConnection
from ..dynamicframe.errors import Step
from ..dynamicframe.frame import DynamicFrame
from ..errors import EtlError
from ..logs import get_logger
from ..options import int_option
from ..types import from_spark

if TYPE_CHECKING:
    from ..services import Services

log = get_logger("source")

# Spark JDBC reader options passed through as given.
SPARK_READ_OPTIONS = (
    "partitionColumn",
    "lowerBound",
    "upperBound",
    "numPartitions",
    "fetchsize",
    "queryTimeout",
    "sessionInitStatement",
    "customSchema",
    "pushDownPredicate",
)
# Glue's hashfield: a per-database hash of any column's value, as a non-negative integer.
_HASH = {
    "postgresql": "abs(CAST(hashtext(CAST({} AS text)) AS bigint))",
    "mysql": "CRC32({})",
    "sqlserver": "ABS(CAST(CHECKSUM({}) AS bigint))",
    "oracle": "ORA_HASH({})",
}
# The JAR each driver ships in (Debian's packages put them in /usr/share/java/).
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_INTEGER_TYPES = {-6, 5, 4, -5}  # java.sql.Types TINYINT, SMALLINT, INTEGER, BIGINT
_FLOAT_TYPES = {6, 7, 8}  # FLOAT, REAL, DOUBLE
_TIMESTAMP_TYPES = {93, 2014}  # TIMESTAMP, TIMESTAMP_WITH_TIMEZONE


def _literal(value: Any) -> str:
    """A key value as SQL: numbers as they are, anything else as a quoted string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise EtlError(f"bookmark value {value!r} is neither a number nor a string")
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + value.replace("'", "''") + "'"


def compare(keys: list[str], values: list[Any], op: str, inclusive: bool = False) -> str:
    """``(keys) op (values)`` compared lexicographically, ``op`` being ``<`` or ``>``.

    >>> compare(["a", "b"], [1, "x"], ">")
    "((a > 1) OR (a = 1 AND b > 'x'))"
    """
    terms = []
    for i in range(len(keys) + (1 if inclusive else 0)):
        equal = [f"{k} = {_literal(v)}" for k, v in zip(keys[:i], values[:i], strict=True)]
        last = [f"{keys[i]} {op} {_literal(values[i])}"] if i < len(keys) else []
        terms.append("(" + " AND ".join(equal + last) + ")")
    return "(" + " OR ".join(terms) + ")"


def _key_value(rs: Any, column_type: int) -> Any:
    """A bookmark key value read from a JDBC result, as JSON: int, float or string (ISO timestamps)."""
    text = rs.getString(1)
    if text is None:
        return None
    if column_type in _INTEGER_TYPES:
        return int(text)
    if column_type in _FLOAT_TYPES:
        return float(text)
    if column_type in _TIMESTAMP_TYPES and len(text) > 10 and text[10] == " ":
        return text[:10] + "T" + text[11:]
    return text


def _query_one(conn: Any, sql: str) -> Any:
    statement = conn.createStatement()
    try:
        rs = statement.executeQuery(sql)
        if not rs.next():
            return None
        return _key_value(rs, rs.getMetaData().getColumnType(1))
    finally:
        statement.close()


def primary_key(conn: Any, table: str) -> list[str]:
    """The primary key columns of ``table`` (``schema.table`` or ``table``), from JDBC metadata."""
    meta = conn.getMetaData()
    parts = table.split(".")
    names = []
    for part in parts[-2:]:
        if part.startswith('"') and part.endswith('"'):
            names.append(part[1:-1])
        elif meta.storesLowerCaseIdentifiers():
            names.append(part.lower())
        elif meta.storesUpperCaseIdentifiers():
            names.append(part.upper())
        else:
            names.append(part)
    schema, name = (names[0], names[1]) if len(names) == 2 else (conn.getSchema(), names[0])
    lookups = [(None, schema, name)] + ([(schema, None, name)] if len(names) == 2 else [])
    for catalog, schema_name, table_name in lookups:  # MySQL calls its databases catalogs
        rs = meta.getPrimaryKeys(catalog, schema_name, table_name)
        columns = []
        while rs.next():
            columns.append((rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME")))
        rs.close()
        if columns:
            return [c for _, c in sorted(columns)]
    return []


class JdbcSource:
    """A JDBC table as Glue's ``from_options(connection_type="postgresql", ...)`` describes it."""

    def __init__(
        self, ctx: Services, connection_type: str, connection_options: dict[str, Any], transformation_ctx: str = ""
    ):
        self.ctx = ctx
        self.spark = ctx.spark_session
        self.options = dict(connection_options or {})
        self.connection = JdbcConnection.from_options(connection_type, self.options)
        self.transformation_ctx = transformation_ctx
        keys = self.options.get("jobBookmarkKeys")
        self.keys: list[str] | None = [keys] if isinstance(keys, str) else (list(keys) if keys else None)
        for key in self.keys or []:
            if not isinstance(key, str) or not _IDENTIFIER.match(key):
                raise EtlError(f"connection option 'jobBookmarkKeys': {key!r} is not a column name")
        self.sort_order = str(self.options.get("jobBookmarkKeysSortOrder", "asc")).lower()
        if self.sort_order not in ("asc", "desc"):
            raise EtlError(f"connection option 'jobBookmarkKeysSortOrder' must be asc or desc, got {self.sort_order!r}")

    def read(self) -> DynamicFrame:
        """Read the table (with bookmarks: the rows new since the last committed run).

        >>> options = {"url": "jdbc:postgresql://db:5432/shop", "dbtable": "public.orders", "jobBookmarkKeys": ["id"]}
        >>> ctx.create_dynamic_frame.from_options("postgresql", options, transformation_ctx="orders")  # doctest: +SKIP
        """
        self.connection.driver_class(self.spark)
        condition = self.bookmarked()
        table = self.connection.table if condition is None else f"({self._select(condition)}) etl_rows"
        reader = self.spark.read.format("jdbc").options(**{**self.connection.spark_options(), "dbtable": table})
        reader = reader.options(**{k: str(self.options[k]) for k in SPARK_READ_OPTIONS if k in self.options})
        predicates = self._hash_predicates()
        df = reader.jdbc(self.connection.url, table, predicates=predicates) if predicates else reader.load()
        observation = Observation()
        df = df.observe(observation, F.count(F.lit(1)).alias("read"), F.count(F.lit(None)).alias("errors"))
        self.ctx.metrics.watch(observation)
        return DynamicFrame.from_source(df, self.ctx, from_spark(df.schema), Step("read jdbc", self.transformation_ctx))

    def _select(self, condition: str) -> str:
        return f"SELECT * FROM {self.connection.table} WHERE {condition}"

    def _hash_predicates(self) -> list[str] | None:
        """Glue's parallel read: ``hashfield`` or ``hashexpression`` split into ``hashpartitions`` (7)."""
        field, expression = self.options.get("hashfield"), self.options.get("hashexpression")
        if not field and not expression:
            return None
        if "partitionColumn" in self.options:
            raise EtlError("connection options 'hashfield'/'hashexpression' and 'partitionColumn' exclude each other")
        parts = int_option(self.options, "hashpartitions", 7, minimum=1)
        if field:
            if not _IDENTIFIER.match(str(field)):
                raise EtlError(f"connection option 'hashfield': {field!r} is not a column name")
            if self.connection.dialect not in _HASH:
                raise EtlError(f"'hashfield' is not supported for {self.connection.safe_url}; use 'hashexpression'")
            expression = _HASH[self.connection.dialect].format(field)
        else:
            expression = f"ABS({expression})"
        modulo = "({}) % {}" if self.connection.dialect == "sqlserver" else "MOD({}, {})"
        predicates = [f"{modulo.format(expression, parts)} = {i}" for i in range(parts)]
        predicates[0] += f" OR ({expression}) IS NULL"
        return predicates

    # --- bookmarks ------------------------------------------------------------------------------

    def bookmarked(self) -> str | None:
        """The SQL condition selecting the rows this run reads (None: all), staging the new state."""
        mark, tctx = source_bookmark(self.ctx.bookmarks, self.transformation_ctx), self.transformation_ctx
        if mark is None:
            return None
        with self.connection.connect(self.spark) as conn:
            keys = self.keys or primary_key(conn, self.connection.table)
            if not keys:
                raise EtlError(
                    f"JDBC source {self.connection.table!r} ({tctx}): the table has no primary key; set "
                    "connection option 'jobBookmarkKeys' to the column(s) whose values grow with every new row"
                )
            lower = self._mark(mark.after, keys)
            upper = self._mark(mark.up_to, keys) if mark.replaying else self._upper_bound(conn, keys, lower)
        if upper is None:
            log.info("%s: no rows past the bookmark of %s; nothing to read", tctx, self.connection.table)
            return "1 = 0"
        mark.stage({"type": "jdbc", "keys": keys, "sort_order": self.sort_order, "high_water": upper})
        log.info("%s: reading %s rows with %s in (%s, %s]", tctx, self.connection.table, keys, lower, upper)
        return self._between(keys, lower, upper)

    def _mark(self, state: dict[str, Any] | None, keys: list[str]) -> list[Any] | None:
        """The high-water mark of a committed state, checked against this run's keys and order."""
        if not state:
            return None
        if state.get("type") != "jdbc" or state.get("keys") != keys or state.get("sort_order") != self.sort_order:
            raise EtlError(
                f"JDBC source {self.transformation_ctx!r}: its bookmark was committed for keys "
                f"{state.get('keys')} {state.get('sort_order')}, now {keys} {self.sort_order}; "
                "to change them, reset the job's bookmark (`etl bookmarks reset JOB`)"
            )
        return list(state["high_water"])

    def _between(self, keys: list[str], lower: list[Any] | None, upper: list[Any]) -> str:
        after, up_to = (">", "<") if self.sort_order == "asc" else ("<", ">")
        condition = compare(keys, upper, up_to, inclusive=True)
        return condition if lower is None else f"{compare(keys, lower, after)} AND {condition}"

    def _upper_bound(self, conn: Any, keys: list[str], lower: list[Any] | None) -> list[Any] | None:
        """The last key (max for asc, min for desc) past ``lower``: one query per key column."""
        aggregate, after = ("max", ">") if self.sort_order == "asc" else ("min", "<")
        conditions = [compare(keys, lower, after)] if lower is not None else []
        values: list[Any] = []
        for key in keys:
            where = " AND ".join(conditions) or "1 = 1"
            value = _query_one(conn, f"SELECT {aggregate}({key}) FROM {self.connection.table} WHERE {where}")
            if value is None:
                return None
            values.append(value)
            conditions.append(f"{key} = {_literal(value)}")
        return values
