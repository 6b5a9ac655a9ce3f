"""Abeyance, wired: the 30-day clock on pre-booking charges and the prosecutors' notices (the
composition root: its unit of work on the service's pool, its consumer, scheduler and routes)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import FastAPI

from events.topics import ABEYANCE_EVENTS, REFERRAL_EVENTS, notices_topic
from services.abeyance.adapters.lag_probe import LagProbe
from services.abeyance.adapters.postgres import PostgresAbeyanceUnitOfWork
from services.abeyance.application.decisions import Timekeeping
from services.abeyance.entrypoints import http, inbox
from services.abeyance.entrypoints.referral_events import CONSUMER, ReferralEventsConsumer
from services.abeyance.entrypoints.scheduler import run_scheduler
from services.platform.db import Migration, migrations_in
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings
from services.program import default_program


def migrations() -> list[Migration]:
    return migrations_in("services.abeyance", "abeyance")


def timekeeping_for(settings: Settings) -> Timekeeping:
    return Timekeeping(
        timedelta(seconds=settings.abeyance_grace_seconds),
        event_time_only=settings.abeyance_event_time_only,
    )


async def scheduler(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    timing = timekeeping_for(settings)
    probe = (  # on event time alone, nothing reads whether a partition is caught up
        None if timing.event_time_only else LagProbe(settings, REFERRAL_EVENTS, CONSUMER)
    )
    await run_scheduler(
        runtime.pool,
        lambda: PostgresAbeyanceUnitOfWork(runtime.pool),
        timing,
        CONSUMER,
        settings.abeyance_tick_seconds,
        stop,
        probe,
    )


def spec(settings: Settings) -> ServiceSpec:
    consumer = ReferralEventsConsumer(
        timekeeping_for(settings),
        default_program(),
        lambda conn: PostgresAbeyanceUnitOfWork(joining=conn, savepoint=False),
    )
    return ServiceSpec(
        name="abeyance",
        migrations=migrations,
        consumers=(consumer,),
        publishes=(ABEYANCE_EVENTS, notices_topic("{prosecuting_agency}")),
        background=(scheduler,),
    )


def create_app(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime(spec(settings), settings)
    app = create_service_app(runtime)
    app.state.timing = timekeeping_for(settings)
    app.state.unit_of_work = lambda: PostgresAbeyanceUnitOfWork(runtime.pool)
    http.install(app)
    app.include_router(inbox.router)
    return app
