"""JDBC connections, shared by JDBC sources and sinks: Glue's connection options (``url``,
``dbtable``, ``user``, ``password``, ``driver``) validated into one object, the driver class
loaded from Spark's classpath, and a ``java.sql.Connection`` in the driver's JVM for the few
queries a source or sink runs itself (primary keys, bookmark bounds, truncation).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession

from .errors import EtlError
from .jvm import java_class
from .redaction import redact

JDBC_CONNECTIONS = ("jdbc", "postgresql", "mysql", "sqlserver", "oracle")
DRIVERS = {
    "postgresql": "org.postgresql.Driver",
    "mysql": "com.mysql.cj.jdbc.Driver",
    "sqlserver": "com.microsoft.sqlserver.jdbc.SQLServerDriver",
    "oracle": "oracle.jdbc.OracleDriver",
}
DRIVER_JARS = {
    "postgresql": "postgresql.jar",
    "mysql": "mysql-connector-j.jar",
    "sqlserver": "mssql-jdbc.jar",
    "oracle": "ojdbc11.jar",
}


@dataclass
class JdbcConnection:
    """Where a JDBC source or sink connects: URL, table, credentials and driver class."""

    url: str
    table: str
    user: str | None
    password: str | None
    driver: str
    dialect: str

    @classmethod
    def from_options(cls, connection_type: str, options: dict[str, Any]) -> JdbcConnection:
        """Validate Glue's JDBC connection options.

        >>> JdbcConnection.from_options("postgresql", {"url": "jdbc:postgresql://db:5432/shop",
        ...                             "dbtable": "public.orders", "user": "etl"}).driver
        'org.postgresql.Driver'
        """
        ctype = (connection_type or "").lower()
        url, table = options.get("url"), options.get("dbtable", options.get("dbTable"))
        if not isinstance(url, str) or not url.startswith("jdbc:"):
            example = f"jdbc:{ctype if ctype != 'jdbc' else 'postgresql'}://host:port/db"
            raise EtlError(f"connection option 'url' must be a JDBC URL such as {example}, got {redact(repr(url))}")
        if not isinstance(table, str) or not table.strip():
            raise EtlError(f"connection option 'dbtable' is required (schema.table), got {table!r}")
        dialect = url.split(":")[1].lower()
        if ctype != "jdbc" and dialect != ctype:
            raise EtlError(
                f"connection_type {ctype!r} does not match url {redact(repr(url))} (use connection_type 'jdbc')"
            )
        driver = options.get("driver") or options.get("customJdbcDriverClassName") or DRIVERS.get(dialect)
        if not driver:
            raise EtlError(f"no known JDBC driver class for {redact(repr(url))}: set connection option 'driver'")
        user, password = options.get("user"), options.get("password")
        return cls(url, table.strip(), user, password, driver, dialect)

    def spark_options(self) -> dict[str, str]:
        """Options for Spark's JDBC reader and writer."""
        out = {"url": self.url, "dbtable": self.table, "driver": self.driver}
        if self.user is not None:
            out["user"] = str(self.user)
        if self.password is not None:
            out["password"] = str(self.password)
        return out

    @property
    def safe_url(self) -> str:
        """The URL without credentials, for messages."""
        return redact(self.url)

    def driver_class(self, spark: SparkSession) -> Any:
        """The driver's class, loaded the way Spark loads ``spark.jars`` (the context class loader);
        a driver that is not on the classpath is an error naming its JAR, not a Java stack trace."""
        try:
            loader = java_class(spark, "java.lang.Thread").currentThread().getContextClassLoader()
            return java_class(spark, "java.lang.Class").forName(self.driver, True, loader)
        except Exception as exc:  # py4j wraps ClassNotFoundException
            jar = DRIVER_JARS.get(self.dialect, "the driver's JAR")
            path = f"/usr/share/java/{jar}" if self.dialect == "postgresql" else f"/path/to/{jar}"
            raise EtlError(
                f"JDBC driver class {self.driver} (for {self.safe_url}) is not on Spark's classpath: add {jar}, "
                f"e.g. ETL_SPARK_JARS={path} (the profiles pass it as spark.jars) or --conf spark.jars={path}"
            ) from exc

    @contextmanager
    def connect(self, spark: SparkSession) -> Iterator[Any]:
        """A ``java.sql.Connection`` in the driver's JVM, closed afterwards.

        The driver is called directly, since ``DriverManager`` does not see classes of the loader
        that holds ``spark.jars``.
        """
        driver = self.driver_class(spark).newInstance()
        props = java_class(spark, "java.util.Properties")()
        for key in ("user", "password"):
            if getattr(self, key) is not None:
                props.setProperty(key, str(getattr(self, key)))
        conn = driver.connect(self.url, props)
        if conn is None:
            raise EtlError(f"JDBC driver {self.driver} does not accept url {self.safe_url!r}")
        try:
            yield conn
        finally:
            conn.close()


def jdbc_conf(url: str, user: str | None, password: str | None, enforce_ssl: bool = False) -> dict[str, Any]:
    """``extract_jdbc_conf``'s dict, in Glue's shape: ``url`` is the deprecated protocol, host and port
    only; ``fullUrl`` the URL as the connection gives it; ``vendor`` the URL's subprotocol.

    >>> conf = jdbc_conf("jdbc:postgresql://db:5432/shop?ssl=true", "etl", "pw")
    >>> conf["vendor"], conf["url"], conf["fullUrl"]
    ('postgresql', 'jdbc:postgresql://db:5432', 'jdbc:postgresql://db:5432/shop?ssl=true')
    """
    if not url.startswith("jdbc:"):
        raise EtlError(f"connection URL {redact(repr(url))} is not a JDBC URL (jdbc:vendor://host:port/db)")
    return {
        "url": _server(url),
        "fullUrl": url,
        "vendor": url.split(":")[1].lower(),
        "user": user,
        "password": password,
        "enforceSSL": str(bool(enforce_ssl)).lower(),
    }


def conf_options(conf: dict[str, Any], connection_options: dict[str, Any]) -> dict[str, Any]:
    """Options for a JDBC source or sink from an ``extract_jdbc_conf`` dict and a job's
    ``connection_options`` (``dbtable``, and ``database``, which replaces the URL's database as in Glue).

    >>> conf = jdbc_conf("jdbc:postgresql://db:5432/shop", "etl", None)
    >>> conf_options(conf, {"dbtable": "public.orders", "database": "sales"})["url"]
    'jdbc:postgresql://db:5432/sales'
    """
    options = dict(connection_options)
    if conf.get("driver"):  # a profile's connection may name its driver class
        options.setdefault("driver", conf["driver"])
    url, database = conf["fullUrl"], options.pop("database", None)
    if database:
        query = url[len(url.split("?", 1)[0]) :]
        separator = ";databaseName=" if conf["vendor"] == "sqlserver" else "/"
        url = f"{_server(url)}{separator}{database}{query}"
    return {"user": conf["user"], "password": conf["password"], **options, "url": url}


def _server(url: str) -> str:
    """``jdbc:vendor://host:port`` of a JDBC URL (what follows the host and port dropped)."""
    start = url.find("//")
    if start < 0:
        return url
    ends = [i for i in (url.find(c, start + 2) for c in "/;?") if i >= 0]
    return url[: min(ends)] if ends else url
