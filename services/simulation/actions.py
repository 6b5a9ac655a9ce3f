"""What a simulation is made of: the writes partners send, in the order they send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

Channel = Literal["http", "inbound"]


@dataclass(frozen=True)
class Action:
    """One write a partner sends, at ``sent_at``.

    ``chain`` names the referral (``R0001``) or evaluation subject (``S0001``) the action
    belongs to: the first action of a chain creates its id, the later ones need it (the
    referral id goes into ``path``'s ``{id}``, the subject id into the body's ``subject_id``).
    """

    name: str
    kind: str
    sent_at: datetime
    occurred_on: date
    role: str
    agency: str
    channel: Channel
    path: str
    body: dict[str, Any]
    chain: str | None = None

    @property
    def creates_chain(self) -> bool:
        return self.kind in ("referral", "cohort_member")


@dataclass(frozen=True)
class Plan:
    seed: int
    scale: float
    actions: tuple[Action, ...]
    expected_re_referrals: int

    def count(self, kind: str) -> int:
        return sum(1 for a in self.actions if a.kind == kind)

    @property
    def last_day(self) -> date:
        return max(max(a.sent_at.date(), a.occurred_on) for a in self.actions)
