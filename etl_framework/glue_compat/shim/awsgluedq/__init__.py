"""etl_framework's stand-in for AWS Glue Data Quality's ``awsgluedq`` package (see ``awsglue``'s shim)."""
