"""Content-hashed zip archives for spark-submit's ``--py-files`` and ``SparkContext.addPyFile``.

An archive's name carries a hash of its content, so it is built once per content, and a printed
spark-submit command keeps working as long as the code it ships is unchanged.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path


def content_zip(stem: str, files: Iterable[tuple[str, Path]], folder: Path | None = None) -> Path:
    """Zip ``(name in the archive, file)`` pairs into ``<folder>/<stem>-<hash>.zip`` (default folder:
    ``<tmp>/etl_framework-submit``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, path in sorted(files):
            # A fixed timestamp: the same content gives the same bytes, hence the same name.
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), path.read_bytes())
    return content_file(stem, ".zip", buffer.getvalue(), folder)


def content_file(stem: str, suffix: str, data: bytes, folder: Path | None = None) -> Path:
    """``data`` written once to ``<folder>/<stem>-<hash of data><suffix>``; its path."""
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    return content_file_named((folder or Path(tempfile.gettempdir()) / "etl_framework-submit") / name, data)


def content_module(name: str, source: str, folder: Path | None = None) -> Path:
    """``source`` as the module ``name``: ``<folder>/<hash of source>/<name>.py`` (a module's file
    name is its import name, so the hash names the folder), written once; its path."""
    data = source.encode()
    target = (folder or Path(tempfile.gettempdir()) / "etl_framework-submit") / hashlib.sha256(data).hexdigest()[:16]
    return content_file_named(target / f"{name}.py", data)


def content_file_named(target: Path, data: bytes) -> Path:
    """``data`` written once to ``target`` (a temporary file renamed into place); its path."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return target


def content_path(stem: str, suffix: str, source: Path, folder: Path) -> Path:
    """The file ``source`` moved to ``<folder>/<stem>-<hash of its content><suffix>`` (for files
    too large to hold in memory); its path."""
    digest = hashlib.sha256()
    with source.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    target = folder / f"{stem}-{digest.hexdigest()[:16]}{suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)  # source may be on another file system (a temporary folder)
    tmp.replace(target)
    return target
