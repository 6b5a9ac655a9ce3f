"""Helpers for the pages' end-to-end tests: people with tokens, a signed-in HTTP client, the
browser checks every page must pass (axe-core in the page, 360 px, keyboard), and reads of what
the services recorded."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
from axe_playwright_python.base import AXE_FILE_PATH
from playwright.async_api import Page

from services.devstack.stack import LocalStack
from services.platform.auth import Role
from services.platform.settings import Settings
from services.tokens import create_token
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import intake_count
from tests.integration.support import eventually

AXE_SCRIPT = AXE_FILE_PATH.read_text()
"""axe-core as shipped in the ``axe-playwright-python`` wheel: nothing is fetched at test time."""
SERIOUS = ("serious", "critical")
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@dataclass(frozen=True)
class People:
    """A person of each kind the scenario needs, by their personal tokens."""

    case_manager: str  # chpla, Hollywood
    other_case_manager: str  # hopics, South LA / North Long Beach
    prosecutor: str  # lacityatty, LAPD's misdemeanors at Hollywood
    other_prosecutor: str  # lada
    evaluator: str


async def people(database_url: str) -> People:
    settings = Settings(database_url=database_url)

    async def token(role: Role, agency: str) -> str:
        return await create_token(settings, role, agency)

    return People(
        await token(Role.case_manager, "chpla"),
        await token(Role.case_manager, "hopics"),
        await token(Role.prosecutor, "lacityatty"),
        await token(Role.prosecutor, "lada"),
        await token(Role.evaluator, "evaluator"),
    )


def prebooking(given: str, family: str, days_ago: int, report: str, **site: str) -> dict[str, Any]:
    """A pre-booking referral made ``days_ago`` (Hollywood, LAPD, City Attorney unless told)."""
    agency = site.get("agency", "lapd")
    return {
        "pathway": "prebooking",
        "site": site.get("site", "hollywood"),
        "referred_at": (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(),
        "referring_agency": agency,
        "person": {"given_name": given, "family_name": family, "date_of_birth": "1988-04-05"},
        "gender": "female",
        "ethnicity": "latinx",
        "arrest": {
            "report_number": report,
            "arresting_agency": agency,
            "prosecuting_agency": site.get("prosecutor", "lacityatty"),
            "charges": [
                {"statute": "HS 11350(a)", "description": "possession", "level": "misdemeanor"}
            ],
        },
    }


def unique(prefix: str) -> str:
    return f"{prefix}{uuid4().hex[:6].upper()}"


def form_token(html: str) -> str:
    found = FORM_TOKEN.search(html)
    assert found, html[:2000]
    return found.group(1)


@asynccontextmanager
async def signed_in(base_url: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client holding a session of the person ``token`` stands for."""
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        form = await client.get("/sign-in")
        answer = await client.post(
            "/sign-in", data={"token": token, "form_token": form_token(form.text), "next": "/"}
        )
        assert answer.status_code == 303, answer.text
        yield client


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.evaluate(AXE_SCRIPT)
    found: list[dict[str, Any]] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:160]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


async def fits_360(page: Page) -> bool:
    """Nothing on the page is wider than a 360 px screen (no sideways scrolling)."""
    size = page.viewport_size
    await page.set_viewport_size({"width": 360, "height": 800})
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    if size is not None:
        await page.set_viewport_size(size)
    return width <= 360


async def check_page(page: Page) -> None:
    """What every page must be: no serious accessibility violation, usable at 360 px."""
    assert await serious_violations(page) == [], page.url
    assert await fits_360(page), f"{page.url} is wider than 360 px"


async def tab_to(page: Page, selector: str, presses: int = 80) -> None:
    """Move the focus with the Tab key alone until it is on ``selector`` (it must get there)."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the keyboard on {page.url}")


async def notice_of(stack: LocalStack, report: str) -> str:
    """The notice of ``report`` (as an admin reads ``GET /notices``), once it was issued."""
    found: list[str] = []

    async def issued() -> bool:
        async with httpx.AsyncClient(timeout=15) as client:
            notices = (await client.get(f"{stack.url('abeyance')}/notices", headers=ADMIN)).json()
        found[:] = [n["notice_id"] for n in notices if n["report_number"] == report]
        return bool(found)

    await eventually(issued, timeout_s=60)
    return found[0]


async def reload_until(page: Page, text: str, timeout_s: float = 60) -> None:
    async def shown() -> bool:
        await page.reload()
        return text in await page.inner_text("main")

    await eventually(shown, timeout_s=timeout_s)


async def events_of(stack: LocalStack, referral_id: str) -> int:
    return await intake_count(
        stack, "SELECT count(*) FROM event_store WHERE stream_id = $1", referral_id
    )
