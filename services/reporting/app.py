"""Reporting: the program's published tables, rebuilt from events."""

from __future__ import annotations

from fastapi import FastAPI

from events.topics import REPORTING_FACTS
from services.platform.db import Migration, migrations_in
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings
from services.reporting.api import router
from services.reporting.overview import router as overview_router
from services.reporting.page import router as page_router
from services.reporting.projection import ReportingProjection
from services.reporting.warm import keep_public_release_warm


def migrations() -> list[Migration]:
    return migrations_in("services.reporting", "reporting")


def spec(settings: Settings) -> ServiceSpec:
    return ServiceSpec(
        name="reporting",
        migrations=migrations,
        consumers=(ReportingProjection(event_time=settings.reporting_event_time_only),),
        publishes=(REPORTING_FACTS,),
        background=(keep_public_release_warm,),
    )


def create_app(settings: Settings) -> FastAPI:
    app = create_service_app(ServiceRuntime(spec(settings), settings))
    app.include_router(router)
    app.include_router(page_router)
    app.include_router(overview_router)
    return app
