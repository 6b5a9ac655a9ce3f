"""What the fault-injection run checks once everything is drained.

- every acknowledged referral and case event is in intake's event store exactly once, and no
  referral is there that the client does not know of;
- every acknowledged referral is in reporting exactly once; every pre-booking one has its
  abeyance, in the state its story decides, with exactly one notice per decision (in the
  database and on the prosecutors' topics; a notice delivered twice carries the same id);
- nothing was dead-lettered; reporting equals a rebuild from the log; abeyance's decisions agree
  with reporting's abeyance table; no request was answered 500.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from events.topics import HEADER_EVENT_ID, notices_topic
from services.platform import repair
from services.platform.kafka import read_all
from services.platform.settings import Settings, with_database
from services.reporting.domain.as_of import OPEN_POSITION
from tests.chaos.workload import EXPECTED_NOTICES, EXPECTED_STATE, Story, Written

PROSECUTORS = ("lacityatty", "lada", "lbcp")


@dataclass
class Findings:
    figures: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


async def _rows(server: str, service: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(with_database(server, f"lead_{service}"))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def check_intake(server: str, written: Written, found: Findings) -> None:
    rows = await _rows(
        server,
        "intake",
        "SELECT stream_id, event_type, count(*) AS n FROM event_store"
        " WHERE event_type <> 'DemographicsRecorded' GROUP BY 1, 2",
    )
    made = {r["stream_id"]: r["n"] for r in rows if r["event_type"] == "ReferralMade"}
    case = Counter[str]()
    for r in rows:
        if r["event_type"] != "ReferralMade":
            case[r["stream_id"]] += r["n"]
    acked = set(written.referrals)
    found.figures["intake_referrals"] = sum(made.values())
    found.expect(acked <= set(made), f"{len(acked - set(made))} acknowledged referrals lost")
    found.expect(set(made) <= acked, f"{len(set(made) - acked)} referrals nobody acknowledged")
    found.expect(all(n == 1 for n in made.values()), "a referral recorded twice")
    lost = [r for r, n in written.case_events.items() if case[r] < n]
    doubled = [r for r, n in written.case_events.items() if case[r] > n]
    found.expect(not lost, f"case events lost for {len(lost)} referrals")
    found.expect(not doubled, f"case events doubled for {len(doubled)} referrals")


async def check_reporting(server: str, written: Written, found: Findings) -> None:
    rows = await _rows(server, "reporting", "SELECT referral_id::text AS id FROM referrals")
    ids = Counter(r["id"] for r in rows)
    found.figures["reporting_referrals"] = len(rows)
    missing = set(written.referrals) - set(ids)
    found.expect(not missing, f"{len(missing)} acknowledged referrals missing in reporting")
    found.expect(all(n == 1 for n in ids.values()), "a referral counted twice in reporting")


async def check_abeyance(
    server: str, settings: Settings, written: Written, found: Findings
) -> None:
    prebooking = {r: s for r, s in written.referrals.items() if s is not Story.OTHER_PATHWAY}
    states = {
        r["id"]: (r["state"], r["rescinded"])
        for r in await _rows(
            server, "abeyance", "SELECT referral_id::text AS id, state, rescinded FROM abeyances"
        )
    }
    found.figures["abeyances"] = len(states)
    missing = set(prebooking) - set(states)
    found.expect(not missing, f"{len(missing)} pre-booking referrals never reached abeyance")
    wrong = [r for r, s in prebooking.items() if r in states and states[r] != EXPECTED_STATE[s]]
    found.expect(not wrong, f"{len(wrong)} abeyances decided otherwise than their story")
    notices = await _rows(
        server,
        "abeyance",
        "SELECT notice_id::text AS id, referral_id::text AS referral, decision FROM notices",
    )
    by_referral: dict[str, list[str]] = {}
    for n in notices:
        by_referral.setdefault(n["referral"], []).append(n["decision"])
    found.figures["notices"] = len(notices)
    off = [
        r
        for r, s in prebooking.items()
        if sorted(by_referral.get(r, [])) != sorted(EXPECTED_NOTICES.get(s, set()))
    ]
    found.expect(not off, f"{len(off)} referrals without exactly one notice per decision")
    await _check_notice_topics(settings, {n["id"] for n in notices}, found)
    reporting = {
        r["id"]: (r["state"], r["rescinded"])
        for r in await _rows(
            server,
            "reporting",
            "SELECT referral_id::text AS id, state, rescinded FROM abeyance_states"
            f" WHERE until_position = {OPEN_POSITION}",  # each abeyance's current version
        )
    }
    found.expect(reporting == states, "abeyance's decisions and reporting's table disagree")


async def _check_notice_topics(settings: Settings, recorded: set[str], found: Findings) -> None:
    delivered: Counter[str] = Counter()
    for agency in PROSECUTORS:
        topic = notices_topic(agency)
        records = await read_all(settings.kafka_bootstrap, topic)
        delivered.update(dict(r.headers)[HEADER_EVENT_ID].decode() for r in records)
    found.figures["notice_deliveries"] = sum(delivered.values())
    found.expect(set(delivered) == recorded, "notices on the topics differ from those decided")


async def check_dead_letters(settings: Settings, found: Findings) -> None:
    total = 0
    for topic in await repair.dead_letter_topics(settings):
        total += len(await repair.dead_letters(settings, topic))
    found.figures["dead_letters"] = total
    found.expect(total == 0, f"{total} messages dead-lettered")


def same_reports(live: dict[str, Any], rebuilt: dict[str, Any], found: Findings) -> None:
    def stable(report: dict[str, Any]) -> str:
        kept = {k: v for k, v in report.items() if k != "as_of"}
        kept["position"] = report.get("as_of", {}).get("position")
        return json.dumps(kept, sort_keys=True)

    differ = [n for n in live if stable(live[n]) != stable(rebuilt.get(n, {}))]
    found.expect(not differ, f"reports differ after a rebuild: {differ}")


def check_client(written: Written, found: Findings) -> None:
    found.figures["http_500"] = written.statuses[500]
    found.figures["http_503"] = written.statuses[503]
    found.figures["connection_errors"] = written.connection_errors
    found.expect(written.statuses[500] == 0, f"{written.statuses[500]} answers were 500")
    found.expect(not written.unacknowledged, f"{written.unacknowledged} writes never acknowledged")
    found.expect(not written.refused, f"writes refused: {written.refused[:3]}")
