"""Every report by name, and building one: as computed (internal), or as the public sees it,
from the one public release of every report (``release.py``; ADR 0031)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from weakref import WeakKeyDictionary

from services.platform.db import Connection
from services.reporting.tables.abeyance import abeyance
from services.reporting.tables.base import ReportTable, Scope
from services.reporting.tables.known import applied
from services.reporting.tables.months import referrals_by_month
from services.reporting.tables.naloxone import naloxone
from services.reporting.tables.outcomes import outcomes
from services.reporting.tables.referrals import (
    demographics,
    referrals_by_pathway,
    referrals_by_site,
)
from services.reporting.tables.release import public_release

Builder = Callable[[Connection, Scope], Awaitable[ReportTable]]

REPORTS: dict[str, Builder] = {
    "referrals-by-site": referrals_by_site,
    "referrals-by-pathway": referrals_by_pathway,
    "demographics": demographics,
    "naloxone": naloxone,
    "outcomes": outcomes,
    "abeyance": abeyance,
    "referrals-by-month": referrals_by_month,
}


async def build(conn: Connection, name: str, scope: Scope, *, public: bool) -> ReportTable:
    """The report ``name``; for the public, as the public release shows it."""
    if public:
        return (await public_tables(conn, scope))[name]
    return await REPORTS[name](conn, replace(scope, public=False))


_RELEASES: OrderedDict[tuple[object, ...], dict[str, ReportTable]] = OrderedDict()
_KEPT = 8
_BUILDING: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


def _building() -> asyncio.Lock:
    """One release built at a time (per event loop): requests arriving while it is built wait
    for it and share it; each building its own would multiply the work on the same cores."""
    loop = asyncio.get_running_loop()
    lock = _BUILDING.get(loop)
    if lock is None:
        lock = _BUILDING[loop] = asyncio.Lock()
    return lock


async def public_tables(conn: Connection, scope: Scope) -> dict[str, ReportTable]:
    """Every report as the public sees it: suppressed jointly, as one release. Kept per period,
    as-of and position applied (the same data give the same release)."""
    database: str = await conn.fetchval("SELECT current_database()")
    key = (database, scope.period, scope.sites, scope.as_of, await applied(conn))
    if key in _RELEASES:
        _RELEASES.move_to_end(key)
        return _RELEASES[key]
    async with _building():
        if key in _RELEASES:  # built while this request waited
            return _RELEASES[key]
        return await _built(conn, scope, key)


async def _built(conn: Connection, scope: Scope, key: tuple[object, ...]) -> dict[str, ReportTable]:
    public = replace(scope, public=True)
    internal = {name: await builder(conn, public) for name, builder in REPORTS.items()}
    tables = await asyncio.to_thread(public_release, internal)  # CPU work: off the loop
    _RELEASES[key] = tables
    while len(_RELEASES) > _KEPT:
        _RELEASES.popitem(last=False)
    return tables
