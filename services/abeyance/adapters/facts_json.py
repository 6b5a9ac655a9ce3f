"""Facts of an abeyance as JSON: the inputs it was told and the events decided on them."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from events.payloads import EventPayload
from events.registry import event_spec
from services.abeyance.domain import DeadlineReached, Fact, Start, StepCompleted, Withdrew

_INPUTS: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Start, StepCompleted, Withdrew, DeadlineReached)
}


def to_json(fact: Fact) -> dict[str, Any]:
    if isinstance(fact, EventPayload):
        return {"event": fact.event_type, "data": fact.model_dump(mode="json")}
    name = type(fact).__name__
    return {"input": name, "data": TypeAdapter(_INPUTS[name]).dump_python(fact, mode="json")}


def from_json(data: dict[str, Any]) -> Fact:
    if "event" in data:
        model: type[EventPayload] = event_spec(data["event"]).model
        return model.model_validate(data["data"])
    fact: Fact = TypeAdapter(_INPUTS[data["input"]]).validate_python(data["data"])
    return fact
