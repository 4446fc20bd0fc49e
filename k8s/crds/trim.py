"""The schema of one version of a CustomResourceDefinition, trimmed for the tests:
``python k8s/crds/trim.py CRD.yaml VERSION > KIND.schema.json``.

Keeps ``spec.versions[VERSION].schema.openAPIV3Schema`` without its ``status`` (the operator
writes it, never a manifest) and without descriptions (prose; the constraints stay whole),
as sorted JSON: the same CRD gives the same bytes. Which CRDs and versions: README.md here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def trimmed(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: trimmed(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [trimmed(v) for v in node]
    return node


def schema_of(crd: dict, version: str) -> dict:
    (found,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
    schema = trimmed(found["schema"]["openAPIV3Schema"])
    schema["properties"].pop("status", None)
    return schema


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    crd = yaml.safe_load(Path(argv[0]).read_text("utf-8"))
    print(json.dumps(schema_of(crd, argv[1]), indent=1, sort_keys=True, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
