"""Reading abeyances and notices, and acknowledging a notice: prosecutors see their own
agency's only, admins everything; every read of notices is audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.abeyance.application.unit_of_work import AbeyanceUnitOfWork
from services.platform.auth import Caller, Forbidden, Role
from services.platform.eventstore import StoredEvent


class NoSuchRecord(LookupError):
    """No abeyance for the referral, or no such notice."""


def check_may_read_abeyances(caller: Caller) -> None:
    """Only prosecutors (for their own agency's cases) and admins; asked before any lookup."""
    if not caller.is_admin and caller.role is not Role.prosecutor:
        raise Forbidden("only prosecutors (for their own agency) and admins may read abeyances")


def check_may_read_notices(caller: Caller) -> None:
    if not caller.is_admin and caller.role is not Role.prosecutor:
        raise Forbidden("only prosecutors and admins may read notices")


def _owns(caller: Caller, prosecuting_agency: str) -> bool:
    return caller.is_admin or (
        caller.role is Role.prosecutor and caller.agency == prosecuting_agency
    )


def history(events: list[StoredEvent]) -> list[dict[str, Any]]:
    return [
        {
            "event_type": e.envelope.event_type,
            "occurred_at": e.envelope.occurred_at.isoformat(),
            "recorded_at": e.envelope.recorded_at.isoformat(),
            "payload": e.envelope.payload,
        }
        for e in events
    ]


async def list_abeyances(
    uow: AbeyanceUnitOfWork, caller: Caller, state: str | None, site: str | None
) -> list[dict[str, Any]]:
    """Abeyances with their history, a prosecutor's own agency's only."""
    check_may_read_abeyances(caller)
    async with uow:
        found = await uow.abeyances.find(state, site, None if caller.is_admin else caller.agency)
        streams = await uow.events.read_many([a["referral_id"] for a in found])
    return [a | {"history": history(streams.get(a["referral_id"], []))} for a in found]


async def get_abeyance(
    uow: AbeyanceUnitOfWork, caller: Caller, referral_id: UUID
) -> dict[str, Any]:
    check_may_read_abeyances(caller)
    async with uow:
        found = await uow.abeyances.get(referral_id)
        if found is None:
            raise NoSuchRecord(f"no abeyance for referral {referral_id}")
        if not _owns(caller, found["prosecuting_agency"]):
            raise Forbidden("only the prosecuting agency of this case (or an admin) may read it")
        events = await uow.events.read(str(referral_id))
    return found | {"history": history(events)}


async def notices_for(
    uow: AbeyanceUnitOfWork, caller: Caller, now: datetime, overdue_after: timedelta
) -> list[dict[str, Any]]:
    """The caller's agency's notices, newest first (an admin: every agency's); a notice not
    acknowledged ``overdue_after`` its issue is overdue."""
    check_may_read_notices(caller)
    async with uow:
        rows = await uow.notices.of_agency(None if caller.is_admin else caller.agency)
        await uow.audit.record(caller, "GET notices", "notice", None, f"{len(rows)} read")
        await uow.commit()
    return [_notice(row, now, overdue_after) for row in rows]


async def read_notice(
    uow: AbeyanceUnitOfWork,
    caller: Caller,
    notice_id: UUID,
    now: datetime,
    overdue_after: timedelta,
) -> dict[str, Any]:
    """One of the caller's agency's notices (an admin: any), as ``GET /notices`` lists it;
    ``NoSuchRecord`` for any other."""
    check_may_read_notices(caller)
    async with uow:
        rows = await uow.notices.of_agency(None if caller.is_admin else caller.agency)
        row = next((r for r in rows if r["body"]["notice_id"] == str(notice_id)), None)
        if row is None:
            raise NoSuchRecord(f"no notice {notice_id}")
        await uow.audit.record(caller, "GET notice", "notice", str(notice_id), "read")
        await uow.commit()
    return _notice(row, now, overdue_after)


def _notice(row: dict[str, Any], now: datetime, overdue_after: timedelta) -> dict[str, Any]:
    """A notice as sent, with whether (and when) it was acknowledged; one not acknowledged
    ``overdue_after`` its issue is overdue."""
    body: dict[str, Any] = row["body"]
    return body | {
        "acknowledged_at": _iso(row["acknowledged_at"]),
        "overdue": row["acknowledged_at"] is None and now - row["issued_at"] > overdue_after,
    }


async def acknowledge(uow: AbeyanceUnitOfWork, caller: Caller, notice_id: UUID) -> datetime:
    """The notice's own agency confirms receipt (again: the first time stands)."""
    async with uow:
        found = await uow.notices.agency_of(notice_id)
        if found is None:
            raise NoSuchRecord(f"no notice {notice_id}")
        agency, acknowledged = found
        if not _owns(caller, agency):
            raise Forbidden("only the notice's own prosecuting agency may acknowledge it")
        acknowledged = acknowledged or await uow.notices.acknowledge(notice_id, caller.agency)
        await uow.audit.record(caller, "acknowledge", "notice", str(notice_id), "acknowledged")
        await uow.commit()
    return acknowledged


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
