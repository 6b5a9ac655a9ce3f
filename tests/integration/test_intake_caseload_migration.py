"""Intake's migration 004 on a database that already holds referrals: each referral view gets
its referral moment as a column (the caseload's order), even one whose UTC offset PostgreSQL's
text input refuses (left empty: it sorts last until its referral's next event)."""

from __future__ import annotations

import pytest

from services.intake.app import migrations as intake_migrations
from services.platform.db import create_pool, migrate
from services.platform.runtime import platform_migrations

pytestmark = pytest.mark.integration


async def test_existing_referral_views_get_their_referral_moment(database: str) -> None:
    before = [m for m in intake_migrations() if m.version < 4]
    pool = await create_pool(database)
    try:
        await migrate(pool, platform_migrations() + before)
        async with pool.acquire() as conn:
            for referral, moment in (
                ("7b8f4c1e-0000-4000-8000-000000000001", "2024-05-14T10:30:00-07:00"),
                ("7b8f4c1e-0000-4000-8000-000000000002", "2024-05-15T10:30:00+20:00"),
            ):
                await conn.execute(
                    "INSERT INTO referral_view (referral_id, site, participant_id, state)"
                    " VALUES ($1, 'hollywood', $1, $2)",
                    referral,
                    {"referral_id": referral, "referred_at": moment},
                )
        applied = await migrate(pool, platform_migrations() + intake_migrations())
        assert applied == ["intake/004_abeyance_view.sql"]
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT referral_id::text, referred_at FROM referral_view"
                " ORDER BY referred_at DESC NULLS LAST"
            )
    finally:
        await pool.close()
    assert [r["referral_id"][-1] for r in rows] == ["1", "2"]
    assert rows[0]["referred_at"].isoformat() == "2024-05-14T17:30:00+00:00"
    assert rows[1]["referred_at"] is None
