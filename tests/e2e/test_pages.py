"""The pages for people, end to end: headless Chromium (Debian's, driven by Playwright) against
the three services on a real broker and PostgreSQL.

A case manager signs in, finds the referral whose deadline is near, records its assessment and
care plan (a double click records once); the decline reaches the prosecutor's inbox, who
acknowledges it. Another site's case manager and another office's prosecutor see none of it.
Every page passes axe-core (no serious or critical violation) and fits a 360 px screen; the
sign-in and the main actions work from the keyboard alone.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from events.notice import REDISCLOSURE_STATEMENT
from services.devstack.browser import launch_chromium
from services.devstack.pages_tour import AGENCIES, show_pages, sign_in
from services.devstack.stack import LocalStack
from services.platform.auth import Role, hash_token
from tests.e2e.conftest import ADMIN, ADMIN_TOKEN
from tests.e2e.intake_support import intake_count, social_contact
from tests.e2e.pages_support import (
    People,
    check_page,
    form_token,
    people,
    prebooking,
    signed_in,
    tab_to,
    unique,
)
from tests.integration.support import eventually

pytestmark = pytest.mark.integration
VIEW: ViewportSize = {"width": 1280, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "pages"


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


@pytest.fixture(scope="module")
async def persons(stack: LocalStack) -> People:
    return await people(stack.database_url)


async def _refer(client: httpx.AsyncClient, body: dict[str, Any]) -> Case:
    made = await client.post("/referrals", json=body, headers=ADMIN)
    assert made.status_code == 201, made.text
    person, arrest = body["person"], body.get("arrest") or {}
    name = f"{person['given_name']} {person['family_name']}"
    return Case(made.json()["referral_id"], name, arrest.get("report_number", ""))


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await launch_chromium(playwright)
        yield chromium
        await chromium.close()


async def _notice_id(stack: LocalStack, report: str) -> str:
    """The notice of ``report`` (as an admin reads ``GET /notices``), once it was issued."""
    found: list[str] = []

    async def issued() -> bool:
        async with httpx.AsyncClient(timeout=15) as client:
            notices = (await client.get(f"{stack.url('abeyance')}/notices", headers=ADMIN)).json()
        found[:] = [n["notice_id"] for n in notices if n["report_number"] == report]
        return bool(found)

    await eventually(issued, timeout_s=60)
    return found[0]


async def _reload_until(page: Page, text: str, timeout_s: float = 60) -> None:
    async def shown() -> bool:
        await page.reload()
        return text in await page.inner_text("main")

    await eventually(shown, timeout_s=timeout_s)


async def test_a_case_manager_records_the_steps_and_the_prosecutor_acknowledges_the_decline(
    stack: LocalStack, persons: People, cases: Cases, browser: Browser
) -> None:
    intake, abeyance = stack.url("intake"), stack.url("abeyance")
    context = await browser.new_context(viewport=VIEW)
    page = await context.new_page()
    await _case_manager_finds_the_referral_due_soon(page, intake, persons, cases)
    await _case_manager_records_assessment_and_care_plan(page, cases)
    await context.close()

    context = await browser.new_context(viewport=VIEW)
    page = await context.new_page()
    await sign_in(page, abeyance, "/inbox", persons.prosecutor)
    await _prosecutor_acknowledges_the_decline(page, stack, cases)
    await context.close()


async def _case_manager_finds_the_referral_due_soon(
    page: Page, intake: str, persons: People, cases: Cases
) -> None:
    await page.goto(f"{intake}/caseload")
    assert "/sign-in?next=/caseload" in page.url  # a stranger is asked to sign in first
    await check_page(page)
    await page.keyboard.type(persons.case_manager)  # the token field has the focus
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{intake}/caseload")
    await check_page(page)
    row = page.locator("table.caseload tr", has_text=cases.due.name)
    assert "due-soon" in (await row.get_attribute("class") or "")
    cells = (await row.inner_text()).lower()
    assert "5 days" in cells and "due soon" in cells and "assessment, care plan" in cells
    later = await page.locator("table.caseload tr", has_text=cases.later.name).inner_text()
    assert "20 days" in later and "due soon" not in later.lower()
    assert cases.elsewhere.name not in await page.inner_text("main")

    await page.select_option("#filter-pathway", "social_contact")
    await page.click("form.filters button")
    await page.wait_for_url("**pathway=social_contact**")
    shown = await page.inner_text("main")
    assert f"Pia {cases.due.name.split()[1]}" in shown and cases.due.name not in shown

    await page.goto(f"{intake}/caseload")
    await page.click(f"text={cases.due.name}")
    await page.wait_for_url(f"{intake}/caseload/{cases.due.referral_id}")
    await check_page(page)


async def _case_manager_records_assessment_and_care_plan(page: Page, cases: Cases) -> None:
    # the domain's refusal, next to its field
    await page.fill("#assessment-completed_at", "2020-01-01T10:00")
    await page.click("form[action$='/assessment'] button[type=submit]")
    error = await page.inner_text("#assessment-completed_at-error")
    assert "before the referral was made" in error
    assert await page.get_attribute("#assessment-completed_at", "aria-invalid") == "true"
    await check_page(page)
    # the request model's refusal (no status chosen), next to its field
    await page.fill("#status-reason", "moved to another county")
    await page.click("form[action$='/status'] button[type=submit]")
    assert "'active' or 'inactive'" in await page.inner_text("#status-status-error")

    # the assessment, with the keyboard alone
    await tab_to(page, "form[action$='/assessment'] button[type=submit]")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**?done=assessment")
    assert "Assessment recorded." in await page.inner_text("[role=status]")
    assert "care plan" in await page.inner_text("section[aria-labelledby=abeyance-heading]")

    # the care plan, double-clicked: recorded once
    await page.dblclick("form[action$='/care-plan'] button[type=submit]")
    await page.wait_for_url("**?done=care-plan")
    history = await page.locator("ol.history li").all_inner_texts()
    assert sum("Care plan completed" in line for line in history) == 1
    assert sum("Assessment completed" in line for line in history) == 1
    await check_page(page)


async def _prosecutor_acknowledges_the_decline(page: Page, stack: LocalStack, cases: Cases) -> None:
    await _reload_until(page, cases.due.report)
    await check_page(page)
    notice = page.locator("article", has_text=f"Report {cases.due.report}")
    text = await notice.inner_text()
    assert "charges declined" in text and "HS 11350(a) possession (misdemeanor)" in text
    await notice.locator("summary").click()
    assert await notice.locator(".statement").inner_text() == REDISCLOSURE_STATEMENT

    await page.select_option("#filter-decision", "expired")
    await page.click("form.filters button")
    assert cases.due.report not in await page.inner_text("main")
    await page.select_option("#filter-decision", "declined")
    await page.click("form.filters button")
    await page.wait_for_url("**decision=declined**")

    notice_id = await _notice_id(stack, cases.due.report)
    await tab_to(page, f"input[type=checkbox][value='{notice_id}']", presses=400)
    await page.keyboard.press("Space")
    await tab_to(page, "form[action='/inbox/acknowledge'] > .actions button", presses=400)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**acknowledged=1**")
    assert "1 notice acknowledged." in await page.inner_text("[role=status]")
    acknowledged = page.locator("article", has_text=f"Report {cases.due.report}")
    assert await acknowledged.locator("input[type=checkbox]").count() == 0  # nothing left to do
    await check_page(page)

    await page.click(f"a[href='/inbox/{notice_id}']")
    await page.wait_for_url(f"**/inbox/{notice_id}")
    printable = await page.inner_text("main")
    assert cases.due.report in printable and REDISCLOSURE_STATEMENT in printable
    await check_page(page)


async def test_another_site_case_manager_and_another_office_prosecutor_see_none_of_it(
    stack: LocalStack, persons: People, cases: Cases, browser: Browser
) -> None:
    intake, abeyance = stack.url("intake"), stack.url("abeyance")
    context = await browser.new_context(viewport=VIEW)
    page = await context.new_page()
    await sign_in(page, intake, "/caseload", persons.other_case_manager)
    shown = await page.inner_text("main")
    assert cases.elsewhere.name in shown  # their own site's referral
    assert cases.due.name not in shown and cases.later.name not in shown
    refused = await page.goto(f"{intake}/caseload/{cases.due.referral_id}")
    assert refused is not None and refused.status == 403
    assert cases.due.name not in await page.content()
    await check_page(page)  # a refusal is a page like the others

    await sign_in(page, abeyance, "/inbox", persons.other_prosecutor)
    assert cases.due.report not in await page.inner_text("main")
    notice_id = await _notice_id(stack, cases.due.report)
    missing = await page.goto(f"{abeyance}/inbox/{notice_id}")
    assert missing is not None and missing.status == 404
    await context.close()

    # nor can they act on it, whatever they send
    before = await _events(stack, cases.later.referral_id)
    async with signed_in(intake, persons.other_case_manager) as other_site:
        page_token = form_token((await other_site.get("/caseload")).text)
        sent = await other_site.post(
            f"/caseload/{cases.later.referral_id}/withdrawal",
            data={"form_token": page_token, "withdrew_at": "2026-01-01T10:00"},
        )
        assert sent.status_code == 403
    assert await _events(stack, cases.later.referral_id) == before
    async with signed_in(abeyance, persons.other_prosecutor) as other_office:
        page_token = form_token((await other_office.get("/inbox")).text)
        sent = await other_office.post(
            "/inbox/acknowledge", data={"form_token": page_token, "notice_id": notice_id}
        )
        assert sent.status_code == 403


async def _events(stack: LocalStack, referral_id: str) -> int:
    return await intake_count(
        stack, "SELECT count(*) FROM event_store WHERE stream_id = $1", referral_id
    )


@pytest.mark.parametrize(
    ("service", "path", "who", "status"),
    [
        ("intake", "/caseload", "prosecutor", 403),
        ("intake", "/caseload", "evaluator", 403),
        ("intake", "/caseload", "admin", 403),  # names only to the site's case managers
        ("abeyance", "/inbox", "case_manager", 403),
        ("abeyance", "/inbox", "admin", 200),  # every office's, as GET /notices
        ("reporting", "/overview", "case_manager", 403),
        ("reporting", "/overview", "prosecutor", 403),
        ("reporting", "/overview", "evaluator", 200),
        ("reporting", "/overview", "admin", 200),
    ],
)
async def test_each_person_sees_the_pages_of_their_role_only(
    stack: LocalStack, persons: People, service: str, path: str, who: str, status: int
) -> None:
    token = ADMIN_TOKEN if who == "admin" else getattr(persons, who)
    async with signed_in(stack.url(service), token) as client:
        answer = await client.get(path)
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")


async def test_signing_in_gives_a_strict_http_only_cookie_and_signing_out_ends_it(
    stack: LocalStack, persons: People
) -> None:
    intake = stack.url("intake")
    async with httpx.AsyncClient(base_url=intake, timeout=15) as stranger:
        sent_away = await stranger.get("/caseload?status=active")
        assert sent_away.status_code == 303
        assert sent_away.headers["location"] == "/sign-in?next=/caseload%3Fstatus%3Dactive"
        form = await stranger.get("/sign-in")
        guard = form_token(form.text)
        wrong = await stranger.post("/sign-in", data={"token": "lead_nobody", "form_token": guard})
        assert wrong.status_code == 401 and "lead-intake" not in stranger.cookies
        stranger.cookies.delete("lead-intake-sign-in")
        forged = await stranger.post(
            "/sign-in", data={"token": persons.case_manager, "form_token": guard}
        )
        assert forged.status_code == 403  # no guard cookie: a form from elsewhere

    async with httpx.AsyncClient(base_url=intake, timeout=15) as browser_like:
        guard = form_token((await browser_like.get("/sign-in")).text)
        done = await browser_like.post(
            "/sign-in",
            data={"token": persons.case_manager, "form_token": guard, "next": "//evil.example"},
        )
        assert done.status_code == 303 and done.headers["location"] == "/caseload"
        cookie = _session_cookie(done)
        assert cookie.startswith("lead-intake=")
        assert {"httponly", "path=/", "samesite=strict"} <= _attributes(cookie)
        assert "secure" not in _attributes(cookie)
        page = await browser_like.get("/caseload")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        unsigned = await browser_like.post("/sign-out", data={})
        assert unsigned.status_code == 403  # sign-out is a form too
        out = await browser_like.post("/sign-out", data={"form_token": form_token(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/sign-in?signed_out=1"
        session = cookie.split(";")[0].split("=", 1)[1]
        browser_like.cookies.set("lead-intake", session)
        assert (await browser_like.get("/caseload")).status_code == 303


async def test_over_tls_the_cookie_is_secure_and_bound_to_the_host(
    stack: LocalStack, persons: People
) -> None:
    """Behind a proxy that terminates TLS (here: ``X-Forwarded-Proto`` from the loopback, which
    uvicorn trusts by default)."""
    tls = {"X-Forwarded-Proto": "https"}
    async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=15, headers=tls) as client:
        form = await client.get("/sign-in")
        guard = form.cookies.get("lead-intake-sign-in")
        assert guard is not None
        client.cookies.set("lead-intake-sign-in", guard)  # Secure: httpx keeps it for https
        done = await client.post(
            "/sign-in", data={"token": persons.case_manager, "form_token": form_token(form.text)}
        )
        cookie = _session_cookie(done)
        assert cookie.startswith("__Host-lead-intake=")
        assert {"secure", "httponly", "path=/", "samesite=strict"} <= _attributes(cookie)


def _session_cookie(answer: httpx.Response) -> str:
    cookies = [c for c in answer.headers.get_list("set-cookie") if "sign-in=" not in c]
    assert len(cookies) == 1, cookies
    return cookies[0]


def _attributes(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


async def test_a_session_ends_when_idle_or_when_its_token_is_revoked(stack: LocalStack) -> None:
    token = (await people(stack.database_url)).case_manager
    async with signed_in(stack.url("intake"), token) as client:
        assert (await client.get("/caseload")).status_code == 200
        await intake_count(
            stack,
            "WITH idle AS (UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes'"
            " WHERE token_hash = $1 RETURNING 1) SELECT count(*) FROM idle",
            hash_token(token),
        )
        expired = await client.get("/caseload")
        assert expired.status_code == 303 and "expired=1" in expired.headers["location"]
    async with signed_in(stack.url("intake"), token) as client:
        assert (await client.get("/caseload")).status_code == 200
        await intake_count(
            stack,
            "WITH gone AS (UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1"
            " RETURNING 1) SELECT count(*) FROM gone",
            hash_token(token),
        )
        assert (await client.get("/caseload")).status_code == 303


async def test_a_form_without_the_session_form_token_records_nothing(
    stack: LocalStack, persons: People, cases: Cases
) -> None:
    before = await _events(stack, cases.later.referral_id)
    target = f"/caseload/{cases.later.referral_id}/withdrawal"
    async with signed_in(stack.url("intake"), persons.case_manager) as client:
        page_token = form_token((await client.get("/caseload")).text)
        forged = await client.post(target, data={"withdrew_at": "2026-01-01T10:00"})
        assert forged.status_code == 403
        wrong = await client.post(target, data={"form_token": "x" * 43, "withdrew_at": "x"})
        assert wrong.status_code == 403
        elsewhere = await client.post(
            target,
            data={"form_token": page_token, "withdrew_at": "2026-01-01T10:00"},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert elsewhere.status_code == 403
    assert await _events(stack, cases.later.referral_id) == before


async def test_the_same_form_sent_twice_records_once(
    stack: LocalStack, persons: People, cases: Cases
) -> None:
    page_path = f"/caseload/{cases.later.referral_id}"
    async with signed_in(stack.url("intake"), persons.case_manager) as client:
        page = (await client.get(page_path)).text
        key = re.search(
            r'action="[^"]+/demographics".*?name="idempotency_key" value="(\w+)"', page, re.S
        )
        assert key is not None
        form = {
            "form_token": form_token(page),
            "idempotency_key": key.group(1),
            "gender": "female",
            "ethnicity": "black",
        }
        first = await client.post(f"{page_path}/demographics", data=form)
        again = await client.post(f"{page_path}/demographics", data=form)
        assert first.status_code == again.status_code == 303
        other = await client.post(f"{page_path}/demographics", data=form | {"gender": "male"})
        assert other.status_code == 422 and "already sent with other values" in other.text
        history = (await client.get(page_path)).text
    assert history.count("Demographics recorded") == 1


async def test_every_page_that_names_a_person_is_audited(
    stack: LocalStack, persons: People, cases: Cases
) -> None:
    async with signed_in(stack.url("intake"), persons.case_manager) as client:
        assert (await client.get("/caseload")).status_code == 200
        assert (await client.get(f"/caseload/{cases.due.referral_id}")).status_code == 200
    token_id = hash_token(persons.case_manager)[:12]
    for action in ("GET caseload", "GET referral page"):
        lines = await intake_count(
            stack,
            "SELECT count(*) FROM audit_log WHERE token_id = $1 AND action = $2"
            " AND record_type = 'referral' AND record_id = $3 AND outcome = 'read'",
            token_id,
            action,
            cases.due.referral_id,
        )
        assert lines >= 1, action


async def test_the_program_overview_shows_internal_tables_under_a_banner(
    stack: LocalStack, persons: People, browser: Browser
) -> None:
    reporting = stack.url("reporting")
    context = await browser.new_context(viewport=VIEW)
    page = await context.new_page()
    await sign_in(page, reporting, "/overview", persons.evaluator)
    assert "Internal, do not publish" in await page.inner_text(".banner")
    assert await page.locator("a[href='/report']").count() >= 1
    assert await page.locator("section table").count() >= 6
    await check_page(page)
    await context.close()


def test_the_demo_shows_every_page_with_a_person_of_each_role(
    stack: LocalStack, cases: Cases, capsys: pytest.CaptureFixture[str]
) -> None:
    """What ``lead demo --keep-running`` prints and keeps (here with the Hollywood people, whose
    cases this module made); the screenshots are kept in ``out/pages`` for a person to see."""
    chosen = {**AGENCIES, Role.case_manager: "chpla", Role.prosecutor: "lacityatty"}
    shots = show_pages(stack, SCREENSHOTS, chosen)
    printed = capsys.readouterr().out
    for role in Role:
        assert f"{role.value.replace('_', ' ')} (" in printed
    assert printed.count("token lead_") == len(Role)
    for address in ("/caseload", "/inbox", "/overview", "/report"):
        assert address in printed
    names = {shot.name for shot in shots}
    assert names == {
        "sign-in.png",
        "caseload.png",
        "caseload-360.png",
        "referral.png",
        "inbox.png",
        "notice.png",
        "overview.png",
    }
    assert all(shot.stat().st_size > 10_000 for shot in shots)
