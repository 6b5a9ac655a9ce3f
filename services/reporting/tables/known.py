"""The read model as of a cut: SQL that every report table starts from.

Every query of a report takes the same first four parameters: the period's first and last day
(``$1``, ``$2``; NULL is open) and the cut (``$3``: facts known before this moment; ``$4``: facts
applied at or before this position). A version of a changing fact is the one of its cut when
its own fact is in the cut and the next one is not.
"""

from __future__ import annotations

from datetime import date, datetime

from services.platform.db import Connection
from services.reporting.tables.base import Scope

IN_CUT = "{t}.known_at < $3 AND {t}.position <= $4"
"""A fact that never changes, in the cut."""
VERSION_IN_CUT = (
    "{t}.known_from < $3 AND {t}.from_position <= $4"
    " AND ({t}.known_until >= $3 OR {t}.until_position > $4)"
)
"""The version of a changing fact that is current at the cut."""
IN_PERIOD = "($1::date IS NULL OR {c} >= $1) AND ($2::date IS NULL OR {c} <= $2)"

_LATEST_FIRST = "reported_at DESC, gender DESC, ethnicity DESC"
"""A participant's self-reports, latest first (ties broken by value, for determinism)."""
LATEST_DEMOGRAPHICS = f"""
SELECT DISTINCT ON (participant_id) participant_id, gender, ethnicity, reported_at
  FROM demographic_reports d
 WHERE {IN_CUT.format(t="d")}
 ORDER BY participant_id, {_LATEST_FIRST}
"""
"""Each participant's latest self-report in the cut."""
_LATEST_OF_PARTICIPANT = f"""
SELECT participant_id, gender, ethnicity, reported_at
  FROM demographic_reports d
 WHERE d.participant_id = r.participant_id AND {IN_CUT.format(t="d")}
 ORDER BY {_LATEST_FIRST}
 LIMIT 1
"""
"""The same for the participant of one referral ``r`` (an index lookup)."""


def _effective(attribute: str) -> str:
    """The referral's own report, unless a later self-report of its participant is known."""
    return (
        f"coalesce(CASE WHEN d.participant_id IS NOT NULL AND (r.reported_{attribute} IS NULL"
        f" OR r.referred_at < d.reported_at) THEN d.{attribute} END,"
        f" r.reported_{attribute}, 'unknown') AS {attribute}"
    )


def referrals_as_of(changed: str | None = None) -> str:
    """``WITH ... known AS (...)``: the referrals of the period in the cut, with their status,
    the position of that status and their demographics. ``changed`` (an SQL query of referral
    ids) restricts them to those ids; it is the ``changed`` CTE, computed first (materialized)
    so that the cost follows the changed referrals, not all of them (the warehouse feed runs
    it after every projection batch)."""
    if changed is None:
        before = f"latest AS ({LATEST_DEMOGRAPHICS}),"
        latest = "latest d ON d.participant_id = r.participant_id"
        only = ""
    else:
        before = f"changed AS MATERIALIZED ({changed}),"
        latest = f"LATERAL ({_LATEST_OF_PARTICIPANT}) d ON true"
        only = "AND r.referral_id IN (SELECT referral_id FROM changed)"
    return f"""
WITH {before}
known AS (
    SELECT r.referral_id, r.participant_id, r.site, r.pathway, r.referred_at, r.referred_on,
           s.status, s.withdrew_at, s.from_position AS status_position,
           {_effective("gender")}, {_effective("ethnicity")}
      FROM referrals r
      JOIN referral_statuses s
        ON s.referral_id = r.referral_id AND {VERSION_IN_CUT.format(t="s")}
      LEFT JOIN {latest}
     WHERE {IN_PERIOD.format(c="r.referred_on")} {only}
)
"""


REFERRALS = referrals_as_of()
"""``known``: the referrals of the period in the cut, with their status and demographics."""


async def applied(conn: Connection) -> int:
    """How many events the read model has applied: the position its reports reflect."""
    value: int = await conn.fetchval("SELECT position FROM projection_position")
    return value


def parameters(scope: Scope) -> tuple[date | None, date | None, datetime, int]:
    """``$1`` to ``$4`` of every report query."""
    cut = scope.as_of.cut
    return scope.period.start, scope.period.end, cut.until, cut.position
