"""Callers: bearer tokens that map to a role and an agency.

Tokens are stored as SHA-256 hashes (``api_tokens``); the plain token is shown once, when it is
created. ``LEAD_ADMIN_TOKEN``, when set, is accepted as an admin credential (local stacks, CI).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

from services.platform.db import Pool
from services.program.roles import Role

__all__ = [
    "Authenticator",
    "Caller",
    "Forbidden",
    "Role",
    "forbid",
    "hash_token",
    "new_token",
    "store_token",
]


@dataclass(frozen=True)
class Caller:
    role: Role
    agency: str
    token_id: str

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "lead_" + secrets.token_urlsafe(32)


async def store_token(pool: Pool, token: str, role: Role, agency: str) -> str:
    """Record a token's hash; the token id (the hash's prefix) for audit records."""
    digest = hash_token(token)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO api_tokens (token_hash, role, agency) VALUES ($1, $2, $3)"
            " ON CONFLICT (token_hash) DO UPDATE SET role = excluded.role,"
            " agency = excluded.agency, revoked_at = NULL",
            digest,
            role.value,
            agency,
        )
    return digest[:12]


class Authenticator:
    """Known tokens are remembered for ``remember_s`` seconds (a revocation takes effect within
    that time), so that a request costs no database round trip for its caller."""

    def __init__(self, pool: Pool, admin_token: str | None, remember_s: float = 5.0) -> None:
        self._pool = pool
        self._admin_token = admin_token
        self._remember_s = remember_s
        self._known: dict[str, tuple[Caller, float]] = {}

    async def caller_for(self, token: str) -> Caller | None:
        if self._admin_token and hmac.compare_digest(token, self._admin_token):
            return Caller(Role.admin, "admin", "admin-env")
        digest = hash_token(token)
        known = self._known.get(digest)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT role, agency FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                digest,
            )
        if row is None:
            self._known.pop(digest, None)
            return None
        caller = Caller(Role(row["role"]), row["agency"], digest[:12])
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[digest] = (caller, time.monotonic() + self._remember_s)
        return caller

    async def __call__(self, request: Request) -> Caller:
        """FastAPI dependency: the authenticated caller, or 401."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        caller = await self.caller_for(token.strip()) if scheme.lower() == "bearer" else None
        if caller is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return caller


class Forbidden(Exception):
    """The caller is known but may not do this (answered 403 by every service)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def forbid(reason: str) -> Forbidden:
    return Forbidden(reason)
