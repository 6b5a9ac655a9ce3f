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
from services.program.roles import Role

REFERRER_ROLES: Final[dict[Pathway, frozenset[Role]]] = {
    Pathway.PREBOOKING: frozenset({Role.law_enforcement}),
    # Justice partners: probation, public defenders, and prosecutors.
    Pathway.SOCIAL_CONTACT: frozenset(
        {Role.law_enforcement, Role.justice_partner, Role.prosecutor}
    ),
    # Non-justice entities.
    Pathway.COMMUNITY: frozenset({Role.community_partner, Role.case_manager, Role.program_partner}),
}
"""The roles an agency making a referral on each pathway may have."""

SPEAKS_FOR: Final[dict[Role, frozenset[Role]]] = {
    Role.law_enforcement: frozenset({Role.law_enforcement}),
    Role.justice_partner: frozenset({Role.justice_partner, Role.prosecutor}),
    Role.community_partner: frozenset(
        {Role.community_partner, Role.case_manager, Role.program_partner}
    ),
}
"""The agency roles a referring caller's role speaks for."""


def caller_may_refer(role: Role, pathway: Pathway) -> bool:
    """Whether a caller of ``role`` may make referrals on ``pathway`` (as its own agency)."""
    return bool(REFERRER_ROLES[pathway] & SPEAKS_FOR.get(role, frozenset()))


def caller_role_for(agency_role: Role) -> Role | None:
    """The referring caller's role that speaks for an agency of ``agency_role`` (None: such an
    agency never refers)."""
    return next((role for role, roles in SPEAKS_FOR.items() if agency_role in roles), None)
