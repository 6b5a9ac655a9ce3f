"""What ``lead demo --keep-running`` shows of the pages: a token for one person of each role,
the pages' addresses, and a screenshot of each page (kept in ``out/pages``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.devstack.pages_tour import AGENCIES, show_pages
from services.devstack.stack import LocalStack
from services.platform.auth import Role
from tests.e2e.pages.conftest import Cases

pytestmark = pytest.mark.integration
SCREENSHOTS = Path(__file__).resolve().parents[3] / "out" / "pages"


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
