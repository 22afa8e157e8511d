"""A profile, resolved: the settings one environment (``conf/NAME.yaml``) gives a run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..packages import PURPOSE, is_package
from ..redaction import SECRET_NAMES
from .schema import Key, load_yaml, read_yaml_mapping, validate

_SCALARS = (str, int, float, bool)
DEPLOY_TARGETS = ("emr", "emr-serverless", "yarn")
ACTIONS_ON_FAILURE = ("CONTINUE", "CANCEL_AND_WAIT", "TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW")


# The profile schema: nested dicts of Key. Keys not listed here are rejected.
SCHEMA: dict[str, Any] = {
    "spark": {
        "master": Key(str),
        "deploy_mode": Key(str, "client", ("client", "cluster")),
        "app_name": Key(str),
        "conf": Key(dict, {}),
        "submit_args": Key(list, []),
        "packages": Key(list, []),
    },
    "warehouse_dir": Key(str, "warehouse"),
    "state_dir": Key(str, "state"),
    "log_level": Key(str, "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    "catalog": {
        "backend": Key(str, "local", ("local", "hive", "glue")),
        "database": Key(str, "default"),
        "endpoint_url": Key(str),
        "region": Key(str),
        "catalog_id": Key(str),
        "aws_profile": Key(str),
        "metastore_uri": Key(str),
    },
    "delta": {
        "engine": Key(str, "auto", ("auto", "spark", "delta-rs")),
    },
    "s3": {
        "endpoint_url": Key(str),
        "path_style_access": Key(bool),
        "region": Key(str),
        "aws_profile": Key(str),
        "access_key_id": Key(str),
        "secret_access_key": Key(str),
        "session_token": Key(str),
    },
    "secret_names": Key(list, []),
    "connections": Key(dict, {}),  # NAME -> CONNECTION, checked entry by entry
    "deploy": {
        "target": Key(str, None, DEPLOY_TARGETS),
        "s3_prefix": Key(str),
        "endpoint_url": Key(str),
        "region": Key(str),
        "requirements": Key(str),
        "poll_seconds": Key((int, float), 15),
        "timeout_minutes": Key((int, float)),
        "log_uri": Key(str),
        "cluster_id": Key(str),
        "cluster": Key(dict, {}),
        "action_on_failure": Key(str, "CONTINUE", ACTIONS_ON_FAILURE),
        "application_id": Key(str),
        "execution_role_arn": Key(str),
        "state_dir": Key(str),
        "stage_dir": Key(str),
    },
}

# One entry of ``connections``: a JDBC connection a job names (``from_jdbc_conf``, ``extract_jdbc_conf``),
# as a Glue Data Catalog connection holds it. Secrets come in through ``${VAR}``.
CONNECTION: dict[str, Key] = {
    "url": Key(str),
    "user": Key(str),
    "password": Key(str),
    "driver": Key(str),
    "enforce_ssl": Key(bool, False),
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
class DeploySettings:
    """The ``deploy`` section: where ``etl package`` artefacts go and which service runs them."""

    target: str | None = None  # emr | emr-serverless | yarn; None: spark-submit to spark.master
    s3_prefix: str | None = None  # s3://bucket/prefix the artefacts are staged under
    endpoint_url: str | None = None  # S3 and EMR API endpoint (moto, MinIO); default: AWS
    region: str | None = None
    requirements: str | None = None  # pip requirements file of the job's own dependencies
    poll_seconds: float = 15
    timeout_minutes: float | None = None  # stop following (status TIMEOUT) after this long
    log_uri: str | None = None  # EMR Serverless: s3MonitoringConfiguration.logUri; EMR: the new cluster's
    cluster_id: str | None = None  # EMR: the cluster the step runs on; None: one made from ``cluster``
    cluster: dict[str, Any] = field(default_factory=dict)  # EMR: run_job_flow keys of the cluster to make
    action_on_failure: str = "CONTINUE"
    application_id: str | None = None  # EMR Serverless
    execution_role_arn: str | None = None  # EMR Serverless
    # The driver's state_dir on the cluster (hdfs://, s3a://: bookmarks, run results); the
    # submitter keeps its run history in the profile's own state_dir.
    state_dir: str | None = None
    stage_dir: str | None = None  # yarn: the folder on the cluster's file system the package is put in


@dataclass(frozen=True)
class ConnectionSettings:
    """A JDBC connection of the profile's ``connections`` section."""

    name: str
    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    driver: str | None = None
    enforce_ssl: bool = False


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
    connections: dict[str, ConnectionSettings] = field(default_factory=dict)
    deploy: DeploySettings = field(default_factory=DeploySettings)

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
    resolved = validate(data, SCHEMA, where, "")
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
        connections=_connections(resolved["connections"], where),
        deploy=_deploy(resolved["deploy"], path),
    )


def _deploy(section: dict[str, Any], path: Path) -> DeploySettings:
    """The ``deploy`` section; a relative ``requirements`` file is the profile folder's."""
    requirements = section["requirements"]
    if requirements:
        section = {**section, "requirements": str((path.parent / requirements).resolve())}
    return DeploySettings(**section)


def _connections(section: dict[str, Any], where: str) -> dict[str, ConnectionSettings]:
    """The ``connections`` section: each entry a mapping of ``CONNECTION`` keys with a JDBC ``url``."""
    out = {}
    for name, entry in section.items():
        key = f"connections.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: key '{key}' must be a mapping (url, user, password), got {entry!r}")
        values = validate(entry, CONNECTION, where, f"{key}.")
        if not (values["url"] or "").startswith("jdbc:"):
            raise ConfigError(
                f"{where}: key '{key}.url' must be a JDBC URL such as jdbc:postgresql://host:5432/db, "
                f"got {values['url']!r}"
            )
        out[str(name)] = ConnectionSettings(str(name), **values)
    return out


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
