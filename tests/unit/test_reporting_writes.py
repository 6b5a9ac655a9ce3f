"""The order reporting makes a batch's changes in: the n-th change of each fact in round n."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from services.reporting.domain.as_of import Known
from services.reporting.projection.writes import Change, Writes, _rounds

STATUS = Change("referral_statuses", ("status",), (("status", "v.status"),), (("status", "text"),))
ENDED = Change("abeyance_states", ("state",), (("state", "'ended'"),))


def _known(position: int) -> Known:
    return Known(position, uuid4(), datetime(2024, 1, 1, tzinfo=UTC), datetime.now(UTC))


def test_each_facts_changes_keep_their_order_in_successive_rounds() -> None:
    a, b = uuid4(), uuid4()
    writes = Writes()
    writes.change(STATUS, a, _known(1), "inactive")
    writes.change(STATUS, b, _known(2), "inactive")
    writes.change(STATUS, a, _known(3), "active")
    writes.change(ENDED, a, _known(4))  # another table: another fact, its first change
    writes.change(STATUS, a, _known(5), "inactive")

    rounds = _rounds(writes.changes)

    def positions(round_: dict[Change, list[tuple[object, ...]]]) -> dict[str, list[object]]:
        return {c.table: [row[2] for row in rows] for c, rows in round_.items()}

    assert [positions(r) for r in rounds] == [
        {"referral_statuses": [1, 2], "abeyance_states": [4]},
        {"referral_statuses": [3]},
        {"referral_statuses": [5]},
    ]


def test_no_changes_no_rounds() -> None:
    assert _rounds([]) == []
