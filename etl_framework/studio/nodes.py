"""The node types of Glue's ``CodeGenConfigurationNodes`` that etl studio generates code for.

Field names, required fields, field types and enum values come from Glue's own API model, as
botocore ships it (``CodeGenConfigurationNode`` in the ``glue`` service model), so the graph is
checked against what ``create_job`` accepts. What is ours: the node types we generate code for and,
per type, the fields the generated script expresses. A field of Glue's model that the script
cannot express is refused (so no setting is silently lost); ``OutputSchemas`` (the schema Glue
Studio shows on the canvas) is dropped from the script and reads back absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .graph import Node

# Fields that describe the canvas, not the job: not in the script.
CANVAS_FIELDS = frozenset({"OutputSchemas"})

# Node type -> the fields (besides Name and Inputs) the generated script expresses.
SUPPORTED: dict[str, frozenset[str]] = {
    name: frozenset(fields.split())
    for name, fields in {
        "S3CsvSource": "Paths CompressionType Exclusions GroupSize GroupFiles Recurse MaxBand MaxFilesInBand "
        "Separator Escaper QuoteChar Multiline WithHeader WriteHeader SkipFirst OptimizePerformance",
        "S3JsonSource": "Paths CompressionType Exclusions GroupSize GroupFiles Recurse MaxBand MaxFilesInBand "
        "JsonPath Multiline",
        "S3ParquetSource": "Paths CompressionType Exclusions GroupSize GroupFiles Recurse MaxBand MaxFilesInBand",
        "CatalogSource": "Database Table PartitionPredicate",
        "S3CatalogSource": "Database Table PartitionPredicate AdditionalOptions",
        "DirectJDBCSource": "Database Table ConnectionName ConnectionType",
        "ApplyMapping": "Mapping",
        "SelectFields": "Paths",
        "DropFields": "Paths",
        "RenameField": "SourcePath TargetPath",
        "Filter": "LogicalOperator Filters",
        "Join": "JoinType Columns",
        "Union": "UnionType",
        "SplitFields": "Paths",
        "SelectFromCollection": "Index",
        "DropNullFields": "NullCheckBoxList",
        "DropDuplicates": "Columns",
        "SparkSQL": "SqlQuery SqlAliases",
        "Aggregate": "Groups Aggs",
        "CustomCode": "Code ClassName",
        "EvaluateDataQuality": "Ruleset PublishingOptions",
        "S3DirectTarget": "Path Format Compression PartitionKeys SchemaChangePolicy AutoDataQuality",
        "S3GlueParquetTarget": "Path Compression PartitionKeys SchemaChangePolicy AutoDataQuality",
        "S3CatalogTarget": "Database Table PartitionKeys SchemaChangePolicy AutoDataQuality",
        "CatalogTarget": "Database Table PartitionKeys",
        "S3DeltaDirectTarget": "Path Format Compression PartitionKeys AdditionalOptions AutoDataQuality",
        "JDBCConnectorTarget": "ConnectionName ConnectionTable ConnectorName ConnectionType",
    }.items()
}

# Why a node type of Glue's model has no code here, where there is more to say than "not yet".
UNSUPPORTED_REASONS = {
    "FillMissingValues": "Glue fills the values with a machine-learning model that runs in the AWS service",
    "PIIDetection": "Glue detects personal data with an AWS service",
    "DynamicTransform": "custom visual transforms are code Glue Studio loads from S3",
    "Recipe": "DataBrew recipes run in the AWS service",
}

# Fields that name another node (checked like Inputs).
NODE_REFERENCES = {"SparkSQL": ("SqlAliases", "From"), "Join": ("Columns", "From")}

# Node types whose output is a collection of frames (SelectFromCollection picks one).
COLLECTION_OUTPUTS = frozenset({"SplitFields", "CustomCode", "EvaluateDataQuality"})


@dataclass(frozen=True)
class NodeSpec:
    """One node type: Glue's shape for it and how many inputs it takes."""

    type: str
    shape: Any  # botocore.model.StructureShape
    min_inputs: int
    max_inputs: int | None  # None: any number

    @property
    def fields(self) -> frozenset[str]:
        return SUPPORTED[self.type]

    @property
    def required(self) -> list[str]:
        return [f for f in self.shape.required_members if f not in ("Name", "Inputs")]


@cache
def _node_shape() -> Any:
    import botocore.session  # the API model only; no AWS call is made

    return botocore.session.get_session().get_service_model("glue").shape_for("CodeGenConfigurationNode")


def glue_node_types() -> list[str]:
    """Every node type of Glue's model."""
    return sorted(_node_shape().members)


def node_spec(node_type: str) -> NodeSpec | None:
    """The spec of a supported node type, or None."""
    if node_type not in SUPPORTED:
        return None
    shape = _node_shape().members[node_type]
    inputs = shape.members.get("Inputs")
    bounds = {"OneInput": (1, 1), "TwoInputs": (2, 2), "ManyInputs": (1, None)}
    low, high = bounds[inputs.name] if inputs is not None else (0, 0)
    return NodeSpec(node_type, shape, low, high)


def unsupported_reason(node_type: str) -> str:
    """What to say about a node type that has no spec."""
    if node_type in UNSUPPORTED_REASONS:
        return f"node type {node_type} is not supported: {UNSUPPORTED_REASONS[node_type]}"
    if node_type in _node_shape().members:
        return f"node type {node_type} is not supported by etl studio (supported: {', '.join(sorted(SUPPORTED))})"
    return f"unknown node type {node_type} (not a member of Glue's CodeGenConfigurationNode)"


def clean(text: str) -> str:
    """``text`` with every character that is not an ASCII letter or digit dropped."""
    return re.sub(r"[^A-Za-z0-9]", "", text)


def variable_name(node: Node) -> str:
    """The node's variable, as Glue Studio names it: ``<Name>_<id>`` of letters and digits."""
    name = f"{clean(node.name)}_{clean(node.id)}"
    return name if name[0].isalpha() else f"node{name}"
