"""Graph -> script: the script Glue Studio writes for a visual job.

The standard boilerplate (``getResolvedOptions``, ``GlueContext``, ``Job.init`` / ``commit``), the
helper functions Glue Studio emits for the node types used, then one block per node in topological
order under ``# Script generated for node <Name>``, its variable named ``<Name>_<id>`` with every
character that is not a letter or digit dropped (``AmazonS3_node1712345678901``). The same graph
always gives the same bytes. ``parse.py`` reads such a script back with the tables below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .graph import JobGraph, Node
from .nodes import clean, variable_name
from .validate import check, topological_order

NODE_COMMENT = "# Script generated for node "

BOILERPLATE_IMPORTS = [
    "import sys",
    "from awsglue.transforms import *",
    "from awsglue.utils import getResolvedOptions",
    "from pyspark.context import SparkContext",
    "from awsglue.context import GlueContext",
    "from awsglue.job import Job",
]
# Imports Glue Studio adds for the node types that need them, in the order it writes them.
OPTIONAL_IMPORTS = [
    ("dq", "from awsgluedq.transforms import EvaluateDataQuality"),
    ("dynamicframe", "from awsglue import DynamicFrame"),
    ("collection", "from awsglue.dynamicframe import DynamicFrameCollection"),
    ("gluetypes", "from awsglue.gluetypes import *"),
    ("sqlfuncs", "from pyspark.sql import functions as SqlFuncs"),
    ("re", "import re"),
]
JOB_START = [
    "args = getResolvedOptions(sys.argv, ['JOB_NAME'])",
    "sc = SparkContext()",
    "glueContext = GlueContext(sc)",
    "spark = glueContext.spark_session",
    "job = Job(glueContext)",
    "job.init(args['JOB_NAME'], args)",
]
JOB_END = "job.commit()"
DEFAULT_RULESET = [
    "# Default ruleset used by all target nodes with data quality enabled",
    'DEFAULT_DATA_QUALITY_RULESET = """',
    "    Rules = [",
    "        ColumnCount > 0",
    "    ]",
    '"""',
]

HELPERS = {
    "sparkSqlQuery": """def sparkSqlQuery(glueContext, query, mapping, transformation_ctx) -> DynamicFrame:
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql(query)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)""",
    "sparkUnion": """def sparkUnion(glueContext, unionType, mapping, transformation_ctx) -> DynamicFrame:
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql("(select * from source1) UNION " + unionType + " (select * from source2)")
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)""",
    "sparkAggregate": """def sparkAggregate(glueContext, parentFrame, groups, aggs, transformation_ctx) -> DynamicFrame:
    aggsFuncs = [getattr(SqlFuncs, func)(column) for column, func in aggs]
    df = parentFrame.toDF()
    result = df.groupBy(*groups).agg(*aggsFuncs) if len(groups) > 0 else df.agg(*aggsFuncs)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)""",
    "drop_nulls": """def _find_null_fields(ctx, schema, path, output, nullStringSet, nullIntegerSet, frame):
    if isinstance(schema, StructType):
        for field in schema:
            field_path = path + "." + field.name if path != "" else field.name
            output = _find_null_fields(ctx, field.dataType, field_path, output, nullStringSet, nullIntegerSet, frame)
    elif isinstance(schema, ArrayType):
        if isinstance(schema.elementType, StructType):
            output = _find_null_fields(ctx, schema.elementType, path, output, nullStringSet, nullIntegerSet, frame)
    elif isinstance(schema, NullType):
        output.append(path)
    else:
        values = set()
        for row in frame.toDF().select(path).distinct().collect():
            value = row[0]
            if value is not None:
                values.add(value.strip() if isinstance(value, str) else value)
        if isinstance(schema, StringType):
            if values.issubset(nullStringSet):
                output.append(path)
        elif isinstance(schema, IntegerType) or isinstance(schema, LongType) or isinstance(schema, DoubleType):
            if values.issubset(nullIntegerSet):
                output.append(path)
    return output


def drop_nulls(glueContext, frame, nullStringSet, nullIntegerSet, transformation_ctx) -> DynamicFrame:
    nullColumns = _find_null_fields(frame.glue_ctx, frame.schema(), "", [], nullStringSet, nullIntegerSet, frame)
    return DropFields.apply(frame=frame, paths=nullColumns, transformation_ctx=transformation_ctx)""",
}
HELPER_IMPORTS = {
    "sparkSqlQuery": ["dynamicframe"],
    "sparkUnion": ["dynamicframe"],
    "sparkAggregate": ["dynamicframe", "sqlfuncs"],
    "drop_nulls": ["dynamicframe", "gluetypes"],
}


