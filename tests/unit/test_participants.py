"""Pseudonymous participant ids: one person, one id, however the name was typed."""

from __future__ import annotations

from datetime import date

from services.intake.domain.participants import age_on, normalize_name, participant_id

KEY = b"test-key"


def test_case_spacing_and_accents_do_not_make_a_new_person() -> None:
    dob = date(1990, 1, 2)
    ids = {
        participant_id(KEY, "José  Luis", "Núñez", dob),
        participant_id(KEY, "jose luis", "NUNEZ", dob),
        participant_id(KEY, " Jose-Luis ", "nunez ", dob),
    }
    assert len(ids) == 1


def test_a_different_birth_date_or_key_is_a_different_id() -> None:
    one = participant_id(KEY, "Ann", "Synth", date(1990, 1, 2))
    assert one != participant_id(KEY, "Ann", "Synth", date(1990, 1, 3))
    assert one != participant_id(b"other-key", "Ann", "Synth", date(1990, 1, 2))


def test_normalize_name() -> None:
    assert normalize_name("  Zoë   O'Brien ") == "zoe o brien"


def test_age_on_the_day_before_and_on_the_birthday() -> None:
    assert age_on(date(1990, 5, 14), date(2020, 5, 13)) == 29
    assert age_on(date(1990, 5, 14), date(2020, 5, 14)) == 30
