"""The pages' pure rules: how long a session lasts, where a sign-in may lead, how times read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.platform.pages.sessions import Lifetime
from services.platform.pages.site import _safe_next, local_time, words
from services.platform.settings import Settings

STARTED = datetime(2024, 5, 14, 17, 0, tzinfo=UTC)
LIFETIME = Lifetime(idle=timedelta(minutes=30), longest=timedelta(hours=12))


def test_a_session_lives_while_used_within_its_idle_time_up_to_its_maximum_age() -> None:
    assert LIFETIME.is_live(STARTED, STARTED, STARTED + timedelta(minutes=30))
    assert not LIFETIME.is_live(STARTED, STARTED, STARTED + timedelta(minutes=31))
    late = STARTED + timedelta(hours=12, minutes=1)
    assert not LIFETIME.is_live(STARTED, late - timedelta(minutes=1), late)


def test_the_lifetime_comes_from_the_settings() -> None:
    settings = Settings(session_idle_minutes=5, session_max_hours=1)
    assert Lifetime.of(settings) == Lifetime(timedelta(minutes=5), timedelta(hours=1))


def test_after_signing_in_a_person_goes_to_a_page_of_this_service_only() -> None:
    assert _safe_next("/caseload?status=active", "/caseload") == "/caseload?status=active"
    for elsewhere in ("https://evil.example/", "//evil.example", "/\\evil.example", "", None):
        assert _safe_next(elsewhere, "/caseload") == "/caseload"


def test_times_read_in_the_program_time_zone() -> None:
    assert local_time("2024-05-14T17:30:00+00:00") == "May 14, 2024, 10:30 AM PDT"
    assert local_time(datetime(2024, 1, 14, 17, 30, tzinfo=UTC)) == "Jan 14, 2024, 9:30 AM PST"
    assert local_time(None) == ""
    assert words("care_plan") == "care plan"
