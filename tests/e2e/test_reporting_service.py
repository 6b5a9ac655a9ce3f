"""The reporting service over HTTP: formats, audiences, idempotence, and rebuild equality."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from services.devstack.stack import LocalStack
from services.platform.auth import Role
from services.platform.settings import with_database
from services.reporting.tables import REPORTS as TABLES
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import bearer, community, referral, social_contact
from tests.integration.support import eventually

pytestmark = pytest.mark.integration
REPORTS = tuple(TABLES)


def _report(stack: LocalStack, name: str, **params: str) -> httpx.Response:
    return httpx.get(
        f"{stack.url('reporting')}/reports/{name}", params=params, headers=ADMIN, timeout=30
    )


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The report without the moment it was made."""
    return {**body, "as_of": {k: v for k, v in body["as_of"].items() if k != "generated_at"}}


@pytest.fixture(scope="module")
def populated(stack: LocalStack) -> int:
    """A few dozen referrals and naloxone records; the number of referrals posted."""
    intake = stack.url("intake")
    bodies = [referral() for _ in range(14)] + [social_contact() for _ in range(12)]
    bodies += [community() for _ in range(3)]
    for body in bodies:
        assert httpx.post(f"{intake}/referrals", json=body, headers=ADMIN).status_code == 201
    distribution = {"channel": "jail_vending", "kits": 25, "distributed_on": "2022-03-01"}
    assert (
        httpx.post(f"{intake}/naloxone/distributions", json=distribution, headers=ADMIN).status_code
        == 201
    )

    async def settled() -> bool:
        """Reporting has applied everything: its position stopped moving."""
        before = _report(stack, "referrals-by-site", audience="internal").json()["as_of"]
        await asyncio.sleep(1.5)
        after = _report(stack, "referrals-by-site", audience="internal").json()["as_of"]
        return bool(before["position"] == after["position"] > 0)

    asyncio.run(eventually(settled, timeout_s=60))
    return len(bodies)


def test_every_report_in_every_format(stack: LocalStack, populated: int) -> None:
    for name in REPORTS:
        body = _report(stack, name).json()
        assert body["report"] == name and body["audience"] == "public"
        assert {"from", "to", "as_of", "cells"} <= set(body)
        assert body["as_of"]["position"] > 0
        csv = _report(stack, name, format="csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0].endswith("measure,value,note")
        page = _report(stack, name, format="html")
        assert page.status_code == 200 and "<table" in page.text
    assert _report(stack, "no-such-report").status_code == 404
    assert (
        _report(
            stack, "referrals-by-site", **{"from": "2024-02-01", "to": "2024-01-01"}
        ).status_code
        == 422
    )


def test_internal_reports_need_an_evaluator_or_admin(stack: LocalStack, populated: int) -> None:
    url = f"{stack.url('reporting')}/reports/demographics"
    assert httpx.get(url, params={"audience": "internal"}).status_code == 401
    police = bearer(stack, Role.law_enforcement, "lapd")
    assert httpx.get(url, params={"audience": "internal"}, headers=police).status_code == 403
    evaluator = bearer(stack, Role.evaluator, "usc-keck")
    assert httpx.get(url, params={"audience": "internal"}, headers=evaluator).status_code == 200
    assert httpx.get(url).status_code == 200  # public: no token needed


def _as_of_reports(stack: LocalStack) -> dict[str, Any]:
    """Every report now, as of today and as of half the events applied (internal audience)."""
    half = _report(stack, "referrals-by-site").json()["as_of"]["position"] // 2
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date().isoformat()
    out = {}
    for name in REPORTS:
        for label, params in (
            ("now", {}),
            ("today", {"as_of": today}),
            ("half", {"as_of_position": str(half)}),
        ):
            body = _report(stack, name, audience="internal", **params).json()
            out[f"{name} {label}"] = _comparable(body)
    return out


def test_as_of_is_stated_and_checked(stack: LocalStack, populated: int) -> None:
    body = _report(stack, "referrals-by-site", as_of="2020-01-31").json()
    assert body["as_of"]["date"] == "2020-01-31"
    assert body["as_of"]["until"] == "2020-02-01T00:00:00-08:00"
    assert {"position", "generated_at"} <= set(body["as_of"])
    assert all(c["value"] == 0 for c in body["cells"] if c["measure"] == "n")  # before them all
    at_one = _report(stack, "referrals-by-site", as_of_position="1").json()
    assert at_one["as_of"]["position"] == 1
    both = _report(stack, "referrals-by-site", as_of="2020-01-31", as_of_position="1")
    assert both.status_code == 422
    assert _report(stack, "referrals-by-site", as_of="2999-01-01").status_code == 422
    assert _report(stack, "referrals-by-site", as_of_position="999999999").status_code == 422
    page = httpx.get(f"{stack.url('reporting')}/report", params={"as_of": "2020-01-31"}, timeout=60)
    assert page.status_code == 200 and "as of 2020-01-31" in page.text


def test_rebuild_equals_the_live_projection(stack: LocalStack, populated: int) -> None:
    live = _as_of_reports(stack)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "reporting", "rebuild"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rebuilt:" in result.stdout
    assert _as_of_reports(stack) == live


def test_a_rewind_repairs_referrals_the_projection_missed(
    stack: LocalStack, populated: int
) -> None:
    """The damage the old runner did under faults: two ReferralMade events never applied (no
    claim, no row, offsets committed past them). `lead consumer rewind reporting` re-reads the
    topics; the live service applies exactly the two it missed, and equals a rebuild again."""
    before = _comparable(_report(stack, "referrals-by-site", audience="internal").json())
    total = _total(before)
    asyncio.run(_lose_two_referrals(stack))
    assert _total(_report(stack, "referrals-by-site", audience="internal").json()) == total - 2
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "consumer", "rewind", "reporting"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "lead-reporting-reports" in result.stdout, result.stderr

    async def repaired() -> bool:
        now = _report(stack, "referrals-by-site", audience="internal").json()
        return _comparable(now) == before

    asyncio.run(eventually(repaired, timeout_s=60))


def _total(report: dict[str, Any]) -> int:
    [cell] = [
        c
        for c in report["cells"]
        if c["site"] == "all" and c["status"] == "total" and c["measure"] == "n"
    ]
    return int(cell["value"])


async def _lose_two_referrals(stack: LocalStack) -> None:
    intake = await asyncpg.connect(with_database(stack.database_url, "lead_intake"))
    reporting = await asyncpg.connect(with_database(stack.database_url, "lead_reporting"))
    try:
        made = await intake.fetch(
            "SELECT stream_id::uuid AS referral_id, event_id FROM event_store"
            " WHERE event_type = 'ReferralMade' ORDER BY position LIMIT 2"
        )
        async with reporting.transaction():
            await reporting.execute(
                "DELETE FROM referrals WHERE referral_id = ANY($1)",
                [r["referral_id"] for r in made],
            )
            await reporting.execute(
                "DELETE FROM processed_events WHERE event_id = ANY($1)",
                [r["event_id"] for r in made],
            )
            await reporting.execute("UPDATE projection_position SET position = position - 2")
    finally:
        await intake.close()
        await reporting.close()
