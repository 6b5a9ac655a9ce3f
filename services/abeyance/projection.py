"""Abeyance's view of referrals: one abeyance per pre-booking referral."""

from __future__ import annotations

from events.categories import Pathway
from events.payloads import ReferralMade
from events.registry import DecodedEvent
from events.topics import REFERRAL_EVENTS
from services.platform.db import Connection
from services.platform.projection import Source


class ReferralIntake:
    name = "referrals"
    topics = (REFERRAL_EVENTS,)

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        payload = event.payload
        if not isinstance(payload, ReferralMade) or payload.pathway is not Pathway.PREBOOKING:
            return
        assert payload.arrest is not None  # the contract requires it for prebooking
        await conn.execute(
            "INSERT INTO abeyances (referral_id, site, prosecuting_agency, report_number,"
            " referred_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            payload.referral_id,
            payload.site,
            payload.arrest.prosecuting_agency,
            payload.arrest.report_number,
            payload.referred_at,
        )
