"""The pages for people, end to end: headless Chromium (Debian's, driven by Playwright) against
the three services on a real broker and PostgreSQL.

A case manager signs in, finds the referral whose deadline is near, records its assessment and
care plan (a double click records once); the decline reaches the prosecutor's inbox, who
acknowledges it. Another site's case manager and another office's prosecutor see none of it.
Every page passes axe-core (no serious or critical violation) and fits a 360 px screen; the
sign-in and the main actions work from the keyboard alone.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, ViewportSize

from events.notice import REDISCLOSURE_STATEMENT
from services.devstack.pages_tour import sign_in
from services.devstack.stack import LocalStack
from tests.e2e.pages.conftest import Cases
from tests.e2e.pages.support import (
    People,
    check_page,
    events_of,
    form_token,
    notice_of,
    reload_until,
    signed_in,
    tab_to,
)

pytestmark = pytest.mark.integration
VIEW: ViewportSize = {"width": 1280, "height": 900}


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
    await reload_until(page, cases.due.report)
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

    notice_id = await notice_of(stack, cases.due.report)
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
    notice_id = await notice_of(stack, cases.due.report)
    missing = await page.goto(f"{abeyance}/inbox/{notice_id}")
    assert missing is not None and missing.status == 404
    await context.close()

    # nor can they act on it, whatever they send
    before = await events_of(stack, cases.later.referral_id)
    async with signed_in(intake, persons.other_case_manager) as other_site:
        page_token = form_token((await other_site.get("/caseload")).text)
        sent = await other_site.post(
            f"/caseload/{cases.later.referral_id}/withdrawal",
            data={"form_token": page_token, "withdrew_at": "2026-01-01T10:00"},
        )
        assert sent.status_code == 403
    assert await events_of(stack, cases.later.referral_id) == before
    async with signed_in(abeyance, persons.other_prosecutor) as other_office:
        page_token = form_token((await other_office.get("/inbox")).text)
        sent = await other_office.post(
            "/inbox/acknowledge", data={"form_token": page_token, "notice_id": notice_id}
        )
        assert sent.status_code == 403


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
