"""Environment profiles: the YAML files in ``conf/`` that say where and how a job runs.

A profile names the Spark master, Spark settings, the warehouse and state directories and the
catalog backend. ``${VAR}`` and ``${VAR:-default}`` are replaced from the environment, and any key
can be overridden from the command line::

    >>> from etl_framework.config import load_profile
    >>> p = load_profile("local", sets=["state_dir=/tmp/state"], confs=["spark.sql.shuffle.partitions=4"])
    >>> p.state_dir, p.spark.conf["spark.sql.shuffle.partitions"]
    ('/tmp/state', '4')

Schema (every key optional except ``spark.master``)::

    spark:
      master: local[2] | spark://host:port | yarn | k8s://...
      deploy_mode: client | cluster      # for spark-submit; default client
      app_name: etl                      # default: the job name
      conf: {spark.key: value, ...}      # passed to the session or as --conf; "" means unset
      submit_args: [--verbose, ...]      # extra spark-submit arguments
      packages: [delta, hadoop-aws, avro] # JVM libraries from Maven Central, fetched once (see packages)
    warehouse_dir: warehouse             # where jobs write tables by default
    state_dir: state                     # bookmarks and run history
    log_level: INFO                      # the framework's log level
    catalog:
      backend: local | hive | glue
      database: default
      endpoint_url: null                 # Glue API endpoint (moto, VPC endpoints)
      region: null                       # Glue: AWS region (default: the AWS environment's)
      catalog_id: null                   # Glue: the account id of the catalog (default: the caller's)
      aws_profile: null                  # Glue: a named profile in ~/.aws (default: the environment's credentials)
      metastore_uri: null                # hive: thrift://host:9083
    delta:
      engine: auto | spark | delta-rs    # who writes Delta tables; auto: delta-spark when its JARs load
    s3:                                  # s3:// and s3a:// paths (Hadoop's S3A; see etl_framework.s3)
      endpoint_url: null                 # an S3-compatible server (MinIO, moto, ...); default: AWS
      path_style_access: null            # bucket in the path, not the host name; default: true with endpoint_url
      region: null                       # default: the AWS environment's (AWS_REGION, ~/.aws/config)
      aws_profile: null                  # a named profile in ~/.aws (default: boto3's credential chain)
      access_key_id: null                # explicit credentials instead of the chain (use ${VAR} for them)
      secret_access_key: null
      session_token: null
    secret_names: [pin, ...]             # more name fragments of secret job arguments (see redaction)
    connections:                         # JDBC connections jobs name (from_jdbc_conf, extract_jdbc_conf)
      NAME: {url: jdbc:postgresql://host:5432/db, user: etl, password: "${DB_PASSWORD}",
             driver: null, enforce_ssl: false}
    deploy:                              # etl package, and etl run on EMR (see etl_framework.deploy)
      target: null | emr | emr-serverless | yarn  # null: spark-submit to spark.master
      s3_prefix: s3://bucket/prefix      # where the artefacts are staged
      endpoint_url: null                 # S3 and EMR endpoint (moto, MinIO); default: AWS
      region: null                       # default: the AWS environment's
      requirements: null                 # pip requirements file (beside the profile) of the job's packages
      poll_seconds: 15                   # how often a run is polled
      timeout_minutes: null              # stop following after this long (status TIMEOUT)
      log_uri: null                      # where the service writes logs (EMR: a new cluster's LogUri)
      cluster_id: null                   # emr: j-...; null: make one from `cluster`, terminate it after
      cluster: {}                        # emr: run_job_flow keys (Name, ReleaseLabel, Instances, roles)
      action_on_failure: CONTINUE        # emr: CONTINUE | CANCEL_AND_WAIT | TERMINATE_CLUSTER
      application_id: null               # emr-serverless: the application
      execution_role_arn: null           # emr-serverless: the job run's role
      state_dir: null                    # the driver's state_dir on the cluster (hdfs://, s3a://)
      stage_dir: null                    # yarn: the hdfs:// folder the package is put in
"""

from .profile import (
    SCHEMA,
    CatalogSettings,
    ConnectionSettings,
    DeltaSettings,
    DeploySettings,
    Profile,
    S3Settings,
    SparkSettings,
    absolute_location,
    conf_dir,
    load_profile,
    profile_path,
)
from .schema import (
    ConfigError,
    DuplicateKeyError,
    Key,
    UniqueKeyLoader,
    interpolate,
    load_yaml,
    read_yaml_mapping,
    validate,
)

__all__ = [
    "SCHEMA",
    "CatalogSettings",
    "ConfigError",
    "ConnectionSettings",
    "DeltaSettings",
    "DeploySettings",
    "DuplicateKeyError",
    "Key",
    "Profile",
    "S3Settings",
    "SparkSettings",
    "UniqueKeyLoader",
    "absolute_location",
    "conf_dir",
    "interpolate",
    "load_profile",
    "load_yaml",
    "profile_path",
    "read_yaml_mapping",
    "validate",
]
