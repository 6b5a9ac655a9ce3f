"""Writes that need no answer, sent to PostgreSQL together: one round trip for all of them.

A unit of work's repositories ``add`` such writes (an audit line, a read-model row, a stored
answer) instead of executing each; ``flush`` sends them as one statement (each write a
data-modifying CTE, its parameters renumbered), before the unit of work commits or before a
repository reads what they wrote. A failing write fails the flush, and so the unit of work.
"""

from __future__ import annotations

import re
from typing import Any

from services.platform.db import Connection

_PARAMETER = re.compile(r"\$(\d+)")


class DeferredWrites:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._writes: dict[object, tuple[str, tuple[Any, ...]]] = {}

    def add(self, sql: str, *args: Any, replaces: object = None) -> None:
        """A single INSERT/UPDATE/DELETE statement (no WITH of its own) and its parameters.
        ``replaces``: what the write sets (e.g. a row's key); a later write of the same replaces
        the earlier one (one statement may not change a row twice)."""
        key = replaces if replaces is not None else object()
        self._writes.pop(key, None)
        self._writes[key] = (sql, args)

    async def flush(self) -> None:
        writes, self._writes = list(self._writes.values()), {}
        if not writes:
            return
        if len(writes) == 1:
            await self._conn.execute(writes[0][0], *writes[0][1])
            return
        parts: list[str] = []
        params: list[Any] = []
        for i, (sql, args) in enumerate(writes):
            parts.append(f"w{i} AS ({_shifted(sql, len(params))})")
            params += args
        await self._conn.execute(f"WITH {', '.join(parts)} SELECT 1", *params)


def _shifted(sql: str, offset: int) -> str:
    """``sql`` with its parameters ``$n`` renumbered ``$(n + offset)``."""

    def renumber(match: re.Match[str]) -> str:
        return f"${int(match.group(1)) + offset}"

    return _PARAMETER.sub(renumber, sql)
