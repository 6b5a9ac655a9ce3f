"""One stack for the pages' end-to-end tests (this package), the people who use the pages,
their cases, and headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from services.devstack.browser import launch_chromium
from services.devstack.stack import LocalStack
from tests.conftest import Infra
from tests.e2e.conftest import ADMIN, running_stack
from tests.e2e.intake_support import intake_count, social_contact
from tests.e2e.pages.support import People, people, prebooking, unique
from tests.integration.support import eventually


@pytest.fixture(scope="package")
def stack(infra: Infra) -> Iterator[LocalStack]:
    """Shared by the modules of this package (the pages' tests start one stack, not three)."""
    yield from running_stack(infra)


@dataclass(frozen=True)
class Case:
    referral_id: str
    name: str
    report: str


@dataclass(frozen=True)
class Cases:
    due: Case  # Hollywood, referred 25 days ago: 5 days left
    later: Case  # Hollywood, referred 10 days ago
    elsewhere: Case  # South LA / North Long Beach (hopics), LASD to the District Attorney


@pytest.fixture(scope="package")
async def persons(stack: LocalStack) -> People:
    return await people(stack.database_url)


async def _refer(client: httpx.AsyncClient, body: dict[str, Any]) -> Case:
    made = await client.post("/referrals", json=body, headers=ADMIN)
    assert made.status_code == 201, made.text
    person, arrest = body["person"], body.get("arrest") or {}
    name = f"{person['given_name']} {person['family_name']}"
    return Case(made.json()["referral_id"], name, arrest.get("report_number", ""))


@pytest.fixture(scope="package")
async def cases(stack: LocalStack) -> Cases:
    family = unique("Pagetest")
    async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=15) as client:
        due = await _refer(client, prebooking("Nia", family, 25, unique("LAPD-PG-")))
        later = await _refer(client, prebooking("Omar", family, 10, unique("LAPD-PG-")))
        social = social_contact("lapd", "hollywood")
        social["person"] = {
            "given_name": "Pia",
            "family_name": family,
            "date_of_birth": "1979-05-06",
        }
        await _refer(client, social)
        elsewhere = await _refer(
            client,
            prebooking(
                "Quinn",
                family,
                20,
                unique("LASD-PG-"),
                site="south-la-north-long-beach",
                agency="lasd",
                prosecutor="lada",
            ),
        )

    async def deadlines_known() -> bool:
        known = await intake_count(
            stack,
            "SELECT count(*) FROM abeyance_view WHERE referral_id = ANY($1::uuid[])",
            [due.referral_id, later.referral_id, elsewhere.referral_id],
        )
        return known == 3

    await eventually(deadlines_known, timeout_s=60)
    return Cases(due, later, elsewhere)


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await launch_chromium(playwright)
        yield chromium
        await chromium.close()
