"""End to end: abeyance decides once through crashes, and prosecutors see only their notices.

A referral dated in 2024 has long passed its deadline. Without assessment and care plan it ends
``expired``; with both (occurred within 30 days, but recorded now, i.e. late) it is expired first
and the completion then rescinds the expiry and declines. Referrals dated a few days ago, with
their steps, are declined at once.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import ConsumerRecord

from events.envelope import Envelope
from events.notice import NOTICE_EVENT_TYPE, REDISCLOSURE_STATEMENT, Notice
from events.topics import notices_topic
from services.devstack.stack import LocalStack
from services.platform.auth import Role
from tests.e2e.abeyance_support import (
    abeyance_rows,
    complete,
    header,
    post_referral,
    prebooking,
    read_all,
    wait_final,
)
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import bearer

pytestmark = pytest.mark.integration

LACITYATTY = notices_topic("lacityatty")
FORBIDDEN_KEYS = (
    "assessment",
    "care_plan",
    "completed",
    "treatment",
    "diagnosis",
    "completion_condition",
    "outstanding",
    "basis",
)
NOTICE_FIELDS = (
    "notice_id",
    "referral_id",
    "prosecuting_agency",
    "decision",
    "report_number",
    "charges",
    "issued_at",
    "acknowledged_at",
    "overdue",
)


def _iso(at: datetime) -> str:
    return at.isoformat()


def _recent(days_ago: float) -> str:
    """A time in the recent past: a deadline that has not passed yet."""
    return _iso(datetime.now(UTC) - timedelta(days=days_ago))


def _progress(stack: LocalStack, ids: list[str]) -> tuple[int, int, int]:
    """How many of ``ids`` are decided, how many notices they have, how many are unsent."""
    keys = [uuid.UUID(i) for i in ids]
    decided = abeyance_rows(
        stack,
        "SELECT referral_id FROM abeyances WHERE referral_id = any($1) AND state <> 'pending'",
        keys,
    )
    notices = abeyance_rows(
        stack, "SELECT notice_id FROM notices WHERE referral_id = any($1)", keys
    )
    unsent = abeyance_rows(
        stack,
        "SELECT id FROM outbox WHERE sent_at IS NULL AND key = any($1) AND topic = $2",
        [i.encode() for i in ids],
        LACITYATTY,
    )
    return len(decided), len(notices), len(unsent)


def _kill(stack: LocalStack, ids: list[str], log: list[str], label: str) -> tuple[int, int, int]:
    stack.stop_service("abeyance", signal.SIGKILL)
    progress = _progress(stack, ids)
    log.append(f"{label}: {progress[0]} decided, {progress[1]} notices, {progress[2]} unsent")
    return progress


def _await_progress(
    stack: LocalStack, ids: list[str], before: tuple[int, int, int], timeout_s: float = 15
) -> None:
    """Until abeyance (just restarted) has committed something new, or has nothing left to do."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = _progress(stack, ids)
        if now != before or (now[0] == len(ids) and now[2] == 0 and now[1] > len(ids)):
            return
        time.sleep(0.02)


# 1. Exactly one decision and one notice per decision, through SIGKILLs ---------------------


