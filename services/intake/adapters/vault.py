"""The identity vault in PostgreSQL: who a participant is, kept only in intake, encrypted.

Each participant's identity is encrypted (AES-256-GCM) with a key of its own; that key is stored
wrapped (encrypted) by the deployment's master key. ``forget`` destroys the participant's key
(crypto-shredding): the ciphertext stays, but nothing can decrypt it any more, while events and
reports, which only ever carried the pseudonymous id, stay intact.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.intake.application.unit_of_work import IdentityForgotten
from services.intake.domain.participants import Identity
from services.platform.db import Connection
from services.platform.writes import DeferredWrites

_NONCE_BYTES = 12


def master_cipher(master_key: str) -> AESGCM:
    """The key-wrapping cipher from the configured master secret (any string)."""
    return AESGCM(hashlib.sha256(master_key.encode()).digest())


def _seal(cipher: AESGCM, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, plaintext, context)


def _open(cipher: AESGCM, sealed: bytes, context: bytes) -> bytes:
    return cipher.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)


class PostgresIdentities:
    def __init__(self, conn: Connection, master: AESGCM, deferred: DeferredWrites) -> None:
        self._conn = conn
        self._master = master
        self._deferred = deferred

    async def keep(self, participant_id: UUID, identity: Identity) -> None:
        """Store (or replace) the participant's identity under a fresh key of its own."""
        data_key = AESGCM.generate_key(bit_length=256)
        context = participant_id.bytes
        plaintext = json.dumps(
            {
                "g": identity.given_name,
                "f": identity.family_name,
                "d": identity.date_of_birth.isoformat(),
            }
        ).encode()
        self._deferred.add(
            "INSERT INTO identities (participant_id, wrapped_key, ciphertext) VALUES ($1, $2, $3)"
            " ON CONFLICT (participant_id) DO UPDATE SET wrapped_key = excluded.wrapped_key,"
            " ciphertext = excluded.ciphertext, forgotten_at = NULL, updated_at = now()",
            participant_id,
            _seal(self._master, data_key, context),
            _seal(AESGCM(data_key), plaintext, context),
            replaces=("identities", participant_id),
        )

    async def reveal(self, participant_id: UUID) -> Identity | None:
        await self._deferred.flush()
        row = await self._conn.fetchrow(
            "SELECT wrapped_key, ciphertext FROM identities WHERE participant_id = $1",
            participant_id,
        )
        if row is None:
            return None
        if row["wrapped_key"] is None:
            raise IdentityForgotten(f"participant {participant_id} was forgotten")
        context = participant_id.bytes
        data_key = _open(self._master, bytes(row["wrapped_key"]), context)
        fields = json.loads(_open(AESGCM(data_key), bytes(row["ciphertext"]), context))
        return Identity(fields["g"], fields["f"], date.fromisoformat(fields["d"]))

    async def forget(self, participant_id: UUID) -> bool:
        await self._deferred.flush()
        status = await self._conn.execute(
            "UPDATE identities SET wrapped_key = NULL, forgotten_at = now()"
            " WHERE participant_id = $1 AND wrapped_key IS NOT NULL",
            participant_id,
        )
        return bool(status.endswith(" 1"))
