"""deploy/compose, checked without a Docker engine: the compose specification's JSON Schema,
the variables it needs, the `lead` commands it runs, the files it mounts."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from typing import Any

import jsonschema
import pytest
import yaml

from tests.unit.deploy_support import DEPLOY, SCHEMAS, lead_accepts

COMPOSE = DEPLOY / "compose"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    return document


def _env_example() -> dict[str, str]:
    lines = (COMPOSE / ".env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {name: value for name, value in pairs}


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    jsonschema.validate(compose, schema, cls=jsonschema.Draft7Validator)


def test_every_variable_is_in_env_example() -> None:
    used = set(VARIABLE.findall((COMPOSE / "compose.yaml").read_text()))
    assert used <= set(_env_example()), used - set(_env_example())


def test_the_example_cluster_id_is_a_kraft_cluster_id() -> None:
    cluster_id = _env_example()["KAFKA_CLUSTER_ID"]
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_the_lead_image_runs_only_real_commands(compose: dict[str, Any]) -> None:
    commands = [
        service["command"]
        for service in compose["services"].values()
        if "command" in service and "LEAD_IMAGE" in service.get("image", "")
    ]
    assert len(commands) == 4  # the topics job and the three services
    for command in commands:
        ok, output = lead_accepts(command)
        assert ok, f"lead {command}: {output}"


def test_services_wait_for_the_database_and_the_topics(compose: dict[str, Any]) -> None:
    for name in ("intake", "abeyance", "reporting"):
        service = compose["services"][name]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        assert service["read_only"] and service["cap_drop"] == ["ALL"]
        assert "healthcheck" in service
        assert service["environment"]["LEAD_KAFKA_SASL_USERNAME"] == f"lead-{name}"


def test_the_brokers_keep_their_data_on_a_volume(compose: dict[str, Any]) -> None:
    for name in ("kafka", "kafka-secure"):
        assert "kafka-data:/var/lib/kafka/data" in compose["services"][name]["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_secrets_come_from_files_never_from_the_repository(compose: dict[str, Any]) -> None:
    ignored = (COMPOSE / "secrets/.gitignore").read_text().splitlines()
    assert "*" in ignored
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    intake = compose["services"]["intake"]["environment"]
    assert intake["LEAD_PARTICIPANT_KEY_FILE"].startswith("/run/secrets/")


def test_the_scripts_it_runs_are_valid_bash() -> None:
    for script in ("secure/start-kafka.sh", "secure/acls.generated.sh", "secrets/make-secrets.sh"):
        done = subprocess.run(["bash", "-n", str(COMPOSE / script)], capture_output=True)
        assert done.returncode == 0, done.stderr


def test_the_secure_broker_formats_a_scram_user_per_service(compose: dict[str, Any]) -> None:
    script = (COMPOSE / "secure/start-kafka.sh").read_text()
    for name in ("admin", "lead-intake", "lead-abeyance", "lead-reporting"):
        assert f"scram {name} " in script
    properties = (COMPOSE / "secure/server.properties").read_text()
    assert "SECURE:SASL_SSL" in properties and "allow.everyone.if.no.acl.found=false" in properties
