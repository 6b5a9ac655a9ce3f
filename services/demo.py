"""``lead demo``: the whole path on a real local stack, then a clean stop.

Starts the stack, sends a synthetic pre-booking referral to intake over HTTP, and shows the
event arriving at abeyance (over its API) and at reporting (in its read model).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import time
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table

from services.platform.settings import SERVICE_PORTS, with_database
from services.platform.stack import LocalStack

SYNTHETIC_REFERRAL: dict[str, Any] = {
    "pathway": "prebooking",
    "site": "hollywood",
    "referred_at": "2024-05-14T10:30:00-07:00",
    "referring_agency": "lapd",
    "person": {"given_name": "Demo", "family_name": "Participant", "date_of_birth": "1988-02-29"},
    "gender": "female",
    "ethnicity": "latinx",
    "arrest": {
        "report_number": "LAPD-2024-000123",
        "arresting_agency": "lapd",
        "prosecuting_agency": "lacityatty",
        "charges": [
            {"statute": "HS 11350(a)", "description": "possession", "level": "misdemeanor"}
        ],
    },
}


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _ports() -> dict[str, int]:
    """The usual ports, or free ones when something else already listens there."""
    from services.platform.localinfra import free_port

    return {name: p if _port_free(p) else free_port() for name, p in SERVICE_PORTS.items()}


def _poll(what: str, check: Any, timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            found = check()
            if found:
                return found
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not happen within {timeout_s:.0f} s")


async def _reporting_row(database_url: str, referral_id: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(with_database(database_url, "lead_reporting"))
    try:
        row = await conn.fetchrow(
            "SELECT site, pathway, status, gender, ethnicity, age_at_referral"
            " FROM referrals WHERE referral_id = $1::uuid",
            referral_id,
        )
    finally:
        await conn.close()
    return dict(row.items()) if row else None


def run_demo(console: Console) -> None:
    token = secrets.token_urlsafe(24)
    stack = LocalStack(ports=_ports(), extra_env={"LEAD_ADMIN_TOKEN": token})
    auth = {"Authorization": f"Bearer {token}"}
    try:
        with console.status("starting broker, PostgreSQL and the three services..."):
            stack.start()
        console.print(f"[green]stack up[/]: {', '.join(stack.url(s) for s in stack.services)}")
        response = httpx.post(
            f"{stack.url('intake')}/referrals", json=SYNTHETIC_REFERRAL, headers=auth, timeout=10
        )
        response.raise_for_status()
        accepted = response.json()
        referral_id = accepted["referral_id"]
        console.print(f"intake accepted the referral: {accepted}")
        abeyance = _poll(
            "abeyance recording the referral",
            lambda: (
                r.json()
                if (
                    r := httpx.get(f"{stack.url('abeyance')}/abeyances/{referral_id}", headers=auth)
                ).status_code
                == 200
                else None
            ),
        )
        reporting = _poll(
            "reporting recording the referral",
            lambda: asyncio.run(_reporting_row(stack.database_url, referral_id)),
        )
        table = Table(title="ReferralMade, as each service recorded it")
        table.add_column("service")
        table.add_column("what it holds")
        table.add_row("abeyance", ", ".join(f"{k}={v}" for k, v in abeyance.items()))
        table.add_row("reporting", ", ".join(f"{k}={v}" for k, v in reporting.items()))
        console.print(table)
    finally:
        with console.status("stopping the stack..."):
            stack.stop()
    console.print("[green]demo finished[/]: every process it started has stopped")
