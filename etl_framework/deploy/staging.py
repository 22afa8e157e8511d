"""Staging: the package's files uploaded under the profile's ``deploy.s3_prefix``.

Names carry a content hash, so a file already there under its name with the same MD5 (a single
``put_object``'s ETag) is not sent again, and a run refers only to files uploaded in full: every
upload ends before anything is submitted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import Profile
from ..errors import ConfigError, EtlError
from ..logs import get_logger
from ..s3 import credentials

log = get_logger("deploy")


def aws_client(profile: Profile, service: str) -> Any:
    """A boto3 client of ``service`` at the profile's ``deploy`` endpoint and region, with the
    credentials the ``s3`` section gives (its keys, its ``aws_profile``, or boto3's chain)."""
    import boto3

    found = credentials(profile.s3)
    if found is None:
        raise ConfigError(
            f"{profile.source}: no AWS credentials to deploy with (set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the profile's s3.aws_profile)"
        )
    key, secret, token = found
    region = profile.deploy.region or profile.s3.region
    session = boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token, region_name=region
    )
    if session.region_name is None:
        raise ConfigError(f"{profile.source}: key 'deploy.region' is required (no AWS region in the environment)")
    return session.client(service, endpoint_url=profile.deploy.endpoint_url)


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str  # "" or ends with "/"

    def uri(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"


def location(profile: Profile) -> Location:
    """The profile's ``deploy.s3_prefix`` (``s3://bucket/prefix``), checked."""
    prefix = profile.deploy.s3_prefix
    if not prefix:
        raise ConfigError(
            f"{profile.source}: key 'deploy.s3_prefix' is required for target {profile.deploy.target} "
            "(the s3://bucket/prefix the package is uploaded to)"
        )
    parts = urlsplit(prefix)
    if parts.scheme not in ("s3", "s3a") or not parts.netloc:
        raise ConfigError(f"{profile.source}: key 'deploy.s3_prefix' must be s3://bucket/prefix, got {prefix!r}")
    path = parts.path.strip("/")
    return Location(parts.netloc, f"{path}/" if path else "")


def stage(profile: Profile, files: list[Path]) -> list[str]:
    """Upload ``files`` under the profile's prefix (``Location.uri(name)``); the names uploaded."""
    where = location(profile)
    s3 = aws_client(profile, "s3")
    from botocore.exceptions import BotoCoreError, ClientError

    sent = []
    for path in files:
        key = f"{where.prefix}{path.name}"
        data = path.read_bytes()
        md5 = hashlib.md5(data).hexdigest()  # S3's ETag of a single put_object
        try:
            if _etag(s3, where.bucket, key) != md5:
                s3.put_object(Bucket=where.bucket, Key=key, Body=data)
                sent.append(path.name)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise EtlError(
                f"deploy.s3_prefix {profile.deploy.s3_prefix}: cannot upload {path.name} to "
                f"{where.uri(path.name)}: {error.get('Code')}: {error.get('Message')}"
            ) from exc
        except BotoCoreError as exc:
            raise EtlError(f"deploy.s3_prefix {profile.deploy.s3_prefix}: cannot upload {path.name}: {exc}") from exc
    log.info("staged %d files under %s (%d uploaded)", len(files), where.uri(""), len(sent))
    return sent


def _etag(s3: Any, bucket: str, key: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def download(uri: str, folder: Path) -> Path:
    """``uri`` (s3://bucket/key) copied into ``folder`` under its own name, with boto3's default
    credentials and endpoint (on a cluster: its role; ``AWS_ENDPOINT_URL`` for another store)."""
    import boto3

    parts = urlsplit(uri)
    target = folder / Path(parts.path).name
    boto3.client("s3").download_file(parts.netloc, parts.path.lstrip("/"), str(target))
    return target
