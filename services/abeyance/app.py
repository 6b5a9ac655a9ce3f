"""Abeyance: the 30-day clock on pre-booking charges and the prosecutors' notices."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from events.topics import ABEYANCE_EVENTS, REFERRAL_EVENTS, notices_topic
from services.abeyance.api import router
from services.abeyance.keeper import keeper_for
from services.abeyance.lag import LagProbe
from services.abeyance.projection import CONSUMER, ReferralEvents
from services.abeyance.scheduler import run_scheduler
from services.platform.db import Migration, migrations_in
from services.platform.program import default_program
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings


def migrations() -> list[Migration]:
    return migrations_in("services.abeyance", "abeyance")


async def scheduler(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    keeper = keeper_for(runtime.settings)
    interval = runtime.settings.abeyance_tick_seconds
    probe = (  # on event time alone, nothing reads whether a partition is caught up
        None if keeper.event_time_only else LagProbe(runtime.settings, REFERRAL_EVENTS, CONSUMER)
    )
    await run_scheduler(runtime.pool, keeper, CONSUMER, interval, stop, probe)


def spec(settings: Settings) -> ServiceSpec:
    return ServiceSpec(
        name="abeyance",
        migrations=migrations,
        projections=(ReferralEvents(keeper_for(settings), default_program()),),
        publishes=(ABEYANCE_EVENTS, notices_topic("{prosecuting_agency}")),
        background=(scheduler,),
    )


SPEC = spec(Settings())


def create_app(settings: Settings) -> FastAPI:
    app = create_service_app(ServiceRuntime(spec(settings), settings))
    app.include_router(router)
    return app
