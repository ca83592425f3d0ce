"""A small stand-in for AWS Cloud Control, for tests and the demo: moto 5.2.5 has none.

scripts/moto_server.py hands it every request whose X-Amz-Target starts with
`CloudApiService.`, so it answers on the emulator's own endpoint (AWS_ENDPOINT_URL). It
speaks the documented protocol (awsJson1_0): CreateResource, GetResource,
UpdateResource (an RFC 6902 JSON Patch), DeleteResource, ListResources and
GetResourceRequestStatus, each change answered with a ProgressEvent carrying a request
token: IN_PROGRESS first (with a RetryAfter), then SUCCESS or FAILED with an ErrorCode on
a later status request. A repeated client token returns the first request's event.

It knows nothing of any type's behaviour, only what AWS's schemas say of each type
(crates/resources/src/cloudcontrol/facts.json): read-only properties at the top level
are generated on create (`...Arn` as an ARN, `...Time` as a time, anything else as an
id); the primary identifier is the values at its paths joined with `|`; write-only
properties are kept but never returned; a patch touching a create-only property fails
with NotUpdatable. A resource that does not exist answers ResourceNotFoundException.

Triggers, in any string of a create's desired state:
- `standin:fail`  the create fails (ErrorCode InvalidRequest) after the resource was
                  made, so the caller must delete what it left;
- `standin:slow`  the create stays IN_PROGRESS for four status requests.

GET /cloudcontrol-standin/log shows what it received (desired states, patches, status
requests per token) and holds; POST /moto-api/reset forgets everything.
"""

import copy
import datetime
import json
import os
import re
import threading
import time
import uuid

ACCOUNT = "123456789012"
LOCK = threading.Lock()
FACTS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "resources", "src", "cloudcontrol", "facts.json")
_facts = {}

RESOURCES = {}  # (type, identifier) -> model (write-only values included)
REQUESTS = {}  # request token -> {"event": dict, "polls": int, "steps": [(status, extra)]}
CLIENT_TOKENS = {}  # client token -> request token
LOG = {"desired": [], "patches": [], "polls": []}


def reset():
    with LOCK:
        RESOURCES.clear()
        REQUESTS.clear()
        CLIENT_TOKENS.clear()
        LOG["desired"].clear()
        LOG["patches"].clear()
        LOG["polls"].clear()


def facts(type_name):
    if not _facts:
        with open(FACTS_PATH) as f:
            _facts.update(json.load(f))
    entry = _facts.get(type_name)
    if entry is None:
        raise Error("TypeNotFoundException", f"The type {type_name} cannot be found")
    primary, create_only, read_only, write_only = entry
    return {"primary": primary, "create_only": create_only, "read_only": read_only, "write_only": write_only}


