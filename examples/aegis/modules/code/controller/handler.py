"""Aegis workflow controller (placeholder): starts and advances workflows."""
import json
import os


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"table": os.environ.get("WORKFLOW_TABLE")})}
