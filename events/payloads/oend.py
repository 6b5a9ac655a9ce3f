"""Overdose Education and Naloxone Distribution events (`lead.oend.events`)."""

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from events.categories import NaloxoneChannel
from events.payloads.base import EventPayload


class NaloxoneDistributed(EventPayload):
    subject_field: ClassVar[str] = "distribution_id"

    distribution_id: UUID
    channel: NaloxoneChannel
    kits: int = Field(ge=1)
    doses: int = Field(ge=1)
    distributed_on: date


class NaloxoneUseReported(EventPayload):
    """Recipients of one channel reported `uses` (overdose reversals)."""

    subject_field: ClassVar[str] = "report_id"

    report_id: UUID
    channel: NaloxoneChannel
    uses: int = Field(ge=0)
    reported_on: date
