"""Abeyance: the 30-day clock on pre-booking charges and the prosecutors' notices."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.abeyance.projection import ReferralIntake
from services.platform.db import Migration, Pool, migrations_in
from services.platform.projection import Projection
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings


def migrations() -> list[Migration]:
    return migrations_in("services.abeyance", "abeyance")


def projections(_pool: Pool) -> Sequence[Projection]:
    return (ReferralIntake(),)


SPEC = ServiceSpec(
    name="abeyance", migrations=migrations, projections=projections, originates_events=True
)


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(ServiceRuntime(SPEC, settings))
