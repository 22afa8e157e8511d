"""``etl package``: the files a cluster needs to run the project's jobs, each named by its content.

* ``etl_framework-<hash>.zip``: the framework and the project's job modules (``jobs/*.py``, at the
  zip's root so ``--module NAME`` finds them), pure Python, for ``--py-files``;
* ``etl_framework_glue_shim-<hash>.zip``: ``awsglue``/``awsgluedq`` for Glue scripts, for ``--py-files``;
* ``launcher-<hash>.py``: the spark-submit application (``runtime/launcher.py``);
* ``profile-<hash>.yaml``: the resolved profile the launcher reads on the cluster, without its
  ``deploy`` section and without S3 keys (the cluster has its own role);
* ``env-<hash>.tar.gz``: the packages of ``deploy.requirements`` (the job's own, beyond what the
  cluster's Spark has) as a virtualenv packed by venv-pack, unpacked by Spark as ``./environment``.

The same inputs give the same bytes (sorted entries, fixed timestamps, owners and modes), so an
unchanged project builds the same names and uploads nothing. Building a virtualenv takes
seconds to minutes: the archive is cached under ``$ETL_CACHE_DIR`` (default ``~/.cache/etl_framework``)
by the hash of the requirements file and the Python that builds it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..config import Profile
from ..errors import ConfigError, EtlError
from ..glue_compat import shim_zip
from ..logs import get_logger
from ..runtime.archive import content_file, content_module, content_zip
from ..runtime.modules import JobModule, jobs_dir
from ..runtime.submit import LAUNCHER, framework_files

log = get_logger("deploy")

ENVIRONMENT = "environment"  # the folder Spark unpacks the env archive as (``--archives env.tar.gz#environment``)
_S3_KEYS = ("access_key_id", "secret_access_key", "session_token", "aws_profile")


@dataclass(frozen=True)
class Package:
    """The artefacts of one ``etl package`` (all in one folder)."""

    code: Path
    shim: Path
    launcher: Path
    profile: Path
    env: Path | None = None

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.code, self.shim, self.launcher, self.profile, self.env) if p is not None]


def build(profile: Profile, out_dir: Path, job: JobModule | None = None) -> Package:
    """Build ``profile``'s artefacts into ``out_dir``: the framework with the project's jobs (and
    ``job``'s file, wherever it is), the Glue shim, the launcher, the profile and the environment."""
    out_dir.mkdir(parents=True, exist_ok=True)
    modules = {p.name: p for p in sorted(jobs_dir().glob("*.py"))}
    if job is not None and job.source is not None:  # a visual job travels as its generated script
        modules[f"{job.name}.py"] = _generated_module(job, modules.get(f"{job.name}.py"))
    elif job is not None and job.path is not None:
        modules[job.path.name] = job.path
    code = content_zip("etl_framework", [*framework_files(), *modules.items()], out_dir)
    shim = out_dir / shim_zip().name
    if not shim.exists():
        shutil.copyfile(shim_zip(), shim)
    launcher = content_file("launcher", ".py", LAUNCHER.read_bytes(), out_dir)
    profile_file = content_file("profile", ".yaml", cluster_profile(profile).encode(), out_dir)
    env = env_archive(Path(profile.deploy.requirements), out_dir) if profile.deploy.requirements else None
    return Package(code, shim, launcher, profile_file, env)


def _generated_module(job: JobModule, same_name: Path | None) -> Path:
    """The visual job's script as the module ``job.name``, refused when the project's jobs have
    another module of that name (the committed script of an older graph, or another job)."""
    assert job.source is not None
    if same_name is not None and same_name.read_text(encoding="utf-8") != job.source:
        raise EtlError(
            f"job {job.path}: its script would be module {job.name} on the cluster, but {same_name} is another "
            f"module of that name; regenerate it (etl studio generate {job.path} -o {same_name}) or rename one"
        )
    return content_module(job.name, job.source)


def cluster_profile(profile: Profile) -> str:
    """The profile as the cluster's launcher reads it: resolved, keys sorted, without ``deploy``
    (the submitter's business, but for ``deploy.state_dir``: the cluster's ``state_dir``) and
    without S3 credentials (the cluster uses its own role)."""
    data = {k: v for k, v in profile.raw.items() if k != "deploy"}
    if profile.deploy.state_dir:
        data["state_dir"] = profile.deploy.state_dir
    data["s3"] = {k: v for k, v in data.get("s3", {}).items() if k not in _S3_KEYS}
    return yaml.safe_dump(data, sort_keys=True)


def cache_dir() -> Path:
    return Path(os.environ.get("ETL_CACHE_DIR") or Path.home() / ".cache" / "etl_framework")


def env_archive(requirements: Path, out_dir: Path) -> Path:
    """The packages of the pip ``requirements`` file as a relocatable virtualenv archive in
    ``out_dir``, built once per requirements file content and Python version (cached)."""
    if not requirements.is_file():
        raise ConfigError(f"deploy.requirements: no such file {requirements}")
    key = hashlib.sha256(
        b"\0".join([requirements.read_bytes(), sys.version.encode(), platform.machine().encode()])
    ).hexdigest()[:16]
    cached_dir = cache_dir() / "env" / key
    cached = next(cached_dir.glob("env-*.tar.gz"), None)
    if cached is None:
        log.info("building the environment of %s (cached under %s)", requirements, cached_dir)
        cached = content_file("env", ".tar.gz", _packed_venv(requirements), cached_dir)
    target = out_dir / cached.name
    if not target.exists():
        shutil.copyfile(cached, target)
    return target


def _packed_venv(requirements: Path) -> bytes:
    """A virtualenv with ``requirements`` installed, packed by venv-pack, as reproducible tar.gz bytes."""
    import venv_pack

    with tempfile.TemporaryDirectory(prefix="etl-env-") as tmp:
        prefix = Path(tmp) / "venv"
        _run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], requirements)
        # This interpreter's pip installs into the new venv (no pip of its own to bootstrap); no
        # .pyc files, which carry build times.
        pip = [sys.executable, "-m", "pip", "--python", str(prefix / "bin" / "python"), "--disable-pip-version-check"]
        _run([*pip, "install", "--no-input", "--no-compile", "-r", str(requirements)], requirements)
        raw = Path(tmp) / "env.tar"
        venv_pack.pack(prefix=str(prefix), output=str(raw), format="tar", force=True)
        return _reproducible_tar_gz(raw)


def _run(cmd: list[str], requirements: Path) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        raise EtlError(f"deploy.requirements {requirements}: building the environment failed:\n{tail}")


def _reproducible_tar_gz(raw: Path) -> bytes:
    """``raw`` (a tar) again with sorted entries, no timestamps, owners or umask in it, gzipped
    without the gzip header's timestamp."""
    out = io.BytesIO()
    with tarfile.open(raw) as source, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        # venv-pack adds its own pyvenv.cfg after the venv's: the last entry of a name wins.
        members = {m.name: m for m in source.getmembers() if not m.name.endswith(".pyc")}
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as target:
            for name in sorted(members):
                member = members[name]
                data = source.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
                if name == "pyvenv.cfg":  # its `command` line names the folder it was built in
                    data = b"".join(line for line in data.splitlines(True) if not line.startswith(b"command"))
                member.size, member.mtime, member.uid, member.gid, member.uname, member.gname = (
                    len(data),
                    0,
                    0,
                    0,
                    "",
                    "",
                )
                executable = member.isdir() or member.mode & 0o100
                member.mode = 0o777 if member.issym() else 0o755 if executable else 0o644
                member.pax_headers = {}
                target.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return out.getvalue()
