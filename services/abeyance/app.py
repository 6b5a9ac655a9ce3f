"""Abeyance: the 30-day clock on pre-booking charges and the prosecutors' notices."""

from __future__ import annotations

from fastapi import FastAPI

from events.topics import ABEYANCE_EVENTS, notices_topic
from services.abeyance.api import router
from services.abeyance.projection import ReferralIntake
from services.platform.db import Migration, migrations_in
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings


def migrations() -> list[Migration]:
    return migrations_in("services.abeyance", "abeyance")


SPEC = ServiceSpec(
    name="abeyance",
    migrations=migrations,
    projections=(ReferralIntake(),),
    publishes=(ABEYANCE_EVENTS, notices_topic("{prosecuting_agency}")),
)


def create_app(settings: Settings) -> FastAPI:
    app = create_service_app(ServiceRuntime(SPEC, settings))
    app.include_router(router)
    return app
