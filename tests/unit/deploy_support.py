"""Reading the deployment files for offline checks: the Dockerfile, compose and Kubernetes."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from services.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def dockerfile_instructions(path: Path = ROOT / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            joined.append(pending.strip())
            pending = ""
    return [(text.split(" ", 1)[0].upper(), text.split(" ", 1)[1]) for text in joined]


def exec_form(instruction: str) -> list[str]:
    """The JSON array of an ENTRYPOINT / CMD in the Dockerfile."""
    found = [json.loads(args) for name, args in dockerfile_instructions() if name == instruction]
    assert len(found) == 1, f"one {instruction} in exec form expected"
    value: list[str] = found[0]
    return value


def lead_accepts(arguments: Sequence[str]) -> tuple[bool, str]:
    """Whether ``lead <arguments> --help`` is a valid command line of the installed CLI."""
    result = CliRunner().invoke(app, [*arguments, "--help"])
    return result.exit_code == 0, result.output


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def tool(name: str) -> str:
    """A tool installed into the virtual environment by `make install` (a dev dependency's
    wheel), preferred to any other on the PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} not installed: run `make install`"
    return found


def walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        yield from walk(child)
