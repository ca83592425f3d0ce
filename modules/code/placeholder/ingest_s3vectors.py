"""Placeholder for alex-ingest (`ingest_s3vectors.lambda_handler`)."""

from lambda_handler import lambda_handler  # noqa: F401
