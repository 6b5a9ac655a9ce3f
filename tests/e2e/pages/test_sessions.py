"""The pages' sessions and forms over HTTP: who may see which page, the cookie's flags over
HTTP and TLS, sign-out, idle and revoked sessions, forms without the session's form token, a
form sent twice, and the audit of every page that names a person."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from services.devstack.stack import LocalStack
from services.platform.auth import hash_token
from tests.e2e.conftest import ADMIN, ADMIN_TOKEN
from tests.e2e.intake_support import intake_count
from tests.e2e.pages.conftest import Cases
from tests.e2e.pages.support import (
    People,
    events_of,
    form_token,
    notice_of,
    people,
    prebooking,
    signed_in,
    unique,
)

pytestmark = pytest.mark.integration


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
    before = await events_of(stack, cases.later.referral_id)
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
    assert await events_of(stack, cases.later.referral_id) == before


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


async def test_notices_are_acknowledged_one_by_its_own_button_or_several_at_once(
    stack: LocalStack, persons: People
) -> None:
    reports = [unique("LAPD-ACK-") for _ in range(3)]
    async with httpx.AsyncClient(base_url=stack.url("intake"), timeout=15) as intake:
        for report in reports:
            made = await intake.post(
                "/referrals", json=prebooking("Ria", "Acktest", 3, report), headers=ADMIN
            )
            referral = made.json()["referral_id"]
            for step in ("assessment", "care-plan"):
                done = await intake.post(
                    f"/referrals/{referral}/{step}",
                    json={"completed_at": datetime.now(UTC).isoformat()},
                    headers=ADMIN,
                )
                assert done.status_code == 202, done.text
    one, two, three = [await notice_of(stack, report) for report in reports]
    async with signed_in(stack.url("abeyance"), persons.prosecutor) as client:
        token = form_token((await client.get("/inbox")).text)
        own_button = await client.post(
            "/inbox/acknowledge", data={"form_token": token, "notice_id": two, "only": one}
        )
        assert own_button.headers["location"] == "/inbox?acknowledged=1"
        assert await _acknowledged(stack, one, two, three) == [True, False, False]
        ticked = await client.post(
            "/inbox/acknowledge", data={"form_token": token, "notice_id": [two, three]}
        )
        assert ticked.headers["location"] == "/inbox?acknowledged=2"
        assert await _acknowledged(stack, one, two, three) == [True, True, True]
        nothing = await client.post("/inbox/acknowledge", data={"form_token": token})
        assert nothing.status_code == 422


async def _acknowledged(stack: LocalStack, *notice_ids: str) -> list[bool]:
    async with httpx.AsyncClient(timeout=15) as client:
        notices = (await client.get(f"{stack.url('abeyance')}/notices", headers=ADMIN)).json()
    acknowledged = {n["notice_id"]: n["acknowledged_at"] is not None for n in notices}
    return [acknowledged[n] for n in notice_ids]


async def test_an_unknown_referral_or_notice_is_a_page_that_says_so(
    stack: LocalStack, persons: People
) -> None:
    async with signed_in(stack.url("intake"), persons.case_manager) as client:
        unknown = await client.get("/caseload/7b8f4c1e-0000-4000-8000-00000000dead")
        assert unknown.status_code == 404 and "not found" in unknown.text
        garbled = await client.get("/caseload/not-a-referral")
        assert garbled.status_code == 404 and "<h1>" in garbled.text
    async with signed_in(stack.url("abeyance"), persons.prosecutor) as client:
        unknown = await client.get("/inbox/7b8f4c1e-0000-4000-8000-00000000dead")
        assert unknown.status_code == 404
