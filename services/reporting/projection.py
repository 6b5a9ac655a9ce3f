"""Reporting's projection of referral events into set-based tables."""

from __future__ import annotations

from events.payloads import ReferralMade
from events.registry import DecodedEvent
from events.topics import REFERRAL_EVENTS
from services.platform.db import Connection
from services.platform.projection import Source


class Referrals:
    name = "referrals"
    topics = (REFERRAL_EVENTS,)

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        payload = event.payload
        if isinstance(payload, ReferralMade):
            await conn.execute(
                "INSERT INTO referrals (referral_id, participant_id, site, pathway, referred_at,"
                " is_re_referral, gender, ethnicity, age_at_referral)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                payload.referral_id,
                payload.participant_id,
                payload.site,
                payload.pathway.value,
                payload.referred_at,
                payload.is_re_referral,
                (payload.gender or "unknown"),
                (payload.ethnicity or "unknown"),
                payload.age_at_referral,
            )
