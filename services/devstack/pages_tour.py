"""The pages for people, shown on a running stack: a token for one person of each role, the
addresses of the pages each of them uses, and a screenshot of every page.

For ``lead demo --keep-running`` (and the README's screenshots): given a started
``LocalStack``, ``show_pages(stack, Path("out/pages"))`` prints the lines and keeps the PNGs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from playwright.async_api import Browser, Locator, Page, async_playwright

from services.devstack.browser import launch_chromium
from services.devstack.stack import LocalStack
from services.platform.auth import Role
from services.platform.settings import Settings
from services.tokens import create_token

PAGES: Final[Mapping[Role, tuple[tuple[str, str], ...]]] = {
    Role.case_manager: (("intake", "/caseload"),),
    Role.prosecutor: (("abeyance", "/inbox"),),
    Role.evaluator: (("reporting", "/overview"),),
    Role.admin: (("abeyance", "/inbox"), ("reporting", "/overview")),
}
"""The pages each role signs in to (the rest of the roles use the API)."""

AGENCIES: Final[Mapping[Role, str]] = {
    Role.case_manager: "hopics",
    Role.prosecutor: "lada",
    Role.law_enforcement: "lasd",
    Role.justice_partner: "la-probation",
    Role.community_partner: "lahsa",
    Role.program_partner: "usc-keck",
    Role.oend: "oend",
    Role.evaluator: "evaluator",
    Role.admin: "admin",
}
"""One person of each role: the agency whose token they hold (in the demo's LA County data,
SSG-HOPICS and the District Attorney have the most cases)."""


@dataclass(frozen=True)
class Person:
    role: Role
    agency: str
    token: str


async def people_of_each_role(
    settings: Settings, agencies: Mapping[Role, str] = AGENCIES
) -> list[Person]:
    """A new personal token for one person of each role (stored hashed in every service)."""
    return [
        Person(role, agency, await create_token(settings, role, agency))
        for role, agency in agencies.items()
    ]


def page_lines(urls: Mapping[str, str], people: Sequence[Person]) -> list[str]:
    """Who signs in where, with which token; the public report needs none."""
    lines = ["Pages for people (sign in with the token shown; synthetic data only):"]
    for person in people:
        who = f"{person.role.value.replace('_', ' ')} ({person.agency})"
        pages = PAGES.get(person.role)
        where = " ".join(f"{urls[s]}{p}" for s, p in pages) if pages else "API only"
        lines.append(f"  {who:<36} {where}")
        lines.append(f"  {'':<36} token {person.token}")
    lines.append(f"  {'public report (no token)':<36} {urls['reporting']}/report")
    return lines


async def sign_in(page: Page, base_url: str, path: str, token: str) -> None:
    """Open ``path``, which sends a stranger to the sign-in page, and sign in with ``token``."""
    await page.goto(f"{base_url}{path}")
    await page.fill("#token", token)
    await page.click("form[action='/sign-in'] button[type=submit]")
    await page.wait_for_url(f"{base_url}{path}*")


async def screenshot_pages(
    urls: Mapping[str, str], people: Sequence[Person], out_dir: Path
) -> list[Path]:
    """A full-page PNG of each page (the first case and notice listed for the pages of one),
    as the first person of each role sees it; the caseload also 360 px wide."""
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    first = {p.role: p for p in reversed(people)}
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            shots = [await _sign_in_page(browser, urls["intake"], out_dir)]
            if Role.case_manager in first:
                shots += await _caseload(browser, urls["intake"], first[Role.case_manager], out_dir)
            if Role.prosecutor in first:
                shots += await _inbox(browser, urls["abeyance"], first[Role.prosecutor], out_dir)
            if Role.evaluator in first:
                shots += await _overview(browser, urls["reporting"], first[Role.evaluator], out_dir)
        finally:
            await browser.close()
    return shots


async def _shot(page: Page, path: Path) -> Path:
    await page.screenshot(path=str(path), full_page=True)
    return path


async def _sign_in_page(browser: Browser, base_url: str, out_dir: Path) -> Path:
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    await page.goto(f"{base_url}/sign-in")
    shot = await _shot(page, out_dir / "sign-in.png")
    await page.close()
    return shot


@asynccontextmanager
async def _signed_in(
    browser: Browser, base_url: str, path: str, person: Person
) -> AsyncIterator[Page]:
    """A page of a fresh browser context, signed in as ``person`` and showing ``path``."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await sign_in(page, base_url, path, person.token)
        yield page
    finally:
        await context.close()


async def _follow(page: Page, link: Locator, path: Path) -> list[Path]:
    """A screenshot of where ``link`` leads, when the page has one."""
    if not await link.count():
        return []
    await link.click()
    await page.wait_for_load_state()
    return [await _shot(page, path)]


async def _caseload(browser: Browser, base_url: str, person: Person, out_dir: Path) -> list[Path]:
    async with _signed_in(browser, base_url, "/caseload", person) as page:
        shots = [await _shot(page, out_dir / "caseload.png")]
        await page.set_viewport_size({"width": 360, "height": 800})
        shots.append(await _shot(page, out_dir / "caseload-360.png"))
        await page.set_viewport_size({"width": 1280, "height": 900})
        due_soon = page.locator("table.caseload tr.due-soon a")
        case = (due_soon if await due_soon.count() else page.locator("table.caseload a")).first
        return shots + await _follow(page, case, out_dir / "referral.png")


async def _inbox(browser: Browser, base_url: str, person: Person, out_dir: Path) -> list[Path]:
    async with _signed_in(browser, base_url, "/inbox", person) as page:
        shots = [await _shot(page, out_dir / "inbox.png")]
        printable = page.locator("a[href^='/inbox/']").first
        return shots + await _follow(page, printable, out_dir / "notice.png")


async def _overview(browser: Browser, base_url: str, person: Person, out_dir: Path) -> list[Path]:
    async with _signed_in(browser, base_url, "/overview", person) as page:
        return [await _shot(page, out_dir / "overview.png")]


def pages_and_people(
    stack: LocalStack, agencies: Mapping[Role, str] = AGENCIES
) -> tuple[dict[str, str], list[Person]]:
    """The services' addresses on a running stack, and a new token for one person of each role."""
    settings = Settings(database_url=stack.database_url, kafka_bootstrap=stack.kafka_bootstrap)
    urls = {service: stack.url(service) for service in stack.services}
    return urls, asyncio.run(people_of_each_role(settings, agencies))


def show_pages(
    stack: LocalStack, out_dir: Path, agencies: Mapping[Role, str] = AGENCIES
) -> list[Path]:
    """On a running stack: tokens for one person of each role, the pages' addresses printed,
    a screenshot of each page under ``out_dir``; the screenshots' paths."""
    urls, people = pages_and_people(stack, agencies)
    print("\n".join(page_lines(urls, people)))
    return asyncio.run(screenshot_pages(urls, people, out_dir))
