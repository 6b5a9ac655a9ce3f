"""``lead token create``: a new bearer token, stored hashed in every service's database."""

from __future__ import annotations

from services.platform.auth import Role, new_token, store_token
from services.platform.db import create_pool, ensure_database_exists, migrate
from services.platform.runtime import platform_migrations
from services.platform.settings import SERVICE_PORTS, Settings


async def create_token(settings: Settings, role: Role, agency: str) -> str:
    """Store one new token for ``role`` and ``agency`` in each service; the plain token."""
    token = new_token()
    await register_token(settings, token, role, agency)
    return token


async def register_token(settings: Settings, token: str, role: Role, agency: str) -> None:
    """Store ``token``'s hash in every service's database (idempotent)."""
    for service in SERVICE_PORTS:
        dsn = settings.database_url_for(service)
        await ensure_database_exists(dsn)
        pool = await create_pool(dsn, min_size=1, max_size=1)
        try:
            await migrate(pool, platform_migrations())
            await store_token(pool, token, role, agency)
        finally:
            await pool.close()