class Error(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind, self.message = kind, message


def region_of(environ):
    m = re.search(r"Credential=[^/]+/\d+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return m.group(1) if m else "us-east-1"


def generated(name, type_name, region, model):
    service = type_name.split("::")[1].lower()
    if name.endswith("Arn"):
        tail = model.get("Name") or uuid.uuid4().hex[:12]
        return f"arn:aws:{service}:{region}:{ACCOUNT}:{type_name.split('::')[2].lower()}/{tail}"
    if "Time" in name or name.endswith("Date"):
        return datetime.datetime.now(datetime.timezone.utc).isoformat()
    return f"{name.lower()}-{uuid.uuid4().hex[:12]}"


def contains(value, needle):
    if isinstance(value, str):
        return needle in value
    if isinstance(value, list):
        return any(contains(v, needle) for v in value)
    if isinstance(value, dict):
        return any(contains(v, needle) for v in value.values())
    return False


def pointer(path):
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def touches(create_only, segs):
    for c in create_only:
        parts = c.split("/")
        n = min(len(parts), len(segs))
        if all(p == s or (p == "*" and s.isdigit()) for p, s in zip(parts[:n], segs[:n])):
            return c
    return None


def apply_patch(model, ops, create_only):
    for op in ops:
        segs = pointer(op["path"])
        fixed = touches(create_only, segs)
        if fixed:
            raise Error("NotUpdatable", f"{fixed} is create-only")
        parent = model
        for s in segs[:-1]:
            parent = parent[int(s)] if isinstance(parent, list) else parent.setdefault(s, {})
        last = segs[-1]
        if op["op"] in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(op["value"])
                elif op["op"] == "add":
                    parent.insert(int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                parent[last] = op["value"]
        elif op["op"] == "remove":
            if isinstance(parent, list):
                parent.pop(int(last))
            else:
                parent.pop(last, None)
        else:
            raise Error("InvalidRequestException", f"patch operation {op['op']} is not served by the stand-in")


def without_write_only(model, write_only):
    out = copy.deepcopy(model)
    for path in write_only:
        segs = path.split("/")

        def strip(node, segs):
            if not segs:
                return
            if segs[0] == "*" and isinstance(node, list):
                for item in node:
                    strip(item, segs[1:])
            elif isinstance(node, dict) and segs[0] in node:
                if len(segs) == 1:
                    node.pop(segs[0])
                else:
                    strip(node[segs[0]], segs[1:])

        strip(out, segs)
    return out


def event(type_name, identifier, token, operation, status, model=None, error=None, message=None):
    e = {
        "TypeName": type_name,
        "RequestToken": token,
        "Operation": operation,
        "OperationStatus": status,
        "EventTime": time.time(),
    }
    if identifier:
        e["Identifier"] = identifier
    if model is not None:
        e["ResourceModel"] = json.dumps(model)
    if error:
        e["ErrorCode"] = error
    if message:
        e["StatusMessage"] = message
    if status in ("PENDING", "IN_PROGRESS"):
        e["RetryAfter"] = time.time() + 0.05
    return e


def start(type_name, identifier, operation, final, polls=1, client_token=None):
    """A request answered IN_PROGRESS now, and `final` after `polls` status requests."""
    token = str(uuid.uuid4())
    first = event(type_name, identifier, token, operation, "IN_PROGRESS")
    REQUESTS[token] = {"event": first, "left": polls, "final": final}
    if client_token:
        CLIENT_TOKENS[client_token] = token
    return first


def create_resource(body, region):
    type_name = body["TypeName"]
    f = facts(type_name)
    client = body.get("ClientToken")
    if client and client in CLIENT_TOKENS:
        return REQUESTS[CLIENT_TOKENS[client]]["event"]
    model = json.loads(body.get("DesiredState") or "{}")
    LOG["desired"].append({"TypeName": type_name, "DesiredState": copy.deepcopy(model)})
    for path in f["read_only"]:
        if "/" not in path and path not in model:
            model[path] = generated(path, type_name, region, model)
    parts = []
    for path in f["primary"]:
        value = model.get(path) if "/" not in path else None
        if value is None:
            value = model[path] = generated(path, type_name, region, model)
        parts.append(str(value))
    identifier = "|".join(parts)
    if (type_name, identifier) in RESOURCES:
        final = lambda: ("FAILED", {"ErrorCode": "AlreadyExists", "StatusMessage": f"{identifier} already exists"})  # noqa: E731
        return start(type_name, None, "CREATE", final, client_token=client)
    # Made at once: a failing create has left it behind, as a failing handler can.
    RESOURCES[(type_name, identifier)] = model
    if contains(model, "standin:fail"):
        final = lambda: ("FAILED", {"ErrorCode": "InvalidRequest", "StatusMessage": "the stand-in refuses this model (standin:fail)"})  # noqa: E731
        return start(type_name, identifier, "CREATE", final, client_token=client)
    polls = 4 if contains(model, "standin:slow") else 1
    return start(type_name, identifier, "CREATE", lambda: ("SUCCESS", {}), polls=polls, client_token=client)


def found(type_name, identifier):
    model = RESOURCES.get((type_name, identifier))
    if model is None:
        raise Error("ResourceNotFoundException", f"Resource of type '{type_name}' with identifier '{identifier}' was not found.")
    return model


def get_resource(body):
    type_name, identifier = body["TypeName"], body["Identifier"]
    model = found(type_name, identifier)
    shown = without_write_only(model, facts(type_name)["write_only"])
    return {"TypeName": type_name, "ResourceDescription": {"Identifier": identifier, "Properties": json.dumps(shown)}}


def update_resource(body):
    type_name, identifier = body["TypeName"], body["Identifier"]
    model = found(type_name, identifier)
    ops = json.loads(body["PatchDocument"])
    LOG["patches"].append({"TypeName": type_name, "Identifier": identifier, "Patch": ops})
    updated = copy.deepcopy(model)
    try:
        apply_patch(updated, ops, facts(type_name)["create_only"])
    except Error as e:
        final = lambda: ("FAILED", {"ErrorCode": e.kind, "StatusMessage": e.message})  # noqa: E731
        return start(type_name, identifier, "UPDATE", final)
    RESOURCES[(type_name, identifier)] = updated
    return start(type_name, identifier, "UPDATE", lambda: ("SUCCESS", {}))


def delete_resource(body):
    type_name, identifier = body["TypeName"], body["Identifier"]
    found(type_name, identifier)

    def final():
        RESOURCES.pop((type_name, identifier), None)
        return ("SUCCESS", {})

    return start(type_name, identifier, "DELETE", final)


def request_status(body):
    token = body["RequestToken"]
    request = REQUESTS.get(token)
    if request is None:
        raise Error("RequestTokenNotFoundException", f"request {token} not found")
    e = request["event"]
    LOG["polls"].append({"RequestToken": token, "Operation": e["Operation"], "Identifier": e.get("Identifier")})
    if e["OperationStatus"] in ("PENDING", "IN_PROGRESS"):
        request["left"] -= 1
        if request["left"] <= 0:
            status, extra = request["final"]()
            done = event(e["TypeName"], e.get("Identifier"), token, e["Operation"], status)
            done.update(extra)
            request["event"] = done
        else:
            request["event"] = event(e["TypeName"], e.get("Identifier"), token, e["Operation"], "IN_PROGRESS")
    return {"ProgressEvent": request["event"]}


def list_resources(body):
    type_name = body["TypeName"]
    f = facts(type_name)
    found_ = [
        {"Identifier": i, "Properties": json.dumps(without_write_only(m, f["write_only"]))}
        for (t, i), m in sorted(RESOURCES.items())
        if t == type_name
    ]
    return {"TypeName": type_name, "ResourceDescriptions": found_}


OPERATIONS = {
    "CreateResource": lambda body, region: {"ProgressEvent": create_resource(body, region)},
    "GetResource": lambda body, region: get_resource(body),
    "UpdateResource": lambda body, region: {"ProgressEvent": update_resource(body)},
    "DeleteResource": lambda body, region: {"ProgressEvent": delete_resource(body)},
    "GetResourceRequestStatus": lambda body, region: request_status(body),
    "ListResources": lambda body, region: list_resources(body),
}


def _respond(start_response, status, payload):
    data = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(data)))])
    return [data]


def is_ours(environ):
    return environ.get("HTTP_X_AMZ_TARGET", "").startswith("CloudApiService.") or environ.get("PATH_INFO", "").startswith(
        "/cloudcontrol-standin/"
    )


def app(environ, start_response):
    """The WSGI application for the requests `is_ours` picks."""
    if environ.get("PATH_INFO", "").startswith("/cloudcontrol-standin/log"):
        with LOCK:
            held = [{"TypeName": t, "Identifier": i, "Model": m} for (t, i), m in sorted(RESOURCES.items())]
            return _respond(start_response, "200 OK", {**LOG, "resources": held})
    operation = environ["HTTP_X_AMZ_TARGET"].split(".", 1)[1]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    handler = OPERATIONS.get(operation)
    if handler is None:
        return _respond(start_response, "400 Bad Request", {"__type": "UnsupportedActionException", "Message": f"{operation} is not served by the stand-in"})
    try:
        with LOCK:
            return _respond(start_response, "200 OK", handler(body, region_of(environ)))
    except Error as e:
        return _respond(start_response, "400 Bad Request", {"__type": e.kind, "Message": e.message})
