"""Sessions of people signed in to a service's pages (docs/adr/0040).

A person proves who they are once, with a personal token (``lead token create``); the service
keeps a session for them in its own database and gives the browser a random session id in a
cookie. Only the id's hash is stored, so a copy of the table signs nobody in. A session stands
for the caller its token stood for, carries the form token that every form of the session must
send back (CSRF), and ends at sign-out, after an idle time, after a maximum age, or as soon as
its token is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.platform.auth import Caller, Role, hash_token
from services.platform.db import Pool
from services.platform.settings import Settings


@dataclass(frozen=True)
class Lifetime:
    """How long a session lasts: ``idle`` after its last request, ``longest`` in all."""

    idle: timedelta
    longest: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Lifetime:
        return cls(
            timedelta(minutes=settings.session_idle_minutes),
            timedelta(hours=settings.session_max_hours),
        )

    def is_live(self, started_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        return now - last_seen_at <= self.idle and now - started_at <= self.longest


@dataclass(frozen=True)
class Session:
    caller: Caller
    form_token: str
    """Sent back by every form of the session (the synchronizer token against CSRF)."""


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class PostgresSessions:
    """Sessions in the service's own database (``web_sessions``, a platform migration)."""

    def __init__(self, pool: Pool, lifetime: Lifetime) -> None:
        self._pool = pool
        self._lifetime = lifetime

    async def start(self, caller: Caller, token: str) -> str:
        """A new session for the caller ``token`` stands for; the id to put in the cookie.
        Sessions that expired meanwhile are cleared on the way."""
        session_id = secrets.token_urlsafe(32)
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM web_sessions WHERE last_seen_at < now() - $1::interval"
                " OR started_at < now() - $2::interval",
                self._lifetime.idle,
                self._lifetime.longest,
            )
            await conn.execute(
                "INSERT INTO web_sessions"
                " (session_hash, token_hash, token_id, role, agency, form_token)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                _digest(session_id),
                hash_token(token),
                caller.token_id,
                caller.role.value,
                caller.agency,
                secrets.token_urlsafe(32),
            )
        return session_id

    async def resume(self, session_id: str) -> Session | None:
        """The live session with this id (its idle time starts again), or None: unknown,
        expired (then removed) or its token revoked."""
        digest = _digest(session_id)
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT s.*, now() AS now, t.revoked_at FROM web_sessions s"
                " LEFT JOIN api_tokens t ON t.token_hash = s.token_hash"
                " WHERE s.session_hash = $1",
                digest,
            )
            if row is None:
                return None
            live = self._lifetime.is_live(row["started_at"], row["last_seen_at"], row["now"])
            if not live or row["revoked_at"] is not None:
                await conn.execute("DELETE FROM web_sessions WHERE session_hash = $1", digest)
                return None
            await conn.execute(
                "UPDATE web_sessions SET last_seen_at = now() WHERE session_hash = $1", digest
            )
        caller = Caller(Role(row["role"]), row["agency"], row["token_id"])
        return Session(caller, row["form_token"])

    async def end(self, session_id: str) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM web_sessions WHERE session_hash = $1", _digest(session_id)
            )
