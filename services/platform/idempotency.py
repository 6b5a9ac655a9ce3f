"""``Idempotency-Key`` on writes: the same key and body again returns the first answer.

The stored answer is written in the same transaction as the write it answers, so a retry after a
crash either finds both or neither. The same key with a different body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

from services.platform.auth import Caller
from services.platform.db import Connection


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


async def earlier_answer(
    conn: Connection, caller: Caller, key: str, print_: str
) -> StoredAnswer | None:
    """The first answer to this key (locking the key for the rest of the transaction)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{caller.token_id}/{key}")
    row = await conn.fetchrow(
        "SELECT fingerprint, status_code, response FROM idempotency_keys"
        " WHERE caller = $1 AND key = $2",
        caller.token_id,
        key,
    )
    if row is None:
        return None
    if row["fingerprint"] != print_:
        raise HTTPException(
            422,
            detail=[
                {
                    "loc": ["header", "Idempotency-Key"],
                    "msg": "this key was already used with a different request body",
                    "type": "idempotency_key_reused",
                }
            ],
        )
    return StoredAnswer(row["status_code"], row["response"])


async def remember_answer(
    conn: Connection, caller: Caller, key: str, print_: str, answer: StoredAnswer
) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys (caller, key, fingerprint, status_code, response)"
        " VALUES ($1, $2, $3, $4, $5)",
        caller.token_id,
        key,
        print_,
        answer.status_code,
        answer.body,
    )
