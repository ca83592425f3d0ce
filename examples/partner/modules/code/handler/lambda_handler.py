"""Placeholder handler: the application's code is deployed by its own pipeline."""


def lambda_handler(event, context):
    return {"statusCode": 200, "body": "ok"}
