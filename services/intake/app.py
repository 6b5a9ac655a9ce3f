"""Intake: the only way into the system."""

from __future__ import annotations

from fastapi import FastAPI

from events.topics import (
    EVALUATION_EVENTS,
    INBOUND_REFERRALS,
    INBOUND_REJECTED,
    OEND_EVENTS,
    REFERRAL_EVENTS,
)
from services.intake.api import router
from services.intake.commands import IntakeContext
from services.intake.inbound import InboundReferrals, InboundSubmission
from services.intake.records import router as records_router
from services.platform.db import Migration, migrations_in
from services.platform.program import default_program
from services.platform.runtime import ServiceRuntime, ServiceSpec, create_service_app
from services.platform.settings import Settings


def migrations() -> list[Migration]:
    return migrations_in("services.intake", "intake")


def inbound_consumer(runtime: ServiceRuntime) -> InboundReferrals:
    return InboundReferrals(IntakeContext.from_settings(runtime.settings, default_program()))


SPEC = ServiceSpec(
    name="intake",
    migrations=migrations,
    publishes=(REFERRAL_EVENTS, OEND_EVENTS, EVALUATION_EVENTS, INBOUND_REJECTED),
    receives={INBOUND_REFERRALS: InboundSubmission},
    consumers=(inbound_consumer,),
)


def create_app(settings: Settings) -> FastAPI:
    app = create_service_app(ServiceRuntime(SPEC, settings))
    app.state.intake = IntakeContext.from_settings(settings, default_program())
    app.include_router(router)
    app.include_router(records_router)
    return app
