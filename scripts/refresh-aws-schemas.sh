#!/usr/bin/env bash
# Refreshes tests/aws-schemas/ from AWS's CloudFormation resource schemas as the cfn-lint
# package (PyPI) ships them: one trimmed schema per CloudFormation type that
# crates/resources/src/schema/aws_contract.toml names, and VERSION. The unit test
# `aws_contract` compares infra's types with these files, so it needs no network.
# It also writes crates/resources/src/cloudcontrol/facts.json, shipped in the binary: for
# EVERY type of the us-east-1 provider schemas, only the four lists `cloudcontrol.resource`
# plans with (primaryIdentifier, createOnlyProperties, readOnlyProperties,
# writeOnlyProperties), as JSON pointers without their `/properties/` prefix.
# Idempotent: the same cfn-lint version writes the same files.
#   CFN_LINT_VERSION  the pinned version (bump it to take newer schemas, then review the test)
#   CFN_LINT_PYTHON   a python that already has that version (skips the throwaway venv)
set -euo pipefail
cd "$(dirname "$0")/.."
CFN_LINT_VERSION="${CFN_LINT_VERSION:-1.58.0}"
PYTHON="${PYTHON:-python3}"
if [ -z "${CFN_LINT_PYTHON:-}" ]; then
  venv="$(mktemp -d)"
  trap 'rm -rf "$venv"' EXIT
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
  CFN_LINT_PYTHON="$venv/bin/python"
fi
"$CFN_LINT_PYTHON" - "$CFN_LINT_VERSION" <<'PY'
import json, os, sys, tomllib
from importlib.metadata import version
import cfnlint.data.schemas as schemas

pinned = sys.argv[1]
if version("cfn-lint") != pinned:
    sys.exit(f"cfn-lint {version('cfn-lint')} found, {pinned} wanted")
root = os.path.dirname(schemas.__file__)
provider = json.load(open(os.path.join(root, "providers", "us-east-1.json")))

# Every CloudFormation type the reviewed file names: each type's `cfn` and the type a
# property mapping starts with (`AWS::EC2::Route.GatewayId`).
with open("crates/resources/src/schema/aws_contract.toml", "rb") as f:
    contract = tomllib.load(f)
wanted = set()
for t in contract["types"].values():
    wanted.add(t["cfn"])
    wanted.update(m.split(".")[0] for m in t.get("map", {}).values() if m.startswith("AWS::"))
wanted = sorted(wanted)

# What the test reads; descriptions, handlers, tagging, examples and the like are bulk.
KEEP = {"$ref", "type", "items", "properties", "required", "enum", "pattern", "minLength", "maxLength",
        "minimum", "maximum", "anyOf", "oneOf", "allOf", "const"}
TOP = {"typeName", "properties", "definitions", "required", "createOnlyProperties", "readOnlyProperties",
       "writeOnlyProperties", "primaryIdentifier"}

def trim(node):
    if isinstance(node, list):
        return [trim(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "properties":
            out[k] = {name: trim(sub) for name, sub in v.items()}
        elif k in ("anyOf", "oneOf", "allOf"):
            kept = [t for t in trim(v) if t]
            if kept:
                out[k] = kept
        elif k in KEEP:
            out[k] = trim(v)
    return out

out_dir = "tests/aws-schemas"
os.makedirs(out_dir, exist_ok=True)
written = set()
for cfn in wanted:
    if cfn not in provider:
        sys.exit(f"{cfn}: not in cfn-lint {pinned}'s schemas")
    schema = json.load(open(os.path.join(root, "resources", provider[cfn] + ".json")))
    trimmed = {k: v for k, v in schema.items() if k in TOP}
    for k in ("properties", "definitions"):
        trimmed[k] = {name: trim(sub) for name, sub in schema.get(k, {}).items()}
    name = cfn.replace("::", "-") + ".json"
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(trimmed, f, indent=1, sort_keys=True)
        f.write("\n")
    written.add(name)
for stale in set(os.listdir(out_dir)) - written - {"VERSION"}:
    os.remove(os.path.join(out_dir, stale))
date = json.load(open(os.path.join(root, "version.json"))).get("schema_date", "")
with open(os.path.join(out_dir, "VERSION"), "w") as f:
    f.write(f"cfn-lint {pinned}\nschemas {date}\n")
print(f"wrote {len(written)} schemas from cfn-lint {pinned} into {out_dir}/")

# One line per type so a refresh reviews as a diff; lists in the schema's own order.
LISTS = ("primaryIdentifier", "createOnlyProperties", "readOnlyProperties", "writeOnlyProperties")
facts_path = "crates/resources/src/cloudcontrol/facts.json"
lines = []
for cfn in sorted(provider):
    schema = json.load(open(os.path.join(root, "resources", provider[cfn] + ".json")))
    entry = []
    for key in LISTS:
        paths = schema.get(key, [])
        bad = [p for p in paths if not p.startswith("/properties/")]
        if bad:
            sys.exit(f"{cfn}: {key} holds {bad}, not under /properties/")
        entry.append([p[len("/properties/"):] for p in paths])
    lines.append(json.dumps(cfn) + ":" + json.dumps(entry, separators=(",", ":")))
os.makedirs(os.path.dirname(facts_path), exist_ok=True)
with open(facts_path, "w") as f:
    f.write("{\n" + ",\n".join(lines) + "\n}\n")
print(f"wrote the facts of {len(lines)} types ({os.path.getsize(facts_path)} bytes) into {facts_path}")
PY
