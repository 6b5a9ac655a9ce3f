"""The container image, checked without a Docker engine: lint, entrypoint, command, health."""

from __future__ import annotations

import json
import subprocess
from importlib.metadata import entry_points

from services.catalog import APPS
from services.cli import app
from tests.unit.deploy_support import ROOT, dockerfile_instructions, exec_form, lead_accepts, tool


def test_the_dockerfile_passes_hadolint() -> None:
    done = subprocess.run(
        [tool("hadolint"), "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_entrypoint_is_the_installed_lead_command() -> None:
    assert exec_form("ENTRYPOINT") == ["lead"]
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "lead"]
    assert script.load() is app


def test_the_command_is_a_service_the_cli_serves() -> None:
    command = exec_form("CMD")
    assert command[0] == "serve" and command[1] in APPS
    ok, output = lead_accepts(command)
    assert ok, output


def test_the_health_check_asks_ready_on_the_served_port() -> None:
    instructions = dockerfile_instructions()
    (health,) = [args for name, args in instructions if name == "HEALTHCHECK"]
    snippet = exec_form_of(health.split(" CMD ", 1)[1])
    assert snippet[:2] == ["python", "-c"] and "/ready" in snippet[2]
    compile(snippet[2], "<healthcheck>", "exec")
    env = " ".join(args for name, args in instructions if name == "ENV")
    assert "LEAD_PORT=8000" in env and "LEAD_HOST=0.0.0.0" in env
    assert ("EXPOSE", "8000") in instructions
    ok, output = lead_accepts(["serve"])
    assert ok and "LEAD_PORT" in output, "lead serve must read the port from LEAD_PORT"


def test_the_final_stage_runs_as_a_user_without_build_tools() -> None:
    instructions = dockerfile_instructions()
    stages = [i for i, (name, _) in enumerate(instructions) if name == "FROM"]
    final = instructions[stages[-1] :]
    assert ("USER", "10001:10001") in final
    assert not any(name == "RUN" and "apt-get" in args for name, args in final)
    assert all("--from=build" in args for name, args in final if name == "COPY")


def test_the_build_context_holds_what_the_image_copies() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = {
        part.removeprefix("./").rstrip("/")
        for name, args in dockerfile_instructions()
        if name == "COPY" and "--from" not in args
        for part in args.split()[:-1]
    }
    assert copied <= allowed, copied - allowed


def exec_form_of(text: str) -> list[str]:
    value: list[str] = json.loads(text)
    return value
