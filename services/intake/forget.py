"""``lead participant forget``: crypto-shredding of one participant's identity."""

from __future__ import annotations

from uuid import UUID

from services.intake import identities
from services.platform.audit import audit
from services.platform.auth import Caller, Role
from services.platform.db import create_pool
from services.platform.settings import Settings

OPERATOR = Caller(Role.admin, "operator", "cli")


async def forget_participant(settings: Settings, participant_id: UUID) -> bool:
    pool = await create_pool(settings.database_url_for("intake"), min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            destroyed = await identities.forget(conn, participant_id)
            outcome = "forgotten" if destroyed else "nothing to forget"
            await audit(conn, OPERATOR, "forget", "participant", str(participant_id), outcome)
    finally:
        await pool.close()
    return destroyed
