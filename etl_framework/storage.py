"""File operations on any Hadoop path: the local file system directly, anything else (``s3a://``,
``hdfs://``) through Hadoop's FileSystem in Spark's JVM.

Sinks use it to move the files Spark wrote from a staging folder to where readers see them.

>>> store = Storage(spark, tmp)
>>> store.write_text(f"{tmp}/_staged/a.txt", "hello")
>>> store.move(f"{tmp}/_staged/a.txt", f"{tmp}/day=1/a.txt")
>>> store.read_text(f"{tmp}/day=1/a.txt"), store.exists(f"{tmp}/_staged/a.txt")
('hello', False)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from .errors import EtlError
from .jvm import hadoop_path, java_class

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


_CONDITIONAL_CREATE = "fs.option.create.conditional.overwrite"  # Hadoop's create option (S3A: If-None-Match)
STAGING = "_etl_staging"  # hidden folder inside a sink's target where Spark writes before a commit


def local_path(location: str) -> str | None:
    """The local file system path of ``location``, or None for ``s3a://``, ``hdfs://``, ..."""
    if location.startswith("file://"):
        return location[len("file://") :]
    if location.startswith("file:"):
        return location[len("file:") :]
    return None if "://" in location else os.path.abspath(os.path.expanduser(location))


def hidden(name: str) -> bool:
    """Spark's rule for names its readers skip: ``_SUCCESS``, ``.crc`` files, staging folders."""
    return name.startswith(("_", ".")) or name.endswith(".crc")


class Storage:
    """File operations below ``uri`` (a folder: a table, a sink's target path). ``spark`` may be
    None: local paths need none, others then use the active session."""

    def __init__(self, spark: SparkSession | None, uri: str):
        self.spark, self.uri, self.local = spark, uri, local_path(uri)

    def _hadoop(self, path: str):
        if self.spark is None:
            from pyspark.sql import SparkSession

            self.spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        return hadoop_path(self.spark, path)

    def move(self, source: str, target: str) -> None:
        if self.local is not None:
            os.makedirs(os.path.dirname(local_path(target) or target), exist_ok=True)
            os.rename(local_path(source) or source, local_path(target) or target)
            return
        src, fs = self._hadoop(source)
        dst, _ = self._hadoop(target)
        fs.mkdirs(dst.getParent())
        if not fs.rename(src, dst):
            raise EtlError(f"could not move {source} to {target}")

    def delete(self, path: str, recursive: bool = False) -> None:
        """Delete a file or folder; a missing one is fine."""
        if self.local is not None:
            local = local_path(path) or path
            if os.path.isdir(local) and recursive:
                shutil.rmtree(local, ignore_errors=True)
            elif os.path.exists(local):
                os.remove(local)
            return
        hpath, fs = self._hadoop(path)
        fs.delete(hpath, recursive)

    def delete_if_empty(self, folder: str) -> None:
        """Delete ``folder`` unless something is in it (a concurrent writer's files stay put)."""
        if self.local is not None:
            try:
                os.rmdir(local_path(folder) or folder)
            except OSError:
                pass  # not empty, or gone
            return
        hpath, fs = self._hadoop(folder)
        if fs.exists(hpath) and not fs.listStatus(hpath):
            fs.delete(hpath, False)

    def make_folder(self, folder: str) -> None:
        """Create ``folder`` (and its parents) unless it exists."""
        if self.local is not None:
            os.makedirs(local_path(folder) or folder, exist_ok=True)
            return
        hpath, fs = self._hadoop(folder)
        fs.mkdirs(hpath)

    def exists(self, path: str) -> bool:
        if self.local is not None:
            return os.path.exists(local_path(path) or path)
        hpath, fs = self._hadoop(path)
        return bool(fs.exists(hpath))

    def children(self, folder: str) -> list[str]:
        """The names in ``folder`` (none when it does not exist)."""
        if self.local is not None:
            local = local_path(folder) or folder
            return sorted(os.listdir(local)) if os.path.isdir(local) else []
        hpath, fs = self._hadoop(folder)
        if not fs.exists(hpath):
            return []
        return sorted(status.getPath().getName() for status in fs.listStatus(hpath))

    def files_under(self, folder: str) -> list[str]:
        """The paths, relative to ``folder``, of the files below it that readers see (Spark's rule:
        no name starting with ``_`` or ``.``), sorted; none when it does not exist."""
        found: list[str] = []
        if self.local is not None:
            root = local_path(folder) or folder
            for parent, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if not hidden(d)]
                found += [os.path.relpath(os.path.join(parent, f), root) for f in files if not hidden(f)]
            return sorted(found)
        hpath, fs = self._hadoop(folder)
        if not fs.exists(hpath):
            return []
        prefix = fs.makeQualified(hpath).toString().rstrip("/") + "/"
        listing = fs.listFiles(hpath, True)
        while listing.hasNext():
            relative = listing.next().getPath().toString()[len(prefix) :]
            if not any(hidden(part) for part in relative.split("/")):
                found.append(relative)
        return sorted(found)

    def read_text(self, path: str) -> str | None:
        """A small file's text, or None when it does not exist."""
        if self.local is not None:
            try:
                with open(local_path(path) or path, encoding="utf-8") as handle:
                    return handle.read()
            except FileNotFoundError:
                return None
        hpath, fs = self._hadoop(path)
        if not fs.exists(hpath):
            return None
        stream = fs.open(hpath)
        try:
            return java_class(self.spark, "org.apache.commons.io.IOUtils").toString(stream, "UTF-8")
        finally:
            stream.close()

    def create_new(self, path: str, text: str) -> bool:
        """Create ``path`` with ``text`` unless it exists (atomically: of two writers, one wins);
        False if it existed."""
        if self.local is not None:
            local = local_path(path) or path
            os.makedirs(os.path.dirname(local), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(local), prefix=".tmp-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
                os.link(tmp, local)  # atomic, and fails when the file exists
                return True
            except FileExistsError:
                return False
            finally:
                os.unlink(tmp)
        hpath, fs = self._hadoop(path)
        # S3A looks for the file when it is created but uploads it at close: without a conditional
        # put (If-None-Match) a writer that created it meanwhile would be overwritten. File systems
        # that create exclusively (HDFS) ignore the option. HDFS's builder makes missing parent
        # folders only when asked (recursive), as a job's first bookmark needs.
        builder = fs.createFile(hpath).overwrite(False).recursive().opt(_CONDITIONAL_CREATE, "true")
        try:
            out = builder.build()
        except Exception as exc:  # Hadoop raises FileAlreadyExistsException via py4j
            if "FileAlreadyExists" in str(exc) or fs.exists(hpath):
                return False
            raise
        try:
            self._write(out, text)
        except Exception as exc:  # S3A's RemoteFileChangedException (412) via py4j
            if "PreconditionFailed" in str(exc):
                return False
            raise
        return True

    def write_text(self, path: str, text: str) -> None:
        """Create or replace a small file."""
        if self.local is not None:
            local = local_path(path) or path
            os.makedirs(os.path.dirname(local), exist_ok=True)
            with open(local, "w", encoding="utf-8") as out:
                out.write(text)
            return
        hpath, fs = self._hadoop(path)
        self._write(fs.create(hpath, True), text)

    @staticmethod
    def _write(out, text: str) -> None:
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()
