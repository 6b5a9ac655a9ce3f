"""Structured JSON logs that never carry a person's identity.

Every line is JSON with the bound ``correlation_id`` / ``causation_id`` (structlog
contextvars). ``redact_personal_fields`` runs on every line, last before rendering, and removes
names and dates of birth wherever they are nested.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

PERSONAL_FIELDS = frozenset(
    {
        "person",
        "name",
        "given_name",
        "family_name",
        "first_name",
        "last_name",
        "full_name",
        "date_of_birth",
        "dob",
        "birth_date",
        "birthdate",
        "address",
    }
)
REDACTED = "[redacted]"


def _scrub(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {
            key: (REDACTED if str(key).lower() in PERSONAL_FIELDS else _scrub(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item) for item in value]
    return value


def redact_personal_fields(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: drop every personal field, at any depth."""
    return {
        key: (REDACTED if key.lower() in PERSONAL_FIELDS else _scrub(value))
        for key, value in event_dict.items()
    }


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """JSON logs on stderr (or ``stream``) for the service process."""
    logging.basicConfig(format="%(message)s", stream=stream or sys.stderr, level=level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_personal_fields,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def bind_trace(correlation_id: str | None, causation_id: str | None = None) -> None:
    """Attach tracing ids to every following log line of this task."""
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id, causation_id=causation_id)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
