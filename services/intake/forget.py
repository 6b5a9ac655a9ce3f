"""``lead participant forget``: crypto-shredding of one participant's identity, by an operator."""

from __future__ import annotations

from uuid import UUID

from services.intake.adapters.postgres import PostgresIntakeUnitOfWork
from services.intake.adapters.vault import master_cipher
from services.intake.application.queries import forget_participant as forget
from services.platform.auth import Caller, Role
from services.platform.db import create_pool
from services.platform.settings import Settings

OPERATOR = Caller(Role.admin, "operator", "cli")


async def forget_participant(settings: Settings, participant_id: UUID) -> bool:
    pool = await create_pool(settings.database_url_for("intake"), min_size=1, max_size=1)
    try:
        master = master_cipher(settings.identity_master_key.get_secret_value())
        return await forget(PostgresIntakeUnitOfWork(pool, master=master), OPERATOR, participant_id)
    finally:
        await pool.close()
