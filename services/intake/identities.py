"""The identity vault: who a participant is, kept only in intake's database, encrypted.

Each participant's identity is encrypted (AES-256-GCM) with a key of its own; that key is stored
wrapped (encrypted) by the deployment's master key. ``forget`` destroys the participant's key
(crypto-shredding): the ciphertext stays, but nothing can decrypt it any more, while events and
reports, which only ever carried the pseudonymous id, stay intact.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.platform.db import Connection

_NONCE_BYTES = 12


@dataclass(frozen=True)
class Identity:
    given_name: str
    family_name: str
    date_of_birth: date


class IdentityForgotten(Exception):
    """The participant's key was destroyed: the identity cannot be recovered."""


def master_cipher(master_key: str) -> AESGCM:
    """The key-wrapping cipher from the configured master secret (any string)."""
    return AESGCM(hashlib.sha256(master_key.encode()).digest())


def _seal(cipher: AESGCM, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, plaintext, context)


def _open(cipher: AESGCM, sealed: bytes, context: bytes) -> bytes:
    return cipher.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)


async def keep(conn: Connection, master: AESGCM, participant_id: UUID, who: Identity) -> None:
    """Store (or replace) the participant's identity under a fresh key of its own."""
    data_key = AESGCM.generate_key(bit_length=256)
    context = participant_id.bytes
    plaintext = json.dumps(
        {"g": who.given_name, "f": who.family_name, "d": who.date_of_birth.isoformat()}
    ).encode()
    await conn.execute(
        "INSERT INTO identities (participant_id, wrapped_key, ciphertext) VALUES ($1, $2, $3)"
        " ON CONFLICT (participant_id) DO UPDATE SET wrapped_key = excluded.wrapped_key,"
        " ciphertext = excluded.ciphertext, forgotten_at = NULL, updated_at = now()",
        participant_id,
        _seal(master, data_key, context),
        _seal(AESGCM(data_key), plaintext, context),
    )


async def reveal(conn: Connection, master: AESGCM, participant_id: UUID) -> Identity | None:
    """The identity, or None when unknown; IdentityForgotten after ``forget``."""
    row = await conn.fetchrow(
        "SELECT wrapped_key, ciphertext FROM identities WHERE participant_id = $1",
        participant_id,
    )
    if row is None:
        return None
    if row["wrapped_key"] is None:
        raise IdentityForgotten(f"participant {participant_id} was forgotten")
    context = participant_id.bytes
    data_key = _open(master, bytes(row["wrapped_key"]), context)
    fields = json.loads(_open(AESGCM(data_key), bytes(row["ciphertext"]), context))
    return Identity(fields["g"], fields["f"], date.fromisoformat(fields["d"]))


async def forget(conn: Connection, participant_id: UUID) -> bool:
    """Destroy the participant's key; True when there was one to destroy."""
    status = await conn.execute(
        "UPDATE identities SET wrapped_key = NULL, forgotten_at = now()"
        " WHERE participant_id = $1 AND wrapped_key IS NOT NULL",
        participant_id,
    )
    return bool(status.endswith(" 1"))
