#!/usr/bin/env python3
"""A small, wire-compatible stand-in for the AWS App Runner API, for tests and the demo.

moto (the AWS emulator used here) has no App Runner. This serves the calls infra makes,
in App Runner's own protocol (awsJson1_0, `X-Amz-Target: AppRunner.<Operation>`):
CreateService, DescribeService, UpdateService, DeleteService, ListServices, and the tag
calls (ListTagsForResource, TagResource, UntagResource). Services go
through OPERATION_IN_PROGRESS before RUNNING (and before DELETED), so waiters are
exercised. It is not App Runner: nothing runs, and only these calls exist.

Usage: apprunner_standin.py [--port N]   (prints "listening on http://127.0.0.1:PORT")
Select it with AWS_ENDPOINT_URL_APPRUNNER.
"""

import argparse
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = "123456789012"
LOCK = threading.Lock()
SERVICES = {}  # arn -> service dict (App Runner's Service shape)
PENDING = {}  # arn -> status to show on the next describe
TAGS = {}  # arn -> {key: value}


def region_of(headers):
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else "us-east-1"


class Error(Exception):
    def __init__(self, kind, message, status=400):
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


def find(arn):
    service = SERVICES.get(arn)
    if service is None:
        raise Error("ResourceNotFoundException", f"Service {arn} not found")
    return service


def settle(arn):
    """One describe later, an operation in progress has finished."""
    service = SERVICES.get(arn)
    if service and arn in PENDING and service["Status"] == "OPERATION_IN_PROGRESS":
        service["Status"] = PENDING.pop(arn)
        service["UpdatedAt"] = time.time()


def create_service(body, region):
    name = body.get("ServiceName")
    if not name or not body.get("SourceConfiguration"):
        raise Error("InvalidRequestException", "ServiceName and SourceConfiguration are required")
    for s in SERVICES.values():
        if s["ServiceName"] == name and s["Status"] != "DELETED":
            raise Error("InvalidRequestException", f"Service with the provided name already exists: {name}")
    service_id = uuid.uuid4().hex
    arn = f"arn:aws:apprunner:{region}:{ACCOUNT}:service/{name}/{service_id}"
    now = time.time()
    instance = {"Cpu": "1024", "Memory": "2048"}
    instance.update(body.get("InstanceConfiguration") or {})
    SERVICES[arn] = {
        "ServiceName": name,
        "ServiceId": service_id,
        "ServiceArn": arn,
        "ServiceUrl": f"{service_id[:10]}.{region}.awsapprunner.com",
        "CreatedAt": now,
        "UpdatedAt": now,
        "Status": "OPERATION_IN_PROGRESS",
        "SourceConfiguration": body["SourceConfiguration"],
        "InstanceConfiguration": instance,
        "NetworkConfiguration": {"EgressConfiguration": {"EgressType": "DEFAULT"}},
    }
    PENDING[arn] = "RUNNING"
    TAGS[arn] = {t["Key"]: t["Value"] for t in body.get("Tags") or []}
    return {"Service": SERVICES[arn], "OperationId": uuid.uuid4().hex}


def describe_service(body, region):
    settle(body.get("ServiceArn"))
    return {"Service": find(body.get("ServiceArn"))}


def update_service(body, region):
    service = find(body.get("ServiceArn"))
    if service["Status"] != "RUNNING":
        raise Error("InvalidStateException", f"Service is in {service['Status']} state")
    if "SourceConfiguration" in body:
        service["SourceConfiguration"] = body["SourceConfiguration"]
    if "InstanceConfiguration" in body:
        service["InstanceConfiguration"].update(body["InstanceConfiguration"])
    service["Status"] = "OPERATION_IN_PROGRESS"
    PENDING[service["ServiceArn"]] = "RUNNING"
    return {"Service": service, "OperationId": uuid.uuid4().hex}


def delete_service(body, region):
    service = find(body.get("ServiceArn"))
    service["Status"] = "OPERATION_IN_PROGRESS"
    PENDING[service["ServiceArn"]] = "DELETED"
    return {"Service": service, "OperationId": uuid.uuid4().hex}


def list_services(body, region):
    summaries = [
        {k: s[k] for k in ("ServiceName", "ServiceId", "ServiceArn", "ServiceUrl", "CreatedAt", "UpdatedAt", "Status")}
        for s in SERVICES.values()
        if s["Status"] != "DELETED"
    ]
    return {"ServiceSummaryList": summaries}


def list_tags_for_resource(body, region):
    arn = body.get("ResourceArn")
    find(arn)
    return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(TAGS.get(arn, {}).items())]}


def tag_resource(body, region):
    arn = body.get("ResourceArn")
    find(arn)
    TAGS.setdefault(arn, {}).update({t["Key"]: t["Value"] for t in body.get("Tags") or []})
    return {}


def untag_resource(body, region):
    arn = body.get("ResourceArn")
    find(arn)
    for key in body.get("TagKeys") or []:
        TAGS.get(arn, {}).pop(key, None)
    return {}


OPERATIONS = {
    "ListTagsForResource": list_tags_for_resource,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "CreateService": create_service,
    "DescribeService": describe_service,
    "UpdateService": update_service,
    "DeleteService": delete_service,
    "ListServices": list_services,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length) if length else b"{}"
        target = self.headers.get("X-Amz-Target", "")
        operation = target.split(".")[-1]
        try:
            handler = OPERATIONS.get(operation)
            if handler is None:
                raise Error("UnknownOperationException", f"{target} is not served by the App Runner stand-in")
            with LOCK:
                result = handler(json.loads(raw or b"{}"), region_of(self.headers))
            self.reply(200, result)
        except Error as e:
            self.reply(e.status, {"__type": e.kind, "Message": e.message})
        except (ValueError, KeyError) as e:
            self.reply(400, {"__type": "InvalidRequestException", "Message": str(e)})

    def reply(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-RequestId", uuid.uuid4().hex)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
