"""Who may do what at intake (api.md, "Callers and credentials"), asked before a command runs
(so a caller who may not learns nothing more, not even whether a referral exists)."""

from __future__ import annotations

from events.categories import Pathway
from services.intake.domain.referrers import caller_may_refer
from services.platform.auth import Caller, Forbidden, Role
from services.program import Program


def check_may_refer(caller: Caller, pathway: Pathway, referring_agency: str) -> None:
    """A referring caller makes referrals of its role's pathways, as its own agency."""
    if caller.is_admin:
        return
    if not caller_may_refer(caller.role, pathway):
        raise Forbidden(f"role {caller.role} may not make {pathway} referrals")
    if referring_agency != caller.agency:
        raise Forbidden(f"a {caller.agency} token may only refer as {caller.agency}")


def check_may_work_on_referrals(caller: Caller) -> None:
    """Only case managers (for their own site) and admins work on referrals: asked before the
    referral is looked up."""
    if not caller.is_admin and caller.role is not Role.case_manager:
        raise Forbidden(f"role {caller.role} may not work on referrals")


def check_may_work_on(caller: Caller, site_code: str, program: Program) -> None:
    """A case manager works on the referrals of a site its agency manages cases for."""
    check_may_work_on_referrals(caller)
    if caller.is_admin:
        return
    site = program.site(site_code)
    if site is None or caller.agency not in site.case_management:
        raise Forbidden(f"{caller.agency} is not a case-management agency of {site_code}")


def check_role(caller: Caller, role: Role) -> None:
    if not caller.is_admin and caller.role is not role:
        raise Forbidden(f"only the {role} role (or an admin) may record this")


def caseload_sites(caller: Caller, program: Program) -> tuple[str, ...]:
    """The sites whose referrals a person sees on the caseload pages, with the participants'
    names: those its agency manages cases for. Only case managers: an admin works through the
    API, so that a name appears on a page to the case managers of its site alone."""
    if caller.role is not Role.case_manager:
        raise Forbidden("the caseload pages are for case managers")
    return tuple(
        code for code, site in program.sites.items() if caller.agency in site.case_management
    )


def check_may_see_case(caller: Caller, site_code: str, program: Program) -> None:
    if site_code not in caseload_sites(caller, program):
        raise Forbidden(f"{caller.agency} is not a case-management agency of {site_code}")
