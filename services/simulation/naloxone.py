"""The naloxone program's records: kits distributed and uses reported, month by month.

Each published count (per channel and period, see ``published.KITS`` and ``USES``) is split
over the months of its period with random weights, so that every published total is exact.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from services.simulation import published as pub
from services.simulation.actions import Action
from services.simulation.partners import OEND_AGENCY
from services.simulation.shares import apportion, scaled
from services.simulation.timeline import add_months, local

_KINDS = (
    (pub.KITS, "naloxone_distribution", "distributed_on", "kits", "/naloxone/distributions"),
    (pub.USES, "naloxone_use", "reported_on", "uses", "/naloxone/uses"),
)


def _months(period: pub.Period) -> list[tuple[date, date]]:
    months = []
    day = period.start
    while day <= period.end:
        nxt = add_months(day.replace(day=1), 1)
        months.append((day, min(nxt - timedelta(days=1), period.end)))
        day = nxt
    return months


def _monthly(rng: random.Random, period: pub.Period, total: int) -> list[tuple[date, date, int]]:
    months = _months(period)
    weights = {str(i): rng.randint(50, 150) for i in range(len(months))}
    split = apportion(weights, total)
    return [(a, b, split[str(i)]) for i, (a, b) in enumerate(months) if split[str(i)] > 0]


def naloxone_actions(rng: random.Random, scale: float) -> list[Action]:
    """One record per channel and month, sent 3 to 12 days after the month ends."""
    actions = []
    for table, kind, day_field, amount, path in _KINDS:
        for channel, periods in table.items():
            for period, count in periods.items():
                for first, last, n in _monthly(rng, period, scaled(count, scale)):
                    day = first + timedelta(days=rng.randint(0, (last - first).days))
                    sent = local(last, 24 * rng.randint(3, 12) + rng.uniform(9, 16))
                    body: dict[str, Any] = {"channel": channel, amount: n, day_field: str(day)}
                    if kind == "naloxone_distribution":
                        body["doses"] = n * pub.DOSES_PER_KIT
                    actions.append(
                        Action(
                            name=f"N/{kind}/{channel}/{first:%Y-%m}",
                            kind=kind,
                            sent_at=sent.replace(microsecond=0),
                            occurred_on=day,
                            role="oend",
                            agency=OEND_AGENCY,
                            channel="http",
                            path=path,
                            body=body,
                        )
                    )
    return actions
