"""The client side of the fault-injection run: referrals and their case events, sent as a
careful partner would send them (each write with its own ``Idempotency-Key``, retried with the
same key on a lost connection or a 5xx until it is acknowledged).

Every pre-booking referral follows a story whose outcome is known in advance (the abeyance
rule, domain.md), so the checks can compare the system's decisions with the expected ones.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx

PREBOOKING_SITES = (
    ("hollywood", "lapd", "lacityatty"),
    ("south-la-north-long-beach", "lasd", "lada"),
    ("south-la-north-long-beach", "lbpd", "lbcp"),
    ("east-la", "lasd", "lada"),
)
SOCIAL_CONTACT = (("south-la-north-long-beach", "la-probation"), ("hollywood", "lapd"))
COMMUNITY = (("east-la", "lahsa"), ("hollywood", "dmh"))


class Story(StrEnum):
    """What happens to a referral, and so what the system must decide."""

    DECLINED = "declined"  # recent; assessment and care plan in time
    PENDING = "pending"  # recent; the assessment only
    EXPIRED = "expired"  # 45 days old; nothing done
    RESCINDED = "rescinded"  # 45 days old; both steps done in time, recorded after the expiry
    WITHDRAWN = "withdrawn"  # recent; the participant withdrew
    LATE_WITHDRAWAL = "late_withdrawal"  # 45 days old; withdrew in time, recorded late
    OTHER_PATHWAY = "other_pathway"  # social contact or community: no abeyance


EXPECTED_STATE = {
    Story.DECLINED: ("declined", False),
    Story.PENDING: ("pending", False),
    Story.EXPIRED: ("expired", False),
    Story.RESCINDED: ("declined", True),
    Story.WITHDRAWN: ("ended", False),
    Story.LATE_WITHDRAWAL: ("ended", True),
}
"""The abeyance's final (state, rescinded) for each pre-booking story."""

EXPECTED_NOTICES = {
    Story.DECLINED: {"declined"},
    Story.EXPIRED: {"expired"},
    Story.RESCINDED: {"expired", "rescinded"},
    Story.LATE_WITHDRAWAL: {"expired", "rescinded"},
}


@dataclass
class Written:
    """What the client saw: acknowledged referrals and writes, and every answer's status."""

    referrals: dict[str, Story] = field(default_factory=dict)
    """Acknowledged referral id -> its story."""
    case_events: Counter[str] = field(default_factory=Counter)
    """Acknowledged case events per referral id."""
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    unacknowledged: int = 0
    refused: list[str] = field(default_factory=list)
    """Writes answered 4xx: the run's own planning was wrong (the checks fail on any)."""


@dataclass(frozen=True)
class Step:
    path: str
    body: dict[str, Any]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _person(rng: random.Random, i: int) -> dict[str, str]:
    return {
        "given_name": f"Chaos{i}",
        "family_name": rng.choice(["Synthetic", "Example", "Fixture", "Sample"]),
        "date_of_birth": f"{rng.randint(1950, 2003)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
    }


def story_for(rng: random.Random) -> Story:
    if rng.random() >= 0.5:
        return Story.OTHER_PATHWAY
    return rng.choice([s for s in Story if s is not Story.OTHER_PATHWAY])


def plan_referral(rng: random.Random, i: int, now: datetime) -> tuple[Story, dict[str, Any]]:
    story = story_for(rng)
    old = story in (Story.EXPIRED, Story.RESCINDED, Story.LATE_WITHDRAWAL)
    referred_at = now - (timedelta(days=45) if old else timedelta(hours=2))
    body: dict[str, Any] = {"referred_at": _iso(referred_at), "person": _person(rng, i)}
    if story is Story.OTHER_PATHWAY:
        if rng.random() < 0.7:
            site, agency = rng.choice(SOCIAL_CONTACT)
            return story, body | {
                "pathway": "social_contact",
                "site": site,
                "referring_agency": agency,
            }
        site, agency = rng.choice(COMMUNITY)
        return story, body | {"pathway": "community", "site": site, "referring_agency": agency}
    site, police, prosecutor = rng.choice(PREBOOKING_SITES)
    arrest = {
        "report_number": f"CHAOS-{i:06d}",
        "arresting_agency": police,
        "prosecuting_agency": prosecutor,
        "charges": [
            {"statute": "HS 11377(a)", "description": "possession", "level": "misdemeanor"}
        ],
    }
    body |= {"pathway": "prebooking", "site": site, "referring_agency": police, "arrest": arrest}
    return story, body


