"""Reporting: the program's published tables, rebuilt from events."""

from __future__ import annotations

from fastapi import FastAPI

from events.topics import REPORTING_FACTS
from services.platform.db import Migration, migrations_in
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings
from services.reporting.api import router
from services.reporting.page import router as page_router
from services.reporting.projection import ReportingProjection


def migrations() -> list[Migration]:
    return migrations_in("services.reporting", "reporting")


def spec(*, event_time: bool = False) -> ServiceSpec:
    return ServiceSpec(
        name="reporting",
        migrations=migrations,
        projections=(ReportingProjection(event_time=event_time),),
        publishes=(REPORTING_FACTS,),
    )


SPEC = spec()
"""What reporting is made of (for the AsyncAPI document); ``create_app`` reads its settings."""


def create_app(settings: Settings) -> FastAPI:
    app = create_service_app(
        ServiceRuntime(spec(event_time=settings.reporting_event_time_only), settings)
    )
    app.include_router(router)
    app.include_router(page_router)
    return app
