"""Vendor the openAPIV3Schema of CustomResourceDefinitions as JSON Schema files, offline.

    python tests/unit/schemas/extract_crd_schemas.py CRD.yaml... [--into DIR]

Writes ``<group>_<kind>_<version>.json`` (lower case) per served version, descriptions
removed (they are most of a CRD's size and validate nothing). CI never downloads a schema:
the files it validates against are the ones committed beside this script (see README.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def extract(crd_file: Path, into: Path) -> list[Path]:
    written = []
    for crd in yaml.safe_load_all(crd_file.read_text()):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", True):
                continue
            schema = _strip(version["schema"]["openAPIV3Schema"])
            path = into / f"{group}_{kind}_{version['name']}.json".lower()
            path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
            written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("crds", nargs="+", type=Path)
    parser.add_argument("--into", type=Path, default=Path(__file__).parent)
    arguments = parser.parse_args()
    for crd_file in arguments.crds:
        for path in extract(crd_file, arguments.into):
            print(path)


if __name__ == "__main__":
    main()
