"""Checking a job graph: every error names the node (id and Name) and the field, and all are reported together."""

from __future__ import annotations

from typing import Any

from .graph import GraphError, InvalidGraphError, JobGraph, Node
from .nodes import CANVAS_FIELDS, NODE_REFERENCES, node_spec, unsupported_reason, variable_name

_PY_TYPES = {"string": str, "boolean": bool, "map": dict, "structure": dict, "list": list}
_JSON_NAMES = {
    "string": "a string",
    "boolean": "true or false",
    "integer": "an integer",
    "long": "an integer",
    "list": "a list",
    "map": "an object",
    "structure": "an object",
}


def validate(graph: JobGraph) -> list[GraphError]:
    """Every error in ``graph``; an empty list when it can be generated."""
    errors: list[GraphError] = []
    for node in graph.nodes.values():
        errors += _node_errors(node, graph)
    errors += _cycle_errors(graph)
    seen: dict[str, str] = {}
    for node in graph.nodes.values():  # the script's variables are Name and id without punctuation
        other = seen.setdefault(variable_name(node), node.id)
        if other != node.id:
            errors.append(GraphError(node.id, node.name, "Name", f"gives the same script variable as node {other}"))
    return errors


def check(graph: JobGraph) -> JobGraph:
    """``graph`` itself, or InvalidGraphError listing every error."""
    errors = validate(graph)
    if errors:
        raise InvalidGraphError(graph.source, errors)
    return graph


def _node_errors(node: Node, graph: JobGraph) -> list[GraphError]:
    def error(field: str | None, message: str) -> GraphError:
        return GraphError(
            node.id, node.fields.get("Name") if isinstance(node.fields.get("Name"), str) else None, field, message
        )

    spec = node_spec(node.type)
    if spec is None:
        return [error(None, unsupported_reason(node.type))]
    errors = [error(f, "is required") for f in ["Name", *spec.required] if f not in node.fields]
    for key, value in node.fields.items():
        member = spec.shape.members.get(key)
        if member is None:
            errors.append(error(key, f"is not a field of {node.type}"))
        elif key not in ("Name", "Inputs") and key not in spec.fields and key not in CANVAS_FIELDS:
            errors.append(
                error(key, f"is not supported by etl studio for {node.type} (it would be lost in the script)")
            )
        else:
            errors += [error(path, message) for path, message in _value_errors(key, value, member)]
    inputs = node.fields.get("Inputs", [])
    if isinstance(inputs, list):
        errors += [error("Inputs", f"names no node of the graph: {i!r}") for i in inputs if i not in graph.nodes]
        count = len(inputs)
        if count < spec.min_inputs or (spec.max_inputs is not None and count > spec.max_inputs):
            wanted = f"{spec.min_inputs}" if spec.min_inputs == spec.max_inputs else f"at least {spec.min_inputs}"
            errors.append(
                error("Inputs", f"{node.type} takes {wanted} input{'s' if wanted != '1' else ''}, got {count}")
            )
    if node.type in NODE_REFERENCES:
        key, sub = NODE_REFERENCES[node.type]
        for i, item in enumerate(node.fields.get(key) or []):
            ref = item.get(sub) if isinstance(item, dict) else None
            if isinstance(ref, str) and ref not in node.inputs:
                errors.append(error(f"{key}[{i}].{sub}", f"{ref!r} is not one of the node's Inputs"))
    return errors + [error(f, m) for f, m in _semantic_errors(node)]


