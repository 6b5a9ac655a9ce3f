"""One source of truth for topics, users and lag scaling: the generated manifests are current,
and the access they grant is what the issue and events.md ask for."""

from __future__ import annotations

from pathlib import Path

import pytest

from events.topic_catalog import EVENT_TOPICS, FOREVER, topic_catalog
from events.topics import (
    EVENTS_BY_TOPIC,
    INBOUND_REFERRALS,
    INBOUND_REJECTED,
    REPORTING_FACTS,
    dlq_topic,
    notices_topic,
)
from services.catalog import service_specs
from services.deployment.access import Principal, may_read, principals
from services.deployment.render import generated_files, shipped_program
from services.devstack.stack import all_topics
from services.platform.settings import Settings
from services.platform.topics import deployment_topics, prosecutor_codes

ROOT = Path(__file__).resolve().parents[2]


def test_committed_manifests_are_generated_from_the_code() -> None:
    stale = [
        str(path)
        for path, text in generated_files().items()
        if not (ROOT / path).is_file() or (ROOT / path).read_text() != text
    ]
    assert not stale, f"run `lead deploy generate` and commit: {stale}"


def test_the_catalog_covers_the_contract() -> None:
    names = {t.name for t in topic_catalog(["lada"])}
    assert set(EVENTS_BY_TOPIC) <= names
    consumed = [*EVENTS_BY_TOPIC, INBOUND_REFERRALS]
    assert {dlq_topic(t) for t in consumed} <= names
    assert {INBOUND_REJECTED, REPORTING_FACTS, notices_topic("lada")} <= names
    assert len(names) == len(topic_catalog(["lada"])), "a topic is declared twice"


def test_the_local_stack_creates_the_catalog() -> None:
    assert all_topics() == [t.name for t in deployment_topics()]
    assert prosecutor_codes() == ("lacityatty", "lada", "lbcp")


def test_retention_follows_what_each_topic_carries() -> None:
    by_name = {t.name: t for t in topic_catalog(["lada"])}
    for topic in EVENT_TOPICS:
        assert by_name[topic].retention_ms == FOREVER
        assert by_name[topic].cleanup_policy == "delete"  # compaction would lose events
    personal = [t for t in by_name.values() if t.personal_data]
    assert {t.name for t in personal} == {
        INBOUND_REFERRALS,
        INBOUND_REJECTED,
        dlq_topic(INBOUND_REFERRALS),
    }
    assert all(t.retention_days is not None and t.retention_days <= 7 for t in personal)
    assert by_name[notices_topic("lada")].retention_days == 90
    assert by_name[REPORTING_FACTS].config() == {"cleanup.policy": "compact", "retention.ms": "-1"}


@pytest.fixture(scope="module")
def users() -> dict[str, Principal]:
    return {p.user: p for p in principals(service_specs(Settings()), shipped_program())}


def _writes(principal: Principal, topic: str) -> bool:
    return any(
        g.resource == "topic"
        and "Write" in g.operations
        and (topic == g.name if g.pattern == "literal" else topic.startswith(g.name))
        for g in principal.grants
    )


def test_each_prosecutor_reads_only_its_own_notices(users: dict[str, Principal]) -> None:
    topics = [t.name for t in deployment_topics(shipped_program())]
    for code in prosecutor_codes(shipped_program()):
        readable = [t for t in topics if may_read(users[f"prosecutor-{code}"], t)]
        assert readable == [notices_topic(code)]


def test_services_read_and_write_what_the_issue_lists(users: dict[str, Principal]) -> None:
    intake, abeyance, reporting = (users[f"lead-{s}"] for s in ("intake", "abeyance", "reporting"))
    topics = [t.name for t in deployment_topics(shipped_program())]
    # intake reads abeyance's events for the caseload's deadlines (docs/adr/0041)
    assert {t for t in topics if may_read(intake, t)} == {INBOUND_REFERRALS, "lead.abeyance.events"}
    assert {t for t in topics if _writes(intake, t)} == {
        "lead.referral.events",
        "lead.oend.events",
        "lead.evaluation.events",
        INBOUND_REJECTED,
        dlq_topic(INBOUND_REFERRALS),
        dlq_topic("lead.abeyance.events"),
    }
    assert [t for t in topics if may_read(abeyance, t)] == ["lead.referral.events"]
    assert {t for t in topics if _writes(abeyance, t)} == {
        "lead.abeyance.events",
        dlq_topic("lead.referral.events"),
        *(notices_topic(c) for c in prosecutor_codes(shipped_program())),
    }
    assert {t for t in topics if may_read(reporting, t)} == set(EVENT_TOPICS)
    assert {t for t in topics if _writes(reporting, t)} == {
        REPORTING_FACTS,
        *(dlq_topic(t) for t in EVENT_TOPICS),
    }


def test_partners_may_only_submit(users: dict[str, Principal]) -> None:
    partner = users["partner-lasd"]
    topics = [t.name for t in deployment_topics(shipped_program())]
    assert [t for t in topics if _writes(partner, t)] == [INBOUND_REFERRALS]
    assert not [t for t in topics if may_read(partner, t)]
