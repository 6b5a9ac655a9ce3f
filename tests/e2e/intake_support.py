"""Requests and tokens for intake's end-to-end tests (synthetic people only)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import asyncpg

from services.devstack.stack import LocalStack
from services.platform.auth import Role
from services.platform.settings import Settings, with_database
from services.tokens import create_token

PREBOOKING: dict[str, Any] = {
    "pathway": "prebooking",
    "site": "hollywood",
    "referred_at": "2024-05-14T10:30:00-07:00",
    "referring_agency": "lapd",
    "person": {"given_name": "Testa", "family_name": "Synthetic", "date_of_birth": "1990-02-03"},
    "gender": "female",
    "ethnicity": "latinx",
    "arrest": {
        "report_number": "LAPD-24-0001",
        "arresting_agency": "lapd",
        "prosecuting_agency": "lacityatty",
        "charges": [
            {"statute": "HS 11350(a)", "description": "possession", "level": "misdemeanor"}
        ],
    },
}


def referral(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(PREBOOKING)
    body.update(changes)
    return body


def social_contact(
    agency: str = "la-probation", site: str = "south-la-north-long-beach"
) -> dict[str, Any]:
    body = referral(pathway="social_contact", site=site, referring_agency=agency)
    del body["arrest"]
    return body


def community(agency: str = "lahsa", site: str = "east-la") -> dict[str, Any]:
    body = referral(pathway="community", site=site, referring_agency=agency)
    del body["arrest"]
    return body


def bearer(stack: LocalStack, role: Role, agency: str) -> dict[str, str]:
    settings = Settings(database_url=stack.database_url)
    return {"Authorization": f"Bearer {asyncio.run(create_token(settings, role, agency))}"}


async def intake_count(stack: LocalStack, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(with_database(stack.database_url, "lead_intake"))
    try:
        count: int = await conn.fetchval(sql, *args)
    finally:
        await conn.close()
    return count


def recorded(stack: LocalStack) -> tuple[int, int]:
    """How many events and outbox rows intake holds (to show that nothing was recorded)."""
    events = asyncio.run(intake_count(stack, "SELECT count(*) FROM event_store"))
    outbox = asyncio.run(intake_count(stack, "SELECT count(*) FROM outbox"))
    return events, outbox
