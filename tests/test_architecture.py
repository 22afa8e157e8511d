"""The package's import graph: data flows one way, and any module can be imported first.

Layers, lowest first. A module may import (at module level, under ``TYPE_CHECKING`` or inside a
function alike) only from its own layer or below; sources, sinks and transforms do not import one
another. The imports that run when a module is imported (module level, not ``TYPE_CHECKING``)
form no cycle, so any module can be imported first; within one package a type hint may point
back (a DynamicFrame's collection names DynamicFrame). Anyone can check the same with
``python -m pytest tests/test_architecture.py``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "etl_framework"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("errors", "logs", "options", "redaction", "types", "metrics", "runtime.arguments")),
    ("platform", ("config", "packages", "s3", "jvm", "storage", "listing", "connections", "formats")),
    ("services", ("delta", "catalog", "bookmarks", "runtime.active", "runtime.history", "runtime.workflow_runs")),
    ("services protocol", ("services",)),
    ("frames", ("dynamicframe",)),
    ("sources, transforms, sinks", ("sources", "transforms", "sinks", "data_quality")),
    ("context", ("context",)),
    ("jobs and crawlers", ("job", "crawler")),
    ("visual jobs", ("studio",)),  # scripts from graphs: the runtime runs a graph through it
    ("runtime", ("runtime", "glue_compat", "scheduler", "deploy")),
    # etl studio's web app: a front of its own over the runtime, the console's services and visual jobs.
    ("interface", ("cli", "__main__", "", "studio.web")),
]
INDEPENDENT = {"sources", "transforms", "sinks"}  # side by side on the data path


def _modules() -> dict[str, Path]:
    """Module name below ``etl_framework`` ("" for the package itself) -> file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _layer(module: str) -> tuple[int, str]:
    """(layer index, the prefix that placed it): the longest matching prefix wins."""
    best: tuple[int, str] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "" and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > len(best[1])):
                best = (index, prefix)
    assert best is not None, f"etl_framework.{module} belongs to no layer: add it to LAYERS"
    return best


def _imports(module: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported module, line, runs on import) for every import of the package in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = [p for p in (module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]) if p]
    found: list[tuple[str, int, bool]] = []

    def add(name: str, line: int, top: bool) -> None:
        while name not in modules and "." in name:  # ``a.b.name``: the module a.b
            name = name.rsplit(".", 1)[0]
        if name in modules and name != module:
            found.append((name, line, top))

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[: len(package) - child.level + 1]
                    name = ".".join(base + ([child.module] if child.module else []))
                elif (child.module or "").split(".")[0] == "etl_framework":
                    name = child.module.removeprefix("etl_framework").lstrip(".")
                else:
                    continue
                for alias in child.names:
                    full = f"{name}.{alias.name}".lstrip(".")
                    add(full if full in modules else name, child.lineno, top)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "etl_framework":
                        add(alias.name.removeprefix("etl_framework").lstrip("."), child.lineno, top)
            deferred = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            visit(child, top and not deferred)

    visit(tree, True)
    return found


def test_imports_go_down_the_layers_only():
    modules = _modules()
    wrong = []
    for module, path in modules.items():
        layer, prefix = _layer(module)
        for imported, line, _ in _imports(module, path, modules):
            other, other_prefix = _layer(imported)
            where = f"etl_framework/{path.relative_to(PACKAGE)}:{line}: {module or 'etl_framework'} -> {imported}"
            if other > layer:
                wrong.append(f"{where} (up from {LAYERS[layer][0]} to {LAYERS[other][0]})")
            elif other == layer and {prefix, other_prefix} <= INDEPENDENT and prefix != other_prefix:
                wrong.append(f"{where} ({prefix} and {other_prefix} are independent)")
    assert not wrong, "\n".join(wrong)


def test_module_level_imports_have_no_cycle():
    modules = _modules()
    graph = {m: {t for t, _, top in _imports(m, p, modules) if top} for m, p in modules.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for module in sorted(modules):
        if module not in state and (cycle := walk(module)):
            pytest.fail("import cycle: " + " -> ".join(f"etl_framework.{m}".rstrip(".") for m in cycle))


def test_every_module_imports_first_in_a_fresh_interpreter():
    """One child interpreter loads the third-party libraries, then forks once per module, so that
    each module of ours is the first of the package to be imported (a fork costs a few ms, a new
    interpreter with pyspark half a second)."""
    names = [f"etl_framework.{m}".rstrip(".") for m in _modules() if m != "__main__"]
    script = """
import os, sys, traceback
import py4j, pyspark.sql, yaml, deltalake, pyarrow, boto3  # what modules of ours import
failed, running = [], {}
for name in sys.argv[1:] + [None, None]:
    if len(running) == 2 or name is None and running:  # two at a time: the machine's cores
        pid, status = os.wait()
        if status:
            failed.append(running[pid])
        del running[pid]
    if name is None:
        continue
    pid = os.fork()
    if pid == 0:
        try:
            __import__(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    running[pid] = name
print("FAILED:", *failed)
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script, *names], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "FAILED:", out.stdout + out.stderr
