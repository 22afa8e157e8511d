"""``etl package``: the files a cluster needs to run the project's jobs, each named by its content.

* ``etl_framework-<hash>.zip``: the framework and the project's job modules (``jobs/*.py``, at the
  zip's root so ``--module NAME`` finds them), pure Python, for ``--py-files``;
* ``etl_framework_glue_shim-<hash>.zip``: ``awsglue``/``awsgluedq`` for Glue scripts, for ``--py-files``;
* ``launcher-<hash>.py``: the spark-submit application (``runtime/launcher.py``);
* ``profile-<hash>.yaml``: the resolved profile the launcher reads on the cluster, without its
  ``deploy`` section and without S3 keys (the cluster has its own role);
* ``env-<hash>.tar.gz``: the Python packages a run needs on the cluster, as a virtualenv packed by
  venv-pack, unpacked by Spark as ``./environment``: the framework's own dependencies (pyyaml,
  boto3, pyarrow, deltalake, ... pinned to the versions installed here, see ``cluster_requirements``)
  and those of ``deploy.requirements`` (the job's). pyspark is not in it: it is the cluster's Spark's
  (YARN and EMR put Spark's ``pyspark.zip`` and py4j on the containers' path).

The same inputs give the same bytes (sorted entries, fixed timestamps, owners and modes), so an
unchanged project builds the same names and uploads nothing. Building a virtualenv takes
seconds to minutes: the archive is cached under ``$ETL_CACHE_DIR`` (default ``~/.cache/etl_framework``)
by the hash of the requirements and the Python that builds it. Two ``etl package`` runs that need the
same archive at once build it once: the second waits for the first's (a lock file beside the cache).
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from ..config import Profile
from ..errors import ConfigError, EtlError
from ..glue_compat import shim_zip
from ..logs import get_logger
from ..runtime.archive import content_file, content_module, content_path, content_zip
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
    env: Path

    @property
    def files(self) -> list[Path]:
        return [self.code, self.shim, self.launcher, self.profile, self.env]


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
    requirements = Path(profile.deploy.requirements) if profile.deploy.requirements else None
    return Package(code, shim, launcher, profile_file, env_archive(requirements, out_dir))


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


# The framework's distribution, and what of its dependencies a run on a cluster does not need: the
# cluster's Spark brings pyspark and py4j (left out wherever they are required, as delta-spark
# requires pyspark); venv-pack and packaging build the package here, flask serves etl studio.
DISTRIBUTION = "etl-framework"
FROM_THE_CLUSTER = frozenset({"pyspark", "py4j"})
SUBMITTER_ONLY = frozenset({"venv-pack", "packaging", "flask"})


def cluster_requirements() -> list[str]:
    """The framework's run-time dependencies and all of theirs, pinned to the versions installed
    here (what the tests ran with), sorted: the first lines of the environment's requirements.

    >>> pins = cluster_requirements()
    >>> [p.split("==")[0] for p in pins if p.startswith(("pyyaml", "boto3", "pyspark", "flask"))]
    ['boto3', 'pyyaml']
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}

    def add(spec: str, extras: set[str], top: bool) -> None:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in extras or {""}):
            return
        if name in FROM_THE_CLUSTER or (top and name in SUBMITTER_ONLY) or name in pins:
            return
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise EtlError(f"etl package: {DISTRIBUTION} needs {spec}, which is not installed here") from exc
        pins[name] = dist.version
        for sub in dist.requires or []:
            add(sub, set(req.extras), top=False)

    for spec in metadata.requires(DISTRIBUTION) or []:
        add(spec, set(), top=True)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def env_archive(requirements: Path | None, out_dir: Path) -> Path:
    """The framework's cluster requirements and those of the pip ``requirements`` file (the job's)
    as a relocatable virtualenv archive in ``out_dir``, built once per requirements and Python
    version (cached)."""
    if requirements is not None and not requirements.is_file():
        raise ConfigError(f"deploy.requirements: no such file {requirements}")
    pins = "".join(f"{line}\n" for line in cluster_requirements())
    job = requirements.read_bytes() if requirements is not None else b""
    key = hashlib.sha256(
        b"\0".join([pins.encode(), job, sys.version.encode(), platform.machine().encode()])
    ).hexdigest()[:16]
    cached_dir = cache_dir() / "env" / key
    cached_dir.mkdir(parents=True, exist_ok=True)
    with (cached_dir.parent / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process ends
        cached = next(cached_dir.glob("env-*.tar.gz"), None)
        if cached is None:
            what = requirements or "no job requirements"
            log.info("building the environment (%s; cached under %s)", what, cached_dir)
            cached = _packed_venv(pins, requirements, cached_dir)
    target = out_dir / cached.name
    if not target.exists():
        try:
            os.link(cached, target)  # 150 MB or more: no second copy on the same disk
        except OSError:
            shutil.copyfile(cached, target)
    return target


def _packed_venv(pins: str, requirements: Path | None, folder: Path) -> Path:
    """A virtualenv with ``pins`` and ``requirements`` installed, packed by venv-pack, as a
    reproducible tar.gz named by its content in ``folder``."""
    import venv_pack

    with tempfile.TemporaryDirectory(prefix="etl-env-") as tmp:
        prefix = Path(tmp) / "venv"
        framework = Path(tmp) / "framework-requirements.txt"
        framework.write_text(pins)
        _run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], requirements)
        # This interpreter's pip installs into the new venv (no pip of its own to bootstrap); no
        # .pyc files, which carry build times. The pins are the whole closure, so without their
        # requirements (delta-spark's pyspark is the cluster's); the job's are resolved against them.
        pip = [sys.executable, "-m", "pip", "--python", str(prefix / "bin" / "python"), "--disable-pip-version-check"]
        install = [*pip, "install", "--no-input", "--no-compile"]
        _run([*install, "--no-deps", "-r", str(framework)], requirements)
        if requirements is not None:
            _run([*install, "-r", str(requirements)], requirements)
        raw = Path(tmp) / "env.tar"
        venv_pack.pack(prefix=str(prefix), output=str(raw), format="tar", force=True)
        packed = Path(tmp) / "env.tar.gz"
        _reproducible_tar_gz(raw, packed)
        return content_path("env", ".tar.gz", packed, folder)