def case_steps(story: Story, referred_at: datetime, rng: random.Random) -> list[Step]:
    """The case events of a story, in the order a case manager records them."""
    done = {
        Story.DECLINED: [referred_at + timedelta(minutes=30), referred_at + timedelta(minutes=60)],
        Story.RESCINDED: [referred_at + timedelta(days=3), referred_at + timedelta(days=5)],
        Story.PENDING: [referred_at + timedelta(minutes=30)],
    }.get(story, [])
    steps = [
        Step(path, {"completed_at": _iso(at)})
        for path, at in zip(("assessment", "care-plan"), done, strict=False)
    ]
    if story is Story.WITHDRAWN:
        steps.append(Step("withdrawal", {"withdrew_at": _iso(referred_at + timedelta(hours=1))}))
    if story is Story.LATE_WITHDRAWAL:
        steps.append(Step("withdrawal", {"withdrew_at": _iso(referred_at + timedelta(days=3))}))
    if story is Story.OTHER_PATHWAY and rng.random() < 0.3:
        at = _iso(referred_at + timedelta(minutes=rng.randint(1, 100)))
        steps.append(
            Step("status", {"status": "inactive", "reason": "no contact", "changed_at": at})
        )
    return steps


class Client:
    """Writes with retries: the same key until acknowledged (or the patience runs out)."""

    def __init__(self, base_url: str, token: str, written: Written, patience_s: float) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=15)
        self._auth = {"Authorization": f"Bearer {token}"}
        self._written = written
        self._patience_s = patience_s

    async def close(self) -> None:
        await self._http.aclose()

    async def write(self, path: str, body: dict[str, Any], key: str) -> dict[str, Any] | None:
        """The acknowledged answer, or None when the write could not be acknowledged."""
        headers = {**self._auth, "Idempotency-Key": key}
        give_up = time.monotonic() + self._patience_s
        wait = 0.2
        while time.monotonic() < give_up:
            try:
                answer = await self._http.post(path, json=body, headers=headers)
            except httpx.TransportError:
                self._written.connection_errors += 1
            else:
                self._written.statuses[answer.status_code] += 1
                if answer.status_code < 300:
                    acknowledged: dict[str, Any] = answer.json()
                    return acknowledged
                if answer.status_code < 500:
                    self._written.refused.append(f"{path}: {answer.status_code} {answer.text}")
                    return None
            await asyncio.sleep(wait)
            wait = min(wait * 2, 2.0)
        self._written.unacknowledged += 1
        return None


async def send_story(
    client: Client, rng: random.Random, seed: int, i: int, now: datetime, written: Written
) -> None:
    story, body = plan_referral(rng, i, now)
    steps = case_steps(story, datetime.fromisoformat(body["referred_at"]), rng)
    made = await client.write("/referrals", body, f"chaos-{seed}-{i}-referral")
    if made is None:
        return
    referral_id = made["referral_id"]
    written.referrals[referral_id] = story
    for n, step in enumerate(steps):
        path = f"/referrals/{referral_id}/{step.path}"
        if await client.write(path, step.body, f"chaos-{seed}-{i}-{n}") is not None:
            written.case_events[referral_id] += 1


async def run_workload(
    base_url: str, token: str, *, referrals: int, seed: int, seconds: float, in_flight: int = 8
) -> Written:
    """Send ``referrals`` stories spread over about ``seconds`` (so faults land mid-stream)."""
    written = Written()
    client = Client(base_url, token, written, patience_s=max(120.0, seconds))
    now = datetime.now(UTC)
    rngs = [random.Random(f"{seed}/{i}") for i in range(referrals)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(referrals):
        queue.put_nowait(i)
    started = time.monotonic()

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            due = started + seconds * i / referrals
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await send_story(client, rngs[i], seed, i, now, written)

    try:
        await asyncio.gather(*(worker() for _ in range(in_flight)))
    finally:
        await client.close()
    return written
