"""Placeholder for alex-researcher-scheduler (`scheduler.lambda_handler`)."""

from lambda_handler import lambda_handler  # noqa: F401
