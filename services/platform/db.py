"""PostgreSQL access: a pool per service database and ordered SQL migrations.

Migrations are plain ``NNN_name.sql`` files shipped inside a package (``migrations/``). Each
component (the shared platform, then the service) keeps its own numbering; applied versions are
recorded in ``schema_migrations`` so every start is idempotent. A transaction-level advisory lock
lets several replicas start at once.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:
    Pool = asyncpg.Pool
    Connection = asyncpg.Connection

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_MIGRATION_LOCK = 4_242_001


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    name: str
    sql: str


def migrations_in(package: str, component: str) -> list[Migration]:
    """The migrations of one component, in order, from ``<package>/migrations``."""
    folder = resources.files(package).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(component, int(match[1]), entry.name, entry.read_text()))
    return sorted(found, key=lambda m: m.version)


async def migrate(pool: Pool, migrations: list[Migration]) -> list[str]:
    """Apply what is not applied yet; return the names applied now."""
    applied_now = []
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   component text NOT NULL,
                   version int NOT NULL,
                   name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        rows = await conn.fetch("SELECT component, version FROM schema_migrations")
        done = {(r["component"], r["version"]) for r in rows}
        for migration in migrations:
            if (migration.component, migration.version) in done:
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                migration.component,
                migration.version,
                migration.name,
            )
            applied_now.append(f"{migration.component}/{migration.name}")
    return applied_now


async def _init_connection(conn: Connection) -> None:
    import json

    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class _Connection(asyncpg.Connection):
    """A pooled connection returned without a reset round trip: the services keep no session
    state (locks are transaction-level, no LISTEN on pooled connections, no SET), and a unit of
    work always ends its transaction."""

    def get_reset_query(self) -> str:
        return ""


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 20,
    connect_timeout_s: float = 5.0,
    command_timeout_s: float | None = 60.0,
) -> Pool:
    """A pool whose connects and statements time out (a lost server is a fault, not a hang)."""
    pool: Pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        timeout=connect_timeout_s,
        command_timeout=command_timeout_s,
        connection_class=_Connection,
    )
    return pool


async def ensure_database_exists(dsn: str) -> None:
    """Create the database named by ``dsn`` when the server allows it (local stacks, tests)."""
    from urllib.parse import urlsplit

    from services.platform.settings import with_database

    name = urlsplit(dsn).path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"database name {name!r} is not a plain identifier")
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(with_database(dsn, "postgres"))
        try:
            await create_database(admin, name)
        finally:
            await admin.close()
    else:
        await conn.close()


async def create_database(admin: Connection, name: str) -> None:
    """``CREATE DATABASE name`` unless another creator (a second worker, a concurrent test) won
    the race: PostgreSQL then says "already exists" or, mid-creation, a unique violation."""
    with contextlib.suppress(asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
        await admin.execute(f'CREATE DATABASE "{name}"')


def record_to_dict(record: Any) -> dict[str, Any]:
    return dict(record.items())
