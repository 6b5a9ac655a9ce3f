"""The case manager's pages: the caseload and a referral's page with its forms.

Reads go through ``application.caseload`` (audited: they name people); every form runs the
command the API runs, through the same handler, validated by the same request model, with the
form's own ``Idempotency-Key`` (made when the page was drawn, so a second click of the same
form records nothing twice). Refusals come back as messages next to the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from events.categories import ParticipantStatus, Pathway
from services.intake.application import queries
from services.intake.application.access import check_may_see_case, check_may_work_on
from services.intake.application.case_steps import CASE_STEPS
from services.intake.application.caseload import PAGE_SIZE, case_file, caseload
from services.intake.application.commands import RecordCaseEvent
from services.intake.application.handlers import handle
from services.intake.domain.caseload import DUE_SOON_DAYS
from services.intake.domain.errors import Conflict, NotFound, Rejection
from services.intake.entrypoints import case_forms
from services.intake.entrypoints.web import intake_of, unit_of_work, write_of
from services.platform.idempotency import IdempotencyKeyReused
from services.platform.pages import PageRefused, SignedIn, Site
from services.platform.pages.site import words
from services.program import PROGRAM_TIME_ZONE

site = Site("intake", "Caseload", home="/caseload", templates="services.intake.entrypoints")
router = site.router({NotFound: 404, Conflict: 409})


PATHWAY_WORDS = {"prebooking": "pre-booking", "social_contact": "social contact"}


@dataclass(frozen=True)
class ShownForm:
    form: case_forms.CaseForm
    values: dict[str, str]
    errors: case_forms.Messages
    key: str
    """Its ``Idempotency-Key``, new each time the page is drawn."""


def _choice(value: str, allowed: type[ParticipantStatus] | type[Pathway]) -> str | None:
    """A filter's value, when it is one of ``allowed`` (otherwise: no filter)."""
    return value if value in allowed.__members__.values() else None


@router.get("/caseload", response_class=HTMLResponse)
async def caseload_page(
    request: Request,
    person: SignedIn = Depends(site.person),
    status: str = "",
    pathway: str = "",
    page: str = "1",
) -> HTMLResponse:
    intake = intake_of(request)
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    found = await caseload(
        unit_of_work(request),
        person.caller,
        intake.program,
        intake.clock(),
        status=_choice(status, ParticipantStatus),
        pathway=_choice(pathway, Pathway),
        page=number,
    )
    names = [s.name for code in found.sites if (s := intake.program.site(code))]
    return site.page(
        request,
        "caseload.html",
        person,
        title="Caseload",
        caseload=found,
        site_names=" and ".join(names) or "no site",
        filters={"status": _choice(status, ParticipantStatus) or "", "pathway": pathway},
        statuses=[(s.value, s.value) for s in ParticipantStatus],
        pathways=[(p.value, PATHWAY_WORDS.get(p.value, p.value)) for p in Pathway],
        page_number=number,
        page_size=PAGE_SIZE,
        due_soon_days=DUE_SOON_DAYS,
    )


@router.get("/caseload/{referral_id}", response_class=HTMLResponse)
async def referral_page(
    referral_id: UUID, request: Request, person: SignedIn = Depends(site.person), done: str = ""
) -> HTMLResponse:
    recorded = case_forms.CASE_FORMS[done].title if done in case_forms.CASE_FORMS else ""
    return await _referral_page(request, person, referral_id, recorded=recorded)


@router.post("/caseload/{referral_id}/{step}", response_model=None)
async def record_step(
    referral_id: UUID, step: str, request: Request, person: SignedIn = Depends(site.person)
) -> Response:
    """One of the referral page's forms: the API's command, or the page again with the
    refusal's messages next to the fields."""
    if step not in case_forms.CASE_FORMS:
        raise PageRefused(404, "There is no such form.")
    sent = {
        k: v for k, v in (await site.checked_form(request, person)).items() if isinstance(v, str)
    }
    intake, form = intake_of(request), case_forms.CASE_FORMS[step]
    site_code = await queries.site_of(unit_of_work(request), referral_id)
    check_may_see_case(person.caller, site_code, intake.program)
    check_may_work_on(person.caller, site_code, intake.program)
    configured = intake.program.site(site_code)
    zone = configured.time_zone if configured else PROGRAM_TIME_ZONE
    try:
        body = CASE_STEPS[step].body.model_validate(case_forms.body_of(form, sent, zone))
        key = sent.get("idempotency_key") or None
        write = write_of(request, person.caller, body, idempotency_key=key)
        command = RecordCaseEvent(write, site_code, CASE_STEPS[step].to_step(referral_id, body))
        await handle(command, unit_of_work(request), intake)
    except ValidationError as error:
        messages, status = case_forms.invalid(form, error), 422
    except (Rejection, IdempotencyKeyReused) as refusal:
        messages = case_forms.refused(form, refusal)
        status = 409 if isinstance(refusal, Conflict) else 422
    else:
        return RedirectResponse(f"/caseload/{referral_id}?done={step}", status_code=303)
    return await _referral_page(
        request, person, referral_id, failed=(step, messages, sent), status=status
    )


async def _referral_page(
    request: Request,
    person: SignedIn,
    referral_id: UUID,
    *,
    recorded: str = "",
    failed: tuple[str, case_forms.Messages, dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    intake = intake_of(request)
    now = intake.clock()
    found = await case_file(unit_of_work(request), person.caller, intake.program, referral_id, now)
    referral = found.case.referral
    configured = intake.program.site(referral["site"])
    zone = configured.time_zone if configured else PROGRAM_TIME_ZONE
    forms = []
    for form in case_forms.forms_for(referral):
        shown = ShownForm(form, case_forms.defaults(form, now, zone), {}, uuid4().hex)
        if failed and failed[0] == form.step:
            shown = ShownForm(form, failed[2], failed[1], uuid4().hex)
        forms.append(shown)
    return site.page(
        request,
        "referral.html",
        person,
        status=status,
        title=_name(found.case.person, found.case.identity),
        case=found.case,
        history=found.history,
        site_name=configured.name if configured else referral["site"],
        forms=forms,
        zone=zone,
        recorded=recorded,
        due_soon_days=DUE_SOON_DAYS,
    )


def _name(person: dict[str, str] | None, identity: str) -> str:
    if person is None:
        return "Identity forgotten" if identity == "forgotten" else "Identity not kept"
    return f"{person['given_name']} {person['family_name']}"


def history_details(payload: dict[str, Any]) -> str:
    """An event's facts in a line (not its ids, which say nothing to a person, nor its times,
    shown beside it)."""
    shown = [
        f"{words(key)}: {words(value)}"
        for key, value in payload.items()
        if not key.endswith(("_id", "_at")) and key != "arrest" and value not in (None, "")
    ]
    arrest = payload.get("arrest")
    if isinstance(arrest, dict):
        statutes = ", ".join(c["statute"] for c in arrest.get("charges", []))
        shown.append(f"report number: {arrest.get('report_number')}; charges: {statutes}")
    return "; ".join(shown)


def event_words(event_type: str) -> str:
    """``CarePlanCompleted`` reads "Care plan completed"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", event_type).capitalize()


site.env.globals["person_name"] = _name
site.env.filters["event_words"] = event_words
site.env.filters["history_details"] = history_details
site.env.filters["pathway"] = lambda code: PATHWAY_WORDS.get(code, words(code))