def test_each_referral_is_decided_and_noticed_once_through_sigkills(stack: LocalStack) -> None:
    """Half the referrals have assessment and care plan within 30 days, recorded now.

    Recorded now, two years after the deadline, they are late: the partition clock (recorded
    time) passes the deadline before they apply, so the abeyance expires and the completion then
    rescinds the expiry and declines (domain.md: "if an expiry notice already went out, a
    correction rescinds it"). Either way each decision is taken, and noticed, exactly once.
    """
    base = datetime(2024, 5, 14, 10, 30, tzinfo=UTC)
    log: list[str] = []
    started = time.monotonic()
    expiring: list[str] = []
    declining: list[str] = []
    with httpx.Client(timeout=15) as client:
        for i in range(40):
            at = base + timedelta(minutes=i)
            referral_id = post_referral(client, stack, prebooking(_iso(at)))
            if i % 2:
                steps = (at + timedelta(days=6), at + timedelta(days=8, hours=i))
                complete(client, stack, referral_id, (_iso(steps[0]), _iso(steps[1])))
                declining.append(referral_id)
            else:
                expiring.append(referral_id)
        every = expiring + declining
        progress = _kill(stack, every, log, "killed right after posting")
        stack.restart_service("abeyance")
        _await_progress(stack, every, progress)
        _kill(stack, every, log, "killed as soon as it committed something")
        stack.restart_service("abeyance")
        time.sleep(0.5)
        _kill(stack, every, log, "killed after a short moment")
        stack.restart_service("abeyance")
        want = dict.fromkeys(expiring, "expired") | dict.fromkeys(declining, "declined")
        final = wait_final(client, stack, every, want)
    log.append(f"all final after {time.monotonic() - started:.1f}s")

    assert {final[i]["state"] for i in expiring} == {"expired"}, log
    assert {final[i]["state"] for i in declining} == {"declined"}, log
    expected: Counter[tuple[str, str]] = Counter()
    for referral_id in expiring:
        kinds = Counter(event["event_type"] for event in final[referral_id]["history"])
        assert kinds == {"AbeyanceStarted": 1, "AbeyanceExpired": 1}, (referral_id, kinds)
        expected[(referral_id, "expired")] += 1
    rescinded = 0
    for referral_id in declining:
        history = [event["event_type"] for event in final[referral_id]["history"]]
        kinds = Counter(history)
        assert kinds["AbeyanceStarted"] == 1 and kinds["ChargesDeclined"] == 1, (referral_id, kinds)
        assert history[-1] == "ChargesDeclined", (referral_id, history)
        if kinds["AbeyanceExpired"]:
            # the expiry stood until the late completion rescinded it, once
            assert history == [
                "AbeyanceStarted",
                "AbeyanceExpired",
                "AbeyanceExpiryRescinded",
                "ChargesDeclined",
            ], (referral_id, history)
            assert final[referral_id]["rescinded"] is True
            expected[(referral_id, "expired")] += 1
            expected[(referral_id, "rescinded")] += 1
            rescinded += 1
        else:
            assert history == ["AbeyanceStarted", "ChargesDeclined"], (referral_id, history)
            expected[(referral_id, "declined")] += 1
    log.append(f"{rescinded} of {len(declining)} declines rescinded an expiry first")

    rows = abeyance_rows(
        stack,
        "SELECT referral_id, decision, notice_id FROM notices WHERE referral_id = any($1)",
        [uuid.UUID(i) for i in every],
    )
    stored = Counter((str(row["referral_id"]), row["decision"]) for row in rows)
    assert stored == expected, "exactly one notice row per decision"
    notice_ids = {str(row["notice_id"]) for row in rows}
    assert len(notice_ids) == len(rows)

    records = _notices_on_topic(stack, set(every), notice_ids)
    on_topic = [notice_of(r) for r in records]
    distinct = {n["notice_id"] for n in on_topic}
    duplicates = len(on_topic) - len(distinct)
    log.append(f"{len(on_topic)} notices on the topic ({duplicates} raw duplicates)")
    print("\n".join(log))
    assert distinct == notice_ids, log
    published = Counter(
        (n["referral_id"], n["decision"]) for n in {n["notice_id"]: n for n in on_topic}.values()
    )
    assert published == expected, log
    for record, notice in zip(records, on_topic, strict=True):
        assert header(record, "notice_id") == notice["notice_id"]
        assert header(record, "decision") == notice["decision"]
        assert record.key is not None and record.key.decode() == notice["referral_id"]


def notice_of(record: ConsumerRecord[bytes, bytes]) -> dict[str, Any]:
    """The notice a record carries, checked to travel in the envelope like every message."""
    envelope = Envelope.model_validate_json(record.value)
    assert envelope.event_type == NOTICE_EVENT_TYPE == header(record, "event_type")
    assert str(envelope.event_id) == envelope.payload["notice_id"] == header(record, "event_id")
    assert envelope.subject == envelope.payload["referral_id"]
    assert header(record, "schema_version") == "1"
    return envelope.payload


def _notices_on_topic(
    stack: LocalStack, referral_ids: set[str], notice_ids: set[str]
) -> list[ConsumerRecord[bytes, bytes]]:
    """The lacityatty topic's records of ``referral_ids``, once all ``notice_ids`` are in."""
    deadline = time.monotonic() + 30
    while True:
        records = [
            r
            for r in read_all(stack.kafka_bootstrap, LACITYATTY)
            if r.key is not None and r.key.decode() in referral_ids
        ]
        seen = {header(r, "notice_id") for r in records}
        if notice_ids <= seen or time.monotonic() > deadline:
            return records
        time.sleep(0.5)


