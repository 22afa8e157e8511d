"""Environment profiles: the YAML files in ``conf/`` that say where and how a job runs.

A profile names the Spark master, Spark settings, the warehouse and state directories and the
catalog backend. ``${VAR}`` and ``${VAR:-default}`` are replaced from the environment, and any key
can be overridden from the command line::

    >>> from etl_framework.config import load_profile
    >>> p = load_profile("local", sets=["state_dir=/tmp/state"], confs=["spark.sql.shuffle.partitions=4"])
    >>> p.state_dir, p.spark.conf["spark.sql.shuffle.partitions"]
    ('/tmp/state', '4')

Schema (every key optional except ``spark.master``)::

    spark:
      master: local[2] | spark://host:port | yarn | k8s://...
      deploy_mode: client | cluster      # for spark-submit; default client
      app_name: etl                      # default: the job name
      conf: {spark.key: value, ...}      # passed to the session or as --conf; "" means unset
      submit_args: [--verbose, ...]      # extra spark-submit arguments
      packages: [delta, hadoop-aws, avro] # JVM libraries from Maven Central, fetched once (see packages)
    warehouse_dir: warehouse             # where jobs write tables by default
    state_dir: state                     # bookmarks and run history
    log_level: INFO                      # the framework's log level
    catalog:
      backend: local | hive | glue
      database: default
      endpoint_url: null                 # Glue API endpoint (moto, VPC endpoints)
      region: null                       # Glue: AWS region (default: the AWS environment's)
      catalog_id: null                   # Glue: the account id of the catalog (default: the caller's)
      aws_profile: null                  # Glue: a named profile in ~/.aws (default: the environment's credentials)
      metastore_uri: null                # hive: thrift://host:9083
    delta:
      engine: auto | spark | delta-rs    # who writes Delta tables; auto: delta-spark when its JARs load
    s3:                                  # s3:// and s3a:// paths (Hadoop's S3A; see etl_framework.s3)
      endpoint_url: null                 # an S3-compatible server (MinIO, moto, ...); default: AWS
      path_style_access: null            # bucket in the path, not the host name; default: true with endpoint_url
      region: null                       # default: the AWS environment's (AWS_REGION, ~/.aws/config)
      aws_profile: null                  # a named profile in ~/.aws (default: boto3's credential chain)
      access_key_id: null                # explicit credentials instead of the chain (use ${VAR} for them)
      secret_access_key: null
      session_token: null
    secret_names: [pin, ...]             # more name fragments of secret job arguments (see redaction)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .packages import PURPOSE, is_package
from .redaction import SECRET_NAMES

_SCALARS = (str, int, float, bool)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class _Key:
    type: type | tuple[type, ...]
    default: Any = None
    choices: tuple[str, ...] | None = None


# The profile schema: nested dicts of _Key. Keys not listed here are rejected.
SCHEMA: dict[str, Any] = {
    "spark": {
        "master": _Key(str),
        "deploy_mode": _Key(str, "client", ("client", "cluster")),
        "app_name": _Key(str),
        "conf": _Key(dict, {}),
        "submit_args": _Key(list, []),
        "packages": _Key(list, []),
    },
    "warehouse_dir": _Key(str, "warehouse"),
    "state_dir": _Key(str, "state"),
    "log_level": _Key(str, "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    "catalog": {
        "backend": _Key(str, "local", ("local", "hive", "glue")),
        "database": _Key(str, "default"),
        "endpoint_url": _Key(str),
        "region": _Key(str),
        "catalog_id": _Key(str),
        "aws_profile": _Key(str),
        "metastore_uri": _Key(str),
    },
    "delta": {
        "engine": _Key(str, "auto", ("auto", "spark", "delta-rs")),
    },
    "s3": {
        "endpoint_url": _Key(str),
        "path_style_access": _Key(bool),
        "region": _Key(str),
        "aws_profile": _Key(str),
        "access_key_id": _Key(str),
        "secret_access_key": _Key(str),
        "session_token": _Key(str),
    },
    "secret_names": _Key(list, []),
}


@dataclass(frozen=True)
class SparkSettings:
    master: str
    deploy_mode: str = "client"
    app_name: str | None = None
    conf: dict[str, str] = field(default_factory=dict)
    submit_args: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)

    @property
    def is_local(self) -> bool:
        """True when the job runs inside this process (``local``, ``local[N]``, ``local[*]``)."""
        return self.master == "local" or self.master.startswith("local[")


@dataclass(frozen=True)
class CatalogSettings:
    backend: str = "local"
    database: str = "default"
    endpoint_url: str | None = None
    region: str | None = None
    catalog_id: str | None = None
    aws_profile: str | None = None
    metastore_uri: str | None = None


@dataclass(frozen=True)
class DeltaSettings:
    engine: str = "auto"


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None = None
    path_style_access: bool | None = None
    region: str | None = None
    aws_profile: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Profile:
    """A resolved environment profile."""

    name: str
    source: str
    spark: SparkSettings
    warehouse_dir: str
    state_dir: str
    log_level: str
    catalog: CatalogSettings
    raw: dict[str, Any]
    delta: DeltaSettings = field(default_factory=DeltaSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    secret_names: tuple[str, ...] = SECRET_NAMES  # the built-in fragments and the profile's own

    def to_yaml(self) -> str:
        """The resolved profile as YAML (interpolated, overrides applied)."""
        return yaml.safe_dump(self.raw, sort_keys=False)


def conf_dir() -> Path:
    """Where profile names are looked up: ``$ETL_CONF_DIR`` or ``./conf``."""
    return Path(os.environ.get("ETL_CONF_DIR", "conf"))


def profile_path(env: str) -> Path:
    """A profile name (``local``) or a path to a YAML file."""
    if env.endswith((".yaml", ".yml")) or os.sep in env:
        return Path(env)
    return conf_dir() / f"{env}.yaml"


def load_profile(env: str = "local", sets: list[str] | None = None, confs: list[str] | None = None) -> Profile:
    """Read, interpolate, override and validate a profile.

    ``sets`` are ``key=value`` strings with dotted keys (``catalog.backend=glue``); values are parsed
    as YAML scalars. ``confs`` are ``spark.key=value`` strings added to ``spark.conf``.
    """
    path = profile_path(env)
    where = str(path)
    data = read_yaml_mapping(path, "profile")
    for item in sets or []:
        key, value = _split_assignment(item, "--set")
        _assign(data, key.split("."), _set_value(item, value), f"--set {item}")
    for item in confs or []:
        key, value = _split_assignment(item, "--conf")
        data.setdefault("spark", {}).setdefault("conf", {})[key] = value
    resolved = _validate(data, SCHEMA, where, "")
    spark = resolved["spark"]
    if spark.get("master") is None:
        raise ConfigError(f"{where}: key 'spark.master' is required")
    for key, value in spark["conf"].items():
        if not isinstance(value, _SCALARS):
            raise ConfigError(f"{where}: key 'spark.conf.{key}' must be a scalar, got {type(value).__name__}")
    # An empty value (``${VAR:-}`` with VAR unset) means the setting is not given at all.
    spark["conf"] = {str(k): _conf_str(v) for k, v in spark["conf"].items() if _conf_str(v) != ""}
    spark["submit_args"] = [str(a) for a in spark["submit_args"]]
    for item in spark["packages"]:
        if not is_package(item):
            raise ConfigError(
                f"{where}: key 'spark.packages' lists {item!r}, which is neither a known package "
                f"({', '.join(PURPOSE)}) nor a Maven coordinate group:artifact:version"
            )
    for key in ("warehouse_dir", "state_dir"):
        resolved[key] = absolute_location(resolved[key])
    extra = resolved["secret_names"]
    if not all(isinstance(n, str) and n.strip() for n in extra):
        raise ConfigError(f"{where}: key 'secret_names' must be a list of non-empty strings, got {extra!r}")
    return Profile(
        name=path.stem,
        source=where,
        spark=SparkSettings(**spark),
        warehouse_dir=resolved["warehouse_dir"],
        state_dir=resolved["state_dir"],
        log_level=resolved["log_level"],
        catalog=CatalogSettings(**resolved["catalog"]),
        raw=resolved,
        delta=DeltaSettings(**resolved["delta"]),
        s3=S3Settings(**resolved["s3"]),
        secret_names=SECRET_NAMES + tuple(n.strip() for n in extra),
    )


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names the same key twice (plain YAML keeps the last one silently)."""

    def __init__(self, key: Any, line: int, first_line: int):
        super().__init__(f"key {key!r} on line {line} is given twice (also on line {first_line})")
        self.key, self.line, self.first_line = key, line, first_line


class UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys; every YAML file the framework owns is read with it."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *base` overrides on purpose
                continue
            key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise DuplicateKeyError(key, line, seen[key])
                seen[key] = line
            except TypeError:  # an unhashable key: the base class reports it
                continue
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> Any:
    """Parse YAML text with ``UniqueKeyLoader``."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def _set_value(item: str, value: str) -> Any:
    """A ``--set`` value, parsed as a YAML scalar (or flow list/mapping)."""
    if not value:
        return ""
    try:
        return load_yaml(value)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"--set {item}: the value is not valid YAML ({problem}); quote it to pass it as text, "
            f"e.g. --set '{item.partition('=')[0]}=\"{value}\"'"
        ) from exc


def read_yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    """A YAML file of keys (a profile, a crawler definition) with ``${VAR}`` references replaced;
    a missing file, bad YAML or a non-mapping is an error naming the file."""
    where = str(path)
    if not path.is_file():
        folder = path.parent
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise ConfigError(f"{where}: {what} file not found ({what}s in {folder}: {', '.join(known) or 'none'})")
    try:
        data = load_yaml(path.read_text()) or {}
    except DuplicateKeyError as exc:
        raise ConfigError(
            f"{where}, line {exc.line}: key {exc.key!r} is given twice (also on line {exc.first_line})"
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a {what} must be a mapping of keys, got {type(data).__name__}")
    return _interpolate(data, where, "")


def absolute_location(location: str) -> str:
    """Make a relative local path absolute so that every process of a run agrees on it."""
    if "://" in location or location.startswith("file:"):
        return location
    return str(Path(location).expanduser().resolve())


def _conf_str(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _split_assignment(item: str, flag: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE")
    return key.strip(), value


def _assign(data: dict[str, Any], keys: list[str], value: Any, where: str) -> None:
    node = data
    for i, key in enumerate(keys[:-1]):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{where}: key '{'.'.join(keys[: i + 1])}' is not a section")
        node = child
    node[keys[-1]] = value


def _interpolate(value: Any, where: str, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, where, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, where, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{where}: key '{key}' refers to ${{{name}}}, which is not set (use ${{{name}:-default}})")

    return _ENV_REF.sub(replace, value)


def _validate(data: dict[str, Any], schema: dict[str, Any], where: str, prefix: str) -> dict[str, Any]:
    unknown = sorted(set(data) - set(schema))
    if unknown:
        allowed = ", ".join(f"{prefix}{k}" for k in schema)
        raise ConfigError(f"{where}: unknown key '{prefix}{unknown[0]}' (allowed here: {allowed})")
    out: dict[str, Any] = {}
    for name, spec in schema.items():
        key = f"{prefix}{name}"
        value = data.get(name)
        if isinstance(spec, dict):
            if value is None:
                value = {}
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: key '{key}' must be a mapping, got {type(value).__name__}")
            out[name] = _validate(value, spec, where, f"{key}.")
            continue
        if value is None:
            out[name] = spec.default.copy() if isinstance(spec.default, (dict, list)) else spec.default
            continue
        if spec.type is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, spec.type) or (spec.type is not bool and isinstance(value, bool)):
            expected = spec.type.__name__ if isinstance(spec.type, type) else "/".join(t.__name__ for t in spec.type)
            raise ConfigError(f"{where}: key '{key}' must be {expected}, got {type(value).__name__} ({value!r})")
        if spec.choices and value not in spec.choices:
            raise ConfigError(f"{where}: key '{key}' must be one of {', '.join(spec.choices)}, got {value!r}")
        out[name] = value
    return out
