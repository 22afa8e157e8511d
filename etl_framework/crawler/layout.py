"""From the files under a target to tables: data folders, their grouping, partition keys and values.

Folders holding data are compared from the target down. The folders under a folder form one table
there when they are compatible: the same format and reader options, the same depth, and schemas that
are similar (each linked to the others by a chain of folders sharing at least 70% of their columns,
Glue's partition threshold). The levels below the table's folder are its partitions: ``key=value``
folders give the key, other levels are ``partition_0``, ``partition_1``, ... Folders that are not
compatible become separate tables, one per sub-folder, named after it. Files of one folder whose
first records have dissimilar columns are tables of their own, named after the file (``persons.json``
is ``persons_json``). A Delta table (a folder with ``_delta_log``) is always a table of its own.

    >>> partition_keys([("year=2024", "03"), ("year=2025", "01")])
    ['year', 'partition_1']
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from ..listing import FileInfo
from ..types import StructType
from .classify import Classification

SIMILARITY = 0.7


@dataclass
class DataFolder:
    """A folder with data files (or a Delta table's root), relative to its target as ``parts``."""

    uri: str
    parts: tuple[str, ...]
    files: list[FileInfo]
    classification: Classification
    schema: StructType = field(default_factory=StructType)


@dataclass
class TablePlan:
    """A table the crawl found: its folder, format, partition keys and data folders."""

    name: str
    location: str
    classification: Classification
    partition_keys: list[str]
    folders: list[DataFolder]
    depth: int  # len(parts) of the table's folder

    def partition_values(self, folder: DataFolder) -> list[str]:
        return [_value(p) for p in folder.parts[self.depth :]]


def folder_of(uri: str) -> str:
    return uri.rsplit("/", 1)[0]


def relative_parts(root: str, folder: str) -> tuple[str, ...]:
    """``folder``'s path segments below ``root`` (both qualified URIs)."""
    rest = folder[len(root) :].strip("/") if folder.startswith(root) else ""
    return tuple(rest.split("/")) if rest else ()


def group_tables(
    root: str, folders: list[DataFolder], table_prefix: str, other_tables: list[str] = ()
) -> list[TablePlan]:
    """Tables for the data folders under the target folder ``root``. No table is made at a folder
    that holds a Delta table or one of ``other_tables`` (locations): tables do not nest."""
    deltas = [f for f in folders if f.classification.format == "delta"]
    others = [f for f in folders if f.classification.format != "delta"]
    taken = [f.uri for f in deltas] + [t.rstrip("/") for t in other_tables]
    plans = [_plan(root, f.parts, [f]) for f in deltas]
    plans += [_plan(root, parts, group) for parts, group in _split(root, (), others, taken)]
    return _name_tables(plans, table_prefix)


def _split(
    root: str, prefix: tuple[str, ...], folders: list[DataFolder], taken: list[str]
) -> list[tuple[tuple[str, ...], list[DataFolder]]]:
    if not folders:
        return []
    here = location_of(root, prefix)
    if compatible(folders) and not any(t == here or t.startswith(here + "/") for t in taken):
        return [(prefix, folders)]
    depth = len(prefix)
    out = []
    direct = [f for f in folders if len(f.parts) == depth]
    if direct:  # files beside sub-folders: compatible by themselves (they are one folder)
        out.append((prefix, direct))
    children: dict[str, list[DataFolder]] = {}
    for f in folders:
        if len(f.parts) > depth:
            children.setdefault(f.parts[depth], []).append(f)
    for child, group in sorted(children.items()):
        out += _split(root, (*prefix, child), group, taken)
    return out


def location_of(root: str, parts: tuple[str, ...]) -> str:
    return "/".join([root.rstrip("/"), *parts])


def compatible(folders: list[DataFolder]) -> bool:
    """Same format and options, same depth, and similar schemas (see the module's text)."""
    first = folders[0]
    if any(f.classification != first.classification or len(f.parts) != len(first.parts) for f in folders):
        return False
    return similar([set(f.schema.names()) for f in folders])


def similar(columns: list[set[str]]) -> bool:
    """Whether column sets are linked by a chain of pairs sharing at least ``SIMILARITY`` of their columns."""
    linked, pending = {0}, [0]
    while pending:
        i = pending.pop()
        for j in range(len(columns)):
            if j not in linked and similarity(columns[i], columns[j]) >= SIMILARITY:
                linked.add(j)
                pending.append(j)
    return len(linked) == len(columns)


def similarity(a: set[str], b: set[str]) -> float:
    """Shared columns over all columns of two folders (1.0 for two empty ones)."""
    return len(a & b) / len(a | b) if a | b else 1.0


def _plan(root: str, parts: tuple[str, ...], folders: list[DataFolder]) -> TablePlan:
    location = location_of(root, parts)
    levels = [f.parts[len(parts) :] for f in folders]
    keys = [] if folders[0].classification.format == "delta" else partition_keys(levels)
    return TablePlan("", location, folders[0].classification, keys, folders, len(parts))


def partition_keys(levels: list[tuple[str, ...]]) -> list[str]:
    """Partition key names from the folder names below a table, level by level."""
    keys = []
    for i in range(len(levels[0]) if levels else 0):
        names = {_key(level[i]) for level in levels}
        name = names.pop() if len(names) == 1 else None
        keys.append(name or f"partition_{i}")
    return keys


def _key(segment: str) -> str | None:
    key, eq, _ = segment.partition("=")
    return key.lower() if eq and key else None


def _value(segment: str) -> str:
    key, eq, value = segment.partition("=")
    return unquote(value) if eq and key else segment


def table_name(text: str) -> str:
    """A catalog table name from a folder name: lower case, other characters as ``_``."""
    return re.sub(r"[^a-z0-9_]", "_", unquote(text).lower()) or "_"


def _name_tables(plans: list[TablePlan], prefix: str) -> list[TablePlan]:
    taken: set[str] = set()
    for plan in plans:
        name = prefix + table_name(plan.location.rstrip("/").rsplit("/", 1)[-1])
        if name in taken:  # two folders of one name: the location tells them apart, as in Glue
            name += "_" + short_hash(plan.location)
        taken.add(name)
        plan.name = name
    return plans


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def data_folders(
    root: str,
    by_folder: dict[str, list[FileInfo]],
    deltas: set[str],
    classify_file: Callable[[FileInfo], Classification | None],
    columns_of: Callable[[FileInfo], frozenset[str] | None],
) -> tuple[list[DataFolder], list[str]]:
    """Classify the files of each folder (``deltas``: Delta tables' roots, whose files are the table's).
    A folder's files of another format than most of them are left out. Files of one folder whose
    first records' columns (``columns_of``) are not similar are data folders of their own, one per
    file, as Glue's crawler makes a table of each file there. Returns the data folders and the
    files left out."""
    folders, left_out = [], []
    for uri, members in sorted(by_folder.items()):
        if uri in deltas:
            folders.append(DataFolder(uri, relative_parts(root, uri), members, Classification("delta")))
            continue
        kinds: dict[Classification, list[FileInfo]] = {}
        for f in members:
            kind = classify_file(f)
            if kind is None:
                left_out.append(f.path)
            else:
                kinds.setdefault(kind, []).append(f)
        if kinds:
            kind, chosen = max(kinds.items(), key=lambda item: len(item[1]))
            left_out += [f.path for k, files in kinds.items() if k != kind for f in files]
            parts = relative_parts(root, uri)
            if _dissimilar_files(chosen, columns_of):
                folders += [DataFolder(f.path, (*parts, f.path.rsplit("/", 1)[-1]), [f], kind) for f in chosen]
            else:
                folders.append(DataFolder(uri, parts, chosen, kind))
    return folders, left_out


def _dissimilar_files(files: list[FileInfo], columns_of: Callable[[FileInfo], frozenset[str] | None]) -> bool:
    if len(files) < 2:
        return False
    columns = [columns_of(f) for f in files]
    return None not in columns and not similar([set(c) for c in columns])
