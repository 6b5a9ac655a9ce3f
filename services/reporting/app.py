"""Reporting: the program's published tables, rebuilt from events."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.platform.db import Migration, Pool, migrations_in
from services.platform.projection import Projection
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings
from services.reporting.projection import Referrals


def migrations() -> list[Migration]:
    return migrations_in("services.reporting", "reporting")


def projections(_pool: Pool) -> Sequence[Projection]:
    return (Referrals(),)


SPEC = ServiceSpec(name="reporting", migrations=migrations, projections=projections)


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(ServiceRuntime(SPEC, settings))
