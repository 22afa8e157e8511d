"""The editor's side of the API: reading request bodies (errors name the field), the palette of node
types, and job files (found, read and saved inside the project)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import EtlError
from ...runtime.modules import GRAPH_SUFFIXES
from ..codegen import generate
from ..graph import GraphFileError, JobGraph, from_data, load_graph, save_graph, write_atomic
from ..nodes import SUPPORTED, node_spec
from ..parse import is_generated
from ..validate import validate
from .security import PathRefused, inside

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", int: "an integer", bool: "true or false"}


class BadRequest(EtlError):
    """A request body that is not what the endpoint takes (HTTP 400), naming the field."""


def field(body: Any, name: str, kind: type, required: bool = True) -> Any:
    """``body[name]``, checked to be of ``kind``; BadRequest naming the field otherwise."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if name not in body:
        if required:
            raise BadRequest(f"field {name!r} is required")
        return None
    value = body[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"field {name!r}: expected {_JSON_TYPES[kind]}, got {type(value).__name__} {value!r:.60}")
    return value


def graph_of(body: Any, source: str = "<editor>") -> JobGraph:
    """The job graph in the body's ``graph`` field (a job file's content)."""
    try:
        return from_data(field(body, "graph", dict), source)
    except GraphFileError as exc:
        raise BadRequest(f"field 'graph': {exc}") from None


def errors_of(graph: JobGraph) -> list[dict[str, str | None]]:
    return [e.as_dict() for e in validate(graph)]


def category(node_type: str) -> str:
    return "source" if node_type.endswith("Source") else "target" if node_type.endswith("Target") else "transform"


def node_types() -> list[dict[str, Any]]:
    """The palette: each node type etl studio generates code for, its inputs and its fields with
    Glue's type (``string``, ``boolean``, ``integer``, ``list``, ``structure``, ``map``), enum
    values and whether it is required (all from Glue's API model, through ``studio.nodes``)."""
    out = []
    for node_type in sorted(SUPPORTED):
        spec = node_spec(node_type)
        assert spec is not None  # every SUPPORTED type has a spec
        fields = []
        for name in sorted(spec.fields, key=lambda f: (f not in spec.required, f)):
            member = spec.shape.members[name]
            item = getattr(member, "member", None)
            fields.append(
                {
                    "name": name,
                    "type": member.type_name,
                    "items": item.type_name if item is not None else None,
                    "enum": list(getattr(member, "enum", None) or []) or None,
                    "required": name in spec.required,
                }
            )
        out.append(
            {
                "type": node_type,
                "category": category(node_type),
                "min_inputs": spec.min_inputs,
                "max_inputs": spec.max_inputs,
                "fields": fields,
            }
        )
    return out


class JobFiles:
    """The visual jobs of a project: ``*.glue.json`` / ``.glue.yaml`` under its ``jobs/`` folder
    (and anywhere else in the project when named)."""

    def __init__(self, project: Path, jobs: Path, state_dir: Path):
        self.project, self.jobs, self.state_dir = project.resolve(), jobs, state_dir

    def list(self) -> list[str]:
        folder = (self.project / self.jobs).resolve()
        found = [p for s in GRAPH_SUFFIXES for p in folder.rglob(f"*{s}")] if folder.is_dir() else []
        return sorted(str(p.relative_to(self.project)) for p in found if p.resolve().is_relative_to(self.project))

    def path(self, name: Any) -> Path:
        """The job file a request names: inside the project, with a job file's suffix."""
        if not isinstance(name, str):
            raise BadRequest(f"field 'path': expected a string, got {name!r:.60}")
        path = inside([self.project], name, "job file")
        if not path.name.endswith(GRAPH_SUFFIXES):
            raise PathRefused(f"job file {name!r}: a visual job's file ends with {' or '.join(GRAPH_SUFFIXES)}")
        return path

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.project))

    def read(self, name: Any) -> dict[str, Any]:
        path = self.path(name)
        graph = load_graph(path)
        return {"path": self.relative(path), "graph": graph.to_data(), "errors": errors_of(graph)}

    def save(self, name: Any, graph: JobGraph) -> dict[str, Any]:
        """Write the file (a temporary file renamed over it: an error never leaves it truncated).
        A graph with errors is saved too, as a draft; its errors come back for the canvas. A valid
        graph's script is written beside it (``x.glue.json`` -> ``x.py``, as Glue Studio saves the
        script with the job), unless a ``x.py`` is there with lines no graph generates (``script_kept``
        says so)."""
        path = self.path(name)
        save_graph(graph, path)
        errors = errors_of(graph)
        saved: dict[str, Any] = {"path": self.relative(path), "saved": True, "errors": errors, "script": None}
        if errors:
            return saved
        suffix = next(s for s in GRAPH_SUFFIXES if path.name.endswith(s))
        script = path.with_name(path.name.removesuffix(suffix) + ".py")
        if script.exists() and not is_generated(script.read_text(encoding="utf-8", errors="replace")):
            kept = self.relative(script)
            saved["script_kept"] = (
                f"{kept} has lines no graph generates: not overwritten (etl studio parse {kept} lists them)"
            )
            return saved
        write_atomic(script, generate(graph))
        return {**saved, "script": self.relative(script)}
