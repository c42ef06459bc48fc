"""Each hand-off format checked by its field's own tools: followthemoney (the model's validation and the
`ftm validate` command), the OCDS 1.1 schemas shipped in data/ (jsonschema) and `ocdskit compile`.
Used by tests/report/test_handoff.py and bench/handoff.py."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import json_merge_patch
import jsonschema
from click.testing import CliRunner
from followthemoney import model
from followthemoney.cli.cli import cli as ftm_cli
from followthemoney.exc import InvalidData
from referencing import Registry
from referencing.jsonschema import DRAFT4

from procurewatch import knowledge


def ftm_problems(path: Path) -> list[str]:
    """What followthemoney finds wrong in an entities file: unknown schemata, values its types reject or
    would rewrite, missing required properties, duplicate ids, references to entities not in the file,
    and any difference between the file and what `ftm validate` re-parses from it."""
    problems: list[str] = []
    entities = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    ids = [e["id"] for e in entities]
    if len(ids) != len(set(ids)):
        problems.append("duplicate entity ids")
    known = set(ids)
    for data in entities:
        try:
            proxy = model.get_proxy(data, cleaned=False)
            proxy.schema.validate(data)
        except InvalidData as exc:
            problems.append(f"{data['id']}: {exc} {getattr(exc, 'errors', '')}")
            continue
        for prop, values in data["properties"].items():
            if prop not in proxy.schema.properties:
                problems.append(f"{data['id']}: {proxy.schema.name} has no property {prop}")
            elif sorted(proxy.get(prop)) != sorted(values):
                problems.append(f"{data['id']}.{prop}: {values} cleans to {proxy.get(prop)}")
        for prop in proxy.schema.properties.values():
            if prop.type.name == "entity":
                problems += [
                    f"{data['id']}.{prop.name} → {v} not in file" for v in proxy.get(prop) if v not in known
                ]
        problems += [f"{data['id']}: required {p} missing" for p in proxy.schema.required if not proxy.get(p)]
    result = CliRunner().invoke(ftm_cli, ["validate", "-i", str(path)])
    if result.exit_code != 0:
        problems.append(f"ftm validate failed: {result.output[-500:]}")
    else:
        reparsed = {e["id"]: e for e in map(json.loads, result.output.splitlines())}
        for data in entities:
            again = reparsed.get(data["id"], {}).get("properties", {})
            if {k: sorted(v) for k, v in again.items()} != {
                k: sorted(v) for k, v in data["properties"].items()
            }:
                problems.append(f"{data['id']}: ftm validate changed it")
    return problems


def release_schema() -> dict[str, Any]:
    return knowledge.load_json("ocds_schema", "release-schema.json")


def patched_release_schema() -> dict[str, Any]:
    """The OCDS release schema with the procurewatch extension applied (JSON Merge Patch, as OCDS tools
    do)."""
    patch = knowledge.load_json("ocds_extension", "release-schema.json")
    return json_merge_patch.merge(copy.deepcopy(release_schema()), patch)


def ocds_problems(package: dict[str, Any], release: dict[str, Any] | None = None) -> list[str]:
    """Schema errors of a release package against the shipped OCDS 1.1 package schema, whose `$ref` to
    the release schema resolves to `release` (the official one by default), never over the network."""
    official = release_schema()
    registry = Registry().with_resource(official["id"], DRAFT4.create_resource(release or official))
    validator = jsonschema.Draft4Validator(
        knowledge.load_json("ocds_schema", "release-package-schema.json"),
        registry=registry,
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(package)
    ]


def ocdskit_compile(package_path: Path, work: Path) -> list[dict[str, Any]]:
    """The compiled releases `ocdskit compile` makes of the package, given the patched schema as a file
    (so it fetches nothing)."""
    schema = work / "patched-release-schema.json"
    schema.write_text(json.dumps(patched_release_schema()), encoding="utf-8")
    with package_path.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "ocdskit", "compile", "--schema", str(schema)],
            stdin=stdin,
            capture_output=True,
            check=False,
        )
    if done.returncode != 0:
        raise AssertionError(f"ocdskit compile failed: {done.stderr.decode()[-1000:]}")
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]
