"""A visual job: Glue's ``CodeGenConfigurationNodes`` map, loaded from and saved to a job file.

A job file (``jobs/NAME.glue.json``, or ``.glue.yaml``) is a JSON or YAML object whose
``CodeGenConfigurationNodes`` is the map Glue's ``create_job`` takes (node id -> one node type ->
its ``Name``, ``Inputs`` and fields); its other keys are Job fields kept for export
(``Description``, ``GlueVersion``, ``DefaultArguments``, ...).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import EtlError

NODES_KEY = "CodeGenConfigurationNodes"


class GraphFileError(EtlError):
    """A job file cannot be read: not JSON/YAML, or not shaped as a job graph."""


@dataclass(frozen=True)
class GraphError:
    """One thing wrong with a graph, naming the node (id and Name) and the field at fault."""

    node_id: str | None
    name: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"node {self.node_id}" + (f" ({self.name})" if self.name else "") if self.node_id else "graph"
        return f"{where}" + (f" field {self.field}" if self.field else "") + f": {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        return {"node": self.node_id, "name": self.name, "field": self.field, "message": self.message}


class InvalidGraphError(EtlError):
    """A graph breaks the rules of its node types; carries every error found."""

    def __init__(self, source: str, errors: list[GraphError]):
        self.source, self.errors = source, errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"{source}: {len(errors)} error{'s' if len(errors) > 1 else ''} in the job graph:\n{lines}")


@dataclass(frozen=True)
class Node:
    """One node: its id, its type (the ``CodeGenConfigurationNode`` member) and that member's fields."""

    id: str
    type: str
    fields: dict[str, Any]

    @property
    def name(self) -> str:
        name = self.fields.get("Name")
        return name if isinstance(name, str) else self.id

    @property
    def inputs(self) -> list[str]:
        inputs = self.fields.get("Inputs")
        return [i for i in inputs if isinstance(i, str)] if isinstance(inputs, list) else []

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


@dataclass
class JobGraph:
    """The nodes, in file order, and the job's other fields."""

    nodes: dict[str, Node]
    job: dict[str, Any] = field(default_factory=dict)
    source: str = "<graph>"

    def to_data(self) -> dict[str, Any]:
        """The job file's content."""
        return {**self.job, NODES_KEY: {n.id: {n.type: n.fields} for n in self.nodes.values()}}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JobGraph) and self.to_data() == other.to_data()


def from_data(data: Any, source: str = "<graph>") -> JobGraph:
    """A graph from a job file's content; raises GraphFileError naming what is misshapen."""
    if not isinstance(data, dict) or not isinstance(data.get(NODES_KEY), dict):
        raise GraphFileError(f"{source}: a job file is an object with a {NODES_KEY} object (node id -> node)")
    nodes: dict[str, Node] = {}
    problems = []
    for node_id, member in data[NODES_KEY].items():
        if not isinstance(member, dict) or len(member) != 1 or not isinstance(next(iter(member.values())), dict):
            problems.append(f'node {node_id}: must hold exactly one node type and its fields, e.g. {{"Join": {{...}}}}')
            continue
        ((node_type, fields),) = member.items()
        nodes[str(node_id)] = Node(str(node_id), node_type, fields)
    if problems:
        raise GraphFileError(f"{source}: " + "; ".join(problems))
    return JobGraph(nodes, {k: v for k, v in data.items() if k != NODES_KEY}, source)


def parse_text(text: str, source: str) -> Any:
    """JSON (``.json``) or YAML (anything else) text; errors name the file, line and column."""
    if source.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise GraphFileError(f"{source}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        raise GraphFileError(f"{source}: not valid YAML: {where}{getattr(exc, 'problem', exc)}") from None


def load_graph(path: str | os.PathLike[str]) -> JobGraph:
    """Read a job file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise GraphFileError(f"{source}: cannot read the job file: {exc.strerror}") from None
    return from_data(parse_text(text, source), source)


def dump_graph(graph: JobGraph, yaml_format: bool = False) -> str:
    """The job file's text: stable bytes for the same graph, so that it diffs well."""
    data = graph.to_data()
    if yaml_format:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then rename it over ``path``: a failed
    write never leaves a truncated file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise


def save_graph(graph: JobGraph, path: str | os.PathLike[str]) -> None:
    """Write a job file (YAML for ``.yaml``/``.yml``, JSON otherwise), atomically."""
    write_atomic(path, dump_graph(graph, str(path).endswith((".yaml", ".yml"))))