# 2. Who may read and acknowledge which notices ----------------------------------------------


def test_prosecutors_see_and_acknowledge_only_their_own_notices(stack: LocalStack) -> None:
    city = bearer(stack, Role.prosecutor, "lacityatty")
    county = bearer(stack, Role.prosecutor, "lada")
    police = bearer(stack, Role.law_enforcement, "lapd")
    abeyance = stack.url("abeyance")
    with httpx.Client(timeout=15) as client:
        declined = post_referral(client, stack, prebooking(_recent(3)))
        complete(client, stack, declined, (_recent(2), _recent(1)))
        expired = post_referral(client, stack, prebooking("2024-03-02T09:00:00-08:00"))
        county_case = post_referral(
            client, stack, prebooking("2024-03-03T09:00:00-08:00", prosecutor="lada")
        )
        elsewhere = post_referral(
            client,
            stack,
            prebooking(
                _recent(3), site="south-la-north-long-beach", agency="lasd", prosecutor="lada"
            ),
        )
        complete(client, stack, elsewhere, (_recent(2), _recent(1)))
        final = wait_final(
            client,
            stack,
            [declined, expired, county_case, elsewhere],
            {
                declined: "declined",
                expired: "expired",
                county_case: "expired",
                elsewhere: "declined",
            },
        )
        assert [final[i]["state"] for i in (declined, expired, county_case, elsewhere)] == [
            "declined",
            "expired",
            "expired",
            "declined",
        ]

        mine = client.get(f"{abeyance}/notices", headers=city)
        assert mine.status_code == 200, mine.text
        notices = mine.json()
        assert {n["prosecuting_agency"] for n in notices} == {"lacityatty"}
        for notice in notices:
            assert set(NOTICE_FIELDS) <= set(notice), notice
        issued = [datetime.fromisoformat(n["issued_at"]) for n in notices]
        assert issued == sorted(issued, reverse=True), "newest first"
        by_referral = {n["referral_id"]: n for n in notices}
        assert {declined, expired} <= set(by_referral)
        assert county_case not in by_referral and elsewhere not in by_referral
        notice = by_referral[declined]
        assert notice["decision"] == "declined"
        assert notice["report_number"] == final[declined]["report_number"]
        assert notice["charges"][0]["statute"] == "HS 11350(a)"
        assert notice["acknowledged_at"] is None and notice["overdue"] is False
        assert by_referral[expired]["decision"] == "expired"

        theirs = client.get(f"{abeyance}/notices", headers=county)
        assert theirs.status_code == 200, theirs.text
        assert {n["prosecuting_agency"] for n in theirs.json()} == {"lada"}
        county_referrals = {n["referral_id"] for n in theirs.json()}
        assert {county_case, elsewhere} <= county_referrals
        assert declined not in county_referrals and expired not in county_referrals

        ack = f"{abeyance}/notices/{notice['notice_id']}/acknowledge"
        assert client.post(ack, headers=county).status_code == 403
        assert client.post(ack, headers=police).status_code == 403
        assert client.post(ack).status_code == 401
        first = client.post(ack, headers=city)
        assert first.status_code == 200, first.text
        acknowledged_at = first.json()["acknowledged_at"]
        assert acknowledged_at is not None
        second = client.post(ack, headers=city)
        assert second.status_code == 200, second.text
        assert second.json()["acknowledged_at"] == acknowledged_at, "idempotent"
        again = {n["notice_id"]: n for n in client.get(f"{abeyance}/notices", headers=city).json()}
        assert again[notice["notice_id"]]["acknowledged_at"] == acknowledged_at
        assert again[notice["notice_id"]]["overdue"] is False
        unknown = f"{abeyance}/notices/{uuid.uuid4()}/acknowledge"
        assert client.post(unknown, headers=city).status_code == 404

        assert client.get(f"{abeyance}/notices", headers=police).status_code == 403
        assert client.get(f"{abeyance}/notices").status_code == 401

        listed = client.get(
            f"{abeyance}/abeyances",
            params={"state": "declined", "site": "hollywood"},
            headers=ADMIN,
        )
        assert listed.status_code == 200, listed.text
        rows = listed.json()
        assert rows and all(r["state"] == "declined" and r["site"] == "hollywood" for r in rows)
        ids = {r["referral_id"] for r in rows}
        assert declined in ids
        assert not {expired, county_case, elsewhere} & ids
        for row in rows:  # each listed with its history, as GET /abeyances/{id} gives it
            history = [e["event_type"] for e in row["history"]]
            assert history[0] == "AbeyanceStarted" and "ChargesDeclined" in history, history
        mine = client.get(f"{abeyance}/abeyances", params={"state": "", "site": ""}, headers=city)
        assert mine.status_code == 200, mine.text  # an empty filter is no filter
        assert {r["prosecuting_agency"] for r in mine.json()} == {"lacityatty"}
        assert {declined, expired} <= {r["referral_id"] for r in mine.json()}
        missing = client.get(f"{abeyance}/abeyances/{uuid.uuid4()}", headers=ADMIN)
        assert missing.status_code == 404
        assert client.get(f"{abeyance}/abeyances/{uuid.uuid4()}", headers=police).status_code == 403


