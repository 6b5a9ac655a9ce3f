"""Pseudonymous participants: a person becomes an id that reveals nothing about them.

The id is a keyed hash (HMAC-SHA256) over the normalised name and date of birth, so the same
person referred twice gets the same id however the name was typed (case, spacing, accents), and
nobody without the key can recompute or reverse it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from uuid import UUID

_NOT_NAME = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Identity:
    """Who a participant is: used to derive the pseudonymous id, kept encrypted in intake only,
    never published, never logged."""

    given_name: str
    family_name: str
    date_of_birth: date


def normalize_name(text: str) -> str:
    """``"  José-Luis "`` and ``"jose luis"`` are the same name."""
    decomposed = unicodedata.normalize("NFKD", text)
    unaccented = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_NAME.sub(" ", unaccented.casefold()).split())


def participant_id(key: bytes, given_name: str, family_name: str, date_of_birth: date) -> UUID:
    material = "\x1f".join(
        [normalize_name(given_name), normalize_name(family_name), date_of_birth.isoformat()]
    )
    digest = hmac.new(key, material.encode(), hashlib.sha256).digest()
    return UUID(bytes=digest[:16])


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)
