"""Small pieces every service's HTTP adapter uses."""

from __future__ import annotations

from fastapi import Request

from services.platform.auth import Caller
from services.platform.runtime import ServiceRuntime


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def caller_of(request: Request) -> Caller:
    """FastAPI dependency: the authenticated caller (401 otherwise)."""
    return await runtime_of(request).authenticate(request)