# 3. What a notice on the bus carries ---------------------------------------------------------


def test_notices_on_the_bus_carry_nothing_about_treatment(stack: LocalStack) -> None:
    with httpx.Client(timeout=15) as client:
        declined = post_referral(client, stack, prebooking(_recent(4)))
        complete(client, stack, declined, (_recent(3), _recent(2)))
        expired = post_referral(client, stack, prebooking("2024-02-01T08:00:00-08:00"))
        wait_final(client, stack, [declined, expired], {declined: "declined", expired: "expired"})
    rows = abeyance_rows(
        stack,
        "SELECT notice_id FROM notices WHERE referral_id = any($1)",
        [uuid.UUID(declined), uuid.UUID(expired)],
    )
    assert len(rows) == 2
    records = _notices_on_topic(stack, {declined, expired}, {str(r["notice_id"]) for r in rows})
    assert {r.key.decode() for r in records if r.key is not None} == {declined, expired}

    every = read_all(stack.kafka_bootstrap, LACITYATTY)
    assert len(every) >= 2
    allowed = set(Notice.model_fields)
    for record in every:
        payload = notice_of(record)
        assert set(payload) <= allowed, set(payload) - allowed
        for key in payload:
            assert not any(word in key for word in FORBIDDEN_KEYS), key
        assert payload["redisclosure_statement"] == REDISCLOSURE_STATEMENT
        assert "42 CFR part 2" in payload["redisclosure_statement"]
        rest = json.dumps({k: v for k, v in payload.items() if k != "redisclosure_statement"})
        for word in ("assessment", "care_plan", "care plan", "completed", "diagnos", "treatment"):
            assert word not in rest.lower(), (word, payload)
        assert payload["prosecuting_agency"] == "lacityatty"
        dated = {"declined": "declined_on", "expired": "expired_on", "rescinded": "rescinded_on"}
        assert payload.get(dated[payload["decision"]]), payload


def test_declaring_a_history_complete_is_for_admins_and_only_on_event_time(
    stack: LocalStack,
) -> None:
    """This stack's abeyance follows the wall clock: the declaration is refused, nothing fires."""
    url = f"{stack.url('abeyance')}/timers/fire"
    now = {"until": datetime.now(UTC).isoformat()}
    with httpx.Client(timeout=15) as client:
        assert client.post(url, json=now).status_code == 401
        prosecutor = bearer(stack, Role.prosecutor, "lacityatty")
        assert client.post(url, json=now, headers=prosecutor).status_code == 403
        naive = client.post(url, json={"until": "2024-01-01T00:00:00"}, headers=ADMIN)
        assert naive.status_code == 422
        assert "until" in json.dumps(naive.json()["detail"])
        ancient = {"until": "0001-01-01T00:00:00+14:00"}  # found by fuzzing: was a 500
        far = client.post(url, json=ancient, headers=ADMIN)
        assert far.status_code == 422
        assert far.json()["detail"][0]["loc"] == ["body", "until"]
        live = client.post(url, json=now, headers=ADMIN)
        assert live.status_code == 409
        assert "wall clock" in live.json()["detail"]
