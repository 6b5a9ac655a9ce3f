"""As-of rules of the reporting read model: when a fact is known, and what a cut reads."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.reporting.domain.as_of import LATEST, AsOf, Cut, end_of_day, known_from

RECORDED = datetime(2022, 3, 10, 18, tzinfo=UTC)


def test_a_fact_recorded_late_is_known_from_when_it_was_recorded() -> None:
    occurred = RECORDED - timedelta(days=20)
    assert known_from(RECORDED, occurred, event_time=False) == RECORDED


def test_a_fact_dated_ahead_is_known_once_it_occurs() -> None:
    ahead = RECORDED + timedelta(days=2)  # e.g. a withdrawal recorded before its day
    assert known_from(RECORDED, ahead, event_time=False) == ahead


def test_on_event_time_a_fact_is_known_from_when_it_occurred() -> None:
    occurred = RECORDED - timedelta(days=400)  # a replayed history, recorded today
    assert known_from(RECORDED, occurred, event_time=True) == occurred


def test_as_of_a_day_reads_everything_known_by_the_end_of_that_day_in_los_angeles() -> None:
    cut = AsOf(day=date(2022, 6, 30)).cut
    assert cut.until == datetime(2022, 7, 1, 7, tzinfo=UTC)  # midnight PDT
    assert cut.position == Cut().position  # every applied event, by position
    winter = end_of_day(date(2021, 12, 31))
    assert winter == datetime(2022, 1, 1, 8, tzinfo=UTC)  # midnight PST


def test_the_day_the_clocks_change_is_a_whole_day() -> None:
    start, end = end_of_day(date(2022, 3, 12)), end_of_day(date(2022, 3, 13))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)  # spring forward


def test_as_of_a_position_reads_the_events_applied_up_to_it_whenever_known() -> None:
    cut = AsOf(position=812).cut
    assert (cut.until, cut.position) == (LATEST, 812)
    assert AsOf().cut == Cut()


def test_a_day_and_a_position_cannot_be_combined_and_positions_are_not_negative() -> None:
    with pytest.raises(ValueError, match="cannot be combined"):
        AsOf(day=date(2022, 6, 30), position=3)
    with pytest.raises(ValueError, match="negative"):
        AsOf(position=-1)


def test_outcomes_are_observed_through_the_as_of_day_else_today() -> None:
    today = date(2025, 1, 2)
    assert AsOf(day=date(2022, 6, 30)).observed_through(today) == date(2022, 6, 30)
    assert AsOf(position=5).observed_through(today) == today
