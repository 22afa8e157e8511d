"""Glue Studio's visual jobs as files: the job graph (Glue's ``CodeGenConfigurationNodes``), the script
generated from it, and the graph read back from a script.

>>> from etl_framework.studio import generate, load_graph  # doctest: +SKIP
>>> script = generate(load_graph("jobs/orders_visual.glue.json"))  # doctest: +SKIP
"""

from .codegen import generate, variable_name
from .graph import GraphError, GraphFileError, InvalidGraphError, JobGraph, Node, from_data, load_graph, save_graph
from .validate import check, validate

__all__ = [
    "GraphError", "GraphFileError", "InvalidGraphError", "JobGraph", "Node", "check", "from_data", "generate",
    "load_graph", "save_graph", "validate", "variable_name",
]  # fmt: skip