def lit(value: Any) -> str:
    """``value`` as a Python literal, in Glue Studio's spelling (double quotes, ``True``)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(lit(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no literal for {value!r}")


def block_string(text: str, quote: str) -> str:
    """A multi-line string as Glue Studio quotes queries and rulesets, or a plain literal when the
    text would change meaning between triple quotes (a backslash, the quote itself)."""
    if "\\" in text or quote in text or text.endswith(quote[0]):
        return lit(text)
    return f"{quote}{text}{quote}"


def path_of(parts: list[str]) -> str:
    return ".".join(parts)


def paths_of(paths: list[list[str]]) -> list[str]:
    return [path_of(p) for p in paths]


@dataclass(frozen=True)
class Option:
    """A node field written as one key of an options dict (``Recurse`` -> ``"recurse"``)."""

    field: str
    key: str
    to_code: Callable[[Any], Any] = lambda v: v
    from_code: Callable[[Any], Any] = lambda v: v

    @staticmethod
    def write(options: list[Option], fields: dict[str, Any]) -> dict[str, Any]:
        return {o.key: o.to_code(fields[o.field]) for o in options if o.field in fields}

    @staticmethod
    def read(options: list[Option], values: dict[str, Any]) -> dict[str, Any]:
        by_key = {o.key: o for o in options}
        return {by_key[k].field: by_key[k].from_code(v) for k, v in values.items() if k in by_key}


def _enum(mapping: dict[str, Any]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    back = {v: k for k, v in mapping.items()}
    return mapping.__getitem__, back.__getitem__


SEPARATORS = _enum({"comma": ",", "ctrla": "\u0001", "pipe": "|", "semicolon": ";", "tab": "\t"})
QUOTES = _enum({"quote": '"', "quillemet": "\u00ab", "single_quote": "'", "disabled": -1})
S3_CONNECTION = [
    Option("Paths", "paths"),
    Option("Recurse", "recurse"),
    Option("Exclusions", "exclusions", json.dumps, json.loads),  # Glue takes the list as JSON text
    Option("CompressionType", "compressionType"),
    Option("GroupSize", "groupSize"),
    Option("GroupFiles", "groupFiles"),
    Option("MaxBand", "maxBand"),
    Option("MaxFilesInBand", "maxFilesInBand"),
]
S3_FORMATS = {
    "S3CsvSource": (
        "csv",
        [
            Option("QuoteChar", "quoteChar", *QUOTES),
            Option("Escaper", "escaper"),
            Option("WithHeader", "withHeader"),
            Option("WriteHeader", "writeHeader"),
            Option("Separator", "separator", *SEPARATORS),
            Option("Multiline", "multiLine"),
            Option("SkipFirst", "skipFirst"),
            Option("OptimizePerformance", "optimizePerformance"),
        ],
    ),
    "S3JsonSource": ("json", [Option("JsonPath", "jsonPath"), Option("Multiline", "multiline")]),
    "S3ParquetSource": ("parquet", []),
}
CATALOG_UPDATE = [Option("EnableUpdateCatalog", "enableUpdateCatalog"), Option("UpdateBehavior", "updateBehavior")]
BOUNDED = [Option("BoundedSize", "boundedSize"), Option("BoundedFiles", "boundedFiles")]
PUBLISHING = [
    Option("EvaluationContext", "dataQualityEvaluationContext"),
    Option("CloudWatchMetricsEnabled", "enableDataQualityCloudWatchMetrics"),
    Option("ResultsPublishingEnabled", "enableDataQualityResultsPublishing"),
    Option("ResultsS3Prefix", "resultsS3Prefix"),
]
DELTA_COMPRESSION = "write.parquet.compression-codec"
FILTER_OPS = {"EQ": "==", "LT": "<", "GT": ">", "LTE": "<=", "GTE": ">="}
JOIN_TYPES = ("left", "right", "outer", "leftsemi", "leftanti")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


@dataclass
class Script:
    """What the nodes need besides their blocks: imports, helpers, functions, the DQ ruleset."""

    needs: set[str] = field(default_factory=set)
    helpers: list[str] = field(default_factory=list)
    functions: list[tuple[str, str]] = field(default_factory=list)  # (node Name, code)
    queries: int = 0
    default_ruleset: bool = False

    def helper(self, name: str) -> str:
        if name not in self.helpers:
            self.helpers.append(name)
            self.needs.update(HELPER_IMPORTS[name])
        return name


Emit = Callable[[Node, "Vars", Script], list[str]]


class Vars:
    """Node id -> variable."""

    def __init__(self, graph: JobGraph):
        self.names = {node_id: variable_name(node) for node_id, node in graph.nodes.items()}

    def __getitem__(self, node_id: str) -> str:
        return self.names[node_id]


def _s3_source(node: Node, v: Vars, s: Script) -> list[str]:
    fmt, format_options = S3_FORMATS[node.type]
    fo, co = Option.write(format_options, node.fields), Option.write(S3_CONNECTION, node.fields)
    var = v[node.id]
    return [
        f'{var} = glueContext.create_dynamic_frame.from_options(format_options={lit(fo)}, connection_type="s3", '
        f'format="{fmt}", connection_options={lit(co)}, transformation_ctx="{var}")'
    ]


def _catalog_source(node: Node, v: Vars, s: Script) -> list[str]:
    var, f = v[node.id], node.fields
    args = f"database={lit(f['Database'])}, table_name={lit(f['Table'])}"
    if "PartitionPredicate" in f:
        args += f", push_down_predicate={lit(f['PartitionPredicate'])}"
    if node.type == "S3CatalogSource":  # always: it tells the S3 node from the Data Catalog node
        args += f", additional_options={lit(Option.write(BOUNDED, f.get('AdditionalOptions', {})))}"
    return [f'{var} = glueContext.create_dynamic_frame.from_catalog({args}, transformation_ctx="{var}")']


def jdbc_options(table: str, connection: str, database: str | None = None) -> dict[str, Any]:
    options = {"useConnectionProperties": "true", "dbtable": table, "connectionName": connection}
    return {**options, "database": database} if database is not None else options


def _jdbc_source(node: Node, v: Vars, s: Script) -> list[str]:
    var, f = v[node.id], node.fields
    co = jdbc_options(f["Table"], f["ConnectionName"], f["Database"])
    return [
        f"{var} = glueContext.create_dynamic_frame.from_options(connection_type={lit(f['ConnectionType'])}, "
        f'connection_options={lit(co)}, transformation_ctx="{var}")'
    ]


def _apply_mapping(node: Node, v: Vars, s: Script) -> list[str]:
    mappings = [
        (path_of(m["FromPath"]), m["FromType"], m["ToKey"], m["ToType"])
        for m in node.fields["Mapping"]
        if not m.get("Dropped")
    ]
    var = v[node.id]
    return [
        f'{var} = ApplyMapping.apply(frame={v[node.inputs[0]]}, mappings={lit(mappings)}, transformation_ctx="{var}")'
    ]


def _paths_transform(node: Node, v: Vars, s: Script) -> list[str]:
    var, paths = v[node.id], paths_of(node.fields["Paths"])
    extra = f', name1="{var}0", name2="{var}1"' if node.type == "SplitFields" else ""
    return [
        f'{var} = {node.type}.apply(frame={v[node.inputs[0]]}, paths={lit(paths)}{extra}, transformation_ctx="{var}")'
    ]


def _rename(node: Node, v: Vars, s: Script) -> list[str]:
    var, f = v[node.id], node.fields
    return [
        f"{var} = RenameField.apply(frame={v[node.inputs[0]]}, old_name={lit(path_of(f['SourcePath']))}, "
        f'new_name={lit(path_of(f["TargetPath"]))}, transformation_ctx="{var}")'
    ]


def filter_value(value: dict[str, Any]) -> str:
    text = value["Value"][0]
    if value["Type"] == "COLUMNEXTRACTED":
        return f"row[{lit(text)}]"
    return text if NUMBER.fullmatch(text) else lit(text)


def _filter_expression(expression: dict[str, Any], s: Script) -> str:
    values = [filter_value(x) for x in expression["Values"]]
    operation = expression["Operation"]
    if operation == "REGEX":
        s.needs.add("re")
        text = f"bool(re.match({values[1]}, {values[0]}))"
    elif operation == "ISNULL":
        text = f"{values[0]} is None"
    else:
        text = f"{values[0]} {FILTER_OPS[operation]} {values[1]}"
    return f"not ({text})" if expression.get("Negated") else text


def _filter(node: Node, v: Vars, s: Script) -> list[str]:
    var, f = v[node.id], node.fields
    joiner = " and " if f["LogicalOperator"] == "AND" else " or "
    body = joiner.join(_filter_expression(e, s) for e in f["Filters"])
    return [f'{var} = Filter.apply(frame={v[node.inputs[0]]}, f=lambda row: ({body}), transformation_ctx="{var}")']


def _join(node: Node, v: Vars, s: Script) -> list[str]:
    var, (left, right) = v[node.id], node.fields["Columns"]
    a, b = v[left["From"]], v[right["From"]]
    keys1, keys2 = paths_of(left["Keys"]), paths_of(right["Keys"])
    if node.fields["JoinType"] == "equijoin":
        return [
            f"{var} = Join.apply(frame1={a}, frame2={b}, keys1={lit(keys1)}, keys2={lit(keys2)}, "
            f'transformation_ctx="{var}")'
        ]
    s.needs.add("dynamicframe")
    condition = " & ".join(f"({a}DF[{lit(k1)}] == {b}DF[{lit(k2)}])" for k1, k2 in zip(keys1, keys2, strict=False))
    return [
        f"{a}DF = {a}.toDF()",
        f"{b}DF = {b}.toDF()",
        f"{var} = DynamicFrame.fromDF({a}DF.join({b}DF, {condition}, {lit(node.fields['JoinType'])}), "
        f'glueContext, "{var}")',
    ]


def _union(node: Node, v: Vars, s: Script) -> list[str]:
    var, (a, b) = v[node.id], node.inputs
    return [
        f"{var} = {s.helper('sparkUnion')}(glueContext, unionType = {lit(node.fields['UnionType'])}, "
        f'mapping = {{"source1": {v[a]}, "source2": {v[b]}}}, transformation_ctx = "{var}")'
    ]


def _select_from_collection(node: Node, v: Vars, s: Script) -> list[str]:
    var, dfc = v[node.id], v[node.inputs[0]]
    return [
        f"{var} = SelectFromCollection.apply(dfc={dfc}, key=list({dfc}.keys())[{node.fields['Index']}], "
        f'transformation_ctx="{var}")'
    ]


def _drop_null_fields(node: Node, v: Vars, s: Script) -> list[str]:
    var, boxes = v[node.id], node.fields.get("NullCheckBoxList", {})
    strings = [text for key, text in (("IsEmpty", '""'), ("IsNullString", '"null"')) if boxes.get(key)]
    integers = ["-1"] if boxes.get("IsNegOne") else []
    return [
        f"{var} = {s.helper('drop_nulls')}(glueContext, frame={v[node.inputs[0]]}, "
        f"nullStringSet={{{', '.join(strings)}}}, nullIntegerSet={{{', '.join(integers)}}}, "
        f'transformation_ctx="{var}")'
    ]


def _drop_duplicates(node: Node, v: Vars, s: Script) -> list[str]:
    s.needs.add("dynamicframe")
    var = v[node.id]
    columns = lit(paths_of(node.fields["Columns"])) if "Columns" in node.fields else ""
    return [f'{var} = DynamicFrame.fromDF({v[node.inputs[0]]}.toDF().dropDuplicates({columns}), glueContext, "{var}")']


def _spark_sql(node: Node, v: Vars, s: Script) -> list[str]:
    var, query = v[node.id], f"SqlQuery{s.queries}"
    s.queries += 1
    mapping = ", ".join(f"{lit(a['Alias'])}: {v[a['From']]}" for a in node.fields["SqlAliases"])
    return [
        f"{query} = {block_string(node.fields['SqlQuery'], chr(39) * 3)}",
        f"{var} = {s.helper('sparkSqlQuery')}(glueContext, query = {query}, mapping = {{{mapping}}}, "
        f'transformation_ctx = "{var}")',
    ]


def _aggregate(node: Node, v: Vars, s: Script) -> list[str]:
    var, f = v[node.id], node.fields
    aggs = [[path_of(a["Column"]), a["AggFunc"]] for a in f["Aggs"]]
    return [
        f"{var} = {s.helper('sparkAggregate')}(glueContext, parentFrame = {v[node.inputs[0]]}, "
        f'groups = {lit(paths_of(f["Groups"]))}, aggs = {lit(aggs)}, transformation_ctx = "{var}")'
    ]


def _custom_code(node: Node, v: Vars, s: Script) -> list[str]:
    s.needs.update(("dynamicframe", "collection"))
    s.functions.append((node.name, node.fields["Code"].strip("\n")))
    frames = ", ".join(f'"{v[i]}": {v[i]}' for i in node.inputs)
    return [
        f"{v[node.id]} = {node.fields['ClassName']}(glueContext, DynamicFrameCollection({{{frames}}}, glueContext))"
    ]


def _evaluate_data_quality(node: Node, v: Vars, s: Script) -> list[str]:
    s.needs.add("dq")
    var = v[node.id]
    publishing = {
        "dataQualityEvaluationContext": var,
        **Option.write(PUBLISHING, node.fields.get("PublishingOptions", {})),
    }
    return [
        f"{var}_ruleset = {block_string(node.fields['Ruleset'], chr(34) * 3)}",
        f"{var} = EvaluateDataQuality().process_rows(frame={v[node.inputs[0]]}, ruleset={var}_ruleset, "
        f'publishing_options={lit(publishing)}, additional_options={{"performanceTuning.caching": "CACHE_NOTHING"}})',
    ]


def auto_dq_context(node: Node) -> str:
    return f"EvaluateDataQuality_{clean(node.id)}"


def _auto_dq(node: Node, frame: str, s: Script) -> list[str]:
    auto = node.fields.get("AutoDataQuality") or {}
    if not auto.get("IsEnabled"):
        return []
    s.needs.add("dq")
    s.default_ruleset = True
    context = auto.get("EvaluationContext", auto_dq_context(node))
    return [
        f"EvaluateDataQuality().process_rows(frame={frame}, ruleset=DEFAULT_DATA_QUALITY_RULESET, "
        f'publishing_options={{"dataQualityEvaluationContext": {lit(context)}, '
        '"enableDataQualityResultsPublishing": True}, additional_options={"dataQualityResultsPublishing.strategy": '
        '"BEST_EFFORT", "observations.scope": "ALL"})'
    ]


def target_format(node: Node) -> str:
    return "glueparquet" if node.type == "S3GlueParquetTarget" else node.fields["Format"]


def _s3_target(node: Node, v: Vars, s: Script) -> list[str]:
    var, frame, f = v[node.id], v[node.inputs[0]], node.fields
    fmt, lines = target_format(node), _auto_dq(node, v[node.inputs[0]], s)
    keys = paths_of(f["PartitionKeys"]) if "PartitionKeys" in f else None
    if "SchemaChangePolicy" in f:
        policy = f["SchemaChangePolicy"]
        args = f'path={lit(f["Path"])}, connection_type="s3"'
        args += "".join(f", {k}={lit(x)}" for k, x in Option.write(CATALOG_UPDATE, policy).items())
        args += f", partitionKeys={lit(keys)}" if keys is not None else ""
        lines.append(f'{var} = glueContext.getSink({args}, transformation_ctx="{var}")')
        if "Database" in policy or "Table" in policy:
            lines.append(
                f"{var}.setCatalogInfo(catalogDatabase={lit(policy.get('Database'))},"
                f"catalogTableName={lit(policy.get('Table'))})"
            )
        compression = f", compression={lit(f['Compression'])}" if "Compression" in f else ""
        return [*lines, f"{var}.setFormat({lit(fmt)}{compression})", f"{var}.writeFrame({frame})"]
    co = {"path": f["Path"], **({"partitionKeys": keys} if keys is not None else {})}
    fo = f", format_options={lit({'compression': f['Compression']})}" if "Compression" in f else ""
    return [
        *lines,
        f'{var} = glueContext.write_dynamic_frame.from_options(frame={frame}, connection_type="s3", '
        f'format={lit(fmt)}, connection_options={lit(co)}{fo}, transformation_ctx="{var}")',
    ]


def _catalog_target(node: Node, v: Vars, s: Script) -> list[str]:
    var, frame, f = v[node.id], v[node.inputs[0]], node.fields
    options = Option.write(CATALOG_UPDATE, f.get("SchemaChangePolicy", {}))
    if "PartitionKeys" in f:
        options["partitionKeys"] = paths_of(f["PartitionKeys"])
    args = f"frame={frame}, database={lit(f['Database'])}, table_name={lit(f['Table'])}"
    if node.type == "S3CatalogTarget" or options:
        args += f", additional_options={lit(options)}"
    return [
        *_auto_dq(node, frame, s),
        f'{var} = glueContext.write_dynamic_frame.from_catalog({args}, transformation_ctx="{var}")',
    ]


def _delta_target(node: Node, v: Vars, s: Script) -> list[str]:
    var, frame, f = v[node.id], v[node.inputs[0]], node.fields
    options = {"path": f["Path"], DELTA_COMPRESSION: f["Compression"], **f.get("AdditionalOptions", {})}
    partition = (
        f".partitionBy({', '.join(lit(k) for k in paths_of(f['PartitionKeys']))})" if "PartitionKeys" in f else ""
    )
    return [
        *_auto_dq(node, frame, s),
        f"additional_options = {lit(options)}",
        f"{var}_df = {frame}.toDF()",
        f'{var}_df.write.format("delta").options(**additional_options).mode("append"){partition}.save()',
    ]


def _jdbc_target(node: Node, v: Vars, s: Script) -> list[str]:
    var, f = v[node.id], node.fields
    co = jdbc_options(f["ConnectionTable"], f["ConnectionName"])
    return [
        f"{var} = glueContext.write_dynamic_frame.from_options(frame={v[node.inputs[0]]}, "
        f'connection_type={lit(f["ConnectionType"])}, connection_options={lit(co)}, transformation_ctx="{var}")'
    ]


EMITTERS: dict[str, Emit] = {
    "S3CsvSource": _s3_source,
    "S3JsonSource": _s3_source,
    "S3ParquetSource": _s3_source,
    "CatalogSource": _catalog_source,
    "S3CatalogSource": _catalog_source,
    "DirectJDBCSource": _jdbc_source,
    "ApplyMapping": _apply_mapping,
    "SelectFields": _paths_transform,
    "DropFields": _paths_transform,
    "SplitFields": _paths_transform,
    "RenameField": _rename,
    "Filter": _filter,
    "Join": _join,
    "Union": _union,
    "SelectFromCollection": _select_from_collection,
    "DropNullFields": _drop_null_fields,
    "DropDuplicates": _drop_duplicates,
    "SparkSQL": _spark_sql,
    "Aggregate": _aggregate,
    "CustomCode": _custom_code,
    "EvaluateDataQuality": _evaluate_data_quality,
    "S3DirectTarget": _s3_target,
    "S3GlueParquetTarget": _s3_target,
    "S3CatalogTarget": _catalog_target,
    "CatalogTarget": _catalog_target,
    "S3DeltaDirectTarget": _delta_target,
    "JDBCConnectorTarget": _jdbc_target,
}


def generate(graph: JobGraph) -> str:
    """The script for ``graph`` (checked first: InvalidGraphError lists every error)."""
    check(graph)
    names, script, blocks = Vars(graph), Script(), []
    for node in topological_order(graph):
        blocks.append([NODE_COMMENT + node.name, *EMITTERS[node.type](node, names, script)])
    imports = BOILERPLATE_IMPORTS + [line for key, line in OPTIONAL_IMPORTS if key in script.needs]
    parts = ["\n".join(imports)]
    parts += [HELPERS[h] for h in HELPERS if h in script.helpers]
    parts += [f"{NODE_COMMENT}{name}\n{code}" for name, code in script.functions]
    head = "\n\n\n".join(parts)
    body = ["\n".join(JOB_START)]
    if script.default_ruleset:
        body.append("\n".join(DEFAULT_RULESET))
    body += ["\n".join(b) for b in blocks]
    return head + "\n\n\n" + "\n\n".join(body) + "\n" + JOB_END + "\n"
