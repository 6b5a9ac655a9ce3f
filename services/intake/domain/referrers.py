"""Who may refer on which pathway (domain.md, "Referral pathways"): the rule, stated once.

An agency refers on a pathway when its role is one of the pathway's referrer roles. A caller
(a token) refers as its own agency, and its role speaks for the agencies of some roles: a
``justice_partner`` token for probation, public defenders and prosecutors, a
``community_partner`` token for community, case-management and program partners. So the HTTP
API, the inbound topic and the decider all ask this module.
"""

from __future__ import annotations

from typing import Final

from events.categories import Pathway
from services.platform.program import AgencyRole
from services.platform.roles import Role

REFERRER_ROLES: Final[dict[Pathway, frozenset[AgencyRole]]] = {
    Pathway.PREBOOKING: frozenset({AgencyRole.LAW_ENFORCEMENT}),
    # Justice partners: probation, public defenders, and prosecutors.
    Pathway.SOCIAL_CONTACT: frozenset(
        {AgencyRole.LAW_ENFORCEMENT, AgencyRole.JUSTICE_PARTNER, AgencyRole.PROSECUTOR}
    ),
    # Non-justice entities.
    Pathway.COMMUNITY: frozenset(
        {AgencyRole.COMMUNITY_PARTNER, AgencyRole.CASE_MANAGEMENT, AgencyRole.PROGRAM_PARTNER}
    ),
}
"""The roles an agency making a referral on each pathway may have."""

SPEAKS_FOR: Final[dict[Role, frozenset[AgencyRole]]] = {
    Role.law_enforcement: frozenset({AgencyRole.LAW_ENFORCEMENT}),
    Role.justice_partner: frozenset({AgencyRole.JUSTICE_PARTNER, AgencyRole.PROSECUTOR}),
    Role.community_partner: frozenset(
        {AgencyRole.COMMUNITY_PARTNER, AgencyRole.CASE_MANAGEMENT, AgencyRole.PROGRAM_PARTNER}
    ),
}
"""The agency roles a referring caller's role speaks for."""


def caller_may_refer(role: Role, pathway: Pathway) -> bool:
    """Whether a caller of ``role`` may make referrals on ``pathway`` (as its own agency)."""
    return bool(REFERRER_ROLES[pathway] & SPEAKS_FOR.get(role, frozenset()))


def caller_role_for(agency_role: AgencyRole) -> Role | None:
    """The referring caller's role that speaks for an agency of ``agency_role`` (None: such an
    agency never refers)."""
    return next((role for role, roles in SPEAKS_FOR.items() if agency_role in roles), None)
