"""One suite for every projection: fed live, rebuilt from the beginning, or given the same events
in another partition interleaving (other batches too), it ends in the same state.

Through the platform's runner into a real PostgreSQL; the records are made in memory, since the
point is to choose the orders, which a broker would not let a test do.
"""

from __future__ import annotations

import pytest

from tests.conftest import Infra
from tests.projections.cases import AbeyanceCase, Case, CaseloadCase, ReportingCase
from tests.projections.deliveries import interleaved, live, rebuild

pytestmark = pytest.mark.integration

CASES: dict[str, Case] = {
    "abeyance": AbeyanceCase(),
    "caseload": CaseloadCase(),
    "reporting": ReportingCase(),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_live_rebuild_and_another_interleaving_end_alike(infra: Infra, name: str) -> None:
    case = CASES[name]
    records = await case.records(infra)
    states = {}
    for order, batches in (
        ("live", live(records)),
        ("rebuild", rebuild(records)),
        ("interleaved", interleaved(records, seed=11)),
    ):
        projected = await case.fresh(infra, live=order == "live")
        for batch in batches:
            await projected.deliver(batch)
        states[order] = await projected.finish()
    case.check(states["live"])
    assert states["rebuild"] == states["live"]
    assert states["interleaved"] == states["live"]
