"""Intake, wired: its unit of work on the service's pool, its handlers' context, its routes and
its inbound consumer (the composition root: the only module that knows every layer)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from events.topics import (
    EVALUATION_EVENTS,
    INBOUND_REFERRALS,
    INBOUND_REJECTED,
    OEND_EVENTS,
    REFERRAL_EVENTS,
)
from services.intake.adapters.postgres import PostgresIntakeUnitOfWork
from services.intake.adapters.vault import master_cipher
from services.intake.application.handlers import Intake
from services.intake.entrypoints import pages, web
from services.intake.entrypoints.abeyance_events import AbeyanceEventsConsumer
from services.intake.entrypoints.inbound import InboundReferrals, InboundSubmission
from services.intake.entrypoints.records import router as records_router
from services.intake.entrypoints.referrals import router as referrals_router
from services.platform.db import Connection, Migration, migrations_in
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings
from services.program import default_program


def migrations() -> list[Migration]:
    return migrations_in("services.intake", "intake")


def intake_for(settings: Settings) -> Intake:
    return Intake(default_program(), settings.participant_key.get_secret_value().encode())


def joining_unit_of_work(settings: Settings) -> Callable[[Connection], PostgresIntakeUnitOfWork]:
    master = master_cipher(settings.identity_master_key.get_secret_value())
    return lambda conn: PostgresIntakeUnitOfWork(joining=conn, master=master)


def spec(settings: Settings) -> ServiceSpec:
    return ServiceSpec(
        name="intake",
        migrations=migrations,
        consumers=(
            InboundReferrals(intake_for(settings), joining_unit_of_work(settings)),
            AbeyanceEventsConsumer(joining_unit_of_work(settings)),
        ),
        publishes=(REFERRAL_EVENTS, OEND_EVENTS, EVALUATION_EVENTS, INBOUND_REJECTED),
        receives={INBOUND_REFERRALS: InboundSubmission},
    )


def create_app(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime(spec(settings), settings)
    app = create_service_app(runtime)
    master = master_cipher(settings.identity_master_key.get_secret_value())
    app.state.intake = intake_for(settings)
    app.state.unit_of_work = lambda: PostgresIntakeUnitOfWork(runtime.pool, master=master)
    web.install(app)
    app.include_router(referrals_router)
    app.include_router(records_router)
    app.include_router(pages.router)
    return app
