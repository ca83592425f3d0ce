"""Placeholder handlers shipped by infra. The application's real code is deployed
separately (or pointed to with the module's `code_dir` variable); these keep every
function valid and answer with who they are until then."""

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
