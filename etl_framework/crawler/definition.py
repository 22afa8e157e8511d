"""Crawler definitions: ``conf/crawlers/<name>.yaml`` or the command line, with Glue's names.

::

    # conf/crawlers/orders.yaml
    database: sales
    table_prefix: raw_
    targets:
      - path: data/orders                  # any Hadoop path; relative paths are made absolute
        exclusions: ["**.tmp", "**/_archive/**"]
    schema_change_policy:
      UpdateBehavior: UPDATE_IN_DATABASE    # or LOG
      DeleteBehavior: DEPRECATE_IN_DATABASE # or LOG, DELETE_FROM_DATABASE
    recrawl_policy: CRAWL_EVERYTHING        # or CRAWL_NEW_FOLDERS_ONLY (needs LOG / LOG, as in Glue)

    >>> d = CrawlerDefinition("orders", [Target("/data/orders")], "sales")
    >>> d.schema_change_policy.update_behavior, d.recrawl_policy
    ('UPDATE_IN_DATABASE', 'CRAWL_EVERYTHING')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Key, absolute_location, conf_dir, read_yaml_mapping, validate
from ..errors import ConfigError

UPDATE_BEHAVIORS = ("UPDATE_IN_DATABASE", "LOG")
DELETE_BEHAVIORS = ("DEPRECATE_IN_DATABASE", "DELETE_FROM_DATABASE", "LOG")
RECRAWL_BEHAVIORS = ("CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY")

_SCHEMA = {
    "name": Key(str),
    "description": Key(str, ""),
    "database": Key(str),
    "table_prefix": Key(str, ""),
    "targets": Key(list),
    "schema_change_policy": {
        "UpdateBehavior": Key(str, UPDATE_BEHAVIORS[0], UPDATE_BEHAVIORS),
        "DeleteBehavior": Key(str, DELETE_BEHAVIORS[0], DELETE_BEHAVIORS),
    },
    "recrawl_policy": Key(str, RECRAWL_BEHAVIORS[0], RECRAWL_BEHAVIORS),
}
_TARGET_SCHEMA = {"path": Key(str), "exclusions": Key(list, [])}
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Target:
    """One data store to crawl: a folder (or file, or glob) and Glue exclusion globs relative to it."""

    path: str
    exclusions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemaChangePolicy:
    update_behavior: str = "UPDATE_IN_DATABASE"
    delete_behavior: str = "DEPRECATE_IN_DATABASE"


@dataclass(frozen=True)
class CrawlerDefinition:
    """What a crawler looks at and how it changes the catalog (Glue's defaults unless given)."""

    name: str
    targets: list[Target]
    database: str
    table_prefix: str = ""
    schema_change_policy: SchemaChangePolicy = field(default_factory=SchemaChangePolicy)
    recrawl_policy: str = "CRAWL_EVERYTHING"
    description: str = ""
    source: str = "command line"

    def __post_init__(self) -> None:
        where = self.source
        if not _NAME.fullmatch(self.name):
            raise ConfigError(f"{where}: key 'name' {self.name!r} must be letters, digits, '_', '.' or '-'")
        if not self.targets:
            raise ConfigError(f"{where}: key 'targets' must list at least one path")
        policy = self.schema_change_policy
        for key, value, allowed in [
            ("schema_change_policy.UpdateBehavior", policy.update_behavior, UPDATE_BEHAVIORS),
            ("schema_change_policy.DeleteBehavior", policy.delete_behavior, DELETE_BEHAVIORS),
            ("recrawl_policy", self.recrawl_policy, RECRAWL_BEHAVIORS),
        ]:
            if value not in allowed:
                raise ConfigError(f"{where}: key '{key}' must be one of {', '.join(allowed)}, got {value!r}")
        # Glue refuses an incremental crawler that would change schemas or delete: new folders alone
        # cannot show that a column or a folder went away.
        if self.recrawl_policy == "CRAWL_NEW_FOLDERS_ONLY" and (policy.update_behavior, policy.delete_behavior) != (
            "LOG",
            "LOG",
        ):
            raise ConfigError(
                f"{where}: key 'recrawl_policy' CRAWL_NEW_FOLDERS_ONLY needs schema_change_policy "
                f"UpdateBehavior: LOG and DeleteBehavior: LOG (got {policy.update_behavior}, {policy.delete_behavior})"
            )


def crawler_path(name: str) -> Path:
    """A crawler name (``orders``: ``conf/crawlers/orders.yaml``) or a path to a YAML file."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return Path(name)
    return conf_dir() / "crawlers" / f"{name}.yaml"


def load_crawler(name: str) -> CrawlerDefinition:
    """Read and validate a crawler definition; an unknown key, a wrong type or a missing file is an
    error naming the file and the key.

    >>> load_crawler("orders").database  # doctest: +SKIP
    'sales'
    """
    path = crawler_path(name)
    where = str(path)
    data = validate(read_yaml_mapping(path, "crawler"), _SCHEMA, where, "")
    if data["database"] is None:
        raise ConfigError(f"{where}: key 'database' is required")
    targets = []
    for i, item in enumerate(data["targets"] or []):
        key = f"targets[{i}]"
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: key '{key}' must be a path or a mapping, got {type(item).__name__}")
        target = validate(item, _TARGET_SCHEMA, where, f"{key}.")
        if not target["path"]:
            raise ConfigError(f"{where}: key '{key}.path' is required")
        for j, pattern in enumerate(target["exclusions"]):
            if not isinstance(pattern, str):
                raise ConfigError(f"{where}: key '{key}.exclusions[{j}]' must be a glob string, got {pattern!r}")
        targets.append(Target(absolute_location(target["path"]), tuple(target["exclusions"])))
    policy = data["schema_change_policy"]
    return CrawlerDefinition(
        name=data["name"] or path.stem,
        targets=targets,
        database=data["database"],
        table_prefix=data["table_prefix"],
        schema_change_policy=SchemaChangePolicy(policy["UpdateBehavior"], policy["DeleteBehavior"]),
        recrawl_policy=data["recrawl_policy"],
        description=data["description"],
        source=where,
    )
