"""The public report page end to end: events in, one self-contained page out, drawn by Chromium.

Chromium is a test dependency: ``make test`` installs it with ``deploy/ensure-chromium.sh``.
The screenshot is kept as ``out/report-screenshot.png`` for a person to look at.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.devstack.stack import LocalStack
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import community, referral, social_contact
from tests.integration.support import eventually

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "out" / "report-screenshot.png"
SECTIONS = (
    "LEAD Referrals",
    "Participant demographics",
    "Overdose Education and Naloxone Distribution (OEND)",
    "Pre-booking abeyance",
    "LEAD Outcomes",
)
CHROMIUM_TIMEOUT_S = 90.0
PAGE_TIMEOUT_S = 180.0


def _referrals() -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    for i in range(3):
        body = referral(
            person={
                "given_name": f"Page{i}",
                "family_name": "Synthetic",
                "date_of_birth": "1988-01-02",
            }
        )
        body["arrest"]["report_number"] = f"LAPD-PAGE-{i}"
        bodies.append(body)
    for i in range(2):
        body = social_contact()
        body["person"] = {
            "given_name": f"Social{i}",
            "family_name": "Synthetic",
            "date_of_birth": "1979-05-06",
        }
        bodies.append(body)
    body = community()
    body["person"] = {
        "given_name": "Community",
        "family_name": "Synthetic",
        "date_of_birth": "1991-09-10",
    }
    bodies.append(body)
    return bodies


DISTRIBUTIONS: tuple[dict[str, Any], ...] = (
    {"channel": "dhs_providers", "kits": 40, "distributed_on": "2020-03-01"},
    {"channel": "jail_vending", "kits": 25, "distributed_on": "2021-08-15"},
    {"channel": "oend_direct_to_community", "kits": 60, "distributed_on": "2022-02-01"},
)


async def _internal(client: httpx.AsyncClient, stack: LocalStack, name: str) -> list[Any]:
    response = await client.get(
        f"{stack.url('reporting')}/reports/{name}", params={"audience": "internal"}, headers=ADMIN
    )
    response.raise_for_status()
    cells: list[Any] = response.json()["cells"]
    return cells


def _value(cells: Sequence[dict[str, Any]], measure: str, **dims: object) -> int:
    for cell in cells:
        if cell["measure"] == measure and all(cell.get(k) == v for k, v in dims.items()):
            return int(cell["value"] or 0)
    return 0


def _chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run headless Chromium with a fresh profile and a timeout; leave no process behind."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash deploy/ensure-chromium.sh` (as root it installs "
            "Debian's chromium package; `make test` runs it first)",
            pytrace=False,
        )
    with tempfile.TemporaryDirectory(prefix="report-page-chromium-") as profile:
        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            *args,
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            out, err = process.communicate(timeout=CHROMIUM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            out, err = process.communicate()
            pytest.fail(f"chromium took over {CHROMIUM_TIMEOUT_S}s: {err.decode()[-2000:]}")
        finally:
            _kill_group(process.pid)  # its helper processes (zygote, renderer) too
        _assert_gone(process.pid)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _assert_gone(pgid: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"chromium process group {pgid} is still running")
        time.sleep(0.1)


async def test_the_report_page_is_one_self_contained_page_that_a_browser_draws(
    stack: LocalStack, tmp_path: Path
) -> None:
    intake, reporting = stack.url("intake"), stack.url("reporting")
    async with httpx.AsyncClient(timeout=15) as client:
        # Other modules share the session's databases: count from what is already there.
        referrals_before = _value(
            await _internal(client, stack, "referrals-by-site"), "n", site="all", status="total"
        )
        kits_before = _value(
            await _internal(client, stack, "naloxone"), "kits", channel="total", period="total"
        )
        bodies = _referrals()
        for body in bodies:
            created = await client.post(f"{intake}/referrals", json=body, headers=ADMIN)
            assert created.status_code == 201, created.text
        for i, distribution in enumerate(DISTRIBUTIONS):
            created = await client.post(
                f"{intake}/naloxone/distributions",
                json=distribution,
                headers={**ADMIN, "Idempotency-Key": f"report-page-{i}"},
            )
            assert created.status_code == 201, created.text

        async def reflected() -> bool:
            referrals = await _internal(client, stack, "referrals-by-site")
            naloxone = await _internal(client, stack, "naloxone")
            kits = sum(int(d["kits"]) for d in DISTRIBUTIONS)
            return (
                _value(referrals, "n", site="all", status="total") == referrals_before + len(bodies)
                and _value(naloxone, "kits", channel="total", period="total") == kits_before + kits
            )

        await eventually(reflected, timeout_s=60)
        # the page is one release over every report (ADR 0031): building it takes a while
        response = await client.get(f"{reporting}/report", timeout=PAGE_TIMEOUT_S)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.lstrip().lower().startswith("<!doctype html>")
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import|<link\b|<script\b|<img\b", page, re.I)
    assert "http://" not in page and "https://" not in page
    for heading in SECTIONS:
        assert f">{heading}</h2>" in page, heading
    assert page.count("<svg") >= 3
    assert page.count("<table") >= 6
    assert "&lt;11" in page  # the suppression rule is stated (and small counts are shown so)

    url = f"{reporting}/report"
    dom = (await asyncio.to_thread(_chromium, "--dump-dom", url)).stdout.decode()
    assert "<table" in dom and "<svg" in dom, dom[:2000]
    for heading in SECTIONS:
        assert heading in dom, heading

    shot = tmp_path / "report.png"
    done = await asyncio.to_thread(
        _chromium, f"--screenshot={shot}", "--window-size=1280,4000", "--hide-scrollbars", url
    )
    assert shot.exists(), done.stderr.decode()[-2000:]
    assert shot.stat().st_size > 20_000
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)
