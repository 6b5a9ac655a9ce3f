"""The synthetic people of the simulated history: names from short built-in lists, never real.

About one referral in ten is of someone referred before, with the name typed differently (case,
accents, hyphens). Intake treats such spellings as the same person (``api.md``: case, spacing
and accents do not make a new person); the simulation only writes them, it does not decide them.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

GIVEN_NAMES: Final = (
    "Alex", "Andrea", "Angel", "Ana", "Bianca", "Carlos", "Carmen", "Dana", "Darnell", "Denise",
    "Destiny", "Elena", "Erika", "Gabriel", "Gloria", "Imani", "Jamal", "Janelle", "Jasmine",
    "José", "Juan", "Kiara", "Lakisha", "Latoya", "Luis", "María", "Mary-Ann", "Marcus",
    "Monique", "Nia", "Raúl", "Renée", "Rosa", "Shanice", "Sofía", "Tanya", "Terrence", "Tiana",
    "Valeria", "Xavier", "Yolanda", "Zoë",
)  # fmt: skip
"""No two of these are the same name to intake (a unit test checks it), nor of the next."""
FAMILY_NAMES: Final = (
    "Alvarez", "Banks", "Brooks", "Castillo", "Coleman", "Cruz", "Díaz", "Dixon", "Ellis",
    "Flores", "Fuentes", "García-Ortiz", "Gómez", "Greene", "Hayes", "Herrera", "Jackson-Reed",
    "Jenkins", "Lopez", "Marsh", "Medina", "Morales", "Muñoz", "Nuñez", "Owens", "Peña",
    "Perkins", "Pierce", "Ramírez", "Reyes", "Robinson", "Sandoval", "Simmons", "Tate", "Vega",
    "Wallace", "Warren", "Watts", "Whitfield", "Zamora",
)  # fmt: skip
RE_REFERRAL_SHARE: Final = 0.1


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spelled_differently(rng: random.Random, name: str) -> str:
    """The same name as another clerk might type it: other case, no accents, no hyphen."""
    variants = [
        name.upper(),
        name.lower(),
        _strip_accents(name),
        name.replace("-", " "),
        _strip_accents(name).upper(),
    ]
    rng.shuffle(variants)
    return next((variant for variant in variants if variant != name), name.upper())


@dataclass
class Referred:
    """Who a referral is about: the group the person belongs to, and the person once drawn."""

    site: str
    gender: str
    ethnicity: str
    referred_at: datetime
    person: dict[str, str] = field(default_factory=dict)
    re_referral: bool = False


def assign_people(rng: random.Random, referrals: Sequence[Referred]) -> int:
    """Give each referral a person, in order; returns how many are re-referrals.

    A re-referral is of an earlier person with the same site, gender and ethnicity (so the
    published demographics stay exact), with the name spelled differently.
    """
    seen: set[tuple[str, str, str]] = set()
    earlier: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    re_referrals = 0
    for referral in referrals:
        group = (referral.site, referral.gender, referral.ethnicity)
        candidates = earlier.get(group, [])
        if candidates and rng.random() < RE_REFERRAL_SHARE:
            first = rng.choice(candidates)
            referral.person = {
                "given_name": spelled_differently(rng, first["given_name"]),
                "family_name": spelled_differently(rng, first["family_name"]),
                "date_of_birth": first["date_of_birth"],
            }
            referral.re_referral = True
            re_referrals += 1
            continue
        referral.person = _new_person(rng, referral.referred_at, seen)
        earlier.setdefault(group, []).append(referral.person)
    return re_referrals


def _new_person(
    rng: random.Random, referred_at: datetime, seen: set[tuple[str, str, str]]
) -> dict[str, str]:
    """A person nobody else in the history is: name and date of birth (19 to 68 years old)."""
    while True:
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        age_days = rng.randint(19 * 365 + 5, 68 * 365)
        born = (referred_at.date() - timedelta(days=age_days)).isoformat()
        if (given, family, born) not in seen:
            seen.add((given, family, born))
            return {"given_name": given, "family_name": family, "date_of_birth": born}
