"""Aegis agent callback (placeholder): records an agent's result."""
import json
import os


def handler(event, context):
    return {"statusCode": 202, "body": json.dumps({"table": os.environ.get("WORKFLOW_TABLE")})}
