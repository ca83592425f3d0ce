"""Placeholder for the alex-api backend (`main.handler`)."""

from lambda_handler import lambda_handler as handler  # noqa: F401
