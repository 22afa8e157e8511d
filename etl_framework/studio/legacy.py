"""Glue's legacy annotated scripts (``## @type``, ``## @args``, ``## @return``, ``## @inputs``: what
the old console and ``GetDataflowGraph`` read) as a job graph.

Each annotation block is a node: ``@return`` its id and Name, ``@args`` its fields, ``@inputs`` its
edges. A node type with no counterpart among Glue Studio's (``ResolveChoice``, ``SplitRows``, ...)
is passed through (its consumers read its input) and reported with its line.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .graph import GraphFileError, JobGraph, Node
from .parse import Leftover, ParsedScript

_ANNOTATION = re.compile(r"^## @(type|args|return|inputs): ?(.*)$")
_S3_SOURCES = {"csv": "S3CsvSource", "json": "S3JsonSource", "parquet": "S3ParquetSource"}


def is_annotated(text: str) -> bool:
    return any(line.startswith("## @type:") for line in text.splitlines())


def _keywords(text: str, where: str) -> dict[str, Any]:
    """``[a = "x", b = [1]]`` (an ``@args`` or ``@inputs`` list) as a dict; names stay names."""
    try:
        call = ast.parse(f"f({text.strip()[1:-1]})", mode="eval").body
    except SyntaxError:
        raise GraphFileError(f"{where}: cannot read the annotation {text!r}") from None
    out: dict[str, Any] = {}
    for keyword in call.keywords:  # type: ignore[attr-defined]
        value = keyword.value
        out[keyword.arg] = value.id if isinstance(value, ast.Name) else _literal(value)
    return out


def _literal(value: ast.expr) -> Any:
    try:
        return ast.literal_eval(value)
    except ValueError:
        return ast.unparse(value)  # args["TempDir"] and the like: kept as code


def _fields(node_type: str, args: dict[str, Any], inputs: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    frames = list(inputs.values())
    if node_type == "DataSource" and "database" in args:
        return "CatalogSource", {"Database": args["database"], "Table": args["table_name"]}
    if node_type == "DataSource" and args.get("format") in _S3_SOURCES:
        paths = (args.get("connection_options") or {}).get("paths", [])
        return _S3_SOURCES[args["format"]], {"Paths": paths}
    if node_type == "ApplyMapping":
        mapping = [{"ToKey": to, "FromPath": source.split("."), "FromType": t1, "ToType": t2}
                   for source, t1, to, t2 in args.get("mapping", [])]  # fmt: skip
        return "ApplyMapping", {"Inputs": frames, "Mapping": mapping}
    if node_type in ("SelectFields", "DropFields"):
        return node_type, {"Inputs": frames, "Paths": [p.split(".") for p in args.get("paths", [])]}
    if node_type == "RenameField":
        return node_type, {"Inputs": frames, "SourcePath": args["old_name"].split("."),
                           "TargetPath": args["new_name"].split(".")}  # fmt: skip
    if node_type == "Join" and len(frames) == 2:
        keys = [args.get("keys1", []), args.get("keys2", [])]
        columns = [{"From": f, "Keys": [k.split(".") for k in ks]} for f, ks in zip(frames, keys, strict=True)]
        return "Join", {"Inputs": frames, "JoinType": "equijoin", "Columns": columns}
    if node_type == "DataSink" and "database" in args:
        return "CatalogTarget", {"Inputs": frames, "Database": args["database"], "Table": args["table_name"]}
    if node_type == "DataSink" and args.get("format"):
        path = (args.get("connection_options") or {}).get("path", "")
        return "S3DirectTarget", {"Inputs": frames, "Path": path, "Format": args["format"]}
    return None


def parse_annotated(text: str, source: str = "<script>") -> ParsedScript:
    """The graph of a legacy annotated script; blocks with no node type are reported, not dropped."""
    blocks: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _ANNOTATION.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "type":
            blocks.append({"line": number, "type": value.strip()})
        elif blocks:
            blocks[-1][key] = value.strip()
    nodes: dict[str, Node] = {}
    through: dict[str, str] = {}  # a passed-through node's id -> the node its consumers read instead
    leftovers = []
    for block in blocks:
        where = f"{source} line {block['line']}"
        node_id = block.get("return") or f"node{block['line']}"
        inputs = {k: through.get(v, v) for k, v in _keywords(block.get("inputs", "[]"), where).items()}
        read = _fields(block["type"], _keywords(block.get("args", "[]"), where), inputs)
        if read is None:
            leftovers.append(Leftover(block["line"], block["line"], f"## @type: {block['type']} ({node_id}) has no "
                                      "node type in Glue Studio's graph: passed through"))  # fmt: skip
            if inputs:
                through[node_id] = next(iter(inputs.values()))
            continue
        node_type, fields = read
        nodes[node_id] = Node(node_id, node_type, {"Name": node_id, **fields})
    return ParsedScript(JobGraph(nodes, source=source), leftovers)