def _run(cmd: list[str], requirements: Path | None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
        what = f"deploy.requirements {requirements}" if requirements is not None else "etl package"
        raise EtlError(f"{what}: building the environment failed:\n{tail}")


_SCRIPT = re.compile(rb"^(\.\./\.\./\.\./bin/[^,]+),[^,]*,[^,\n]*", re.MULTILINE)


def _reproducible(name: str, data: bytes) -> bytes:
    """A file's content without what names the folder the venv was built in."""
    if name == "pyvenv.cfg":  # its `command` line
        return b"".join(line for line in data.splitlines(True) if not line.startswith(b"command"))
    if name.endswith(".dist-info/RECORD"):
        # The hashes of the console scripts, whose shebangs named the build folder (venv-pack
        # rewrites them): left empty, as RECORD allows.
        return _SCRIPT.sub(rb"\1,,", data)
    return data


def _reproducible_tar_gz(raw: Path, target_path: Path) -> None:
    """``raw`` (a tar) again as ``target_path`` with sorted entries, no timestamps, owners or umask
    in it, gzipped without the gzip header's timestamp (level 6: under half the time of level 9, which
    saves 0.6% of 156 MB)."""
    with (
        tarfile.open(raw) as source,
        target_path.open("wb") as out,
        gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz,
    ):
        # venv-pack adds its own pyvenv.cfg after the venv's: the last entry of a name wins.
        members = {m.name: m for m in source.getmembers() if not m.name.endswith(".pyc")}
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as target:
            for name in sorted(members):
                member = members[name]
                data = _reproducible(name, source.extractfile(member).read()) if member.isfile() else b""  # type: ignore[union-attr]
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
