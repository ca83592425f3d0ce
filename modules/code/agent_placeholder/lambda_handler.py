"""Placeholder handler shipped by infra. The agents' real code is deployed separately;
this keeps the functions valid until it is."""

import json
import os


def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "body": json.dumps({
            "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "unknown"),
            "placeholder": True,
        }),
    }
