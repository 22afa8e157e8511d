"""The YAML files the framework reads (profiles, crawler definitions, triggers and workflows):
duplicate keys refused, ``${VAR}`` references replaced, and keys checked against a schema, each
error naming the file and the key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Key:
    """One key of a YAML schema: its type, its default and, for text, the values it may take."""

    type: type | tuple[type, ...]
    default: Any = None
    choices: tuple[str, ...] | None = None


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
    return interpolate(data, where, "")


def interpolate(value: Any, where: str, key: str = "") -> Any:
    """``${VAR}`` and ``${VAR:-default}`` in the strings of ``value`` replaced from the environment."""
    if isinstance(value, dict):
        return {k: interpolate(v, where, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, where, f"{key}[{i}]") for i, v in enumerate(value)]
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


def validate(data: dict[str, Any], schema: dict[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """``data`` checked against ``schema`` (nested dicts of ``Key``), defaults filled in; an unknown
    key, a wrong type or a value not among the choices is an error naming ``where`` and the key.

    >>> validate({"engine": "spark"}, {"engine": Key(str, "auto", ("auto", "spark")), "n": Key(int, 2)}, "x.yaml")
    {'engine': 'spark', 'n': 2}
    >>> validate({"egine": "spark"}, {"engine": Key(str)}, "x.yaml")
    Traceback (most recent call last):
    ...
    etl_framework.errors.ConfigError: x.yaml: unknown key 'egine' (allowed here: engine)
    """
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
            out[name] = validate(value, spec, where, f"{key}.")
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
