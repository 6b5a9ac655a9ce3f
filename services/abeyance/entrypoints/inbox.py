"""The prosecutor's notice inbox: an office's notices, newest first, filterable by decision,
overdue ones marked, acknowledged one by one or several at once, each printable.

Reads and acknowledgements are the API's own (``application.queries``): an office sees and
acknowledges its own notices only, never another agency's; an admin sees every office's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from events.categories import NoticeDecision
from services.abeyance.application import queries
from services.abeyance.entrypoints.http import units_of_work
from services.platform.http import runtime_of
from services.platform.pages import PageRefused, SignedIn, Site

site = Site("abeyance", "Notices", home="/inbox", templates="services.abeyance.entrypoints")
router = site.router({queries.NoSuchRecord: 404})

DECIDED_ON = {"declined": "declined_on", "expired": "expired_on", "rescinded": "rescinded_on"}
DECISION_WORDS = {
    "declined": "charges declined",
    "expired": "abeyance expired (the office may file)",
    "rescinded": "expiry rescinded",
}


def _overdue_after(request: Request) -> timedelta:
    return timedelta(days=runtime_of(request).settings.notice_ack_days)


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(
    request: Request,
    person: SignedIn = Depends(site.person),
    decision: str = "",
    acknowledged: str = "",
) -> HTMLResponse:
    uow = units_of_work(request)()
    found = await queries.notices_for(
        uow, person.caller, datetime.now(UTC), _overdue_after(request)
    )
    chosen = decision if decision in NoticeDecision.__members__.values() else ""
    shown = [n for n in found if not chosen or n["decision"] == chosen]
    return site.page(
        request,
        "inbox.html",
        person,
        title="Notices",
        notices=shown,
        total=len(found),
        overdue=sum(1 for n in found if n["overdue"]),
        decision=chosen,
        decisions=[(d.value, d.value) for d in NoticeDecision],
        acknowledged=int(acknowledged) if acknowledged.isdigit() else 0,
        ack_days=runtime_of(request).settings.notice_ack_days,
        every_office=person.caller.is_admin,
        decided_on=DECIDED_ON,
    )


@router.post("/inbox/acknowledge", response_model=None)
async def acknowledge(
    request: Request, person: SignedIn = Depends(site.person)
) -> RedirectResponse:
    """Acknowledge the notices ticked, or the one whose own button was pressed."""
    form = await site.checked_form(request, person)
    only = form.get("only")
    chosen = [only] if isinstance(only, str) and only else form.getlist("notice_id")
    ids = [_notice_id(value) for value in chosen if isinstance(value, str)]
    if not ids:
        raise PageRefused(422, "Tick at least one notice to acknowledge.")
    for notice_id in ids:
        await queries.acknowledge(units_of_work(request)(), person.caller, notice_id)
    back = form.get("decision")
    filtered = f"&decision={back}" if isinstance(back, str) and back in DECIDED_ON else ""
    return RedirectResponse(f"/inbox?acknowledged={len(ids)}{filtered}", status_code=303)


@router.get("/inbox/{notice_id}", response_class=HTMLResponse)
async def notice_page(
    notice_id: UUID, request: Request, person: SignedIn = Depends(site.person)
) -> HTMLResponse:
    """One notice, laid out to print: what the office received, word for word."""
    notice = await queries.read_notice(
        units_of_work(request)(),
        person.caller,
        notice_id,
        datetime.now(UTC),
        _overdue_after(request),
    )
    return site.page(
        request,
        "notice.html",
        person,
        title=f"Notice on report {notice['report_number']}: {DECISION_WORDS[notice['decision']]}",
        notice=notice,
        decided_on=DECIDED_ON,
    )


def _notice_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise PageRefused(404, "There is no such notice.") from None


def charges_line(charges: list[dict[str, Any]]) -> str:
    return "; ".join(f"{c['statute']} {c['description']} ({c['level']})" for c in charges)


site.env.filters["charges"] = charges_line
site.env.filters["decision"] = lambda decision: DECISION_WORDS.get(decision, decision)
