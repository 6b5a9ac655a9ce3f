"""Which payload model each event type has, and decoding messages into typed events."""

from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from pydantic import ValidationError

from events.envelope import Envelope
from events.errors import InvalidPayload, MalformedMessage, UnknownEventType
from events.payloads import PAYLOAD_TYPES, EventPayload
from events.upcasters import upcast


class EventSpec(NamedTuple):
    model: type[EventPayload]
    schema_version: int
    """The current version: what producers write and what decoding upcasts to."""


REGISTRY: Final[Mapping[str, EventSpec]] = {
    model.event_type: EventSpec(model, model.schema_version) for model in PAYLOAD_TYPES
}


class DecodedEvent(NamedTuple):
    envelope: Envelope
    """At the current schema version, with the upcast payload."""
    payload: EventPayload


def event_spec(event_type: str) -> EventSpec:
    try:
        return REGISTRY[event_type]
    except KeyError:
        raise UnknownEventType(f"unknown event_type {event_type!r}") from None


def decode(raw: bytes | str | Mapping[str, Any]) -> DecodedEvent:
    """Parse, upcast and validate one message; raises an EventDecodeError subclass."""
    envelope = _parse_envelope(raw)
    spec = event_spec(envelope.event_type)
    fields = upcast(
        envelope.event_type, envelope.schema_version, spec.schema_version, envelope.payload
    )
    try:
        payload = spec.model.model_validate(fields)
    except ValidationError as error:
        raise InvalidPayload.from_validation(f"invalid {envelope.event_type}", error) from None
    if payload.subject != envelope.subject:
        raise InvalidPayload(
            f"subject {envelope.subject!r} is not the payload's {payload.subject_field}"
            f" {payload.subject!r}"
        )
    current = envelope.model_copy(update={"schema_version": spec.schema_version, "payload": fields})
    return DecodedEvent(current, payload)


def _parse_envelope(raw: bytes | str | Mapping[str, Any]) -> Envelope:
    try:
        if isinstance(raw, bytes | str):
            return Envelope.model_validate_json(raw)
        return Envelope.model_validate(raw)
    except ValidationError as error:
        raise MalformedMessage.from_validation("not an event envelope", error) from None
