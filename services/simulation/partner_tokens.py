"""The partners' bearer tokens for a simulation, kept in a file so that a re-run reuses them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from services.platform.auth import Role
from services.platform.settings import Settings
from services.tokens import create_token, register_token


async def simulation_tokens(
    settings: Settings, needed: set[tuple[str, str]], token_file: Path | None = None
) -> dict[tuple[str, str], str]:
    """A bearer token per (role, agency); kept in ``token_file`` (mode 600) when one is given."""
    kept = _load_tokens(token_file)
    tokens: dict[tuple[str, str], str] = {}
    for role, agency in sorted(needed):
        name = f"{role}/{agency}"
        if name in kept:
            await register_token(settings, kept[name], Role(role), agency)
        else:
            kept[name] = await create_token(settings, Role(role), agency)
        tokens[(role, agency)] = kept[name]
    if token_file is not None:
        _save_tokens(token_file, kept)
    return tokens


def _load_tokens(token_file: Path | None) -> dict[str, str]:
    if token_file is None or not token_file.exists():
        return {}
    kept: dict[str, str] = json.loads(token_file.read_text())
    return kept


def _save_tokens(token_file: Path, kept: dict[str, str]) -> None:
    token_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(kept, out, indent=2, sort_keys=True)