def _value_errors(path: str, value: Any, shape: Any) -> list[tuple[str, str]]:
    """Type, enum and required-member errors of ``value`` against a botocore shape."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("double", "float"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, _PY_TYPES.get(kind, object))
    if not ok:
        return [(path, f"must be {_JSON_NAMES.get(kind, kind)}, got {value!r}")]
    enum = getattr(shape, "enum", None)
    if kind == "string" and enum and value not in enum:
        return [(path, f"must be one of {', '.join(enum)}, got {value!r}")]
    out: list[tuple[str, str]] = []
    if kind == "list":
        for i, item in enumerate(value):
            out += _value_errors(f"{path}[{i}]", item, shape.member)
    elif kind == "map":
        for key, item in value.items():
            out += _value_errors(f"{path}.{key}", item, shape.value)
    elif kind == "structure":
        out += [(f"{path}.{m}", "is required") for m in shape.required_members if m not in value]
        for key, item in value.items():
            if key not in shape.members:
                out.append((f"{path}.{key}", f"is not a field of {shape.name}"))
            else:
                out += _value_errors(f"{path}.{key}", item, shape.members[key])
    return out


def _semantic_errors(node: Node) -> list[tuple[str, str]]:
    """What Glue's model allows but the generated script cannot do."""
    f, out = node.fields, []
    if node.type == "S3DirectTarget" and f.get("Format") in ("hudi", "delta", "iceberg", "hyper"):
        out.append(("Format", f"{f['Format']!r} is written by its own node type here (S3DeltaDirectTarget for delta)"))
    if node.type == "S3DeltaDirectTarget" and f.get("Format", "delta") != "delta":
        out.append(("Format", f"must be 'delta' for S3DeltaDirectTarget, got {f.get('Format')!r}"))
    if node.type in ("DirectJDBCSource", "JDBCConnectorTarget"):
        from ..connections import JDBC_CONNECTIONS

        if isinstance(f.get("ConnectionType"), str) and f["ConnectionType"] not in JDBC_CONNECTIONS:
            out.append(
                (
                    "ConnectionType",
                    f"must be one of {', '.join(JDBC_CONNECTIONS)} (a connection of the "
                    f"profile or the Data Catalog; Glue connectors are not run here), got {f['ConnectionType']!r}",
                )
            )
    if node.type == "ApplyMapping":
        for i, m in enumerate(f.get("Mapping") or []):
            if isinstance(m, dict) and m.get("Children"):
                out.append((f"Mapping[{i}].Children", "nested mappings are not supported; map each leaf by its path"))
            elif isinstance(m, dict):
                out += [
                    (f"Mapping[{i}].{k}", "is required")
                    for k in ("ToKey", "FromPath", "FromType", "ToType")
                    if k not in m
                ]
    if node.type == "Join":
        columns = f.get("Columns")
        if isinstance(columns, list) and len(columns) != 2:
            out.append(("Columns", f"must list the keys of both inputs (2 items), got {len(columns)}"))
    if node.type == "SparkSQL" and isinstance(f.get("SqlQuery"), str) and "'''" in f["SqlQuery"]:
        out.append(("SqlQuery", "cannot contain ''' (the script quotes the query with it)"))
    if node.type == "CustomCode" and isinstance(f.get("Code"), str) and isinstance(f.get("ClassName"), str):
        out += [("Code", m) for m in _custom_code_errors(f["Code"], f["ClassName"])]
    return out


def _custom_code_errors(code: str, class_name: str) -> list[str]:
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return [f"is not valid Python: line {exc.lineno}: {exc.msg}"]
    if not any(isinstance(s, ast.FunctionDef) and s.name == class_name for s in tree.body):
        return [f"must define the function named by ClassName: def {class_name}(glueContext, dfc)"]
    return []


def _cycle_errors(graph: JobGraph) -> list[GraphError]:
    """One error per node on a cycle (Inputs that lead back to the node)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    on_cycle: list[str] = []

    def visit(node_id: str, path: list[str]) -> None:
        state[node_id] = 1
        for upstream in graph.nodes[node_id].inputs:
            if upstream not in graph.nodes:
                continue
            if state.get(upstream) == 1:
                on_cycle.extend(n for n in path[path.index(upstream) :] if n not in on_cycle)
            elif upstream not in state:
                visit(upstream, [*path, upstream])
        state[node_id] = 2

    for node_id in graph.nodes:
        if node_id not in state:
            visit(node_id, [node_id])
    cycle = " -> ".join(on_cycle)
    return [GraphError(n, graph.nodes[n].name, "Inputs", f"is on a cycle ({cycle})") for n in on_cycle]


def topological_order(graph: JobGraph) -> list[Node]:
    """Nodes with each after its inputs; ties in file order (so the script's order is stable)."""
    done: set[str] = set()
    order: list[Node] = []
    pending = list(graph.nodes.values())
    while pending:
        ready = next(n for n in pending if all(i in done for i in n.inputs))
        order.append(ready)
        done.add(ready.id)
        pending.remove(ready)
    return order
