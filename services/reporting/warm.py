"""The public release kept ready: built in the background once the projection has settled at a
new position, so that the page and the public reports answer from memory.

Building the release takes seconds for a county's history (every report, then the joint
suppression). While events keep arriving nothing is built (the next event would make it stale);
once the position has not moved for ``LEAD_REPORTING_WARM_AFTER_S``, the release of the default
scope (every site, the whole period, as of now) is built, exactly as a request would build it.
A request that arrives meanwhile waits for that build and shares it (``tables.catalog``).
"""

from __future__ import annotations

import asyncio
import contextlib

from services.platform.logging import get_logger
from services.platform.runtime import ServiceRuntime
from services.reporting.api import scope_of
from services.reporting.tables.catalog import public_tables
from services.reporting.tables.known import applied

log = get_logger(__name__)


async def keep_public_release_warm(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    """Until ``stop``: build the default public release at each position that has settled. A
    fault is logged and tried again at the next look (the request path builds it anyway)."""
    settle_s = runtime.settings.reporting_warm_after_s
    if settle_s <= 0:
        return
    seen: int | None = None
    built: int | None = None
    while not stop.is_set():
        try:
            async with runtime.pool.acquire() as conn:
                position = await applied(conn)
                if position == seen and position != built:
                    await public_tables(conn, scope_of(None, None))
                    built = position
                seen = position
        except Exception as error:
            log.warning("public_release_warm_failed", error_type=type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settle_s)
