"""S3 for Spark and delta-rs: the profile's ``s3`` section as Hadoop S3A settings, and the same
endpoint and credentials as delta-rs storage options.

``s3://`` paths go to S3A as well (as EMR sends them to EMRFS), so a Glue script's paths work
unchanged. Credentials are the profile's keys, else what boto3's chain finds in the driver
(``AWS_*`` variables, ``~/.aws``, ``s3.aws_profile``, SSO, assume-role); instance and container
roles are left to S3A's own chain, which refreshes them on the cluster.

    >>> from etl_framework.config import S3Settings
    >>> conf = spark_conf(S3Settings(endpoint_url="http://127.0.0.1:9000", region="eu-west-1",
    ...                              access_key_id="dev", secret_access_key="dev-secret"))
    >>> conf["spark.hadoop.fs.s3a.endpoint"], conf["spark.hadoop.fs.s3a.path.style.access"]
    ('http://127.0.0.1:9000', 'true')
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .config import S3Settings
from .errors import ConfigError
from .logs import get_logger

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = get_logger("s3")

SCHEMES = ("s3", "s3a")
S3A = "org.apache.hadoop.fs.s3a.S3AFileSystem"
_SIMPLE = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
_TEMPORARY = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
# boto3 providers that fetch short-lived keys from the host; S3A asks the host itself, and refreshes.
_HOST_ROLES = ("iam-role", "container-role")


def is_s3(uri: str) -> bool:
    """True for ``s3://`` and ``s3a://`` locations."""
    return urlsplit(uri).scheme.lower() in SCHEMES


_connected: set[int] = set()  # the Spark gateways whose JVM loaded S3A


def require_connector(spark: SparkSession, uri: str) -> None:
    """Stop with an error naming the package, instead of Java's ClassNotFoundException, when
    ``uri`` is on S3 and the session lacks hadoop-aws (checked once per session)."""
    gateway = id(spark.sparkContext._gateway)
    if not is_s3(uri) or gateway in _connected:
        return
    from .packages import require

    require(spark, "hadoop-aws", f"the S3 path {uri}")
    _connected.add(gateway)


def credentials(settings: S3Settings) -> tuple[str, str, str | None] | None:
    """(access key id, secret key, session token) from the profile, else from boto3's chain (None
    when it finds none, or only a host role)."""
    if settings.access_key_id or settings.secret_access_key:
        if not (settings.access_key_id and settings.secret_access_key):
            raise ConfigError("s3.access_key_id and s3.secret_access_key must be given together")
        return settings.access_key_id, settings.secret_access_key, settings.session_token
    import botocore.exceptions
    import botocore.session

    try:
        session = botocore.session.Session(profile=settings.aws_profile)
        resolver = session.get_component("credential_provider")
        for name in _HOST_ROLES:
            resolver.remove(name)
        found = session.get_credentials()
        frozen = found.get_frozen_credentials() if found else None
    except botocore.exceptions.ProfileNotFound as exc:
        raise ConfigError(f"s3.aws_profile {settings.aws_profile!r}: {exc}") from exc
    except botocore.exceptions.BotoCoreError as exc:
        if settings.aws_profile:
            raise ConfigError(f"s3.aws_profile {settings.aws_profile!r}: no credentials ({exc})") from exc
        log.warning("S3: boto3 found no usable credentials (%s); S3A uses its own provider chain", exc)
        return None
    if frozen is None:
        return None
    log.debug("S3: credentials from boto3 (%s)", found.method)
    return frozen.access_key, frozen.secret_key, frozen.token


def _region(settings: S3Settings) -> str | None:
    if settings.region:
        return settings.region
    import botocore.session

    return botocore.session.Session(profile=settings.aws_profile).get_config_variable("region")


def spark_conf(settings: S3Settings) -> dict[str, str]:
    """The Spark settings that make ``s3a://`` and ``s3://`` use ``settings``' endpoint, addressing,
    region and credentials. Spark's UI and logs redact the ``secret``/``token`` values."""
    conf = {
        "spark.hadoop.fs.s3.impl": S3A,
        "spark.hadoop.fs.AbstractFileSystem.s3.impl": "org.apache.hadoop.fs.s3a.S3A",
    }
    if settings.endpoint_url:
        conf["spark.hadoop.fs.s3a.endpoint"] = settings.endpoint_url
    path_style = settings.path_style_access
    if path_style is None and settings.endpoint_url:
        path_style = True  # S3-compatible servers seldom have a DNS name per bucket
    if path_style is not None:
        conf["spark.hadoop.fs.s3a.path.style.access"] = str(path_style).lower()
    found = credentials(settings)  # first: it names a missing s3.aws_profile
    region = _region(settings)
    if region:
        conf["spark.hadoop.fs.s3a.endpoint.region"] = region
    if found:
        key, secret, token = found
        conf["spark.hadoop.fs.s3a.access.key"] = key
        conf["spark.hadoop.fs.s3a.secret.key"] = secret
        conf["spark.hadoop.fs.s3a.aws.credentials.provider"] = _TEMPORARY if token else _SIMPLE
        if token:
            conf["spark.hadoop.fs.s3a.session.token"] = token
    return conf


def storage_options(uri: str, spark: SparkSession | None = None) -> dict[str, str] | None:
    """delta-rs storage options for ``uri`` from the S3A settings of ``spark`` (default: the active
    session), per bucket (``fs.s3a.bucket.NAME.*``) as S3A reads them, so delta-rs and Spark reach
    the same store as the same user; None for a location that is not on S3.

    delta-rs commits to S3 with conditional writes (``If-None-Match``), which S3 and moto honour,
    so concurrent delta-rs writers need no lock table."""
    if not is_s3(uri):
        return None
    if spark is None:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    bucket = urlsplit(uri).netloc

    def setting(name: str) -> str | None:
        return hadoop.getTrimmed(f"fs.s3a.bucket.{bucket}.{name}") or hadoop.getTrimmed(f"fs.s3a.{name}") or None

    options: dict[str, str] = {}
    endpoint = setting("endpoint")
    if endpoint:
        endpoint = endpoint if "://" in endpoint else f"https://{endpoint}"
        options["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    if setting("path.style.access") == "true":
        options["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = "false"
    for name, option in (
        ("endpoint.region", "AWS_REGION"),
        ("access.key", "AWS_ACCESS_KEY_ID"),
        ("secret.key", "AWS_SECRET_ACCESS_KEY"),
        ("session.token", "AWS_SESSION_TOKEN"),
    ):
        value = setting(name)
        if value:
            options[option] = value
    return options
