"""The public page as one release, on the simulated LA County history (first snapshot).

A reader of every public table at once (the linear-programming attacker of the unit tests,
extended to the whole page) must recover no withheld count, and a number printed in several
tables must be shown in all of them or withheld in all. The reader's model of the page is built
here from the published cells and the tables' relations, independently of the suppression code.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from datetime import date

import pytest

from services.devstack.localinfra import ensure_database
from services.program import default_program
from services.reporting.domain import SUPPRESSED, Constraint, Key
from services.reporting.domain.as_of import AsOf
from services.reporting.tables import REPORTS, Period, ReportTable, Scope, build
from services.reporting.tables.release import withheld
from services.simulation import published as pub
from services.simulation.plan import build_plan
from tests.conftest import Infra
from tests.integration.reporting_support import feed, reporting_pool
from tests.integration.simulated_history import history
from tests.unit.test_suppression import lp_ranges

pytestmark = pytest.mark.integration
Quantity = tuple[str, Key]


def _any(key: Key) -> Key:
    return tuple((d, v) for d, v in key if v not in ("all", "total"))


def small(n: int) -> bool:
    return 1 <= n <= 10


class Page:
    """What a reader of the whole public page knows: shown numbers, labels and relations. A
    referral count is one number whatever table prints it (``all``/``total`` mean any); a
    table's alias of a referral count is that number when their values agree."""

    def __init__(self, internal: Mapping[str, ReportTable], public: Mapping[str, ReportTable]):
        self.values: dict[Quantity, int] = {}
        self.shown: dict[Quantity, set[object]] = defaultdict(set)
        self.unseen: dict[Quantity, bool] = {}  # never printed: is it protected (not free)?
        self.constraints: list[Constraint[Quantity]] = []
        for name in sorted(internal, key=lambda n: bool(internal[n].aliases)):
            self._read(internal[name], public[name])
        for q in self.shown:
            self.unseen.pop(q, None)  # printed in another table

    def quantity(self, table: ReportTable, key: Key, value: int) -> Quantity:
        alias = table.aliases.get(key)
        if alias is not None and self.values.get(("referrals", _any(alias))) == value:
            return ("referrals", _any(alias))
        return ("referrals", _any(key)) if table.grain == "referrals" else (table.name, key)

    def _read(self, internal: ReportTable, public: ReportTable) -> None:
        names: dict[Key, Quantity] = {}
        for before, after in zip(internal.cells, public.cells, strict=True):
            if isinstance(before.value, int) and before.measure != "pct":
                name = names[before.key] = self.quantity(internal, before.key, before.value)
                self.values[name] = before.value
                self.shown[name].add(after.value)
        for key, value in [*internal.unpublished.items(), *internal.free.items()]:
            name = names[key] = self.quantity(internal, key, value)
            self.values[name] = value
            self.unseen[name] = key not in internal.free and small(value)
        for c in internal.constraints:
            self.constraints.append(Constraint(names[c.total], tuple(names[p] for p in c.parts)))

    def withheld(self) -> set[Quantity]:
        return {q for q, seen in self.shown.items() if seen & {None, SUPPRESSED}}

    def groups(self) -> list[set[Quantity]]:
        """Withheld and unseen counts tied together by relations."""
        unknown = self.withheld() | set(self.unseen)
        parent = {q: q for q in unknown}

        def root(q: Quantity) -> Quantity:
            while parent[q] != q:
                q = parent[q]
            return q

        for c in self.constraints:
            inside = [m for m in c.members if m in unknown]
            for m in inside[1:]:
                parent[root(m)] = root(inside[0])
        groups: dict[Quantity, set[Quantity]] = defaultdict(set)
        for q in unknown:
            groups[root(q)].add(q)
        return list(groups.values())


@pytest.fixture(scope="module")
async def release(infra: Infra) -> AsyncIterator[tuple[Page, dict[str, ReportTable]]]:
    pool = await reporting_pool(await ensure_database(infra.server_dsn, f"t_{uuid.uuid4().hex}"))
    await feed(pool, list(history(build_plan(2017, 1.0, today=date.today()))), event_time=True)
    scope = Scope(Period(), tuple(default_program().sites), as_of=AsOf(day=pub.SNAPSHOT))
    async with pool.acquire() as conn:
        internal = {n: await build(conn, n, scope, public=False) for n in REPORTS}
        public = {n: await build(conn, n, scope, public=True) for n in REPORTS}
    await pool.close()
    counts = withheld(internal, public)
    print("withheld counts:", {n: (w.small, w.complements) for n, w in counts.items()})
    yield Page(internal, public), public


async def test_as_of_the_first_snapshot_the_public_site_summary_is_the_published_one(
    release: tuple[Page, dict[str, ReportTable]],
) -> None:
    _, public = release
    cells = public["referrals-by-site"].cells
    shown = {(c.dims["site"], c.dims["status"]): c.value for c in cells if c.measure == "n"}
    for site, statuses in pub.REFERRALS_BY_SITE_STATUS.items():
        for status, n in statuses.items():
            assert shown[(site, status)] == n
    assert shown[("all", "total")] == 408


async def test_a_number_is_shown_everywhere_it_is_printed_or_withheld_everywhere(
    release: tuple[Page, dict[str, ReportTable]],
) -> None:
    page, _ = release
    printed_twice = 0
    for name, seen in page.shown.items():
        assert len(seen) == 1, (name, seen)
        if small(page.values[name]):
            assert seen == {SUPPRESSED}, name
        printed_twice += sum(1 for c in page.constraints if name in c.members) > 0
    assert printed_twice > 100


async def test_a_reader_of_the_whole_page_recovers_no_withheld_count(
    release: tuple[Page, dict[str, ReportTable]],
) -> None:
    page, _ = release
    withheld_ = page.withheld()
    assert withheld_, "the page withholds small counts"
    for group in page.groups():
        relations = [c for c in page.constraints if any(m in group for m in c.members)]
        unseen = {q: (0.0, None) for q in group if q in page.unseen}
        # complements known to be at least 11: the strongest reader (its feasible set lies in
        # that of a reader who knows less, so passing it passes the weaker one too)
        ranges = lp_ranges(page.values, relations, frozenset(group), 11, unseen)
        for q, (low, high) in ranges.items():
            if q in withheld_ or page.unseen.get(q):
                top = high if math.isinf(high) else math.floor(high + 1e-6)
                assert top > math.ceil(low - 1e-6), (q, page.values[q], low, high)
