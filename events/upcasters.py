"""Upcasters: turn a payload stored at an old schema version into the current one.

A rename or other breaking change gives the event a new `schema_version` (on its payload class)
and an upcaster from the previous version here. Upcasters run in a chain, one version at a time.
"""

from collections.abc import Callable, Mapping
from typing import Any, Final

from events.errors import UnsupportedSchemaVersion

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


def _status_field_renamed(payload: Payload) -> Payload:
    """ParticipantStatusChanged 1 -> 2: `new_status` became `status`."""
    upcast = {key: value for key, value in payload.items() if key != "new_status"}
    if "new_status" in payload:
        upcast["status"] = payload["new_status"]
    return upcast


UPCASTERS: Final[Mapping[tuple[str, int], Upcaster]] = {
    ("ParticipantStatusChanged", 1): _status_field_renamed,
}
"""(event_type, from_version) -> the function producing the payload at from_version + 1."""


def upcast(event_type: str, version: int, current: int, payload: Payload) -> Payload:
    """The payload of an `event_type` at `version`, brought to the `current` version."""
    if version > current:
        raise UnsupportedSchemaVersion(
            f"{event_type} schema_version {version} is newer than the supported {current}"
        )
    for from_version in range(version, current):
        step = UPCASTERS.get((event_type, from_version))
        if step is None:
            raise UnsupportedSchemaVersion(
                f"{event_type} has no upcaster from schema_version {from_version}"
            )
        payload = step(payload)
    return payload
